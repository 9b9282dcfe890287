// Delete these artifacts (a stand-in left without edges by a re-binding) with their seal
// keys. An artifact an edge still joins is not deleted but returned: the caller rolls the
// write back rather than detach it.
:param ids => ["blake3:0000000000000000000000000000000000000000000000000000000000000000"]
UNWIND $ids AS id
MATCH (a:Artifact {id: id})
WITH a, id, EXISTS { (a)--() } AS joined
OPTIONAL MATCH (k:SealKey {id: id})
FOREACH (_ IN CASE WHEN joined THEN [] ELSE [1] END | DELETE k DELETE a)
RETURN collect(CASE WHEN joined THEN id END) AS joined
