"""``provenance demo``: record the demo pipeline and show what an auditor would ask for.

Example:
    >>> from typer.testing import CliRunner
    >>> from provenance.cli.app import app
    >>> CliRunner().invoke(app, ["demo", "--help"]).exit_code
    0
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from provenance.analysis import impact, loops, verify
from provenance.cli.common import StoreOpt, err_console, out_console, print_json
from provenance.demo import run_demo
from provenance.render import (
    audit_tables,
    lineage_tree,
    render_impact,
    render_loops,
    render_verify,
    short_id,
)
from provenance.tracker import Tracker

__all__ = ["demo"]


def demo(
    store: StoreOpt = None,
    workdir: Annotated[
        Path, typer.Option("--workdir", help="Where the demo writes its CSV sources.")
    ] = Path(".provenance/demo"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the key ids as JSON.")] = False,
) -> None:
    """Record a small ML pipeline (with a feedback loop) and print its lineage."""
    started = time.perf_counter()
    with Tracker(store) as tracker:
        if not as_json:
            err_console().print("[dim]recording the demo pipeline…[/]")
        result = run_demo(tracker, workdir)
        up = tracker.ancestry(result.model_v2.id)
        down = tracker.descendants(result.events_source.id)
        # What an auditor asks next: deleting the users file (it holds PII), the feedback
        # loop, and whether model v2 can be reproduced.
        plan = impact(tracker.store, [result.users_source.id])
        loop_report = loops(tracker.store)
        check = verify(tracker.store, result.model_v2.id)
        counts = tracker.store.counts()
        uri = tracker.store.uri
    elapsed = time.perf_counter() - started
    if as_json:
        print_json(
            {
                "store": uri,
                "model_v1": result.model_v1.id,
                "model_v2": result.model_v2.id,
                "users_source": result.users_source.id,
                "events_source": result.events_source.id,
                "train": result.train.id,
                "test": result.test.id,
                "predictions": result.predictions.id,
                "ancestry_nodes": len(up.nodes),
                "descendant_nodes": len(down.nodes),
                "impact": plan.model_dump(mode="json"),
                "loops": loop_report.model_dump(mode="json"),
                "verify": check.model_dump(mode="json"),
                "counts": counts,
                "seconds": round(elapsed, 3),
            }
        )
        return
    c = out_console()
    c.rule("[bold]Ancestry of churn_model v2[/] — which data, code and seeds trained it?")
    c.print(lineage_tree(up, "up"))
    c.print(audit_tables(up))
    c.rule("[bold]Descendants of events.csv[/] — what must be revisited if it is deleted?")
    c.print(lineage_tree(down, "down"))
    c.rule("[bold]Deletion impact of users.csv[/] (GDPR erasure request) — a plan, nothing deleted")
    c.print(render_impact(plan))
    c.rule("[bold]Feedback loops[/] — where a model feeds on its own outputs")
    c.print(render_loops(loop_report))
    c.rule("[bold]Can churn_model v2 be reproduced?[/]")
    c.print(render_verify(check))
    c.rule()
    c.print(f"Store: [bold]{uri}[/]  ({', '.join(f'{v} {k}' for k, v in sorted(counts.items()))})")
    c.print(
        f"Recorded in {elapsed:.2f} s. Next: "
        f"[bold]provenance ancestry {short_id(result.model_v2.id)}[/], "
        f"[bold]provenance descendants {short_id(result.events_source.id)}[/], "
        f"[bold]provenance show {short_id(result.predictions.id)}[/]"
    )
