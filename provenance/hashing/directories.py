"""Merkle digests of directory trees, with a manifest that says what changed.

The rule (canonical form ``provenance:directory:v1``):

* Every regular file below the root is one entry: its relative POSIX path, its content id
  (:func:`~provenance.hashing.files.digest_file`) and its executable bit (owner ``x``).
* A **symlink is recorded as a link with its target string, never followed**, whether it points
  at a file, a directory, outside the tree or nowhere. Cycles are therefore impossible and the
  digest never depends on anything outside the tree. (Only the root itself is followed when it
  is a symlink: that is the directory you asked for.)
* Directories contribute only through the entries below them: an empty directory is not
  recorded (as in git). Other file types (FIFOs, sockets, devices) raise
  :class:`~provenance.errors.UnreadableInputError`.
* Entries are sorted by path; the digest hashes one canonical JSON line per entry. It is
  therefore independent of traversal order, mtimes, owners, and where the tree lives, and it
  changes with any byte of any file, a rename, an added or removed file, an exec-bit flip or a
  retargeted link. File names are taken as the OS gives them (no Unicode normalisation).

Files are hashed in parallel on a thread pool (BLAKE3 and hashlib release the GIL); with a
:class:`~provenance.hashing.cache.DigestCache`, unchanged files are not read at all.

Example:
    >>> import pathlib, tempfile
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "a.txt").write_text("A"); (root / "sub").mkdir()
    >>> _ = (root / "sub" / "b.txt").write_text("B")
    >>> d = digest_directory(root)
    >>> sorted(d.manifest), d.file_count, d.total_bytes
    (['a.txt', 'sub/b.txt'], 2, 2)
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from provenance.errors import ContentChangedError, UnreadableInputError
from provenance.hashing.cache import DigestCache
from provenance.hashing.core import (
    DEFAULT_ALGORITHM,
    Algorithm,
    check_algorithm,
    format_digest,
    new_domain_hasher,
)
from provenance.hashing.files import (
    ProgressCallback,
    hash_open_file,
    locked,
    open_regular,
    unreadable,
)

__all__ = [
    "DirectoryDigest",
    "ManifestDiff",
    "ManifestEntry",
    "diff_manifests",
    "digest_directory",
    "directory_size",
]


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One entry of a directory manifest: a regular file or a symlink.

    A file has ``digest``, ``size`` and ``executable``; a link has ``target`` (size 0).
    """

    kind: Literal["file", "link"]
    digest: str | None = None
    size: int = 0
    executable: bool = False
    target: str | None = None

    def canonical(self, path: str) -> list[Any]:
        """The JSON row this entry contributes to the directory digest."""
        if self.kind == "link":
            return ["link", path, self.target]
        return ["file", path, self.digest, self.executable]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (only the fields that apply to the kind)."""
        if self.kind == "link":
            return {"kind": "link", "target": self.target}
        return {
            "kind": "file",
            "digest": self.digest,
            "size": self.size,
            "executable": self.executable,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ManifestEntry:
        """Inverse of :meth:`to_dict`."""
        if data["kind"] == "link":
            return cls(kind="link", target=str(data["target"]))
        return cls(
            kind="file",
            digest=str(data["digest"]),
            size=int(data["size"]),
            executable=bool(data["executable"]),
        )


@dataclass(frozen=True)
class DirectoryDigest:
    """The digest of a directory tree and the manifest it was computed from.

    ``manifest`` maps relative POSIX paths (sorted) to :class:`ManifestEntry`.
    ``cache_hits`` (not part of equality) says how many files came from the cache.
    """

    digest: str
    manifest: Mapping[str, ManifestEntry]
    file_count: int
    link_count: int
    total_bytes: int
    cache_hits: int = field(default=0, compare=False)

    @property
    def executable_count(self) -> int:
        """How many files have the executable bit."""
        return sum(1 for e in self.manifest.values() if e.executable)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (round-trips through :meth:`from_dict`)."""
        return {
            "digest": self.digest,
            "file_count": self.file_count,
            "link_count": self.link_count,
            "total_bytes": self.total_bytes,
            "manifest": {p: e.to_dict() for p, e in self.manifest.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DirectoryDigest:
        """Rebuild from :meth:`to_dict` output."""
        return cls(
            digest=str(data["digest"]),
            manifest={p: ManifestEntry.from_dict(e) for p, e in data["manifest"].items()},
            file_count=int(data["file_count"]),
            link_count=int(data["link_count"]),
            total_bytes=int(data["total_bytes"]),
        )


@dataclass(frozen=True)
class ManifestDiff:
    """Paths added, removed and changed (content, exec bit, kind or link target)."""

    added: list[str]
    removed: list[str]
    changed: list[str]

    @property
    def unchanged(self) -> bool:
        """True when the two manifests are the same."""
        return not (self.added or self.removed or self.changed)


def diff_manifests(
    old: DirectoryDigest | Mapping[str, ManifestEntry],
    new: DirectoryDigest | Mapping[str, ManifestEntry],
) -> ManifestDiff:
    """Which paths were added, removed or changed between two manifests (each list sorted).

    Example:
        >>> a = {"x": ManifestEntry("file", "blake3:" + "1" * 64, 1)}
        >>> b = {"x": ManifestEntry("file", "blake3:" + "2" * 64, 1),
        ...      "y": ManifestEntry("link", target="x")}
        >>> diff_manifests(a, b)
        ManifestDiff(added=['y'], removed=[], changed=['x'])
    """
    om = old.manifest if isinstance(old, DirectoryDigest) else old
    nm = new.manifest if isinstance(new, DirectoryDigest) else new
    added = sorted(p for p in nm if p not in om)
    removed = sorted(p for p in om if p not in nm)
    changed = sorted(p for p in om if p in nm and om[p].canonical(p) != nm[p].canonical(p))
    return ManifestDiff(added=added, removed=removed, changed=changed)


@dataclass(slots=True)
class _Found:
    rel: str
    abspath: str
    st: os.stat_result


def _walk(root: str) -> Iterator[tuple[str, str, os.stat_result, bool]]:
    """(relative POSIX path, absolute path, lstat, is_link) of every file and link below root."""
    stack = [("", root)]
    while stack:
        rel_dir, abs_dir = stack.pop()
        try:
            with os.scandir(abs_dir) as it:
                entries = list(it)
        except OSError as e:
            raise unreadable(abs_dir, e) from e
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as e:
                raise unreadable(entry.path, e) from e
            if stat.S_ISLNK(st.st_mode):
                yield rel, entry.path, st, True
            elif stat.S_ISDIR(st.st_mode):
                stack.append((rel, entry.path))
            elif stat.S_ISREG(st.st_mode):
                yield rel, entry.path, st, False
            else:
                raise unreadable(
                    entry.path, "not a regular file, directory or symlink (FIFO, socket, device)"
                )


def _check_root(path: str | os.PathLike[str]) -> str:
    root = os.path.realpath(os.fspath(path))
    try:
        st = os.stat(root)
    except OSError as e:
        raise unreadable(path, e) from e
    if not stat.S_ISDIR(st.st_mode):
        raise unreadable(path, "not a directory")
    return root


def directory_size(path: str | os.PathLike[str]) -> int:
    """Total bytes of the regular files below ``path`` (links not followed): a progress total.

    Example:
        >>> import pathlib, tempfile
        >>> root = pathlib.Path(tempfile.mkdtemp()); _ = (root / "f").write_bytes(b"123")
        >>> directory_size(root)
        3
    """
    return sum(st.st_size for _, _, st, link in _walk(_check_root(path)) if not link)


def _default_workers() -> int:
    return min(32, (os.cpu_count() or 1) + 2)


def digest_directory(
    path: str | os.PathLike[str],
    algo: str = DEFAULT_ALGORITHM,
    *,
    progress: ProgressCallback | None = None,
    cache: DigestCache | None = None,
    workers: int | None = None,
) -> DirectoryDigest:
    """The Merkle digest and manifest of the tree at ``path`` (see the module doc for the rule).

    ``progress`` gets the bytes advanced (cache hits count in full) and may be called from
    worker threads, never two calls at once. ``workers`` sets the thread-pool size (default:
    cores + 2). Raises :class:`~provenance.errors.UnreadableInputError` naming the path that
    could not be read and :class:`~provenance.errors.ContentChangedError` when a file changed
    while it was hashed.

    Example:
        >>> import pathlib, tempfile
        >>> a, b = pathlib.Path(tempfile.mkdtemp()), pathlib.Path(tempfile.mkdtemp())
        >>> for root in (a, b):
        ...     _ = (root / "x.bin").write_bytes(b"same")
        >>> digest_directory(a).digest == digest_directory(b).digest
        True
    """
    algo = check_algorithm(algo)
    root = _check_root(path)
    files, manifest = _list_tree(root)
    digests, todo = _cached_digests(files, root, algo, cache, progress)
    started_ns = time.time_ns()
    results = _hash_files(todo, root, algo, locked(progress), workers)
    for rel, digest, st in results:
        digests[rel] = (digest, st)
    if cache is not None and results:
        abspaths = {f.rel: f.abspath for f in todo}
        cache.put_many(
            ((abspaths[rel], st, d) for rel, d, st in results), algo, hashed_at_ns=started_ns
        )
    for rel, (digest, st) in digests.items():
        manifest[rel] = ManifestEntry(
            kind="file", digest=digest, size=st.st_size, executable=bool(st.st_mode & stat.S_IXUSR)
        )
    ordered = {p: manifest[p] for p in sorted(manifest)}
    return DirectoryDigest(
        digest=_merkle_digest(ordered, algo),
        manifest=ordered,
        file_count=len(digests),
        link_count=len(manifest) - len(digests),
        total_bytes=sum(st.st_size for _, st in digests.values()),
        cache_hits=len(files) - len(todo),
    )


def _list_tree(root: str) -> tuple[list[_Found], dict[str, ManifestEntry]]:
    """The regular files below ``root`` (to hash), and the manifest entries of its links."""
    files: list[_Found] = []
    links: dict[str, ManifestEntry] = {}
    for rel, abspath, st, is_link in _walk(root):
        if is_link:
            try:
                target = os.readlink(abspath)
            except OSError as e:
                raise unreadable(abspath, e) from e
            links[rel] = ManifestEntry(kind="link", target=target)
        else:
            files.append(_Found(rel, abspath, st))
    return files, links


def _cached_digests(
    files: list[_Found],
    root: str,
    algo: Algorithm,
    cache: DigestCache | None,
    progress: ProgressCallback | None,
) -> tuple[dict[str, tuple[str, os.stat_result]], list[_Found]]:
    """The digests the cache still vouches for (by relative path; their bytes reported to
    ``progress`` at once), and the files left to hash."""
    if cache is None or not files:
        return {}, files
    digests: dict[str, tuple[str, os.stat_result]] = {}
    todo: list[_Found] = []
    known = cache.get_under(root, algo)
    for f in files:
        hit = cache.match(known.get(f.abspath), f.st)
        if hit is None:
            todo.append(f)
        else:
            digests[f.rel] = (hit, f.st)
    cached_bytes = sum(st.st_size for _, st in digests.values())
    if progress is not None and cached_bytes:
        progress(cached_bytes)
    return digests, todo


def _hash_files(
    todo: list[_Found],
    root: str,
    algo: Algorithm,
    report: ProgressCallback | None,
    workers: int | None,
) -> list[tuple[str, str, os.stat_result]]:
    """``(relative path, digest, stat)`` of each file, hashed on a thread pool, largest first
    (so one big file does not start last and run alone); one failure stops the rest."""

    def work(f: _Found) -> tuple[str, str, os.stat_result]:
        try:
            fd, st = open_regular(f.abspath)
        except UnreadableInputError as e:
            if isinstance(e.__cause__, FileNotFoundError):  # listed a moment ago: it changes
                raise ContentChangedError(
                    f"{f.abspath} disappeared while {root} was being hashed"
                ) from e
            raise
        try:
            return f.rel, format_digest(algo, hash_open_file(fd, st, f.abspath, algo, report)), st
        finally:
            os.close(fd)

    todo = sorted(todo, key=lambda f: f.st.st_size, reverse=True)
    n_workers = max(1, min(workers or _default_workers(), len(todo)))
    if n_workers == 1:
        return [work(f) for f in todo]
    with ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="hash") as pool:
        try:
            return list(pool.map(work, todo))
        except BaseException:
            pool.shutdown(cancel_futures=True)  # one failure: do not hash the rest
            raise


def _merkle_digest(ordered: dict[str, ManifestEntry], algo: Algorithm) -> str:
    """The directory digest: one canonical JSON line per entry, in path order."""
    h = new_domain_hasher("directory", algo)
    for p, entry in ordered.items():
        line = json.dumps(entry.canonical(p), ensure_ascii=True, separators=(",", ":"))
        h.update(line.encode("ascii") + b"\n")
    return format_digest(algo, h.hexdigest())
