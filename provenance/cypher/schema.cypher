// Schema of the lineage graph: uniqueness on ids, indexes on what queries filter by.
// Applied idempotently every time the store connects; safe to run by hand in Neo4j Browser.
// Names, kinds, uris and operations may be of any length, but a RANGE index entry holds at
// most about 8 KB (a TEXT index about 32 KB): lookups go through a bounded key instead, the
// first 1000 characters of the value (name_key = left(name, 1000), at most 4000 bytes), set
// by the upsert queries and indexed here; a lookup seeks the key, then compares the value.
CREATE CONSTRAINT artifact_id IF NOT EXISTS FOR (n:Artifact) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT transform_id IF NOT EXISTS FOR (n:Transform) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT code_version_id IF NOT EXISTS FOR (n:CodeVersion) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT model_id IF NOT EXISTS FOR (n:Model) REQUIRE n.id IS UNIQUE;
CREATE INDEX artifact_name_key IF NOT EXISTS FOR (n:Artifact) ON (n.name_key);
CREATE INDEX artifact_kind_key IF NOT EXISTS FOR (n:Artifact) ON (n.kind_key);
CREATE INDEX artifact_uri_key IF NOT EXISTS FOR (n:Artifact) ON (n.uri_key);
CREATE INDEX artifact_created_at IF NOT EXISTS FOR (n:Artifact) ON (n.created_at);
CREATE INDEX transform_operation_key IF NOT EXISTS FOR (n:Transform) ON (n.operation_key);
CREATE INDEX transform_name_key IF NOT EXISTS FOR (n:Transform) ON (n.name_key);
CREATE INDEX transform_created_at IF NOT EXISTS FOR (n:Transform) ON (n.created_at);
CREATE INDEX transform_started_at IF NOT EXISTS FOR (n:Transform) ON (n.started_at);
CREATE INDEX code_version_created_at IF NOT EXISTS FOR (n:CodeVersion) ON (n.created_at);
CREATE CONSTRAINT log_entry_seq IF NOT EXISTS FOR (n:LogEntry) REQUIRE n.seq IS UNIQUE;
CREATE CONSTRAINT log_entry_digest IF NOT EXISTS FOR (n:LogEntry) REQUIRE n.digest IS UNIQUE;
CREATE CONSTRAINT seal_key_id IF NOT EXISTS FOR (n:SealKey) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT log_lock_name IF NOT EXISTS FOR (n:LogLock) REQUIRE n.name IS UNIQUE;
