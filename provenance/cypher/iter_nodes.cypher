// A page of nodes in id order, after the last id seen (for export and sync).
:param after => ""
:param limit => 1000
CALL () {
  MATCH (n:Artifact) WHERE n.id > $after RETURN n ORDER BY n.id LIMIT $limit
  UNION
  MATCH (n:Transform) WHERE n.id > $after RETURN n ORDER BY n.id LIMIT $limit
  UNION
  MATCH (n:CodeVersion) WHERE n.id > $after RETURN n ORDER BY n.id LIMIT $limit
}
RETURN labels(n) AS labels, properties(n) AS props
ORDER BY n.id LIMIT $limit
