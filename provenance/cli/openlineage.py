"""CLI commands for OpenLineage: ``ingest`` (event files in) and ``columns`` (column lineage).

``provenance ingest FILE|DIR|-`` reads the OpenLineage client's ``FileTransport`` output (JSON
lines; a directory of such files; ``-`` for standard input), checks every event first (a bad
one is one line naming ``file:line``, and nothing is written), then writes them in
``eventTime`` order (stable for ties; :func:`~provenance.openlineage.ingest.time_order`) with a
progress bar on stderr and prints a one-line summary. ``provenance columns ID COLUMN`` answers
which source columns feed a column (``ID`` may be ``dataset:NAMESPACE:NAME``): one row per
source column, the field first, DIRECT or INDIRECT over every path (see
:mod:`provenance.openlineage.columns`).

Example:
    >>> import json, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> event = {"eventType": "COMPLETE", "eventTime": "2026-01-01T00:00:00Z",
    ...          "producer": "https://x.io/p", "schemaURL": "https://x.io/s#/RunEvent",
    ...          "run": {"runId": "0176a8c2-fe01-7439-87e6-56a1a1b4029f"},
    ...          "job": {"namespace": "airflow", "name": "etl.load"},
    ...          "outputs": [{"namespace": "s3://lake", "name": "orders"}]}
    >>> _ = (folder / "events.jsonl").write_text(json.dumps(event) + "\\n")
    >>> ingest_cmd(str(folder / "events.jsonl"), store=str(folder / "store"), as_json=True)
    {
      "events": 1,
      "runs": 1,
      "jobs": 0,
      "datasets": 1,
      "edges": 1
    }
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from provenance.cli.common import (
    argument,
    depth_option,
    emit,
    err_console,
    id_argument,
    json_option,
    opened_store,
    out_console,
    print_json,
    store_option,
)

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.measure import Measurement
    from rich.table import Table

    from provenance.openlineage.columns import ColumnLineage

__all__ = ["columns_cmd", "ingest_cmd"]


@argument(
    "source",
    metavar="FILE|DIR|-",
    help="OpenLineage events, one JSON object per line (the client's FileTransport "
    "output); a directory: every file in it, by name; -: standard input.",
)
@store_option
@json_option
def ingest_cmd(source: str, store: str | None = None, as_json: bool = False) -> None:
    """Load OpenLineage events into the store.

    RunEvents, DatasetEvents and JobEvents, as JSON lines (a file, a directory or -).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from provenance.openlineage.ingest import ingest_events, read_jsonl, time_order
    from provenance.store import open_store

    # every event checked before the store is touched; written in eventTime order
    events = time_order(read_jsonl(source))
    target = open_store(store, create=True)
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console(),
            disable=as_json,
            transient=True,
        ) as bar:
            task = bar.add_task("ingesting events", total=len(events))
            stats = ingest_events(
                target,
                events,
                progress=lambda done: bar.update(task, completed=done.events),
                validate=False,
            )
        where = target.uri
    finally:
        target.close()
    if as_json:
        print_json(stats.model_dump())
        return
    out_console(soft_wrap=True).print(
        f"ingested {stats.events} event{'s' * (stats.events != 1)}: {stats.runs} run(s), "
        f"{stats.jobs} job definition(s), {stats.datasets} dataset version(s), "
        f"{stats.edges} edge(s) into {where}",
        markup=False,
    )


#: Where a long name or namespace may break across lines (after the character).
_BREAK_AFTER = re.compile(r"(?<=[ /_.\-:@,])")
#: A cell never asks for more than this to hold its longest unbreakable piece.
_MIN_CELL = 14


