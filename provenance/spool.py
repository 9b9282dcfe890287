"""The durable spool: every run bound for a server store is journaled on local disk first,
so a Neo4j that is down or unreachable never loses a record and never fails the pipeline.

:class:`SpooledStore` (what :class:`~provenance.tracker.Tracker` puts in front of every
Neo4j store) does this for each ``write(nodes, edges)``, i.e. for each recorded run:

1. The record (the run's nodes and edges) is appended to this process's journal segment and
   fsynced: from here on it survives the process, the server and the network failing.
2. It is sent with the store's own ``write`` (one transaction); when that returns, the
   record is acknowledged.
3. When the store is unavailable (:func:`is_unavailable`) the record stays in the journal
   and ``write`` returns normally (``strict=True``: raises
   :class:`~provenance.errors.StoreUnavailableError`, the record still kept). The store is
   then left alone for a backoff delay, :data:`BACKOFF_BASE_S` (0.5 s) doubling per failed
   attempt up to :data:`BACKOFF_CAP_S` (30 s), each drawn between half and all of that.
4. While records wait, later writes only append to the journal, behind them (so a record
   never reaches the store before one it refers to), and a background thread sends them,
   oldest first, retrying with that backoff: the pipeline runs at local-disk speed and
   never waits on the network for the backlog. The thread starts with the first write that
   finds records waiting (those of this process, or left by a process that ended) and stops
   once the journal is empty; from then on writes go straight to the store again. What is
   still spooled is also sent by ``close()``, at interpreter exit
   (``$PROVENANCE_SPOOL_EXIT_TIMEOUT`` seconds, 10 by default), and by
   ``provenance spool flush``. A replay is the same ``write`` of the same nodes and edges:
   ids are content digests and writes merge, so a record that had in fact arrived (the
   connection dropped after the commit) changes nothing when it is sent again.

Layout: ``$PROVENANCE_SPOOL_DIR``, else ``$XDG_CACHE_HOME/provenance/spool``
(``~/.cache/provenance/spool``), with one directory per store, named by a digest of the
store URI without its password (:func:`spool_dir`; ``store.json`` names the store). In it:

* ``<time_ns>-<pid>-<rand>.jsonl``: the journal segment of one process, which holds an
  exclusive ``flock`` on it while the store is open. One line per record, appended and
  fsynced: ``{"v": 1, "id": "<uuid4 hex>", "at": "<UTC ISO time>", "pid": 123,
  "nodes": [...], "edges": [...]}``, nodes and edges as their pydantic JSON dumps
  (:func:`~provenance.model.node_from_dict` reads nodes back). A last line cut short by a
  crash is ignored: its ``write`` had not returned, so no caller was told it was recorded.
* ``<segment>.acked``: the ids of that segment's records that arrived. A segment whose
  records have all arrived is emptied, and removed when its process closes the store.
  Segments whose process is gone (their lock is free) are adopted and sent by the next
  process that flushes this spool, then removed.
* ``rejected.jsonl``: records the store refused for a reason other than availability (a
  write that can never succeed, such as an edge to a node that does not exist), each with its
  error: kept for inspection, never retried in a loop and never silently dropped.

The embedded SQLite store is not spooled by default: its write is a local transaction that
commits or fails, and a journal on the same disk would fail with it (``spool=True`` on the
tracker spools it anyway, identically).

Example:
    >>> import tempfile
    >>> from provenance.model import Artifact
    >>> from provenance.store import SQLiteStore
    >>> store = SpooledStore(SQLiteStore(tempfile.mkdtemp() + "/l.sqlite"),
    ...                      directory=Path(tempfile.mkdtemp()))
    >>> store.write([Artifact(id="blake3:" + "a" * 64, name="raw")], [])
    >>> store.get("blake3:" + "a" * 64).name, store.spool.status().pending_records
    ('raw', 0)
    >>> store.close()
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as _dt
import fcntl
import hashlib
import json
import logging
import os
import random
import re
import sys
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from provenance.errors import InvalidStoreURIError, StoreUnavailableError
from provenance.model import Artifact, Edge, LineageGraph, Transform, node_from_dict
from provenance.store.base import AnyNode, Direction, LineageStore, StoreBase
from provenance.store.uri import parse_store_uri

__all__ = [
    "BACKOFF_BASE_S",
    "BACKOFF_CAP_S",
    "DRAIN_S",
    "DRIVER_CONFIG",
    "EXIT_TIMEOUT_ENV",
    "SPOOL_ENV",
    "FlushReport",
    "Spool",
    "SpoolRecord",
    "SpoolScrub",
    "SpoolStatus",
    "SpooledStore",
    "is_unavailable",
    "scrub_spool",
    "spool_dir",
    "spool_root",
    "spool_statuses",
    "spooled",
    "store_key",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Overrides where spools live (tests point it at a temporary directory).
SPOOL_ENV = "PROVENANCE_SPOOL_DIR"
#: Seconds the exit handler may spend sending what is still spooled (default 10).
EXIT_TIMEOUT_ENV = "PROVENANCE_SPOOL_EXIT_TIMEOUT"
FORMAT_VERSION = 1
#: First backoff delay after a failed attempt; doubled per further failure...
BACKOFF_BASE_S = 0.5
#: ...up to this. Each delay is drawn between half and all of its value (jitter).
BACKOFF_CAP_S = 30.0
#: Longest one pass of the background sender (it then looks for new records and goes on).
DRAIN_S = 5.0
#: Longest ``close()`` spends sending what is still spooled.
CLOSE_S = 10.0
#: Driver settings of a Neo4j store opened by the spool: a failed attempt costs about a
#: second (one driver retry after ~1 s), not the driver's default 30 s of retries, and a
#: host that does not answer at all costs at most ``connection_timeout``.
DRIVER_CONFIG: dict[str, Any] = {
    "max_transaction_retry_time": 0.5,
    "connection_timeout": 5.0,
    "connection_acquisition_timeout": 10.0,
}
_SEGMENT = re.compile(r"^\d{20}-\d+-[0-9a-f]+\.jsonl$")
_REJECTED = "rejected.jsonl"
_STORE_FILE = "store.json"
_JITTER = random.Random()  # private: never draw from the caller's (possibly seeded) `random`


# --------------------------------------------------------------------------------------------
# what counts as unavailable
# --------------------------------------------------------------------------------------------
def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says the store cannot be reached or is not serving now, so the
    record stays spooled and is retried; False when the write itself is wrong.

    Unavailable: :class:`~provenance.errors.StoreUnavailableError` (the Neo4j store raises it
    for the driver's ``ServiceUnavailable``, ``SessionExpired``, ``IncompleteCommit`` and
    ``DatabaseUnavailable``, and for refused credentials), connection errors and timeouts,
    and, should one reach this far unwrapped, any of the driver's ``ServiceUnavailable``,
    ``SessionExpired``, ``TransientError`` (its retries ran out) or server-side
    ``DatabaseError``. Everything else (an ``IntegrityError``, a value too large to index, a
    bug) is not: such a write would fail the same way again.

    Example:
        >>> from provenance.errors import IntegrityError
        >>> is_unavailable(StoreUnavailableError("down")), is_unavailable(ConnectionResetError())
        (True, True)
        >>> is_unavailable(IntegrityError("edge to a missing node"))
        False
    """
    if isinstance(exc, StoreUnavailableError | ConnectionError | TimeoutError):
        return True
    driver = sys.modules.get("neo4j.exceptions")  # only when the driver is in use at all
    if driver is None:
        return False
    retry_later = (
        driver.ServiceUnavailable,
        driver.SessionExpired,
        driver.TransientError,
        driver.DatabaseError,
    )
    return isinstance(exc, retry_later)


