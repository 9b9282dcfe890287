// Delete every lineage node and its relationships, in batches (tests and benchmarks only).
MATCH (n) WHERE n:Artifact OR n:Transform OR n:CodeVersion
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
