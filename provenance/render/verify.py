"""Rich rendering of a :class:`~provenance.analysis.verify.VerifyReport` (and the verdict styles
the audit shares).

Example:
    >>> from provenance.analysis.verify import VerifyReport
    >>> r = VerifyReport(node_id="blake3:" + "0" * 64, node_type="Artifact", verdict="exact")
    >>> verify_summary(r)
    '[bold green]exact[/]: 0 transforms checked'
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from provenance.model import short_id

if TYPE_CHECKING:
    from provenance.analysis.artifacts import ArtifactCheck
    from provenance.analysis.verify import VerifyReport

__all__ = ["ARTIFACT_STYLE", "VERDICT_STYLE", "render_verify", "verify_summary"]

#: Rich style of each reproducibility verdict (verify, audit).
VERDICT_STYLE = {"exact": "bold green", "seeded": "bold yellow", "unreproducible": "bold red"}
#: Rich style of each artifact check status.
ARTIFACT_STYLE = {
    "available": "green",
    "regenerable": "cyan",
    "changed": "red",
    "missing": "red",
    "not_retrievable": "yellow",
}


def _art_line(c: ArtifactCheck) -> Text:
    return Text.assemble(
        (f"{c.status:<15}", ARTIFACT_STYLE.get(c.status, "")),
        f" {c.name} ",
        (short_id(c.id), "dim"),
    )


def verify_summary(report: VerifyReport) -> str:
    """The verdict in one line of rich markup: how many transforms were checked, with what
    verdicts, and whether the sources are still available.

    Example:
        >>> from provenance.analysis.verify import VerifyReport
        >>> r = VerifyReport(node_id="blake3:" + "0" * 64, node_type="Model", verdict="seeded")
        >>> verify_summary(r)
        '[bold yellow]seeded[/]: 0 transforms checked'
    """
    n = len(report.transforms)
    line = f"[{VERDICT_STYLE[report.verdict]}]{report.verdict}[/]: {n} transform{'s' * (n != 1)}"
    line += " checked"
    verdicts = Counter(t.verdict for t in report.transforms)
    if verdicts:
        line += " (" + ", ".join(f"{c} {v}" for v, c in sorted(verdicts.items())) + ")"
    if report.sources:
        ok = sum(s.status == "available" for s in report.sources)
        line += f"; {ok} of {len(report.sources)} sources available"
    return line


def render_verify(report: VerifyReport) -> Group:
    """A rich rendering of a :class:`VerifyReport`: verdict, reasons, one row per transform.

    Example:
        >>> from rich.console import Console
        >>> from provenance.analysis.verify import VerifyReport
        >>> r = VerifyReport(node_id="blake3:" + "0" * 64, node_type="Artifact", verdict="exact")
        >>> Console(width=100).print(render_verify(r))  # doctest: +ELLIPSIS
        Verdict: exact...
    """
    head = Text.assemble(
        "Verdict: ",
        (report.verdict, VERDICT_STYLE[report.verdict]),
        f"  {report.node_type} {report.name or ''} ",
        (report.node_id, "dim"),
        "  (whole ancestry checked)" if report.whole_ancestry else "",
    )
    parts: list[RenderableType] = [head]
    for reason in report.reasons:
        parts.append(Text(f"  • {reason}"))
    if report.transforms:
        table = Table(title="Transforms", show_lines=True, expand=False)
        for col in ("transform", "verdict", "inputs / model", "code", "seed", "environment"):
            table.add_column(col, overflow="fold")
        for c in report.transforms:
            arts = [_art_line(i) for i in c.inputs]
            if c.model is not None:
                arts.append(Text("model ") + _art_line(c.model))
            table.add_row(
                Text.assemble(c.name or c.operation, "\n", (short_id(c.transform_id), "dim")),
                Text(c.verdict, VERDICT_STYLE[c.verdict]),
                Text("\n").join(arts) if arts else Text("(no inputs)", "dim"),
                Text.assemble(
                    (c.code.status, "green" if c.code.ok else "red"), "\n", (c.code.detail, "dim")
                ),
                Text(c.seed, "green" if c.seed_recorded else "red"),
                Text(
                    "\n".join(c.environment_diff)
                    or ("same" if c.environment_recorded else "not recorded"),
                    "yellow" if c.environment_diff else "",
                ),
            )
        parts.append(table)
    if report.sources:
        st = Table(title="Sources")
        st.add_column("status")
        st.add_column("name")
        st.add_column("detail", overflow="fold")
        for s in report.sources:
            st.add_row(Text(s.status, ARTIFACT_STYLE.get(s.status, "")), s.name, s.detail)
        parts.append(st)
    return Group(*parts)
