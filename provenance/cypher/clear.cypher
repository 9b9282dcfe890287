// Delete every lineage node and relationship, and the tamper-evident log, in batches (tests
// and benchmarks only).
// Transforms go first: every relationship starts at one, so each batch detaches a few edges
// per transform, and no batch has to detach a node holding hundreds of thousands of them (a
// code version shared by every transform), which would exceed the server's transaction
// memory on a million-node graph.
MATCH (t:Transform)
CALL (t) { DETACH DELETE t } IN TRANSACTIONS OF 5000 ROWS;
MATCH (n) WHERE n:Artifact OR n:CodeVersion
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS;
MATCH (l) WHERE l:LogEntry OR l:LogLock OR l:SealKey
CALL (l) { DETACH DELETE l } IN TRANSACTIONS OF 100 ROWS
