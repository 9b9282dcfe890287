"""The store protocol every backend implements, and the traversal rules they share.

Traversal semantics (identical on every backend, checked by the parity suite):

* Upstream of a node: the transforms that PRODUCED it; upstream of a transform: what it USED,
  the model it USED_MODEL and the code version it RAN.
* Downstream of a node: the transforms that USED / USED_MODEL / RAN it; downstream of a
  transform: what it PRODUCED.
* ``INVALIDATED`` (an erasure record) and ``PARENT`` (a child run to the run that spawned it)
  are not data flow: walks never follow them, and answers carry only the data-flow edges
  (:data:`FLOW_EDGES`).
* ``depth`` counts transforms: ``depth=1`` from an artifact gives its producers and their
  inputs. ``None`` means unbounded. Every node is visited once, so cycles (a transform that
  uses and produces the same digest) and diamond lattices cost as much as the distinct nodes.
* The result's edges are every data-flow edge between two result nodes (the induced
  subgraph).
* ``limit`` caps the nodes returned (root first, then by level, then id) and sets
  ``truncated``.

The walk is written once, in :mod:`provenance.store.walk`; a backend supplies only the next
level's edges. The edge types are named here once (:data:`USED` ...), spelled as
:data:`provenance.model.EdgeType` spells them.

Example:
    >>> from provenance.store.base import Direction
    >>> Direction("up").value
    'up'
    >>> EDGE_TYPES == (USED, PRODUCED, USED_MODEL, RAN, INVALIDATED, PARENT)
    True
    >>> REACH_EDGES[Direction.UP], ONWARD_EDGES[Direction.UP]
    (('PRODUCED',), ('USED', 'USED_MODEL', 'RAN'))
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Final, Protocol, Self, get_args, runtime_checkable

from pydantic import BaseModel, Field

from provenance.errors import TrackingError
from provenance.model import (
    Artifact,
    CodeVersion,
    Edge,
    EdgeType,
    LineageGraph,
    Model,
    Transform,
)
from provenance.store.chain import LogEntry, Stored

AnyNode = Artifact | Model | Transform | CodeVersion

# The edge types, one constant each; typed as EdgeType, so a misspelling fails type checking.
# Every edge starts at a Transform.
USED: Final[EdgeType] = "USED"
PRODUCED: Final[EdgeType] = "PRODUCED"
USED_MODEL: Final[EdgeType] = "USED_MODEL"
RAN: Final[EdgeType] = "RAN"
INVALIDATED: Final[EdgeType] = "INVALIDATED"
#: A child run to the run that spawned it (Transform to Transform; OpenLineage ``parent``).
PARENT: Final[EdgeType] = "PARENT"
#: Every edge type, in the order :data:`provenance.model.EdgeType` lists them.
EDGE_TYPES: Final[tuple[EdgeType, ...]] = get_args(EdgeType)
#: A transform's edges to what it consumed: inputs, the model, the code version.
INPUT_EDGES: Final[tuple[EdgeType, ...]] = (USED, USED_MODEL, RAN)
#: A transform's edges to what it made.
OUTPUT_EDGES: Final[tuple[EdgeType, ...]] = (PRODUCED,)
#: The data-flow edges: the only ones walks follow and traversal answers carry.
FLOW_EDGES: Final[tuple[EdgeType, ...]] = (*INPUT_EDGES, *OUTPUT_EDGES)


class Direction(enum.Enum):
    """Which way a traversal walks: ``up`` to ancestors, ``down`` to descendants."""

    UP = "up"
    DOWN = "down"


#: Per direction, the edge types that join a frontier node to the transforms of the next
#: level (up: its producers; down: the transforms that used or ran it).
REACH_EDGES: Final[dict[Direction, tuple[EdgeType, ...]]] = {
    Direction.UP: OUTPUT_EDGES,
    Direction.DOWN: INPUT_EDGES,
}
#: Per direction, the edge types from those transforms on to the next frontier.
ONWARD_EDGES: Final[dict[Direction, tuple[EdgeType, ...]]] = {
    Direction.UP: INPUT_EDGES,
    Direction.DOWN: OUTPUT_EDGES,
}


@runtime_checkable
class NodeReads(Protocol):
    """The point reads of a store: what mapping an event needs, answered by every
    :class:`LineageStore` and by views that overlay writes not made yet
    (:class:`provenance.openlineage.pending.PendingView`)."""

    def get(self, node_id: str) -> AnyNode | None:
        """The node with exactly this id, or None."""

    def get_many(self, node_ids: Sequence[str]) -> list[AnyNode]:
        """The nodes with these ids (missing ones are left out), in the order given."""

    def find_artifacts(
        self,
        *,
        name: str | None = None,
        kind: str | None = None,
        uri: str | None = None,
        limit: int | None = None,
    ) -> list[Artifact]:
        """Artifacts matching every given field, newest first (at most ``limit``)."""

    def transform_edges(self, transform_ids: Sequence[str]) -> list[Edge]:
        """Every edge starting at these transforms, of every type, whatever the other end;
        ordered by (source, type, target). Unknown ids contribute nothing."""


@runtime_checkable
class LineageStore(NodeReads, Protocol):
    """What a lineage backend provides. Writes are idempotent and atomic per call."""

    uri: str

    def close(self) -> None:
        """Release connections and files."""

    def write(
        self, nodes: Sequence[AnyNode], edges: Sequence[Edge], *, replace: bool = False
    ) -> None:
        """Merge nodes and edges in one transaction: all or nothing.

        Artifacts are immutable: a second write of the same id only fills fields that were
        empty. A transform's status may move from failed/running to succeeded, never back.
        ``replace=True``: each node replaces the stored one whole (its type kept), recorded
        in the log like a merge (:mod:`provenance.store.plan`); how an erasure scrubs values.
        """

    def resolve(self, prefix: str, limit: int = 10) -> list[str]:
        """Ids starting with ``prefix`` (with or without the ``algo:`` part), at most ``limit``."""

    def traverse(
        self, node_id: str, direction: Direction, depth: int | None = None, limit: int | None = None
    ) -> LineageGraph:
        """The ancestry (``UP``) or descendants (``DOWN``) of a node, root included."""

    def find_transforms(
        self, *, operation: str | None = None, name: str | None = None
    ) -> list[Transform]:
        """Transforms matching every given field, newest first (:func:`newest_first`)."""

    def recent_nodes(
        self,
        *,
        node_type: str | None = None,
        kind: str | None = None,
        name: str | None = None,
        operation: str | None = None,
        limit: int | None = None,
    ) -> list[AnyNode]:
        """Nodes newest first (:func:`recent_first`), at most ``limit``, filtered by every
        given field: ``node_type`` (:data:`NODE_TYPES_LISTED`; ``Artifact`` includes models),
        artifact ``kind``, ``name`` (a substring, or a glob with ``*`` and ``?``:
        :func:`name_glob`; case-sensitive) and ``operation`` (exact)."""

    def iter_nodes(self, batch_size: int = 1000) -> Iterator[list[AnyNode]]:
        """Every node, in batches, ordered by id."""

    def iter_edges(self, batch_size: int = 1000) -> Iterator[list[Edge]]:
        """Every edge, in batches, ordered by (source, type, target)."""

    def counts(self) -> dict[str, int]:
        """Number of nodes per node type and of edges per edge type."""

    def invalidations(self, artifact_ids: Sequence[str]) -> list[Edge]:
        """The ``INVALIDATED`` edges (erasure records) pointing at these artifacts,
        ordered by (source, target)."""

    # The tamper-evident log (provenance.store.chain): ``write`` appends an entry in its own
    # transaction; provenance.analysis.integrity.verify_log checks it with these reads.
    def log_head(self) -> LogEntry | None:
        """The newest log entry, or None when nothing was written yet."""

    def iter_log(self, batch_size: int = 16) -> Iterator[list[LogEntry]]:
        """Every log entry in ``seq`` order, in batches."""

    def iter_stored_elements(self, batch_size: int = 5000) -> Iterator[list[Stored]]:
        """Every node and edge as stored, valued as the log records them (any order), read
        raw: an element changed outside the library into something the model rejects is
        still listed."""


_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


@runtime_checkable
class VersionReads(NodeReads, Protocol):
    """The reads that re-binding OpenLineage inputs by time needs
    (:mod:`provenance.openlineage.binding`): every version of a dataset, and what points at
    an artifact. Answered by :class:`~provenance.store.sqlite.SQLiteStore`,
    :class:`~provenance.store.neo4j.Neo4jStore` and
    :class:`~provenance.openlineage.pending.PendingView`."""

    def uri_versions(self, uri: str) -> list[tuple[str, _dt.datetime]]:
        """``(id, created_at)`` of every artifact (models included) whose uri is ``uri``, in
        no particular order; ``created_at`` aware (UTC when stored without a zone)."""

    def newest_versions(
        self, uri: str, at: _dt.datetime, limit: int
    ) -> list[tuple[str, _dt.datetime]]:
        """The ``limit`` newest of :meth:`uri_versions` created at or before ``at``, newest
        first (:func:`newest_versions`)."""

    def edges_to(self, artifact_ids: Sequence[str]) -> list[Edge]:
        """Every edge pointing at these artifacts, of every type, ordered by (source, type,
        target). Unknown ids contribute nothing."""


def version_order(version: tuple[str, _dt.datetime]) -> tuple[int, str]:
    """The sort key of a version ``(id, created_at)``: oldest first, to the microsecond (a
    time without a zone taken as UTC); at one instant, by id (the greatest id counts as the
    newest).

    Example:
        >>> at = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)
        >>> version_order(("b", at)) > version_order(("a", at))
        True
    """
    when = version[1] if version[1].tzinfo is not None else version[1].replace(tzinfo=_dt.UTC)
    return ((when - _EPOCH) // _dt.timedelta(microseconds=1), version[0])


def newest_versions(
    versions: Iterable[tuple[str, _dt.datetime]], at: _dt.datetime, limit: int
) -> list[tuple[str, _dt.datetime]]:
    """The ``limit`` newest of ``versions`` created at or before ``at``, newest first
    (:func:`version_order`).

    Example:
        >>> t = [_dt.datetime(2026, 1, d, tzinfo=_dt.UTC) for d in (1, 2, 3)]
        >>> [v for v, _ in newest_versions([("a", t[0]), ("c", t[2]), ("b", t[1])], t[1], 5)]
        ['b', 'a']
    """
    bound = version_order(("", at))[0]
    fit = [v for v in versions if version_order(v)[0] <= bound]
    fit.sort(key=version_order, reverse=True)
    return fit[:limit]


@runtime_checkable
class RebindingStore(LineageStore, VersionReads, Protocol):
    """A store whose one write can also remove what a re-binding replaces."""

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
        """:meth:`LineageStore.write`, and in the same transaction: the nodes with an id in
        ``replace_ids`` replace the stored ones (as ``replace`` does for all); the stored
        edges of ``remove_edges`` (matched by key) and the stored artifacts of
        ``remove_nodes`` are deleted, each logged as a removal (:mod:`provenance.store.plan`).
        Those not stored are passed over. A removed artifact must be left with no edge and
        must not be among ``nodes`` (else :class:`~provenance.errors.IntegrityError`,
        nothing written)."""


class PurgeReport(BaseModel):
    """What :meth:`Purgeable.purge` did to keep the values a write replaced from surviving in
    the store's files, and whether the backend can vouch that none does."""

    backend: str
    #: What was done, in order, one line each.
    steps: list[str] = Field(default_factory=list)
    #: True when no file of the store can still hold a replaced value (as the files read).
    complete: bool = False
    #: What is not guaranteed, and what would make it so; None when complete.
    note: str | None = None


