// Id and created_at of every artifact with this uri (a seek on artifact_uri_key, then the
// full value compared): the versions of a dataset that an OpenLineage input binds among.
:param uri => "file:///data/users.csv"
MATCH (a:Artifact {uri_key: left($uri, 1000)})
WHERE a.uri = $uri
RETURN a.id AS id, a.created_at AS created_at
