"""Whole-graph export: JSON (a :class:`~provenance.model.LineageGraph`) and GraphML.

Example:
    >>> import tempfile
    >>> from provenance.store import open_store
    >>> store = open_store(tempfile.mkdtemp() + "/")
    >>> export_json(store).startswith('{"root":null')
    True
"""

from __future__ import annotations

import json
from typing import Any

import networkx as nx

from provenance.model import LineageGraph
from provenance.store.base import LineageStore


def full_graph(store: LineageStore) -> LineageGraph:
    """Every node and edge of a store as one graph (for export and small-store analysis)."""
    nodes = [n for batch in store.iter_nodes() for n in batch]
    edges = [e for batch in store.iter_edges() for e in batch]
    return LineageGraph(nodes=nodes, edges=edges)


def export_json(store: LineageStore) -> str:
    """The whole graph as LineageGraph JSON; ``LineageGraph.model_validate_json`` reads it back."""
    return full_graph(store).model_dump_json() + "\n"


def _scalar(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def export_graphml(store: LineageStore) -> str:
    """The whole graph as GraphML; nested fields are JSON strings, edges follow data flow."""
    g = full_graph(store).to_networkx()
    flat: nx.MultiDiGraph[str] = nx.MultiDiGraph()
    for n, attrs in g.nodes(data=True):
        flat.add_node(n, **{k: _scalar(v) for k, v in attrs.items()})
    for u, v, k, attrs in g.edges(keys=True, data=True):
        flat.add_edge(u, v, key=k, **{a: _scalar(b) for a, b in attrs.items()})
    return "\n".join(nx.generate_graphml(flat)) + "\n"
