// The keys of these artifacts' sealed values (provenance/store/seal.py).
:param ids => ["blake3:0000000000000000000000000000000000000000000000000000000000000000"]
UNWIND $ids AS id
MATCH (k:SealKey {id: id})
RETURN k.id AS id, k.k0 AS k0, k.k1 AS k1
