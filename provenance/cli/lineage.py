"""CLI commands that walk the graph: ``ancestry``, ``descendants``, ``show``.

Example:
    >>> import tempfile
    >>> from provenance.model import Artifact
    >>> from provenance.store import SQLiteStore
    >>> with SQLiteStore(tempfile.mkdtemp() + "/l.sqlite") as s:
    ...     s.write([Artifact(id="blake3:" + "a" * 64, name="raw")], [])
    >>> ancestry("aaaa", store=s.uri, fmt=GraphFormat.mermaid)  # doctest: +ELLIPSIS
    flowchart LR
      n0["raw<br/><small>dataset aaaaaaaaaa</small>"]:::root
    ...
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Literal

from provenance.cli.common import (
    depth_option,
    emit,
    id_argument,
    json_option,
    limit_option,
    opened_store,
    option,
    out_console,
    print_json,
    store_option,
)
from provenance.errors import ProvenanceError

__all__ = ["DEFAULT_LIST_LIMIT", "GraphFormat", "ancestry", "descendants", "list_cmd", "show"]

#: How many nodes ``provenance list`` shows without ``--limit`` or ``--all``.
DEFAULT_LIST_LIMIT = 20


class GraphFormat(StrEnum):
    """Formats ``provenance ancestry`` and ``provenance descendants`` print."""

    table = "table"
    json = "json"
    tree = "tree"
    mermaid = "mermaid"


#: ``--format``, shared by ``ancestry`` and ``descendants``.
format_option = option(
    "--format",
    "-f",
    "fmt",
    choices=GraphFormat,
    help="table, json, tree or mermaid (default: the tree; for ancestry, then the "
    "tables); --json is --format json.",
)


def _walk(
    store: str | None,
    node_id: str,
    direction: Literal["up", "down"],
    depth: int | None,
    limit: int | None,
    fmt: GraphFormat | None,
) -> None:
    """Walk from ``node_id`` and print the graph in ``fmt``: ``None`` is the tree, then (going
    up, when there are transforms) the audit tables."""
    with opened_store(store) as reader:
        graph = (
            reader.ancestry(node_id, depth, limit)
            if direction == "up"
            else reader.descendants(node_id, depth, limit)
        )
    if fmt is GraphFormat.json:
        print_json(graph.model_dump(mode="json"))
        return
    if fmt is GraphFormat.mermaid:
        from provenance.render.diagram import to_mermaid

        sys.stdout.write(to_mermaid(graph) + "\n")
        return
    from provenance.render.graph import audit_tables, lineage_tree

    console = out_console()
    title = "Ancestry" if direction == "up" else "Descendants"
    console.print(
        f"[bold]{title} of[/] {graph.root}  "
        f"[dim]{len(graph.nodes)} nodes, {len(graph.edges)} edges[/]"
    )
    if fmt is not GraphFormat.table:
        console.print(lineage_tree(graph, direction))
    if fmt is GraphFormat.table or (fmt is None and direction == "up" and graph.transforms):
        console.print(audit_tables(graph))


@id_argument
@store_option
@depth_option
@limit_option
@json_option
@format_option
def ancestry(
    node_id: str,
    store: str | None = None,
    depth: int | None = None,
    limit: int | None = None,
    as_json: bool = False,
    fmt: GraphFormat | None = None,
) -> None:
    """Everything a node came from: data, code, seeds, models.

    Sources, transforms, code versions, seeds, environments, models and hyperparameters.
    """
    _walk(store, node_id, "up", depth, limit, GraphFormat.json if as_json else fmt)


@id_argument
@store_option
@depth_option
@limit_option
@json_option
@format_option
def descendants(
    node_id: str,
    store: str | None = None,
    depth: int | None = None,
    limit: int | None = None,
    as_json: bool = False,
    fmt: GraphFormat | None = None,
) -> None:
    """Everything derived from a node.

    The transforms that used it and all they produced, transitively.
    """
    _walk(store, node_id, "down", depth, limit, GraphFormat.json if as_json else fmt)


@id_argument
@store_option
@json_option
def show(node_id: str, store: str | None = None, as_json: bool = False) -> None:
    """Every recorded field of one node."""
    from provenance.render.graph import render_node

    with opened_store(store) as reader:
        node = reader.get(node_id)
    emit(node, as_json, render_node)


@option(
    "--kind",
    "-k",
    "kind",
    help="A node type (Artifact, Model, Transform, CodeVersion; Artifact includes models) "
    "or an artifact kind (dataset, model, predictions, ...).",
)
@option(
    "--name",
    "-n",
    "name",
    help="Names holding this text, or matching it as a glob (* and ?); case-sensitive.",
)
@option("--operation", "operation", help="Transforms of this operation (exact).")
@option(
    "--limit",
    "limit",
    type=int,
    min=1,
    help=f"At most this many, the most recent (default: {DEFAULT_LIST_LIMIT}).",
)
@option("--all", "show_all", is_flag=True, help="Every node that matches, not only the recent.")
@store_option
@json_option
def list_cmd(
    kind: str | None = None,
    name: str | None = None,
    operation: str | None = None,
    limit: int | None = None,
    show_all: bool = False,
    store: str | None = None,
    as_json: bool = False,
) -> None:
    """Recorded nodes, newest first: the 20 most recent, or filtered.

    Artifacts and code versions by when they were recorded, transforms by when they started;
    each with its type (an artifact's kind), name (a transform's operation) and short id.
    --json gives each node's id, type, name, kind, operation, uri and time (show ID for
    every field), and whether the list was cut by the limit.
    """
    from provenance.analysis.refs import ref
    from provenance.store.base import NODE_TYPES_LISTED

    if show_all and limit is not None:
        raise ProvenanceError("give --all or --limit N, not both")
    cap = None if show_all else (limit or DEFAULT_LIST_LIMIT)
    node_type = kind if kind in NODE_TYPES_LISTED else None
    with opened_store(store) as reader:
        found = reader.store.recent_nodes(
            node_type=node_type,
            kind=None if node_type is not None else kind,
            name=name,
            operation=operation,
            limit=None if cap is None else cap + 1,  # one more: was the list cut?
        )
    truncated = cap is not None and len(found) > cap
    refs = [ref(n) for n in found[:cap]]
    if as_json:
        print_json({"nodes": [r.model_dump(mode="json") for r in refs], "truncated": truncated})
        return
    from provenance.render.listing import render_node_list

    more = f"the {cap} most recent shown; --limit N or --all for more" if truncated else None
    out_console().print(render_node_list(refs, more=more))
