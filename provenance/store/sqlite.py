"""The embedded store: one SQLite file (WAL, transactions, indexes), no server.

Erased values do not linger in the file: writable connections run with
``PRAGMA secure_delete=ON`` (SQLite overwrites deleted content with zeros), and
:meth:`SQLiteStore.purge`, which an erasure calls, checkpoints the WAL, rewrites the database
(``VACUUM``: no free page or free space inside a page keeps old bytes) and truncates the WAL,
so no file of the store (the database, ``-wal``, ``-shm``) holds what the erasure replaced.

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

import datetime as _dt
import errno
import heapq
import json
import os
import random
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from provenance.errors import (
    IntegrityError,
    NotFoundError,
    StoreCorruptError,
    StoreError,
    StoreNotFoundError,
    StorePermissionError,
    StoreReadOnlyError,
)
from provenance.model import Artifact, Edge, LineageGraph, Transform, node_from_dict, short_id
from provenance.store.base import (
    FLOW_EDGES,
    INVALIDATED,
    REACH_EDGES,
    AnyNode,
    Direction,
    PurgeReport,
    StoreBase,
    in_order,
    listed_types,
    name_glob,
    newest_first,
    newest_versions,
    recency_key,
)
from provenance.store.chain import (
    EntryWorker,
    HeadRef,
    LogEntry,
    Stored,
    element_digest,
    genesis_entries,
    pack_body,
    role_value,
    unpack_body,
)
from provenance.store.merge import check_edges, merge_batch
from provenance.store.plan import Found, NodeCodec, packed_entry, plan_write
from provenance.store.walk import StepEdge, walk

T = TypeVar("T")

SCHEMA_VERSION = 4
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
    data TEXT NOT NULL,
    salt TEXT
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
CREATE TABLE IF NOT EXISTS log (
    seq INTEGER PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    prev TEXT,
    at TEXT NOT NULL,
    nodes INTEGER NOT NULL,
    edges INTEGER NOT NULL,
    body TEXT NOT NULL,
    version INTEGER
);
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
# Schema 3 adds the tamper-evident log (provenance.store.chain). A store from before it is
# upgraded in place, in one transaction: the table, then genesis entries covering the graph
# as found (so `provenance log verify` vouches for everything from the upgrade on).
# Schema 4 (log format 2) adds each node's salt (nodes.salt) and each entry's format
# (log.version, NULL for format 1): columns added in place; what was stored is unchanged.
_LOG_COLUMNS = "seq, digest, prev, at, nodes, edges, body, version"
_ADDED_COLUMNS = (("nodes", "salt", "TEXT"), ("log", "version", "INTEGER"))
# A page of stored nodes, and whether their index columns agree with their JSON (SQLite's
# JSON functions check that at C speed; julianday() compares the two spellings of a time).
_STORED_NODES_PLAIN = (
    "SELECT pk, id, node_type, name, kind, operation, uri, status, created_at, data, salt, 0 "
    "FROM nodes WHERE pk > ? ORDER BY pk LIMIT ?"
)
_STORED_NODES = _STORED_NODES_PLAIN.replace(
    ", 0 ",
    ", CASE WHEN json_valid(data) THEN "
    + " AND ".join(
        f"{c} IS json_extract(data, '$.{c}')"
        for c in ("id", "node_type", "name", "kind", "operation", "uri", "status")
    )
    + " AND julianday(created_at) IS julianday(json_extract(data, '$.created_at')) ELSE 0 END ",
)
# Every stored edge with its endpoints' ids (NULL for a dangling one), in key order.
_STORED_EDGES = (
    "SELECT e.source, e.type, e.target, s.id, t.id, e.role FROM edges e "
    "LEFT JOIN nodes s ON s.pk = e.source LEFT JOIN nodes t ON t.pk = e.target "
    "WHERE (e.source, e.type, e.target) > (?, ?, ?) ORDER BY e.source, e.type, e.target LIMIT ?"
)
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
# The edges of the transforms bound to {marks} that a walk follows and answers carry (data flow).
_FLOW = (
    "SELECT source, type, target, role FROM edges WHERE source IN ({{marks}}) AND type IN ({types})"
).format(types=",".join(f"'{t}'" for t in FLOW_EDGES))


#: How long SQLite's own busy handler waits for a lock another connection holds (ms).
BUSY_TIMEOUT_MS = 30_000
#: How long a write (or opening the store) keeps retrying after SQLite still answers
#: SQLITE_BUSY ("database is locked"): statements the busy handler does not cover, such as
#: switching a new file to WAL while other processes open it too.
BUSY_RETRY_S = 60.0
_JITTER = random.Random()  # private: a store must never draw from the caller's `random`


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    """True for SQLITE_BUSY / SQLITE_LOCKED (any extended code): another connection holds
    the lock; the statement can be retried.

    Example:
        >>> _is_busy(sqlite3.OperationalError("database is locked"))
        True
        >>> _is_busy(sqlite3.OperationalError("no such table: x"))
        False
    """
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    text = str(exc)
    return "database is locked" in text or "database is busy" in text


def retry_busy(work: Callable[[], T], timeout: float = BUSY_RETRY_S) -> T:
    """``work()``, run again after a short randomized pause while it fails with SQLITE_BUSY,
    for up to ``timeout`` seconds (then the last error propagates).

    ``work`` must be safe to repeat: a whole transaction that rolled back, or a pragma.

    Example:
        >>> calls = []
        >>> def flaky() -> str:
        ...     calls.append(1)
        ...     if len(calls) < 3:
        ...         raise sqlite3.OperationalError("database is locked")
        ...     return "done"
        >>> retry_busy(flaky), len(calls)
        ('done', 3)
    """
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            return work()
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(_JITTER.uniform(pause / 2, pause))
        pause = min(pause * 2, 0.25)


_COLUMNS = ("id", "node_type", "name", "kind", "operation", "uri", "status", "created_at")


def _column_note(row: Sequence[Any]) -> str | None:
    """None when a node row's index columns (``row[1:9]``) agree with its JSON (``row[9]``),
    else which column does not (the columns serve lookups by name, uri…; the JSON is what
    reads return, and what the log's digest covers).

    Example:
        >>> data = '{"id": "x", "node_type": "Artifact", "name": "a", "kind": "dataset"}'
        >>> _column_note((1, "x", "Artifact", "a", "dataset", None, None, None, None, data))
        >>> _column_note((1, "x", "Artifact", "b", "dataset", None, None, None, None, data))
        "its 'name' column differs from its stored record"
    """
    try:
        record = json.loads(row[9])
    except (TypeError, ValueError):
        return "its stored record is not valid JSON"
    if not isinstance(record, dict):
        return "its stored record is not a JSON object"
    for name, column in zip(_COLUMNS, row[1:9], strict=True):
        value = record.get(name)
        if column == value:
            continue
        if name == "created_at" and isinstance(column, str) and isinstance(value, str):
            try:
                if _dt.datetime.fromisoformat(column) == _dt.datetime.fromisoformat(value):
                    continue
            except ValueError:
                pass
        return f"its {name!r} column differs from its stored record"
    return None


def _node_row(n: AnyNode) -> tuple[Any, ...]:
    """A node's row of the ``nodes`` table, less its integer key: its id, the index columns,
    and last its JSON (the record the log digests).

    Example:
        >>> row = _node_row(Transform(id="blake3:" + "1" * 64, operation="clean"))
        >>> row[1], row[4], row[-1] == _row_record(row)
        ('Transform', 'clean', True)
    """
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


def _row_record(row: tuple[Any, ...]) -> str:
    """The record the log digests of a node row (:func:`_node_row`): its JSON."""
    return str(row[-1])


#: A node as stored: its JSON and its salt (None: stored by a log format 1 writer).
_Stored = tuple[str, str | None]


def _stored_record(stored: _Stored) -> str:
    """The record the log digests of a node as stored: its JSON, as is."""
    return stored[0]


def _stored_salt(stored: _Stored) -> str | None:
    """The salt a node was stored with."""
    return stored[1]


#: How this store writes nodes and what of them the log digests
#: (:func:`~provenance.store.plan.plan_write`); its entries list merged nodes last.
_CODEC: NodeCodec[tuple[Any, ...], _Stored] = NodeCodec(
    encode=_node_row,
    record=_row_record,
    stored_record=_stored_record,
    merges_last=True,
    stored_salt=_stored_salt,
)


def _aware(when: str) -> _dt.datetime:
    """A stored ``created_at`` as an aware datetime (UTC when stored without a zone)."""
    parsed = _dt.datetime.fromisoformat(when)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=_dt.UTC)


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def _is_store_file(path: Path) -> bool:
    """Whether ``path`` is a file; :class:`StorePermissionError` (naming the directory the
    operating system refuses to search) instead of an answer it cannot give.

    Example:
        >>> _is_store_file(Path("/nonexistent/lineage.sqlite"))
        False
    """
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except PermissionError as exc:
        raise StorePermissionError(
            f"permission denied: cannot read the provenance store at {_denied(path)}"
        ) from exc
    except OSError as exc:
        raise StoreError(f"cannot open the store at {path}: {exc.strerror or exc}") from exc


def _denied(path: Path) -> Path:
    """The part of ``path`` access is denied at: the first ancestor directory that cannot be
    searched, else the file itself."""
    for parent in reversed(path.absolute().parents):
        try:
            if parent.is_dir() and not os.access(parent, os.X_OK):
                return parent
        except OSError:
            return parent
    return path


def _read_only_reason(path: Path) -> str | None:
    """Why the existing store file ``path`` cannot be written (None when it can): a
    read-only file system, a read-only file, or a directory SQLite cannot create its WAL
    and shared-memory files in.

    Example:
        >>> import tempfile
        >>> f = Path(tempfile.mkdtemp()) / "lineage.sqlite"
        >>> _ = f.write_bytes(b"")
        >>> _read_only_reason(f) is None
        True
    """
    parent = path.parent
    try:
        if os.statvfs(parent).f_flag & os.ST_RDONLY:
            return "read-only file system"
    except OSError:
        pass
    if not os.access(path, os.W_OK):
        return "the file is read-only"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"its directory {parent} is not writable"
    return None


def _sqlite_code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


class SQLiteStore(StoreBase):
    """A :class:`~provenance.store.base.LineageStore` in one SQLite file.

    ``create=False`` opens an existing store read-only and never modifies the file, except to
    upgrade a store written by an older provenance to the current schema (one transaction): a
    missing file raises :class:`StoreNotFoundError`, a file that is not a provenance store
    :class:`StoreCorruptError`.

    Access: a store the operating system will not let this process read raises
    :class:`StorePermissionError` naming the path. A store that exists but cannot be written
    (a read-only file, directory or file system) opens for reading either way, ``create``
    or not (``read_only`` is then True and ``read_only_reason`` says why), and a write
    raises :class:`StoreReadOnlyError`. A read-only store written by an older provenance
    cannot be upgraded, which raises :class:`StoreReadOnlyError` on open.

    Every write that changes the graph appends an entry to the tamper-evident log in the
    ``log`` table, in its own transaction (:mod:`provenance.store.chain`). ``log=False``
    leaves the log out, for measuring its cost only: such writes are not covered, and
    ``provenance log verify`` reports them as changes made outside the library.
    """

    def __init__(self, path: str | Path, *, create: bool = True, log: bool = True) -> None:
        self.path = Path(path)
        self.uri = f"sqlite://{self.path.resolve()}"
        self.read_only = not create
        #: Why the store cannot be written (None when it can).
        self.read_only_reason: str | None = None if create else "opened for reading only"
        self.log_enabled = log
        self._lock = threading.RLock()
        self._worker = EntryWorker()  # builds log entries while SQLite inserts
        self._immutable = False
        try:
            exists = _is_store_file(self.path)
        except StorePermissionError as exc:
            if not create:
                raise
            # Opening to record: the store may not exist yet, so "cannot read" would mislead.
            raise StorePermissionError(
                f"permission denied: {_denied(self.path)} cannot be searched, so the provenance "
                f"store at {self.path} can be neither opened nor created"
            ) from exc
        unwritable = _read_only_reason(self.path) if exists else None
        if not exists and not create:
            raise StoreNotFoundError(
                f"no provenance store at {self.path} (record something first, "
                "e.g. `provenance demo`, or pass --store)"
            )
        if not exists:
            self._make_directory()
        elif not os.access(self.path, os.R_OK):
            raise StorePermissionError(
                f"permission denied: cannot read the provenance store at {self.path}"
            )
        elif unwritable is not None and create:
            self.read_only, self.read_only_reason = True, unwritable
        self._db = self._connect(not self.read_only)
        try:
            # Several processes may open (and create) one store at once: retried while busy.
            version = self._open(unwritable)
            if version < SCHEMA_VERSION and self.read_only:
                if unwritable is not None:
                    raise StoreReadOnlyError(
                        f"the store at {self.path} was written by an older provenance "
                        f"(schema {version}) and needs a one-time upgrade, but it is read-only "
                        f"({unwritable}): open it once where it can be written"
                    )
                self._db.close()  # upgrade through a writable connection, then reopen
                self._db = self._connect(True)
                retry_busy(lambda: self._init(True))
                self._db.close()
                self._db = self._connect(False)
                retry_busy(lambda: self._init(False))
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise self._open_error(exc, unwritable) from exc
        except StoreError:
            self._db.close()
            raise

    def _make_directory(self) -> None:
        """Create the directory a new store goes in, with a clear error when that is denied."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except PermissionError as exc:
            raise StorePermissionError(
                f"permission denied: cannot create the provenance store at {self.path}"
            ) from exc
        except OSError as exc:
            if exc.errno == errno.EROFS:
                raise StoreReadOnlyError(
                    f"cannot create the provenance store at {self.path}: read-only file system"
                ) from exc
            raise StoreError(f"cannot create the store at {self.path}: {exc}") from exc

    def _open(self, unwritable: str | None) -> int:
        """Set up the connection (:meth:`_init`), the schema version found. A read-only
        connection SQLite cannot open on a store this process cannot write (it cannot create
        or write the WAL's shared-memory file beside it: CANTOPEN or READONLY_CANTINIT) is
        reopened as immutable, unless a WAL file with writes not yet checkpointed is there
        (immutable reads would miss them)."""
        try:
            return retry_busy(lambda: self._init(not self.read_only))
        except sqlite3.OperationalError as exc:
            wal = Path(f"{self.path}-wal")
            if (
                not self.read_only
                or unwritable is None
                or _sqlite_code(exc) not in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY)
                or (wal.exists() and wal.stat().st_size > 0)
            ):
                raise
        self._db.close()
        self._db = self._connect(False, immutable=True)
        self._immutable = True
        return retry_busy(lambda: self._init(False))

    def _open_error(self, exc: sqlite3.Error, unwritable: str | None) -> StoreError:
        """The one-line error for a failure to open the store."""
        code = _sqlite_code(exc)
        if (
            code in (sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH, sqlite3.SQLITE_CANTOPEN)
            and not self.read_only
            and not os.path.lexists(self.path)
        ):  # creating a new store: say so, and why it failed (not "cannot read")
            parent = self.path.parent
            if not os.access(parent, os.W_OK | os.X_OK):
                return StorePermissionError(
                    f"permission denied: cannot create the provenance store at {self.path}: "
                    f"its directory {parent} is not writable"
                )
            return StoreError(f"cannot create the provenance store at {self.path}: {exc}")
        if code in (sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH) or (
            code == sqlite3.SQLITE_CANTOPEN and not os.access(self.path, os.R_OK)
        ):
            return StorePermissionError(
                f"permission denied: cannot read the provenance store at {_denied(self.path)}"
            )
        if code == sqlite3.SQLITE_READONLY or (
            code == sqlite3.SQLITE_CANTOPEN and unwritable is not None
        ):
            return StoreReadOnlyError(
                f"cannot open the store at {self.path}: it is read-only "
                f"({unwritable or 'SQLite refused to write'}): {exc}"
            )
        if code == sqlite3.SQLITE_CANTOPEN:
            return StoreError(f"cannot open the store at {self.path}: {exc}")
        return StoreCorruptError(f"{self.path} is not a readable provenance store: {exc}")

    def _connect(self, writable: bool, *, immutable: bool = False) -> sqlite3.Connection:
        target, uri = str(self.path), False
        if not writable:
            mode = "mode=ro&immutable=1" if immutable else "mode=ro"
            target, uri = f"file:{quote(str(self.path.resolve()))}?{mode}", True
        try:
            db = sqlite3.connect(target, uri=uri, check_same_thread=False)
        except sqlite3.Error as exc:
            raise self._open_error(exc, None) from exc
        db.isolation_level = None  # explicit transactions only
        return db

    # --- setup ---------------------------------------------------------------------------
    def _init(self, writable: bool) -> int:
        """Set pragmas; when writable, create or upgrade the schema. The schema version found."""
        db = self._db
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # A page cache that holds the indexes' working set (up to 256 MiB) keeps the random
        # inserts of digest ids off the disk.
        db.execute("PRAGMA cache_size = -262144")
        db.execute("PRAGMA mmap_size = 268435456")
        if writable:
            # Switching a new file to WAL takes an exclusive lock without waiting on the busy
            # handler; a concurrent opener gets SQLITE_BUSY here, and retry_busy retries.
            if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            # Deleted and overwritten content is zeroed, not left in free space (erasure).
            db.execute("PRAGMA secure_delete = ON")
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
            row = ("2",)
        if row is not None and row[0] in ("2", "3"):
            for stmt in _STATEMENTS:
                db.execute(stmt)
            for table, column, kind in _ADDED_COLUMNS:
                have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
                if column not in have:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            if row[0] == "2":
                self._start_log()
            db.execute(
                "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),)
            )
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
            self._worker.close()
            self._db.close()

    def purge(self, timeout: float = BUSY_RETRY_S) -> PurgeReport:
        """Leave nothing a write replaced or deleted in the store's files: checkpoint the WAL
        into the database, rewrite the database (``VACUUM``: every page written anew, so no
        free page or free space inside a page keeps old bytes, whatever connection freed
        them), then checkpoint again and truncate the WAL to nothing. ``complete`` is False
        when another connection kept a checkpoint from finishing for ``timeout`` seconds (a
        long read in another process): the WAL may then still hold old pages until the next
        checkpoint.

        Example:
            >>> import tempfile
            >>> s = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
            >>> s.write([Transform(id="blake3:" + "1" * 64, operation="clean")], [])
            >>> s.purge().complete, os.path.getsize(f"{s.path}-wal")
            (True, 0)
        """
        if self.read_only:
            raise StoreReadOnlyError(
                f"cannot purge the store at {self.path}: it is read-only ({self.read_only_reason})"
            )
        db = self._db
        deadline = time.monotonic() + timeout

        def checkpoint() -> bool:
            while True:
                busy, _, _ = retry_busy(
                    lambda: db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone(), timeout
                )
                if not busy:
                    return True
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.05)

        with self._lock:
            steps = [
                "checkpointed the WAL into the database"
                if checkpoint()
                else "could not checkpoint the WAL fully (another connection reads)"
            ]
            retry_busy(lambda: db.execute("VACUUM"), timeout)
            steps.append("rewrote the database (VACUUM): no free space keeps old bytes")
            done = checkpoint()
            steps.append(
                "checkpointed and truncated the WAL (-wal is empty)"
                if done
                else "could not truncate the WAL (another connection reads): it keeps old "
                "pages until the next checkpoint"
            )
        return PurgeReport(
            backend="sqlite",
            steps=steps,
            complete=done,
            note=None
            if done
            else "another connection kept the WAL from being truncated: run the erasure's "
            "purge again once it is closed (`provenance erase` does, when erasing again)",
        )

    # --- writes --------------------------------------------------------------------------
    def write(
        self,
        nodes: Sequence[AnyNode],
        edges: Sequence[Edge],
        *,
        replace: bool = False,
        replace_ids: Collection[str] = (),
        remove_edges: Sequence[Edge] = (),
        remove_nodes: Sequence[str] = (),
    ) -> None:
        """Merge nodes and edges in one transaction (see :mod:`provenance.store.merge`);
        ``replace``: each node replaces the stored one (:mod:`provenance.store.plan`);
        ``replace_ids``, ``remove_edges``, ``remove_nodes``: see
        :meth:`~provenance.store.base.RebindingStore.write`.

        Example:
            >>> import tempfile
            >>> s = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
            >>> t = Transform(id="blake3:" + "1" * 64, operation="read")
            >>> a = Artifact(id="blake3:" + "a" * 64, name="x")
            >>> e = Edge(source=t.id, target=a.id, type="USED")
            >>> s.write([t, a], [e])
            >>> s.write([], [], remove_edges=[e], remove_nodes=[a.id])
            >>> s.counts(), s.log_head().body.splitlines()
            ({'Transform': 1}, ['D blake3:aaa...', 'D blake3:111... USED blake3:aaa...'])
        """
        if self.read_only:
            raise StoreReadOnlyError(
                f"cannot write to the store at {self.path}: it is read-only "
                f"({self.read_only_reason})"
            )
        by_id = merge_batch(nodes)
        with self._lock:
            # Another process holding the write lock past the busy timeout: the whole
            # transaction (rolled back) is tried again, so nothing is lost or doubled.
            try:
                retry_busy(
                    lambda: self._write_tx(
                        by_id, edges, replace, replace_ids, remove_edges, remove_nodes
                    )
                )
            except sqlite3.OperationalError as exc:
                if _sqlite_code(exc) not in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN):
                    raise
                why = _read_only_reason(self.path) or "SQLite refused to write"
                raise StoreReadOnlyError(
                    f"cannot write to the store at {self.path}: it is read-only ({why})"
                ) from exc

    def _write_tx(
        self,
        by_id: dict[str, AnyNode],
        edges: Sequence[Edge],
        replace: bool = False,
        replace_ids: Collection[str] = (),
        remove_edges: Sequence[Edge] = (),
        remove_nodes: Sequence[str] = (),
    ) -> None:
        """One attempt at :meth:`write`: BEGIN IMMEDIATE (the write lock first, so two
        writers never deadlock on a lock upgrade) … COMMIT, rolled back on any error.

        The stored state is read here, :func:`~provenance.store.plan.plan_write` says what
        the write does and what its log entry holds, and this runs the statements."""
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            gone_nodes, gone_edges = self._removals(by_id, remove_edges, remove_nodes)
            found = self._found(list(by_id))
            keys = {i: pk for i, (pk, _) in found.items()}
            if edges:
                types: dict[str, str] = {i: f.node.node_type for i, (_, f) in found.items()}
                for i, n in by_id.items():
                    if types.get(i) != "Model":
                        types[i] = n.node_type
                ends = {x for e in edges for x in (e.source, e.target)}
                for i, (pk, node_type) in self._keys(list(ends - types.keys())).items():
                    keys[i], types[i] = pk, node_type
                check_edges(list(edges), types)
            log = self.log_enabled
            stored: set[tuple[int, str, int]] | None = None  # None: all new, none repeats
            if log and edges:
                created = by_id.keys() - found.keys()
                stored = self._stored_edge_keys(edges, keys, created) or None

            def key(e: Edge) -> tuple[int, str, int]:
                return (keys[e.source], e.type, keys[e.target])

            plan = plan_write(
                by_id,
                {i: f for i, (_, f) in found.items()},
                edges,
                _CODEC,
                stored,
                key,
                replace=replace,
                replace_ids=replace_ids,
                removed_nodes=list(gone_nodes),
                removed_edges=[k for k, _ in gone_edges],
            )
            (top,) = db.execute("SELECT coalesce(max(pk), 0) FROM nodes").fetchone()
            inserts = [
                (pk, *row, salt) for pk, (_, row, _, salt) in enumerate(plan.created, top + 1)
            ]
            keys.update((r[1], r[0]) for r in inserts)  # the created nodes' keys (r[1]: id)
            updates = [(*row[1:], salt, found[node.id][0]) for node, row, _, salt in plan.merged]
            entry: Future[tuple[LogEntry, bytes]] | None = None
            lines: list[str] = []
            n_nodes = 0
            if log:
                # the lines are built here, as Python work on the worker would only take
                # turns with the inserts for the GIL; digested and compressed on the worker
                # while SQLite inserts (which it does without the GIL)
                lines, n_nodes = plan.lines()
                if lines:
                    entry = self._worker.submit(packed_entry, self._head_ref(), lines, n_nodes)
            if gone_edges:
                db.executemany(
                    "DELETE FROM edges WHERE source=? AND type=? AND target=?",
                    [pks for _, pks in gone_edges],
                )
            db.executemany(
                "INSERT INTO nodes(pk, id, node_type, name, kind, operation, uri, status, "
                "created_at, data, salt) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                inserts,
            )
            db.executemany(
                "UPDATE nodes SET node_type=?, name=?, kind=?, operation=?, uri=?, status=?, "
                "created_at=?, data=?, salt=? WHERE pk=?",
                updates,
            )
            added = db.total_changes
            db.executemany(
                "INSERT OR IGNORE INTO edges(source, type, target, role) VALUES (?,?,?,?)",
                [(keys[e.source], e.type, keys[e.target], e.role) for e in edges],
            )
            inserted = db.total_changes - added
            if gone_nodes:
                self._delete_nodes(list(gone_nodes.values()))
            if entry is not None:
                logged = entry.result()
                if stored is None and inserted != len(edges):
                    # an edge repeated within the write: its first line only, as INSERT OR
                    # IGNORE keeps the first
                    again = plan.with_stored_edges(set())
                    lines = lines[:n_nodes] + again.edge_lines() + again.removed_edge_lines()
                    logged = packed_entry(self._head_ref(), lines, n_nodes)
                self._append_log(*logged)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _removals(
        self,
        by_id: dict[str, AnyNode],
        remove_edges: Sequence[Edge],
        remove_nodes: Sequence[str],
    ) -> tuple[dict[str, int], list[tuple[tuple[str, str, str], tuple[int, str, int]]]]:
        """The stored nodes (id: key) and edges (id key, integer key) a write removes."""
        if not remove_edges and not remove_nodes:
            return {}, []
        written = [i for i in remove_nodes if i in by_id]
        if written:
            raise IntegrityError(
                f"node {short_id(written[0])}… is both written and removed; nothing was written"
            )
        ends = {x for e in remove_edges for x in (e.source, e.target)}
        keys = {i: pk for i, (pk, _) in self._keys(list(ends | set(remove_nodes))).items()}
        gone_edges: list[tuple[tuple[str, str, str], tuple[int, str, int]]] = []
        for e in dict.fromkeys(x.key for x in remove_edges):
            source, target = keys.get(e[0]), keys.get(e[2])
            if source is None or target is None:
                continue
            pks = (source, e[1], target)
            sql = "SELECT 1 FROM edges WHERE source=? AND type=? AND target=?"
            if self._db.execute(sql, pks).fetchone():
                gone_edges.append((e, pks))
        gone_nodes = {i: keys[i] for i in dict.fromkeys(remove_nodes) if i in keys}
        return gone_nodes, gone_edges

    def _delete_nodes(self, pks: list[int]) -> None:
        """Delete these nodes, which no edge may point at or start from any more."""
        for chunk in _chunks(pks, _CHUNK // 2):
            marks = _marks(len(chunk))
            left = self._db.execute(
                f"SELECT count(*) FROM edges WHERE source IN ({marks}) OR target IN ({marks})",
                (*chunk, *chunk),
            ).fetchone()[0]
            if left:
                raise IntegrityError(
                    f"{left} edge(s) still join a node the write removes; nothing was written"
                )
            self._db.execute(f"DELETE FROM nodes WHERE pk IN ({marks})", tuple(chunk))

    # --- the log (provenance.store.chain) ---------------------------------------------------
    def _found(self, ids: Sequence[str]) -> dict[str, tuple[int, Found[_Stored]]]:
        """The stored nodes among ``ids``: integer key, and the node read and as stored."""
        out: dict[str, tuple[int, Found[_Stored]]] = {}
        for chunk in _chunks(ids):
            cur = self._db.execute(
                f"SELECT pk, data, salt FROM nodes WHERE id IN ({_marks(len(chunk))})",
                tuple(chunk),
            )
            for pk, data, salt in cur:
                node = node_from_dict(json.loads(data))
                out[node.id] = (pk, Found(node, (data, salt)))
        return out

    def _stored_edge_keys(
        self, edges: Sequence[Edge], keys: dict[str, int], created: set[str]
    ) -> set[tuple[int, str, int]]:
        """The keys of the edges already stored from the sources of ``edges`` that existed
        before the write (an edge from a node the write creates cannot be)."""
        stored: set[tuple[int, str, int]] = set()
        older = sorted({keys[e.source] for e in edges if e.source not in created})
        for chunk in _chunks(older):
            sql = f"SELECT source, type, target FROM edges WHERE source IN ({_marks(len(chunk))})"
            stored.update(self._db.execute(sql, tuple(chunk)))
        return stored

    def _head_ref(self) -> HeadRef | None:
        row = self._db.execute("SELECT seq, digest FROM log ORDER BY seq DESC LIMIT 1").fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def _append_log(self, entry: LogEntry, body: bytes) -> None:
        """Insert ``entry`` with its body as stored (:func:`pack_body` of ``entry.body``)."""
        self._db.execute(
            f"INSERT INTO log({_LOG_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",
            (
                entry.seq,
                entry.digest,
                entry.prev,
                entry.at.isoformat(),
                entry.nodes,
                entry.edges,
                body,
                entry.version,
            ),
        )

    def _start_log(self) -> None:
        """Genesis entries covering the graph as found: how a store from before the log
        starts its chain (in the upgrade's transaction)."""
        stored = (s for batch in self._stored_elements(5000) for s in batch)
        for entry in genesis_entries(self._head_ref(), stored):
            self._append_log(entry, pack_body(entry.body))

    @staticmethod
    def _entry(row: Sequence[Any]) -> LogEntry:
        seq, digest, prev, at, nodes, edges, body, version = row
        return LogEntry(
            seq=seq,
            digest=digest,
            prev=prev,
            at=at,
            nodes=nodes,
            edges=edges,
            body=unpack_body(body),
            version=1 if version is None else version,
        )

    def log_head(self) -> LogEntry | None:
        """The newest log entry, or None before the first write.

        Example:
            >>> import tempfile
            >>> s = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
            >>> s.log_head() is None
            True
            >>> s.write([Transform(id="blake3:" + "1" * 64, operation="clean")], [])
            >>> s.log_head().seq, s.log_head().nodes
            (1, 1)
        """
        with self._lock:
            row = self._db.execute(
                f"SELECT {_LOG_COLUMNS} FROM log ORDER BY seq DESC LIMIT 1"
            ).fetchone()
        return self._entry(row) if row else None

    def iter_log(self, batch_size: int = 16) -> Iterator[list[LogEntry]]:
        """Every log entry in ``seq`` order, in batches."""
        after = 0
        while True:
            with self._lock:
                rows = self._db.execute(
                    f"SELECT {_LOG_COLUMNS} FROM log WHERE seq > ? ORDER BY seq LIMIT ?",
                    (after, batch_size),
                ).fetchall()
            if not rows:
                return
            yield [self._entry(r) for r in rows]
            after = rows[-1][0]

    def iter_stored_elements(self, batch_size: int = 5000) -> Iterator[list[Stored]]:
        """Every node and edge as stored, valued as the log records it: a node by the digest
        of its stored JSON (with a note when an index column disagrees with it), an edge by
        its role. Raw rows, so a record changed into something unreadable is still named."""
        pages = self._stored_elements(batch_size)
        while True:
            with self._lock:
                page = next(pages, None)
            if page is None:
                return
            yield page

    def _stored_elements(self, batch_size: int) -> Iterator[list[Stored]]:
        db = self._db
        last = 0
        sql = _STORED_NODES
        while True:
            try:
                rows = db.execute(sql, (last, batch_size)).fetchall()
            except sqlite3.OperationalError:  # an SQLite without JSON functions
                if sql == _STORED_NODES_PLAIN:
                    raise
                sql = _STORED_NODES_PLAIN
                continue
            if not rows:
                break
            new = tuple.__new__  # Stored without its Python-level constructor (hot loop)
            yield [
                new(
                    Stored,
                    (r[1], element_digest(r[9], r[10]), None if r[11] else _column_note(r)),
                )
                for r in rows
            ]
            last = rows[-1][0]
        after: tuple[Any, ...] = (-1, "", -1)
        while rows := db.execute(_STORED_EDGES, (*after, batch_size)).fetchall():
            yield [
                tuple.__new__(Stored, ((s or "", t, g or ""), role_value(role), None))
                for _, t, _, s, g, role in rows
            ]
            after = rows[-1][:3]

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
        self,
        *,
        name: str | None = None,
        kind: str | None = None,
        uri: str | None = None,
        limit: int | None = None,
    ) -> list[Artifact]:
        """Artifacts matching every given field, newest first (at most ``limit``)."""
        clauses: list[str] = ["node_type IN ('Artifact', 'Model')"]
        params: list[str | int] = []
        for col, val in (("name", name), ("kind", kind), ("uri", uri)):
            if val is not None:
                clauses.append(f"{col} = ?")
                params.append(val)
        sql = f"SELECT data FROM nodes WHERE {' AND '.join(clauses)} ORDER BY created_at DESC, id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [
            a for a in (node_from_dict(json.loads(r[0])) for r in rows) if isinstance(a, Artifact)
        ]

    def find_transforms(
        self, *, operation: str | None = None, name: str | None = None
    ) -> list[Transform]:
        """Transforms matching every given field, newest first (by ``started_at``, then id).

        Example:
            >>> import tempfile
            >>> s = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
            >>> s.write([Transform(id="blake3:" + "1" * 64, operation="clean")], [])
            >>> [t.operation for t in s.find_transforms(operation="clean")]
            ['clean']
        """
        clauses, params = ["node_type = 'Transform'"], []
        for col, val in (("operation", operation), ("name", name)):
            if val is not None:
                clauses.append(f"{col} = ?")
                params.append(val)
        sql = f"SELECT data FROM nodes WHERE {' AND '.join(clauses)}"
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        found = (node_from_dict(json.loads(r[0])) for r in rows)
        return newest_first(t for t in found if isinstance(t, Transform))

    def recent_nodes(
        self,
        *,
        node_type: str | None = None,
        kind: str | None = None,
        name: str | None = None,
        operation: str | None = None,
        limit: int | None = None,
    ) -> list[AnyNode]:
        """Nodes newest first, filtered (:meth:`.base.LineageStore.recent_nodes`).

        The filters are query parameters; the order is taken here, to the microsecond, from
        the stored times (:func:`~provenance.store.base.recency_key`), keeping only ``limit``
        candidates at a time.

        Example:
            >>> import tempfile
            >>> s = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
            >>> s.write([Transform(id="blake3:" + "1" * 64, operation="clean"),
            ...          Artifact(id="blake3:" + "2" * 64, name="users.csv")], [])
            >>> [n.node_type for n in s.recent_nodes()], s.recent_nodes(name="*.csv")[0].name
            (['Artifact', 'Transform'], 'users.csv')
        """
        types = listed_types(node_type, limit)
        clauses = [f"node_type IN ({_marks(len(types))})"]
        params: list[str] = list(types)
        for column, value in (("kind", kind), ("operation", operation)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if name is not None and name_glob(name):
            clauses.append("name GLOB ?")  # [ is GLOB's only other special character
            params.append(name.replace("[", "[[]"))
        elif name is not None:
            clauses.append("instr(name, ?) > 0")
            params.append(name)
        sql = (
            "SELECT id, CASE WHEN node_type = 'Transform' THEN json_extract(data, '$.started_at') "
            f"ELSE created_at END FROM nodes WHERE {' AND '.join(clauses)}"
        )
        with self._lock:
            keyed = ((recency_key(when, i), i) for i, when in self._db.execute(sql, params))
            top = sorted(keyed) if limit is None else heapq.nsmallest(limit, keyed)
            ids = [i for _, i in top]
            return in_order(ids, self._fetch(ids))

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
            out.extend(self._db.execute(_FLOW.format(marks=_marks(len(chunk))), tuple(chunk)))
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

    def uri_versions(self, uri: str) -> list[tuple[str, _dt.datetime]]:
        """``(id, created_at)`` of every artifact with this uri (one index read; no JSON
        decoded): :meth:`~provenance.store.base.VersionReads.uri_versions`."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, created_at FROM nodes WHERE uri = ? AND node_type IN "
                "('Artifact', 'Model')",
                (uri,),
            ).fetchall()
        return [(i, _aware(when)) for i, when in rows]

    def newest_versions(
        self, uri: str, at: _dt.datetime, limit: int
    ) -> list[tuple[str, _dt.datetime]]:
        """The ``limit`` newest versions of ``uri`` at or before ``at``
        (:func:`~provenance.store.base.newest_versions` of :meth:`uri_versions`)."""
        return newest_versions(self.uri_versions(uri), at, limit)

    def edges_to(self, artifact_ids: Sequence[str]) -> list[Edge]:
        """Every edge pointing at these artifacts, ordered by (source, type, target)."""
        out: list[Edge] = []
        unique = list(dict.fromkeys(artifact_ids))
        with self._lock:
            for chunk in _chunks(unique):
                out.extend(self._edges(f"t.id IN ({_marks(len(chunk))})", chunk))
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
