// Artifacts matching every given field (a null parameter matches anything), newest first.
// Each branch runs only when its parameter is given (the first of uri, name, kind), so a
// lookup is a seek on the artifact_uri_key / artifact_name_key / artifact_kind_key index
// (the first 1000 characters of the value, schema.cypher); the full values are then compared.
:param name => "users.csv"
:param kind => null
:param uri => null
:param limit => 10
CALL () {
  WITH $uri AS uri WHERE uri IS NOT NULL
  MATCH (a:Artifact {uri_key: left(uri, 1000)})
  RETURN a
  UNION
  WITH $name AS name WHERE $uri IS NULL AND name IS NOT NULL
  MATCH (a:Artifact {name_key: left(name, 1000)})
  RETURN a
  UNION
  WITH $kind AS kind WHERE $uri IS NULL AND $name IS NULL AND kind IS NOT NULL
  MATCH (a:Artifact {kind_key: left(kind, 1000)})
  RETURN a
  UNION
  WITH 1 AS everything WHERE $uri IS NULL AND $name IS NULL AND $kind IS NULL
  MATCH (a:Artifact)
  RETURN a
}
WITH a
WHERE ($name IS NULL OR a.name = $name)
  AND ($kind IS NULL OR a.kind = $kind)
  AND ($uri IS NULL OR a.uri = $uri)
RETURN labels(a) AS labels, properties(a) AS props
ORDER BY a.created_at DESC, a.id
LIMIT $limit
