// Append one entry to the tamper-evident log, in the transaction of the write it records.
// The log_entry_seq constraint refuses a second entry with the same seq: a concurrent writer
// that chained to the same head fails and is retried on the new head.
:param entry => {seq: 1, digest: "sha256:0000000000000000000000000000000000000000000000000000000000000000", at: "2026-01-01T00:00:00+00:00", nodes: 1, edges: 0, body: "N blake3:0000000000000000000000000000000000000000000000000000000000000000 0000000000000000000000000000000000000000000000000000000000000000"}
CREATE (l:LogEntry)
SET l = $entry
RETURN l.seq AS seq
