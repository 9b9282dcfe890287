// One level of a descendants walk. From the frontier (artifacts, models, code versions): the
// transforms that used or ran them; with each transform, everything it produced. A root that
// is a transform comes in through $transform_ids. Called once per level with the unvisited
// frontier: each node is expanded once.
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
OPTIONAL MATCH (t)-[:PRODUCED]->(x:Artifact)
RETURN t.id AS transform, collect(DISTINCT x.id) AS next
