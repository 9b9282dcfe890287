// The RANGE indexes of a graph written before lookup keys (they indexed name, kind, uri and
// operation themselves, so a value over about 8 KB failed the whole write). When any is
// still there, the store runs schema_upgrade.cypher once.
SHOW INDEXES YIELD name
WHERE name IN ["artifact_name", "artifact_kind", "artifact_uri", "transform_operation",
               "transform_name"]
RETURN name
