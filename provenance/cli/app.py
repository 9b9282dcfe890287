"""The typer application and the commands that read the graph.

Example:
    >>> from typer.testing import CliRunner
    >>> CliRunner().invoke(app, ["ancestry", "--help"]).exit_code
    0
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console, RenderableType

from provenance.errors import ProvenanceError
from provenance.model import NODE_TYPES, LineageGraph
from provenance.render import audit_tables, lineage_tree, node_table
from provenance.store import open_store
from provenance.tracker import Tracker

# Typer re-raises click's exceptions (recent Typer vendors click); take the classes from
# Typer's public ones so this works with either.
_CLICK_ERROR: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)

app = typer.Typer(
    name="provenance",
    help="Data lineage for AI systems: record, query and audit where data and models came from.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

StoreOpt = Annotated[
    str | None,
    typer.Option(
        "--store",
        "-s",
        help="Store URI or path (default: $PROVENANCE_STORE or ./.provenance/).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
DepthOpt = Annotated[
    int | None, typer.Option("--depth", "-d", min=0, help="Transforms to walk (default: all).")
]
LimitOpt = Annotated[
    int | None, typer.Option("--limit", min=1, help="At most this many nodes; says when truncated.")
]


def out_console() -> Console:
    """Console for results (stdout)."""
    return Console(highlight=False, soft_wrap=False)


def err_console() -> Console:
    """Console for progress and messages (stderr)."""
    return Console(stderr=True, highlight=False)


def print_json(data: Any) -> None:
    """Write ``data`` as indented JSON to stdout."""
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def emit(result: BaseModel, as_json: bool, render: Callable[[Any], RenderableType]) -> None:
    """Print a command's result: its JSON with ``--json``, else its rich rendering.

    Example:
        >>> from provenance.model import Cost
        >>> emit(Cost(amount=2.5), True, str)
        {
          "amount": 2.5,
          "currency": "USD",
          "resource": null,
          "duration_s": null,
          "team": null,
          "experiment": null
        }
    """
    if as_json:
        print_json(result.model_dump(mode="json"))
    else:
        out_console().print(render(result))


@contextmanager
def opened_tracker(store: str | None) -> Iterator[Tracker]:
    """A tracker over an existing store, opened without creating or changing anything."""
    tracker = Tracker(open_store(store, create=False))
    try:
        yield tracker
    finally:
        tracker.close()


def _graph_command(
    store: str | None,
    node_id: str,
    direction: str,
    depth: int | None,
    limit: int | None,
    as_json: bool,
) -> None:
    with opened_tracker(store) as tracker:
        graph: LineageGraph = (
            tracker.ancestry(node_id, depth, limit)
            if direction == "up"
            else tracker.descendants(node_id, depth, limit)
        )
    if as_json:
        print_json(graph.model_dump(mode="json"))
        return
    console = out_console()
    title = "Ancestry" if direction == "up" else "Descendants"
    console.print(
        f"[bold]{title} of[/] {graph.root}  "
        f"[dim]{len(graph.nodes)} nodes, {len(graph.edges)} edges[/]"
    )
    console.print(lineage_tree(graph, "up" if direction == "up" else "down"))
    if direction == "up" and graph.transforms:
        console.print(audit_tables(graph))


class AncestryFormat(StrEnum):
    """Formats ``provenance ancestry`` prints."""

    table = "table"
    json = "json"
    tree = "tree"
    mermaid = "mermaid"


@app.command()
def ancestry(
    node_id: Annotated[str, typer.Argument(metavar="ID", help="Node id or unique prefix.")],
    store: StoreOpt = None,
    depth: DepthOpt = None,
    limit: LimitOpt = None,
    as_json: JsonOpt = False,
    fmt: Annotated[
        AncestryFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="table, json, tree or mermaid (default: tree and "
            "tables); --json is --format json.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Everything a node came from: sources, transforms, code versions, seeds, models."""
    if as_json or fmt is None or fmt is AncestryFormat.json:
        _graph_command(store, node_id, "up", depth, limit, as_json or fmt is AncestryFormat.json)
        return
    with opened_tracker(store) as tracker:
        graph = tracker.ancestry(node_id, depth, limit)
    if fmt is AncestryFormat.mermaid:
        from provenance.analysis.diagram import to_mermaid

        sys.stdout.write(to_mermaid(graph) + "\n")
        return
    console = out_console()
    console.print(
        f"[bold]Ancestry of[/] {graph.root}  "
        f"[dim]{len(graph.nodes)} nodes, {len(graph.edges)} edges[/]"
    )
    console.print(lineage_tree(graph, "up") if fmt is AncestryFormat.tree else audit_tables(graph))


