// After an erasure (provenance.store.neo4j.Neo4jStore.purge): one node of filler text, as long
// as a transaction log file, so the log rotates past the erasure's transaction and the files
// holding the replaced values can be pruned at the next checkpoint. String properties (not a
// list), so they may reuse the string records the erasure freed. No lineage query matches
// the label; purge_unfill.cypher deletes it right away.
:param fill => {f0: "0000"}
CREATE (f:ErasureFiller)
SET f += $fill
RETURN count(f) AS written
