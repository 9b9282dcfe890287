"""A persistent digest cache, so re-hashing an unchanged file or directory reads nothing.

Entries live in a small SQLite file, by default ``~/.cache/provenance/digests.sqlite``
(``$XDG_CACHE_HOME/provenance`` when that is set); ``PROVENANCE_CACHE_DIR`` or the
``cache_dir`` argument moves it. An entry is used only when the file's absolute path, size,
mtime_ns, ctime_ns, inode and device all still match, for the same algorithm and
:data:`~provenance.hashing.core.HASH_VERSION`. ctime cannot be set from user space, so even a
``cp -p``/``rsync -t`` that restores an old mtime invalidates the entry.

Safe for concurrent processes: WAL journal, a busy timeout, and one short transaction per
batch of writes. The cache is only an accelerator: if its file cannot be opened or stays locked,
hashing goes on without it (logged at WARNING), never fails because of it.

"Racily clean" files are not stored: a file whose mtime is within ``racy_window_s`` (2 s) of the
moment hashing started could still be rewritten within the same filesystem-clock tick without
any stat field changing, so its digest is returned but not cached (the idea git's index uses).

Example:
    >>> import os, pathlib, tempfile
    >>> from provenance.hashing import digest_file
    >>> d = pathlib.Path(tempfile.mkdtemp()); p = d / "big.bin"; _ = p.write_bytes(b"x" * 1000)
    >>> os.utime(p, ns=(1_000_000_000, 1_000_000_000))  # an old file: not racily clean
    >>> with DigestCache(cache_dir=d / "cache") as cache:
    ...     first = digest_file(p, cache=cache)
    ...     second = digest_file(p, cache=cache)
    ...     (first == second, cache.stats.hits, cache.stats.misses)
    (True, 1, 1)
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from provenance.hashing.core import HASH_VERSION

__all__ = ["CacheStats", "DigestCache", "default_cache_dir"]

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS file_digest (
    path BLOB NOT NULL,
    algo TEXT NOT NULL,
    hash_version INTEGER NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    device INTEGER NOT NULL,
    digest TEXT NOT NULL,
    stored_at REAL NOT NULL,
    PRIMARY KEY (path, algo, hash_version)
) WITHOUT ROWID
"""
_WRITE_BATCH = 500  # rows per write transaction: keeps every lock short