@app.command()
def descendants(
    node_id: Annotated[str, typer.Argument(metavar="ID", help="Node id or unique prefix.")],
    store: StoreOpt = None,
    depth: DepthOpt = None,
    limit: LimitOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Everything derived from a node: the transforms that used it and all they produced."""
    _graph_command(store, node_id, "down", depth, limit, as_json)


@app.command()
def show(
    node_id: Annotated[str, typer.Argument(metavar="ID", help="Node id or unique prefix.")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Every recorded field of one node."""
    with opened_tracker(store) as tracker:
        node = tracker.get(node_id)
    emit(node, as_json, node_table)


class ExportFormat(StrEnum):
    """Formats ``provenance export`` writes."""

    json = "json"
    graphml = "graphml"


@app.command()
def export(
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ExportFormat.json,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="File to write (default: stdout).")
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Write the whole graph as JSON (a LineageGraph) or GraphML (for Gephi, yEd, networkx)."""
    from provenance.export import export_graphml, export_json

    with opened_tracker(store) as tracker:
        text = (
            export_json(tracker.store)
            if fmt is ExportFormat.json
            else export_graphml(tracker.store)
        )
    if out is None:
        sys.stdout.write(text)
    else:
        try:
            out.write_text(text)
        except OSError as exc:
            raise ProvenanceError(f"cannot write {out}: {exc.strerror or exc}") from exc
        err_console().print(f"wrote {out}")


@app.command("hash")
def hash_cmd(
    path: Annotated[Path, typer.Argument(help="File or directory to digest.")],
    algo: Annotated[str, typer.Option("--algo", help="blake3 or sha256.")] = "blake3",
    as_json: JsonOpt = False,
) -> None:
    """Content digest of a file or directory (Merkle digest, with a per-file manifest)."""
    from provenance.hashing import digest_path_with_progress

    info = digest_path_with_progress(path, algo=algo, console=err_console())
    if as_json:
        print_json(info.model_dump(mode="json"))
    else:
        out_console().print(f"{info.digest}  {path}")


@app.command("sync")
def sync_cmd(
    from_uri: Annotated[str, typer.Option("--from", help="Store to copy from.")],
    to_uri: Annotated[str, typer.Option("--to", help="Store to copy into (created if embedded).")],
    batch_size: Annotated[int, typer.Option("--batch-size", min=1)] = 2000,
    as_json: JsonOpt = False,
) -> None:
    """Copy a whole lineage graph between any two stores; safe to re-run."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from provenance.sync import sync

    source = open_store(from_uri, create=False)
    try:
        target = open_store(to_uri, create=True)
        try:
            counts = source.counts()
            n_nodes = sum(v for k, v in counts.items() if k in NODE_TYPES)
            n_edges = sum(v for k, v in counts.items() if k not in NODE_TYPES)
            with Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err_console(),
                disable=as_json,
            ) as bar:
                tasks = {
                    "nodes": bar.add_task("nodes", total=n_nodes),
                    "edges": bar.add_task("edges", total=n_edges),
                }
                result = sync(
                    source,
                    target,
                    batch_size=batch_size,
                    progress=lambda phase, n: bar.advance(tasks[phase], n),
                )
        finally:
            target.close()
    finally:
        source.close()
    if as_json:
        print_json({"nodes": result.nodes, "edges": result.edges})
    else:
        out_console().print(f"copied {result.nodes} nodes and {result.edges} edges")


def _register() -> None:
    # Sub-commands that live in their own modules.
    from provenance.cli import demo_cmd, repro_cmds  # noqa: F401

    app.command("demo")(demo_cmd.demo)
    from provenance.cli import lineage_cmds  # noqa: F401

    try:
        from provenance.cli.neo4j_cmd import neo4j_app
    except ImportError:  # pragma: no cover - module always shipped
        return
    app.add_typer(neo4j_app, name="neo4j", help="Run a local Neo4j server (no Docker needed).")


_register()


def one_line(message: str) -> str:
    r"""A message folded onto one line (driver errors span several).

    Example:
        >>> one_line("cannot connect:\n  refused\n")
        'cannot connect: refused'
    """
    return " ".join(part.strip() for part in message.splitlines() if part.strip())


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``provenance`` console script; returns the exit code."""
    debug = os.environ.get("PROVENANCE_DEBUG") == "1"
    err = err_console()
    try:
        result = app(args=argv, standalone_mode=False)
        return int(result) if isinstance(result, int) else 0
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        err.print("aborted", markup=False)
        return 130
    except _CLICK_ERROR as exc:
        err.print(f"error: {exc.format_message()}", markup=False, soft_wrap=True)  # type: ignore[attr-defined]
        return 2
    except ProvenanceError as exc:
        if debug:
            raise
        err.print(f"error: {one_line(str(exc))}", markup=False, soft_wrap=True)
        return 1
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        return 130
    except Exception as exc:
        if debug:
            raise
        err.print(
            f"internal error: {type(exc).__name__}: {one_line(str(exc))} "
            "(PROVENANCE_DEBUG=1 shows the traceback)",
            markup=False,
            soft_wrap=True,
        )
        return 3


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
