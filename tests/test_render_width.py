"""Output that reads at 80 columns: the demo's short summary, the loops table (names whole,
ids shortened instead), and the lineage tree (a node expanded where it first appears)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from rich.tree import Tree

from provenance.analysis.loops import FeedbackLoop, LoopReport
from provenance.analysis.refs import NodeRef
from provenance.model import Artifact, Edge, LineageGraph, Model, Transform
from provenance.render.graph import lineage_tree
from provenance.render.loops import render_loops

WIDTH = 80


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(WIDTH)}
    env.pop("PROVENANCE_STORE", None)
    return subprocess.run(
        [sys.executable, "-m", "provenance", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def fragments(text: str) -> list[str]:
    """Table cell lines that hold only a 1–2 letter piece of a word (``ic`` of
    ``deterministic``): what a cell too narrow for its words prints."""
    found = []
    for line in text.splitlines():
        if not line.startswith(("│", "┃")):
            continue
        for cell in re.split(r"[│┃]", line)[1:-1]:
            piece = cell.strip()
            if 1 <= len(piece) <= 2 and piece.isalpha():
                found.append(f"{piece!r} in {line!r}")
    return found


def render(renderable: object, width: int = WIDTH) -> str:
    console = Console(width=width, record=True, color_system=None, highlight=False)
    with console.capture() as capture:
        console.print(renderable)
    return capture.get()


def test_fragment_check_catches_cut_cells() -> None:
    """The check itself: a too-narrow table cuts a word into fragments, which it reports."""
    from rich.table import Table

    table = Table()
    table.add_column("seed", overflow="fold")
    table.add_row("declared deterministic")
    assert fragments(render(table, width=15))
    assert not fragments(render(table))


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    d = tmp_path_factory.mktemp("demo80")
    r = run_cli("demo", cwd=d)
    assert r.returncode == 0, r.stderr
    return d, r.stdout


def test_short_demo_output_fits_80_columns(demo_run: tuple[Path, str]) -> None:
    _, out = demo_run
    lines = out.splitlines()
    assert lines and len(lines) < 40
    too_wide = [ln for ln in lines if len(ln) > WIDTH]
    assert not too_wide, too_wide
    assert not fragments(out)
    assert "…" not in out  # nothing shortened with an ellipsis
    # The loop's names appear whole, the answers are there, and the way to the full tables.
    for name in ("churn_model", "inference", "churn_predictions", "train"):
        assert re.search(rf"(^|\s){name}(\s|$)", out, re.M), name
    assert "7 artifacts to delete" in out and "provenance demo --verbose" in out


def test_loops_command_names_whole_at_80_columns(demo_run: tuple[Path, str]) -> None:
    d, _ = demo_run
    r = run_cli("loops", cwd=d)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert all(len(ln) <= WIDTH for ln in lines), lines
    assert not fragments(r.stdout), fragments(r.stdout)
    assert "churn_mo…" not in r.stdout and "…" not in r.stdout
    words = set(re.findall(r"[\w.]+", r.stdout))
    assert {"churn_model", "churn_predictions", "inference", "train"} <= words


def _ref(c: str, node_type: str, name: str | None = None, op: str | None = None) -> NodeRef:
    return NodeRef(id=f"blake3:{c * 64}", node_type=node_type, name=name, operation=op)  # type: ignore[arg-type]


def test_loops_table_keeps_long_names_whole() -> None:
    v1 = _ref("1", "Model", "customer_lifetime_value_model")
    v2 = _ref("2", "Model", "customer_lifetime_value_model")
    path = [
        v1,
        _ref("3", "Transform", op="batch_inference"),
        _ref("4", "Artifact", "weekly_value_predictions"),
        _ref("5", "Transform", op="retrain"),
        v2,
    ]
    loop = FeedbackLoop(
        kind="model",
        line="customer_lifetime_value_model",
        source=v1,
        target=v2,
        path=path,
        length=2,
        versions=[v1, v2],
    )
    out = render(render_loops(LoopReport(loops=[loop], models_checked=2)))
    assert all(len(ln) <= WIDTH for ln in out.splitlines())
    assert not fragments(out), fragments(out)
    assert "…" not in out
    words = set(re.findall(r"\w+", out))
    assert {
        "customer_lifetime_value_model",
        "batch_inference",
        "weekly_value_predictions",
        "retrain",
    } <= words
    assert "11111111" in words and "1" * 12 not in out  # ids shortened, not names


def _walk(tree: Tree) -> list[tuple[str, int]]:
    """(label, number of children) of every node, in the order the tree prints."""
    out: list[tuple[str, int]] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        out.append((str(node.label), len(node.children)))
        stack.extend(reversed(node.children))
    return out


def test_tree_expands_a_node_where_it_first_appears() -> None:
    """A shared ancestor (``base``, itself produced from ``seed``) reached along two
    branches: the first branch printed expands it, the second says "(shown above)"."""

    def art(c: str, name: str) -> Artifact:
        return Artifact(id=f"blake3:{c * 64}", name=name)

    seed, base, left, right, top = (
        art(c, n) for c, n in zip("12345", ["seed", "base", "left", "right", "top"], strict=True)
    )
    make_base, make_left, make_right, make_top = (
        Transform(id=f"blake3:{c * 64}", operation=op)
        for c, op in zip("6789", ["mk_base", "mk_left", "mk_right", "mk_top"], strict=True)
    )
    edges = [
        Edge(source=make_base.id, target=seed.id, type="USED"),
        Edge(source=make_base.id, target=base.id, type="PRODUCED"),
        Edge(source=make_left.id, target=base.id, type="USED"),
        Edge(source=make_left.id, target=left.id, type="PRODUCED"),
        Edge(source=make_right.id, target=base.id, type="USED"),
        Edge(source=make_right.id, target=right.id, type="PRODUCED"),
        Edge(source=make_top.id, target=left.id, type="USED", role="a"),
        Edge(source=make_top.id, target=right.id, type="USED", role="b"),
        Edge(source=make_top.id, target=top.id, type="PRODUCED"),
    ]
    nodes = [seed, base, left, right, top, make_base, make_left, make_right, make_top]
    graph = LineageGraph(root=top.id, nodes=nodes, edges=edges)
    printed = _walk(lineage_tree(graph, "up"))
    base_rows = [(label, n) for label, n in printed if "base[/]" in label and "mk_" not in label]
    assert len(base_rows) == 2
    (first_label, first_children), (second_label, second_children) = base_rows
    assert "(shown above)" not in first_label and first_children == 1  # expanded: mk_base
    assert "(shown above)" in second_label and second_children == 0
    # Every node expanded once, before any "(shown above)" mention of it.
    expanded: set[str] = set()
    for label, _ in printed:
        name = re.sub(r"\s*\[dim\]\(shown above\)\[/\]$", "", label)
        if "(shown above)" in label:
            assert name in expanded, label
        else:
            expanded.add(name)

    # Going down, `mk_top` is reached from `left` and from `right`: expanded the first time.
    down = _walk(lineage_tree(graph.model_copy(update={"root": seed.id}), "down"))
    top_rows = [(label, n) for label, n in down if "mk_top" in label]
    assert len(top_rows) == 2
    assert "(shown above)" not in top_rows[0][0] and top_rows[0][1] == 1
    assert "(shown above)" in top_rows[1][0] and top_rows[1][1] == 0


def test_tree_marks_a_model_reached_twice_once() -> None:
    """A model used by two transforms of one lineage is expanded the first time only."""
    m = Model(id="blake3:" + "d" * 64, name="clf")
    a = Artifact(id="blake3:" + "a" * 64, name="a")
    b = Artifact(id="blake3:" + "b" * 64, name="b")
    t1 = Transform(id="blake3:" + "1" * 64, operation="score", model_id=m.id)
    t2 = Transform(id="blake3:" + "2" * 64, operation="merge")
    edges = [
        Edge(source=t1.id, target=m.id, type="USED_MODEL"),
        Edge(source=t1.id, target=a.id, type="PRODUCED"),
        Edge(source=t2.id, target=a.id, type="USED"),
        Edge(source=t2.id, target=m.id, type="USED"),
        Edge(source=t2.id, target=b.id, type="PRODUCED"),
    ]
    graph = LineageGraph(root=b.id, nodes=[m, a, b, t1, t2], edges=edges)
    labels = [label for label, _ in _walk(lineage_tree(graph, "up"))]
    clf = [label for label in labels if "clf[/]" in label]
    assert len(clf) == 2 and "(shown above)" in clf[1] and "(shown above)" not in clf[0]


# --- show, drift, spool status at 80 columns ----------------------------------------------------
def _value_cells(text: str, field: str) -> str:
    """The value column of a ``show`` row, its folded continuation lines joined."""
    out, inside = [], False
    for line in text.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if len(cells) != 2:
            continue
        if cells[0]:
            inside = cells[0] == field
        if inside:
            out.append(cells[1])
    return "".join(out)


def test_show_keeps_the_id_and_a_long_uri_whole_at_80_columns() -> None:
    from provenance.render.graph import render_node

    uri = "file:///srv/ml/models/churn/2026-01-15/customer_churn_gradient_boosting_v2.skops"
    model = Model(
        id="blake3:" + "6c81e4a0774d3397" * 4,
        name="churn_model",
        uri=uri,
        architecture_hash="blake3:" + "7403981f0f23e36d" * 4,
        framework="sklearn",
    )
    out = render(render_node(model))
    lines = out.splitlines()
    assert all(len(ln) <= WIDTH for ln in lines), lines
    assert "…" not in out  # nothing cut
    assert lines[0].split() == ["Model", "churn_model"]
    assert lines[1] == model.id  # the full id, on a line of its own
    assert _value_cells(out, "uri") == uri  # whole, folded in its cell
    assert _value_cells(out, "architecture_hash") == model.architecture_hash
    # a transform's heading too (its type is longer): the id still on one line
    t = Transform(id="sha256:" + "ab" * 32, operation="train")
    assert render(render_node(t)).splitlines()[:2] == ["Transform train", t.id]


def test_drift_is_one_line_per_feature_at_80_columns() -> None:
    """Seven features, names up to 15 characters, three statistics flagged on one of them:
    before, the flags column folded each feature onto up to 10 lines."""
    from provenance.analysis.drift import DriftReport, FeatureDrift
    from provenance.render.drift import render_drift

    names = ["age", "plan", "tenure_days", "churned", "n_events", "total_spend", "support_tickets"]
    features = [
        FeatureDrift(
            feature=name,
            kind="numeric" if name != "plan" else "categorical",
            psi=0.1 * i,
            ks=0.05 * i,
            mean_shift=0.3 * i,
            std_ratio=1.0 + 0.2 * i,
            flags=["psi 0.600", "ks 0.300", "mean shift +1.80 std", "std ratio 2.20"]
            if name == "support_tickets"
            else [],
            severity="major" if name == "support_tickets" else "none",
        )
        for i, name in enumerate(names)
    ]
    report = DriftReport(
        a_id="a",
        b_id="b",
        a_name="train",
        b_name="test",
        features=features,
        drifted=["support_tickets"],
    )
    out = render(render_drift(report))
    lines = out.splitlines()
    assert all(len(ln) <= WIDTH for ln in lines), lines
    assert "…" not in out and not fragments(out)
    rows = [ln for ln in lines if ln.split() and ln.split()[0] in names]
    assert [r.split()[0] for r in rows] == names  # one line each, names whole
    (tickets,) = [r for r in rows if r.startswith("support_tickets")]
    assert tickets.split() == [
        "support_tickets",
        "numeric",
        "0.600*",
        "0.300*",
        "+1.80*",
        "2.20*",
        "major",
    ]
    assert len(lines) <= len(names) + 6, out  # heading, legend, header and rule


def test_spool_status_reads_at_80_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from provenance.cli.app import main
    from provenance.spool import Spool

    monkeypatch.setenv("COLUMNS", str(WIDTH))
    uri = "neo4j://neo4j:secret@lineage-db.example.internal:7687"
    spool = Spool(uri)
    spool.append([Artifact(id="blake3:" + "1" * 64, name="x")], [])
    spool.append([Transform(id="blake3:" + "2" * 64, operation="train")], [])
    spool.close()
    assert main(["spool", "status", "--store", uri]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert all(len(ln) <= WIDTH for ln in lines), lines
    assert "…" not in out and "secret" not in out
    assert lines[0] == "neo4j://neo4j:***@lineage-db.example.internal:7687"
    assert re.fullmatch(r"  pending runs: 1, records: 2, oldest: \S+", lines[1]), lines[1]
    assert lines[2] == "  rejected: 0, writers: -"
    assert lines[3].startswith("  spool: ")


def test_verify_keeps_ids_and_words_whole_at_80_columns() -> None:
    """`provenance verify` at 80 columns: every line fits, and wrapping moved only line
    breaks: the words (ids, paths, versions) are those printed at 250 columns, in order, so
    none was cut mid-token. The report is a long one: a changed helper module named, an
    environment note, full and short ids."""
    import shutil
    import tempfile

    from tests.test_analysis_verify import HELPERS, job_env, make_project, run_job

    work = Path(tempfile.mkdtemp(prefix="v80-"))  # short paths, as a user's would be
    try:
        proj = make_project(work / "proj")
        uri = f"sqlite://{work / 'lineage.sqlite'}"
        env = job_env(work, uri)
        out = run_job(proj, env)
        (proj / "helpers.py").write_text(HELPERS.replace("2 * x", "3 * x"))

        def verify_at(width: int) -> str:
            done = subprocess.run(
                [sys.executable, "-m", "provenance", "verify", out, "--store", uri],
                cwd=work,
                env={**env, "COLUMNS": str(width)},
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, done.stderr
            return done.stdout

        narrow, wide = verify_at(WIDTH), verify_at(250)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = narrow.splitlines()
    assert max(len(line) for line in lines) <= WIDTH, [ln for ln in lines if len(ln) > WIDTH]
    assert max(len(line) for line in wide.splitlines()) > WIDTH  # so wrapping was needed
    assert narrow.split() == wide.split()
    assert out in narrow.split() and "…" not in narrow
    assert "source file helpers.py changed since it ran" in " ".join(narrow.split())
