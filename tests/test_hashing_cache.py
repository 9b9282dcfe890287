"""The persistent digest cache: hits, invalidation, racy files, persistence, concurrency."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import provenance
from provenance.hashing import (
    DigestCache,
    default_cache_dir,
    digest_blob,
    digest_directory,
    digest_file,
)

OLD_NS = 1_600_000_000 * 10**9  # Sep 2020: far outside the racy window


def _old_file(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, ns=(OLD_NS, OLD_NS))
    return path


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[DigestCache]:
    c = DigestCache(cache_dir=tmp_path / "cache")
    yield c
    c.close()


def test_second_digest_comes_from_cache(tmp_path: Path, cache: DigestCache) -> None:
    p = _old_file(tmp_path / "data.bin", b"x" * 5000)
    first = digest_file(p, cache=cache)
    assert (cache.stats.hits, cache.stats.misses, cache.stats.stores) == (0, 1, 1)
    seen: list[int] = []
    second = digest_file(p, cache=cache, progress=seen.append)
    assert second == first == digest_blob(b"x" * 5000)
    assert (cache.stats.hits, cache.stats.misses) == (1, 1)
    assert seen == [5000]  # the whole file reported at once: nothing was streamed


def test_changed_file_misses(tmp_path: Path, cache: DigestCache) -> None:
    p = _old_file(tmp_path / "data.bin", b"a" * 100)
    first = digest_file(p, cache=cache)
    _old_file(p, b"b" * 100)  # same size, same (restored) mtime: ctime still changed
    second = digest_file(p, cache=cache)
    assert second != first
    assert second == digest_blob(b"b" * 100)
    assert cache.stats.hits == 0


def test_algorithms_are_cached_apart(tmp_path: Path, cache: DigestCache) -> None:
    p = _old_file(tmp_path / "data.bin", b"abc")
    assert digest_file(p, "sha256", cache=cache).startswith("sha256:")
    assert digest_file(p, "blake3", cache=cache).startswith("blake3:")
    assert cache.stats.hits == 0
    assert digest_file(p, "sha256", cache=cache).startswith("sha256:")
    assert cache.stats.hits == 1


def test_racily_clean_file_is_not_stored(tmp_path: Path, cache: DigestCache) -> None:
    p = tmp_path / "fresh.bin"
    p.write_bytes(b"just written")
    digest_file(p, cache=cache)
    digest_file(p, cache=cache)
    assert cache.stats.hits == 0
    assert cache.stats.skipped_racy == 2
    assert len(cache) == 0


def test_cache_persists_across_objects(tmp_path: Path) -> None:
    p = _old_file(tmp_path / "data.bin", b"persist me")
    with DigestCache(cache_dir=tmp_path / "c") as c1:
        d1 = digest_file(p, cache=c1)
    with DigestCache(cache_dir=tmp_path / "c") as c2:
        assert digest_file(p, cache=c2) == d1
        assert c2.stats.hits == 1


def test_cache_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVENANCE_CACHE_DIR", str(tmp_path / "envcache"))
    assert default_cache_dir() == tmp_path / "envcache"
    with DigestCache() as c:
        assert c.path == tmp_path / "envcache" / "digests.sqlite"
        assert c.path.exists()


def test_unusable_cache_file_does_not_break_hashing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "digests.sqlite").write_bytes(b"this is not a database" * 100)
    p = _old_file(tmp_path / "f.bin", b"data")
    with caplog.at_level(logging.WARNING), DigestCache(cache_dir=bad) as c:
        assert not c.available
        assert digest_file(p, cache=c) == digest_blob(b"data")
    assert "unavailable" in caplog.text


def test_directory_rehash_reads_nothing(tmp_path: Path, cache: DigestCache) -> None:
    root = tmp_path / "tree"
    for i in range(30):
        _old_file(root / f"d{i % 3}" / f"f{i}.bin", bytes([i]) * (100 + i))
    cold = digest_directory(root, cache=cache)
    assert cold.cache_hits == 0
    warm = digest_directory(root, cache=cache)
    assert warm == cold
    assert warm.cache_hits == 30
    assert cache.stats.hits == 30
    # one file changes: exactly one miss, and the digest follows
    _old_file(root / "d0" / "f0.bin", b"changed")
    again = digest_directory(root, cache=cache)
    assert again.cache_hits == 29
    assert again.digest != cold.digest


def test_concurrent_processes_share_one_cache(tmp_path: Path) -> None:
    trees = []
    for t in range(3):
        root = tmp_path / f"tree{t}"
        for i in range(200):
            _old_file(root / f"f{i}.bin", f"{t}-{i}".encode())
        trees.append(root)
    script = textwrap.dedent(
        """
        import sys
        from provenance.hashing import DigestCache, digest_directory
        with DigestCache(cache_dir=sys.argv[1]) as c:
            for _ in range(3):
                d = digest_directory(sys.argv[2], cache=c)
            print(d.digest, c.stats.stores, c.stats.hits)
        """
    )
    cache_dir = tmp_path / "shared-cache"
    env = {**os.environ, "PYTHONPATH": str(Path(provenance.__file__).resolve().parents[1])}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(cache_dir), str(root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for root in trees
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "warning" not in err.lower(), err
        _, stores, hits = out.split()
        assert (int(stores), int(hits)) == (200, 400)
    for root, (out, _) in zip(trees, outputs, strict=True):
        assert out.split()[0] == digest_directory(root).digest
    with DigestCache(cache_dir=cache_dir) as c:
        assert len(c) == 600
