"""Streaming digests of files: constant memory, memory-mapped where that is faster.

A file's id is the :func:`~provenance.hashing.core.digest_blob` of its bytes, so a file and a
``bytes`` object with the same content share one id.

How a file is read:

* files of at least :data:`MMAP_THRESHOLD` bytes are memory-mapped in windows of 256 MiB and
  fed to the hasher 16 MiB at a time (BLAKE3 spreads each slice over all cores); smaller files
  are read with one ``read``. Memory stays constant whatever the file's size.
* Memory mapping has one hazard every mmap-based hasher shares (``b3sum``, ``git``): if another
  process *truncates* the file while it is mapped, the kernel kills the reader with SIGBUS.
  Set ``PROVENANCE_NO_MMAP=1`` to read with ``read`` instead (about 35% slower here).
* The file is ``fstat``-ed when opened and again (by descriptor and by path) when done; a
  different size, mtime or inode raises :class:`~provenance.errors.ContentChangedError`, so a
  digest is never taken of a file that was being written. (A same-size rewrite inside one tick
  of the filesystem clock cannot be seen by any stat-based check.)

Example:
    >>> import pathlib, tempfile
    >>> from provenance.hashing import digest_blob
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "data.csv"
    >>> _ = p.write_text("a,b\\n1,2\\n")
    >>> seen = []
    >>> digest_file(p, progress=seen.append) == digest_blob(p.read_bytes())
    True
    >>> sum(seen)
    8
"""

from __future__ import annotations

import errno
import mmap
import os
import stat
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from provenance.errors import ContentChangedError, UnreadableInputError
from provenance.hashing.core import (
    DEFAULT_ALGORITHM,
    Hasher,
    check_algorithm,
    format_digest,
    new_domain_hasher,
)

if TYPE_CHECKING:
    from provenance.hashing.cache import DigestCache

__all__ = ["MMAP_THRESHOLD", "ProgressCallback", "digest_file"]

#: Called with the number of bytes just hashed (or found in the cache).
ProgressCallback = Callable[[int], None]

#: Files at least this large are memory-mapped (unless ``PROVENANCE_NO_MMAP`` is set).
MMAP_THRESHOLD = 1 << 20
#: Files at least this large are hashed by multithreaded BLAKE3.
MULTITHREAD_THRESHOLD = 8 << 20
_SLICE = 16 << 20  # bytes per hasher update and per progress call
_WINDOW = 256 << 20  # bytes mapped at once
_READ_CHUNK = 4 << 20  # buffer size of the read() path


_local = threading.local()


def _read_buffer() -> memoryview:
    """This thread's reusable read buffer (no allocation per file or per read)."""
    buf: memoryview | None = getattr(_local, "buf", None)
    if buf is None:
        buf = _local.buf = memoryview(bytearray(_READ_CHUNK))
    return buf


def _use_mmap() -> bool:
    return os.environ.get("PROVENANCE_NO_MMAP", "").strip().lower() in ("", "0", "false", "no")


def unreadable(path: str | os.PathLike[str], exc: OSError | str) -> UnreadableInputError:
    """An :class:`UnreadableInputError` whose message names ``path`` and the reason."""
    reason = exc if isinstance(exc, str) else (exc.strerror or str(exc))
    return UnreadableInputError(f"cannot read {os.fspath(path)}: {reason}")


def _same_content_stat(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_size, a.st_mtime_ns, a.st_ino, a.st_dev) == (
        b.st_size,
        b.st_mtime_ns,
        b.st_ino,
        b.st_dev,
    )


def locked(progress: ProgressCallback | None) -> ProgressCallback | None:
    """Wrap ``progress`` so that calls from several threads never overlap."""
    if progress is None:
        return None
    lock = threading.Lock()

    def call(n: int) -> None:
        with lock:
            progress(n)

    return call


