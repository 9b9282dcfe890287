"""Artifact locations: file paths and the ``file://`` URIs artifacts record.

Example:
    >>> uri_to_path(path_to_uri("/tmp/a b.csv")).as_posix()
    '/tmp/a b.csv'
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit


def path_to_uri(path: str | Path) -> str:
    """The absolute ``file://`` URI of a path."""
    return Path(path).expanduser().resolve().as_uri()


def uri_to_path(uri: str) -> Path:
    """The local path a ``file://`` URI (or a plain path) points to.

    Raises ValueError for URIs of other schemes (``s3://…``), which have no local path.
    """
    parts = urlsplit(uri)
    if parts.scheme in ("", "file"):
        return Path(unquote(parts.path if parts.scheme else uri))
    raise ValueError(f"{uri!r} is not a local file URI")
