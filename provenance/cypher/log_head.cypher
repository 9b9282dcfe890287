// The newest entry of the tamper-evident log (provenance/store/chain.py), body included: a
// backward seek on the index of the log_entry_seq constraint. (A write reads the head it
// chains to with its lock, lock_log.cypher.)
MATCH (l:LogEntry) WHERE l.seq IS NOT NULL
WITH l ORDER BY l.seq DESC LIMIT 1
RETURN l {.seq, .digest, .prev, .at, .nodes, .edges, .body, .version} AS entry