# --------------------------------------------------------------------------------------------
# where spools live
# --------------------------------------------------------------------------------------------
def spool_root() -> Path:
    """Where spools live: ``$PROVENANCE_SPOOL_DIR``, else ``<cache>/provenance/spool`` with
    ``<cache>`` = ``$XDG_CACHE_HOME`` or ``~/.cache``.

    Example:
        >>> import os
        >>> os.environ[SPOOL_ENV] = "/tmp/spools"
        >>> spool_root()
        PosixPath('/tmp/spools')
        >>> del os.environ[SPOOL_ENV]
    """
    env = os.environ.get(SPOOL_ENV)
    if env:
        return Path(env).expanduser().absolute()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache).expanduser().absolute() / "provenance" / "spool"


def store_key(uri: str) -> str:
    """The store URI without its password: what names (and is recorded in) its spool.

    Example:
        >>> store_key("neo4j://neo4j:secret@127.0.0.1:7687")
        'neo4j://neo4j:***@127.0.0.1:7687'
        >>> store_key("neo4j://neo4j:***@127.0.0.1:7687")  # already redacted: unchanged
        'neo4j://neo4j:***@127.0.0.1:7687'
    """
    try:
        return parse_store_uri(uri).redacted()
    except InvalidStoreURIError:
        return uri


def spool_dir(uri: str, root: Path | None = None) -> Path:
    """The spool directory of the store ``uri`` names (its password plays no part).

    Example:
        >>> a = spool_dir("neo4j://neo4j:one@db:7687", Path("/s"))
        >>> a == spool_dir("neo4j://neo4j:two@db:7687", Path("/s")), a.parent
        (True, PosixPath('/s'))
    """
    digest = hashlib.sha256(store_key(uri).encode()).hexdigest()[:16]
    return (root if root is not None else spool_root()) / digest


def _fsync_dir(directory: Path) -> None:
    """Make a new directory entry durable (so a fsynced file cannot vanish with a crash)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat()


def _one_line(exc: BaseException) -> str:
    text = " ".join(part.strip() for part in str(exc).splitlines() if part.strip())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --------------------------------------------------------------------------------------------
# records and journal segments
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SpoolRecord:
    """One spooled write: the nodes and edges of one ``store.write`` (one recorded run).

    Example:
        >>> a = Artifact(id="blake3:" + "a" * 64, name="raw")
        >>> line = SpoolRecord.encode("r1", [a], [])
        >>> SpoolRecord.decode(line).nodes == [a]
        True
    """

    id: str
    at: str
    nodes: list[AnyNode]
    edges: list[Edge]

    @staticmethod
    def encode(record_id: str, nodes: Sequence[AnyNode], edges: Sequence[Edge]) -> bytes:
        """The journal line of a record (JSON, one line, newline-terminated).

        Nodes and edges are serialised by pydantic's own JSON encoder, one call each (three
        times faster than building dicts for ``json.dumps`` on a 5,000-node write).
        """
        head = {"v": FORMAT_VERSION, "id": record_id, "at": _now(), "pid": os.getpid()}
        return b"".join(
            [
                json.dumps(head, separators=(",", ":")).encode()[:-1],
                b',"nodes":[',
                b",".join(n.model_dump_json().encode() for n in nodes),
                b'],"edges":[',
                b",".join(e.model_dump_json().encode() for e in edges),
                b"]}\n",
            ]
        )

    @classmethod
    def decode(cls, raw: bytes | dict[str, Any]) -> SpoolRecord:
        """A record from its journal line (or that line already parsed)."""
        data = json.loads(raw) if isinstance(raw, bytes) else raw
        return cls(
            id=data["id"],
            at=data["at"],
            nodes=[node_from_dict(n) for n in data["nodes"]],
            edges=[Edge.model_validate(e) for e in data["edges"]],
        )


def _parse_lines(blob: bytes) -> tuple[list[dict[str, Any]], int]:
    """The records of a journal's bytes, and how many lines were torn or unreadable."""
    lines = blob.split(b"\n")
    tail = lines.pop()  # after the last newline: empty, or a line a crash cut short
    torn = 1 if tail else 0
    out: list[dict[str, Any]] = []
    for line in lines:
        if not line:
            continue
        try:
            data = json.loads(line)
        except ValueError:
            torn += 1
            continue
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            out.append(data)
        else:
            torn += 1
    return out, torn


