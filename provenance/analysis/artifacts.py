"""Re-reading an artifact where its uri points, and checking it is still what was recorded.

:func:`check_artifact` says whether an artifact's content can be had again: the ``uri`` must
name a local file or directory that still exists and whose content digest (recomputed with
the algorithm of the id's ``algo:`` prefix) equals the id. A CSV/Parquet file whose bytes do
not match is also tried as a table, a ``.npy`` file as an array (a table or array logged from
memory and then saved has its *content* digest as id). A model saved by
``tracker.log_model(..., save=True)`` (its ``metadata["saved"]`` says how) is available when
its file is byte-for-byte the one saved (the recorded file digest; the save checked that it
re-loads as the model), else when it re-loads (:mod:`provenance.models_io`) as a model with
the recorded canonical digest. :func:`load_artifact` returns the checked content as the value
a function would have received (a model: the re-loaded model object). Verify and replay both
use these two, and nothing else, to reach recorded data.

Example:
    >>> c = check_artifact(Artifact(id="blake3:" + "a" * 64, name="in_memory"))
    >>> c.status, c.ok
    ('not_retrievable', False)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from provenance.analysis.refs import NodeRef
from provenance.errors import ProvenanceError
from provenance.hashing.core import parse_digest
from provenance.locations import uri_to_path
from provenance.model import Artifact, short_id

__all__ = ["ArtifactCheck", "ArtifactStatus", "LoadedAs", "check_artifact", "load_artifact"]

ArtifactStatus = Literal["available", "regenerable", "changed", "missing", "not_retrievable"]
#: How the content was re-read: ``path`` (file/directory digest), ``frame``, ``array`` or
#: ``model`` (a saved model, re-loaded in its framework).
LoadedAs = Literal["path", "frame", "array", "model"]


class ArtifactCheck(NodeRef):
    """Whether one artifact's content can be had again (the artifact's :class:`NodeRef`
    fields, plus the checks')."""

    role: str | None = None
    #: ``available``: found at its uri, digest re-checked; ``regenerable``: not retrievable
    #: but produced by a transform in the checked ancestry; ``changed``: found, digest differs;
    #: ``missing``: the uri names nothing (or the content was erased); ``not_retrievable``:
    #: no local uri (logged from memory, or a remote URI this check does not fetch).
    status: ArtifactStatus
    loaded_as: LoadedAs | None = None
    detail: str

    @property
    def ok(self) -> bool:
        """True when this artifact does not block a reproduction."""
        return self.status in ("available", "regenerable")


def _saved_model(artifact: Artifact) -> dict[str, Any] | None:
    """The artifact's ``metadata["saved"]`` record when it is a saved model."""
    saved = artifact.metadata.get("saved") if artifact.metadata else None
    return saved if isinstance(saved, dict) and isinstance(saved.get("format"), str) else None


def _check_model(
    artifact: Artifact, path: Path, file_digest: str, role: str | None
) -> ArtifactCheck | None:
    """The check of a saved model whose file's own digest is not the id (see module docs);
    None when ``artifact`` is not a saved model."""
    saved = _saved_model(artifact)
    if saved is None:
        return None
    how = f"saved as {saved['format']}"
    if saved.get("file_digest") == file_digest:
        return ArtifactCheck.of(
            artifact,
            role=role,
            status="available",
            loaded_as="model",
            detail=f"{path}: the model file {how}, unchanged since it was logged",
        )
    from provenance.models_io import saved_digest

    try:
        digest = saved_digest(artifact, path)
    except ProvenanceError as exc:
        return ArtifactCheck.of(
            artifact,
            role=role,
            status="changed",
            detail=f"{path}: model file changed and cannot be re-loaded ({how}): {exc}",
        )
    except Exception as exc:  # a framework's own error on a damaged file
        return ArtifactCheck.of(
            artifact,
            role=role,
            status="changed",
            detail=f"{path}: model file changed and cannot be re-loaded ({how}): "
            f"{type(exc).__name__}: {exc}",
        )
    if digest == artifact.id:
        return ArtifactCheck.of(
            artifact,
            role=role,
            status="available",
            loaded_as="model",
            detail=f"{path}: re-loaded model ({how}) has the recorded digest",
        )
    return ArtifactCheck.of(
        artifact,
        role=role,
        status="changed",
        detail=f"{path}: re-loaded model ({how}) is now {short_id(digest)}, "
        f"recorded {short_id(artifact.id)}",
    )


