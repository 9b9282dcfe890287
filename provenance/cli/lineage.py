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

__all__ = ["GraphFormat", "ancestry", "descendants", "show"]


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
    from provenance.render.graph import node_table

    with opened_store(store) as reader:
        node = reader.get(node_id)
    emit(node, as_json, node_table)
