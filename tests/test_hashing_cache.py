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


# --------------------------------------------------------------------------------------------
# DigestCache's own contract, with stat results written out by hand
# --------------------------------------------------------------------------------------------
DIGEST = "blake3:" + "ab" * 32
OTHER = "blake3:" + "cd" * 32


def _st(
    size: int = 100,
    mtime_ns: int = OLD_NS,
    ctime_ns: int = OLD_NS + 7,
    ino: int = 1234,
    dev: int = 56,
) -> os.stat_result:
    """A stat result with these fields (the ``*_ns`` ones too); the rest are zero."""
    fields = (0o100644, ino, dev, 1, 0, 0, size, mtime_ns // 10**9, mtime_ns // 10**9, 0)
    extra = {"st_atime_ns": mtime_ns, "st_mtime_ns": mtime_ns, "st_ctime_ns": ctime_ns}
    return os.stat_result(fields, extra)


HASHED_AT = OLD_NS + 3600 * 10**9  # an hour after every mtime above: never racy


def test_get_counts_every_hit_and_miss(cache: DigestCache) -> None:
    cache.put("/d/a.bin", _st(), "blake3", DIGEST, hashed_at_ns=HASHED_AT)
    assert cache.get("/d/a.bin", _st(), "blake3") == DIGEST
    assert cache.get("/d/a.bin", _st(), "blake3") == DIGEST
    assert cache.get("/d/missing.bin", _st(), "blake3") is None
    assert cache.get("/d/missing.bin", _st(), "blake3") is None
    assert cache.get("/d/a.bin", _st(size=101), "blake3") is None  # stale: a miss
    assert (cache.stats.hits, cache.stats.misses) == (2, 3)
    assert (cache.stats.stores, cache.stats.skipped_racy) == (1, 0)


def test_match_counts_every_hit_and_miss(cache: DigestCache) -> None:
    cache.put("/d/a.bin", _st(), "blake3", DIGEST, hashed_at_ns=HASHED_AT)
    entry = cache.get_under("/d", "blake3")["/d/a.bin"]
    assert cache.match(entry, _st()) == DIGEST
    assert cache.match(entry, _st()) == DIGEST
    assert cache.match(entry, _st(mtime_ns=OLD_NS + 1)) is None
    assert cache.match(None, _st()) is None
    assert (cache.stats.hits, cache.stats.misses) == (2, 2)


@pytest.mark.parametrize(
    "changed",
    [
        {"size": 101},
        {"mtime_ns": OLD_NS + 1},
        {"ctime_ns": OLD_NS + 8},
        {"ino": 1235},
        {"dev": 57},
    ],
    ids=lambda d: next(iter(d)),
)
def test_each_stat_field_invalidates_an_entry(cache: DigestCache, changed: dict[str, int]) -> None:
    cache.put("/d/a.bin", _st(), "blake3", DIGEST, hashed_at_ns=HASHED_AT)
    assert cache.get("/d/a.bin", _st(**changed), "blake3") is None
    entry = cache.get_under("/d", "blake3")["/d/a.bin"]
    assert cache.match(entry, _st(**changed)) is None
    # The entry itself is still there for the stat it was stored with.
    assert cache.get("/d/a.bin", _st(), "blake3") == DIGEST
    assert cache.match(entry, _st()) == DIGEST


def test_inodes_and_devices_above_2_63_round_trip(cache: DigestCache) -> None:
    # SQLite integers are signed 64-bit; such numbers are stored wrapped, and still match.
    big = _st(ino=2**64 - 1, dev=2**63)
    cache.put("/d/big.bin", big, "blake3", DIGEST, hashed_at_ns=HASHED_AT)
    assert cache.stats.stores == 1
    assert cache.get("/d/big.bin", big, "blake3") == DIGEST
    assert cache.get("/d/big.bin", _st(ino=2**64 - 2, dev=2**63), "blake3") is None
    assert cache.get("/d/big.bin", _st(ino=2**64 - 1, dev=2**63 + 1), "blake3") is None
    entry = cache.get_under("/d", "blake3")["/d/big.bin"]
    assert cache.match(entry, big) == DIGEST
    assert cache.match(entry, _st(ino=2**64 - 1, dev=2**63 - 1)) is None


def test_entries_are_kept_apart_by_algorithm_and_hash_version(
    tmp_path: Path, cache: DigestCache
) -> None:
    import sqlite3

    from provenance.hashing.core import HASH_VERSION

    cache.put("/d/a.bin", _st(), "blake3", DIGEST, hashed_at_ns=HASHED_AT)
    assert cache.get("/d/a.bin", _st(), "sha256") is None
    assert cache.get_under("/d", "sha256") == {}
    # An entry a later version of the package wrote for the same file is not this version's.
    other = sqlite3.connect(cache.path)
    try:
        key = (100, OLD_NS, OLD_NS + 7, 1234, 56)
        with other:
            other.execute(
                "INSERT INTO file_digest VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (b"/d/b.bin", "blake3", HASH_VERSION + 1, *key, OTHER, 0.0),
            )
    finally:
        other.close()
    assert cache.get("/d/b.bin", _st(), "blake3") is None
    assert sorted(cache.get_under("/d", "blake3")) == ["/d/a.bin"]
    assert len(cache) == 2


def test_get_under_returns_exactly_the_entries_below_the_root(cache: DigestCache) -> None:
    inside = ["/d/a/b/x", "/d/a/b/sub/y", "/d/a/b/\xff"]
    # "/d/a/b0" is the first name past the range ("0" follows "/"); "." precedes it.
    outside = ["/d/a/b", "/d/a/bc/z", "/d/a/b0/z", "/d/a/b.z", "/d/a/x", "/d/a/a/b/x"]
    entries = [(p, _st(), DIGEST) for p in inside + outside]
    cache.put_many(entries, "blake3", hashed_at_ns=HASHED_AT)
    cache.put("/d/a/b/other-algo", _st(), "sha256", OTHER, hashed_at_ns=HASHED_AT)
    for root in ("/d/a/b", "/d/a/b/", "/d/a/b//"):
        got = cache.get_under(root, "blake3")
        assert sorted(got) == sorted(inside), root
        assert all(digest == DIGEST for _, digest in got.values())
    assert sorted(cache.get_under("/d/a/b", "sha256")) == ["/d/a/b/other-algo"]
    assert cache.get_under("/nowhere", "blake3") == {}


def test_the_racy_window_edge(tmp_path: Path) -> None:
    with DigestCache(cache_dir=tmp_path / "c") as c:  # the default window: 2 s
        c.put("/d/edge", _st(), "blake3", DIGEST, hashed_at_ns=OLD_NS + 2 * 10**9)
        c.put("/d/inside", _st(), "blake3", DIGEST, hashed_at_ns=OLD_NS + 2 * 10**9 - 1)
        assert (c.stats.stores, c.stats.skipped_racy) == (1, 1)
        assert c.get("/d/edge", _st(), "blake3") == DIGEST
        assert c.get("/d/inside", _st(), "blake3") is None
    with DigestCache(cache_dir=tmp_path / "c2", racy_window_s=0.25) as c:
        assert c.racy_window_ns == 250_000_000
        c.put("/d/edge", _st(), "blake3", DIGEST, hashed_at_ns=OLD_NS + 250_000_000)
        c.put("/d/inside", _st(), "blake3", DIGEST, hashed_at_ns=OLD_NS + 249_999_999)
        assert (c.stats.stores, c.stats.skipped_racy, len(c)) == (1, 1, 1)


def test_put_many_skips_racy_entries_and_stores_the_rest(cache: DigestCache) -> None:
    fresh = _st(mtime_ns=HASHED_AT - 1)  # modified 1 ns before hashing began
    entries = [
        ("/d/1", fresh, DIGEST),
        ("/d/2", _st(), DIGEST),
        ("/d/3", fresh, DIGEST),
        ("/d/4", _st(), OTHER),
    ]
    cache.put_many(entries, "blake3", hashed_at_ns=HASHED_AT)
    assert (cache.stats.stores, cache.stats.skipped_racy, len(cache)) == (2, 2, 2)
    cache.put_many(entries[:1], "blake3", hashed_at_ns=HASHED_AT)
    assert cache.stats.skipped_racy == 3
    assert cache.get("/d/4", _st(), "blake3") == OTHER
    assert cache.get("/d/3", fresh, "blake3") is None


def test_put_many_stores_more_rows_than_one_write_batch(cache: DigestCache) -> None:
    n = 1201  # 500 rows per write transaction: three of them
    entries = [(f"/d/f{i:04d}", _st(size=i), f"blake3:{i:064x}") for i in range(n)]
    cache.put_many(entries, "blake3", hashed_at_ns=HASHED_AT)
    assert cache.stats.stores == n
    assert len(cache) == n
    got = cache.get_under("/d", "blake3")
    assert len(got) == n
    assert cache.get("/d/f0000", _st(size=0), "blake3") == "blake3:" + "0" * 64
    assert cache.get("/d/f1200", _st(size=1200), "blake3") == f"blake3:{1200:064x}"
    cache.put_many(entries[:2], "blake3", hashed_at_ns=HASHED_AT)  # replaced, not added
    assert (cache.stats.stores, len(cache)) == (n + 2, n)


def test_a_failing_write_is_logged_and_rolled_back(
    cache: DigestCache, caplog: pytest.LogCaptureFixture
) -> None:
    good = ("/d/good", _st(), DIGEST)
    bad = ("/d/bad", _st(), None)  # the digest column is NOT NULL
    with caplog.at_level(logging.WARNING, logger="provenance.hashing.cache"):
        cache.put_many([good, bad], "blake3", hashed_at_ns=HASHED_AT)  # type: ignore[list-item]
    assert [r.getMessage() for r in caplog.records] == [
        "digest cache write failed, continuing without it: "
        "NOT NULL constraint failed: file_digest.digest"
    ]
    # The whole transaction is undone (the good row too), and the cache stays usable.
    assert (cache.stats.stores, len(cache)) == (0, 0)
    assert cache.get("/d/good", _st(), "blake3") is None
    cache.put("/d/good", _st(), "blake3", DIGEST, hashed_at_ns=HASHED_AT)
    assert (cache.stats.stores, len(cache)) == (1, 1)
    assert cache.get("/d/good", _st(), "blake3") == DIGEST
    assert len(caplog.records) == 1


def test_a_read_failure_is_logged_and_counts_a_miss(
    cache: DigestCache, caplog: pytest.LogCaptureFixture
) -> None:
    import sqlite3

    cache.put("/d/a.bin", _st(), "blake3", DIGEST, hashed_at_ns=HASHED_AT)
    other = sqlite3.connect(cache.path)
    try:
        other.execute("DROP TABLE file_digest")
        other.commit()
    finally:
        other.close()
    with caplog.at_level(logging.WARNING, logger="provenance.hashing.cache"):
        assert cache.get("/d/a.bin", _st(), "blake3") is None
        assert cache.get_under("/d", "blake3") == {}
    assert [r.getMessage() for r in caplog.records] == [
        "digest cache read failed: no such table: file_digest"
    ] * 2
    assert (cache.stats.hits, cache.stats.misses) == (0, 1)


def test_an_unavailable_cache_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    not_a_dir = tmp_path / "cache"
    not_a_dir.write_bytes(b"a regular file where the cache directory should be")
    with caplog.at_level(logging.WARNING, logger="provenance.hashing.cache"):
        c = DigestCache(cache_dir=not_a_dir)
    assert [r.getMessage() for r in caplog.records] == [
        f"digest cache {not_a_dir / 'digests.sqlite'} unavailable, hashing without it: "
        f"[Errno 17] File exists: '{not_a_dir}'"
    ]
    assert c.available is False
    assert c.get("/d/a.bin", _st(), "blake3") is None
    assert c.get_under("/d", "blake3") == {}
    assert c.match(None, _st()) is None
    c.put("/d/a.bin", _st(), "blake3", DIGEST, hashed_at_ns=HASHED_AT)  # a no-op
    c.clear()
    assert len(c) == 0
    assert (c.stats.hits, c.stats.misses, c.stats.stores) == (0, 2, 0)
    c.close()
    c.close()
    assert not_a_dir.read_bytes().startswith(b"a regular file")


def test_close_is_idempotent_and_ends_lookups(tmp_path: Path) -> None:
    c = DigestCache(cache_dir=tmp_path / "c")
    c.put("/d/a.bin", _st(), "blake3", DIGEST, hashed_at_ns=HASHED_AT)
    assert c.available is True
    c.close()
    assert c.available is False
    c.close()
    assert c.available is False
    assert c.get("/d/a.bin", _st(), "blake3") is None
    assert len(c) == 0
    with DigestCache(cache_dir=tmp_path / "c") as again:  # what was stored is kept
        assert again.get("/d/a.bin", _st(), "blake3") == DIGEST
    assert again.available is False  # the with block closed it


def test_clear_forgets_every_entry_and_the_cache_stays_writable(tmp_path: Path) -> None:
    with DigestCache(cache_dir=tmp_path / "c") as c:
        c.put("/d/a.bin", _st(), "blake3", DIGEST, hashed_at_ns=HASHED_AT)
        c.put("/d/a.bin", _st(), "sha256", "sha256:" + "0" * 64, hashed_at_ns=HASHED_AT)
        assert len(c) == 2
        c.clear()
        assert len(c) == 0
        with DigestCache(cache_dir=tmp_path / "c") as other:  # the clear is committed
            assert len(other) == 0
        c.put("/d/b.bin", _st(), "blake3", OTHER, hashed_at_ns=HASHED_AT)
        assert (c.stats.stores, len(c)) == (3, 1)
    with DigestCache(cache_dir=tmp_path / "c") as c:
        assert c.get("/d/b.bin", _st(), "blake3") == OTHER
        assert c.get("/d/a.bin", _st(), "blake3") is None


def test_the_cache_dir_argument_wins_over_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROVENANCE_CACHE_DIR", str(tmp_path / "from-env"))
    with DigestCache(cache_dir=tmp_path / "given") as c:
        assert c.path == tmp_path / "given" / "digests.sqlite"
        c.put("/d/a.bin", _st(), "blake3", DIGEST, hashed_at_ns=HASHED_AT)
    assert (tmp_path / "given" / "digests.sqlite").is_file()
    assert not (tmp_path / "from-env").exists()
    with DigestCache(cache_dir=str(tmp_path / "given")) as c:  # str or path, and reopened
        assert c.get("/d/a.bin", _st(), "blake3") == DIGEST


def test_default_cache_dir_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("PROVENANCE_CACHE_DIR", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"  # used as is: no "provenance" added
    monkeypatch.setenv("PROVENANCE_CACHE_DIR", "~/digests")
    assert default_cache_dir() == tmp_path / "home" / "digests"
    monkeypatch.setenv("PROVENANCE_CACHE_DIR", "")  # empty: as if unset
    assert default_cache_dir() == tmp_path / "xdg" / "provenance"
    monkeypatch.setenv("XDG_CACHE_HOME", "~/xdg")
    assert default_cache_dir() == tmp_path / "home" / "xdg" / "provenance"
    monkeypatch.setenv("XDG_CACHE_HOME", "")
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "provenance"
    monkeypatch.delenv("PROVENANCE_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "provenance"


def test_a_locked_cache_gives_up_after_its_timeout(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import sqlite3
    import time

    c = DigestCache(cache_dir=tmp_path / "c", timeout_s=0.2)
    holder = sqlite3.connect(c.path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process is writing, and stays
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="provenance.hashing.cache"):
            c.put("/d/a.bin", _st(), "blake3", DIGEST, hashed_at_ns=HASHED_AT)
        waited = time.monotonic() - started
        # A deadline, not a speed claim: 0.2 s asked, SQLite's own default would be 5 s.
        assert 0.15 <= waited < 4.0
        assert [r.getMessage() for r in caplog.records] == [
            "digest cache write failed, continuing without it: database is locked"
        ]
        assert (c.stats.stores, len(c)) == (0, 0)
        holder.execute("ROLLBACK")
        c.put("/d/a.bin", _st(), "blake3", DIGEST, hashed_at_ns=HASHED_AT)
        assert (c.stats.stores, len(c)) == (1, 1)
    finally:
        holder.close()
        c.close()


def test_one_cache_serves_every_thread(cache: DigestCache) -> None:
    import threading

    cache.put("/d/main", _st(), "blake3", DIGEST, hashed_at_ns=HASHED_AT)
    seen: list[str | None] = []

    def work() -> None:
        seen.append(cache.get("/d/main", _st(), "blake3"))
        cache.put("/d/worker", _st(), "blake3", OTHER, hashed_at_ns=HASHED_AT)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert seen == [DIGEST]
    assert cache.get("/d/worker", _st(), "blake3") == OTHER
    assert (cache.stats.hits, cache.stats.stores) == (2, 2)
