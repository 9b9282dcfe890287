// Write transforms (status already resolved: it only ever moves to succeeded).
:param rows => [{id: "blake3:1111111111111111111111111111111111111111111111111111111111111111", props: {id: "blake3:1111111111111111111111111111111111111111111111111111111111111111", operation: "example"}}]
UNWIND $rows AS row
MERGE (t:Transform {id: row.id})
SET t = row.props
RETURN count(t) AS written
