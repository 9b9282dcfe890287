// Write code versions.
:param rows => [{id: "blake3:2222222222222222222222222222222222222222222222222222222222222222", props: {id: "blake3:2222222222222222222222222222222222222222222222222222222222222222", entrypoint: "pkg.module:function"}}]
UNWIND $rows AS row
MERGE (c:CodeVersion {id: row.id})
SET c = row.props
RETURN count(c) AS written
