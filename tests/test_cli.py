"""The CLI as a user meets it: real subprocesses for exit codes and stderr, JSON for answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from provenance.model import LineageGraph


def cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    full_env.pop("PROVENANCE_STORE", None)
    return subprocess.run(
        [sys.executable, "-m", "provenance", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    d = tmp_path_factory.mktemp("demo")
    r = cli("demo", "--json", cwd=d)
    assert r.returncode == 0, r.stderr
    return d, json.loads(r.stdout)


def assert_one_line_error(r: subprocess.CompletedProcess[str], needle: str) -> None:
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert needle in lines[0], lines[0]


def test_demo_leaves_a_queryable_store(demo_dir: tuple[Path, dict[str, object]]) -> None:
    d, ids = demo_dir
    assert (d / ".provenance" / "lineage.sqlite").is_file()
    assert (d / ".provenance" / "demo" / "data" / "events.csv").is_file()
    counts = ids["counts"]
    assert isinstance(counts, dict) and counts["Model"] == 2 and counts["Transform"] >= 11


def test_demo_is_idempotent(demo_dir: tuple[Path, dict[str, object]]) -> None:
    d, ids = demo_dir
    again = cli("demo", "--json", cwd=d)
    assert again.returncode == 0, again.stderr
    second = json.loads(again.stdout)
    assert second["counts"] == ids["counts"]
    assert second["model_v2"] == ids["model_v2"]


def test_demo_verbose_output_reads_like_an_audit(tmp_path: Path) -> None:
    r = cli("demo", "--verbose", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for needle in (
        "Ancestry of churn_model v2",
        "Sources",
        "users.csv",
        "events.csv",
        "new_users.csv",
        "seed 42",
        "seed 1234",
        "churn_predictions",
        "Descendants of events.csv",
        "inference",
        "augment",
        "embed",
    ):
        assert needle in r.stdout, needle


def test_demo_default_output_is_a_short_summary(
    demo_dir: tuple[Path, dict[str, object]],
) -> None:
    d, ids = demo_dir
    r = cli("demo", cwd=d)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) < 40, r.stdout  # the full tables are behind --verbose
    text = " ".join(r.stdout.split())
    for needle in (
        "3 sources (events.csv, new_users.csv, users.csv)",
        "7 artifacts to delete, 2 models to retrain, 1 prediction set affected",
        "churn_model (model, 2 transforms)",
        "inference → churn_predictions → train",
        "seeded:",
        f"provenance ancestry {str(ids['model_v2'])[7:19]}",
        f"provenance impact {str(ids['users_source'])[7:19]}",
        "provenance demo --verbose",
    ):
        assert needle in text, needle
    assert "Transforms, in execution order" not in r.stdout


def test_ancestry_json_of_model_v2(demo_dir: tuple[Path, dict[str, object]]) -> None:
    d, ids = demo_dir
    r = cli("ancestry", str(ids["model_v2"])[7:19], "--json", cwd=d)
    assert r.returncode == 0, r.stderr
    g = LineageGraph.model_validate_json(r.stdout)
    assert g.root == ids["model_v2"]
    assert {s.name for s in g.sources()} == {"users.csv", "events.csv", "new_users.csv"}
    ops = sorted(t.operation for t in g.transforms)
    assert ops == sorted(
        [
            "ingest",
            "ingest",
            "ingest",
            "join",
            "join",
            "clean",
            "split",
            "augment",
            "embed",
            "embed",
            "train",
            "train",
            "inference",
        ]
    )
    assert {m.name for m in g.models} == {"churn_model"} and len(g.models) == 2
    seeds = {t.operation: t.seed_state.master_seed for t in g.transforms if t.seed_state}
    assert seeds["augment"] == 42 and seeds["split"] == 7 and seeds["train"] == 1234
    assert len(g.code_versions) >= 1
    # The feedback loop: v1 is upstream of v2 through inference.
    assert ids["model_v1"] in g.node_ids and ids["predictions"] in g.node_ids
    assert nx.has_path(g.to_networkx(), ids["model_v1"], ids["model_v2"])


def test_descendants_of_events(demo_dir: tuple[Path, dict[str, object]]) -> None:
    d, ids = demo_dir
    r = cli("descendants", str(ids["events_source"]), "--json", cwd=d)
    assert r.returncode == 0, r.stderr
    g = LineageGraph.model_validate_json(r.stdout)
    names = {a.name for a in g.artifacts}
    assert {"events", "user_features", "train", "test", "churn_model", "churn_predictions"} <= names
    assert "users.csv" not in names and "new_users.csv" not in names
    shallow = LineageGraph.model_validate_json(
        cli("descendants", str(ids["events_source"]), "--json", "--depth", "1", cwd=d).stdout
    )
    assert {a.name for a in shallow.artifacts} == {"events.csv", "events"}


@pytest.mark.parametrize("command", ["ancestry", "descendants"])
def test_walks_share_the_format_option(
    demo_dir: tuple[Path, dict[str, object]], command: str
) -> None:
    d, ids = demo_dir
    node = str(ids["events_source"] if command == "descendants" else ids["model_v2"])[7:19]
    assert "--format" in cli(command, "--help", cwd=d).stdout
    as_json = cli(command, node, "--json", cwd=d)
    assert as_json.returncode == 0, as_json.stderr
    fmt_json = cli(command, node, "--format", "json", cwd=d)
    assert fmt_json.stdout == as_json.stdout
    mermaid = cli(command, node, "-f", "mermaid", cwd=d)
    assert mermaid.returncode == 0 and mermaid.stdout.startswith("flowchart"), mermaid.stderr
    table = cli(command, node, "--format", "table", cwd=d)
    tree_branch = "── used"  # a tree's branch, never a table's border
    assert "Transforms, in execution order" in table.stdout and tree_branch not in table.stdout
    tree = cli(command, node, "--format", "tree", cwd=d)
    assert tree_branch in tree.stdout and "Transforms, in execution order" not in tree.stdout
    assert_one_line_error(cli(command, node, "--format", "xml", cwd=d), "xml")


def test_descendants_default_is_the_tree_alone(demo_dir: tuple[Path, dict[str, object]]) -> None:
    d, ids = demo_dir
    r = cli("descendants", str(ids["events_source"])[7:19], cwd=d)
    assert r.returncode == 0, r.stderr
    assert "── used" in r.stdout and "Transforms, in execution order" not in r.stdout


def test_show_and_limit(demo_dir: tuple[Path, dict[str, object]]) -> None:
    d, ids = demo_dir
    r = cli("show", str(ids["model_v1"]), "--json", cwd=d)
    assert r.returncode == 0, r.stderr
    node = json.loads(r.stdout)
    assert node["node_type"] == "Model" and node["architecture_hash"].startswith("blake3:")
    human = cli("show", str(ids["model_v1"])[:14], cwd=d)
    assert human.returncode == 0 and "churn_model" in human.stdout
    lim = cli("ancestry", str(ids["model_v2"]), "--json", "--limit", "3", cwd=d)
    g = LineageGraph.model_validate_json(lim.stdout)
    assert g.truncated and len(g.nodes) == 3


def test_export_json_and_graphml(demo_dir: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    d, ids = demo_dir
    r = cli("export", "--format", "json", cwd=d)
    g = LineageGraph.model_validate_json(r.stdout)
    counts = ids["counts"]
    assert isinstance(counts, dict)
    assert len(g.nodes) == sum(
        v for k, v in counts.items() if k in ("Artifact", "Model", "Transform", "CodeVersion")
    )
    out = tmp_path / "g.graphml"
    r = cli("export", "--format", "graphml", "--out", str(out), cwd=d)
    assert r.returncode == 0, r.stderr
    gx = nx.read_graphml(out)
    assert gx.number_of_nodes() == len(g.nodes) and gx.number_of_edges() == len(g.edges)


def test_hash_command(tmp_path: Path) -> None:
    f = tmp_path / "f.bin"
    f.write_bytes(b"abc")
    r = cli("hash", str(f), "--algo", "sha256", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    from provenance.hashing import digest_blob

    assert r.stdout.split()[0] == digest_blob(b"abc", "sha256")
    r = cli("hash", str(tmp_path), "--json", cwd=tmp_path)
    assert json.loads(r.stdout)["kind"] == "directory"


def test_errors_are_one_line(demo_dir: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    d, _ = demo_dir
    assert_one_line_error(cli("show", "0000deadbeef", cwd=d), "no node")
    assert_one_line_error(cli("ancestry", "not-an-id!", cwd=d), "no node")
    assert_one_line_error(cli("hash", str(tmp_path / "missing"), cwd=tmp_path), "missing")
    assert_one_line_error(
        cli("ancestry", "abcd", "--store", "mongodb://x", cwd=d), "unknown scheme"
    )
    assert_one_line_error(cli("export", "--format", "xml", cwd=d), "xml")
    assert_one_line_error(cli("hash", str(tmp_path), "--algo", "md5", cwd=d), "md5")


def test_ambiguous_prefix(tmp_path: Path) -> None:
    from provenance.model import Artifact
    from provenance.store import SQLiteStore

    store = SQLiteStore(tmp_path / ".provenance" / "lineage.sqlite")
    store.write(
        [
            Artifact(id="blake3:abcd" + "0" * 60, name="one"),
            Artifact(id="blake3:abcd" + "1" * 60, name="two"),
        ],
        [],
    )
    store.close()
    assert_one_line_error(cli("show", "abcd", cwd=tmp_path), "ambiguous")


def test_missing_store_is_not_created(tmp_path: Path) -> None:
    assert_one_line_error(cli("ancestry", "abcdef", cwd=tmp_path), "no provenance store")
    assert not (tmp_path / ".provenance").exists()


def test_corrupt_store_is_left_untouched(tmp_path: Path) -> None:
    store = tmp_path / "bad.sqlite"
    garbage = b"this is not a database at all\x00" * 100
    store.write_bytes(garbage)
    assert_one_line_error(
        cli("ancestry", "abcdef", "--store", str(store), cwd=tmp_path),
        "not a readable provenance store",
    )
    assert store.read_bytes() == garbage
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.sqlite"]


def test_demo_reports_impact_loops_and_verdict(demo_dir: tuple[Path, dict[str, object]]) -> None:
    """The demo's own answers, worked out from its pipeline by hand."""
    _, ids = demo_dir
    impact = ids["impact"]
    assert isinstance(impact, dict)
    names = {
        cat: {n["name"] for n in impact[cat]}
        for cat in ("must_delete", "must_retrain", "affected_predictions")
    }
    # users.csv -> users -> user_features -> clean -> split (train, test) -> augment -> embed:
    # derived data that holds users' rows.
    assert names["must_delete"] == {
        "users",
        "user_features",
        "user_features_clean",
        "train",
        "test",
        "train_augmented",
        "train_embeddings",
    }
    assert names["must_retrain"] == {"churn_model"}  # both versions share the name
    assert len(impact["must_retrain"]) == 2
    # New users' predictions come from model v1, not from users.csv's rows.
    assert names["affected_predictions"] == {"churn_predictions"}
    loops = ids["loops"]
    assert isinstance(loops, dict)
    (loop,) = loops["loops"]
    assert loop["source"]["id"] == ids["model_v1"] and loop["target"]["id"] == ids["model_v2"]
    verdict = ids["verify"]
    assert isinstance(verdict, dict)
    assert verdict["verdict"] == "seeded"  # split, augment and both trains are seeded


