"""Rich rendering of an :class:`~provenance.analysis.audit.AuditReport` (the HTML version is
:mod:`provenance.render.report_html`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table

from provenance.render.graph import audit_tables
from provenance.render.verify import VERDICT_STYLE

if TYPE_CHECKING:
    from provenance.analysis.audit import AuditReport

__all__ = ["render_audit"]


def render_audit(report: AuditReport) -> Group:
    """The audit as rich tables: sources, transforms in order, models, then the verdict.

    A node derived from erased data starts with its summary ("trained on erased data: must
    retrain ...") and the erased artifacts, before anything else.

    Example:
        >>> from provenance.analysis.audit import AuditReport, Reproducibility
        >>> from provenance.analysis.refs import ref
        >>> from provenance.model import Artifact, LineageGraph
        >>> a = Artifact(id="blake3:" + "a" * 64, name="users")
        >>> r = AuditReport(root=ref(a), reproducibility=Reproducibility(verdict="exact",
        ...                 checked_by="seed_state"), graph=LineageGraph(root=a.id, nodes=[a]))
        >>> render_audit(r).renderables[-1]
        '[bold]Reproducibility:[/] [bold green]exact[/] [dim](checked by seed_state)[/]'
    """
    parts: list[RenderableType] = []
    if report.erased_training_data:
        parts.append(f"[bold red]{escape(report.summary)}[/]")
        parts.extend(
            f"  • {escape(r.artifact.label)} [dim]{r.artifact.id}[/] erased "
            f"{r.erased_at.isoformat(timespec='seconds')}: {escape(r.reason)}"
            for r in report.erased_training_data
        )
    parts += [
        f"[bold]Audit of[/] {escape(report.root.label)} [dim]{report.root.id}[/]",
        audit_tables(report.graph),
    ]
    if report.erasures:
        t = Table(title="Erasures", title_justify="left")
        for col in ("artifact", "digest", "erased at", "reason"):
            t.add_column(col)
        for r in report.erasures:
            t.add_row(
                r.artifact.label, r.artifact.id, r.erased_at.isoformat(timespec="seconds"), r.reason
            )
        parts.append(t)
    v = report.reproducibility
    parts.append(
        f"[bold]Reproducibility:[/] [{VERDICT_STYLE[v.verdict]}]{v.verdict}[/] "
        f"[dim](checked by {v.checked_by})[/]"
    )
    parts.extend(f"  • {escape(reason)}" for reason in v.reasons)
    return Group(*parts)
