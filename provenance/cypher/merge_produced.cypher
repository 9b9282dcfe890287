// (Transform)-[:PRODUCED]->(Artifact) edges; both ends must exist. Returns how many rows matched.
:param rows => [{source: "blake3:1111111111111111111111111111111111111111111111111111111111111111", target: "blake3:0000000000000000000000000000000000000000000000000000000000000000", role: "input"}]
UNWIND $rows AS row
MATCH (t:Transform {id: row.source})
MATCH (x:Artifact {id: row.target})
MERGE (t)-[r:PRODUCED]->(x)
ON CREATE SET r.role = row.role
RETURN count(r) AS matched
