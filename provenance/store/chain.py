"""The tamper-evident log: one hash-chained entry per write that changed the graph.

Every :meth:`~provenance.store.base.LineageStore.write` that changes something appends one
:class:`LogEntry` in the same transaction as the change, so a run and its entry commit
together or not at all. An entry records, for each element the write created or changed,
the element as the store now holds it:

* a node: its id and the SHA-256 of its stored record (:func:`element_digest`; the SQLite
  store hashes the node's JSON as stored, the Neo4j store its labels and properties), and,
  when the write merged into (or replaced) a node that existed, the digest it replaced;
* an edge: its key ``(source, type, target)`` and its role (JSON), its only other content.

The entry's digest covers its sequence number, the previous entry's digest, its time, and
those element lines (:func:`entry_digest`), so each entry commits to every entry before it,
git-style. A write that changes nothing (a re-recorded run) appends nothing.

The body is one line per element, in write order (nodes first; the SQLite store lists the
nodes a write merged into after those it created: :mod:`provenance.store.plan`)::

    N <node id> <digest>              a node the write created
    N <node id> <digest> <old digest> a node the write merged into (was <old digest>)
    D <node id>                       a node the write removed
    E <source> <TYPE> <target> <role> an edge the write created (role as JSON: null, "input")
    D <source> <TYPE> <target>        an edge the write removed

Removals (``D``) are rare: an OpenLineage input re-bound to the version its time says it read
(:mod:`provenance.openlineage.binding`) removes the edge to the version it was bound to, and
a stand-in left without edges. A removed node's line comes after the node lines and counts
with them (``nodes``); a removed edge's after the edge lines, counted with them (``edges``).

Bodies hold ids and digests only, never content: an erased artifact's uri is not in the log.
:func:`provenance.analysis.integrity.verify_log` re-derives the chain from the stored graph.

Log formats (:data:`LOG_FORMAT_VERSION`, in the domain tags of both digests). Version 1
digested a node's record alone: ``SHA-256("provenance:log-element:v1\n" + record)``. Such a
digest outlives the record (an erasure replaces the record, the old entry keeps its digest),
and whoever can guess the erased values (the rest of the record is still known) can confirm
the guess against it. Version 2 salts it: every node version gets a random salt
(:func:`new_salts`, :data:`SALT_BYTES` bytes, hex) that the store keeps beside the node and
replaces on every change, and its digest is ``SHA-256("provenance:log-element:v2\n" + salt +
"\n" + record)``. Once the node changes, its old salt is gone, so the old digest can no longer
be confirmed against any guess; the current one still proves the current record. A node
stored without a salt (last written by a version 1 writer) is digested the version 1 way, in
any entry. Entries record their version (:attr:`LogEntry.version`; an entry that records none
is version 1, digested with ``provenance:log-entry:v1``); version 2 entries use
``provenance:log-entry:v2`` with the same header and body layout. So a chain begun by version
1 writers keeps verifying, and the entries after it are version 2.

Where entries live: the SQLite store's ``log`` table (``seq`` the primary key, ``digest``
unique, ``version`` NULL for version 1); the Neo4j store's ``(:LogEntry {seq, digest, prev,
at, nodes, edges, body, version})`` nodes (unique ``seq`` and ``digest``), which no lineage
query matches. Salts: the SQLite ``nodes.salt`` column, the Neo4j ``log_salt`` property
(:data:`SALT_PROPERTY`), neither part of a node's record or of what reads return. Both keep
the body zlib-compressed (:func:`pack_body`: a third of the text), compressed and digested on
an :class:`EntryWorker` thread while the store writes the graph (bench/README.md); either
reads a text body too (entries written before compression). Each store
reads the head and appends inside the write's transaction: SQLite's ``BEGIN IMMEDIATE``
already makes writers take turns; Neo4j writers first lock one ``(:LogLock)`` node
(``lock_log.cypher``), and the ``seq`` constraint refuses a second entry with the same
number should a writer skip that. A store written before the log starts its chain with
genesis entries (:func:`genesis_entries`) covering the graph as found.

Example:
    >>> a = "blake3:" + "a" * 64
    >>> s1, s2 = new_salts(2)
    >>> first = next_entry(None, [node_line(a, element_digest("{}", s1))], nodes=1, edges=0)
    >>> first.seq, first.prev, first.version, first.digest == entry_digest(
    ...     first.seq, first.prev, first.at, first.nodes, first.edges, first.body, first.version)
    (1, None, 2, True)
    >>> second = next_entry(
    ...     first, [node_line(a, element_digest("{1}", s2), element_digest("{}", s1))],
    ...     nodes=1, edges=0)
    >>> second.seq, second.prev == first.digest
    (2, True)
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import sys
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Final, Literal, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from provenance.hashing.core import domain_prefix
from provenance.model import Edge, short_id, utcnow

#: Hash of element digests and entry digests (SHA-256: SHA-NI makes it the fastest on the
#: small records of a write; entry digests are written ``sha256:<hex>``).
LOG_ALGORITHM: Final = "sha256"
#: Elements per entry when a store that predates the log starts it (genesis entries).
GENESIS_CHUNK: Final = 50_000
#: The key of an edge in the log: ``(source id, type, target id)``; a node's key is its id.
EdgeKey = tuple[str, str, str]
ElementKey = str | EdgeKey
#: An entry named by its sequence number and digest (what the next entry chains to).
HeadRef = tuple[int, str]

#: The version of the log's digest recipe (element and entry digests, the entry header) that
#: new entries are written with, in its domain tags: ``provenance:log-entry:v2``. It is the
#: log's own, not :data:`~provenance.hashing.core.HASH_VERSION`: a new content-id recipe must
#: not stop every stored chain from verifying. Entries record theirs (:attr:`LogEntry.version`)
#: and :func:`~provenance.analysis.integrity.verify_log` re-derives each with its own.
LOG_FORMAT_VERSION: Final = 2
#: Every log format this code verifies (1: unsalted element digests; 2: salted).
LOG_FORMAT_VERSIONS: Final = (1, 2)
#: Random bytes of a node version's salt (written as hex): what keeps a replaced record's
#: digest from confirming a guess of its values.
SALT_BYTES: Final = 16
#: The Neo4j property that holds a node's salt (the SQLite store: its ``salt`` column).
SALT_PROPERTY: Final = "log_salt"

_ELEMENT_HASHERS = {v: hashlib.sha256(domain_prefix("log-element", v)) for v in (1, 2)}
_ENTRY_PREFIXES = {v: domain_prefix("log-entry", v) for v in LOG_FORMAT_VERSIONS}
_ROLE_JSON: dict[str | None, str] = {None: "null"}
#: zlib level of stored log bodies (:func:`pack_body`).
BODY_LEVEL: Final = 1


class LogEntry(BaseModel):
    """One entry of the chain: which write (``seq``), after which entry (``prev``), when, and
    the elements it created or changed (``body``, see the module docs).

    Example:
        >>> e = next_entry(None, [], nodes=0, edges=0)
        >>> sorted(e.summary()), e.version
        (['at', 'digest', 'edges', 'nodes', 'prev', 'seq', 'version'], 2)
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    seq: int = Field(ge=1)
    #: ``sha256:<hex>`` of the entry (:func:`entry_digest`).
    digest: str
    #: The previous entry's digest; None for the first entry.
    prev: str | None = None
    at: _dt.datetime
    #: How many node and edge lines the body holds.
    nodes: int = 0
    edges: int = 0
    body: str = Field(default="", repr=False)
    #: The log format the entry was written with (:data:`LOG_FORMAT_VERSION`); entries that
    #: record none are version 1.
    version: int = Field(default=1, ge=1)

    @property
    def ref(self) -> HeadRef:
        """``(seq, digest)``: what the next entry chains to."""
        return (self.seq, self.digest)

    def summary(self) -> dict[str, Any]:
        """The entry without its body, JSON-ready (what ``provenance log head`` prints)."""
        return self.model_dump(mode="json", exclude={"body"})


