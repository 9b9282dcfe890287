// One level of an ancestry walk. From the artifact frontier: the transforms that produced
// it; with each transform, its edges (what it used: inputs, model, code version, the next
// frontier; and what it produced), so the walk needs no second query for the edges of the
// answer. A root that is a transform comes in through $transform_ids. The store calls this
// once per level with the not-yet-visited frontier, so each node is expanded once and no
// path is ever enumerated: a 60-level diamond lattice (2^60 paths) costs 61 calls.
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
OPTIONAL MATCH (t)-[r:USED|PRODUCED|USED_MODEL|RAN]->(x)
RETURN t.id AS transform,
       collect(CASE WHEN r IS NOT NULL
               THEN {type: type(r), target: x.id, role: r.role} END) AS edges