class _Segment:
    """One process's journal file and its ``.acked`` companion, locked while open."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.fd = fd
        self.acked_path = path.with_suffix(".acked")
        self.size = os.fstat(fd).st_size

    @classmethod
    def create(cls, directory: Path) -> _Segment:
        name = f"{time.time_ns():020d}-{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl"
        path = directory / name
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)  # a new name: never contended
        _fsync_dir(directory)
        return cls(path, fd)

    @classmethod
    def adopt(cls, path: Path) -> _Segment | None:
        """The segment at ``path`` if no live process holds it (else None)."""
        try:
            fd = os.open(path, os.O_RDWR | os.O_APPEND)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.fstat(fd).st_nlink == 0:  # removed by whoever held it last
                raise BlockingIOError
        except BlockingIOError:
            os.close(fd)
            return None
        return cls(path, fd)

    def append(self, line: bytes) -> None:
        start = self.size
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(self.fd, view) :]
            os.fsync(self.fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, start)  # never leave a torn line behind
            raise
        self.size = start + len(line)

    def ack(self, record_ids: Sequence[str]) -> None:
        # Not fsynced: an ack lost in a crash only means one idempotent replay.
        with self.acked_path.open("a") as fh:
            fh.write("".join(f"{i}\n" for i in record_ids))

    def pending(self) -> tuple[list[dict[str, Any]], int]:
        """The records not acknowledged yet, in journal order, and the torn line count."""
        return _read_pending(self.path)

    def clear(self) -> None:
        """Every record arrived: empty the journal, then forget the acks."""
        os.ftruncate(self.fd, 0)
        self.size = 0
        self.acked_path.unlink(missing_ok=True)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
        self.acked_path.unlink(missing_ok=True)
        self.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


def _read_pending(path: Path) -> tuple[list[dict[str, Any]], int]:
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return [], 0
    records, torn = _parse_lines(blob)
    try:
        acked = set(path.with_suffix(".acked").read_text().split())
    except FileNotFoundError:
        acked = set()
    return [r for r in records if r["id"] not in acked], torn


def _held(path: Path) -> bool:
    """True if a live process holds the segment at ``path``."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # releases a lock taken here
    return False


class SpoolStatus(BaseModel):
    """What one store's spool holds (``provenance spool status``)."""

    store: str
    directory: str
    pending_records: int = 0
    pending_runs: int = 0  # pending records that hold a transform
    oldest_pending: _dt.datetime | None = None
    segments: int = 0
    writers: list[int] = []  # pids of running processes holding a segment
    rejected: int = 0
    torn: int = 0


class SpoolScrub(BaseModel):
    """What :meth:`Spool.scrub` rewrote (an erasure's scrub of the journal)."""

    store: str
    directory: str
    records: int = 0  # journal lines rewritten
    files: int = 0  # files rewritten (segments, rejected.jsonl)
    held: int = 0  # lines holding an erased node in segments of running processes


def _rewrite_lines(fd: int, replacement: dict[str, Any], needles: list[bytes]) -> int:
    """Rewrite the journal file open at ``fd`` in place: in each line whose record holds a
    node of ``replacement`` (by id), that node replaced. The number of lines rewritten."""
    size = os.fstat(fd).st_size
    blob = os.pread(fd, size, 0) if size else b""
    lines = blob.split(b"\n")
    changed = 0
    for i, line in enumerate(lines):
        if not line or not any(n in line for n in needles):
            continue
        try:
            data = json.loads(line)
        except ValueError:
            continue  # a torn line: never sent, never read
        nodes = data.get("nodes") if isinstance(data, dict) else None
        if not isinstance(nodes, list):
            continue
        hit = False
        for k, node in enumerate(nodes):
            if isinstance(node, dict) and node.get("id") in replacement:
                nodes[k] = replacement[node["id"]]
                hit = True
        if hit:
            lines[i] = json.dumps(data, separators=(",", ":")).encode()
            changed += 1
    if changed:
        new = b"\n".join(lines)
        os.ftruncate(fd, 0)
        view = memoryview(new)
        offset = 0
        while offset < len(new):
            offset += os.pwrite(fd, view[offset:], offset)
        os.fsync(fd)
    return changed


def scrub_spool(
    uri: str, nodes: Mapping[str, AnyNode], root: Path | None = None
) -> SpoolScrub | None:
    """:meth:`Spool.scrub` on the spool of the store ``uri`` names, when it has one (None
    when it has none). It creates nothing.

    Example:
        >>> import tempfile
        >>> scrub_spool("neo4j://neo4j:pw@db:7687", {}, Path(tempfile.mkdtemp())) is None
        True
    """
    directory = spool_dir(uri, root)
    if not directory.is_dir():
        return None
    spool = Spool(uri, directory)
    try:
        return spool.scrub(nodes)
    finally:
        spool.close()


