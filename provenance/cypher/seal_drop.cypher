// Delete the keys seal_wipe.cypher overwrote (in an earlier transaction: the freed records
// hold its random numbers, not the keys).
MATCH (k:SealKey {wiped: true})
WHERE NOT EXISTS { MATCH (a:Artifact {id: k.id}) WHERE a.sealed_values IS NOT NULL }
DELETE k
RETURN count(*) AS dropped
