"""The store protocol every backend implements, and the traversal rules they share.

Traversal semantics (identical on every backend, checked by the parity suite):

* Upstream of a node: the transforms that PRODUCED it; upstream of a transform: what it USED,
  the model it USED_MODEL and the code version it RAN.
* Downstream of a node: the transforms that USED / USED_MODEL / RAN it; downstream of a
  transform: what it PRODUCED.
* ``depth`` counts transforms: ``depth=1`` from an artifact gives its producers and their
  inputs. ``None`` means unbounded. Every node is visited once, so cycles (a transform that
  uses and produces the same digest) and diamond lattices cost as much as the distinct nodes.
* The result's edges are every edge between two result nodes (the induced subgraph).
* ``limit`` caps the nodes returned (root first, then by level, then id) and sets
  ``truncated``.

The walk is written once, in :mod:`provenance.store.walk`; a backend supplies only the next
level's edges. The edge types are named here once (:data:`USED` ...), spelled as
:data:`provenance.model.EdgeType` spells them.

Example:
    >>> from provenance.store.base import Direction
    >>> Direction("up").value
    'up'
    >>> EDGE_TYPES == (USED, PRODUCED, USED_MODEL, RAN, INVALIDATED)
    True
    >>> REACH_EDGES[Direction.UP], ONWARD_EDGES[Direction.UP]
    (('PRODUCED',), ('USED', 'USED_MODEL', 'RAN'))
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
from typing import Final, Protocol, Self, get_args, runtime_checkable

from provenance.errors import AmbiguousIdError, NotFoundError
from provenance.model import (
    Artifact,
    CodeVersion,
    Edge,
    EdgeType,
    LineageGraph,
    Model,
    Transform,
    short_id,
)

AnyNode = Artifact | Model | Transform | CodeVersion

# The edge types, one constant each; typed as EdgeType, so a misspelling fails type checking.
# Every edge starts at a Transform.
USED: Final[EdgeType] = "USED"
PRODUCED: Final[EdgeType] = "PRODUCED"
USED_MODEL: Final[EdgeType] = "USED_MODEL"
RAN: Final[EdgeType] = "RAN"
INVALIDATED: Final[EdgeType] = "INVALIDATED"
#: Every edge type, in the order :data:`provenance.model.EdgeType` lists them.
EDGE_TYPES: Final[tuple[EdgeType, ...]] = get_args(EdgeType)
#: A transform's edges to what it consumed: inputs, the model, the code version.
INPUT_EDGES: Final[tuple[EdgeType, ...]] = (USED, USED_MODEL, RAN)
#: A transform's edges to what it made.
OUTPUT_EDGES: Final[tuple[EdgeType, ...]] = (PRODUCED,)


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
class LineageStore(Protocol):
    """What a lineage backend provides. Writes are idempotent and atomic per call."""

    uri: str

    def close(self) -> None:
        """Release connections and files."""

    def write(self, nodes: Sequence[AnyNode], edges: Sequence[Edge]) -> None:
        """Merge nodes and edges in one transaction: all or nothing.

        Artifacts are immutable: a second write of the same id only fills fields that were
        empty. A transform's status may move from failed/running to succeeded, never back.
        """

    def get(self, node_id: str) -> AnyNode | None:
        """The node with exactly this id, or None."""

    def get_many(self, node_ids: Sequence[str]) -> list[AnyNode]:
        """The nodes with these ids (missing ones are left out), in the order given."""

    def resolve(self, prefix: str, limit: int = 10) -> list[str]:
        """Ids starting with ``prefix`` (with or without the ``algo:`` part), at most ``limit``."""

    def traverse(
        self, node_id: str, direction: Direction, depth: int | None = None, limit: int | None = None
    ) -> LineageGraph:
        """The ancestry (``UP``) or descendants (``DOWN``) of a node, root included."""

    def find_artifacts(
        self, *, name: str | None = None, kind: str | None = None, uri: str | None = None
    ) -> list[Artifact]:
        """Artifacts matching every given field, newest first."""

    def iter_nodes(self, batch_size: int = 1000) -> Iterator[list[AnyNode]]:
        """Every node, in batches, ordered by id."""

    def iter_edges(self, batch_size: int = 1000) -> Iterator[list[Edge]]:
        """Every edge, in batches, ordered by (source, type, target)."""

    def counts(self) -> dict[str, int]:
        """Number of nodes per node type and of edges per edge type."""

    def transform_edges(self, transform_ids: Sequence[str]) -> list[Edge]:
        """Every edge starting at these transforms, of every type, whatever the other end;
        ordered by (source, type, target). Unknown ids contribute nothing."""

    def invalidations(self, artifact_ids: Sequence[str]) -> list[Edge]:
        """The ``INVALIDATED`` edges (erasure records) pointing at these artifacts,
        ordered by (source, target)."""


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


def resolve_id(store: LineageStore, id_or_prefix: str) -> str:
    """The full id for an exact id or a unique prefix (``blake3:`` may be left out).

    Raises :class:`NotFoundError` or :class:`AmbiguousIdError`.

    Example:
        >>> import tempfile
        >>> from provenance.store import SQLiteStore
        >>> s = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
        >>> resolve_id(s, "abcd")
        Traceback (most recent call last):
        ...
        provenance.errors.NotFoundError: no node with id 'abcd'
    """
    given = id_or_prefix.strip()
    if not given:
        raise NotFoundError("empty id")
    if store.get(given) is not None:
        return given
    hex_part = given.split(":", 1)[-1]
    if len(hex_part) < 4 or any(c not in "0123456789abcdef" for c in hex_part.lower()):
        raise NotFoundError(f"no node with id {given!r} (give at least 4 hex digits of an id)")
    matches = store.resolve(given, limit=6)
    if not matches:
        raise NotFoundError(f"no node with id {given!r}")
    if len(matches) > 1:
        shown = ", ".join(short_id(m) for m in matches[:5])
        raise AmbiguousIdError(f"id prefix {given!r} is ambiguous: matches {shown}…")
    return matches[0]