class Stored(NamedTuple):
    """One element as a store holds it: its log key, its value as the log records it, and a
    note when the store found it inconsistent in a way the value cannot show (e.g. an index
    column of the SQLite store that disagrees with the node's record)."""

    key: ElementKey
    value: str
    note: str | None = None


def element_digest(record: str, salt: str | None = None) -> str:
    """The hex SHA-256 of one stored element record: salted with the node version's ``salt``
    (log format 2, domain ``log-element:v2``), or without one (format 1: a node stored with
    no salt, last written before format 2).

    Example:
        >>> len(element_digest('{"id": 1}')), element_digest("x") == element_digest("x")
        (64, True)
        >>> element_digest("x", "00" * 16) != element_digest("x", "01" * 16) != element_digest("x")
        True
    """
    if salt is None:
        h = _ELEMENT_HASHERS[1].copy()
        h.update(record.encode())
    else:
        h = _ELEMENT_HASHERS[2].copy()
        h.update(f"{salt}\n{record}".encode())
    return h.hexdigest()


#: Where salts come from: ``salt_source(n)`` returns ``n`` random bytes. Only tests replace it
#: (with a deterministic source, to pin the chain a known sequence of writes gives).
salt_source: Callable[[int], bytes] = os.urandom


def new_salts(n: int) -> list[str]:
    """``n`` fresh salts (:data:`SALT_BYTES` random bytes each, as hex), drawn in one call.

    Example:
        >>> salts = new_salts(2)
        >>> len(salts), len(salts[0]), salts[0] != salts[1]
        (2, 32, True)
    """
    if n <= 0:
        return []
    raw = salt_source(SALT_BYTES * n).hex()
    step = 2 * SALT_BYTES
    return [raw[i : i + step] for i in range(0, step * n, step)]


