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
from typing import Any

from provenance.errors import StoreCorruptError, StoreError, StoreNotFoundError
from provenance.model import Artifact, Edge, LineageGraph, node_from_dict
from provenance.store.base import AnyNode, Direction, order_levels
from provenance.store.merge import check_edges, merge_node

SCHEMA_VERSION = 1
_CHUNK = 900  # stay under SQLite's bound-parameter limit

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
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
CREATE INDEX IF NOT EXISTS nodes_kind ON nodes(kind);
CREATE INDEX IF NOT EXISTS nodes_operation ON nodes(operation);
CREATE INDEX IF NOT EXISTS nodes_uri ON nodes(uri);
CREATE INDEX IF NOT EXISTS nodes_created_at ON nodes(created_at);
CREATE TABLE IF NOT EXISTS edges (
    source TEXT NOT NULL,
    type TEXT NOT NULL,
    target TEXT NOT NULL,
    role TEXT,
    PRIMARY KEY (source, type, target)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS edges_target ON edges(target, type, source);
"""


def _chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _marks(n: int) -> str:
    return ",".join("?" * n)


class SQLiteStore:
    """A :class:`~provenance.store.base.LineageStore` in one SQLite file.

    ``create=False`` opens an existing store read-only and never modifies the file: a missing
    file raises :class:`StoreNotFoundError`, a file that is not a provenance store
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
                self._db = sqlite3.connect(str(self.path), check_same_thread=False)
            except (OSError, sqlite3.Error) as exc:
                raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        else:
            if not self.path.is_file():
                raise StoreNotFoundError(
                    f"no provenance store at {self.path} (record something first, "
                    "e.g. `provenance demo`, or pass --store)"
                )
            ro = f"file:{self.path.resolve()}?mode=ro"
            try:
                self._db = sqlite3.connect(ro, uri=True, check_same_thread=False)
            except sqlite3.Error as exc:
                raise StoreError(f"cannot open store {self.path}: {exc}") from exc
        self._db.isolation_level = None  # explicit transactions only
        try:
            self._init(create)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreCorruptError(
                f"{self.path} is not a readable provenance store: {exc}"
            ) from exc

    # --- setup ---------------------------------------------------------------------------
    def _init(self, create: bool) -> None:
        db = self._db
        db.execute("PRAGMA busy_timeout = 30000")
        # Ids are digests, so inserts land at random places in every index: a page cache
        # that holds the indexes' working set (up to 256 MiB) keeps writes off the disk.
        db.execute("PRAGMA cache_size = -262144")
        db.execute("PRAGMA mmap_size = 268435456")
        if create:
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            db.execute("PRAGMA wal_autocheckpoint = 8192")  # checkpoint every ~32 MiB
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if tables and "meta" not in tables:
                raise sqlite3.DatabaseError("file holds other tables, not a provenance store")
            db.executescript(_SCHEMA)
            db.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
        row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            raise sqlite3.DatabaseError("no schema_version")
        if int(row[0]) > SCHEMA_VERSION:
            raise StoreCorruptError(
                f"{self.path} was written by a newer provenance (schema {row[0]}); upgrade"
            )

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writes --------------------------------------------------------------------------
    def write(self, nodes: Sequence[AnyNode], edges: Sequence[Edge]) -> None:
        """Merge nodes and edges in one transaction (see :mod:`provenance.store.merge`)."""
        if self.read_only:
            raise StoreError(f"store {self.path} is open read-only")
        by_id: dict[str, AnyNode] = {}
        for n in nodes:
            by_id[n.id] = merge_node(by_id.get(n.id), n)
        with self._lock:
            db = self._db
            try:
                db.execute("BEGIN IMMEDIATE")
                existing = {n.id: n for n in self._fetch(list(by_id))}
                if edges:
                    types: dict[str, str] = {i: n.node_type for i, n in existing.items()}
                    for i, n in by_id.items():
                        if types.get(i) != "Model":
                            types[i] = n.node_type
                    missing = list({x for e in edges for x in (e.source, e.target)} - types.keys())
                    types.update(self._types(missing))
                    check_edges(list(edges), types)
                rows = []
                for node_id, node in by_id.items():
                    old = existing.get(node_id)
                    merged = merge_node(old, node)
                    if old is not None and merged == old:
                        continue
                    rows.append(self._row(merged))
                db.executemany(
                    "INSERT INTO nodes(id, node_type, name, kind, operation, uri, status, "
                    "created_at, data) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
                    "node_type=excluded.node_type, name=excluded.name, kind=excluded.kind, "
                    "operation=excluded.operation, uri=excluded.uri, status=excluded.status, "
                    "created_at=excluded.created_at, data=excluded.data",
                    rows,
                )
                db.executemany(
                    "INSERT OR IGNORE INTO edges(source, type, target, role) VALUES (?,?,?,?)",
                    [(e.source, e.type, e.target, e.role) for e in edges],
                )
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    def _types(self, ids: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for chunk in _chunks(ids):
            cur = self._db.execute(
                f"SELECT id, node_type FROM nodes WHERE id IN ({_marks(len(chunk))})", tuple(chunk)
            )
            out.update({r[0]: r[1] for r in cur})
        return out

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
        out: list[AnyNode] = []
        for chunk in _chunks(ids):
            cur = self._db.execute(
                f"SELECT data FROM nodes WHERE id IN ({_marks(len(chunk))})", tuple(chunk)
            )
            out.extend(node_from_dict(json.loads(r[0])) for r in cur)
        return out

    def get(self, node_id: str) -> AnyNode | None:
        """The node with exactly this id, or None."""
        with self._lock:
            row = self._db.execute("SELECT data FROM nodes WHERE id = ?", (node_id,)).fetchone()
        return node_from_dict(json.loads(row[0])) if row else None

    def get_many(self, node_ids: Sequence[str]) -> list[AnyNode]:
        """The nodes with these ids, in the order given; missing ids are left out."""
        with self._lock:
            found = {n.id: n for n in self._fetch(list(dict.fromkeys(node_ids)))}
        return [found[i] for i in node_ids if i in found]

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

    def _step(self, ids: Sequence[str], direction: Direction) -> tuple[set[str], set[str]]:
        """One hop from ``ids``: (transforms reached, non-transform nodes reached)."""
        transforms: set[str] = set()
        others: set[str] = set()
        for chunk in _chunks(ids):
            m = _marks(len(chunk))
            if direction is Direction.UP:
                q_t = f"SELECT source FROM edges WHERE type = 'PRODUCED' AND target IN ({m})"
                q_o = (
                    f"SELECT target FROM edges WHERE type IN ('USED','USED_MODEL','RAN') "
                    f"AND source IN ({m})"
                )
            else:
                q_t = (
                    f"SELECT source FROM edges WHERE type IN ('USED','USED_MODEL','RAN') "
                    f"AND target IN ({m})"
                )
                q_o = f"SELECT target FROM edges WHERE type = 'PRODUCED' AND source IN ({m})"
            transforms.update(r[0] for r in self._db.execute(q_t, tuple(chunk)))
            others.update(r[0] for r in self._db.execute(q_o, tuple(chunk)))
        return transforms, others

    def traverse(
        self, node_id: str, direction: Direction, depth: int | None = None, limit: int | None = None
    ) -> LineageGraph:
        """Ancestry (``UP``) or descendants (``DOWN``) of ``node_id``; see :mod:`.base`."""
        with self._lock:
            root = self.get(node_id)
            if root is None:
                from provenance.errors import NotFoundError

                raise NotFoundError(f"no node with id {node_id}")
            level: dict[str, int] = {node_id: 0}
            # Frontier of transforms and of other nodes, each expanded once.
            frontier = [node_id]
            current = 0
            while frontier:
                transforms, others = self._step(frontier, direction)
                nxt: list[str] = []
                for t in sorted(transforms):
                    if t not in level and (depth is None or current + 1 <= depth):
                        level[t] = current + 1
                        nxt.append(t)
                for o in sorted(others):
                    if o not in level:
                        level[o] = current
                        nxt.append(o)
                # Non-transforms found from a transform stay on that transform's level; their
                # own expansion reaches transforms one level further.
                frontier = nxt
                current = max((level[x] for x in nxt), default=current)
            return self._subgraph(node_id, level, limit)

    def _subgraph(self, root: str, level: dict[str, int], limit: int | None) -> LineageGraph:
        ordered, truncated = order_levels(root, level, limit)
        nodes = self._fetch(ordered)
        order = {i: k for k, i in enumerate(ordered)}
        nodes.sort(key=lambda n: order[n.id])
        keep = set(ordered)
        edges: list[Edge] = []
        ids = list(keep)
        for chunk in _chunks(ids):
            sql = "SELECT source, type, target, role FROM edges WHERE source IN ({})"
            cur = self._db.execute(sql.format(_marks(len(chunk))), tuple(chunk))
            edges.extend(
                Edge(source=s, type=t, target=g, role=r) for s, t, g, r in cur if g in keep
            )
        edges.sort(key=lambda e: (e.source, e.type, e.target))
        return LineageGraph(root=root, nodes=nodes, edges=edges, truncated=truncated)

    def iter_nodes(self, batch_size: int = 1000) -> Iterator[list[AnyNode]]:
        """Every node in id order, in batches."""
        yield from self._iter(
            "SELECT id, data FROM nodes WHERE id > ? ORDER BY id LIMIT ?",
            batch_size,
            lambda r: node_from_dict(json.loads(r[1])),
        )

    def iter_edges(self, batch_size: int = 1000) -> Iterator[list[Edge]]:
        """Every edge in (source, type, target) order, in batches."""
        last = ("", "", "")
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT source, type, target, role FROM edges WHERE (source, type, target) > "
                    "(?, ?, ?) ORDER BY source, type, target LIMIT ?",
                    (*last, batch_size),
                ).fetchall()
            if not rows:
                return
            yield [Edge(source=s, type=t, target=g, role=r) for s, t, g, r in rows]
            last = (rows[-1][0], rows[-1][1], rows[-1][2])

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
            for chunk in _chunks(list(dict.fromkeys(transform_ids))):
                cur = self._db.execute(
                    "SELECT source, type, target, role FROM edges "
                    f"WHERE source IN ({_marks(len(chunk))})",
                    tuple(chunk),
                )
                out.extend(Edge(source=s, type=t, target=g, role=r) for s, t, g, r in cur)
        out.sort(key=lambda e: (e.source, e.type, e.target))
        return out

    def invalidations(self, artifact_ids: Sequence[str]) -> list[Edge]:
        """The INVALIDATED edges (erasure records) pointing at these artifacts."""
        out: list[Edge] = []
        with self._lock:
            for chunk in _chunks(list(dict.fromkeys(artifact_ids))):
                cur = self._db.execute(
                    "SELECT source, type, target, role FROM edges WHERE type = 'INVALIDATED' "
                    f"AND target IN ({_marks(len(chunk))})",
                    tuple(chunk),
                )
                out.extend(Edge(source=s, type=t, target=g, role=r) for s, t, g, r in cur)
        out.sort(key=lambda e: (e.source, e.target))
        return out
