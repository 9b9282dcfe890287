"""Ingest OpenLineage events: validate, map (:mod:`.mapping`), write; and read event files.

Every event is checked first (the spec's JSON schema and what the mapping needs), so a bad
event writes nothing; then it is mapped against what the store holds and written.
:func:`ingest_event` writes its event with one ``store.write`` (one transaction);
:func:`ingest_events` writes ``batch_size`` events per ``store.write``, each event mapped
against the store plus the events before it in the batch
(:class:`~provenance.openlineage.pending.PendingView`), so a batch writes exactly the graph
that one write per event would, in a few store round trips instead of several per event.
Every write then re-binds what its events make out of date
(:func:`~provenance.openlineage.binding.rebind`: inputs bind by time, so the graph does not
depend on the order events arrive in), in the same write. A module-level lock serialises the
read-map-write of every event or batch in this process, so concurrent requests cannot bind
one input twice. Writes are idempotent: posting an event again changes nothing.

Example:
    >>> import tempfile
    >>> from provenance.store import SQLiteStore
    >>> store = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
    >>> event = {
    ...     "eventType": "COMPLETE", "eventTime": "2026-01-01T00:05:00Z",
    ...     "producer": "https://example.com/p", "schemaURL": SPEC_URL + "#/$defs/RunEvent",
    ...     "run": {"runId": "0176a8c2-fe01-7439-87e6-56a1a1b4029f"},
    ...     "job": {"namespace": "airflow", "name": "etl.load"},
    ...     "outputs": [{"namespace": "s3://lake", "name": "orders"}]}
    >>> ingest_event(store, event)
    IngestStats(events=1, runs=1, jobs=0, datasets=1, edges=1)
    >>> before = store.counts()
    >>> _ = ingest_events(store, [event, event])
    >>> store.counts() == before
    True
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel

from provenance.errors import OpenLineageEventError, StoreError
from provenance.model import Artifact
from provenance.openlineage.binding import rebind
from provenance.openlineage.mapping import Mapped, check_event, event_time, input_node, map_event
from provenance.openlineage.naming import run_transform_id
from provenance.openlineage.pending import PendingView
from provenance.openlineage.schema import SPEC_URL, event_type
from provenance.store.base import LineageStore, RebindingStore

__all__ = ["SPEC_URL", "IngestStats", "ingest_event", "ingest_events", "read_jsonl", "time_order"]

#: Serialises the read-map-write of every event (or batch) in this process.
_WRITE_LOCK = threading.Lock()
#: Events per ``store.write`` in :func:`ingest_events`.
BATCH_SIZE = 500


class IngestStats(BaseModel):
    """What an ingest wrote: how many events, and the distinct run transforms, job
    definitions, dataset versions and edges their writes held. Writes are idempotent, so
    these count what the events name, not what was new to the store (posting them again
    gives the same numbers and changes nothing).

    Example:
        >>> IngestStats(events=2, runs=1) + IngestStats(events=1, edges=3)
        IngestStats(events=3, runs=1, jobs=0, datasets=0, edges=3)
    """

    events: int = 0
    runs: int = 0
    jobs: int = 0
    datasets: int = 0
    edges: int = 0

    def __add__(self, other: IngestStats) -> IngestStats:
        return IngestStats(
            **{k: getattr(self, k) + getattr(other, k) for k in IngestStats.model_fields}
        )


class _Tally:
    """Distinct ids of what a batch's writes held."""

    def __init__(self) -> None:
        self.events = 0
        self.runs: set[str] = set()
        self.jobs: set[str] = set()
        self.datasets: set[str] = set()
        self.edges: set[tuple[str, str, str]] = set()

    def add(self, mapped: Mapped) -> IngestStats:
        self.events += 1
        head = mapped.nodes[0].id
        if mapped.runs:
            self.runs.add(head)
        if mapped.jobs:
            self.jobs.add(head)
        self.datasets.update(n.id for n in mapped.nodes if isinstance(n, Artifact))
        self.edges.update(e.key for e in mapped.edges)
        return IngestStats(
            events=self.events,
            runs=len(self.runs),
            jobs=len(self.jobs),
            datasets=len(self.datasets),
            edges=len(self.edges),
        )


def _rebinding(store: LineageStore) -> RebindingStore:
    """``store`` as a store that can re-bind (both backends can), else :class:`StoreError`."""
    if isinstance(store, RebindingStore) and hasattr(type(store), "uri_versions"):
        return store
    raise StoreError(
        f"{type(store).__name__} cannot ingest OpenLineage events: ingest needs the store "
        "itself (SQLite or Neo4j), which can re-bind inputs by time"
    )


def _write_batch(store: LineageStore, events: list[Any]) -> list[Mapped]:
    """Map ``events`` in order against the store and each other, re-bind what they make out
    of date (:func:`~provenance.openlineage.binding.rebind`); write it all in one write."""
    target = _rebinding(store)
    with _WRITE_LOCK:
        view = PendingView(target)
        runs = [run_transform_id(e["run"]["runId"]) for e in events if event_type(e) == "RunEvent"]
        view.prefetch_runs(runs)
        mapped = []
        for event in events:
            m = map_event(view, event)
            view.add(m.nodes, m.edges)
            mapped.append(m)
        rebind(view, dict.fromkeys(runs), input_node)
        view.write_to(target)
    return mapped


