"""Rich rendering of an :class:`~provenance.analysis.erasure.ErasureRecord`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

if TYPE_CHECKING:
    from provenance.analysis.erasure import ErasureRecord

__all__ = ["render_erasure"]


def render_erasure(record: ErasureRecord) -> Text:
    """One line saying what was erased, when and why.

    Example:
        >>> import datetime as dt
        >>> from provenance.analysis.erasure import ErasureRecord
        >>> from provenance.analysis.refs import NodeRef
        >>> r = ErasureRecord(artifact=NodeRef(id="blake3:" + "a" * 64, node_type="Artifact",
        ...                   name="users", erased=True), transform_id="blake3:" + "e" * 64,
        ...                   erased_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC), reason="request")
        >>> render_erasure(r).plain.startswith("erased users")
        True
    """
    verb = "already erased" if record.already_erased else "erased"
    return Text.assemble(
        (verb, "bold red"),
        f" {record.artifact.label} ",
        (record.artifact.id, "dim"),
        f" at {record.erased_at.isoformat(timespec='seconds')}: {record.reason} ",
        ("(content marked erased, uri cleared; skeleton and digests kept)", "dim"),
    )
