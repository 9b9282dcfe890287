// Nodes by id, whatever their label (each branch is a unique-index seek).
:param ids => ["blake3:0000000000000000000000000000000000000000000000000000000000000000"]
CALL () {
  UNWIND $ids AS id
  MATCH (n:Artifact {id: id}) RETURN n
  UNION
  UNWIND $ids AS id
  MATCH (n:Transform {id: id}) RETURN n
  UNION
  UNWIND $ids AS id
  MATCH (n:CodeVersion {id: id}) RETURN n
}
RETURN labels(n) AS labels, properties(n) AS props
