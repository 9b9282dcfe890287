"""One entry point for every kind of content: :func:`digest_object` -> :class:`ContentInfo`.

Example:
    >>> import numpy as np, pandas as pd
    >>> digest_object(pd.DataFrame({"a": [1, 2]})).kind
    'dataset'
    >>> info = digest_object(np.zeros((2, 3), dtype=np.float32))
    >>> info.kind, info.row_count, info.details["shape"]
    ('array', 2, [2, 3])
    >>> digest_object(b"hello").size_bytes
    5
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from provenance.errors import UnsupportedTypeError
from provenance.hashing.arrays import array_parts, digest_array_parts, is_array, is_tensor
from provenance.hashing.cache import DigestCache
from provenance.hashing.columns import frame_source
from provenance.hashing.core import (
    DEFAULT_ALGORITHM,
    HASH_VERSION,
    canonical_json,
    check_algorithm,
    digest_blob,
    digest_bytes,
    domain_prefix,
)
from provenance.hashing.directories import digest_directory
from provenance.hashing.files import ProgressCallback, digest_file, unreadable
from provenance.hashing.frames import frame_digest
from provenance.hashing.frameworks import digest_model, framework_version, model_framework
from provenance.hashing.weights import (
    architecture_hash,
    digest_state_dict,
    is_module,
    is_state_dict,
    state_dict_signature,
)
from provenance.wording import with_article

__all__ = ["ContentInfo", "ContentKind", "digest_object"]

ContentKind = Literal["dataset", "array", "bytes", "file", "directory", "model", "json"]


class ContentInfo(BaseModel):
    """What :func:`digest_object` learnt: the digest, the kind of content, and its vital signs.

    ``size_bytes``: file or directory bytes, buffer length, array ``nbytes``, the canonical
    bytes hashed for a table, the summed tensor bytes for a model, the canonical JSON length.
    ``row_count``: rows of a table, first-axis length of an array (None otherwise).
    ``details``: kind-specific facts (columns and types, shape and dtype, manifest counts,
    parameter count and architecture hash, ...). Always JSON-serialisable.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    digest: str
    kind: ContentKind
    size_bytes: int | None = None
    row_count: int | None = None
    details: dict[str, Any] = Field(default_factory=dict)


def _path_info(
    path: str | os.PathLike[str],
    algo: str,
    cache: DigestCache | None,
    progress: ProgressCallback | None,
) -> ContentInfo:
    p = os.fspath(path)
    try:
        st = os.stat(p)
    except FileNotFoundError as e:
        if isinstance(path, str):
            raise unreadable(
                p,
                "no such file or directory (digest_object reads a str as a path; "
                "pass text.encode() to digest the text itself)",
            ) from e
        raise unreadable(p, e) from e
    except OSError as e:
        raise unreadable(p, e) from e
    abspath = os.path.abspath(p)
    if stat.S_ISDIR(st.st_mode):
        d = digest_directory(p, algo, progress=progress, cache=cache)
        return ContentInfo(
            digest=d.digest,
            kind="directory",
            size_bytes=d.total_bytes,
            details={
                "path": abspath,
                "file_count": d.file_count,
                "link_count": d.link_count,
                "executable_count": d.executable_count,
                "total_bytes": d.total_bytes,
                "hash_version": HASH_VERSION,
            },
        )
    digest = digest_file(p, algo, progress=progress, cache=cache)
    return ContentInfo(
        digest=digest,
        kind="file",
        size_bytes=st.st_size,
        details={"path": abspath, "hash_version": HASH_VERSION},
    )


def _model_info(sd: Mapping[str, Any], arch: str | None, framework: str, algo: str) -> ContentInfo:
    sigs = state_dict_signature(sd)
    return ContentInfo(
        digest=digest_state_dict(sd, arch, algo),
        kind="model",
        size_bytes=sum(s.nbytes for s in sigs.values()),
        details={
            "framework": framework,
            "framework_version": framework_version(framework),
            "architecture_hash": arch if arch is not None else architecture_hash(sd, algo),
            "architecture_in_digest": arch is not None,
            "parameter_count": sum(s.size for s in sigs.values()),
            "tensor_count": len(sigs),
            "hash_version": HASH_VERSION,
        },
    )