def default_cache_dir() -> Path:
    """Where the digest cache lives unless told otherwise.

    ``$PROVENANCE_CACHE_DIR``, else ``$XDG_CACHE_HOME/provenance``, else
    ``~/.cache/provenance``.

    Example:
        >>> import os; from unittest import mock
        >>> with mock.patch.dict(os.environ, {"PROVENANCE_CACHE_DIR": "/srv/digests"}):
        ...     str(default_cache_dir())
        '/srv/digests'
        >>> env = {"PROVENANCE_CACHE_DIR": "", "XDG_CACHE_HOME": "/srv/xdg"}
        >>> with mock.patch.dict(os.environ, env):
        ...     str(default_cache_dir())
        '/srv/xdg/provenance'
    """
    env = os.environ.get("PROVENANCE_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "provenance"


def _i64(n: int) -> int:
    # SQLite integers are signed 64-bit; some filesystems hand out inodes above 2**63.
    return n - (1 << 64) if n >= (1 << 63) else n


def _key(st: os.stat_result) -> tuple[int, int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, _i64(st.st_ino), _i64(st.st_dev))


@dataclass
class CacheStats:
    """What this :class:`DigestCache` object did since it was opened (this process only)."""

    hits: int = 0
    misses: int = 0
    stores: int = 0
    skipped_racy: int = 0


class DigestCache:
    """Digests of files keyed by (absolute path, size, mtime_ns, ctime_ns, inode, device, algo).

    ``cache_dir`` (default :func:`default_cache_dir`) holds ``digests.sqlite``. One object may
    be shared by the threads of a process; any number of processes may share the file.

    Example:
        >>> import tempfile
        >>> with DigestCache(cache_dir=tempfile.mkdtemp()) as c:
        ...     c.path.name
        'digests.sqlite'
    """

    def __init__(
        self,
        cache_dir: str | os.PathLike[str] | None = None,
        *,
        racy_window_s: float = 2.0,
        timeout_s: float = 10.0,
    ) -> None:
        self.path = Path(cache_dir if cache_dir is not None else default_cache_dir()) / (
            "digests.sqlite"
        )
        self.racy_window_ns = int(racy_window_s * 1e9)
        self.stats = CacheStats()
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=timeout_s, isolation_level=None, check_same_thread=False
            )
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute(_SCHEMA)
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        except (sqlite3.Error, OSError) as e:
            log.warning("digest cache %s unavailable, hashing without it: %s", self.path, e)

    # --- lifecycle ------------------------------------------------------------------------
    @property
    def available(self) -> bool:
        """False when the cache file could not be opened (every lookup then misses)."""
        return self._conn is not None

    def close(self) -> None:
        """Close the database connection (idempotent)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> DigestCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- reads ----------------------------------------------------------------------------
    def get(self, path: str, st: os.stat_result, algo: str) -> str | None:
        """The cached digest of absolute ``path`` if its stat still matches ``st``, else None."""
        row = None
        with self._lock:
            if self._conn is not None:
                try:
                    row = self._conn.execute(
                        "SELECT size, mtime_ns, ctime_ns, inode, device, digest FROM file_digest"
                        " WHERE path = ? AND algo = ? AND hash_version = ?",
                        (os.fsencode(path), algo, HASH_VERSION),
                    ).fetchone()
                except sqlite3.Error as e:
                    log.warning("digest cache read failed: %s", e)
            hit = row is not None and tuple(row[:5]) == _key(st)
            if hit:
                self.stats.hits += 1
            else:
                self.stats.misses += 1
        return str(row[5]) if hit and row is not None else None

    def get_under(self, root: str, algo: str) -> dict[str, tuple[tuple[int, ...], str]]:
        """Every entry below directory ``root`` (absolute): path -> (stat key, digest).

        One range scan instead of one query per file; callers match stat keys with
        :meth:`match` and record hits and misses through it.
        """
        prefix = os.fsencode(root.rstrip(os.sep)) + os.fsencode(os.sep)
        upper = prefix[:-1] + bytes([prefix[-1] + 1])
        out: dict[str, tuple[tuple[int, ...], str]] = {}
        with self._lock:
            if self._conn is None:
                return out
            try:
                rows = self._conn.execute(
                    "SELECT path, size, mtime_ns, ctime_ns, inode, device, digest"
                    " FROM file_digest WHERE path >= ? AND path < ? AND algo = ?"
                    " AND hash_version = ?",
                    (prefix, upper, algo, HASH_VERSION),
                ).fetchall()
            except sqlite3.Error as e:
                log.warning("digest cache read failed: %s", e)
                return out
        for p, *key, digest in rows:
            out[os.fsdecode(p)] = (tuple(key), digest)
        return out

    def match(self, entry: tuple[tuple[int, ...], str] | None, st: os.stat_result) -> str | None:
        """The digest in ``entry`` (from :meth:`get_under`) if it matches ``st``; counts stats."""
        hit = entry is not None and entry[0] == _key(st)
        with self._lock:
            if hit:
                self.stats.hits += 1
            else:
                self.stats.misses += 1
        return entry[1] if hit and entry is not None else None

    # --- writes ---------------------------------------------------------------------------
    def put(
        self, path: str, st: os.stat_result, algo: str, digest: str, *, hashed_at_ns: int
    ) -> None:
        """Remember ``digest`` for absolute ``path`` as it was when ``st`` was taken.

        Skipped (counted in ``stats.skipped_racy``) when the file was modified less than
        ``racy_window_s`` before ``hashed_at_ns``.
        """
        self.put_many([(path, st, digest)], algo, hashed_at_ns=hashed_at_ns)

    def put_many(
        self,
        entries: Iterable[tuple[str, os.stat_result, str]],
        algo: str,
        *,
        hashed_at_ns: int,
    ) -> None:
        """:meth:`put` for many files, in short transactions of at most 500 rows."""
        now = time.time()
        rows: list[tuple[object, ...]] = []
        racy = 0
        for path, st, digest in entries:
            if hashed_at_ns - st.st_mtime_ns < self.racy_window_ns:
                racy += 1
                continue
            rows.append((os.fsencode(path), algo, HASH_VERSION, *_key(st), digest, now))
        with self._lock:
            self.stats.skipped_racy += racy
            if self._conn is None or not rows:
                return
            for batch in _batches(rows, _WRITE_BATCH):
                try:
                    self._conn.execute("BEGIN IMMEDIATE")
                    try:
                        self._conn.executemany(
                            "INSERT OR REPLACE INTO file_digest (path, algo, hash_version, size,"
                            " mtime_ns, ctime_ns, inode, device, digest, stored_at)"
                            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            batch,
                        )
                        self._conn.execute("COMMIT")
                    except BaseException:
                        self._conn.execute("ROLLBACK")
                        raise
                    self.stats.stores += len(batch)
                except sqlite3.Error as e:
                    log.warning("digest cache write failed, continuing without it: %s", e)
                    return

    def clear(self) -> None:
        """Forget every entry (of every algorithm and version)."""
        with self._lock:
            if self._conn is not None:
                self._conn.execute("DELETE FROM file_digest")

    def __len__(self) -> int:
        with self._lock:
            if self._conn is None:
                return 0
            return int(self._conn.execute("SELECT COUNT(*) FROM file_digest").fetchone()[0])


def _batches(rows: list[tuple[object, ...]], size: int) -> Iterator[list[tuple[object, ...]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]