def time_order(events: Iterable[Any]) -> list[Any]:
    """``events`` sorted by ``eventTime`` (stable: events of one instant keep their order).

    Each must have passed :func:`~provenance.openlineage.mapping.check_event`.

    Example:
        >>> at_midnight = {"eventTime": "2026-01-01T01:00:00+01:00", "n": 1}
        >>> half_past = {"eventTime": "2026-01-01T00:30:00Z", "n": 2}
        >>> [e["n"] for e in time_order([half_past, at_midnight])]
        [1, 2]
    """
    return sorted(events, key=event_time)


def ingest_event(store: LineageStore, event: Any, *, validate: bool = True) -> IngestStats:
    """Validate one event (RunEvent, DatasetEvent or JobEvent) and write it, in one write.

    Raises :class:`~provenance.errors.OpenLineageEventError` (one line, nothing written) for
    an event that breaks the spec. ``validate=False`` skips the check for events that
    already passed :func:`~provenance.openlineage.mapping.check_event` (:func:`read_jsonl`
    checks every event it reads).

    Example: see the module docs.
    """
    if validate:
        check_event(event)
    (mapped,) = _write_batch(store, [event])
    return _Tally().add(mapped)


def ingest_events(
    store: LineageStore,
    events: Iterable[Any],
    progress: Callable[[IngestStats], None] | None = None,
    *,
    validate: bool = True,
    batch_size: int = BATCH_SIZE,
) -> IngestStats:
    """Validate every event, then write them in ``eventTime`` order (:func:`time_order`),
    ``batch_size`` events per write.

    The graph does not depend on the order (inputs bind by time; a late event re-binds what
    it concerns); writing in time order only spares re-binding work. A bad event raises
    :class:`~provenance.errors.OpenLineageEventError` naming it (``event 3: …``, as given)
    before anything is written. Each write is one transaction: should the store fail
    midway, the batches before it are written and none after. ``progress`` is
    called after each write with the running totals (:class:`IngestStats`: distinct over
    all the events).

    Example:
        >>> import tempfile
        >>> from provenance.store import SQLiteStore
        >>> ingest_events(SQLiteStore(tempfile.mkdtemp() + "/l.sqlite"), [{"eventType": "START"}])
        Traceback (most recent call last):
        ...
        provenance.errors.OpenLineageEventError: event 1: invalid OpenLineage event: ...
    """
    batch = list(events)
    if validate:
        for i, event in enumerate(batch, 1):
            try:
                check_event(event)
            except OpenLineageEventError as exc:
                raise OpenLineageEventError(f"event {i}: {exc}") from None
    batch = time_order(batch)
    tally, total = _Tally(), IngestStats()
    size = max(1, batch_size)
    for start in range(0, len(batch), size):
        for mapped in _write_batch(store, batch[start : start + size]):
            total = tally.add(mapped)
        if progress is not None:
            progress(total)
    return total


# --- files ----------------------------------------------------------------------------------
def _files(source: str | Path) -> list[Path]:
    path = Path(source)
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    if not path.is_file():
        raise OpenLineageEventError(f"{path}: no such file or directory")
    return [path]


def _events_of(value: Any) -> list[Any]:
    """A line holds one event, or a JSON array of events (a batch)."""
    return value if isinstance(value, list) else [value]


def _checked(event: Any, where: str, validate: bool) -> Any:
    if validate:
        try:
            check_event(event)
        except OpenLineageEventError as exc:
            raise OpenLineageEventError(f"{where}: {exc}") from None
    return event


def _read_stream(stream: IO[str], name: str, validate: bool) -> Iterator[Any]:
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise OpenLineageEventError(f"{name}:{number}: not JSON ({exc.msg})") from None
        for event in _events_of(value):
            yield _checked(event, f"{name}:{number}", validate)


def _read_file(path: Path, validate: bool) -> Iterator[Any]:
    try:
        with path.open(encoding="utf-8") as stream:
            yield from _read_stream(stream, str(path), validate)
    except OpenLineageEventError as line_error:
        # One event pretty-printed over several lines (a file per event) is read whole.
        if not str(line_error).startswith(f"{path}:1: not JSON"):
            raise
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError, OSError):
            raise line_error from None
        for event in _events_of(value):
            yield _checked(event, str(path), validate)
    except UnicodeDecodeError as exc:
        raise OpenLineageEventError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise OpenLineageEventError(f"{path}: cannot read ({exc.strerror or exc})") from None


def read_jsonl(source: str | Path, *, validate: bool = True) -> Iterator[Any]:
    """The events of OpenLineage JSON-lines input: the client's ``FileTransport`` output.

    ``source`` is a file (one event per line; blank lines skipped; a line may also hold a
    JSON array of events, and a file holding one pretty-printed event is read whole), a
    directory (every file in it, by name, dot-files left out: ``FileTransport`` without
    ``append`` writes a file per event), or ``-`` for standard input. Each event is checked
    (:func:`~provenance.openlineage.mapping.check_event`) unless ``validate=False``; a bad
    line raises :class:`~provenance.errors.OpenLineageEventError` naming ``file:line``.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "events.jsonl"
        >>> _ = path.write_text('{"eventType": "START"}\\n')
        >>> list(read_jsonl(path))
        Traceback (most recent call last):
        ...
        provenance.errors.OpenLineageEventError: /.../events.jsonl:1: invalid OpenLineage event: ...
        >>> _ = path.write_text("{not json\\n")
        >>> list(read_jsonl(path, validate=False))
        Traceback (most recent call last):
        ...
        provenance.errors.OpenLineageEventError: /.../events.jsonl:1: not JSON (...)
    """
    if str(source) == "-":
        yield from _read_stream(sys.stdin, "<stdin>", validate)
        return
    for path in _files(source):
        yield from _read_file(path, validate)
