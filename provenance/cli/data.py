"""CLI commands that move or digest data: ``export``, ``hash``, ``sync``.

Example:
    >>> import tempfile
    >>> from provenance.store import open_store
    >>> folder = tempfile.mkdtemp()
    >>> open_store(folder, create=True).close()  # an empty store
    >>> export(ExportFormat.json, store=folder)
    {"root":null,"nodes":[],"edges":[],"truncated":false}
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path

from provenance.cli.common import (
    argument,
    err_console,
    json_option,
    opened_store,
    option,
    out_console,
    print_json,
    store_option,
)
from provenance.errors import ProvenanceError

__all__ = ["ExportFormat", "export", "hash_cmd", "sync_cmd"]


class ExportFormat(StrEnum):
    """Formats ``provenance export`` writes."""

    json = "json"
    graphml = "graphml"
    openlineage = "openlineage"
    prov_json = "prov-json"
    prov_n = "prov-n"
    prov_o = "prov-o"


@option(
    "--format", "-f", "fmt", choices=ExportFormat, default=ExportFormat.json, help="Output format."
)
@option("--out", "-o", "out", type=Path, help="File to write (default: stdout).")
@store_option
@option(
    "--namespace",
    "namespace",
    default="provenance",
    help="OpenLineage job namespace of recorded runs.",
)
def export(
    fmt: ExportFormat = ExportFormat.json,
    out: Path | None = None,
    store: str | None = None,
    namespace: str = "provenance",
) -> None:
    """Write the graph as JSON, GraphML, OpenLineage or W3C PROV.

    JSON (a LineageGraph), GraphML (for Gephi, yEd, networkx), OpenLineage RunEvents (JSON
    lines, as the client's file transport writes them) or W3C PROV (PROV-JSON, PROV-N,
    PROV-O Turtle).
    """
    from provenance.export import export_graphml, export_json
    from provenance.export_prov import export_prov

    if fmt is ExportFormat.openlineage:
        _export_openlineage(store, out, namespace)
        return
    with opened_store(store) as reader:
        if fmt is ExportFormat.json:
            text = export_json(reader.store)
        elif fmt is ExportFormat.graphml:
            text = export_graphml(reader.store)
        else:
            text = export_prov(reader.store, fmt.value)  # type: ignore[arg-type]
    if out is None:
        sys.stdout.write(text)
    else:
        try:
            out.write_text(text)
        except OSError as exc:
            raise ProvenanceError(f"cannot write {out}: {exc.strerror or exc}") from exc
        err_console().print(f"wrote {out}")


def _export_openlineage(store: str | None, out: Path | None, namespace: str) -> None:
    """Stream every run's OpenLineage events as JSON lines, a progress bar on stderr."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from provenance.openlineage.export import to_jsonl

    console = err_console()
    with (
        opened_store(store) as reader,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as bar,
    ):
        task = bar.add_task("runs", total=None)
        lines = to_jsonl(
            reader.store,
            namespace=namespace,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
        if out is None:
            try:
                sys.stdout.writelines(lines)
                sys.stdout.flush()
            except BrokenPipeError:  # the reader stopped early (`| head`): not an error
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return
        try:
            with out.open("w") as f:
                f.writelines(lines)
        except OSError as exc:
            raise ProvenanceError(f"cannot write {out}: {exc.strerror or exc}") from exc
    console.print(f"wrote {out}")


@argument("path", type=Path, help="File or directory to digest.")
@option("--algo", "algo", default="blake3", help="blake3 or sha256.")
@json_option
def hash_cmd(path: Path, algo: str = "blake3", as_json: bool = False) -> None:
    """Content digest of a file or directory.

    A directory's is a Merkle digest, with a per-file manifest.
    """
    from provenance.hashing import digest_path_with_progress

    info = digest_path_with_progress(path, algo=algo, console=err_console())
    if as_json:
        print_json(info.model_dump(mode="json"))
    else:
        out_console().print(f"{info.digest}  {path}")


@option("--from", "from_uri", required=True, help="Store to copy from.")
@option("--to", "to_uri", required=True, help="Store to copy into (created if embedded).")
@option("--batch-size", "batch_size", type=int, min=1, default=2000)
@json_option
def sync_cmd(from_uri: str, to_uri: str, batch_size: int = 2000, as_json: bool = False) -> None:
    """Copy a lineage graph between two stores; safe to re-run."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from provenance.model import NODE_TYPES
    from provenance.store import open_store
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
