// Every edge pointing at the given artifacts, of every type (what re-binding an OpenLineage
// input asks of the versions of a dataset: which runs read them, is a stand-in still used).
:param artifact_ids => ["blake3:0000000000000000000000000000000000000000000000000000000000000000"]
UNWIND $artifact_ids AS id
MATCH (t:Transform)-[r]->(a:Artifact {id: id})
RETURN t.id AS source, type(r) AS type, a.id AS target, r.role AS role
ORDER BY source, type, target
