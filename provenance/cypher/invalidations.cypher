// The erasure records of the given artifacts: (Transform)-[:INVALIDATED]->(Artifact) edges
// pointing at them (PROV wasInvalidatedBy).
:param artifact_ids => ["blake3:0000000000000000000000000000000000000000000000000000000000000000"]
UNWIND $artifact_ids AS id
MATCH (t:Transform)-[r:INVALIDATED]->(a:Artifact {id: id})
RETURN t.id AS source, type(r) AS type, a.id AS target, r.role AS role
ORDER BY source, target
