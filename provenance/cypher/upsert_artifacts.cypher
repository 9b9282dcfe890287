// Write artifacts (already merged with what the store held); models also get the Model label.
// The lookup keys (schema.cypher) are the first 1000 characters of name, kind and uri.
// The key of the artifact's sealed values (provenance/store/seal.py) is set anew, in place,
// on its SealKey node: created when the row is sealed; when it is not (an erasure), an
// existing key is overwritten with the row's random numbers, and no longer opens anything.
:param rows => [{id: "blake3:0000000000000000000000000000000000000000000000000000000000000000", is_model: false, sealed: false, key: [4611686018427387905, 4611686018427387906], props: {id: "blake3:0000000000000000000000000000000000000000000000000000000000000000", name: "example", kind: "dataset"}}]
UNWIND $rows AS row
MERGE (a:Artifact {id: row.id})
SET a = row.props
SET a.name_key = left(row.props.name, 1000), a.kind_key = left(row.props.kind, 1000),
    a.uri_key = left(row.props.uri, 1000)
FOREACH (_ IN CASE WHEN row.is_model THEN [1] ELSE [] END | SET a:Model)
FOREACH (_ IN CASE WHEN row.sealed THEN [1] ELSE [] END | MERGE (:SealKey {id: row.id}))
WITH a, row
OPTIONAL MATCH (k:SealKey {id: row.id})
SET k.k0 = row.key[0], k.k1 = row.key[1]
RETURN count(a) AS written
