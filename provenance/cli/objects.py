"""CLI commands of the object store (:mod:`provenance.objects`): ``checkout`` and ``gc``.

Example:
    >>> import tempfile
    >>> from provenance.store import SQLiteStore
    >>> path = tempfile.mkdtemp() + "/l.sqlite"
    >>> SQLiteStore(path).close()
    >>> gc_cmd(store=path, dry_run=True)  # doctest: +ELLIPSIS
    gc (dry run): 0 unreferenced objects in ...
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from provenance.cli.common import (
    emit,
    err_console,
    id_argument,
    json_option,
    opened_store,
    option,
    store_option,
)

__all__ = ["checkout_cmd", "gc_cmd"]


@id_argument
@option(
    "-o",
    "--output",
    "output",
    type=Path,
    help="Where to write it (must not exist). A table is written as Parquet, or as CSV when "
    "the path ends in .csv. Default: its file name, or <id prefix>.<ext>, here.",
)
@store_option
@json_option
def checkout_cmd(
    node_id: str, output: Path | None = None, store: str | None = None, as_json: bool = False
) -> None:
    """Write an artifact's kept content back: a file, a directory tree, a table (Parquet or
    CSV), an array (.npy), JSON, or a model's saved file.

    The object is re-hashed against the artifact's id first (a corrupt object is an error
    naming it), and the copy written is checked again where its format keeps the content
    exactly.
    """
    from rich.text import Text

    from provenance.errors import ObjectNotFoundError, ObjectStoreError
    from provenance.hashing.progress import path_size, rich_byte_progress
    from provenance.model import Artifact
    from provenance.objects import ObjectStore

    with opened_store(store) as reader:
        aid = reader.resolve(node_id)
        node = reader.store.get(aid)
        if not isinstance(node, Artifact):
            raise ObjectStoreError(f"{node_id} is not an artifact; checkout writes artifacts")
        if node.erased:
            raise ObjectNotFoundError(f"artifact {node.name} ({aid}) was erased")
        objects = ObjectStore.for_store(reader.store)
        if not objects.has(aid):
            raise ObjectNotFoundError(
                f"the content of {node.name} ({aid}) is not kept in the object store "
                f"({objects.root}); log it with keep=True to keep it"
            )
        total = path_size(objects.content_path(aid))
        label = f"checking out {node.name}"
        with rich_byte_progress(total, label, console=err_console(), transient=True) as advance:
            result = objects.checkout(aid, output, progress=advance)

    def render(r: Any) -> Text:
        return Text(f"{r.path}  ({r.format}; {r.detail})")

    emit(result, as_json, render)


@option("--dry-run", "dry_run", is_flag=True, help="List the objects; remove nothing.")
@store_option
@json_option
def gc_cmd(store: str | None = None, dry_run: bool = False, as_json: bool = False) -> None:
    """Remove the objects no artifact of the store refers to (erased ones included).

    On a Neo4j store, set PROVENANCE_OBJECTS to the store's own object directory first (the
    per-user default may be shared by several stores; gc refuses it).
    """
    from rich.text import Text

    from provenance.objects import collect_garbage

    with opened_store(store) as reader:
        report = collect_garbage(reader.store, dry_run=dry_run)

    def render(r: Any) -> Text:
        verb = "gc (dry run):" if r.dry_run else "gc: removed"
        noun = "object" if len(r.objects) == 1 else "objects"
        lines = [f"{verb} {len(r.objects)} unreferenced {noun} in {r.root}"]
        lines += [f"  {i}" for i in r.objects]
        return Text("\n".join(lines))

    emit(report, as_json, render)
