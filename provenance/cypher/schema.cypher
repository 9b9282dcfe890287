// Schema of the lineage graph: uniqueness on ids, indexes on what queries filter by.
// Applied idempotently every time the store connects; safe to run by hand in Neo4j Browser.
CREATE CONSTRAINT artifact_id IF NOT EXISTS FOR (n:Artifact) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT transform_id IF NOT EXISTS FOR (n:Transform) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT code_version_id IF NOT EXISTS FOR (n:CodeVersion) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT model_id IF NOT EXISTS FOR (n:Model) REQUIRE n.id IS UNIQUE;
CREATE INDEX artifact_name IF NOT EXISTS FOR (n:Artifact) ON (n.name);
CREATE INDEX artifact_kind IF NOT EXISTS FOR (n:Artifact) ON (n.kind);
CREATE INDEX artifact_uri IF NOT EXISTS FOR (n:Artifact) ON (n.uri);
CREATE INDEX artifact_created_at IF NOT EXISTS FOR (n:Artifact) ON (n.created_at);
CREATE INDEX transform_operation IF NOT EXISTS FOR (n:Transform) ON (n.operation);
CREATE INDEX transform_name IF NOT EXISTS FOR (n:Transform) ON (n.name);
CREATE INDEX transform_created_at IF NOT EXISTS FOR (n:Transform) ON (n.created_at);
CREATE INDEX transform_started_at IF NOT EXISTS FOR (n:Transform) ON (n.started_at);
CREATE INDEX code_version_created_at IF NOT EXISTS FOR (n:CodeVersion) ON (n.created_at);
CREATE CONSTRAINT log_entry_seq IF NOT EXISTS FOR (n:LogEntry) REQUIRE n.seq IS UNIQUE;
CREATE CONSTRAINT log_entry_digest IF NOT EXISTS FOR (n:LogEntry) REQUIRE n.digest IS UNIQUE;
CREATE CONSTRAINT log_lock_name IF NOT EXISTS FOR (n:LogLock) REQUIRE n.name IS UNIQUE;
