// Write artifacts (already merged with what the store held); models also get the Model label.
// The lookup keys (schema.cypher) are the first 1000 characters of name, kind and uri.
:param rows => [{id: "blake3:0000000000000000000000000000000000000000000000000000000000000000", is_model: false, props: {id: "blake3:0000000000000000000000000000000000000000000000000000000000000000", name: "example", kind: "dataset"}}]
UNWIND $rows AS row
MERGE (a:Artifact {id: row.id})
SET a = row.props
SET a.name_key = left(row.props.name, 1000), a.kind_key = left(row.props.kind, 1000),
    a.uri_key = left(row.props.uri, 1000)
FOREACH (_ IN CASE WHEN row.is_model THEN [1] ELSE [] END | SET a:Model)
RETURN count(a) AS written