def open_regular(path: str | os.PathLike[str]) -> tuple[int, os.stat_result]:
    """Open ``path`` (following symlinks) for reading; its descriptor and ``fstat``.

    Raises :class:`UnreadableInputError` naming the path when it is missing, unreadable or
    not a regular file (a FIFO is opened non-blocking, so it is refused, not waited on).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise unreadable(path, e) from e
    try:
        st = os.fstat(fd)
    except OSError as e:
        os.close(fd)
        raise unreadable(path, e) from e
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        what = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise unreadable(path, OSError(errno.EINVAL, what))
    return fd, st


def _hash_mapped(fd: int, size: int, h: Hasher, progress: ProgressCallback | None) -> bool:
    """Feed the file to ``h`` through memory maps; False (nothing fed) if it cannot be mapped."""
    offset = 0
    while offset < size:
        n = min(_WINDOW, size - offset)
        try:
            mm = mmap.mmap(fd, n, access=mmap.ACCESS_READ, offset=offset)
        except OSError:
            if offset == 0:  # a filesystem without mmap (some FUSE / network mounts)
                return False
            raise
        with mm:
            view = memoryview(mm)
            try:
                for i in range(0, n, _SLICE):
                    part = view[i : i + _SLICE]
                    h.update(part)
                    part.release()
                    if progress is not None:
                        progress(min(_SLICE, n - i))
            finally:
                view.release()
        offset += n
    return True


def _hash_read(fd: int, size: int, h: Hasher, progress: ProgressCallback | None) -> None:
    """Feed the first ``size`` bytes of the file to ``h`` with ``readinto`` (no allocation)."""
    buf = _read_buffer()
    remaining = size
    with open(fd, "rb", buffering=0, closefd=False) as f:
        while remaining > 0:
            n = f.readinto(buf[: min(remaining, _READ_CHUNK)])
            if not n:
                return  # it shrank: the stat check after reports it
            h.update(buf[:n])
            remaining -= n
            if progress is not None:
                progress(n)


def hash_open_file(
    fd: int,
    st: os.stat_result,
    path: str | os.PathLike[str],
    algo: str,
    progress: ProgressCallback | None,
) -> str:
    """Hex digest (blob domain) of the ``st.st_size`` bytes of open file ``fd``.

    Checks afterwards that neither the open file nor the file now at ``path`` changed.
    """
    size = st.st_size
    h = new_domain_hasher("blob", algo, multithreaded=size >= MULTITHREAD_THRESHOLD)
    try:
        mapped = size >= MMAP_THRESHOLD and _use_mmap() and _hash_mapped(fd, size, h, progress)
        if not mapped:
            _hash_read(fd, size, h, progress)
        after_fd = os.fstat(fd)
    except OSError as e:
        raise unreadable(path, e) from e
    try:
        after_path = os.stat(path)
    except OSError as e:
        raise ContentChangedError(
            f"{os.fspath(path)} disappeared while it was being hashed ({e.strerror})"
        ) from e
    if not (_same_content_stat(st, after_fd) and _same_content_stat(st, after_path)):
        raise ContentChangedError(
            f"{os.fspath(path)} changed while it was being hashed "
            f"(size {st.st_size} -> {after_path.st_size}, "
            f"mtime_ns {st.st_mtime_ns} -> {after_path.st_mtime_ns}); "
            "hash it again once it is no longer being written"
        )
    return h.hexdigest()


def digest_file(
    path: str | os.PathLike[str],
    algo: str = DEFAULT_ALGORITHM,
    *,
    progress: ProgressCallback | None = None,
    cache: DigestCache | None = None,
) -> str:
    """The content id of the file at ``path`` (symlinks followed), streamed in constant memory.

    Equal to :func:`digest_blob` of the file's bytes. With ``cache``, an unchanged file (same
    absolute path, size, mtime, ctime, inode and device) is not read again. ``progress`` is
    called with the number of bytes advanced (the whole size at once on a cache hit).

    Raises :class:`~provenance.errors.UnreadableInputError` (naming the path) when the file is
    missing, unreadable or not a regular file, and
    :class:`~provenance.errors.ContentChangedError` when it changed while being hashed.

    Example:
        >>> import pathlib, tempfile
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "w.bin"; _ = p.write_bytes(b"\\x00" * 10)
        >>> digest_file(p, "sha256").startswith("sha256:")
        True
    """
    algo = check_algorithm(algo)
    abspath = os.path.abspath(os.fspath(path))
    if cache is not None:
        try:
            st0 = os.stat(abspath)
        except OSError as e:
            raise unreadable(path, e) from e
        hit = cache.get(abspath, st0, algo)
        if hit is not None:
            if progress is not None:
                progress(st0.st_size)
            return hit
    started_ns = time.time_ns()
    fd, st = open_regular(abspath)
    try:
        hexdigest = hash_open_file(fd, st, abspath, algo, progress)
    finally:
        os.close(fd)
    digest = format_digest(algo, hexdigest)
    if cache is not None:
        cache.put(abspath, st, algo, digest, hashed_at_ns=started_ns)
    return digest
