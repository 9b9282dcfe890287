// The settings that decide whether the transaction logs can still hold values an erasure
// replaced (provenance.store.neo4j.Neo4jStore.purge): log rotation size, retention policy,
// checkpoint interval. An admin command: run in an auto-commit transaction.
:param names => ["db.tx_log.rotation.size", "db.tx_log.rotation.retention_policy", "db.checkpoint.interval.time"]
SHOW SETTINGS YIELD name, value
WHERE name IN $names
RETURN name, value
