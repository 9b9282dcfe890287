"""Copy a lineage graph from one store to another, idempotently.

Nodes go first, then edges, in batches; each batch is one transaction on the target, and
re-running a sync (or resuming one that stopped) writes nothing twice.

Example:
    >>> import tempfile
    >>> from provenance.store import open_store
    >>> src, dst = open_store(tempfile.mkdtemp() + "/"), open_store(tempfile.mkdtemp() + "/")
    >>> sync(src, dst).nodes
    0
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from provenance.store.base import LineageStore


@dataclass(frozen=True)
class SyncResult:
    """How many nodes and edges were copied."""

    nodes: int
    edges: int


def sync(
    source: LineageStore,
    target: LineageStore,
    *,
    batch_size: int = 2000,
    progress: Callable[[str, int], None] | None = None,
) -> SyncResult:
    """Copy every node and edge of ``source`` into ``target``.

    ``progress(phase, n)`` is called after each batch with ``"nodes"`` or ``"edges"`` and the
    batch's size.
    """
    n_nodes = n_edges = 0
    for nodes in source.iter_nodes(batch_size):
        target.write(nodes, [])
        n_nodes += len(nodes)
        if progress:
            progress("nodes", len(nodes))
    for edges in source.iter_edges(batch_size):
        target.write([], edges)
        n_edges += len(edges)
        if progress:
            progress("edges", len(edges))
    return SyncResult(nodes=n_nodes, edges=n_edges)
