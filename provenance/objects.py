"""The content-addressed object store: artifact content kept by its own digest.

An object is a directory ``<root>/<algo>/<hex[:2]>/<hex[2:]>/`` named by the artifact's id
(the same ``algo:hex`` digest the graph holds). It holds ``object.json`` (the format and the
options the id was computed with; no content values) and the content in one format:

==========  ===============================  ============================================
format      content                          re-verified on every read as
==========  ===============================  ============================================
``file``    ``data`` (the bytes, read-only)  file bytes (:func:`digest_file`; bytes too)
``tree``    ``tree/`` (a copy of the tree)   directory Merkle digest (symlinks, modes)
``parquet`` ``data.parquet``                 the table's canonical digest (same options)
``npy``     ``data.npy``                     dtype, shape and content of the array
``json``    ``data.json`` (canonical JSON)   canonical JSON digest
``model``   ``model/<file>`` as              the model re-loaded in its framework
            :mod:`provenance.models_io`      (:func:`~provenance.models_io.saved_digest`)
            saves it
==========  ===============================  ============================================

Writes are atomic: the object is built in a hidden ``.tmp-*`` directory beside its final
place, verified against its id, then renamed into place (``os.rename`` of a directory): an
object is either whole and verified or absent. An object already present is not written
again; of several concurrent writers of one object, one rename wins and the others discard
their copy. User files are copied (``shutil.copyfile``, which uses the kernel's
``copy_file_range``/``sendfile`` and reflinks where the filesystem does), never hard-linked.
Reads re-hash the content; a mismatch raises :class:`~provenance.errors.CorruptObjectError`
naming the object.

Example:
    >>> import tempfile, numpy as np
    >>> from provenance.hashing import digest_object
    >>> objects = ObjectStore(tempfile.mkdtemp())
    >>> xs = np.arange(4)
    >>> oid = digest_object(xs).digest
    >>> objects.put(xs, oid), objects.put(xs, oid)
    (True, False)
    >>> objects.get(oid).tolist()
    [0, 1, 2, 3]
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from provenance.errors import (
    CorruptObjectError,
    MissingExtraError,
    ObjectNotFoundError,
    ObjectStoreError,
    ProvenanceError,
)
from provenance.hashing.core import parse_digest

__all__ = [
    "KEEP_ENV",
    "KEEP_LIMIT_BYTES",
    "OBJECTS_ENV",
    "CheckoutResult",
    "GcReport",
    "KeepPolicy",
    "ObjectFormat",
    "ObjectStore",
    "collect_garbage",
    "erase_content",
    "keep_content",
    "keep_policy",
    "load_artifact",
    "remote_erasers",
]

log = logging.getLogger(__name__)

#: Environment variable naming the object store's directory (any store).
OBJECTS_ENV = "PROVENANCE_OBJECTS"
#: Environment variable choosing what is kept by default: ``auto``, ``all`` or ``none``.
KEEP_ENV = "PROVENANCE_KEEP"
#: Files and directories larger than this (per artifact) are addressed only under ``auto``.
KEEP_LIMIT_BYTES = 64 * 1024 * 1024

KeepPolicy = Literal["auto", "all", "none"]
ObjectFormat = Literal["file", "tree", "parquet", "npy", "json", "model"]

#: Hook for remotes (issue 18, item 2): each callable deletes one object id from one remote
#: and says whether it held it; :func:`erase_content` calls every one. Empty today.
remote_erasers: list[Callable[[str], bool]] = []

_META = "object.json"
_CONTENT = {
    "file": "data",
    "tree": "tree",
    "parquet": "data.parquet",
    "npy": "data.npy",
    "json": "data.json",
    "model": "model",
}


def keep_policy(value: bool | str | None, default: KeepPolicy | None = None) -> KeepPolicy:
    """Normalise a ``keep=`` value: True/``"all"``, False/``"none"``, ``"auto"``; None means
    ``default``, else ``$PROVENANCE_KEEP``, else ``auto``.

    Example:
        >>> keep_policy(True), keep_policy("none"), keep_policy(None, "all")
        ('all', 'none', 'all')
        >>> keep_policy("sometimes")
        Traceback (most recent call last):
        ...
        provenance.errors.ObjectStoreError: keep='sometimes': use 'auto', True/'all' or False/'none'
    """
    if value is None:
        if default is not None:
            return default
        value = os.environ.get(KEEP_ENV) or "auto"
    if value is True:
        return "all"
    if value is False:
        return "none"
    if isinstance(value, str) and value.lower() in ("auto", "all", "none"):
        return value.lower()  # type: ignore[return-value]
    source = f"{KEEP_ENV}={value!r}" if value == os.environ.get(KEEP_ENV) else f"keep={value!r}"
    raise ObjectStoreError(f"{source}: use 'auto', True/'all' or False/'none'")


class CheckoutResult(BaseModel):
    """What :meth:`ObjectStore.checkout` wrote: where, in which format, and whether the
    written copy was re-checked against the id (``verified``; ``detail`` says how)."""

    id: str
    path: Path
    format: str
    verified: bool
    detail: str


def _default_root(store: Any) -> Path:
    env = os.environ.get(OBJECTS_ENV)
    if env:
        return Path(env).expanduser().resolve()
    uri = getattr(store, "uri", None)
    if isinstance(uri, str) and uri.startswith("sqlite://"):
        return Path(uri[len("sqlite://") :]).resolve().parent / "objects"
    from provenance.hashing.cache import default_cache_dir

    return default_cache_dir() / "objects"


def _is_frame(obj: Any) -> str | None:
    from provenance.hashing.columns import frame_source

    return frame_source(obj)


def _format_of(obj: Any) -> ObjectFormat:
    """The format ``obj`` is kept in (see the module docs)."""
    from provenance.hashing.arrays import is_array
    from provenance.hashing.frameworks import model_framework
    from provenance.hashing.weights import is_state_dict

    if _is_frame(obj) is not None:
        return "parquet"
    if isinstance(obj, bytes | bytearray | memoryview | str | os.PathLike):
        if isinstance(obj, str | os.PathLike) and os.path.isdir(obj):
            return "tree"
        return "file"
    if is_array(obj):
        return "npy"
    if model_framework(obj) is not None or is_state_dict(obj):
        return "model"
    if isinstance(obj, Mapping | list | tuple):
        return "json"
    raise ObjectStoreError(f"cannot keep {type(obj).__module__}.{type(obj).__qualname__}")


def _copy_file(src: str | os.PathLike[str], dst: Path) -> None:
    """Copy bytes (reflink/copy_file_range where the kernel can); never a hard link."""
    shutil.copyfile(src, dst)


class ObjectStore:
    """Artifact content by digest under ``root`` (see the module docs).

    Example:
        >>> import tempfile
        >>> from provenance.hashing import digest_object
        >>> s = ObjectStore(tempfile.mkdtemp())
        >>> oid = digest_object(b"abc").digest
        >>> s.put(b"abc", oid), s.has(oid), s.get(oid)
        (True, True, b'abc')
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    @classmethod
    def for_store(cls, store: Any) -> ObjectStore:
        """The object store of a lineage store: ``$PROVENANCE_OBJECTS``, else ``objects/``
        beside an embedded (SQLite) store's file, else ``objects/`` under the user's cache
        (``$PROVENANCE_CACHE_DIR``, ``$XDG_CACHE_HOME/provenance`` or
        ``~/.cache/provenance``) for a Neo4j store.

        Example:
            >>> import tempfile, pathlib
            >>> from provenance.store import SQLiteStore
            >>> d = pathlib.Path(tempfile.mkdtemp()).resolve()
            >>> with SQLiteStore(d / "lineage.db") as s:
            ...     ObjectStore.for_store(s).root == d / "objects"
            True
        """
        return cls(_default_root(store))

    @property
    def shared_default(self) -> bool:
        """True when this is the per-user default directory several stores may share."""
        from provenance.hashing.cache import default_cache_dir

        return not os.environ.get(OBJECTS_ENV) and self.root == default_cache_dir() / "objects"

    # --- layout --------------------------------------------------------------------------
    def path(self, digest: str) -> Path:
        """The object's directory, ``<root>/<algo>/<hex[:2]>/<hex[2:]>``.

        Example:
            >>> ObjectStore("/o").path("blake3:" + "12" + "ab" * 31).as_posix()[:20]
            '/o/blake3/12/abababa'
        """
        algo, hexdigest = parse_digest(digest)
        return self.root / algo / hexdigest[:2] / hexdigest[2:]

    def has(self, digest: str) -> bool:
        """Whether an object for ``digest`` is present (not whether it is intact)."""
        return (self.path(digest) / _META).is_file()

    def meta(self, digest: str) -> dict[str, Any]:
        """The object's ``object.json``; :class:`ObjectNotFoundError` when absent."""
        try:
            data = json.loads((self.path(digest) / _META).read_text())
        except FileNotFoundError:
            raise ObjectNotFoundError(f"no object {digest} in {self.root}") from None
        except (OSError, ValueError) as exc:
            raise CorruptObjectError(f"object {digest} ({self.path(digest)}): {exc}") from exc
        if not isinstance(data, dict) or data.get("format") not in _CONTENT:
            raise CorruptObjectError(f"object {digest} ({self.path(digest)}): bad object.json")
        return data

    def content_path(self, digest: str) -> Path:
        """The path of the object's content (``data``, ``tree/``, ``data.parquet``...)."""
        return self.path(digest) / _CONTENT[self.meta(digest)["format"]]

    def iter_ids(self) -> Iterator[str]:
        """Every object id present (hidden staging directories are skipped)."""
        if not self.root.is_dir():
            return
        for algo_dir in sorted(self.root.iterdir()):
            if not algo_dir.is_dir() or algo_dir.name.startswith("."):
                continue
            for prefix in sorted(algo_dir.iterdir()):
                if not prefix.is_dir() or prefix.name.startswith("."):
                    continue
                for obj in sorted(prefix.iterdir()):
                    if not obj.name.startswith(".") and (obj / _META).is_file():
                        yield f"{algo_dir.name}:{prefix.name}{obj.name}"

    # --- write ---------------------------------------------------------------------------
    def put(
        self,
        obj: Any,
        digest: str,
        *,
        include_index: bool = False,
        float_decimals: int | None = None,
        architecture_hash: str | None = None,
        architecture_in_digest: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> bool:
        """Keep ``obj``'s content as object ``digest`` (its id); True when written, False when
        already present. The staged copy is verified before it becomes visible:
        :class:`CorruptObjectError` when it does not digest to ``digest`` (a file that
        changed since it was hashed, a table that Parquet cannot hold exactly).
        ``include_index``/``float_decimals`` are the options a table's id was computed with;
        ``architecture_hash`` the one a state dict's id included.
        """
        if self.has(digest):
            return False
        fmt = _format_of(obj)
        final = self.path(digest)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.parent / f".tmp-{final.name[:8]}-{uuid.uuid4().hex}"
        tmp.mkdir()
        try:
            meta: dict[str, Any] = {"id": digest, "format": fmt}
            meta.update(
                self._write(
                    obj,
                    fmt,
                    tmp,
                    include_index=include_index,
                    float_decimals=float_decimals,
                    architecture_hash=architecture_hash if architecture_in_digest else None,
                    progress=progress,
                )
            )
            (tmp / _META).write_text(json.dumps(meta, sort_keys=True))
            self._check(digest, tmp, meta)  # raises CorruptObjectError
            try:
                os.rename(tmp, final)
            except OSError:
                if self.has(digest):  # a concurrent writer published it first
                    return False
                raise
            return True
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    def _write(
        self,
        obj: Any,
        fmt: ObjectFormat,
        tmp: Path,
        *,
        include_index: bool,
        float_decimals: int | None,
        architecture_hash: str | None,
        progress: Callable[[int], None] | None,
    ) -> dict[str, Any]:
        """Write ``obj`` into the staging directory; the object.json fields it needs."""
        target = tmp / _CONTENT[fmt]
        if fmt == "file":
            if isinstance(obj, str | os.PathLike):
                _copy_file(obj, target)
                meta: dict[str, Any] = {"kind": "file", "file_name": Path(obj).name}
            else:
                target.write_bytes(bytes(obj))
                meta = {"kind": "bytes"}
            if progress is not None:
                progress(target.stat().st_size)
            target.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
            return meta
        if fmt == "tree":
            shutil.copytree(obj, target, symlinks=True, copy_function=shutil.copy2)
            return {"kind": "directory", "file_name": Path(obj).name}
        if fmt == "parquet":
            source = _is_frame(obj)
            frame = obj
            if source == "pandas":
                import pandas as pd

                if isinstance(frame, pd.Series):
                    frame = frame.to_frame()
                frame.to_parquet(target, index=True)
            elif source == "polars":
                frame.write_parquet(target)
            else:
                import pyarrow as pa
                import pyarrow.parquet as pq

                table = (
                    pa.Table.from_batches([frame]) if isinstance(frame, pa.RecordBatch) else frame
                )
                pq.write_table(table, target)
            return {
                "kind": "dataset",
                "source": source,
                "include_index": include_index,
                "float_decimals": float_decimals,
            }
        if fmt == "npy":
            import numpy as np

            from provenance.hashing.arrays import is_tensor

            value = obj.detach().cpu().numpy() if is_tensor(obj) else obj
            np.save(target, np.asarray(value), allow_pickle=False)
            return {"kind": "array", "framework": "torch" if is_tensor(obj) else "numpy"}
        if fmt == "json":
            from provenance.hashing.core import canonical_json

            target.write_text(canonical_json(obj))
            return {"kind": "json"}
        from provenance import models_io

        saved = models_io.save_model(obj, target / "model", architecture_hash=architecture_hash)
        record = saved.metadata()
        return {
            "kind": "model",
            "saved": record,
            "model_file": saved.path.name,
            "architecture_in_digest": architecture_hash is not None,
        }

    # --- read ----------------------------------------------------------------------------
    def _load(self, digest: str, where: Path, meta: dict[str, Any]) -> tuple[str, Any]:
        """(digest of the object staged or stored at ``where``, the loaded value)."""
        return self._load_content(digest, where / _CONTENT[meta["format"]], meta)

    def _load_content(self, digest: str, content: Path, meta: dict[str, Any]) -> tuple[str, Any]:
        """(digest of the content at ``content``, read as ``meta`` says, the loaded value)."""
        from provenance.hashing import digest_object

        algo = parse_digest(digest)[0]
        fmt = meta["format"]
        if fmt in ("file", "tree"):
            info = digest_object(content, algo=algo)
            if meta.get("kind") == "bytes":
                return info.digest, content.read_bytes()
            return info.digest, content
        if fmt == "parquet":
            value = self._read_frame(content, meta.get("source"))
            d = digest_object(
                value,
                algo=algo,
                include_index=bool(meta.get("include_index")),
                float_decimals=meta.get("float_decimals"),
            ).digest
            return d, value
        if fmt == "npy":
            import numpy as np

            value = np.load(content, allow_pickle=False)
            return digest_object(value, algo=algo).digest, value
        if fmt == "json":
            value = json.loads(content.read_text())
            return digest_object(value, algo=algo).digest, value
        from provenance import models_io
        from provenance.model import Model

        model = Model(
            id=digest,
            name=digest,
            metadata={
                "saved": meta.get("saved") or {},
                "content": {"architecture_in_digest": bool(meta.get("architecture_in_digest"))},
            },
        )
        path = content / str(meta.get("model_file"))
        return models_io.saved_digest(model, path), models_io.load_saved(model, path)

    @staticmethod
    def _read_frame(path: Path, source: Any) -> Any:
        if source == "arrow":
            import pyarrow.parquet as pq

            return pq.read_table(path)
        if source == "polars":
            import polars as pl

            return pl.read_parquet(path)
        import pandas as pd

        return pd.read_parquet(path)

    def _check(self, digest: str, where: Path, meta: dict[str, Any]) -> Any:
        """The verified value of the object at ``where``; CorruptObjectError otherwise."""
        try:
            found, value = self._load(digest, where, meta)
        except MissingExtraError:
            raise
        except Exception as exc:  # an unreadable or truncated object
            raise CorruptObjectError(
                f"object {digest} ({where}) cannot be read: {type(exc).__name__}: {exc}"
            ) from exc
        if found != digest:
            raise CorruptObjectError(
                f"object {digest} ({where}) is corrupt: its content digests to {found}"
            )
        return value

    def get(self, digest: str) -> Any:
        """The object's content, re-verified against ``digest``: a DataFrame (pyarrow or
        polars table when logged as one), an ndarray, bytes, a model, JSON data, or the
        :class:`~pathlib.Path` of a file's or directory's copy inside the store (treat it as
        read-only; :meth:`checkout` writes a copy). :class:`ObjectNotFoundError` when absent,
        :class:`CorruptObjectError` naming it when it does not match.
        """
        return self._check(digest, self.path(digest), self.meta(digest))

    def restore(self, digest: str) -> Any:
        """The value a function would have received: :meth:`get`, except that a file or
        directory is first checked out to a fresh temporary directory (its own name kept) and
        that copy's Path returned, so the function cannot alter the stored object.

        Example:
            >>> import tempfile
            >>> from provenance.hashing import digest_object
            >>> s = ObjectStore(tempfile.mkdtemp()); oid = digest_object(b"x").digest
            >>> _ = s.put(b"x", oid); s.restore(oid)
            b'x'
        """
        meta = self.meta(digest)
        if meta["format"] not in ("file", "tree") or meta.get("kind") == "bytes":
            return self.get(digest)
        scratch = Path(tempfile.mkdtemp(prefix="provenance-restored-"))
        name = str(meta.get("file_name") or parse_digest(digest)[1][:12])
        return self.checkout(digest, scratch / name).path

    def verify(self, digest: str) -> None:
        """Re-hash the object; :class:`CorruptObjectError` naming it when it does not match."""
        self.get(digest)

    # --- checkout ------------------------------------------------------------------------
    def checkout(
        self,
        digest: str,
        dest: str | os.PathLike[str] | None = None,
        *,
        progress: Callable[[int], None] | None = None,
    ) -> CheckoutResult:
        """Write the object's content to ``dest`` (default: its file name, or
        ``<hex[:12]>.<ext>``, in the current directory): a file, a directory tree, a table as
        Parquet (or CSV when ``dest`` ends in ``.csv``), an array as ``.npy``, JSON, or the
        model's saved file. The object is verified first, and the copy written re-checked
        where its format keeps the content exactly (``verified``). ``dest`` must not exist.
        """
        meta = self.meta(digest)
        value = self.get(digest)
        fmt = meta["format"]
        src = self.path(digest) / _CONTENT[fmt]
        if dest is None:
            name = meta.get("file_name") or meta.get("model_file")
            ext = {"parquet": ".parquet", "npy": ".npy", "json": ".json"}.get(fmt, "")
            dest = name or f"{parse_digest(digest)[1][:12]}{ext}"
        out = Path(dest)
        if out.exists() or out.is_symlink():
            raise ObjectStoreError(f"{out} already exists; checkout does not overwrite")
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex}"
        try:
            exact = True
            if fmt == "tree":
                shutil.copytree(src, tmp, symlinks=True, copy_function=shutil.copy2)
            elif fmt == "model":
                model_src = src / str(meta.get("model_file"))
                if model_src.is_dir():
                    shutil.copytree(model_src, tmp, symlinks=True)
                else:
                    _copy_file(model_src, tmp)
            elif fmt == "parquet" and out.suffix.lower() == ".csv":
                import pandas as pd

                frame = value if isinstance(value, pd.DataFrame | pd.Series) else value.to_pandas()
                frame.to_csv(tmp, index=bool(meta.get("include_index")))
                exact = False
            else:
                _copy_file(src, tmp)
                tmp.chmod(stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
            if progress is not None:
                from provenance.hashing.progress import path_size

                progress(path_size(tmp))
            if exact and fmt != "model":
                found = self._load_content(digest, tmp, meta)[0]
                if found != digest:
                    raise CorruptObjectError(
                        f"object {digest}: the copy written to {out} digests to {found}"
                    )
            os.rename(tmp, out)
        finally:
            if tmp.is_dir() and not tmp.is_symlink():
                shutil.rmtree(tmp, ignore_errors=True)
            elif tmp.exists():
                tmp.unlink()
        if not exact:
            detail = "table written as CSV (the object was verified; CSV does not keep every type)"
        elif fmt == "model":
            detail = (
                f"model file saved as {meta['saved'].get('format')} (object re-loaded and verified)"
            )
        else:
            detail = "copy re-checked: digest matches"
        return CheckoutResult(id=digest, path=out, format=fmt, verified=exact, detail=detail)

    # --- delete --------------------------------------------------------------------------
    def delete(self, digest: str, *, shred: bool = False) -> bool:
        """Remove the object; True when it was present. ``shred`` (what an erasure asks):
        first overwrite every file of it with zeros, in place, and flush them to disk, so
        the file system frees blocks that no longer hold the content (on a file system that
        writes in place; a copy-on-write or log-structured one, or an SSD's wear levelling,
        may keep the old blocks: README.md, Reproduce).

        Example:
            >>> import tempfile
            >>> from provenance.hashing import digest_object
            >>> s = ObjectStore(tempfile.mkdtemp()); oid = digest_object(b"x").digest
            >>> _ = s.put(b"x", oid)
            >>> s.delete(oid, shred=True), s.has(oid), s.delete(oid)
            (True, False, False)
        """
        where = self.path(digest)
        if not where.exists():
            return False
        doomed = where.parent / f".del-{where.name[:8]}-{uuid.uuid4().hex}"
        try:
            os.rename(where, doomed)  # invisible at once, then removed
        except FileNotFoundError:
            return False
        if shred:
            _shred_tree(doomed)
        shutil.rmtree(doomed)
        return True

    def unreferenced(self, referenced: Iterable[str]) -> list[str]:
        """The ids of objects present that are not in ``referenced``."""
        keep = set(referenced)
        return [i for i in self.iter_ids() if i not in keep]


def _shred_tree(root: Path) -> None:
    """Overwrite every regular file under ``root`` with zeros of its length, in place, and
    flush each to disk (read-only files made writable first)."""
    chunk = bytes(1 << 20)
    for path in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
        path.chmod(0o600)
        size = path.stat().st_size
        with path.open("r+b") as f:
            left = size
            while left > 0:
                left -= f.write(chunk[: min(left, len(chunk))])
            f.flush()
            os.fsync(f.fileno())


def keep_content(
    objects: ObjectStore,
    obj: Any,
    artifact: Any,
    policy: KeepPolicy,
    *,
    strict: bool = False,
) -> bool:
    """Keep ``obj`` (just logged as ``artifact``) under ``policy``; True when written now.

    ``auto`` keeps everything but files and directories over :data:`KEEP_LIMIT_BYTES`;
    ``all`` keeps everything; ``none`` nothing. Content that cannot be kept exactly (a table
    Parquet changes, a model its framework cannot save) is logged as a warning and skipped,
    unless ``strict`` (an explicit ``keep=True``) raises.

    Example:
        >>> import tempfile
        >>> from provenance.model import Artifact
        >>> from provenance.hashing import digest_object
        >>> s = ObjectStore(tempfile.mkdtemp())
        >>> a = Artifact(id=digest_object(b"x").digest, name="x", kind="bytes")
        >>> keep_content(s, b"x", a, "none"), keep_content(s, b"x", a, "auto")
        (False, True)
    """
    if policy == "none" or getattr(artifact, "erased", False):
        return False
    if (
        policy == "auto"
        and isinstance(obj, str | os.PathLike)
        and (artifact.size_bytes or 0) > KEEP_LIMIT_BYTES
    ):
        return False
    content = (artifact.metadata or {}).get("content") or {}
    try:
        return objects.put(
            obj,
            artifact.id,
            include_index=content.get("index") is not None,
            float_decimals=content.get("float_decimals"),
            architecture_hash=getattr(artifact, "architecture_hash", None),
            architecture_in_digest=bool(content.get("architecture_in_digest")),
        )
    except (ProvenanceError, OSError, ImportError, ValueError, TypeError) as exc:
        if strict:
            if isinstance(exc, ProvenanceError):
                raise
            raise ObjectStoreError(f"cannot keep {artifact.name}: {exc}") from exc
        log.warning(
            "provenance: %s (%s) is recorded but its content is not kept: %s",
            artifact.name,
            artifact.id,
            exc,
        )
        return False


def erase_content(objects: ObjectStore, artifact_ids: Iterable[str]) -> list[str]:
    """Delete the erased artifacts' objects from the local object store (and, once remotes
    exist, from each :data:`remote_erasers`); the ids whose content was deleted.

    Example:
        >>> import tempfile
        >>> from provenance.hashing import digest_object
        >>> s = ObjectStore(tempfile.mkdtemp()); oid = digest_object(b"pii").digest
        >>> _ = s.put(b"pii", oid)
        >>> erase_content(s, [oid]) == [oid], s.has(oid)
        (True, False)
    """
    removed: list[str] = []
    for i in artifact_ids:
        hit = objects.delete(i, shred=True)
        for eraser in remote_erasers:
            hit = eraser(i) or hit
        if hit:
            removed.append(i)
    return removed


def load_artifact(artifact_id: Any, store: Any = None) -> Any:
    """The content of an artifact (id, unique prefix, or Artifact) as a value: from the
    object store when kept there (verified), else re-read where its uri points
    (:func:`provenance.analysis.artifacts.load_artifact`). A DataFrame (or the table type it
    was logged as), an ndarray, bytes, a model, JSON data, or a Path for files and
    directories. ``store``: an open store, a store URI or path, or None for the default.

    Example:
        >>> import tempfile, pandas as pd
        >>> from provenance import Tracker
        >>> t = Tracker(tempfile.mkdtemp() + "/")
        >>> a = t.log_artifact(pd.DataFrame({"a": [1, 2]}), name="raw")
        >>> load_artifact(a.id, t.store)["a"].tolist()
        [1, 2]
        >>> t.close()
    """
    from provenance.model import Artifact

    if isinstance(store, str) or store is None:
        from provenance.store import open_store

        opened = open_store(store, create=False)
        try:
            return load_artifact(artifact_id, opened)
        finally:
            opened.close()
    if isinstance(artifact_id, Artifact):
        art: Any = artifact_id
    else:
        from provenance.reader import resolve_id

        art = store.get(resolve_id(store, artifact_id))
        if not isinstance(art, Artifact):
            raise ObjectStoreError(f"{artifact_id} is not an artifact")
    if art.erased:
        raise ObjectNotFoundError(f"artifact {art.name} ({art.id}) was erased")
    objects = ObjectStore.for_store(store)
    if objects.has(art.id):
        return objects.get(art.id)
    from provenance.analysis.artifacts import load_artifact as from_uri

    return from_uri(art)


class GcReport(BaseModel):
    """What :func:`collect_garbage` found (``dry_run``) or removed: objects no artifact of
    the store refers to (an erased artifact refers to nothing)."""

    root: Path
    dry_run: bool
    objects: list[str]


def collect_garbage(
    store: Any, *, objects: ObjectStore | None = None, dry_run: bool = False
) -> GcReport:
    """Remove (or, ``dry_run``, list) the objects no artifact of ``store`` refers to.

    Refuses (:class:`ObjectStoreError`) on the shared per-user default directory of Neo4j
    stores, which other stores may use: set ``$PROVENANCE_OBJECTS`` to a directory of this
    store's own first.

    Example:
        >>> import tempfile
        >>> from provenance import Tracker
        >>> t = Tracker(tempfile.mkdtemp() + "/")
        >>> from provenance.hashing import digest_object
        >>> _ = t.log_artifact(b"referenced", name="a")
        >>> orphan = digest_object(b"orphan").digest
        >>> _ = t.objects.put(b"orphan", orphan)
        >>> collect_garbage(t.store, dry_run=True).objects == [orphan]
        True
        >>> collect_garbage(t.store).objects == [orphan], t.objects.has(orphan)
        (True, False)
        >>> t.close()
    """
    from provenance.model import Artifact

    objects = objects or ObjectStore.for_store(store)
    if objects.shared_default:
        raise ObjectStoreError(
            f"{objects.root} is the per-user default object directory, which other stores may "
            f"share; set {OBJECTS_ENV} to this store's own directory before collecting garbage"
        )
    referenced = {
        n.id
        for batch in store.iter_nodes()
        for n in batch
        if isinstance(n, Artifact) and not n.erased
    }
    doomed = objects.unreferenced(referenced)
    if not dry_run:
        doomed = [i for i in doomed if objects.delete(i)]
    return GcReport(root=objects.root, dry_run=dry_run, objects=doomed)
