"""``provenance demo``: record the demo pipeline and show what an auditor would ask for.

By default a short summary that reads at 80 columns: what was recorded, the answers to the
questions the next commands ask (where model v2 came from, what deleting users.csv touches,
the feedback loop, whether model v2 can be reproduced), each in a line or two, then the
commands to try next. ``--verbose`` prints the full trees and tables; ``--json`` the ids and
reports.

Example:
    >>> from click.testing import CliRunner
    >>> from provenance.cli.app import app
    >>> CliRunner().invoke(app, ["demo", "--help"]).exit_code
    0
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.cli.common import err_console, option, out_console, print_json, store_option
from provenance.wording import plural

if TYPE_CHECKING:
    from rich.console import Console

    from provenance.analysis.impact import ImpactPlan
    from provenance.analysis.loops import LoopReport
    from provenance.analysis.verify import VerifyReport
    from provenance.demo import DemoResult
    from provenance.model import LineageGraph

__all__ = ["demo"]


@store_option
@option(
    "--workdir",
    "workdir",
    type=Path,
    default=Path(".provenance/demo"),
    help="Where the demo writes its CSV sources.",
)
@option("--verbose", "-v", "verbose", is_flag=True, help="Print the full lineage trees and tables.")
@option("--json", "as_json", is_flag=True, help="Print the key ids as JSON.")
def demo(
    store: str | None = None,
    workdir: Path = Path(".provenance/demo"),
    verbose: bool = False,
    as_json: bool = False,
) -> None:
    """Record a small ML pipeline and summarise its lineage.

    The pipeline has a feedback loop; --verbose prints the full trees and tables.
    """
    from provenance.analysis.impact import impact
    from provenance.analysis.loops import loops
    from provenance.analysis.verify import verify
    from provenance.demo import run_demo
    from provenance.tracker import Tracker

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
    console = out_console()
    if verbose:
        _print_full(console, up, down, plan, loop_report, check)
    _print_summary(console, result, up, plan, loop_report, check, counts, uri, elapsed)


def _print_full(
    c: Console,
    up: LineageGraph,
    down: LineageGraph,
    plan: ImpactPlan,
    loop_report: LoopReport,
    check: VerifyReport,
) -> None:
    """Every tree and table behind the summary (``--verbose``)."""
    from provenance.render.graph import audit_tables, lineage_tree
    from provenance.render.impact import render_impact
    from provenance.render.loops import render_loops
    from provenance.render.verify import render_verify

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


def _print_summary(
    c: Console,
    result: DemoResult,
    up: LineageGraph,
    plan: ImpactPlan,
    loop_report: LoopReport,
    check: VerifyReport,
    counts: dict[str, int],
    uri: str,
    elapsed: float,
) -> None:
    """The short summary: what was recorded, one answer per question, what to run next."""
    from provenance.model import NODE_TYPES, short_id
    from provenance.render.impact import impact_summary
    from provenance.render.loops import loops_summary
    from provenance.render.verify import verify_summary

    nodes = sum(v for k, v in counts.items() if k in NODE_TYPES)
    edges = sum(v for k, v in counts.items() if k not in NODE_TYPES)
    c.print(
        f"Recorded the demo pipeline in {elapsed:.2f} s: {plural(nodes, 'node')}, "
        f"{plural(edges, 'edge')} ({_counts_text(counts)})."
    )
    c.print(f"Store: [bold]{uri}[/]", overflow="fold")
    sources = sorted(a.name for a in up.sources())
    seeded = sum(1 for t in up.transforms if t.seed_state and t.seed_state.master_seed is not None)
    v2 = short_id(result.model_v2.id)
    answers: list[tuple[str, list[str]]] = [
        (
            f"Which data, code and seeds trained churn_model v2 ({v2})?",
            [
                f"{plural(len(sources), 'source')} ({', '.join(sources)}), "
                f"{plural(len(up.transforms), 'transform')} ({seeded} seeded), "
                f"{plural(len(up.models), 'model')} (v1 through its predictions)"
            ],
        ),
        (
            "What does deleting users.csv touch (GDPR erasure)? A plan; nothing is deleted.",
            [impact_summary(plan)],
        ),
        ("Where does a model feed on its own outputs?", loops_summary(loop_report)),
        (f"Can churn_model v2 ({v2}) be reproduced?", [verify_summary(check)]),
    ]
    for question, lines in answers:
        c.print()
        c.print(f"[bold]{question}[/]")
        for line in lines:
            _print_indented(c, line)
    steps: list[tuple[str, str]] = [
        (f"provenance ancestry {v2}", "where model v2 came from"),
        (f"provenance descendants {short_id(result.events_source.id)}", "what events.csv fed"),
        (f"provenance impact {short_id(result.users_source.id)}", "the deletion plan, in full"),
        ("provenance loops", "the feedback loop, in full"),
        (f"provenance verify {v2}", "every reproducibility check"),
        (f"provenance show {short_id(result.predictions.id)}", "every field of a node"),
        ("provenance demo --verbose", "all of the above as trees and tables"),
    ]
    c.print()
    c.print("[bold]Next:[/]")
    width = max(len(command) for command, _ in steps)
    for command, what in steps:
        _print_indented(c, f"[bold]{command}[/]{' ' * (width - len(command))}  {what}")


def _print_indented(c: Console, markup: str, indent: int = 2) -> None:
    """Print ``markup`` indented, wrapped lines indented too, without trailing blanks."""
    from rich.text import Text

    for line in Text.from_markup(markup).wrap(c, max(c.width - indent, 20)):
        line.rstrip()
        c.print(Text(" " * indent) + line, soft_wrap=True)


def _counts_text(counts: dict[str, Any]) -> str:
    """Node counts by type, as a phrase.

    Example:
        >>> _counts_text({"Artifact": 15, "Model": 2, "Transform": 13, "USED": 21})
        '15 artifacts, 2 models, 13 transforms'
    """
    from provenance.model import NODE_TYPES

    names = {"CodeVersion": "code version"}
    return ", ".join(
        plural(counts[k], names.get(k, k.lower())) for k in NODE_TYPES if counts.get(k)
    )
