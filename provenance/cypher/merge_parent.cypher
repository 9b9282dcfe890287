// (child Transform)-[:PARENT]->(parent Transform) edges: the run that spawned a run (an
// OpenLineage `parent` run facet, e.g. an Airflow task run and its DAG run); both ends must
// exist. Not data flow: the ancestry and descendants walks never follow it. Returns how many
// rows matched.
:param rows => [{source: "blake3:1111111111111111111111111111111111111111111111111111111111111111", target: "blake3:2222222222222222222222222222222222222222222222222222222222222222", role: "parent"}]
UNWIND $rows AS row
MATCH (t:Transform {id: row.source})
MATCH (p:Transform {id: row.target})
MERGE (t)-[r:PARENT]->(p)
ON CREATE SET r.role = row.role
RETURN count(r) AS matched
