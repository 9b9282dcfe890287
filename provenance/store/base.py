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
from collections.abc import Iterable, Iterator, Sequence
from typing import Final, Protocol, Self, get_args, runtime_checkable

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

    def write(self, nodes: Sequence[AnyNode], edges: Sequence[Edge]) -> None:
        """Merge nodes and edges in one transaction: all or nothing.

        Artifacts are immutable: a second write of the same id only fills fields that were
        empty. A transform's status may move from failed/running to succeeded, never back.
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