def role_value(role: str | None) -> str:
    """An edge's value in the log: its role as JSON.

    Example:
        >>> role_value(None), role_value("input")
        ('null', '"input"')
    """
    found = _ROLE_JSON.get(role)
    if found is None:
        found = json.dumps(role, ensure_ascii=False)
        if len(_ROLE_JSON) < 1024:
            _ROLE_JSON[role] = found
    return found


def edge_props_value(props: dict[str, Any]) -> str:
    """An edge's value from its stored properties: its role as JSON when ``role`` is all it
    holds (as the library writes it), else every property as JSON (which no log line holds).

    Example:
        >>> edge_props_value({}), edge_props_value({"role": "input"})
        ('null', '"input"')
        >>> edge_props_value({"role": "input", "weight": 2})
        '{"role":"input","weight":2}'
    """
    if props.keys() <= {"role"} and isinstance(props.get("role"), str | None):
        return role_value(props.get("role"))
    return json.dumps(
        props, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr
    )


def node_line(node_id: str, value: str, old: str | None = None) -> str:
    """The body line of a node the write created (or merged into, with ``old``).

    Example:
        >>> node_line("blake3:ab", "d1"), node_line("blake3:ab", "d2", "d1")
        ('N blake3:ab d1', 'N blake3:ab d2 d1')
    """
    return f"N {node_id} {value}" if old is None else f"N {node_id} {value} {old}"


def removal_line(key: ElementKey) -> str:
    """The body line of a node (its id) or an edge (its key) the write removed.

    Example:
        >>> removal_line("blake3:ab"), removal_line(("blake3:t", "USED", "blake3:a"))
        ('D blake3:ab', 'D blake3:t USED blake3:a')
    """
    return f"D {key}" if isinstance(key, str) else f"D {key[0]} {key[1]} {key[2]}"


def edge_line(source: str, edge_type: str, target: str, role_json: str) -> str:
    """The body line of an edge the write created (``role_json``: :func:`role_value`).

    Example:
        >>> edge_line("blake3:t", "USED", "blake3:a", role_value("input"))
        'E blake3:t USED blake3:a "input"'
    """
    return f"E {source} {edge_type} {target} {role_json}"


K = TypeVar("K")


def new_edge_lines(
    edges: Iterable[Edge],
    stored: Collection[K] | None = None,
    key: Callable[[Edge], K] | None = None,
) -> list[str]:
    """The body lines of the edges a write adds: every edge when ``stored`` is None (none was
    stored before and none repeats), else all but those whose ``key(edge)`` is in ``stored``
    and repeats (the first one wins, as the stores keep the first). ``stored`` is not changed.

    Example:
        >>> from provenance.model import Edge
        >>> e = Edge(source="blake3:t", target="blake3:a", type="USED")
        >>> new_edge_lines([e]), new_edge_lines([e, e], set(), lambda x: x.key)
        (['E blake3:t USED blake3:a null'], ['E blake3:t USED blake3:a null'])
    """
    if stored is None or key is None:
        return [edge_line(e.source, e.type, e.target, role_value(e.role)) for e in edges]
    seen = set(stored)
    lines: list[str] = []
    for e in edges:
        k = key(e)
        if k not in seen:
            seen.add(k)
            lines.append(edge_line(e.source, e.type, e.target, role_value(e.role)))
    return lines


