// Transforms matching every given field (a null parameter matches anything). Each branch
// runs only when its parameter is given, so a lookup by operation or by name is a seek on
// the transform_operation_key / transform_name_key index (the first 1000 characters of the
// value, schema.cypher); the full values are then compared. The store orders the answer
// newest first (by started_at, then id).
:param operation => "etl.load_orders"
:param name => null
CALL () {
  WITH $operation AS operation WHERE operation IS NOT NULL
  MATCH (t:Transform {operation_key: left(operation, 1000)})
  RETURN t
  UNION
  WITH $name AS name WHERE $operation IS NULL AND name IS NOT NULL
  MATCH (t:Transform {name_key: left(name, 1000)})
  RETURN t
  UNION
  WITH 1 AS everything WHERE $operation IS NULL AND $name IS NULL
  MATCH (t:Transform)
  RETURN t
}
WITH t
WHERE ($operation IS NULL OR t.operation = $operation)
  AND ($name IS NULL OR t.name = $name)
RETURN labels(t) AS labels, properties(t) AS props
