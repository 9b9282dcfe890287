// One level of a descendants walk. From the frontier (artifacts, models, code versions): the
// transforms that used or ran them; with each transform, its edges (what it produced is the
// next frontier; what it used completes the answer's edges). A root that is a transform
// comes in through $transform_ids. Called once per level with the unvisited frontier: each
// node is expanded once.
:param node_ids => ["blake3:0000000000000000000000000000000000000000000000000000000000000000"]
:param transform_ids => []
CALL () {
  UNWIND $node_ids AS id
  MATCH (:Artifact {id: id})<-[:USED|USED_MODEL]-(t:Transform)
  RETURN DISTINCT t
  UNION
  UNWIND $node_ids AS id
  MATCH (:CodeVersion {id: id})<-[:RAN]-(t:Transform)
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
