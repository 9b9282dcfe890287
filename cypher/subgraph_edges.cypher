// The edges of the given transforms (every edge starts at one); the store keeps those whose
// other end is in the result too.
:param transform_ids => ["blake3:1111111111111111111111111111111111111111111111111111111111111111"]
UNWIND $transform_ids AS id
MATCH (t:Transform {id: id})-[r:USED|PRODUCED|USED_MODEL|RAN]->(x)
RETURN t.id AS source, type(r) AS type, x.id AS target, r.role AS role
