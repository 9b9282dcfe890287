// A page of log entries in seq order, after the last seq seen (for `provenance log verify`).
:param after => 0
:param limit => 16
MATCH (l:LogEntry) WHERE l.seq > $after
WITH l ORDER BY l.seq LIMIT $limit
RETURN l {.seq, .digest, .prev, .at, .nodes, .edges, .body, .version} AS entry
