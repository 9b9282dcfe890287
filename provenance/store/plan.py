"""What a write adds, and the log entry that records it: planned once for every backend.

A backend's :meth:`~provenance.store.base.LineageStore.write` reads what it needs of the
stored state, asks :func:`plan_write` what to do, and does only the I/O::

    by_id = merge_batch(nodes)                       # the write's nodes, repeats merged
    found = <the stored nodes among by_id>           # {id: Found(node, raw record)}
    stored = <keys of the write's edges already stored, or None: none is>
    plan = plan_write(by_id, found, edges, codec, stored, edge_key)   # replace=True: see below
    <insert plan.created, update plan.merged (each with its new salt), insert every edge>
    lines, n_nodes = plan.lines()                    # on the store's EntryWorker, or here
    <append packed_entry(head, lines, n_nodes)>      # when there are lines

Everything here is pure computation: no I/O, no driver, safe on a worker thread. What differs
between backends is only how a node is encoded and digested, which a :class:`NodeCodec`
says: the SQLite store writes a row and digests the node's JSON; the Neo4j store writes
labels and properties and digests those (:func:`provenance.store.neo4j.node_record`).

The log lines (:mod:`provenance.store.chain`): one per node the write creates or changes
(``N id digest``, plus the replaced digest for a merge), then one per edge not stored before
(``E source TYPE target role``; an edge sent twice: its first, as the stores keep the first).
Node lines are in write order; the SQLite store's entries have always listed merged nodes
after created ones (``NodeCodec.merges_last``), and its entries keep that order.

Every node the write creates or changes gets a new salt (:func:`~.chain.new_salts`), which
the store keeps beside it: its digest is salted (log format 2), and the replaced digest is the
stored node's, with the salt it was stored with (none for a node a format 1 writer stored).

Replacing (``replace=True``): each node of the write replaces the stored one whole instead of
merging into it (:func:`~.merge.merge_node` keeps what is stored; a replacement drops what
the new node leaves out). It is how an erasure scrubs values
(:mod:`provenance.analysis.erasure`); the entry records the new state and the digest it
replaced, as for a merge, so the log still vouches for the node.

Example:
    >>> from provenance.model import Artifact
    >>> codec = NodeCodec(encode=lambda n: n.model_dump_json(), record=str, stored_record=str)
    >>> a = Artifact(id="blake3:" + "a" * 64, name="raw")
    >>> plan = plan_write({a.id: a}, {}, [], codec)
    >>> [w.node.name for w in plan.created], plan.merged
    (['raw'], [])
    >>> lines, n_nodes = plan.lines()
    >>> salt = plan.created[0].salt
    >>> lines == [node_line(a.id, element_digest(a.model_dump_json(), salt))], n_nodes
    (True, 1)
    >>> packed_entry(None, lines, n_nodes)[0].seq
    1
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import chain
from typing import Generic, NamedTuple, TypeVar

from provenance.errors import IntegrityError
from provenance.model import Edge
from provenance.store.base import AnyNode
from provenance.store.chain import (
    HeadRef,
    LogEntry,
    element_digest,
    new_edge_lines,
    new_salts,
    next_entry,
    node_line,
    pack_body,
    removal_line,
)
from provenance.store.merge import merge_node

__all__ = [
    "Found",
    "NodeCodec",
    "NodeWrite",
    "WritePlan",
    "packed_entry",
    "plan_write",
]

#: A backend's encoding of a node to store (SQLite: its row; Neo4j: labels and properties).
R = TypeVar("R")
#: A backend's stored record of a node, as read (SQLite: its JSON; Neo4j: labels, properties).
S = TypeVar("S")
#: A backend's key of an edge (SQLite: integer node keys; Neo4j: :attr:`Edge.key`).
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class NodeCodec(Generic[R, S]):
    """How a backend encodes the nodes it writes and what of them the log digests.

    Example:
        >>> codec = NodeCodec(encode=lambda n: n.model_dump_json(), record=str,
        ...                   stored_record=str, merges_last=True)
        >>> codec.merges_last, codec.stored_salt("{}")
        (True, None)
    """

    #: The node as the backend writes it (computed for every node the write changes).
    encode: Callable[[AnyNode], R]
    #: An encoded node's record, as the log digests it (:func:`element_digest`).
    record: Callable[[R], str]
    #: A stored node's record, as read, as the log digests it.
    stored_record: Callable[[S], str]
    #: Node lines: merged nodes after created ones (SQLite's entries), else in write order.
    merges_last: bool = False
    #: A stored node's salt, as read (None: stored without one, by a log format 1 writer).
    stored_salt: Callable[[S], str | None] = lambda _raw: None


class Found(NamedTuple, Generic[S]):
    """A node of the write that is already stored: as the model reads it (what the write
    merges into) and as stored (``raw``: what the log says the merge replaced).

    Example:
        >>> from provenance.model import Artifact
        >>> a = Artifact(id="blake3:" + "a" * 64, name="raw")
        >>> Found(a, a.model_dump_json()).node.name
        'raw'
    """

    node: AnyNode
    raw: S


class NodeWrite(NamedTuple, Generic[R, S]):
    """One node a write creates (``before`` None) or changes (``before``: what it replaces).

    Example:
        >>> from provenance.model import Artifact
        >>> a = Artifact(id="blake3:" + "a" * 64, name="raw")
        >>> NodeWrite(a, "row", None, "00" * 16).created
        True
    """

    #: The node to store (merged into what was stored, or replacing it).
    node: AnyNode
    #: ``node`` encoded by :attr:`NodeCodec.encode`.
    row: R
    before: Found[S] | None
    #: The salt of this version of the node (new on every change), stored beside it.
    salt: str

    @property
    def created(self) -> bool:
        """Whether the write creates the node (else it merges into a stored one)."""
        return self.before is None


@dataclass(frozen=True, slots=True)
class WritePlan(Generic[R, S, K]):
    """What one write does (:func:`plan_write`): the nodes to insert and to update, the edges
    to insert, and, on demand, the lines of its log entry (:meth:`lines`).

    Example:
        >>> codec = NodeCodec(encode=str, record=str, stored_record=str)
        >>> plan_write({}, {}, [], codec).lines()
        ([], 0)
    """

    codec: NodeCodec[R, S]
    #: Every node the write creates or changes, in write order.
    nodes: list[NodeWrite[R, S]]
    #: The nodes to insert, in write order.
    created: list[NodeWrite[R, S]]
    #: The stored nodes to update (the write changed them), in write order.
    merged: list[NodeWrite[R, S]]
    #: The write's edges, as given: a store inserts each one, keeping one it already has.
    edges: Sequence[Edge]
    #: Keys of the write's edges already stored (``edge_key``); None: the caller vouches
    #: that none is and none repeats (see :meth:`with_stored_edges`).
    stored_edges: Collection[K] | None = None
    edge_key: Callable[[Edge], K] | None = None
    #: The stored nodes the write removes (ids), and the stored edges (keys ``(source, type,
    #: target)``), each logged as a ``D`` line (:func:`~provenance.store.chain.removal_line`).
    removed_nodes: Sequence[str] = ()
    removed_edges: Sequence[tuple[str, str, str]] = ()

    def node_lines(self) -> list[str]:
        """The log lines of the nodes (:func:`~provenance.store.chain.node_line`)."""
        codec = self.codec
        record, stored_record, stored_salt = codec.record, codec.stored_record, codec.stored_salt
        digest, line = element_digest, node_line
        if not self.merged:  # the common case, a hot loop: only created nodes
            return [line(node.id, digest(record(row), salt)) for node, row, _, salt in self.created]
        order = chain(self.created, self.merged) if codec.merges_last else self.nodes
        return [
            line(
                node.id,
                digest(record(row), salt),
                None if b is None else digest(stored_record(b.raw), stored_salt(b.raw)),
            )
            for node, row, b, salt in order
        ]

    def edge_lines(self) -> list[str]:
        """The log lines of the edges the write adds: all but the stored ones and repeats
        (:func:`~provenance.store.chain.new_edge_lines`)."""
        if self.stored_edges is None:
            return new_edge_lines(self.edges)
        return new_edge_lines(self.edges, self.stored_edges, self.edge_key)

    def lines(self) -> tuple[list[str], int]:
        """The log entry's body lines, and how many of them (the first) are node lines: the
        nodes written, the nodes removed, the edges added, the edges removed.

        Example:
            >>> codec = NodeCodec(encode=str, record=str, stored_record=str)
            >>> plan = plan_write({}, {}, [], codec, removed_nodes=["blake3:s"],
            ...                   removed_edges=[("blake3:t", "USED", "blake3:s")])
            >>> plan.lines()
            (['D blake3:s', 'D blake3:t USED blake3:s'], 1)
        """
        lines = self.node_lines()
        if self.removed_nodes:
            lines += [removal_line(i) for i in self.removed_nodes]
        n_nodes = len(lines)
        return lines + self.edge_lines() + self.removed_edge_lines(), n_nodes

    def removed_edge_lines(self) -> list[str]:
        """The log lines of the edges the write removes (last in the entry)."""
        return [removal_line(k) for k in self.removed_edges]

    def with_stored_edges(self, stored: Collection[K]) -> WritePlan[R, S, K]:
        """This plan with ``stored`` the keys of the edges stored before: for a store that
        planned with None (nothing stored, no repeats) and then saw an edge repeat.

        Example:
            >>> e = Edge(source="blake3:t", target="blake3:a", type="USED")
            >>> codec = NodeCodec(encode=str, record=str, stored_record=str)
            >>> plan = plan_write({}, {}, [e, e], codec, None, lambda x: x.key)
            >>> len(plan.edge_lines()), len(plan.with_stored_edges(set()).edge_lines())
            (2, 1)
        """
        return replace(self, stored_edges=stored)


def plan_write(
    nodes: Mapping[str, AnyNode],
    found: Mapping[str, Found[S]],
    edges: Sequence[Edge],
    codec: NodeCodec[R, S],
    stored_edges: Collection[K] | None = None,
    edge_key: Callable[[Edge], K] | None = None,
    *,
    replace: bool = False,
    replace_ids: Collection[str] = (),
    removed_nodes: Sequence[str] = (),
    removed_edges: Sequence[tuple[str, str, str]] = (),
) -> WritePlan[R, S, K]:
    """What writing ``nodes`` (by id, repeats merged: :func:`~.merge.merge_batch`) and
    ``edges`` does to a store where ``found`` are the stored ones among those nodes and
    ``stored_edges`` the keys (``edge_key``) of the stored ones among those edges.

    A node not found is created; a found one is merged into (:func:`~.merge.merge_node`), or
    with ``replace`` replaced by it whole, and left out when that changes nothing. A
    replacement keeps the node's type (else :class:`~provenance.errors.IntegrityError`).
    ``stored_edges`` None means that no edge of the write is stored and none repeats: every
    edge gets a log line. Each node written gets a new salt (:func:`~.chain.new_salts`).
    ``replace_ids``: the nodes with these ids replace the stored ones (as ``replace`` does
    for all). ``removed_nodes`` / ``removed_edges``: the stored nodes (ids) and edges (keys)
    the write deletes; the store has checked that each is stored, and the entry lists each as
    a ``D`` line. A write that removes nothing logs exactly what it logged before.

    Example:
        >>> from provenance.model import Artifact
        >>> codec = NodeCodec(encode=lambda n: n.model_dump_json(), record=str,
        ...                   stored_record=str)
        >>> a = Artifact(id="blake3:" + "a" * 64, name="raw", uri="file:///raw")
        >>> stored = {a.id: Found(a, a.model_dump_json())}
        >>> plan_write({a.id: a}, stored, [], codec).nodes  # nothing new
        []
        >>> cleared = a.model_copy(update={"uri": None})
        >>> [w.node.uri for w in plan_write({a.id: cleared}, stored, [], codec).merged]
        []
        >>> [w.node.uri for w in plan_write({a.id: cleared}, stored, [], codec,
        ...                                 replace=True).merged]
        [None]
    """
    encode, get = codec.encode, found.get
    pending: list[tuple[AnyNode, Found[S] | None]] = []
    for node_id, node in nodes.items():
        before = get(node_id)
        if before is not None:
            if replace or node_id in replace_ids:
                if node.node_type != before.node.node_type:
                    raise IntegrityError(
                        f"id {node_id} is a {before.node.node_type}; refusing to replace it "
                        f"with a {node.node_type}; nothing was written"
                    )
            else:
                node = merge_node(before.node, node)
            if node == before.node:
                continue
        pending.append((node, before))  # created: stored as written (merge_node(None, n) is n)
    writes: list[NodeWrite[R, S]] = []
    created: list[NodeWrite[R, S]] = []
    merged: list[NodeWrite[R, S]] = []
    new = tuple.__new__  # a NamedTuple without its Python-level constructor (hot loop)
    for (node, before), salt in zip(pending, new_salts(len(pending)), strict=True):
        w: NodeWrite[R, S] = new(NodeWrite, (node, encode(node), before, salt))
        (created if before is None else merged).append(w)
        writes.append(w)
    return WritePlan(
        codec,
        writes,
        created,
        merged,
        edges,
        stored_edges,
        edge_key,
        list(removed_nodes),
        list(removed_edges),
    )


def packed_entry(head: HeadRef | None, lines: list[str], n_nodes: int) -> tuple[LogEntry, bytes]:
    """The entry a write appends after ``head`` (its first ``n_nodes`` lines are nodes), and
    its body as the stores keep it (:func:`~provenance.store.chain.pack_body`).

    Example:
        >>> from provenance.store.chain import unpack_body
        >>> entry, body = packed_entry((4, "sha256:x"), ["N blake3:a d", "E a USED b null"], 1)
        >>> entry.seq, entry.nodes, entry.edges, unpack_body(body) == entry.body
        (5, 1, 1, True)
    """
    entry = next_entry(head, lines, nodes=n_nodes, edges=len(lines) - n_nodes)
    return entry, pack_body(entry.body)
