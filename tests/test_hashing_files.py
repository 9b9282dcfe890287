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


# --------------------------------------------------------------------------------------------
# Mutation testing (issue 21; tests/README.md)
# --------------------------------------------------------------------------------------------
_MAPPED_STEPS = [16 << 20, BIG - (16 << 20)]  # memory-mapped: 16 MiB slices
_READ_STEPS = [4 << 20] * 5 + [BIG - 5 * (4 << 20)]  # read(): 4 MiB reads


@pytest.mark.parametrize(
    ("setting", "steps"),
    [
        (None, _MAPPED_STEPS),
        ("", _MAPPED_STEPS),
        ("0", _MAPPED_STEPS),
        (" False ", _MAPPED_STEPS),
        ("NO", _MAPPED_STEPS),
        ("1", _READ_STEPS),
        ("yes", _READ_STEPS),
        ("TRUE", _READ_STEPS),
    ],
)
def test_provenance_no_mmap_chooses_how_a_file_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str | None, steps: list[int]
) -> None:
    """``PROVENANCE_NO_MMAP`` (documented in the module) switches a large file from memory
    maps (progress every 16 MiB slice) to ``read`` (progress every 4 MiB read); the digest is
    the same either way."""
    if setting is None:
        monkeypatch.delenv("PROVENANCE_NO_MMAP", raising=False)
    else:
        monkeypatch.setenv("PROVENANCE_NO_MMAP", setting)
    p = tmp_path / "f.bin"
    data = _payload(BIG)
    p.write_bytes(data)
    seen: list[int] = []
    expected = "blake3:" + blake3.blake3(b"provenance:blob:v1\n" + data).hexdigest()
    assert digest_file(p, progress=seen.append) == expected
    assert seen == steps


def _blob(data: bytes) -> str:
    return "blake3:" + blake3.blake3(b"provenance:blob:v1\n" + data).hexdigest()


def test_a_file_larger_than_one_window_is_mapped_window_by_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files above one mapping window (256 MiB; here shrunk to 1 MiB so that the test stays
    small) are mapped one window after the other, each hashed once."""
    import provenance.hashing.files as files

    monkeypatch.delenv("PROVENANCE_NO_MMAP", raising=False)
    monkeypatch.setattr(files, "_WINDOW", 1 << 20)
    size = (5 << 19) + 123  # 2.5 MiB and a bit: three windows, the last one partial
    data = bytes(range(256)) * (size // 256) + b"z" * (size % 256)
    p = tmp_path / "f.bin"
    p.write_bytes(data)
    seen: list[int] = []

    def progress(n: int) -> None:
        seen.append(n)
        if sum(seen) > size:
            raise AssertionError(f"more bytes hashed than the file holds: {seen}")

    assert digest_file(p, progress=progress) == _blob(data)
    assert seen == [1 << 20, 1 << 20, size - (2 << 20)]


def test_a_file_that_cannot_be_mapped_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A filesystem without mmap (some FUSE or network mounts): the file is read instead;
    a mapping that fails after the first window is an error naming the file."""
    import mmap

    import provenance.hashing.files as files

    monkeypatch.delenv("PROVENANCE_NO_MMAP", raising=False)
    real_mmap = mmap.mmap

    def no_mmap(*args: object, **kwargs: object) -> mmap.mmap:
        raise OSError(19, "No such device")

    monkeypatch.setattr(mmap, "mmap", no_mmap)
    p = tmp_path / "f.bin"
    data = _payload(BIG)
    p.write_bytes(data)
    seen: list[int] = []
    assert digest_file(p, progress=seen.append) == _blob(data)
    assert seen == _READ_STEPS

    def fails_after_the_first_window(*args: object, **kwargs: object) -> mmap.mmap:
        if kwargs.get("offset", 0):
            raise OSError(19, "No such device")
        return real_mmap(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(mmap, "mmap", fails_after_the_first_window)
    monkeypatch.setattr(files, "_WINDOW", 1 << 20)
    with pytest.raises(UnreadableInputError) as info:
        digest_file(p)
    assert str(info.value) == f"cannot read {p}: No such device"


def test_a_file_deleted_while_hashed_says_it_disappeared(tmp_path: Path) -> None:
    p = tmp_path / "gone.bin"
    p.write_bytes(_payload(4096))

    def delete(_: int) -> None:
        if p.exists():
            p.unlink()

    with pytest.raises(ContentChangedError) as info:
        digest_file(p, progress=delete)
    assert str(info.value) == (
        f"{p} disappeared while it was being hashed (No such file or directory)"
    )


def test_a_file_changed_while_hashed_says_how(tmp_path: Path) -> None:
    p = tmp_path / "growing.log"
    p.write_bytes(_payload(4096))
    os.utime(p, ns=(1_000_000_000, 1_000_000_000))
    before = p.stat()

    def append(_: int) -> None:
        with open(p, "ab") as f:
            f.write(b"more")
        os.utime(p, ns=(2_000_000_007, 2_000_000_007))

    with pytest.raises(ContentChangedError) as info:
        digest_file(p, progress=append)
    assert before.st_size == 4096
    assert str(info.value) == (
        f"{p} changed while it was being hashed (size 4096 -> 4100, "
        "mtime_ns 1000000000 -> 2000000007); hash it again once it is no longer being written"
    )
