"""Progress bars for long digests: what the bar shows, and what the digest uses and leaves.

The bars are rendered into a string by a terminal-like rich console; the expected digests
follow the documented recipe (``provenance:blob:v1\\n`` + the file's bytes) with ``blake3`` /
``hashlib`` directly.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import ClassVar

import blake3
import pytest
from rich.console import Console

import provenance.hashing.progress as progress_module
from provenance.errors import UnreadableInputError
from provenance.hashing import DigestCache
from provenance.hashing.progress import digest_path_with_progress, path_size, rich_byte_progress

OLD_NS = 1_600_000_000 * 10**9  # Sep 2020: far outside the cache's racy window
FULL_BAR = "━" * 40  # rich's default bar width, every cell done
ERASE = "\x1b[1A\x1b[2K"  # cursor up one line, clear it: a transient bar going away


def _console() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=120, color_system=None), out


def _last_frame(text: str) -> str:
    """The bar as last drawn (each frame starts by clearing its line)."""
    return text.split("\r\x1b[2K")[-1].split("\n")[0]


def _old_file(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, ns=(OLD_NS, OLD_NS))
    return path


def _blob(data: bytes, algo: str = "blake3") -> str:
    payload = b"provenance:blob:v1\n" + data
    if algo == "sha256":
        return "sha256:" + hashlib.sha256(payload).hexdigest()
    return "blake3:" + blake3.blake3(payload).hexdigest()


# --- rich_byte_progress -------------------------------------------------------------------
def test_the_final_frame_shows_description_bytes_and_a_full_bar() -> None:
    console, out = _console()
    with rich_byte_progress(1000, "hashing weights", console=console) as advance:
        advance(400)
        advance(600)
    frame = _last_frame(out.getvalue())
    assert frame.startswith("hashing weights " + FULL_BAR + " 1.0/1.0 kB ")
    assert not out.getvalue().endswith(ERASE)  # not transient: the bar stays


def test_an_open_ended_bar_counts_bytes() -> None:
    console, out = _console()
    with rich_byte_progress(None, console=console) as advance:
        advance(2)
        advance(3)
    assert _last_frame(out.getvalue()).startswith("hashing " + FULL_BAR + " 5/? bytes ")


def test_a_transient_bar_is_erased_at_the_end() -> None:
    console, out = _console()
    with rich_byte_progress(10, "x", console=console, transient=True) as advance:
        advance(10)
    assert out.getvalue().endswith(ERASE)
    assert _last_frame(out.getvalue()).startswith("x " + FULL_BAR + " 10/10 bytes ")


# --- path_size ----------------------------------------------------------------------------
def test_path_size_of_a_file_and_of_a_directory(tmp_path: Path) -> None:
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "a").write_bytes(b"12345")
    (tmp_path / "d" / "sub" / "b").write_bytes(b"x" * 1000)
    (tmp_path / "d" / "link").symlink_to("sub/b")  # not followed: not counted
    assert path_size(tmp_path / "d" / "a") == 5
    assert path_size(str(tmp_path / "d" / "sub" / "b")) == 1000
    assert path_size(tmp_path / "d") == 1005
    assert path_size(tmp_path / "d" / "sub") == 1000


def test_path_size_of_a_missing_path_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(UnreadableInputError) as got:
        path_size(missing)
    assert str(got.value) == f"cannot read {missing}: No such file or directory"


# --- digest_path_with_progress ------------------------------------------------------------
def test_a_file_digest_shows_its_path_and_size_then_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # a short relative path keeps the frame on one line
    _old_file(tmp_path / "data.bin", b"x" * 1000)
    console, out = _console()
    with DigestCache(cache_dir=tmp_path / "cache") as cache:
        info = digest_path_with_progress(Path("data.bin"), console=console, cache=cache)
    assert (info.kind, info.digest) == ("file", _blob(b"x" * 1000))
    assert _last_frame(out.getvalue()).startswith("hashing data.bin " + FULL_BAR + " 1.0/1.0 kB ")
    assert out.getvalue().endswith(ERASE)  # transient


def test_a_description_and_sha256(tmp_path: Path) -> None:
    p = _old_file(tmp_path / "data.bin", b"abc" * 100)
    console, out = _console()
    info = digest_path_with_progress(
        p, algo="sha256", console=console, use_cache=False, description="checking weights"
    )
    assert info.digest == _blob(b"abc" * 100, "sha256")
    frame = _last_frame(out.getvalue())
    assert frame.startswith("checking weights " + FULL_BAR + " 300/300 bytes ")
    assert "hashing" not in out.getvalue()


def test_a_directory_digest_counts_all_its_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _old_file(tmp_path / "d" / "a.bin", b"a" * 600)
    _old_file(tmp_path / "d" / "sub" / "b.bin", b"b" * 400)
    console, out = _console()
    info = digest_path_with_progress("d", console=console, use_cache=False)
    assert info.kind == "directory"
    assert info.details["total_bytes"] == 1000
    frame = _last_frame(out.getvalue())
    assert frame.startswith("hashing d " + FULL_BAR + " 1.0/1.0 kB ")


def test_a_given_cache_is_used_and_left_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROVENANCE_CACHE_DIR", str(tmp_path / "default-cache"))
    p = _old_file(tmp_path / "data.bin", b"y" * 300)
    console, _ = _console()
    cache = DigestCache(cache_dir=tmp_path / "given")
    try:
        first = digest_path_with_progress(p, console=console, cache=cache)
        assert cache.available  # still open: the caller's to close
        assert (cache.stats.stores, cache.stats.misses, len(cache)) == (1, 1, 1)
        second = digest_path_with_progress(p, console=console, cache=cache)
        assert first.digest == second.digest == _blob(b"y" * 300)
        assert cache.stats.hits == 1
    finally:
        cache.close()
    assert not (tmp_path / "default-cache").exists()  # the default cache was not opened


def test_use_cache_false_leaves_every_cache_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROVENANCE_CACHE_DIR", str(tmp_path / "default-cache"))
    p = _old_file(tmp_path / "data.bin", b"z" * 300)
    console, _ = _console()
    with DigestCache(cache_dir=tmp_path / "given") as cache:
        info = digest_path_with_progress(p, console=console, cache=cache, use_cache=False)
        assert info.digest == _blob(b"z" * 300)
        assert cache.stats == type(cache.stats)()  # no lookup, no store
        assert len(cache) == 0
        assert cache.available
    assert not (tmp_path / "default-cache").exists()


class _Recording(DigestCache):
    """A real DigestCache that remembers each instance, to see what became of it."""

    made: ClassVar[list[DigestCache]] = []

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        _Recording.made.append(self)


def test_without_a_cache_the_default_one_is_used_and_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default_dir = tmp_path / "default-cache"
    monkeypatch.setenv("PROVENANCE_CACHE_DIR", str(default_dir))
    monkeypatch.setattr(progress_module, "DigestCache", _Recording)
    monkeypatch.setattr(_Recording, "made", [])
    p = _old_file(tmp_path / "data.bin", b"w" * 300)
    console, _ = _console()
    info = digest_path_with_progress(p, console=console)
    assert info.digest == _blob(b"w" * 300)
    [opened] = _Recording.made
    assert opened.path == default_dir / "digests.sqlite"
    assert opened.stats.stores == 1
    assert not opened.available  # closed again
    with DigestCache(cache_dir=default_dir) as default:
        assert len(default) == 1
        assert default.get(str(p), os.stat(p), "blake3") == _blob(b"w" * 300)
