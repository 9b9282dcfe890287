"""Directory Merkle digests: invariances, sensitivities, symlink rule, manifest diffs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from provenance.errors import UnreadableInputError
from provenance.hashing import (
    DirectoryDigest,
    ManifestEntry,
    diff_manifests,
    digest_blob,
    digest_directory,
    directory_size,
)

FILES = {
    "README.md": b"# data\n",
    "train/part-0.csv": b"a,b\n1,2\n",
    "train/part-1.csv": b"a,b\n3,4\n",
    "test/part-0.csv": b"a,b\n5,6\n",
    "bin/run.sh": b"#!/bin/sh\necho hi\n",
}


def build(root: Path, order: list[str] | None = None) -> Path:
    for rel in order or list(FILES):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(FILES[rel])
    (root / "bin/run.sh").chmod(0o755)
    return root


def test_manifest_contents(tmp_path: Path) -> None:
    d = digest_directory(build(tmp_path / "a"))
    assert list(d.manifest) == sorted(FILES)
    assert d.file_count == len(FILES)
    assert d.link_count == 0
    assert d.total_bytes == sum(len(v) for v in FILES.values())
    entry = d.manifest["train/part-0.csv"]
    assert entry == ManifestEntry("file", digest_blob(FILES["train/part-0.csv"]), 8, False)
    assert d.manifest["bin/run.sh"].executable
    assert d.executable_count == 1


def test_independent_of_location_order_and_mtime(tmp_path: Path) -> None:
    a = digest_directory(build(tmp_path / "a"))
    b_root = build(tmp_path / "somewhere" / "else" / "b", order=sorted(FILES, reverse=True))
    for p in b_root.rglob("*"):
        os.utime(p, (12345, 12345))
    assert digest_directory(b_root) == a
    assert digest_directory(b_root, workers=1) == a  # sequential == parallel


@pytest.mark.parametrize("change", ["content", "exec_bit", "rename", "add", "remove", "move"])
def test_sensitive_to_every_kind_of_change(tmp_path: Path, change: str) -> None:
    root = build(tmp_path / "a")
    before = digest_directory(root)
    if change == "content":
        (root / "train/part-0.csv").write_bytes(b"a,b\n1,3\n")
    elif change == "exec_bit":
        (root / "README.md").chmod(0o755)
    elif change == "rename":
        (root / "README.md").rename(root / "README.txt")
    elif change == "add":
        (root / "train/part-2.csv").write_bytes(b"")
    elif change == "remove":
        (root / "test/part-0.csv").unlink()
    elif change == "move":
        (root / "valid").mkdir()
        (root / "test/part-0.csv").rename(root / "valid/part-0.csv")
    after = digest_directory(root)
    assert after.digest != before.digest


def test_diff_manifests_pinpoints_changes(tmp_path: Path) -> None:
    root = build(tmp_path / "a")
    old = digest_directory(root)
    (root / "train/part-0.csv").write_bytes(b"changed")
    (root / "README.md").chmod(0o755)
    (root / "test/part-0.csv").unlink()
    (root / "train/part-9.csv").write_bytes(b"new")
    (root / "latest").symlink_to("train/part-9.csv")
    new = digest_directory(root)
    diff = diff_manifests(old, new)
    assert diff.added == ["latest", "train/part-9.csv"]
    assert diff.removed == ["test/part-0.csv"]
    assert diff.changed == ["README.md", "train/part-0.csv"]
    assert not diff.unchanged
    assert diff_manifests(new, new).unchanged
    assert diff_manifests(dict(new.manifest), new) == diff_manifests(new, new)


def test_empty_directories_are_not_recorded(tmp_path: Path) -> None:
    root = build(tmp_path / "a")
    before = digest_directory(root)
    (root / "empty" / "nested").mkdir(parents=True)
    assert digest_directory(root) == before


def test_symlinks_recorded_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "big.bin").write_bytes(b"outside content")
    root = build(tmp_path / "a")
    (root / "ext").symlink_to(outside)  # to a directory outside the tree
    (root / "loop").symlink_to(".")  # a cycle
    (root / "dangling").symlink_to("does/not/exist")
    d = digest_directory(root)
    assert d.manifest["ext"] == ManifestEntry("link", target=str(outside))
    assert d.manifest["loop"].target == "."
    assert d.manifest["dangling"].kind == "link"
    assert d.link_count == 3 and d.file_count == len(FILES)
    assert not any(p.startswith(("ext/", "loop/")) for p in d.manifest)
    # what a link points at is not content of the tree
    (outside / "big.bin").write_bytes(b"something else entirely")
    assert digest_directory(root) == d
    # ... but where it points is
    (root / "dangling").unlink()
    (root / "dangling").symlink_to("does/not/exist/either")
    assert digest_directory(root).digest != d.digest


def test_symlink_differs_from_the_file_it_names(tmp_path: Path) -> None:
    a = build(tmp_path / "a")
    b = build(tmp_path / "b")
    shutil.copy(a / "README.md", a / "copy.md")
    (b / "copy.md").symlink_to("README.md")
    assert digest_directory(a).digest != digest_directory(b).digest


def test_root_symlink_is_followed(tmp_path: Path) -> None:
    root = build(tmp_path / "a")
    link = tmp_path / "current"
    link.symlink_to(root)
    assert digest_directory(link) == digest_directory(root)


def test_algorithms_differ_and_are_named(tmp_path: Path) -> None:
    root = build(tmp_path / "a")
    s = digest_directory(root, "sha256")
    assert s.digest.startswith("sha256:")
    assert all(e.digest and e.digest.startswith("sha256:") for e in s.manifest.values())
    assert s.digest.split(":")[1] != digest_directory(root).digest.split(":")[1]


def test_progress_and_size(tmp_path: Path) -> None:
    root = build(tmp_path / "a")
    seen: list[int] = []
    d = digest_directory(root, progress=seen.append)
    assert sum(seen) == d.total_bytes == directory_size(root)


def test_round_trip_through_dict(tmp_path: Path) -> None:
    root = build(tmp_path / "a")
    (root / "link").symlink_to("README.md")
    d = digest_directory(root)
    again = DirectoryDigest.from_dict(d.to_dict())
    assert again == d
    assert diff_manifests(again, d).unchanged


def test_errors_name_the_path(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInputError, match="missing"):
        digest_directory(tmp_path / "missing")
    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(UnreadableInputError, match="not a directory"):
        digest_directory(f)
    root = build(tmp_path / "a")
    os.mkfifo(root / "train" / "fifo")
    with pytest.raises(UnreadableInputError, match="fifo"):
        digest_directory(root)


def test_many_files_parallel(tmp_path: Path) -> None:
    root = tmp_path / "many"
    for i in range(300):
        p = root / f"{i % 7}" / f"{i}.bin"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(os.urandom(i * 37))
    par = digest_directory(root, workers=8)
    seq = digest_directory(root, workers=1)
    assert par == seq
    assert par.file_count == 300