class _Folded:
    """A table cell of lines, each broken after a space or ``/ _ . - : @ ,`` when too long
    for the column (anywhere only in a piece with no such character), never cut: long
    namespaces and dataset names fold onto further lines, whole."""

    def __init__(self, *lines: tuple[str, str]) -> None:
        self.lines = lines  # (text, style)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        from rich.measure import Measurement

        pieces = [p for text, _ in self.lines for p in _BREAK_AFTER.split(text)]
        widest = max((len(text) for text, _ in self.lines), default=1)
        least = min(max((len(p) for p in pieces), default=1), _MIN_CELL)
        return Measurement(least, max(widest, 1)).clamp(max_width=options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.text import Text

        width = max(options.max_width, 1)
        out = Text(no_wrap=True, overflow="fold")
        for text, style in self.lines:
            for line in _break(text, width):
                if out:
                    out.append("\n")
                out.append(line, style=style)
        yield out


def _break(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, broken after a space or a
    separator (a space that ends a line is dropped).

    Example:
        >>> _break("postgres://warehouse.example.com:5432", 16)
        ['postgres://', 'warehouse.', 'example.com:5432']
        >>> _break("total (JOIN, dataset-wide)", 12)
        ['total (JOIN,', 'dataset-', 'wide)']
        >>> _break("amount (JOIN, dataset-wide)", 21)
        ['amount (JOIN,', 'dataset-wide)']
        >>> _break("abcdefghij", 4)
        ['abcd', 'efgh', 'ij']
    """
    lines: list[str] = []
    line = ""
    for piece in _BREAK_AFTER.split(text):
        if line and len(line) + len(piece.rstrip(" ")) > width:
            lines.append(line.rstrip(" "))
            line = ""
        line += piece
        while len(line.rstrip(" ")) > width:
            lines.append(line[:width])
            line = line[width:]
    return [*lines, line.rstrip(" ")] if line or not lines else lines


def _steps(answer: ColumnLineage) -> dict[tuple[str | None, str, str, str], list[str]]:
    """Per source column: the columns it feeds one step on, with what that step does
    (``total (TRANSFORMATION)``; a column of another dataset than the asked one with its
    dataset's name), each once."""
    out: dict[tuple[str | None, str, str, str], list[str]] = {}
    root = answer.root
    for s in answer.sources:
        fed = s.feeds.field
        if s.feeds.dataset_id != root.dataset_id:
            fed = f"{s.feeds.name}.{fed}"
        kinds = [str(t.get("subtype") or t.get("type") or "") for t in s.transformations]
        if s.dataset_wide:
            kinds.append("dataset-wide")
        if not any(kinds) and s.transformation_type:
            kinds.append(s.transformation_type)
        named = [k for k in dict.fromkeys(kinds) if k]
        line = f"{fed} ({', '.join(named)})" if named else fed
        lines = out.setdefault((s.dataset_id, s.namespace, s.name, s.field), [])
        if line not in lines:
            lines.append(line)
    return out


def _render(answer: ColumnLineage) -> Table:
    """One row per source column: the field first (whole), its dataset (the name, the
    namespace and the short version id, each folded when long), DIRECT / INDIRECT for the
    asked column, the fewest steps, and the column(s) it feeds with what each step does."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from provenance.model import short_id

    root = answer.root
    title = f"column {root.field} of {root.name}"
    if root.dataset_id:
        title += f" ({short_id(root.dataset_id)})"
    table = Table(title=Text(title), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("source column")
    table.add_column("dataset, namespace, version")
    table.add_column("path", no_wrap=True)
    table.add_column("depth", no_wrap=True, justify="right")
    table.add_column("feeds (step)")
    steps = _steps(answer)
    for u in answer.upstream:  # Text and _Folded, not markup: names may hold "[" and "]"
        fed = steps.get((u.dataset_id, u.namespace, u.name, u.field), [])
        version = short_id(u.dataset_id) if u.dataset_id else "no version stored"
        table.add_row(
            _Folded((u.field, "bold")),
            _Folded((u.name, ""), (u.namespace, "dim"), (version, "dim")),
            Text(u.dependency),
            Text(str(u.depth)),
            _Folded(*((line, "") for line in fed)),
        )
    if answer.truncated:
        table.caption = "cut at --depth; more lineage upstream"
    elif not answer.upstream:
        table.caption = "no column lineage recorded for this column"
    return table


@id_argument
@argument("column", metavar="COLUMN", help="The column (field) name.")
@depth_option
@store_option
@json_option
def columns_cmd(
    node_id: str,
    column: str,
    depth: int | None = None,
    store: str | None = None,
    as_json: bool = False,
) -> None:
    """Which source columns feed a column of a dataset version.

    From OpenLineage column lineage. ID is an artifact id or prefix, or dataset:NAMESPACE:NAME
    (its newest version). One row per source column: DIRECT when some path from it to COLUMN
    is DIRECT at every step, else INDIRECT (join, filter or group-by keys on the way).
    """
    from provenance.openlineage.columns import column_lineage

    with opened_store(store) as reader:
        answer = column_lineage(reader.store, node_id, column, depth=depth)
    emit(answer, as_json, _render)
