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

Re-binding inputs by time (:func:`~provenance.openlineage.binding.rebind`) runs on the view
once the batch is mapped: the edges it removes (:meth:`PendingView.remove_edge`), the run
nodes it rewrites (:meth:`PendingView.replace`) and the stand-ins it drops
(:meth:`PendingView.drop_node`) are pending too, and the reads answer as the store will be
once they are written (:meth:`PendingView.write_to` writes everything in one write).

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
from bisect import bisect_right
from collections.abc import Iterable, Sequence

from provenance.model import Artifact, Edge, Transform
from provenance.store.base import (
    PRODUCED,
    USED,
    AnyNode,
    RebindingStore,
    version_order,
)
from provenance.store.merge import merge_node

__all__ = ["PendingView"]

EdgeKey = tuple[str, str, str]


class PendingView:
    """``store`` overlaid with nodes and edges not written yet (see the module docs)."""

    def __init__(self, store: RebindingStore) -> None:
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
        self._stored_versions: dict[str, list[tuple[str, _dt.datetime]]] = {}  # by uri
        self._sorted: dict[str, tuple[list[tuple[int, str]], list[tuple[str, _dt.datetime]]]] = {}
        self._merged: dict[str, AnyNode | None] = {}  # get(), cached until the id changes
        self._pending_sorted: dict[str, list[tuple[tuple[int, str], str]]] = {}  # by uri
        #: pending artifacts' created_at as they will be stored, with its version_order key
        self._times: dict[str, tuple[tuple[int, str], _dt.datetime] | None] = {}
        self._stored_to: dict[str, list[Edge]] = {}  # store.edges_to, cached
        #: Stored edges the write removes, by key; stored nodes it removes.
        self.removed_edges: dict[EdgeKey, Edge] = {}
        self.removed_nodes: set[str] = set()
        #: Ids of pending nodes that replace the stored ones whole (rewritten runs).
        self.replaced: set[str] = set()

    # --- filling ---------------------------------------------------------------------------
    def add(self, nodes: Iterable[AnyNode], edges: Iterable[Edge]) -> None:
        """Add one event's nodes and edges to what is pending."""
        for node in nodes:
            self.nodes[node.id] = merge_node(self.nodes.get(node.id), node)
            self.removed_nodes.discard(node.id)
            self._times.pop(node.id, None)
            self._merged.pop(node.id, None)
            if isinstance(node, Artifact) and node.uri:
                self._by_uri.setdefault(node.uri, set()).add(node.id)
                self._pending_sorted.pop(node.uri, None)
        for edge in edges:
            key = (edge.source, edge.type, edge.target)
            self.removed_edges.pop(key, None)
            if key not in self.edges:
                self.edges[key] = edge
                self._from.setdefault(edge.source, []).append(edge)

    def remove_edge(self, edge: Edge) -> None:
        """Remove ``edge`` (by key): from what is pending, and from the store."""
        key = (edge.source, edge.type, edge.target)
        if self.edges.pop(key, None) is not None:
            self._from[edge.source] = [e for e in self._from[edge.source] if e.key != key]
        self.removed_edges[key] = edge

    def replace(self, node: AnyNode) -> None:
        """Write ``node`` whole in place of the stored one (and of what is pending)."""
        self.nodes[node.id] = node
        self.replaced.add(node.id)
        self._merged.pop(node.id, None)

    def drop_node(self, node_id: str) -> None:
        """Remove a node (an artifact no edge joins): from what is pending, and from the
        store."""
        node = self.nodes.pop(node_id, None)
        self._times.pop(node_id, None)
        self._merged.pop(node_id, None)
        if isinstance(node, Artifact) and node.uri:
            self._by_uri.get(node.uri, set()).discard(node_id)
            self._pending_sorted.pop(node.uri, None)
        self.replaced.discard(node_id)
        self._load([node_id])
        if self._stored[node_id] is not None:
            self.removed_nodes.add(node_id)

    def write_to(self, store: RebindingStore) -> None:
        """Write what is pending, the removals and replacements included, in one write."""
        store.write(
            list(self.nodes.values()),
            list(self.edges.values()),
            replace_ids=sorted(self.replaced),
            remove_edges=list(self.removed_edges.values()),
            remove_nodes=sorted(self.removed_nodes),
        )

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
        if node_id in self.removed_nodes:
            return None
        if node_id in self._merged:
            return self._merged[node_id]
        pending = self.nodes.get(node_id)
        if node_id in self.replaced:
            return pending
        self._load([node_id])
        stored = self._stored[node_id]
        merged = stored if pending is None else merge_node(stored, pending)
        self._merged[node_id] = merged
        return merged

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
        return [out[k] for k in sorted(out) if k not in self.removed_edges]

    def stored_edges_to(self, artifact_ids: Sequence[str]) -> list[Edge]:
        """Every stored edge pointing at these artifacts (as the store held them before the
        batch; cached)."""
        missing = [i for i in dict.fromkeys(artifact_ids) if i not in self._stored_to]
        if missing:
            for i in missing:
                self._stored_to[i] = []
            for e in self.store.edges_to(missing):
                self._stored_to[e.target].append(e)
        return [e for i in dict.fromkeys(artifact_ids) for e in self._stored_to[i]]

    def edges_to(self, artifact_ids: Sequence[str]) -> list[Edge]:
        """Every edge pointing at these artifacts, stored or pending, less those removed;
        by (source, type, target)."""
        wanted = set(artifact_ids)
        out: dict[EdgeKey, Edge] = {e.key: e for e in self.stored_edges_to(artifact_ids)}
        out.update((k, e) for k, e in self.edges.items() if e.target in wanted)
        return [out[k] for k in sorted(out) if k not in self.removed_edges]

    def uri_versions(self, uri: str) -> list[tuple[str, _dt.datetime]]:
        """``(id, created_at)`` of every artifact with this uri, stored or pending, as they
        will be stored (a pending record may date a stored version earlier)."""
        out = {vid: when for vid, when in self._stored_of(uri) if vid not in self.removed_nodes}
        for vid in self._by_uri.get(uri, ()):
            node = self.get(vid)
            if isinstance(node, Artifact):
                out[vid] = _utc(node.created_at)
        return list(out.items())

    def newest_versions(
        self, uri: str, at: _dt.datetime, limit: int
    ) -> list[tuple[str, _dt.datetime]]:
        """The ``limit`` newest versions of ``uri`` at or before ``at``, newest first, as
        they will be stored: a bisection of the stored versions (read and sorted once per
        batch) merged with the pending ones."""
        sorted_ = self._sorted.get(uri)
        if sorted_ is None:
            items = sorted(self._stored_of(uri), key=version_order)
            sorted_ = self._sorted[uri] = ([version_order(v) for v in items], items)
        keys, items = sorted_
        pending = self._by_uri.get(uri, set())
        bound = version_order(("", at))[0]
        found: list[tuple[tuple[int, str], tuple[str, _dt.datetime]]] = []
        i = bisect_right(keys, (bound, "\uffff"))
        while i > 0 and len(found) < limit:
            i -= 1
            vid = items[i][0]
            if vid not in pending and vid not in self.removed_nodes:
                found.append((keys[i], items[i]))
        ranked = self._pending_sorted.get(uri)
        if ranked is None:
            timed = [(t, vid) for vid in pending if (t := self._time(vid)) is not None]
            ranked = self._pending_sorted[uri] = sorted((t[0], vid) for t, vid in timed)
        j = bisect_right(ranked, ((bound, "\uffff"), ""))
        for key, vid in ranked[max(0, j - limit) : j]:
            timed_ = self._time(vid)
            if timed_ is not None:
                found.append((key, (vid, timed_[1])))
        found.sort(reverse=True)
        return [version for _, version in found[:limit]]

    def _time(self, artifact_id: str) -> tuple[tuple[int, str], _dt.datetime] | None:
        """A pending artifact's ``created_at`` as it will be stored, with its
        :func:`~provenance.store.base.version_order` key (cached until it changes)."""
        if artifact_id not in self._times:
            node = self.get(artifact_id)
            if isinstance(node, Artifact):
                when = _utc(node.created_at)
                self._times[artifact_id] = (version_order((artifact_id, when)), when)
            else:
                self._times[artifact_id] = None
        return self._times[artifact_id]

    def _stored_of(self, uri: str) -> list[tuple[str, _dt.datetime]]:
        stored = self._stored_versions.get(uri)
        if stored is None:
            stored = self._stored_versions[uri] = self.store.uri_versions(uri)
        return stored

    def pending_uris(self) -> dict[str, dict[str, _dt.datetime]]:
        """The pending artifacts that are new to the store or dated earlier than stored, by
        uri, with their time: the versions whose arrival may re-bind stored runs' inputs."""
        out: dict[str, dict[str, _dt.datetime]] = {}
        for uri, ids in self._by_uri.items():
            self._load(sorted(ids))
            for vid in ids:
                node, stored = self.get(vid), self._stored[vid]
                if not isinstance(node, Artifact):
                    continue
                when = _utc(node.created_at)
                if not isinstance(stored, Artifact) or when < _utc(stored.created_at):
                    out.setdefault(uri, {})[vid] = when
        return out

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
