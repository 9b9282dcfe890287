"""Progress bars for long digests (the CLI's ``provenance hash PATH``).

Every file and directory digest takes ``progress: Callable[[int], None]``, called with the
bytes just hashed; :func:`rich_byte_progress` turns a rich progress bar into such a callback,
and :func:`digest_path_with_progress` puts the pieces together.

Example:
    >>> import io, pathlib, tempfile
    >>> from rich.console import Console
    >>> from provenance.hashing import digest_file
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "f.bin"; _ = p.write_bytes(b"x" * 100)
    >>> quiet = Console(file=io.StringIO())
    >>> with rich_byte_progress(100, "hashing", console=quiet) as advance:
    ...     d = digest_file(p, progress=advance)
    >>> d == digest_path_with_progress(p, console=quiet, use_cache=False).digest
    True
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from provenance.hashing.cache import DigestCache
from provenance.hashing.core import DEFAULT_ALGORITHM
from provenance.hashing.directories import directory_size
from provenance.hashing.dispatch import ContentInfo, digest_object
from provenance.hashing.files import unreadable

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["digest_path_with_progress", "path_size", "rich_byte_progress"]


@contextmanager
def rich_byte_progress(
    total_bytes: int | None,
    description: str = "hashing",
    *,
    console: Console | None = None,
    transient: bool = False,
) -> Iterator[Callable[[int], None]]:
    """A rich progress bar (bytes, speed, time left) for the ``with`` block; yields the
    ``progress`` callback that advances it. ``total_bytes=None`` shows an open-ended bar.

    Example:
        >>> import io
        >>> from rich.console import Console
        >>> with rich_byte_progress(10, console=Console(file=io.StringIO())) as advance:
        ...     advance(4); advance(6)
    """
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=transient,
    ) as bar:
        task = bar.add_task(description, total=total_bytes)

        def advance(n: int) -> None:
            bar.advance(task, n)

        yield advance


def path_size(path: str | os.PathLike[str]) -> int:
    """Bytes a digest of ``path`` will read: the file's size, or the sum over a directory's
    regular files (symlinks not followed). A progress bar's total.

    Example:
        >>> import pathlib, tempfile
        >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "a").write_bytes(b"12345")
        >>> path_size(d), path_size(d / "a")
        (5, 5)
    """
    try:
        st = os.stat(path)
    except OSError as e:
        raise unreadable(path, e) from e
    return directory_size(path) if stat.S_ISDIR(st.st_mode) else st.st_size


def digest_path_with_progress(
    path: str | os.PathLike[str],
    *,
    algo: str = DEFAULT_ALGORITHM,
    console: Console | None = None,
    cache: DigestCache | None = None,
    use_cache: bool = True,
    description: str | None = None,
) -> ContentInfo:
    """Digest a file or directory while a rich progress bar shows the bytes hashed.

    With ``use_cache`` (the default) unchanged files come from ``cache``, or from the default
    :class:`~provenance.hashing.cache.DigestCache` when none is given. The bar is transient:
    it disappears when done.

    Example:
        >>> import io, pathlib, tempfile
        >>> from rich.console import Console
        >>> d = pathlib.Path(tempfile.mkdtemp()); _ = (d / "a").write_bytes(b"1")
        >>> info = digest_path_with_progress(d, console=Console(file=io.StringIO()),
        ...                                  cache=DigestCache(cache_dir=tempfile.mkdtemp()))
        >>> info.kind, info.details["file_count"]
        ('directory', 1)
    """
    total = path_size(path)
    own_cache = use_cache and cache is None
    active = (DigestCache() if own_cache else cache) if use_cache else None
    try:
        label = description or f"hashing {os.fspath(path)}"
        with rich_byte_progress(total, label, console=console, transient=True) as advance:
            return digest_object(path, algo=algo, cache=active, progress=advance)
    finally:
        if own_cache and active is not None:
            active.close()
