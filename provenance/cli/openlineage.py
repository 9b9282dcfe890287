"""CLI commands for OpenLineage: ``ingest`` (event files in) and ``columns`` (column lineage).

``provenance ingest FILE|DIR|-`` reads the OpenLineage client's ``FileTransport`` output (JSON
lines; a directory of such files; ``-`` for standard input), checks every event first (a bad
one is one line naming ``file:line``, and nothing is written), then writes them with a
progress bar on stderr and prints a one-line summary. ``provenance columns ID COLUMN`` answers
which source columns feed a column (``ID`` may be ``dataset:NAMESPACE:NAME``).

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

    from provenance.openlineage.ingest import ingest_events, read_jsonl
    from provenance.store import open_store

    events = list(read_jsonl(source))  # every event checked before the store is touched
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


def _render(answer: ColumnLineage) -> Table:
    from rich.table import Table

    from provenance.model import short_id

    root = answer.root
    title = f"column {root.field} of {root.name}"
    if root.dataset_id:
        title += f" ({short_id(root.dataset_id)})"
    table = Table(title=title, title_justify="left")
    for header in ("depth", "source column", "version", "transformation", "feeds"):
        table.add_column(header)
    for s in answer.sources:
        steps = ", ".join(
            "/".join(str(t[k]) for k in ("type", "subtype") if t.get(k)) for t in s.transformations
        )
        if s.dataset_wide:
            steps = f"{steps} (whole dataset)".strip()
        table.add_row(
            str(s.depth),
            f"{s.namespace} {s.name}.{s.field}",
            short_id(s.dataset_id) if s.dataset_id else "-",
            steps or s.transformation_type or "",
            f"{s.feeds.name}.{s.feeds.field}",
        )
    if not answer.sources:
        table.caption = "no column lineage recorded for this column"
    elif answer.truncated:
        table.caption = "cut at --depth; more lineage upstream"
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
    (its newest version).
    """
    from provenance.openlineage.columns import column_lineage

    with opened_store(store) as reader:
        answer = column_lineage(reader.store, node_id, column, depth=depth)
    emit(answer, as_json, _render)
