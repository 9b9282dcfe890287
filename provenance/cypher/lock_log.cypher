// Take the log's write lock, first thing in a write's transaction: a singleton node (the
// log_lock_name constraint makes the MERGE race-free) whose counter every write bumps. Writers
// to one database thus run one at a time: each reads the nodes it merges into as the previous
// writer committed them, and chains its entry to the head that writer left, returned here (a
// backward seek on the index of the log_entry_seq constraint; empty before the first entry)
// so a write costs one round trip for both.
MERGE (k:LogLock {name: "log"})
SET k.writes = coalesce(k.writes, 0) + 1
WITH k
CALL {
  MATCH (l:LogEntry) WHERE l.seq IS NOT NULL
  WITH l ORDER BY l.seq DESC LIMIT 1
  RETURN collect(l {.seq, .digest}) AS head
}
RETURN k.writes AS writes, head
