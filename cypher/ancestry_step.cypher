// One level of an ancestry walk. From the artifact frontier: the transforms that produced
// it; with each transform, everything it used (inputs, model, code version). A root that is
// a transform comes in through $transform_ids. The store calls this once per level with the
// not-yet-visited frontier, so each node is expanded once and no path is ever enumerated:
// a 60-level diamond lattice (2^60 paths) costs 61 calls.
:param artifact_ids => ["blake3:0000000000000000000000000000000000000000000000000000000000000000"]
:param transform_ids => []
CALL () {
  UNWIND $artifact_ids AS id
  MATCH (:Artifact {id: id})<-[:PRODUCED]-(t:Transform)
  RETURN DISTINCT t
  UNION
  UNWIND $transform_ids AS id
  MATCH (t:Transform {id: id})
  RETURN t
}
OPTIONAL MATCH (t)-[:USED|USED_MODEL|RAN]->(x)
RETURN t.id AS transform, collect(DISTINCT x.id) AS next
