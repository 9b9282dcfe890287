// The edges of a page of transforms (edges always start at one), after the last transform
// id seen, in (source, type, target) order.
:param after_source => ""
:param limit => 1000
MATCH (t:Transform) WHERE t.id > $after_source
WITH t ORDER BY t.id LIMIT $limit
MATCH (t)-[r:USED|PRODUCED|USED_MODEL|RAN|INVALIDATED|PARENT]->(x)
RETURN t.id AS source, type(r) AS type, x.id AS target, r.role AS role
ORDER BY source, type, target
