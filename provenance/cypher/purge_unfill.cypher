// Delete the filler of purge_fill.cypher (and any a purge cut short left behind).
MATCH (f:ErasureFiller)
DELETE f
RETURN count(*) AS deleted
