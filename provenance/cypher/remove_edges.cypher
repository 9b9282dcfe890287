// Delete these edges, each matched by its key (source id, type, target id); the write that
// removes them (an OpenLineage input re-bound by time) logs each as a removal. Returns the
// keys deleted.
:param rows => [{source: "blake3:1111111111111111111111111111111111111111111111111111111111111111", type: "USED", target: "blake3:0000000000000000000000000000000000000000000000000000000000000000"}]
UNWIND $rows AS row
MATCH (t:Transform {id: row.source})-[r]->(x)
WHERE type(r) = row.type AND x.id = row.target
DELETE r
RETURN row.source AS source, row.type AS type, row.target AS target
