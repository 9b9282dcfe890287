// Upgrade a graph written before lookup keys (see schema.cypher): give every node the keys
// the upsert queries now set, then drop the RANGE indexes on the raw values. Idempotent; run
// by the store when legacy_indexes.cypher finds any of those indexes.
MATCH (a:Artifact)
WHERE (a.name IS NOT NULL AND a.name_key IS NULL)
   OR (a.kind IS NOT NULL AND a.kind_key IS NULL)
   OR (a.uri IS NOT NULL AND a.uri_key IS NULL)
CALL (a) {
  SET a.name_key = left(a.name, 1000), a.kind_key = left(a.kind, 1000),
      a.uri_key = left(a.uri, 1000)
} IN TRANSACTIONS OF 10000 ROWS;
MATCH (t:Transform)
WHERE (t.operation IS NOT NULL AND t.operation_key IS NULL)
   OR (t.name IS NOT NULL AND t.name_key IS NULL)
CALL (t) {
  SET t.operation_key = left(t.operation, 1000), t.name_key = left(t.name, 1000)
} IN TRANSACTIONS OF 10000 ROWS;
DROP INDEX artifact_name IF EXISTS;
DROP INDEX artifact_kind IF EXISTS;
DROP INDEX artifact_uri IF EXISTS;
DROP INDEX transform_operation IF EXISTS;
DROP INDEX transform_name IF EXISTS;
