"""Rich rendering of a :class:`~provenance.analysis.replay.ReplayReport`.

Example:
    >>> from provenance.analysis.replay import ReplayReport
    >>> r = ReplayReport(transform_id="t", operation="op", replayable=True, matched=True)
    >>> [line.plain for line in render_replay(r).renderables]
    ['Replay of op t  ', 'outputs match the recorded digests']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from provenance.analysis.replay import ReplayReport

__all__ = ["render_replay"]


def render_replay(report: ReplayReport) -> Group:
    """A rich rendering of a :class:`ReplayReport`.

    Example:
        >>> from rich.console import Console
        >>> from provenance.analysis.replay import ReplayReport
        >>> r = ReplayReport(transform_id="blake3:" + "0" * 64, operation="op", replayable=False,
        ...                  reasons=["no code version with an entrypoint recorded"])
        >>> Console(width=100).print(render_replay(r))  # doctest: +ELLIPSIS
        Replay of op ...
        not replayable
          • no code version with an entrypoint recorded
    """
    parts: list[RenderableType] = [
        Text.assemble(
            f"Replay of {report.operation} ",
            (report.transform_id, "dim"),
            f"  {report.entrypoint or ''}",
        )
    ]
    if not report.replayable:
        parts.append(Text("not replayable", "bold red"))
    elif report.matched:
        parts.append(Text("outputs match the recorded digests", "bold green"))
    else:
        parts.append(Text("outputs DIFFER from the recorded digests", "bold red"))
    for line in [*report.reasons, *report.notes]:
        parts.append(Text(f"  • {line}"))
    if report.error:
        parts.append(Text(f"  error: {report.error}", "red"))
    if report.seed:
        parts.append(Text(f"  seed: {report.seed}"))
    if report.outputs:
        table = Table(title="Outputs")
        for col in ("#", "replayed digest", "recorded output", "match"):
            table.add_column(col, overflow="fold")
        for o in report.outputs:
            table.add_row(
                str(o.index),
                o.replayed_id,
                o.recorded_name or "-",
                Text("yes", "green") if o.matched else Text("no", "red"),
            )
        parts.append(table)
    return Group(*parts)
