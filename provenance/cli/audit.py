"""CLI commands an auditor runs: ``audit``, ``impact``, ``erase``, ``loops``.

Each command takes ids or unique prefixes, ``--store`` and ``--json`` (the report as JSON,
the same pydantic model the library returns); without ``--json`` a rich rendering.

Example:
    >>> import tempfile
    >>> from provenance.store import SQLiteStore
    >>> store = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
    >>> store.close()
    >>> loops_cmd(store=store.uri)  # doctest: +ELLIPSIS
    Feedback loops (0 models, 0 dataset versions checked)
    ...
    │ —  ...no feedback loops found...
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from provenance.cli.common import (
    IdArg,
    JsonOpt,
    StoreOpt,
    emit,
    err_console,
    opened_store,
    out_console,
    print_json,
)
from provenance.errors import AnalysisError

__all__ = ["audit_cmd", "erase_cmd", "impact_cmd", "loops_cmd"]


def audit_cmd(
    node_id: IdArg,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Write a self-contained HTML report here (readable offline)."
        ),
    ] = None,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick", help="Verdict from recorded seed states only (skip re-reading sources)."
        ),
    ] = False,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Everything behind a model: licences, PII and a verdict.

    Sources with digests, licences and PII flags; transforms in execution order with code
    versions, seeds, environments and hyperparameters; the reproducibility verdict.
    """
    from provenance.analysis.audit import audit
    from provenance.render.audit import render_audit
    from provenance.render.report_html import write_audit_html

    with opened_store(store) as reader:
        report = audit(reader.store, reader.resolve(node_id), check_reproducibility=not quick)
    if out is not None:
        write_audit_html(report, out)
        err_console().print(f"wrote {out}")
    if as_json:
        print_json(report.model_dump(mode="json"))
    elif out is None:
        out_console().print(render_audit(report))


def impact_cmd(
    node_ids: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="ID...", help="Source artifact ids or unique prefixes.", show_default=False
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option("--name", help="Every version of the source with this logical name."),
    ] = None,
    uri: Annotated[str | None, typer.Option("--uri", help="The source(s) at this uri.")] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What deleting a source touches, as a plan.

    Must-delete, must-retrain and affected predictions: a plan in topological recompute order,
    with recorded costs and the other inputs each recompute needs. It deletes nothing.
    """
    from provenance.analysis.impact import impact, impact_sources
    from provenance.render.impact import render_impact

    with opened_store(store) as reader:
        ids = [reader.resolve(i) for i in node_ids or []]
        if name is not None or uri is not None:
            ids += impact_sources(reader.store, name=name, uri=uri)
        if not ids:
            raise AnalysisError("give source ids, --name or --uri")
        plan = impact(reader.store, ids)
    emit(plan, as_json, render_impact)


def erase_cmd(
    node_id: IdArg,
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded with the erasure).")],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record that an artifact's content was erased.

    A PROV wasInvalidatedBy an Erasure. The artifact is marked erased and its uri cleared; its
    digest and every edge stay, so audits still show that it existed, what it fed, and when and
    why it was erased. Deletes no file.
    """
    from provenance.analysis.erasure import erase
    from provenance.render.erasure import render_erasure
    from provenance.store import open_store

    with opened_store(store) as reader:  # fails cleanly when there is no store
        full = reader.resolve(node_id)
    writable = open_store(store, create=True)
    try:
        record = erase(writable, full, reason=reason)
    finally:
        writable.close()
    emit(record, as_json, render_erasure)


def loops_cmd(store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """Feedback loops: model outputs fed back into training.

    Model outputs that flow back into training of the same model line, and datasets that
    feed their own later versions.
    """
    from provenance.analysis.loops import loops
    from provenance.render.loops import render_loops

    with opened_store(store) as reader:
        report = loops(reader.store)
    emit(report, as_json, render_loops)
