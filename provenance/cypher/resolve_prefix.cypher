// Ids starting with a prefix (git-style short ids); range seeks on the id constraints' indexes.
:param prefixes => ["blake3:3f2a", "sha256:3f2a"]
:param limit => 10
CALL () {
  UNWIND $prefixes AS prefix
  MATCH (n:Artifact) WHERE n.id STARTS WITH prefix RETURN n.id AS id
  UNION
  UNWIND $prefixes AS prefix
  MATCH (n:Transform) WHERE n.id STARTS WITH prefix RETURN n.id AS id
  UNION
  UNWIND $prefixes AS prefix
  MATCH (n:CodeVersion) WHERE n.id STARTS WITH prefix RETURN n.id AS id
}
RETURN id ORDER BY id LIMIT $limit