class FlushReport(BaseModel):
    """What one flush did (``provenance spool flush``)."""

    store: str
    directory: str
    sent: int = 0
    rejected: int = 0
    pending: int = 0  # still spooled in segments this process holds
    held_by_others: int = 0  # pending in segments of running processes (they send them)
    error: str | None = None  # why sending stopped early: the store is unavailable
    timed_out: bool = False


class Spool:
    """The journal directory of one store: this process's segment, and the segments left by
    processes that ended before sending theirs.

    Example:
        >>> import tempfile
        >>> spool = Spool("neo4j://neo4j:pw@db:7687", Path(tempfile.mkdtemp()))
        >>> rid = spool.append([Artifact(id="blake3:" + "a" * 64, name="raw")], [])
        >>> spool.status().pending_records
        1
        >>> sent = []
        >>> spool.flush(lambda nodes, edges: sent.append(nodes)).sent, len(sent)
        (1, 1)
        >>> spool.status().pending_records
        0
        >>> spool.close()
    """

    def __init__(self, store_uri: str, directory: Path | None = None) -> None:
        self.store = store_key(store_uri)
        self.directory = directory if directory is not None else spool_dir(store_uri)
        self._segment: _Segment | None = None
        self._pid = os.getpid()
        self._own: set[str] = set()  # ids of this process's records not yet acknowledged
        self._lock = threading.RLock()  # bookkeeping: the segment, its appends and acks
        self._flushing = threading.Lock()  # one flush at a time

    def _forked(self) -> None:
        """In a forked child: fresh locks, no segment (the parent's stays the parent's: its
        lock lives on in the parent's descriptor)."""
        self._lock, self._flushing = threading.RLock(), threading.Lock()
        if self._segment is not None:
            self._segment.close()
        self._segment, self._own, self._pid = None, set(), os.getpid()

    # --- this process's segment ----------------------------------------------------------
    def _ensure_dir(self) -> None:
        if (self.directory / _STORE_FILE).is_file():
            return
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.directory / f".{_STORE_FILE}.{os.getpid()}"
        tmp.write_text(json.dumps({"store": self.store, "created": _now()}) + "\n")
        tmp.replace(self.directory / _STORE_FILE)

    def _own_segment(self) -> _Segment:
        if self._segment is not None and self._pid != os.getpid():  # a forked child
            self._segment.close()  # the parent's lock stays with the parent's descriptor
            self._segment, self._own = None, set()
        if self._segment is None:
            self._ensure_dir()
            self._segment = _Segment.create(self.directory)
            self._pid = os.getpid()
        return self._segment

    def append(self, nodes: Sequence[AnyNode], edges: Sequence[Edge]) -> str:
        """Journal one write durably (appended and fsynced); its record id."""
        record_id = uuid.uuid4().hex
        line = SpoolRecord.encode(record_id, nodes, edges)
        with self._lock:
            self._own_segment().append(line)
            self._own.add(record_id)
        return record_id

    def ack(self, record_id: str) -> None:
        """This process's record ``record_id`` arrived."""
        with self._lock:
            self._own.discard(record_id)
            segment = self._segment
            if segment is None:
                return
            if self._own:
                segment.ack([record_id])
            else:
                segment.clear()

    @property
    def own_pending(self) -> int:
        """Records of this process not acknowledged yet."""
        return len(self._own)

    def _segment_paths(self) -> list[Path]:
        try:
            names = sorted(n for n in os.listdir(self.directory) if _SEGMENT.match(n))
        except FileNotFoundError:
            return []
        return [self.directory / n for n in names]

    def has_backlog(self) -> bool:
        """True when records wait: this process's, or in another segment that is not empty."""
        if self._own:
            return True
        mine = self._segment.path if self._segment is not None else None
        for path in self._segment_paths():
            if path == mine:
                continue
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_size:
                    return True
        return False

    # --- sending -------------------------------------------------------------------------
    def flush(
        self,
        send: Callable[[Sequence[AnyNode], Sequence[Edge]], None],
        timeout: float | None = None,
        stop: threading.Event | None = None,
    ) -> FlushReport:
        """Send what is spooled, oldest segment first, each in journal order, through ``send``
        (a store's ``write``); stops at the first unavailable error, after ``timeout`` s, or
        when ``stop`` is set.

        Segments held by other running processes are left to them (``held_by_others``).
        A record ``send`` refuses for another reason goes to ``rejected.jsonl``. One flush
        runs at a time; this process's appends go on meanwhile (records appended after a
        segment was read wait for the next flush).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        report = FlushReport(store=self.store, directory=str(self.directory))
        with self._flushing:
            with self._lock:
                mine = self._segment.path if self._segment is not None else None
                paths = self._segment_paths()
            stopped = False
            for path in paths:
                own = path == mine
                segment: _Segment | None
                if own:
                    with self._lock:
                        segment = self._segment if self._segment is not None else None
                        if segment is None or segment.path != path:
                            continue
                        records = segment.pending()[0]
                else:
                    segment = _Segment.adopt(path)
                    if segment is None:  # a running process holds it
                        report.held_by_others += len(_read_pending(path)[0])
                        continue
                    records = segment.pending()[0]
                try:
                    done = 0
                    if not stopped:
                        done, stopped = self._send_segment(
                            segment, own, records, send, deadline, stop, report
                        )
                    if not own:
                        report.pending += len(records) - done
                        if done == len(records):
                            segment.remove()
                finally:
                    if not own:
                        segment.close()
            self._remove_stray_acks()
        report.pending += self.own_pending
        return report

    def _send_segment(
        self,
        segment: _Segment,
        own: bool,
        records: list[dict[str, Any]],
        send: Callable[[Sequence[AnyNode], Sequence[Edge]], None],
        deadline: float | None,
        stop: threading.Event | None,
        report: FlushReport,
    ) -> tuple[int, bool]:
        """Send one segment's pending records; (how many were settled, whether to stop)."""
        done = 0
        for raw in records:
            if (deadline is not None and time.monotonic() >= deadline) or (
                stop is not None and stop.is_set()
            ):
                report.timed_out = True
                return done, True
            try:
                record = SpoolRecord.decode(raw)
                send(record.nodes, record.edges)
            except Exception as exc:
                # Stopping (the store is being closed under this send): keep it, as if down.
                if is_unavailable(exc) or (stop is not None and stop.is_set()):
                    report.error = _one_line(exc)
                    return done, True
                self._reject(raw, exc)
                report.rejected += 1
            else:
                report.sent += 1
            done += 1
            if own:
                self.ack(raw["id"])
            else:
                segment.ack([raw["id"]])
        return done, False

    def _reject(self, raw: dict[str, Any], exc: BaseException) -> None:
        """Keep a record the store refused in ``rejected.jsonl`` (fsynced), with the error."""
        self._ensure_dir()
        entry = {"v": FORMAT_VERSION, "rejected_at": _now(), "error": _one_line(exc), **raw}
        line = (json.dumps(entry, separators=(",", ":")) + "\n").encode()
        fd = os.open(self.directory / _REJECTED, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        log.warning(
            "%s refused a spooled record (%s); it is kept in %s",
            self.store,
            _one_line(exc),
            self.directory / _REJECTED,
        )

    def reject_own(self, record_id: str, exc: BaseException) -> None:
        """This process's record was refused (not for availability): move it to
        ``rejected.jsonl`` and acknowledge it."""
        with self._lock:
            if self._segment is None or record_id not in self._own:
                return
            for raw in self._segment.pending()[0]:
                if raw["id"] == record_id:
                    self._reject(raw, exc)
            self.ack(record_id)

    def _remove_stray_acks(self) -> None:
        """``.acked`` files whose journal is gone (a crash between the two unlinks)."""
        with contextlib.suppress(FileNotFoundError):
            for name in os.listdir(self.directory):
                if (
                    name.endswith(".acked")
                    and not (self.directory / name[: -len(".acked")]).with_suffix(".jsonl").exists()
                ):
                    (self.directory / name).unlink(missing_ok=True)

    # --- erasure -------------------------------------------------------------------------
    def scrub(self, nodes: Mapping[str, AnyNode]) -> SpoolScrub:
        """Replace every spooled copy of these nodes (by id) with the node given: what an
        erasure does so that no journal line keeps a value it removed from the store.

        Each journal segment no running process holds, this process's own, and
        ``rejected.jsonl`` are rewritten in place (same file, truncated and written anew,
        fsynced) where a line holds one of the ids; a segment another running process holds
        cannot be (``held``: its process appends to it), and is counted. Records keep their
        ids, so acknowledgements still match.

        Example:
            >>> import tempfile
            >>> a = Artifact(id="blake3:" + "a" * 64, name="raw", uri="file:///raw.csv")
            >>> spool = Spool("neo4j://neo4j:pw@db:7687", Path(tempfile.mkdtemp()))
            >>> _ = spool.append([a], [])
            >>> spool.scrub({a.id: a.model_copy(update={"uri": None})}).records
            1
            >>> b"raw.csv" in spool._segment.path.read_bytes()
            False
            >>> spool.close()
        """
        report = SpoolScrub(store=self.store, directory=str(self.directory))
        if not nodes:
            return report
        replacement = {i: json.loads(n.model_dump_json()) for i, n in nodes.items()}
        needles = [i.encode() for i in replacement]
        with self._lock:
            mine = self._segment if self._segment is not None else None
            for path in [*self._segment_paths(), self.directory / _REJECTED]:
                if not path.exists():
                    continue
                if mine is not None and path == mine.path:
                    fd, own = mine.fd, True
                elif path.name == _REJECTED:
                    fd = os.open(path, os.O_RDWR)
                    fcntl.flock(fd, fcntl.LOCK_EX)
                    own = False
                else:
                    adopted = _Segment.adopt(path)
                    if adopted is None:
                        blob = path.read_bytes()
                        report.held += sum(
                            1 for line in blob.split(b"\n") if any(n in line for n in needles)
                        )
                        continue
                    fd, own = adopted.fd, False
                try:
                    changed = _rewrite_lines(fd, replacement, needles)
                    report.records += changed
                    if changed:
                        report.files += 1
                    if mine is not None and path == mine.path:
                        mine.size = os.fstat(fd).st_size
                finally:
                    if not own:
                        os.close(fd)  # releases the lock taken here
        return report

    # --- looking -------------------------------------------------------------------------
    def status(self) -> SpoolStatus:
        """Pending and rejected records, segments and the processes holding them."""
        status = SpoolStatus(store=self.store, directory=str(self.directory))
        mine = self._segment.path if self._segment is not None else None
        oldest: str | None = None
        for path in self._segment_paths():
            records, torn = _read_pending(path)
            status.segments += 1
            status.torn += torn
            status.pending_records += len(records)
            status.pending_runs += sum(
                any(n.get("node_type") == "Transform" for n in r.get("nodes", ())) for r in records
            )
            for r in records:
                if isinstance(r.get("at"), str) and (oldest is None or r["at"] < oldest):
                    oldest = r["at"]
            if path == mine or _held(path):
                status.writers.append(int(path.name.split("-")[1]))
        status.oldest_pending = _dt.datetime.fromisoformat(oldest) if oldest else None
        with contextlib.suppress(FileNotFoundError):
            status.rejected = len(_parse_lines((self.directory / _REJECTED).read_bytes())[0])
        return status

    def close(self) -> None:
        """Release this process's segment: removed when everything in it arrived, else left
        (unlocked) for the next process or ``provenance spool flush`` to send."""
        with self._lock:
            segment, self._segment = self._segment, None
            if segment is None:
                return
            if self._pid != os.getpid() or self._own:
                segment.close()  # a forked child's copy, or records still to send
            else:
                segment.remove()


def spool_statuses(root: Path | None = None) -> list[SpoolStatus]:
    """The status of every spool under ``root`` (default :func:`spool_root`).

    Example:
        >>> import tempfile
        >>> spool_statuses(Path(tempfile.mkdtemp()))
        []
    """
    base = root if root is not None else spool_root()
    out = []
    for directory in sorted(p for p in base.glob("*") if (p / _STORE_FILE).is_file()):
        try:
            store = json.loads((directory / _STORE_FILE).read_text())["store"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        out.append(Spool(store, directory).status())
    return out


# --------------------------------------------------------------------------------------------
# the store in front of a store
# --------------------------------------------------------------------------------------------
_LIVE: weakref.WeakSet[SpooledStore] = weakref.WeakSet()
_EXIT_HOOK = threading.Lock()
_exit_registered = False


def _open(uri: str) -> LineageStore:
    """Open the store ``uri`` names; a Neo4j store with :data:`DRIVER_CONFIG`."""
    parsed = parse_store_uri(uri)
    if parsed.is_neo4j:
        from provenance.store.neo4j import Neo4jStore

        return Neo4jStore(parsed, driver_config=DRIVER_CONFIG)
    from provenance.store import open_store

    return open_store(uri)


def _flush_at_exit() -> None:
    """Close every open spooled store, sending what it can within the exit budget."""
    try:
        budget = float(os.environ.get(EXIT_TIMEOUT_ENV, "") or CLOSE_S)
    except ValueError:
        budget = CLOSE_S
    deadline = time.monotonic() + budget
    for store in list(_LIVE):
        try:
            store._close(max(0.0, deadline - time.monotonic()))
        except Exception as exc:  # pragma: no cover - exiting anyway
            log.warning("could not close %s at exit: %s", store.uri, _one_line(exc))


def _after_fork_in_child() -> None:
    """A forked child gets fresh locks (a parent thread may have held one at the fork) and
    no sender thread; its first write opens a segment of its own."""
    for store in list(_LIVE):
        store._forked()


def _register(store: SpooledStore) -> None:
    global _exit_registered
    with _EXIT_HOOK:
        if not _exit_registered:
            atexit.register(_flush_at_exit)
            os.register_at_fork(after_in_child=_after_fork_in_child)
            _exit_registered = True
        _LIVE.add(store)


class SpooledStore(StoreBase):
    """A :class:`~provenance.store.base.LineageStore` that journals every write before
    sending it to ``store`` (see the module docstring for the guarantees and the policy).

    Args:
        store: a store URI (opened lazily: a server that is down does not fail the
            constructor unless ``strict``) or an open store.
        strict: raise :class:`~provenance.errors.StoreUnavailableError` when the store is
            unavailable (at construction and on writes) instead of returning; the record is
            kept in the spool either way.
        directory: the spool directory (default :func:`spool_dir` of the store's URI).
        opener: how to (re)open the store from its URI (default: Neo4j with
            :data:`DRIVER_CONFIG`, anything else with :func:`~provenance.store.open_store`).

    While records wait (a backlog), a write only appends to the journal, behind them, and a
    background thread (the drainer) sends them in journal order, retrying with backoff, so
    the pipeline never waits on the network for them; once the journal is empty, writes go
    straight to the store again. Reads go to the store and do not wait for the backlog;
    while the store is unavailable they raise ``StoreUnavailableError`` at once (without
    waiting on the network) until the backoff delay has passed. Attributes the protocol does
    not name (``clear()``, ``path``...) are the store's.
    """

    def __init__(
        self,
        store: str | LineageStore,
        *,
        strict: bool = False,
        directory: Path | None = None,
        opener: Callable[[], LineageStore] | None = None,
    ) -> None:
        self._inner: LineageStore | None
        if isinstance(store, str):
            self.uri = store_key(store)
            self._inner = None
            target = store
            self._opener: Callable[[], LineageStore] | None = opener or (lambda: _open(target))
        else:
            self.uri = store.uri
            self._inner = store
            self._opener = opener
        self.strict = strict
        self.spool = Spool(self.uri, directory)
        self._lock = threading.RLock()  # the write path and the availability state
        self._failures = 0
        self._retry_at = 0.0
        self._last_error = ""
        self._closed = False
        self._drainer: threading.Thread | None = None
        self._stop = threading.Event()  # set: the drainer is to stop (closing)
        self._wake = threading.Event()  # set: the drainer is to look again (a new write)
        self._backlog = self.spool.has_backlog()  # records wait: writes queue behind them
        _register(self)
        if self._inner is None:
            try:
                self._connect()
            except Exception as exc:
                if strict or not is_unavailable(exc):
                    _LIVE.discard(self)
                    raise
                self._failed(exc)

    def _forked(self) -> None:
        self._lock = threading.RLock()
        self._stop, self._wake, self._drainer = threading.Event(), threading.Event(), None
        self._backlog = False  # the parent's records are the parent's to send
        self.spool._forked()

    # --- availability --------------------------------------------------------------------
    def _connect(self) -> LineageStore:
        inner = self._inner
        if inner is None:
            if self._opener is None:  # pragma: no cover - an open store was given
                raise StoreUnavailableError(f"{self.uri} is closed")
            inner = self._opener()
            with self._lock:
                if self._inner is None:
                    self._inner = inner
                else:  # another thread connected meanwhile
                    inner.close()
                    inner = self._inner
        return inner

    def _due(self) -> bool:
        return time.monotonic() >= self._retry_at

    def _failed(self, exc: BaseException) -> None:
        """Note a failed attempt: back off before the next one."""
        with self._lock:
            self._failures += 1
            delay = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (self._failures - 1))
            self._retry_at = time.monotonic() + _JITTER.uniform(delay / 2, delay)
            self._last_error = _one_line(exc)
            first = self._failures == 1
        if first:
            log.warning(
                "%s is unavailable (%s); runs are kept in the spool %s and sent when it is back",
                self.uri,
                self._last_error,
                self.spool.directory,
            )

    def _recovered(self) -> None:
        with self._lock:
            failures, self._failures, self._retry_at = self._failures, 0, 0.0
        if failures:
            log.warning("%s is back after %d failed attempt(s)", self.uri, failures)

    def _unavailable(self) -> StoreUnavailableError:
        wait = max(0.0, self._retry_at - time.monotonic())
        return StoreUnavailableError(
            f"{self.uri} is unavailable ({self._last_error}); next attempt in {wait:.1f} s; "
            f"{self.spool.own_pending} record(s) of this process are kept in the spool "
            f"{self.spool.directory}"
        )

    # --- sending the backlog -------------------------------------------------------------
    def _drain(self, timeout: float | None, stop: threading.Event | None = None) -> FlushReport:
        """Send the backlog (own and adopted segments, in order) once, for up to
        ``timeout`` s; note the outcome for the backoff."""
        send: Callable[[Sequence[AnyNode], Sequence[Edge]], None]
        try:
            send = self._connect().write
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            unreachable = exc

            def send(nodes: Sequence[AnyNode], edges: Sequence[Edge]) -> None:
                raise unreachable  # counts what waits, sends nothing

        report = self.spool.flush(send, timeout, stop)
        if report.error is not None:
            self._failed(StoreUnavailableError(report.error))
        elif report.sent or not report.pending:
            self._recovered()
        return report

    def _start_drainer(self) -> None:
        """Start the background sender, or wake it (call with ``self._lock`` held)."""
        if self._closed:
            return
        if self._drainer is not None and self._drainer.is_alive():
            self._wake.set()
            return
        self._drainer = threading.Thread(
            target=self._drain_loop, name=f"provenance-spool {self.uri}", daemon=True
        )
        self._drainer.start()

    def _drain_loop(self) -> None:
        """Send the backlog until it is empty, waiting out the backoff between attempts."""
        try:
            while not self._stop.is_set():
                wait = self._retry_at - time.monotonic()
                if wait > 0:
                    self._wake.wait(wait)
                    self._wake.clear()
                    continue
                report = self._drain(DRAIN_S, self._stop)
                with self._lock:
                    if report.error is None and not report.pending and not self.spool.own_pending:
                        self._backlog = False  # all sent: writes go straight to the store
                        return
        except Exception as exc:  # pragma: no cover - a bug; the next write restarts it
            log.warning("spool sender for %s stopped: %s", self.uri, _one_line(exc))

    def flush(self, timeout: float | None = None) -> FlushReport:
        """Send everything spooled for this store now (ignoring the backoff delay): this
        process's records and those left by processes that ended, oldest first.

        Example:
            >>> import tempfile
            >>> from provenance.store import SQLiteStore
            >>> s = SpooledStore(SQLiteStore(tempfile.mkdtemp() + "/l.sqlite"),
            ...                  directory=Path(tempfile.mkdtemp()))
            >>> s.flush().pending
            0
        """
        report = self._drain(timeout)
        with self._lock:
            if report.error is None and not report.pending and not self.spool.own_pending:
                self._backlog = False
        return report

    # --- writes --------------------------------------------------------------------------
    def write(
        self, nodes: Sequence[AnyNode], edges: Sequence[Edge], *, replace: bool = False
    ) -> None:
        """Journal the write durably, then send it (see the module docstring).

        A replacing write (``replace=True``: an erasure scrubbing values) is never journaled:
        what is spooled is sent first (it must not land after the replacement), then the
        write goes to the store directly, raising
        :class:`~provenance.errors.StoreUnavailableError` when the store is down or the
        spool cannot be emptied (a journal holding the values it removes would defeat it).
        """
        if replace:
            report = self.flush()
            if report.error is not None or report.pending:
                raise StoreUnavailableError(
                    f"{self.uri}: cannot replace nodes while {report.pending} spooled "
                    f"record(s) wait ({report.error or 'not sent'}); nothing was written"
                )
            with self._lock:
                self._connect().write(nodes, edges, replace=True)
            return
        with self._lock:
            if self._closed:
                raise StoreUnavailableError(f"{self.uri}: the store is closed")
            try:
                record_id = self.spool.append(nodes, edges)
            except OSError as exc:  # the spool itself failed (disk full...): write directly
                log.warning("cannot spool to %s (%s); writing directly", self.spool.directory, exc)
                self._connect().write(nodes, edges)
                return
            if self._backlog or not self._due():  # it waits behind older records
                self._backlog = True
                self._start_drainer()
                if self.strict and not self._due():
                    raise self._unavailable()
                return
            try:
                self._connect().write(nodes, edges)
            except Exception as exc:
                if not is_unavailable(exc):
                    self.spool.reject_own(record_id, exc)
                    raise
                self._failed(exc)
                self._backlog = True
                self._start_drainer()
                if self.strict:
                    raise self._unavailable() from exc
                return
            self.spool.ack(record_id)
            self._recovered()

    # --- reads ---------------------------------------------------------------------------
    def _reader(self) -> LineageStore:
        """The store for a read; unavailable at once while backing off."""
        if not self._due():
            raise self._unavailable()
        try:
            return self._connect()
        except Exception as exc:
            if is_unavailable(exc):
                self._failed(exc)
            raise

    def _read(self, work: Callable[[LineageStore], T]) -> T:
        store = self._reader()
        try:
            return work(store)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            self._failed(exc)
            if isinstance(exc, StoreUnavailableError):
                raise
            raise StoreUnavailableError(f"lost {self.uri}: {_one_line(exc)}") from exc

    def get(self, node_id: str) -> AnyNode | None:
        """The node with exactly this id, or None."""
        return self._read(lambda s: s.get(node_id))

    def get_many(self, node_ids: Sequence[str]) -> list[AnyNode]:
        """The nodes with these ids, in the order given."""
        return self._read(lambda s: s.get_many(node_ids))

    def resolve(self, prefix: str, limit: int = 10) -> list[str]:
        """Ids starting with ``prefix``."""
        return self._read(lambda s: s.resolve(prefix, limit))

    def traverse(
        self, node_id: str, direction: Direction, depth: int | None = None, limit: int | None = None
    ) -> LineageGraph:
        """Ancestry or descendants of a node."""
        return self._read(lambda s: s.traverse(node_id, direction, depth, limit))

    def find_artifacts(
        self,
        *,
        name: str | None = None,
        kind: str | None = None,
        uri: str | None = None,
        limit: int | None = None,
    ) -> list[Artifact]:
        """Artifacts matching every given field, newest first (at most ``limit``)."""
        return self._read(lambda s: s.find_artifacts(name=name, kind=kind, uri=uri, limit=limit))

    def find_transforms(
        self, *, operation: str | None = None, name: str | None = None
    ) -> list[Transform]:
        """Transforms matching every given field, newest first."""
        return self._read(lambda s: s.find_transforms(operation=operation, name=name))

    def iter_nodes(self, batch_size: int = 1000) -> Iterator[list[AnyNode]]:
        """Every node, in batches, ordered by id."""
        yield from self._reader().iter_nodes(batch_size)

    def iter_edges(self, batch_size: int = 1000) -> Iterator[list[Edge]]:
        """Every edge, in batches."""
        yield from self._reader().iter_edges(batch_size)

    def counts(self) -> dict[str, int]:
        """Nodes per node type and edges per edge type."""
        return self._read(lambda s: s.counts())

    def transform_edges(self, transform_ids: Sequence[str]) -> list[Edge]:
        """Every edge starting at these transforms."""
        return self._read(lambda s: s.transform_edges(transform_ids))

    def invalidations(self, artifact_ids: Sequence[str]) -> list[Edge]:
        """The INVALIDATED edges pointing at these artifacts."""
        return self._read(lambda s: s.invalidations(artifact_ids))

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes this class lacks: the store's own extras.
        if name.startswith("_") or name in ("spool", "strict", "uri"):
            raise AttributeError(name)
        return getattr(self._reader(), name)

    # --- lifecycle -----------------------------------------------------------------------
    @property
    def inner(self) -> LineageStore | None:
        """The store behind the spool (None while it has never been reached)."""
        return self._inner

    def close(self, timeout: float = CLOSE_S) -> None:
        """Send what is spooled (for up to ``timeout`` s), then release the spool and the store.

        Records that could not be sent stay in the spool: the next process that writes to
        this store sends them, or ``provenance spool flush``.
        """
        self._close(timeout)

    def _close(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            if self._closed:
                return
            self._closed = True  # no more writes, no new drainer
            drainer = self._drainer
        try:
            self._stop.set()  # the drainer stops after the record it is sending
            self._wake.set()
            if drainer is not None:
                drainer.join(max(0.0, deadline - time.monotonic()))
            left = deadline - time.monotonic()
            if left > 0 and (self.spool.own_pending or self._backlog):
                self._drain(left)
            if self.spool.own_pending:
                log.warning(
                    "%d record(s) for %s stay in the spool %s; the next process that "
                    "writes to this store sends them, or `provenance spool flush`",
                    self.spool.own_pending,
                    self.uri,
                    self.spool.directory,
                )
        finally:
            _LIVE.discard(self)
            with self._lock:
                self.spool.close()
                if self._inner is not None:
                    self._inner.close()


def spooled(
    store: str | LineageStore | None, *, strict: bool = False, spool: bool | None = None
) -> LineageStore:
    """The store a tracker writes through: a :class:`SpooledStore` in front of a Neo4j
    store (or of any store with ``spool=True``), the store itself otherwise.

    ``store`` is a URI (None: ``$PROVENANCE_STORE`` or ``./.provenance/``) or an open store.
    ``spool=None`` spools exactly the stores whose URI is a Neo4j one.

    Example:
        >>> import tempfile
        >>> type(spooled(tempfile.mkdtemp() + "/")).__name__
        'SQLiteStore'
    """
    from provenance.store import open_store, resolve_store_uri

    if store is None or isinstance(store, str):
        uri = resolve_store_uri(store)
        if spool is False or (spool is None and not parse_store_uri(uri).is_neo4j):
            return open_store(uri)
        if parse_store_uri(uri).is_neo4j:
            return SpooledStore(uri, strict=strict)
        return SpooledStore(open_store(uri), strict=strict)
    if isinstance(store, SpooledStore) or spool is False:
        return store
    if spool is None:
        try:
            spool = parse_store_uri(store.uri).is_neo4j
        except (InvalidStoreURIError, AttributeError):
            spool = False
    return SpooledStore(store, strict=strict) if spool else store
