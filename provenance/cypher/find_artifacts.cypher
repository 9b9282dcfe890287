// Artifacts matching every given field (a null parameter matches anything), newest first.
:param name => "users.csv"
:param kind => null
:param uri => null
:param limit => 10
MATCH (a:Artifact)
WHERE ($name IS NULL OR a.name = $name)
  AND ($kind IS NULL OR a.kind = $kind)
  AND ($uri IS NULL OR a.uri = $uri)
RETURN labels(a) AS labels, properties(a) AS props
ORDER BY a.created_at DESC, a.id
LIMIT $limit