def digest_object(
    obj: Any,
    *,
    algo: str = DEFAULT_ALGORITHM,
    include_index: bool = False,
    float_decimals: int | None = None,
    cache: DigestCache | None = None,
    progress: ProgressCallback | None = None,
    architecture: str | None = None,
) -> ContentInfo:
    """Digest any supported object and say what it is.

    * pandas DataFrame/Series, pyarrow Table/RecordBatch, polars DataFrame -> ``dataset``
      (:func:`~provenance.hashing.frames.digest_frame`)
    * numpy ndarray, torch Tensor -> ``array`` (:func:`~provenance.hashing.arrays.digest_array`)
    * bytes, bytearray, memoryview -> ``bytes`` (:func:`~provenance.hashing.core.digest_blob`)
    * str or PathLike naming a file -> ``file`` (:func:`~provenance.hashing.files.digest_file`)
    * ... naming a directory -> ``directory``
      (:func:`~provenance.hashing.directories.digest_directory`)
    * dict of str -> array/tensor (a numpy or torch state dict) -> ``model``
      (:func:`~provenance.hashing.weights.digest_state_dict`; ``architecture``, when given,
      enters the digest, else ``details["architecture_hash"]`` only describes the
      names/shapes/dtypes)
    * torch nn.Module -> ``model`` (its ``state_dict()`` with its
      :func:`~provenance.hashing.weights.architecture_hash`, or ``architecture``, in the digest)
    * scikit-learn estimators and pipelines, XGBoost and LightGBM boosters (and their
      scikit-learn wrappers), Hugging Face ``transformers`` models, Keras models ->
      ``model`` (:func:`~provenance.hashing.frameworks.digest_model`: class, hyperparameters
      and fitted state; ``details`` holds the framework, its version and the class)
    * any other dict, list or tuple of JSON values -> ``json`` (canonical JSON)

    A ``str`` is always read as a path; one that names nothing raises
    :class:`~provenance.errors.UnreadableInputError` (pass ``text.encode()`` to digest text).
    ``include_index``/``float_decimals`` apply to tables, ``cache``/``progress`` to files and
    directories. Anything else raises :class:`~provenance.errors.UnsupportedTypeError` naming
    the type.

    Example:
        >>> import numpy as np
        >>> info = digest_object({"w": np.ones((4, 2), np.float32), "b": np.zeros(2, np.float32)})
        >>> info.kind, info.details["parameter_count"]
        ('model', 10)
        >>> digest_object([1, 2.0]).digest == digest_object((1.0, 2)).digest
        True
    """
    algo = check_algorithm(algo)
    source = frame_source(obj)
    if source is not None:
        return _frame_info(obj, source, algo, include_index, float_decimals)
    if isinstance(obj, bytes | bytearray | memoryview):
        return _bytes_info(memoryview(obj), algo)
    if isinstance(obj, str | os.PathLike):
        return _path_info(obj, algo, cache, progress)
    if is_array(obj):
        return _array_info(obj, algo)
    framework = model_framework(obj)
    if framework is not None:
        return _framework_info(obj, framework, architecture, algo)
    if is_state_dict(obj):
        framework = "torch" if any(is_tensor(v) for v in obj.values()) else "numpy"
        return _model_info(obj, architecture, framework, algo)
    if isinstance(obj, Mapping | list | tuple):
        return _json_info(obj, algo)
    raise UnsupportedTypeError(
        f"cannot digest {with_article(f'{type(obj).__module__}.{type(obj).__qualname__}')}: "
        f"{SUPPORTED}"
    )


#: What :func:`digest_object` takes, for error messages.
SUPPORTED = (
    "pass a DataFrame or table (pandas, pyarrow, polars), a numpy array or torch tensor, "
    "bytes, a file or directory path, a state dict ({name: array}), a model (scikit-learn "
    "estimator or pipeline, XGBoost or LightGBM booster or estimator, torch nn.Module, "
    "Hugging Face transformers model, Keras model), or JSON data (dict, list)"
)


def _framework_info(obj: Any, framework: str, architecture: str | None, algo: str) -> ContentInfo:
    """A framework model's ContentInfo (:mod:`provenance.hashing.frameworks` recipes).

    A torch module given an explicit ``architecture`` keeps the state-dict recipe with that
    architecture hash in the digest (as it always has).
    """
    if architecture is not None and is_module(obj):
        info = _model_info(obj.state_dict(), architecture, framework, algo)
        details = {**info.details, "class": f"{type(obj).__module__}.{type(obj).__qualname__}"}
        return info.model_copy(update={"details": details})
    md = digest_model(obj, algo)
    return ContentInfo(
        digest=md.digest,
        kind="model",
        size_bytes=md.size_bytes,
        details={
            **md.details,
            "architecture_hash": md.architecture_hash,
            "parameter_count": md.parameter_count,
        },
    )


def _frame_info(
    obj: Any, source: str, algo: str, include_index: bool, float_decimals: int | None
) -> ContentInfo:
    info = frame_digest(obj, algo, include_index=include_index, float_decimals=float_decimals)
    return ContentInfo(
        digest=info.digest,
        kind="dataset",
        size_bytes=info.size_bytes,
        row_count=info.rows,
        details={
            "source": source,
            "columns": [{"name": _label(n), "type": t} for n, t in info.columns],
            "column_count": len(info.columns),
            "index": None
            if info.index is None
            else [{"name": _label(n), "type": t} for n, t in info.index],
            "float_decimals": float_decimals,
            "hash_version": HASH_VERSION,
        },
    )


def _bytes_info(data: memoryview, algo: str) -> ContentInfo:
    return ContentInfo(
        digest=digest_blob(data, algo),
        kind="bytes",
        size_bytes=data.nbytes,
        details={"hash_version": HASH_VERSION},
    )


def _array_info(obj: Any, algo: str) -> ContentInfo:
    parts = array_parts(obj)
    return ContentInfo(
        digest=digest_array_parts(parts, algo),
        kind="array",
        size_bytes=parts.nbytes,
        row_count=parts.shape[0] if parts.shape else None,
        details={
            "dtype": parts.dtype,
            "shape": list(parts.shape),
            "framework": "torch" if is_tensor(obj) else "numpy",
            "hash_version": HASH_VERSION,
        },
    )


def _json_info(obj: Mapping[Any, Any] | list[Any] | tuple[Any, ...], algo: str) -> ContentInfo:
    # What digest_json(obj, domain="json") hashes, serialised once to also get its size.
    payload = canonical_json(obj).encode()  # UnsupportedTypeError for non-JSON values
    return ContentInfo(
        digest=digest_bytes(domain_prefix("json") + payload, algo),
        kind="json",
        size_bytes=len(payload),
        details={"hash_version": HASH_VERSION},
    )


def _label(name: Any) -> Any:
    """A JSON-safe column label: str/int/float/bool/None as is, anything else its JSON text."""
    if name is None or isinstance(name, str | int | float | bool):
        return name
    return canonical_json(name)