class BodyLine(NamedTuple):
    """One parsed body line."""

    kind: Literal["N", "E", "D"]
    key: ElementKey
    #: The element's value as recorded ("" for a removal).
    value: str
    #: For a node merged into: the digest it replaced.
    old: str | None


def iter_body(body: str) -> Iterator[BodyLine]:
    """The lines of an entry body, parsed; ids are interned (an edge's ends share the node's
    string), so a verifier's map of a million elements stays small. A line that does not
    parse raises ``ValueError``.

    Example:
        >>> [tuple(x) for x in iter_body('N blake3:a d1\\nE blake3:t USED blake3:a "in put"')]
        [('N', 'blake3:a', 'd1', None), ('E', ('blake3:t', 'USED', 'blake3:a'), '"in put"', None)]
        >>> [tuple(x) for x in iter_body('D blake3:a\\nD blake3:t USED blake3:a')]
        [('D', 'blake3:a', '', None), ('D', ('blake3:t', 'USED', 'blake3:a'), '', None)]
    """
    intern, new = sys.intern, tuple.__new__  # tuple.__new__: a NamedTuple without its
    for line in body.split("\n") if body else ():  # Python-level constructor (hot loop)
        if line.startswith("N "):
            parts = line.split(" ")
            if len(parts) == 3:
                yield new(BodyLine, ("N", intern(parts[1]), parts[2], None))
                continue
            if len(parts) == 4:
                yield new(BodyLine, ("N", intern(parts[1]), parts[2], parts[3]))
                continue
        elif line.startswith("E "):
            parts = line.split(" ", 4)
            if len(parts) == 5:
                key = (intern(parts[1]), intern(parts[2]), intern(parts[3]))
                yield new(BodyLine, ("E", key, parts[4], None))
                continue
        elif line.startswith("D "):
            parts = line.split(" ")
            if len(parts) == 2:
                yield new(BodyLine, ("D", intern(parts[1]), "", None))
                continue
            if len(parts) == 4:
                key = (intern(parts[1]), intern(parts[2]), intern(parts[3]))
                yield new(BodyLine, ("D", key, "", None))
                continue
        raise ValueError(f"not a log line: {line[:80]!r}")


def entry_digest(
    seq: int,
    prev: str | None,
    at: _dt.datetime,
    nodes: int,
    edges: int,
    body: str,
    version: int = LOG_FORMAT_VERSION,
) -> str:
    """``sha256:<hex>`` over the entry's header (seq, prev, time, line counts) and body, with
    the domain tag of its log format ``version``; ``ValueError`` for a version this code does
    not know.

    Example:
        >>> at = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)
        >>> entry_digest(1, None, at, 0, 0, "")[:7]
        'sha256:'
        >>> entry_digest(1, None, at, 0, 0, "") != entry_digest(2, None, at, 0, 0, "")
        True
        >>> entry_digest(1, None, at, 0, 0, "", 1) != entry_digest(1, None, at, 0, 0, "", 2)
        True
    """
    prefix = _ENTRY_PREFIXES.get(version)
    if prefix is None:
        known = ", ".join(str(v) for v in LOG_FORMAT_VERSIONS)
        raise ValueError(f"log format {version} is not one this provenance knows ({known})")
    header = f"seq {seq}\nprev {prev or '-'}\nat {at.isoformat()}\nnodes {nodes}\nedges {edges}\n\n"
    h = hashlib.sha256(prefix)
    h.update(header.encode())
    h.update(body.encode())
    return f"{LOG_ALGORITHM}:{h.hexdigest()}"


def next_entry(
    after: LogEntry | HeadRef | None,
    lines: list[str],
    *,
    nodes: int,
    edges: int,
    at: _dt.datetime | None = None,
) -> LogEntry:
    """The entry that follows ``after`` (an entry, its ``(seq, digest)``, or None for the
    first) with these body lines.

    Example:
        >>> first = next_entry(None, ["N blake3:a d"], nodes=1, edges=0)
        >>> first.body, next_entry(first.ref, [], nodes=0, edges=0).prev == first.digest
        ('N blake3:a d', True)
    """
    if isinstance(after, LogEntry):
        after = after.ref
    seq, prev = (0, None) if after is None else after
    seq += 1
    when = at or utcnow()
    body = "\n".join(lines)
    return LogEntry(
        seq=seq,
        digest=entry_digest(seq, prev, when, nodes, edges, body, LOG_FORMAT_VERSION),
        prev=prev,
        at=when,
        nodes=nodes,
        edges=edges,
        body=body,
        version=LOG_FORMAT_VERSION,
    )


