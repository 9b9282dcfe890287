"""The embedded store: one SQLite file (WAL, transactions, indexes), no server.

Example:
    >>> import tempfile, os
    >>> from provenance.model import Artifact
    >>> store = SQLiteStore(os.path.join(tempfile.mkdtemp(), "lineage.sqlite"))
    >>> a = Artifact(id="blake3:" + "0" * 64, name="raw")
    >>> store.write([a], [])
    >>> store.get(a.id).name
    'raw'
    >>> store.close()
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from provenance.errors import (
    NotFoundError,
    StoreCorruptError,
    StoreError,
    StoreNotFoundError,
)
from provenance.model import Artifact, Edge, LineageGraph, node_from_dict
from provenance.store.base import (
    INVALIDATED,
    REACH_EDGES,
    AnyNode,
    Direction,
    StoreBase,
    in_order,
)
from provenance.store.merge import check_edges, merge_batch, merge_node
from provenance.store.walk import StepEdge, walk

T = TypeVar("T")

SCHEMA_VERSION = 2
_CHUNK = 900  # stay under SQLite's bound-parameter limit

# Indexes on columns most nodes leave empty are partial (a lookup `col = ?` still uses them).
# Edges refer to nodes by the nodes' integer key, not by their 71-character digest ids: the
# edge indexes stay a tenth of the size, so at a million nodes they still fit in the page
# cache and each commit rewrites few pages (ids are digests, so id-keyed inserts land at
# random places in every index).
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    node_type TEXT NOT NULL,
    name TEXT,
    kind TEXT,
    operation TEXT,
    uri TEXT,
    status TEXT,
    created_at TEXT,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS nodes_name ON nodes(name);
CREATE INDEX IF NOT EXISTS nodes_kind ON nodes(kind) WHERE kind IS NOT NULL;
CREATE INDEX IF NOT EXISTS nodes_operation ON nodes(operation) WHERE operation IS NOT NULL;
CREATE INDEX IF NOT EXISTS nodes_uri ON nodes(uri) WHERE uri IS NOT NULL;
CREATE INDEX IF NOT EXISTS nodes_created_at ON nodes(created_at);
CREATE TABLE IF NOT EXISTS edges (
    source INTEGER NOT NULL REFERENCES nodes(pk),
    type TEXT NOT NULL,
    target INTEGER NOT NULL REFERENCES nodes(pk),
    role TEXT,
    PRIMARY KEY (source, type, target)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS edges_target ON edges(target, type, source);
"""
_STATEMENTS = [s.strip() for s in _SCHEMA.split(";") if s.strip()]

# Schema 1 (provenance 0.1) keyed edges by node id; opening such a store upgrades it in place,
# in one transaction.
_UPGRADE_FROM_1 = [
    *(
        f"DROP INDEX IF EXISTS {i}"
        for i in (
            "nodes_name",
            "nodes_kind",
            "nodes_operation",
            "nodes_uri",
            "nodes_created_at",
            "edges_target",
        )
    ),
    "ALTER TABLE nodes RENAME TO nodes_v1",
    "ALTER TABLE edges RENAME TO edges_v1",
    *_STATEMENTS,
    "INSERT INTO nodes(pk, id, node_type, name, kind, operation, uri, status, created_at, data) "
    "SELECT rowid, id, node_type, name, kind, operation, uri, status, created_at, data "
    "FROM nodes_v1 ORDER BY rowid",
    "INSERT INTO edges(source, type, target, role) SELECT s.pk, e.type, t.pk, e.role "
    "FROM edges_v1 e JOIN nodes s ON s.id = e.source JOIN nodes t ON t.id = e.target",
    "DROP TABLE edges_v1",
    "DROP TABLE nodes_v1",
    "UPDATE meta SET value = '2' WHERE key = 'schema_version'",
]
# One edge with its endpoints' ids; callers add the WHERE clause.
_EDGE_SELECT = (
    "SELECT s.id, e.type, t.id, e.role FROM edges e "
    "JOIN nodes s ON s.pk = e.source JOIN nodes t ON t.pk = e.target"
)
# Per walk direction: the transforms one step from the frontier nodes bound to {marks}.
_REACH = {
    d: "SELECT source FROM edges WHERE type IN ({types}) AND target IN ({{marks}})".format(
        types=",".join(f"'{t}'" for t in types)
    )
    for d, types in REACH_EDGES.items()
}


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _marks(n: int) -> str:
    return ",".join("?" * n)


