"""Rich rendering of an :class:`~provenance.analysis.impact.ImpactPlan`: what deleting a
source touches, then the recompute steps in order.

Example:
    >>> from provenance.analysis.impact import ImpactPlan
    >>> render_impact(ImpactPlan(sources=[])).renderables[-1]
    '[bold]Recorded recompute cost:[/] none recorded; 0.00 s of recorded run time'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table

from provenance.model import short_id

if TYPE_CHECKING:
    from provenance.analysis.impact import ImpactPlan
    from provenance.analysis.refs import NodeRef

__all__ = ["impact_summary", "render_impact"]


def _names(nodes: Sequence[NodeRef]) -> str:
    return ", ".join(_label(n) for n in nodes) or "—"


def _label(n: NodeRef) -> str:
    erased = " [red](erased)[/]" if n.erased else ""
    return f"{n.label} [dim]{short_id(n.id, 10)}[/]{erased}"


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'s' * (n != 1)}"


def impact_summary(plan: ImpactPlan) -> str:
    """The plan in one sentence: how much to delete, retrain and revisit.

    Example:
        >>> from provenance.analysis.impact import ImpactPlan
        >>> impact_summary(ImpactPlan(sources=[]))
        '0 artifacts to delete, 0 models to retrain, 0 prediction sets affected; 0 recompute steps'
    """
    return (
        f"{_count(len(plan.must_delete), 'artifact')} to delete, "
        f"{_count(len(plan.must_retrain), 'model')} to retrain, "
        f"{_count(len(plan.affected_predictions), 'prediction set')} affected; "
        f"{_count(len(plan.steps), 'recompute step')}"
    )


def render_impact(plan: ImpactPlan) -> Group:
    """A rich rendering of an impact plan: the three categories, then the recompute steps.

    Example:
        >>> from rich.console import Console
        >>> from provenance.analysis.impact import ImpactPlan
        >>> from provenance.analysis.refs import NodeRef
        >>> plan = ImpactPlan(sources=[NodeRef(id="blake3:" + "a" * 64, node_type="Artifact",
        ...                                    name="users")])
        >>> console = Console(width=100)
        >>> with console.capture() as cap:
        ...     console.print(render_impact(plan))
        >>> "users" in cap.get()
        True
    """
    cats = Table(title=f"Deletion impact of {_names(plan.sources)}", title_justify="left")
    for col in ("category", "count", "artifacts"):
        cats.add_column(col)
    for title, items, style in (
        ("must delete", plan.must_delete, "red"),
        ("must retrain", plan.must_retrain, "magenta"),
        ("affected predictions", plan.affected_predictions, "yellow"),
    ):
        cats.add_row(f"[{style}]{title}[/]", str(len(items)), _names(items))
    steps = Table(
        title="Recompute plan (topological order; nothing was deleted)", title_justify="left"
    )
    for col in ("#", "transform", "affected inputs", "other inputs needed", "outputs", "cost", "s"):
        steps.add_column(col)
    for s in plan.steps:
        cost = f"{s.cost.amount:g} {s.cost.currency}" if s.cost else "—"
        steps.add_row(
            str(s.index),
            _label(s.transform),
            _names(s.affected_inputs),
            _names(s.other_inputs),
            _names(s.outputs),
            cost,
            f"{s.duration_s:.2f}" if s.duration_s is not None else "—",
        )
    total = ", ".join(f"{v:g} {k}" for k, v in sorted(plan.total_cost.items())) or "none recorded"
    return Group(
        cats,
        steps,
        f"[bold]Recorded recompute cost:[/] {total}; "
        f"{plan.total_duration_s:.2f} s of recorded run time",
    )
