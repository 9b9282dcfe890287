"""Rich rendering of what an erasure did (:class:`~provenance.analysis.erasure.Erasure`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from provenance.model import short_id
from provenance.wording import plural

if TYPE_CHECKING:
    from provenance.analysis.erasure import ErasureRecord
    from provenance.analysis.refs import NodeRef

__all__ = ["render_erasure"]


def _names(refs: list[NodeRef]) -> str:
    return ", ".join(f"{r.label} ({short_id(r.id)})" for r in refs)


def render_erasure(record: ErasureRecord) -> Text:
    """What was erased, when and why; with an :class:`~provenance.analysis.erasure.Erasure`
    also how many artifacts (their names and short ids), what still holds values derived
    from the source, and what the store did to clear the values from its files.

    Example:
        >>> import datetime as dt
        >>> from provenance.analysis.erasure import Erasure, ErasureRecord
        >>> from provenance.analysis.refs import NodeRef
        >>> when = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
        >>> users = NodeRef(id="blake3:" + "a" * 64, node_type="Artifact", name="users",
        ...                 erased=True)
        >>> clean = NodeRef(id="blake3:" + "c" * 64, node_type="Artifact", name="clean")
        >>> r = Erasure(artifact=users, transform_id="blake3:" + "e" * 64, erased_at=when,
        ...             reason="request", still_derived=[clean])
        >>> print(render_erasure(r).plain)  # doctest: +NORMALIZE_WHITESPACE
        erased 1 artifact at 2026-01-02T00:00:00+00:00: request
          users (aaaaaaaaaaaa)
        values scrubbed (statistics, metadata values, uri); id, name, kind, counts, edges
        and this erasure record kept
        1 derived artifact still holds values derived from it: clean (cccccccccccc);
        --cascade erases it too
    """
    from provenance.analysis.erasure import Erasure

    records = record.records if isinstance(record, Erasure) else [record]
    new = [r for r in records if not r.already_erased]
    old = [r for r in records if r.already_erased]
    out = Text()
    if new:
        n = len(new)
        out.append(f"erased {n} artifact{'s' if n != 1 else ''}", "bold red")
        out.append(f" at {new[0].erased_at.isoformat(timespec='seconds')}: {new[0].reason}\n")
        out.append(f"  {_names([r.artifact for r in new])}\n")
    for r in old:
        out.append("already erased", "bold red")
        out.append(f" {r.artifact.label} ({short_id(r.artifact.id)}) ")
        out.append(f"at {r.erased_at.isoformat(timespec='seconds')}: {r.reason}\n")
    out.append(
        "values scrubbed (statistics, metadata values, uri); id, name, kind, counts, edges "
        "and this erasure record kept",
        "dim",
    )
    if isinstance(record, Erasure):
        if record.still_derived:
            n = len(record.still_derived)
            holds = "artifact still holds" if n == 1 else "artifacts still hold"
            them = "it" if n == 1 else "them"
            out.append(f"\n{n} derived {holds} values derived from it: ", "yellow")
            out.append(f"{_names(record.still_derived)}; --cascade erases {them} too")
        if record.purge is not None:
            purge = record.purge
            out.append(f"\nstore ({purge.backend}): {'; '.join(purge.steps)}", "dim")
            if purge.note:
                out.append(f"\n{purge.note}", "yellow" if not purge.complete else "dim")
        if record.spool_rewritten:
            out.append(
                f"\nspool: {plural(record.spool_rewritten, 'spooled record')} scrubbed", "dim"
            )
        if record.spool_held:
            out.append(
                f"\nspool: {plural(record.spool_held, 'spooled record')} in segments of running "
                "processes still hold the values until they are sent",
                "yellow",
            )
    return out
