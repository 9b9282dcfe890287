"""Tamper evidence: check the hash-chained log against the stored graph.

:func:`verify_log` re-derives the chain (:mod:`provenance.store.chain`) and compares it with
the graph as the store holds it, through the store protocol only, so it is the same check on
every backend. It finds:

* an entry whose contents no longer hash to its digest (``entry-edited``), whose ``prev`` is
  not the digest of the entry before it (``chain-broken``), or entries missing from the
  sequence (``entry-missing``);
* a pinned head (``pinned``: an entry digest an auditor kept, e.g. from ``provenance log
  head`` in a signed release note) that is no longer in the chain (``pinned-missing``): the
  log was rewritten, however consistent it looks now;
* an element whose stored state differs from what the latest entry covering it recorded
  (``changed``), one that entry recorded but the graph no longer holds (``deleted``), and
  one no entry covers (``inserted``).

Each entry is re-derived with the log format it records (:attr:`~.chain.LogEntry.version`:
1 for entries that record none), so a chain begun before format 2 keeps verifying. An element
is compared with the digest of what the store holds, salted with the salt stored beside it
(format 2; a node stored without one, by a format 1 writer, unsalted), so after an erasure the
scrubbed records still match the erasure's entry while the digests of the erased records,
whose salts the erasure replaced, confirm no guess of their values.

An element is compared with the *latest* entry that covers it: a later write that merged
into a node (an OpenLineage event adding facets, an erasure clearing a uri) recorded the
node's new state and the digest it replaced, so the node's history stays checkable and a
legitimate merge is not a change. A change made outside the library before such a merge is
caught there: the merge's recorded "replaced" digest is not what the earlier entry holds.

Problems are reported first entry first: the earliest entry whose elements or contents no
longer match names where the history stopped being what was written. Elements no entry
covers come last (nothing says when they appeared).

Example:
    >>> import tempfile
    >>> from provenance.model import Artifact
    >>> from provenance.store import SQLiteStore
    >>> store = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
    >>> store.write([Artifact(id="blake3:" + "a" * 64, name="users")], [])
    >>> verdict = verify_log(store)
    >>> verdict.ok, verdict.entries, verdict.elements
    (True, 1, 1)
    >>> tamper = "UPDATE nodes SET data = replace(data, ?, ?)"  # as anyone with the file could
    >>> _ = store._db.execute(tamper, ('"owner":null', '"owner":"eve"'))
    >>> print(verify_log(store).message)  # doctest: +ELLIPSIS
    entry 1 (sha256:...): node aaaaaaaaaaaa was changed outside the library (recorded by entry 1)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Literal, get_args

from pydantic import BaseModel, Field

from provenance.errors import AnalysisError
from provenance.model import NODE_TYPES
from provenance.store.base import EDGE_TYPES, LineageStore
from provenance.store.chain import (
    LOG_ALGORITHM,
    ElementKey,
    LogEntry,
    element_label,
    entry_digest,
    iter_body,
)
from provenance.wording import plural

ProblemKind = Literal[
    "pinned-missing",
    "entry-missing",
    "entry-edited",
    "chain-broken",
    "changed",
    "deleted",
    "inserted",
    "no-log",
]
#: Problems a verdict lists (their total is always counted).
MAX_PROBLEMS = 20
#: Progress callback: ``progress(phase, n)`` after each batch, phase ``"log"`` (entries) or
#: ``"graph"`` (elements).
Progress = Callable[[str, int], None]


class LogProblem(BaseModel):
    """One way the stored graph or its log differs from what the library wrote."""

    kind: ProblemKind
    #: The entry this names (the earliest that no longer holds), None when there is none.
    seq: int | None = None
    entry: str | None = None
    #: The element, as ``node <short id>`` / ``edge <short> -TYPE-> <short>``; full key below.
    element: str | None = None
    key: list[str] | str | None = None
    detail: str

    @property
    def line(self) -> str:
        """The problem on one line, naming the entry first.

        Example:
            >>> LogProblem(kind="inserted", element="node ab", detail="node ab is new").line
            'node ab is new'
        """
        if self.seq is None:
            return self.detail
        return f"entry {self.seq} ({short_digest(self.entry)}): {self.detail}"


class LogVerdict(BaseModel):
    """The result of :func:`verify_log`."""

    ok: bool
    #: Log entries read and elements (nodes + edges) of the stored graph compared.
    entries: int = 0
    elements: int = 0
    head_seq: int | None = None
    head: str | None = None
    #: Pinned digests found in the chain, with their seq.
    pinned: dict[str, int] = Field(default_factory=dict)
    #: The first :data:`MAX_PROBLEMS` problems, first entry first; ``problem_count`` in all.
    problems: list[LogProblem] = Field(default_factory=list)
    problem_count: int = 0
    #: True when writes kept landing during every attempt (problems may be those writes).
    concurrent_writes: bool = False
    seconds: float = 0.0

    @property
    def first_problem(self) -> LogProblem | None:
        """The earliest problem, or None."""
        return self.problems[0] if self.problems else None

    @property
    def message(self) -> str:
        """The verdict on one line: the first problem (and how many), or what was checked.

        Example:
            >>> LogVerdict(ok=True, entries=2, elements=5, head_seq=2, head="sha256:" + "0" * 64
            ...            ).message
            'ok: 2 entries, 5 elements match the chain; head 2 sha256:0000000000000000…'
        """
        first = self.first_problem
        if first is None:
            head = f"; head {self.head_seq} {short_digest(self.head)}" if self.head else ""
            return (
                f"ok: {plural(self.entries, 'entry', 'entries')}, "
                f"{plural(self.elements, 'element')} match the chain{head}"
            )
        more = self.problem_count - 1
        tail = f" (+{more:,} more problem{'s' if more > 1 else ''})" if more else ""
        if self.concurrent_writes:
            tail += " (the store was being written during the check: run it again)"
        return first.line + tail


def short_digest(digest: str | None, n: int = 16) -> str:
    """``sha256:`` and the first ``n`` hex digits, for messages.

    Example:
        >>> short_digest("sha256:" + "ab" * 32, 4)
        'sha256:abab…'
    """
    if not digest:
        return "sha256:…"
    algo, _, hexpart = digest.partition(":")
    return f"{algo}:{hexpart[:n]}…" if n else f"{algo}:…"


def verify_log(
    store: LineageStore,
    *,
    pinned: Sequence[str] = (),
    progress: Progress | None = None,
    attempts: int = 3,
) -> LogVerdict:
    """Check the store's log against its graph; see the module docs.

    ``pinned``: entry digests (``sha256:<hex>``, or their first 8+ hex digits, with or
    without ``sha256:``) that must still be in the chain; a shorter one raises
    :class:`~provenance.errors.AnalysisError`. The check reads the log and then the graph;
    when the head moved meanwhile (a write landed) and problems were found, it runs again,
    up to ``attempts`` times.

    Example:
        >>> import tempfile
        >>> from provenance.store import SQLiteStore
        >>> verify_log(SQLiteStore(tempfile.mkdtemp() + "/l.sqlite"), pinned=["sha256:00c0ffee"]
        ...            ).message
        'pinned entry sha256:00c0ffee is not in the chain: the log was rewritten or cut'
    """
    pinned = [_pin(p) for p in pinned if p.strip()]
    verdict = LogVerdict(ok=False)
    for _ in range(max(1, attempts)):
        before = _head_digest(store)
        verdict = _check(store, pinned, progress)
        if verdict.ok or _head_digest(store) == before:
            return verdict
    return verdict.model_copy(update={"concurrent_writes": True})


def _pin(given: str) -> str:
    """A pinned digest as ``sha256:<hex>`` (a prefix of one), checked.

    Example:
        >>> _pin("0BADC0FFEE"), _pin("sha256:0badc0ffee")
        ('sha256:0badc0ffee', 'sha256:0badc0ffee')
    """
    algo, _, hexpart = given.strip().lower().rpartition(":")
    if (
        algo not in ("", LOG_ALGORITHM)
        or len(hexpart) < 8
        or not all(c in "0123456789abcdef" for c in hexpart)
    ):
        raise AnalysisError(
            f"pinned digest {given!r} is not an entry digest: give sha256:<hex> as "
            "`provenance log head` prints it (at least 8 hex digits)"
        )
    return f"{LOG_ALGORITHM}:{hexpart}"


def _head_digest(store: LineageStore) -> str | None:
    head = store.log_head()
    return head.digest if head else None


class _Findings:
    """Problems found so far, and the keys whose covering entry is looked up afterwards."""

    def __init__(self) -> None:
        self.problems: list[LogProblem] = []
        # key -> (kind, detail with {el}, only entries before this seq or None, a note)
        self.pending: dict[ElementKey, tuple[ProblemKind, str, int | None, str | None]] = {}

    def add(self, problem: LogProblem) -> None:
        self.problems.append(problem)

    def later(
        self,
        key: ElementKey,
        kind: ProblemKind,
        detail: str,
        before: int | None,
        note: str | None = None,
    ) -> None:
        self.pending.setdefault(key, (kind, detail, before, note))


def _check(store: LineageStore, pinned: Sequence[str], progress: Progress | None) -> LogVerdict:
    started = time.perf_counter()
    found = _Findings()
    pins = dict.fromkeys(pinned, 0)
    latest, entries, head = _read_log(store, pins, found, progress)
    elements, nodes_seen, edges_seen = _read_graph(store, latest, found, progress)
    for key in latest:
        found.later(key, "deleted", "{el} was deleted outside the library", None)
    _count_check(store, nodes_seen, edges_seen, found)
    if head is None and elements:
        found.problems = [
            LogProblem(
                kind="no-log",
                detail=f"the store holds {elements:,} elements but no log: they were written "
                "without it (before the log existed, or with the log turned off); the next "
                "write starts the chain with entries covering the graph as found",
            )
        ]
        found.pending.clear()
    if found.pending:
        _name_entries(store, found)
    for digest, seq in pins.items():
        if not seq:
            found.add(
                LogProblem(
                    kind="pinned-missing",
                    entry=digest,
                    detail=f"pinned entry {digest} is not in the chain: the log was rewritten "
                    "or cut",
                )
            )
    order = {k: i for i, k in enumerate(get_args(ProblemKind))}
    problems = sorted(
        found.problems,
        key=lambda p: (
            p.kind != "pinned-missing",
            p.seq if p.seq is not None else float("inf"),
            order[p.kind],
            p.element or "",
        ),
    )
    return LogVerdict(
        ok=not problems,
        entries=entries,
        elements=elements,
        head_seq=head.seq if head else None,
        head=head.digest if head else None,
        pinned={d: s for d, s in pins.items() if s},
        problems=problems[:MAX_PROBLEMS],
        problem_count=len(problems),
        seconds=round(time.perf_counter() - started, 3),
    )


def _read_log(
    store: LineageStore,
    pins: dict[str, int],
    found: _Findings,
    progress: Progress | None,
) -> tuple[dict[ElementKey, str], int, LogEntry | None]:
    """Pass 1: re-derive every entry, check the links, and map each element to the value
    its latest covering entry recorded."""
    latest: dict[ElementKey, str] = {}
    prev: str | None = None
    expected = 1
    entries = 0
    head: LogEntry | None = None
    for batch in store.iter_log():
        for e in batch:
            entries += 1
            if e.seq != expected:
                gap = (
                    f"entries {expected}–{e.seq - 1} are"
                    if e.seq > expected + 1
                    else (f"entry {expected} is")
                )
                found.add(
                    LogProblem(
                        kind="entry-missing",
                        seq=expected,
                        detail=f"{gap} missing from the log (deleted outside the library)",
                    )
                )
            elif e.prev != prev:
                found.add(
                    LogProblem(
                        kind="chain-broken",
                        seq=e.seq,
                        entry=e.digest,
                        detail="its prev is not the digest of the entry before it",
                    )
                )
            try:
                derived: str | None = entry_digest(
                    e.seq, e.prev, e.at, e.nodes, e.edges, e.body, e.version
                )
                edited = "the entry was edited: its contents no longer hash to its digest"
            except ValueError as exc:  # a log format this code does not know
                derived, edited = None, f"the entry cannot be checked: {exc}"
            if derived != e.digest:
                found.add(LogProblem(kind="entry-edited", seq=e.seq, entry=e.digest, detail=edited))
            _apply_body(e, latest, found)
            for pin in pins:
                if e.digest.startswith(pin):
                    pins[pin] = e.seq
            prev, expected, head = e.digest, e.seq + 1, e
        if progress:
            progress("log", len(batch))
    return latest, entries, head


def _apply_body(e: LogEntry, latest: dict[ElementKey, str], found: _Findings) -> None:
    try:
        lines = list(iter_body(e.body))
    except ValueError as exc:
        found.add(LogProblem(kind="entry-edited", seq=e.seq, entry=e.digest, detail=f"{exc}"))
        return
    for line in lines:
        if line.kind == "D":  # removed by this write: no longer in the graph
            latest.pop(line.key, None)
            continue
        have = latest.get(line.key)
        if line.old is not None:  # a merge into a node some entry must hold, as it was
            if have is None:
                found.add(
                    LogProblem(
                        kind="inserted",
                        seq=e.seq,
                        entry=e.digest,
                        element=element_label(line.key),
                        key=_key_json(line.key),
                        detail=f"{element_label(line.key)} was inserted outside the library "
                        "before this entry merged into it",
                    )
                )
            elif have != line.old:
                found.later(
                    line.key,
                    "changed",
                    f"{{el}} was changed outside the library before entry {e.seq} merged into it",
                    e.seq,
                )
        elif have is not None:  # created anew: the earlier one was deleted meanwhile
            found.later(
                line.key,
                "deleted",
                f"{{el}} was deleted outside the library before entry {e.seq} recorded it anew",
                e.seq,
            )
        latest[line.key] = line.value


def _read_graph(
    store: LineageStore,
    latest: dict[ElementKey, str],
    found: _Findings,
    progress: Progress | None,
) -> tuple[int, int, dict[str, int]]:
    """Pass 2: every stored element against the log; what remains in ``latest`` is gone."""
    elements = nodes = 0
    edges: dict[str, int] = {}
    for batch in store.iter_stored_elements():
        for s in batch:
            elements += 1
            if isinstance(s.key, str):
                nodes += 1
            else:
                edges[s.key[1]] = edges.get(s.key[1], 0) + 1
            want = latest.pop(s.key, None)
            if want is None:
                label = element_label(s.key)
                found.add(
                    LogProblem(
                        kind="inserted",
                        element=label,
                        key=_key_json(s.key),
                        detail=f"{label} was inserted outside the library (no entry covers it)",
                    )
                )
            elif want != s.value or s.note:
                found.later(s.key, "changed", "{el} was changed outside the library", None, s.note)
        if progress:
            progress("graph", len(batch))
    return elements, nodes, edges


def _count_check(
    store: LineageStore, nodes_seen: int, edges_seen: dict[str, int], found: _Findings
) -> None:
    """Elements the store counts but the element scan cannot key (a node without an id, an
    edge from one): inserted outside the library."""
    counts = store.counts()
    extra_nodes = sum(counts.get(t, 0) for t in NODE_TYPES) - nodes_seen
    extra_edges = sum(max(0, counts.get(t, 0) - edges_seen.get(t, 0)) for t in EDGE_TYPES)
    if extra_nodes > 0 or extra_edges > 0:
        found.add(
            LogProblem(
                kind="inserted",
                detail=f"{max(0, extra_nodes)} node(s) and {extra_edges} edge(s) were inserted "
                "outside the library where the element scan cannot key them (a node without "
                "an id, an edge from one): the store counts them, no entry covers them",
            )
        )


def _name_entries(store: LineageStore, found: _Findings) -> None:
    """Pass 3 (only when something is wrong): the latest entry covering each pending key,
    before the seq it was found at when given, named in its problem."""
    covering: dict[ElementKey, tuple[int, str]] = {}
    for batch in store.iter_log():
        for e in batch:
            try:
                lines = list(iter_body(e.body))
            except ValueError:
                continue
            for line in lines:
                if line.kind == "D":
                    continue
                pending = found.pending.get(line.key)
                if pending is not None and (pending[2] is None or e.seq < pending[2]):
                    covering[line.key] = (e.seq, e.digest)
    for key, (kind, template, _, note) in found.pending.items():
        seq, digest = covering.get(key, (None, None))
        label = element_label(key)
        detail = template.format(el=label)
        said = [f"recorded by entry {seq}"] if seq is not None else []
        if note:
            said.append(note)
        if said:
            detail += f" ({'; '.join(said)})"
        found.add(
            LogProblem(
                kind=kind, seq=seq, entry=digest, element=label, key=_key_json(key), detail=detail
            )
        )


def _key_json(key: ElementKey) -> list[str] | str:
    return key if isinstance(key, str) else list(key)
