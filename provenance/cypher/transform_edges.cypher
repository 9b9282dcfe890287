// Every edge that starts at the given transforms, of every type (inputs, outputs, model,
// code version, invalidations, parent run), whatever is at the other end. Used by the impact
// plan to list the inputs a recompute needs that the deletion does not touch.
:param transform_ids => ["blake3:1111111111111111111111111111111111111111111111111111111111111111"]
UNWIND $transform_ids AS id
MATCH (t:Transform {id: id})-[r:USED|PRODUCED|USED_MODEL|RAN|INVALIDATED|PARENT]->(x)
RETURN t.id AS source, type(r) AS type, x.id AS target, r.role AS role
ORDER BY source, type, target
