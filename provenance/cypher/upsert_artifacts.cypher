// Write artifacts (already merged with what the store held); models also get the Model label.
:param rows => [{id: "blake3:0000000000000000000000000000000000000000000000000000000000000000", is_model: false, props: {id: "blake3:0000000000000000000000000000000000000000000000000000000000000000", name: "example", kind: "dataset"}}]
UNWIND $rows AS row
MERGE (a:Artifact {id: row.id})
SET a = row.props
FOREACH (_ IN CASE WHEN row.is_model THEN [1] ELSE [] END | SET a:Model)
RETURN count(a) AS written
