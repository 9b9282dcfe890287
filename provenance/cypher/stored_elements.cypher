// A page of lineage nodes in id order, after the last id seen, each with every relationship
// leaving it (of any type, to anything): what `provenance log verify` compares with the log.
:param after => ""
:param limit => 1000
CALL () {
  MATCH (n:Artifact) WHERE n.id > $after RETURN n ORDER BY n.id LIMIT $limit
  UNION
  MATCH (n:Transform) WHERE n.id > $after RETURN n ORDER BY n.id LIMIT $limit
  UNION
  MATCH (n:CodeVersion) WHERE n.id > $after RETURN n ORDER BY n.id LIMIT $limit
}
WITH n ORDER BY n.id LIMIT $limit
RETURN labels(n) AS labels, properties(n) AS props,
  [(n)-[r]->(x) | {type: type(r), target: x.id, props: properties(r)}] AS out
