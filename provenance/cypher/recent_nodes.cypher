// Nodes newest first (a transform by started_at, any other node by created_at, compared as
// instants; nodes without a time last; then by id), at most $limit, filtered by every given
// parameter (a null one matches anything): the node types (labels; a Model is also an
// Artifact), the artifact kind, the operation, and the name: a substring ($name) or a whole-
// name regex ($name_regex, which the store translates from a glob).
:param node_types => ["Artifact", "Model", "Transform", "CodeVersion"]
:param kind => null
:param operation => null
:param name => null
:param name_regex => null
:param limit => 20
CALL () {
  WITH 1 AS go WHERE 'Artifact' IN $node_types OR 'Model' IN $node_types
  MATCH (n:Artifact)
  RETURN n
  UNION
  WITH 1 AS go WHERE 'Transform' IN $node_types
  MATCH (n:Transform)
  RETURN n
  UNION
  WITH 1 AS go WHERE 'CodeVersion' IN $node_types
  MATCH (n:CodeVersion)
  RETURN n
}
WITH n
WHERE any(label IN labels(n) WHERE label IN $node_types)
  AND ($kind IS NULL OR n.kind = $kind)
  AND ($operation IS NULL OR n.operation = $operation)
  AND ($name IS NULL OR n.name CONTAINS $name)
  AND ($name_regex IS NULL OR n.name =~ $name_regex)
WITH n, CASE WHEN n:Transform THEN n.started_at ELSE n.created_at END AS at
RETURN labels(n) AS labels, properties(n) AS props
ORDER BY at IS NULL, datetime(at) DESC, n.id
LIMIT $limit
