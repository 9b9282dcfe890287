"""The store as it will be once a batch of mapped events is written: for batched ingest.

:func:`~provenance.openlineage.mapping.map_event` reads the store (does this run exist,
which versions did it bind, which is the newest version of a dataset). Ingesting a batch
with one ``store.write`` means mapping each event against the store *plus* the events
mapped before it in the batch: :class:`PendingView` is that view. It answers the reads the
mapping makes (:class:`~provenance.openlineage.mapping.StoreReads`) from the store, read
once per batch and cached, overlaid with the pending nodes (merged in order, as
:func:`~provenance.store.merge.merge_batch` will merge them) and edges. The answers are the
ones the store would give had every earlier event of the batch been written alone, so a
batch writes exactly what one write per event writes (the tests compare the two graphs).

The cache assumes the store does not change under the batch except through it:
:mod:`provenance.openlineage.ingest` holds its write lock from the first read to the write.

Example:
    >>> import tempfile
    >>> from provenance.store import SQLiteStore
    >>> from provenance.model import Artifact
    >>> store = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
    >>> view = PendingView(store)
    >>> a = Artifact(id="blake3:" + "a" * 64, name="x", uri="file:///x")
    >>> view.add([a], [])
    >>> [n.id == a.id for n in view.find_artifacts(uri="file:///x")], store.get(a.id)
    ([True], None)
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence

from provenance.model import Artifact, Edge, Transform
from provenance.store.base import PRODUCED, USED, AnyNode, LineageStore
from provenance.store.merge import merge_node

__all__ = ["PendingView"]

EdgeKey = tuple[str, str, str]


class PendingView:
    """``store`` overlaid with nodes and edges not written yet (see the module docs)."""

    def __init__(self, store: LineageStore) -> None:
        self.store = store
        #: Pending nodes by id, each id's repeats merged in the order they were added.
        self.nodes: dict[str, AnyNode] = {}
        #: Pending edges by key (source, type, target), first one kept.
        self.edges: dict[EdgeKey, Edge] = {}
        self._from: dict[str, list[Edge]] = {}  # pending edges by source
        self._by_uri: dict[str, set[str]] = {}  # pending artifact ids by uri
        self._stored: dict[str, AnyNode | None] = {}  # store.get, cached (None: absent)
        self._stored_edges: dict[str, list[Edge]] = {}  # store.transform_edges, cached
        self._stored_uri: dict[str, tuple[int | None, list[Artifact]]] = {}  # limit, newest

    # --- filling ---------------------------------------------------------------------------
    def add(self, nodes: Iterable[AnyNode], edges: Iterable[Edge]) -> None:
        """Add one event's nodes and edges to what is pending."""
        for node in nodes:
            self.nodes[node.id] = merge_node(self.nodes.get(node.id), node)
            if isinstance(node, Artifact) and node.uri:
                self._by_uri.setdefault(node.uri, set()).add(node.id)
        for edge in edges:
            key = (edge.source, edge.type, edge.target)
            if key not in self.edges:
                self.edges[key] = edge
                self._from.setdefault(edge.source, []).append(edge)

    def prefetch_runs(self, transform_ids: Sequence[str]) -> None:
        """Read these transforms, their edges and the datasets those edges reach, in three
        store reads, for the whole batch (what :func:`~provenance.openlineage.mapping.map_event`
        asks about each run)."""
        found = self._load(transform_ids)
        runs = [i for i in found if isinstance(self._stored.get(i), Transform)]
        self._load_edges(runs)
        self._load(
            [e.target for i in runs for e in self._stored_edges[i] if e.type in (USED, PRODUCED)]
        )

    def _load(self, node_ids: Sequence[str]) -> list[str]:
        """Cache the store's nodes with these ids; the ids now known to be stored."""
        missing = [i for i in dict.fromkeys(node_ids) if i not in self._stored]
        if missing:
            got = {n.id: n for n in self.store.get_many(missing)}
            for i in missing:
                self._stored[i] = got.get(i)
        return [i for i in dict.fromkeys(node_ids) if self._stored[i] is not None]

    def _load_edges(self, transform_ids: Sequence[str]) -> None:
        missing = [i for i in dict.fromkeys(transform_ids) if i not in self._stored_edges]
        if missing:
            for i in missing:
                self._stored_edges[i] = []
            for e in self.store.transform_edges(missing):
                self._stored_edges[e.source].append(e)

    # --- the reads of StoreReads -----------------------------------------------------------
    def get(self, node_id: str) -> AnyNode | None:
        """The node as it will be stored: the stored one merged with what is pending."""
        self._load([node_id])
        stored, pending = self._stored[node_id], self.nodes.get(node_id)
        return stored if pending is None else merge_node(stored, pending)

    def get_many(self, node_ids: Sequence[str]) -> list[AnyNode]:
        """The nodes with these ids (missing ones left out), in the order given."""
        self._load(node_ids)
        return [n for n in (self.get(i) for i in node_ids) if n is not None]

    def transform_edges(self, transform_ids: Sequence[str]) -> list[Edge]:
        """Every edge starting at these transforms, stored or pending, by (source, type,
        target)."""
        known = self._load(transform_ids)
        self._load_edges(known)
        out: dict[EdgeKey, Edge] = {}
        for i in dict.fromkeys(transform_ids):
            for e in [*self._stored_edges.get(i, []), *self._from.get(i, [])]:
                out.setdefault((e.source, e.type, e.target), e)
        return [out[k] for k in sorted(out)]

    def find_artifacts(
        self,
        *,
        name: str | None = None,
        kind: str | None = None,
        uri: str | None = None,
        limit: int | None = None,
    ) -> list[Artifact]:
        """Artifacts with this ``uri``, stored or pending, newest first (by ``created_at``,
        then id, as the stores order them), at most ``limit``. Only ``uri`` lookups are
        answered: they are the ones the mapping makes."""
        if uri is None or name is not None or kind is not None:
            raise TypeError("PendingView.find_artifacts looks artifacts up by uri only")
        cached = self._stored_uri.get(uri)
        if cached is None or not _covers(cached, limit):
            cached = (limit, self.store.find_artifacts(uri=uri, limit=limit))
            self._stored_uri[uri] = cached
            for a in cached[1]:
                self._stored.setdefault(a.id, a)
        ids = [a.id for a in cached[1]] + sorted(self._by_uri.get(uri, set()))
        found = [a for a in self.get_many(list(dict.fromkeys(ids))) if isinstance(a, Artifact)]
        found.sort(key=lambda a: a.id)
        found.sort(key=lambda a: _utc(a.created_at), reverse=True)  # stable: ties by id
        return found if limit is None else found[:limit]


def _utc(when: _dt.datetime) -> _dt.datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=_dt.UTC)


def _covers(cached: tuple[int | None, list[Artifact]], limit: int | None) -> bool:
    """Whether a cached newest-first read with its limit answers a read with ``limit``."""
    had, rows = cached
    return had is None or (limit is not None and limit <= had) or len(rows) < had
