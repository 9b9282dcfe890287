// Take the log's write lock, first thing in a write's transaction: a singleton node (the
// log_lock_name constraint makes the MERGE race-free) whose counter every write bumps. Writers
// to one database thus run one at a time: each reads the nodes it merges into as the previous
// writer committed them, and chains its entry to the head that writer left.
MERGE (k:LogLock {name: "log"})
SET k.writes = coalesce(k.writes, 0) + 1
RETURN k.writes AS writes
