// Nodes per label and relationships per type.
CALL () {
  MATCH (n:Artifact) WHERE NOT n:Model RETURN 'Artifact' AS key, count(n) AS n
  UNION ALL
  MATCH (n:Model) RETURN 'Model' AS key, count(n) AS n
  UNION ALL
  MATCH (n:Transform) RETURN 'Transform' AS key, count(n) AS n
  UNION ALL
  MATCH (n:CodeVersion) RETURN 'CodeVersion' AS key, count(n) AS n
  UNION ALL
  MATCH ()-[r:USED|PRODUCED|USED_MODEL|RAN|INVALIDATED|PARENT]->() RETURN type(r) AS key, count(r) AS n
}
RETURN key, n