class SQLiteStore(StoreBase):
    """A :class:`~provenance.store.base.LineageStore` in one SQLite file.

    ``create=False`` opens an existing store read-only and never modifies the file, except to
    upgrade a store written by an older provenance to the current schema (one transaction): a
    missing file raises :class:`StoreNotFoundError`, a file that is not a provenance store
    :class:`StoreCorruptError`.
    """

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = Path(path)
        self.uri = f"sqlite://{self.path.resolve()}"
        self.read_only = not create
        self._lock = threading.RLock()
        if create:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        elif not self.path.is_file():
            raise StoreNotFoundError(
                f"no provenance store at {self.path} (record something first, "
                "e.g. `provenance demo`, or pass --store)"
            )
        self._db = self._connect(create)
        try:
            version = self._init(create)
            if version < SCHEMA_VERSION and not create:
                self._db.close()  # upgrade through a writable connection, then reopen
                self._db = self._connect(True)
                self._init(True)
                self._db.close()
                self._db = self._connect(False)
                self._init(False)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreCorruptError(
                f"{self.path} is not a readable provenance store: {exc}"
            ) from exc

    def _connect(self, writable: bool) -> sqlite3.Connection:
        target, uri = str(self.path), False
        if not writable:
            target, uri = f"file:{self.path.resolve()}?mode=ro", True
        try:
            db = sqlite3.connect(target, uri=uri, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        db.isolation_level = None  # explicit transactions only
        return db

    # --- setup ---------------------------------------------------------------------------
    def _init(self, writable: bool) -> int:
        """Set pragmas; when writable, create or upgrade the schema. The schema version found."""
        db = self._db
        db.execute("PRAGMA busy_timeout = 30000")
        # A page cache that holds the indexes' working set (up to 256 MiB) keeps the random
        # inserts of digest ids off the disk.
        db.execute("PRAGMA cache_size = -262144")
        db.execute("PRAGMA mmap_size = 268435456")
        if writable:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            # Checkpoints are where WAL mode syncs to disk: one per ~256 MiB of log, not per
            # ~32 MiB, doubles bulk ingest at a million nodes. The log is trimmed back to
            # 256 MiB after a checkpoint and removed when the store closes.
            db.execute("PRAGMA wal_autocheckpoint = 65536")
            db.execute("PRAGMA journal_size_limit = 268435456")
            db.execute("BEGIN IMMEDIATE")
            try:
                self._create_or_upgrade()
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            raise sqlite3.DatabaseError("no schema_version")
        version = int(row[0])
        if version > SCHEMA_VERSION:
            raise StoreCorruptError(
                f"{self.path} was written by a newer provenance (schema {version}); upgrade"
            )
        return version

    def _create_or_upgrade(self) -> None:
        db = self._db
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables and "meta" not in tables:
            raise sqlite3.DatabaseError("file holds other tables, not a provenance store")
        row = None
        if tables:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is not None and row[0] == "1":
            for stmt in _UPGRADE_FROM_1:
                db.execute(stmt)
            return
        for stmt in _STATEMENTS:
            db.execute(stmt)
        db.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
            (str(SCHEMA_VERSION),),
        )

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    # --- writes --------------------------------------------------------------------------
    def write(self, nodes: Sequence[AnyNode], edges: Sequence[Edge]) -> None:
        """Merge nodes and edges in one transaction (see :mod:`provenance.store.merge`)."""
        if self.read_only:
            raise StoreError(f"store {self.path} is open read-only")
        by_id = merge_batch(nodes)
        with self._lock:
            db = self._db
            try:
                db.execute("BEGIN IMMEDIATE")
                existing: dict[str, tuple[int, AnyNode]] = {
                    n.id: (pk, n) for pk, n in self._fetch_keyed(list(by_id))
                }
                keys = {i: pk for i, (pk, _) in existing.items()}
                if edges:
                    types: dict[str, str] = {i: n.node_type for i, (_, n) in existing.items()}
                    for i, n in by_id.items():
                        if types.get(i) != "Model":
                            types[i] = n.node_type
                    ends = {x for e in edges for x in (e.source, e.target)}
                    for i, (pk, node_type) in self._keys(list(ends - types.keys())).items():
                        keys[i], types[i] = pk, node_type
                    check_edges(list(edges), types)
                (top,) = db.execute("SELECT coalesce(max(pk), 0) FROM nodes").fetchone()
                inserts: list[tuple[Any, ...]] = []
                updates: list[tuple[Any, ...]] = []
                for node_id, node in by_id.items():
                    hit = existing.get(node_id)
                    if hit is None:
                        top += 1
                        keys[node_id] = top
                        inserts.append((top, *self._row(merge_node(None, node))))
                    elif (merged := merge_node(hit[1], node)) != hit[1]:
                        updates.append((*self._row(merged)[1:], hit[0]))
                db.executemany(
                    "INSERT INTO nodes(pk, id, node_type, name, kind, operation, uri, status, "
                    "created_at, data) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    inserts,
                )
                db.executemany(
                    "UPDATE nodes SET node_type=?, name=?, kind=?, operation=?, uri=?, status=?, "
                    "created_at=?, data=? WHERE pk=?",
                    updates,
                )
                db.executemany(
                    "INSERT OR IGNORE INTO edges(source, type, target, role) VALUES (?,?,?,?)",
                    [(keys[e.source], e.type, keys[e.target], e.role) for e in edges],
                )
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    def _keys(self, ids: Sequence[str]) -> dict[str, tuple[int, str]]:
        """Integer key and node type of each of these ids that exists."""
        out: dict[str, tuple[int, str]] = {}
        for chunk in _chunks(ids):
            cur = self._db.execute(
                f"SELECT id, pk, node_type FROM nodes WHERE id IN ({_marks(len(chunk))})",
                tuple(chunk),
            )
            out.update({r[0]: (r[1], r[2]) for r in cur})
        return out

    def _ids(self, keys: Sequence[int]) -> dict[int, str]:
        """Id of each of these integer keys."""
        out: dict[int, str] = {}
        for chunk in _chunks(keys):
            cur = self._db.execute(
                f"SELECT pk, id FROM nodes WHERE pk IN ({_marks(len(chunk))})", tuple(chunk)
            )
            out.update(cur.fetchall())
        return out

    def _edges(self, where: str, params: Sequence[Any]) -> list[Edge]:
        """Edges matching ``where`` (over ``e``, ``s`` and ``t``), endpoints as ids."""
        cur = self._db.execute(f"{_EDGE_SELECT} WHERE {where}", tuple(params))
        return [Edge(source=s, type=t, target=g, role=r) for s, t, g, r in cur]

    @staticmethod
    def _row(n: AnyNode) -> tuple[Any, ...]:
        f = n.__dict__  # the model's field values (pydantic keeps them there)
        created = f.get("created_at")
        return (
            n.id,
            n.node_type,
            f.get("name"),
            f.get("kind"),
            f.get("operation"),
            f.get("uri"),
            f.get("status"),
            created.isoformat() if created is not None else None,
            n.model_dump_json(),
        )

    # --- reads ---------------------------------------------------------------------------
    def _fetch(self, ids: Sequence[str]) -> list[AnyNode]:
        return [n for _, n in self._fetch_keyed(ids)]

    def _fetch_keyed(self, ids: Sequence[str]) -> list[tuple[int, AnyNode]]:
        out: list[tuple[int, AnyNode]] = []
        for chunk in _chunks(ids):
            cur = self._db.execute(
                f"SELECT pk, data FROM nodes WHERE id IN ({_marks(len(chunk))})", tuple(chunk)
            )
            out.extend((r[0], node_from_dict(json.loads(r[1]))) for r in cur)
        return out

    def get(self, node_id: str) -> AnyNode | None:
        """The node with exactly this id, or None."""
        with self._lock:
            row = self._db.execute("SELECT data FROM nodes WHERE id = ?", (node_id,)).fetchone()
        return node_from_dict(json.loads(row[0])) if row else None

    def get_many(self, node_ids: Sequence[str]) -> list[AnyNode]:
        """The nodes with these ids, in the order given; missing ids are left out."""
        with self._lock:
            return in_order(node_ids, self._fetch(list(dict.fromkeys(node_ids))))

    def resolve(self, prefix: str, limit: int = 10) -> list[str]:
        """Ids that start with ``prefix``; a bare hex prefix matches under every algorithm."""
        prefix = prefix.strip().lower()
        candidates = [prefix] if ":" in prefix else [f"blake3:{prefix}", f"sha256:{prefix}"]
        out: list[str] = []
        with self._lock:
            for p in candidates:
                cur = self._db.execute(
                    "SELECT id FROM nodes WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
                    (p, p + "\uffff", limit),
                )
                out.extend(r[0] for r in cur)
        return sorted(out)[:limit]

    def find_artifacts(
        self, *, name: str | None = None, kind: str | None = None, uri: str | None = None
    ) -> list[Artifact]:
        """Artifacts matching every given field, newest first."""
        clauses, params = ["node_type IN ('Artifact', 'Model')"], []
        for col, val in (("name", name), ("kind", kind), ("uri", uri)):
            if val is not None:
                clauses.append(f"{col} = ?")
                params.append(val)
        sql = f"SELECT data FROM nodes WHERE {' AND '.join(clauses)} ORDER BY created_at DESC, id"
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [
            a for a in (node_from_dict(json.loads(r[0])) for r in rows) if isinstance(a, Artifact)
        ]

    def _next_level(
        self, nodes: Sequence[int], transforms: Sequence[int], direction: Direction
    ) -> list[StepEdge[int]]:
        """The walk's next level (:class:`~provenance.store.walk.NextLevel`) on integer keys:
        every edge of the transforms one step from ``nodes``, and of ``transforms``."""
        reached = set(transforms)
        for chunk in _chunks(nodes):
            sql = _REACH[direction].format(marks=_marks(len(chunk)))
            reached.update(r[0] for r in self._db.execute(sql, tuple(chunk)))
        out: list[StepEdge[int]] = []
        for chunk in _chunks(sorted(reached)):
            out.extend(
                self._db.execute(
                    "SELECT source, type, target, role FROM edges "
                    f"WHERE source IN ({_marks(len(chunk))})",
                    tuple(chunk),
                )
            )
        return out

    def traverse(
        self, node_id: str, direction: Direction, depth: int | None = None, limit: int | None = None
    ) -> LineageGraph:
        """Ancestry (``UP``) or descendants (``DOWN``) of ``node_id``; see :mod:`.base`.

        The walk (:func:`~provenance.store.walk.walk`) runs on integer keys.
        """
        with self._lock:
            found = self._keys([node_id])
            if node_id not in found:
                raise NotFoundError(f"no node with id {node_id}")
            root, node_type = found[node_id]
            return walk(
                node_id,
                root,
                root_is_transform=node_type == "Transform",
                direction=direction,
                depth=depth,
                limit=limit,
                next_level=self._next_level,
                ids=self._ids,
                fetch=self._fetch,
            )

    def iter_nodes(self, batch_size: int = 1000) -> Iterator[list[AnyNode]]:
        """Every node in id order, in batches."""
        yield from self._iter(
            "SELECT id, data FROM nodes WHERE id > ? ORDER BY id LIMIT ?",
            batch_size,
            lambda r: node_from_dict(json.loads(r[1])),
        )

    def iter_edges(self, batch_size: int = 1000) -> Iterator[list[Edge]]:
        """Every edge in (source, type, target) order, in batches."""
        after = ""
        while True:
            with self._lock:
                sources = self._db.execute(
                    "SELECT pk, id FROM nodes n WHERE id > ? AND EXISTS "
                    "(SELECT 1 FROM edges e WHERE e.source = n.pk) ORDER BY id LIMIT ?",
                    (after, batch_size),
                ).fetchall()
                if not sources:
                    return
                keys = [pk for pk, _ in sources]
                edges = self._edges(f"e.source IN ({_marks(len(keys))})", keys)
            edges.sort(key=lambda e: (e.source, e.type, e.target))
            for i in range(0, len(edges), batch_size):
                yield edges[i : i + batch_size]
            after = sources[-1][1]

    def _iter(self, sql: str, batch_size: int, conv: Any) -> Iterator[list[Any]]:
        last = ""
        while True:
            with self._lock:
                rows = self._db.execute(sql, (last, batch_size)).fetchall()
            if not rows:
                return
            yield [conv(r) for r in rows]
            last = rows[-1][0]

    def counts(self) -> dict[str, int]:
        """Nodes per node type and edges per edge type."""
        with self._lock:
            out = dict(self._db.execute("SELECT node_type, count(*) FROM nodes GROUP BY node_type"))
            out.update(self._db.execute("SELECT type, count(*) FROM edges GROUP BY type"))
        return {str(k): int(v) for k, v in out.items()}

    def transform_edges(self, transform_ids: Sequence[str]) -> list[Edge]:
        """Every edge starting at these transforms, in (source, type, target) order."""
        out: list[Edge] = []
        with self._lock:
            keys = [pk for pk, _ in self._keys(list(dict.fromkeys(transform_ids))).values()]
            for chunk in _chunks(keys):
                out.extend(self._edges(f"e.source IN ({_marks(len(chunk))})", chunk))
        out.sort(key=lambda e: (e.source, e.type, e.target))
        return out

    def invalidations(self, artifact_ids: Sequence[str]) -> list[Edge]:
        """The INVALIDATED edges (erasure records) pointing at these artifacts."""
        out: list[Edge] = []
        with self._lock:
            keys = [pk for pk, _ in self._keys(list(dict.fromkeys(artifact_ids))).values()]
            for chunk in _chunks(keys):
                where = f"e.type = ? AND e.target IN ({_marks(len(chunk))})"
                out.extend(self._edges(where, [INVALIDATED, *chunk]))
        out.sort(key=lambda e: (e.source, e.target))
        return out
