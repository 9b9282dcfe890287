// Write transforms (status already resolved: it only ever moves to succeeded).
// The lookup keys (schema.cypher) are the first 1000 characters of operation and name.
:param rows => [{id: "blake3:1111111111111111111111111111111111111111111111111111111111111111", props: {id: "blake3:1111111111111111111111111111111111111111111111111111111111111111", operation: "example"}}]
UNWIND $rows AS row
MERGE (t:Transform {id: row.id})
SET t = row.props
SET t.operation_key = left(row.props.operation, 1000), t.name_key = left(row.props.name, 1000)
RETURN count(t) AS written
