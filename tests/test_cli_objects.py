"""`provenance checkout` and `provenance gc` on both backends: every kind written back and
checked against its digest, Parquet or CSV by suffix, gc --dry-run, one-line errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from provenance import Tracker
from provenance.cli.app import main
from provenance.hashing import digest_object
from provenance.store import LineageStore, SQLiteStore
from tests.test_objects import _kinds, _tree

BACKENDS = ["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)]


@pytest.fixture(params=BACKENDS)
def setup(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Tracker, str]]:
    """A tracker and the --store value that opens the same store."""
    monkeypatch.delenv("PROVENANCE_KEEP", raising=False)
    monkeypatch.delenv("PROVENANCE_OBJECTS", raising=False)
    if request.param == "sqlite":
        uri = f"{tmp_path}/lineage.sqlite"
        s: LineageStore = SQLiteStore(uri)
    else:
        request.getfixturevalue("neo4j_clean")
        server = request.getfixturevalue("neo4j_server")
        from provenance.store import open_store

        monkeypatch.setenv("PROVENANCE_OBJECTS", str(tmp_path / "neo4j-objects"))
        uri = server.store_uri
        s = open_store(uri)
    t = Tracker(s)
    yield t, uri
    t.close()


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_checkout_every_kind(
    setup: tuple[Tracker, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t, uri = setup
    (tmp_path / "src").mkdir()
    kinds = _kinds(tmp_path / "src")
    f = t.log_artifact(kinds["file"], name="file")
    d = t.log_artifact(kinds["directory"], name="dir")
    frame = t.log_artifact(kinds["pandas"], name="frame")
    arr = t.log_artifact(kinds["array"], name="arr")
    model = t.log_model(kinds["sklearn"], name="lr")
    out = tmp_path / "out"

    code, stdout, _ = _cli(capsys, "checkout", f.id[:20], "-o", str(out / "f.csv"), "--store", uri)
    assert code == 0 and "digest matches" in stdout
    assert (out / "f.csv").read_text() == "a,b\n1,x\n"

    assert _cli(capsys, "checkout", d.id, "-o", str(out / "d"), "--store", uri)[0] == 0
    assert digest_object(out / "d").digest == d.id
    assert (out / "d" / "link").is_symlink()

    assert _cli(capsys, "checkout", frame.id, "-o", str(out / "t.parquet"), "--store", uri)[0] == 0
    assert digest_object(pd.read_parquet(out / "t.parquet")).digest == frame.id
    code, stdout, _ = _cli(capsys, "checkout", frame.id, "-o", str(out / "t.csv"), "--store", uri)
    assert code == 0 and "CSV" in stdout
    csv = pd.read_csv(out / "t.csv")
    assert list(csv.columns) == ["i", "s", "f"] and csv["i"].tolist() == [3, 1, 2]

    assert _cli(capsys, "checkout", arr.id, "-o", str(out / "a.npy"), "--store", uri)[0] == 0
    assert np.array_equal(np.load(out / "a.npy"), kinds["array"])

    code, stdout, _ = _cli(
        capsys, "checkout", model.id, "-o", str(out / "m.skops"), "--store", uri, "--json"
    )
    assert code == 0 and json.loads(stdout)["format"] == "model"
    from provenance.model import Model
    from provenance.models_io import load_saved

    saved = Model(id=model.id, name="lr", metadata={"saved": t.objects.meta(model.id)["saved"]})
    loaded = load_saved(saved, out / "m.skops")
    assert digest_object(loaded).digest == model.id


def test_checkout_errors_are_one_line(
    setup: tuple[Tracker, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t, uri = setup
    a = t.log_artifact(b"abc", name="a")
    not_kept = t.log_artifact(b"not kept", name="nk", keep=False)
    (tmp_path / "exists").write_text("x")
    for args, words in [
        (["checkout", a.id, "-o", str(tmp_path / "exists")], "already exists"),
        (["checkout", not_kept.id], "not kept in the object store"),
        (["checkout", "blake3:ffff0000"], "ffff0000"),
    ]:
        code, out, err = _cli(capsys, *args, "--store", uri)
        assert code == 1, (args, out, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:") and words in lines[0]
    assert (tmp_path / "exists").read_text() == "x"


def test_checkout_of_a_corrupt_object_fails_naming_it(
    setup: tuple[Tracker, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    t, uri = setup
    a = t.log_artifact(_tree(tmp_path), name="tree")
    victim = t.objects.content_path(a.id) / "a.txt"
    victim.write_text("ALPHA")
    code, _, err = _cli(capsys, "checkout", a.id, "-o", str(tmp_path / "back"), "--store", uri)
    assert code == 1 and "corrupt" in err and a.id in err
    assert not (tmp_path / "back").exists()


def test_gc_dry_run_then_gc(setup: tuple[Tracker, str], capsys: pytest.CaptureFixture[str]) -> None:
    t, uri = setup
    kept = t.log_artifact(b"referenced", name="a")
    orphan = digest_object(b"orphan").digest
    t.objects.put(b"orphan", orphan)
    code, out, _ = _cli(capsys, "gc", "--dry-run", "--store", uri)
    assert code == 0 and "dry run" in out and orphan in out and kept.id not in out
    assert t.objects.has(orphan)
    code, out, _ = _cli(capsys, "gc", "--store", uri, "--json")
    assert code == 0 and json.loads(out)["objects"] == [orphan]
    assert not t.objects.has(orphan) and t.objects.has(kept.id)
