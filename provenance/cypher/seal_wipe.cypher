// Overwrite, in place, the keys that open nothing any more (their artifact holds no sealed
// values: erased, or gone): random numbers of the same size (2**62 and up, as
// provenance/store/seal.py draws keys), so Neo4j rewrites the record where the key was.
// seal_drop.cypher deletes them in a later transaction.
MATCH (k:SealKey)
WHERE NOT EXISTS { MATCH (a:Artifact {id: k.id}) WHERE a.sealed_values IS NOT NULL }
SET k.k0 = 4611686018427387904 + toInteger(rand() * 4611686018427387000.0),
    k.k1 = 4611686018427387904 + toInteger(rand() * 4611686018427387000.0),
    k.wiped = true
RETURN count(k) AS wiped