def _read_as(path: Path, how: LoadedAs) -> Any:
    """The content of ``path`` as a table or array (``how``), or None when it cannot be."""
    suffix = path.suffix.lower()
    try:
        if how == "frame":
            import pandas as pd

            if suffix == ".csv":
                return pd.read_csv(path)
            if suffix in (".parquet", ".pq"):
                return pd.read_parquet(path)
            return None
        if how == "array" and suffix == ".npy":
            import numpy as np

            return np.load(path, allow_pickle=False)
    except Exception:  # an unreadable file is reported as changed, not raised
        return None
    return None


def _locate(artifact: Artifact) -> Path | tuple[ArtifactStatus, str]:
    """The local path of the artifact's content, or why there is none (status, detail)."""
    if artifact.erased:
        return "missing", f"content erased ({artifact.erasure_reason or 'no reason recorded'})"
    if not artifact.uri:
        return "not_retrievable", "logged from memory (no uri): the content cannot be re-read"
    try:
        path = uri_to_path(artifact.uri)
    except ValueError:
        return "not_retrievable", f"{artifact.uri} is not a local file; not fetched"
    if not path.exists():
        return "missing", f"{path} does not exist"
    return path


def check_artifact(artifact: Artifact, role: str | None = None) -> ArtifactCheck:
    """Is ``artifact``'s content still where its uri points, with the digest it was recorded with?

    Example:
        >>> import tempfile, pathlib
        >>> from provenance.hashing import digest_object
        >>> from provenance.locations import path_to_uri
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.bin"
        >>> _ = p.write_bytes(b"abc")
        >>> a = Artifact(id=digest_object(p).digest, name="a", kind="file", uri=path_to_uri(p))
        >>> check_artifact(a).status
        'available'
        >>> _ = p.write_bytes(b"abd")
        >>> check_artifact(a).status
        'changed'
    """
    from provenance.hashing import digest_object

    path = _locate(artifact)
    if not isinstance(path, Path):
        status, detail = path
        return ArtifactCheck.of(artifact, role=role, status=status, detail=detail)
    algo = parse_digest(artifact.id)[0]
    try:
        digest = digest_object(path, algo=algo).digest
    except ProvenanceError as exc:
        return ArtifactCheck.of(
            artifact, role=role, status="missing", detail=f"{path} cannot be read: {exc}"
        )
    if digest == artifact.id:
        return ArtifactCheck.of(
            artifact,
            role=role,
            status="available",
            loaded_as="path",
            detail=f"{path}: digest matches",
        )
    model = _check_model(artifact, path, digest, role)
    if model is not None:
        return model
    attempts: tuple[tuple[LoadedAs, str], ...] = (("frame", "a table"), ("array", "an array"))
    for how, what in attempts:
        value = _read_as(path, how)
        if value is None:
            continue
        try:
            if digest_object(value, algo=algo).digest == artifact.id:
                return ArtifactCheck.of(
                    artifact,
                    role=role,
                    status="available",
                    loaded_as=how,
                    detail=f"{path}: content digest (read as {what}) matches",
                )
        except ProvenanceError:
            pass
    return ArtifactCheck.of(
        artifact,
        role=role,
        status="changed",
        detail=f"{path}: digest is now {short_id(digest)}, recorded {short_id(artifact.id)}",
    )


def load_artifact(artifact: Artifact, check: ArtifactCheck | None = None) -> Any:
    """The content of an available artifact, as the value a function would have received.

    Files and directories come back as a :class:`~pathlib.Path`; ``bytes`` artifacts as bytes;
    tables whose digest is their content's as a pandas DataFrame; ``.npy`` arrays as arrays;
    saved models as the re-loaded model (:func:`provenance.models_io.load_saved`: the
    estimator or booster; a state dict for safetensors weights).
    ``check`` is the artifact's :func:`check_artifact` result when already made. Raises
    :class:`ProvenanceError` when the artifact is not available.

    Example:
        >>> load_artifact(Artifact(id="blake3:" + "a" * 64, name="a"))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        provenance.errors.ProvenanceError: artifact a (aaaaaaaaaaaa) is not_retrievable: ...
    """
    check = check or check_artifact(artifact)
    if check.status != "available" or artifact.uri is None:
        raise ProvenanceError(
            f"artifact {artifact.name} ({short_id(artifact.id)}) is {check.status}: {check.detail}"
        )
    path = uri_to_path(artifact.uri)
    if check.loaded_as == "model":
        from provenance.models_io import load_saved

        return load_saved(artifact, path)
    if check.loaded_as in ("frame", "array"):
        return _read_as(path, check.loaded_as)
    if artifact.kind == "bytes" and path.is_file():
        return path.read_bytes()
    return path
