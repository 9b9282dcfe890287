// The newest entry of the tamper-evident log (provenance/store/chain.py): a backward seek on
// the index of the log_entry_seq constraint. $body: also return the entry's body (a write
// only needs seq and digest to chain to it).
:param body => true
MATCH (l:LogEntry) WHERE l.seq IS NOT NULL
WITH l ORDER BY l.seq DESC LIMIT 1
RETURN l {.seq, .digest, .prev, .at, .nodes, .edges, body: CASE WHEN $body THEN l.body END}
  AS entry