def test_version(tmp_path: Path) -> None:
    from importlib.metadata import version

    r = cli("--version", cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (0, f"provenance {version('provenance')}\n", "")


def test_articles_agree_with_the_word() -> None:
    from provenance.wording import with_article

    cases = {
        "Artifact": "an Artifact",
        "Model": "a Model",
        "Transform": "a Transform",
        "CodeVersion": "a CodeVersion",
        "int": "an int",
        "str": "a str",
        "object": "an object",
        "uint8": "a uint8",
        "ndarray": "an ndarray",
        "builtins.object": "a builtins.object",
        "io.BytesIO": "an io.BytesIO",
    }
    assert {word: with_article(word) for word in cases} == cases


def test_messages_name_node_types_with_the_right_article(tmp_path: Path) -> None:
    """The messages that name a node's type: "is an Artifact", never "is an Model"."""
    from provenance.analysis.contamination import contamination
    from provenance.analysis.replay import replay
    from provenance.errors import NotATransformError, ProvenanceError
    from provenance.model import Artifact, Model, Transform
    from provenance.store import SQLiteStore

    a = Artifact(id="blake3:" + "a" * 64, name="a")
    m = Model(id="blake3:" + "b" * 64, name="m")
    t = Transform(id="blake3:" + "c" * 64, operation="train")
    with SQLiteStore(tmp_path / "l.sqlite") as s:
        s.write([a, m, t], [])
        with pytest.raises(NotATransformError, match=f"^{m.id} is a Model, not a transform$"):
            replay(s, m.id)
        with pytest.raises(NotATransformError, match=f"^{a.id} is an Artifact, not a trans"):
            replay(s, a.id)
        with pytest.raises(ProvenanceError, match=f"^the test id {t.id} is a Transform, not an "):
            contamination(s, a.id, t.id)


def test_creating_a_store_where_the_directory_is_not_writable_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, file_modes_enforced: bool
) -> None:
    """Not "cannot read the store" (there is none yet): cannot create it, and why. As root
    the refusals are simulated from the modes (``file_modes_enforced``); SQLite itself, which
    root lets create the file, is made to refuse as it does for another user (CANTOPEN)."""
    import sqlite3

    from provenance import Tracker
    from provenance.errors import StorePermissionError

    locked = tmp_path / "locked"
    locked.mkdir()
    target = locked / "lineage.sqlite"
    if file_modes_enforced:
        real_connect = sqlite3.connect

        def connect(database: object, *args: object, **kwargs: object) -> sqlite3.Connection:
            if str(database) == str(target):
                exc = sqlite3.OperationalError("unable to open database file")
                exc.sqlite_errorcode = sqlite3.SQLITE_CANTOPEN  # type: ignore[attr-defined]
                raise exc
            return real_connect(database, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(sqlite3, "connect", connect)
    locked.chmod(0o555)
    try:
        with pytest.raises(StorePermissionError) as caught:
            Tracker(f"{locked}/")
        assert str(caught.value) == (
            f"permission denied: cannot create the provenance store at {target}: "
            f"its directory {locked} is not writable"
        )
        locked.chmod(0)
        with pytest.raises(StorePermissionError) as caught:
            Tracker(f"{locked}/")
        assert str(caught.value) == (
            f"permission denied: {locked} cannot be searched, so the provenance store at "
            f"{target} can be neither opened nor created"
        )
    finally:
        locked.chmod(0o755)
    assert not target.exists()
