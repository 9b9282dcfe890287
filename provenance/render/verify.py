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
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from provenance.model import short_id

if TYPE_CHECKING:
    from provenance.analysis.artifacts import ArtifactCheck
    from provenance.analysis.verify import TransformCheck, VerifyReport

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
        (c.status.replace("_", " "), ARTIFACT_STYLE.get(c.status, "")),
        f" {c.name} ",
        (short_id(c.id), "dim"),
    )


def _indented(text: Text | str, indent: int) -> Padding:
    """``text`` wrapped at word boundaries, every line indented by ``indent`` columns."""
    return Padding(text if isinstance(text, Text) else Text(text), (0, 0, 0, indent), expand=False)


def _field(label: str, value: Text | str, indent: int = 4) -> Padding:
    line = Text.assemble((f"{label}: ", "bold"))
    line.append_text(value if isinstance(value, Text) else Text(value))
    return _indented(line, indent)


def _transform_block(c: TransformCheck) -> list[RenderableType]:
    """One transform's checks, a line per check, long ones wrapped under it."""
    parts: list[RenderableType] = [
        Text.assemble(
            (c.name or c.operation, "bold"),
            "  ",
            (short_id(c.transform_id), "dim"),
            "  ",
            (c.verdict, VERDICT_STYLE[c.verdict]),
        )
    ]
    arts = [_art_line(i) for i in c.inputs]
    if c.model is not None:
        arts.append(Text("model ") + _art_line(c.model))
    if not arts:
        parts.append(_field("inputs", Text("(none)", "dim")))
    for art in arts:
        parts.append(_field("input", art))
    parts.append(_field("code", Text(c.code.status, "green" if c.code.ok else "red")))
    parts.append(_indented(Text(c.code.detail, "dim"), 6))
    parts.append(_field("seed", Text(c.seed, "green" if c.seed_recorded else "red")))
    if c.environment_diff:
        parts.append(_field("environment", Text("differs", "yellow")))
        parts.extend(_indented(Text(line, "yellow"), 6) for line in c.environment_diff)
    else:
        parts.append(_field("environment", "same" if c.environment_recorded else "not recorded"))
    if c.environment_unrelated:
        parts.append(_field("unrelated to the run", Text("shown, not in the verdict", "dim")))
        parts.extend(_indented(Text(line, "dim"), 6) for line in c.environment_unrelated)
    return parts


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
    """A rich rendering of a :class:`VerifyReport`: verdict, reasons, a block per transform.

    Lines wrap at word boundaries, so ids (shortened inside the blocks, whole in the
    heading) and words are never cut at 80 columns; a single token wider than the terminal
    (a very long path) is the only thing folded.

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
        bullet = Table.grid(padding=(0, 1))
        bullet.add_column(no_wrap=True)
        bullet.add_column(overflow="fold")
        bullet.add_row("  •", Text(reason))
        parts.append(bullet)
    if report.transforms:
        parts.append(Text("\nTransforms", "bold underline"))
        for c in report.transforms:
            parts.extend(_transform_block(c))
    if report.sources:
        parts.append(Text("\nSources", "bold underline"))
        for s in report.sources:
            parts.append(
                Text.assemble(
                    (s.status.replace("_", " "), ARTIFACT_STYLE.get(s.status, "")),
                    f" {s.name} ",
                    (short_id(s.id), "dim"),
                )
            )
            parts.append(_indented(Text(s.detail, "dim"), 4))
    return Group(*parts)
