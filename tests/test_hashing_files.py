"""Bytes and file digests: format, streaming, mmap vs read, change detection, errors."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import blake3
import pytest

from provenance.errors import (
    ContentChangedError,
    UnknownAlgorithmError,
    UnreadableInputError,
)
from provenance.hashing import (
    canonical_json,
    digest_blob,
    digest_bytes,
    digest_file,
    parse_digest,
)
from provenance.hashing.core import domain_prefix
from provenance.hashing.files import MMAP_THRESHOLD

BIG = 20 * (1 << 20) + 12345  # > mmap threshold, > one 16 MiB slice, not a round size


def _payload(n: int) -> bytes:
    return (b"0123456789abcdef" * (n // 16 + 1))[:n]


@pytest.fixture(params=["mmap", "read"])
def read_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "read":
        monkeypatch.setenv("PROVENANCE_NO_MMAP", "1")
    else:
        monkeypatch.delenv("PROVENANCE_NO_MMAP", raising=False)
    return str(request.param)


def test_digest_format_full_length_both_algorithms() -> None:
    for algo in ("blake3", "sha256"):
        d = digest_blob(b"abc", algo)
        name, hexpart = parse_digest(d)
        assert name == algo
        assert len(hexpart) == 64


def test_blob_is_domain_separated_and_raw_bytes_digest_is_not() -> None:
    assert digest_bytes(b"abc", "sha256") == "sha256:" + hashlib.sha256(b"abc").hexdigest()
    expected = hashlib.sha256(domain_prefix("blob") + b"abc").hexdigest()
    assert digest_blob(b"abc", "sha256") == "sha256:" + expected
    assert digest_blob(b"abc") == "blake3:" + blake3.blake3(b"provenance:blob:v1\nabc").hexdigest()
    assert digest_blob(b"abc") != digest_bytes(b"abc")


def test_blob_accepts_any_buffer() -> None:
    data = b"some bytes"
    assert digest_blob(bytearray(data)) == digest_blob(memoryview(data)) == digest_blob(data)
    # a non-contiguous view digests its logical bytes
    assert digest_blob(memoryview(b"abcdef")[::2]) == digest_blob(b"ace")


def test_unknown_algorithm() -> None:
    with pytest.raises(UnknownAlgorithmError):
        digest_blob(b"x", "md5")


def test_zero_and_negative_zero_are_one_json_value() -> None:
    assert canonical_json({"a": 0.0}) == canonical_json({"a": 0}) == canonical_json({"a": -0.0})


@pytest.mark.parametrize("size", [0, 1, 4096, MMAP_THRESHOLD - 1, MMAP_THRESHOLD, BIG])
def test_file_digest_equals_blob_of_its_bytes(tmp_path: Path, read_mode: str, size: int) -> None:
    p = tmp_path / "f.bin"
    data = _payload(size)
    p.write_bytes(data)
    for algo in ("blake3", "sha256"):
        assert digest_file(p, algo) == digest_blob(data, algo)


def test_file_progress_reports_every_byte(tmp_path: Path, read_mode: str) -> None:
    p = tmp_path / "f.bin"
    p.write_bytes(_payload(BIG))
    seen: list[int] = []
    digest_file(p, progress=seen.append)
    assert sum(seen) == BIG
    assert len(seen) >= 2  # streamed in several steps, not one read


def test_file_grown_while_hashed_raises(tmp_path: Path, read_mode: str) -> None:
    p = tmp_path / "growing.log"
    p.write_bytes(_payload(BIG))

    def append(_: int) -> None:
        with open(p, "ab") as f:
            f.write(b"more")

    with pytest.raises(ContentChangedError, match="changed while it was being hashed"):
        digest_file(p, progress=append)


def test_file_replaced_while_hashed_raises(tmp_path: Path) -> None:
    p = tmp_path / "model.bin"
    p.write_bytes(_payload(BIG))
    other = tmp_path / "new.bin"
    other.write_bytes(_payload(BIG))
    done: list[int] = []

    def swap(n: int) -> None:
        if not done:
            os.replace(other, p)  # same size, new inode: an atomic rewrite
        done.append(n)

    with pytest.raises(ContentChangedError):
        digest_file(p, progress=swap)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    with pytest.raises(UnreadableInputError, match=r"nope\.csv") as exc:
        digest_file(missing)
    assert str(missing) in str(exc.value)
    assert isinstance(exc.value, OSError)


def test_directory_and_fifo_are_not_files(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInputError, match="directory"):
        digest_file(tmp_path)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(UnreadableInputError, match="not a regular file"):
        digest_file(fifo)  # refused at once, not blocked waiting for a writer


def test_permission_denied_names_the_path(tmp_path: Path, file_modes_enforced: bool) -> None:
    """A file its owner may not read (as root, which reads it anyway, simulated from its
    mode: tests/conftest.py's ``file_modes_enforced``)."""
    p = tmp_path / "secret.bin"
    p.write_bytes(b"x")
    p.chmod(0)
    try:
        with pytest.raises(UnreadableInputError, match=r"secret\.bin"):
            digest_file(p)
    finally:
        p.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_symlink_to_file_is_followed(tmp_path: Path) -> None:
    p = tmp_path / "real.bin"
    p.write_bytes(b"content")
    link = tmp_path / "link.bin"
    link.symlink_to(p)
    assert digest_file(link) == digest_file(p)


def test_a_tests_digest_cache_is_its_own(tmp_path_factory: pytest.TempPathFactory) -> None:
    """tests/conftest.py gives each test a digest cache in the session's temporary directory:
    a test never reads or fills the user's ``~/.cache/provenance``."""
    from provenance.hashing import DigestCache, default_cache_dir

    base = tmp_path_factory.getbasetemp()
    assert default_cache_dir().is_relative_to(base)
    with DigestCache() as cache:
        assert cache.path.is_relative_to(base)
        assert not cache.path.is_relative_to(Path.home() / ".cache")
