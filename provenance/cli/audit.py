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

from collections.abc import Sequence
from pathlib import Path

from provenance.cli.common import (
    argument,
    emit,
    err_console,
    id_argument,
    json_option,
    opened_store,
    option,
    out_console,
    print_json,
    store_option,
)
from provenance.cli.gates import LoopsGate, exit_if, loops_gate
from provenance.errors import AnalysisError

__all__ = ["audit_cmd", "erase_cmd", "impact_cmd", "loops_cmd"]


@id_argument
@option(
    "--out",
    "-o",
    "out",
    type=Path,
    help="Write a self-contained HTML report here (readable offline).",
)
@option(
    "--quick",
    "quick",
    is_flag=True,
    help="Verdict from recorded seed states only (skip re-reading sources).",
)
@store_option
@json_option
def audit_cmd(
    node_id: str,
    out: Path | None = None,
    quick: bool = False,
    store: str | None = None,
    as_json: bool = False,
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


@argument(
    "node_ids",
    metavar="ID...",
    nargs=-1,
    required=False,
    help="Source artifact ids or unique prefixes.",
)
@option("--name", "name", help="Every version of the source with this logical name.")
@option("--uri", "uri", help="The source(s) at this uri.")
@store_option
@json_option
def impact_cmd(
    node_ids: Sequence[str] | None = None,
    name: str | None = None,
    uri: str | None = None,
    store: str | None = None,
    as_json: bool = False,
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


@id_argument
@option("--reason", "reason", required=True, help="Why (recorded with the erasure).")
@option(
    "--cascade",
    "cascade",
    is_flag=True,
    help="Also erase every artifact derived from it (the must-delete set of `impact`).",
)
@store_option
@json_option
def erase_cmd(
    node_id: str,
    reason: str,
    cascade: bool = False,
    store: str | None = None,
    as_json: bool = False,
) -> None:
    """Erase an artifact's values, keeping its skeleton.

    A PROV wasInvalidatedBy an Erasure. The artifact is marked erased, its uri cleared and
    every value of its content (top values, min/max, quantiles, histograms, text statistics,
    row fingerprints) removed from the store, its files and its spool; its digest, counts and
    every edge stay, so audits still show that it existed, what it fed, and when and why it
    was erased. --cascade erases what derives from it too, in the same write. Deletes no file
    the uri named.
    """
    from provenance.analysis.erasure import erase
    from provenance.render.erasure import render_erasure
    from provenance.spool import spooled

    with opened_store(store) as reader:  # fails cleanly when there is no store
        full = reader.resolve(node_id)
    # through the spool, as a tracker writes: runs still spooled land (and are erased) first
    writable = spooled(store, strict=True)
    try:
        record = erase(writable, full, reason=reason, cascade=cascade)
    finally:
        writable.close()
    emit(record, as_json, render_erasure)


@store_option
@json_option
@option(
    "--fail-on",
    "fail_on",
    choices=LoopsGate,
    help="Exit 1 when met: any (a loop found), model (a loop among model versions), dataset "
    "(a data set feeding its own later versions).",
)
def loops_cmd(
    store: str | None = None, as_json: bool = False, fail_on: LoopsGate | None = None
) -> None:
    """Feedback loops: model outputs fed back into training.

    Model outputs that flow back into training of the same model line, and datasets that
    feed their own later versions. Exit 0 whatever is found, unless --fail-on names a
    condition it meets (then 1, after printing the loops).
    """
    from provenance.analysis.loops import loops
    from provenance.render.loops import render_loops

    with opened_store(store) as reader:
        report = loops(reader.store)
    emit(report, as_json, render_loops)
    if fail_on is not None:
        exit_if(loops_gate(report, fail_on), fail_on)
