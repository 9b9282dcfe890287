// The ancestry of an artifact or model drawn as a graph, for Neo4j Browser: its producers,
// every input of every producer, the models they used and their code versions, up to 50
// transforms up. Apply provenance/cypher/browser-style.grass first (drag it onto the Browser
// window).
// This query matches paths, which suits looking at ordinary pipelines; the store itself
// answers ancestry with ancestry_step.cypher, one call per level, so a graph with 2^60 paths
// costs no more than its distinct nodes.
:param id => "blake3:0000000000000000000000000000000000000000000000000000000000000000"
MATCH (root:Artifact {id: $id})
OPTIONAL MATCH p = (root) (()<-[:PRODUCED]-(:Transform)-[:USED|USED_MODEL]->()){1,50} ()
WITH root, collect(p) AS paths
WITH root, reduce(acc = [root], q IN paths | acc + nodes(q)) AS found
UNWIND found AS n
WITH collect(DISTINCT n) AS ns
UNWIND ns AS t
MATCH (t:Transform)-[r:USED|PRODUCED|USED_MODEL|RAN]->(m)
WHERE m IN ns OR m:CodeVersion
RETURN t, r, m