def genesis_entries(
    after: LogEntry | HeadRef | None, stored: Iterable[Stored], chunk: int = GENESIS_CHUNK
) -> Iterator[LogEntry]:
    """Entries covering a graph as found, ``chunk`` elements each, chained after ``head``:
    how a store written before the log existed starts its chain.

    Example:
        >>> found = [Stored("blake3:a", "d1"), Stored(("blake3:t", "USED", "blake3:a"), "null")]
        >>> [(e.seq, e.nodes, e.edges) for e in genesis_entries(None, found, chunk=1)]
        [(1, 1, 0), (2, 0, 1)]
    """
    lines: list[str] = []
    n_nodes = n_edges = 0
    at = utcnow()
    for element in stored:
        if isinstance(element.key, str):
            lines.append(node_line(element.key, element.value))
            n_nodes += 1
        else:
            lines.append(edge_line(*element.key, element.value))
            n_edges += 1
        if len(lines) >= chunk:
            entry = next_entry(after, lines, nodes=n_nodes, edges=n_edges, at=at)
            yield entry
            after = entry.ref
            lines, n_nodes, n_edges = [], 0, 0
    if lines:
        yield next_entry(after, lines, nodes=n_nodes, edges=n_edges, at=at)


def pack_body(body: str) -> bytes:
    """A log entry's body as the stores keep it: UTF-8, zlib-compressed (level 1: a
    third of the size for ~12 ms per MB; the entry's digest covers the text, not these bytes).

    Example:
        >>> unpack_body(pack_body("N blake3:ab d1")), len(pack_body("E a USED b null" * 99))
        ('N blake3:ab d1', 39)
    """
    return zlib.compress(body.encode(), BODY_LEVEL)


def unpack_body(stored: Any) -> str:
    """The text of a stored body: compressed bytes (:func:`pack_body`), or text as entries
    written before compression (or edited by hand) hold it. Bytes that do not decompress give
    a line that is no log line, so ``log verify`` reports the entry as changed.

    Example:
        >>> unpack_body("N blake3:ab d1"), unpack_body(None), unpack_body(b"junk")[:18]
        ('N blake3:ab d1', '', '! unreadable body:')
    """
    if stored is None:
        return ""
    if isinstance(stored, str):
        return stored
    try:
        return zlib.decompress(bytes(stored)).decode()
    except (zlib.error, UnicodeDecodeError) as exc:
        return f"! unreadable body: {exc}"


def element_label(key: ElementKey) -> str:
    """How a report names an element: ``node <short id>`` or ``edge <short> TYPE <short>``.

    Example:
        >>> element_label("blake3:" + "ab" * 32)
        'node abababababab'
        >>> element_label(("blake3:" + "1" * 64, "USED", "blake3:" + "2" * 64))
        'edge 111111111111 -USED-> 222222222222'
    """
    if isinstance(key, str):
        return f"node {short_id(key) or '(no id)'}"
    source, edge_type, target = key
    return f"edge {short_id(source) or '(no id)'} -{edge_type}-> {short_id(target) or '(no id)'}"


T = TypeVar("T")


class EntryWorker:
    """The thread a store builds its log entries on while it writes the graph: the digests,
    the body and its compression overlap the server's merge (Neo4j) or SQLite's inserts, which
    both run without the GIL. ``fn`` must be pure computation (never the store's connection).

    When no thread can take the work (the interpreter is exiting, and a spool flushed at exit
    still writes), it runs in the caller. A closed worker starts a new thread when used again,
    and so does a worker used in a forked child (which inherits the pool but not its thread).

    Example:
        >>> worker = EntryWorker()
        >>> worker.submit(sum, [1, 2, 3]).result()
        6
        >>> worker.close()
    """

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._pid = os.getpid()

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """``fn(*args)`` on the worker thread (or here, when none can take it)."""
        if self._pool is None or self._pid != os.getpid():
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="provenance-log")
            self._pid = os.getpid()
        try:
            return self._pool.submit(fn, *args)
        except RuntimeError:  # "cannot schedule new futures after (interpreter) shutdown"
            done: Future[T] = Future()
            try:
                done.set_result(fn(*args))
            except Exception as exc:
                done.set_exception(exc)
            return done

    def close(self) -> None:
        """Stop the thread (after the work it holds)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown()