@runtime_checkable
class Purgeable(Protocol):
    """A store that can clear what writes replaced from its files (after an erasure)."""

    def purge(self) -> PurgeReport:
        """Make the values earlier writes replaced unrecoverable from the store's files, as
        far as the backend allows (each says how); what was done."""


class StoreBase:
    """What every backend class shares: use as a context manager that closes the store.

    Example:
        >>> class Demo(StoreBase):
        ...     def close(self) -> None:
        ...         print("closed")
        >>> with Demo() as d:
        ...     pass
        closed
    """

    def close(self) -> None:
        """Release connections and files (each backend says how)."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def in_order(node_ids: Sequence[str], nodes: Iterable[AnyNode]) -> list[AnyNode]:
    """``nodes`` in the order of ``node_ids``; ids with no node are left out.

    What :meth:`LineageStore.get_many` returns, from the nodes a backend fetched in any order.

    Example:
        >>> a, b = (Artifact(id="blake3:" + c * 64, name=c) for c in "ab")
        >>> [n.name for n in in_order([b.id, "blake3:gone", a.id], [a, b])]
        ['b', 'a']
    """
    found = {n.id: n for n in nodes}
    return [found[i] for i in node_ids if i in found]


#: The node types :meth:`LineageStore.recent_nodes` filters by; ``Artifact`` includes models
#: (a model is an artifact: both labels).
NODE_TYPES_LISTED: Final[tuple[str, ...]] = ("Artifact", "Model", "Transform", "CodeVersion")


def listed_types(node_type: str | None, limit: int | None = None) -> tuple[str, ...]:
    """The stored node types :meth:`LineageStore.recent_nodes` answers for ``node_type``
    (None: every one). Raises :class:`~provenance.errors.TrackingError` for another value,
    or for a negative ``limit``.

    Example:
        >>> listed_types("Artifact"), listed_types("Model")
        (('Artifact', 'Model'), ('Model',))
    """
    if limit is not None and (not isinstance(limit, int) or limit < 0):
        raise TrackingError(f"limit must be a non-negative integer, got {limit!r}")
    if node_type is None:
        return NODE_TYPES_LISTED
    if node_type not in NODE_TYPES_LISTED:
        raise TrackingError(
            f"unknown node type {node_type!r}: one of {', '.join(NODE_TYPES_LISTED)}"
        )
    return ("Artifact", "Model") if node_type == "Artifact" else (node_type,)


def name_glob(pattern: str) -> bool:
    """Whether a ``name`` filter is a glob (it holds ``*`` or ``?``) rather than a substring.

    In a glob, ``*`` matches any run of characters and ``?`` one character; every other
    character, ``[`` included, matches itself, and the pattern matches the whole name.

    Example:
        >>> name_glob("users*.csv"), name_glob("users")
        (True, False)
    """
    return "*" in pattern or "?" in pattern


def node_time(node: AnyNode) -> _dt.datetime | None:
    """When a node happened, as listings order it: a transform's ``started_at``, any other
    node's ``created_at``.

    Example:
        >>> node_time(Transform(id="blake3:" + "1" * 64, operation="x")) is None
        True
    """
    return node.started_at if isinstance(node, Transform) else node.created_at


def recency_key(when: _dt.datetime | str | None, node_id: str) -> tuple[bool, int, str]:
    """The sort key of :func:`recent_first`: latest first to the microsecond (a time
    without a zone taken as UTC; an ISO text parsed), no time last, then by id.

    Example:
        >>> recency_key("2026-01-01T00:00:00+01:00", "b") < recency_key("2026-01-01", "a")
        False
    """
    if isinstance(when, str):
        when = _dt.datetime.fromisoformat(when) if when else None
    if when is None:
        return (True, 0, node_id)
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.UTC)
    return (False, -((when - _EPOCH) // _dt.timedelta(microseconds=1)), node_id)


def recent_first(nodes: Iterable[AnyNode]) -> list[AnyNode]:
    """Nodes newest first by :func:`node_time` (:func:`recency_key`): the order
    :meth:`LineageStore.recent_nodes` returns on every backend.

    Example:
        >>> import datetime as dt
        >>> a, b = (Artifact(id="blake3:" + c * 64, name=c, created_at=dt.datetime(2026, 1, d))
        ...         for c, d in (("a", 1), ("b", 2)))
        >>> [n.name for n in recent_first([a, b])]
        ['b', 'a']
    """
    return sorted(nodes, key=lambda n: recency_key(node_time(n), n.id))


def newest_first(transforms: Iterable[Transform]) -> list[Transform]:
    """Transforms newest first: by ``started_at`` (latest first; none last), then by id.

    The order :meth:`LineageStore.find_transforms` returns on every backend (sorted here, on
    the datetimes, so sub-second and time-zone differences order correctly everywhere).

    Example:
        >>> import datetime as dt
        >>> t = [Transform(id="blake3:" + c * 64, operation="x",
        ...                started_at=dt.datetime(2026, 1, d, tzinfo=dt.UTC) if d else None)
        ...      for c, d in (("a", 1), ("b", 0), ("c", 2), ("d", 2))]
        >>> [x.id[7] for x in newest_first(t)]
        ['c', 'd', 'a', 'b']
    """

    def key(t: Transform) -> tuple[bool, float, str]:
        when = t.started_at
        if when is None:
            return (True, 0.0, t.id)
        if when.tzinfo is None:
            when = when.replace(tzinfo=_dt.UTC)
        return (False, -when.timestamp(), t.id)

    return sorted(transforms, key=key)
