"""Content addressing: ids for bytes, files, directories, tables, arrays and model weights.

Every id is a full ``algo:hex`` digest (BLAKE3 by default, ``algo="sha256"`` on request),
domain-separated and versioned (``provenance:<domain>:v<HASH_VERSION>``), so an id computed
today means the same thing after any future change of a canonical form.

=========================  =================================================================
:func:`digest_object`      any supported object -> :class:`ContentInfo` (digest, kind, size)
:func:`digest_blob`        bytes (same id as a file holding them)
:func:`digest_file`        a file, streamed / memory-mapped, change-detecting, cacheable
:func:`digest_directory`   a tree: Merkle digest + manifest (:func:`diff_manifests`)
:func:`digest_frame`       pandas / pyarrow / polars tables, canonical (no pickle)
:func:`row_fingerprints`   per-row 64-bit fingerprints of a table
:func:`digest_array`       numpy arrays and torch tensors (dtype, shape, content)
:func:`digest_state_dict`  model weights; :func:`architecture_hash` for the structure
:func:`digest_model`       fitted framework models (scikit-learn, XGBoost, LightGBM, torch,
                           transformers, Keras): class + hyperparameters + fitted state
:class:`DigestCache`       persistent (path, stat) -> digest cache in SQLite
=========================  =================================================================

Example:
    >>> import pandas as pd
    >>> from provenance.hashing import digest_object
    >>> info = digest_object(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
    >>> info.kind, info.row_count, info.digest.startswith("blake3:")
    ('dataset', 2, True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provenance.hashing.arrays import array_signature, digest_array
    from provenance.hashing.cache import CacheStats, DigestCache, default_cache_dir
    from provenance.hashing.core import (
        ALGORITHMS,
        DEFAULT_ALGORITHM,
        HASH_VERSION,
        Algorithm,
        canonical_json,
        check_algorithm,
        digest_blob,
        digest_bytes,
        digest_json,
        format_digest,
        is_digest,
        parse_digest,
    )
    from provenance.hashing.directories import (
        DirectoryDigest,
        ManifestDiff,
        ManifestEntry,
        diff_manifests,
        digest_directory,
        directory_size,
    )
    from provenance.hashing.dispatch import ContentInfo, ContentKind, digest_object
    from provenance.hashing.files import ProgressCallback, digest_file
    from provenance.hashing.fingerprints import row_fingerprints
    from provenance.hashing.frames import FrameDigest, digest_frame, frame_digest
    from provenance.hashing.frameworks import ModelDigest, digest_model, model_framework
    from provenance.hashing.progress import (
        digest_path_with_progress,
        path_size,
        rich_byte_progress,
    )
    from provenance.hashing.weights import architecture_hash, digest_state_dict, is_state_dict
else:
    from provenance._lazy import lazy_package

    # Imported on first use: numpy, pandas and pyarrow load only when a digest needs them.
    lazy_package(
        __name__,
        {
            "provenance.hashing.arrays": ("array_signature", "digest_array"),
            "provenance.hashing.cache": ("CacheStats", "DigestCache", "default_cache_dir"),
            "provenance.hashing.core": (
                "ALGORITHMS",
                "DEFAULT_ALGORITHM",
                "HASH_VERSION",
                "Algorithm",
                "canonical_json",
                "check_algorithm",
                "digest_blob",
                "digest_bytes",
                "digest_json",
                "format_digest",
                "is_digest",
                "parse_digest",
            ),
            "provenance.hashing.directories": (
                "DirectoryDigest",
                "ManifestDiff",
                "ManifestEntry",
                "diff_manifests",
                "digest_directory",
                "directory_size",
            ),
            "provenance.hashing.dispatch": ("ContentInfo", "ContentKind", "digest_object"),
            "provenance.hashing.files": ("ProgressCallback", "digest_file"),
            "provenance.hashing.fingerprints": ("row_fingerprints",),
            "provenance.hashing.frames": ("FrameDigest", "digest_frame", "frame_digest"),
            "provenance.hashing.frameworks": ("ModelDigest", "digest_model", "model_framework"),
            "provenance.hashing.progress": (
                "digest_path_with_progress",
                "path_size",
                "rich_byte_progress",
            ),
            "provenance.hashing.weights": (
                "architecture_hash",
                "digest_state_dict",
                "is_state_dict",
            ),
        },
    )

__all__ = [
    "ALGORITHMS",
    "DEFAULT_ALGORITHM",
    "HASH_VERSION",
    "Algorithm",
    "CacheStats",
    "ContentInfo",
    "ContentKind",
    "DigestCache",
    "DirectoryDigest",
    "FrameDigest",
    "ManifestDiff",
    "ManifestEntry",
    "ModelDigest",
    "ProgressCallback",
    "architecture_hash",
    "array_signature",
    "canonical_json",
    "check_algorithm",
    "default_cache_dir",
    "diff_manifests",
    "digest_array",
    "digest_blob",
    "digest_bytes",
    "digest_directory",
    "digest_file",
    "digest_frame",
    "digest_json",
    "digest_model",
    "digest_object",
    "digest_path_with_progress",
    "digest_state_dict",
    "directory_size",
    "format_digest",
    "frame_digest",
    "is_digest",
    "is_state_dict",
    "model_framework",
    "parse_digest",
    "path_size",
    "rich_byte_progress",
    "row_fingerprints",
]
