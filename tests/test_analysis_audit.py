"""Audit ancestry, the HTML report and the ancestry formats, on every backend."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from provenance.analysis import audit, erase, seed_verdict
from provenance.analysis.audit import DERIVED_FROM_ERASED, TRAINED_ON_ERASED
from provenance.cli.app import main
from provenance.errors import NotFoundError
from provenance.model import SeedState, Transform
from provenance.render import audit_html, layers, render_audit, to_mermaid, to_svg
from provenance.store import Direction, LineageStore, SQLiteStore
from tests import test_parity
from tests.scenarios import art, diamond_lattice
from tests.test_analysis_impact import pipeline

store = test_parity.store  # the two-backend fixture: sqlite and neo4j


def test_audit_of_a_model(store: LineageStore) -> None:
    g = pipeline(store)
    report = audit(store, g["churn"].id, check_reproducibility=False)
    # churn <- train <- clean <- clean <- joined <- join <- users, events (by hand)
    assert [s.name for s in report.sources] == ["events", "users"]
    users = report.sources[1]
    assert (users.id, users.license, users.contains_pii) == (g["users"].id, "CC-BY-4.0", True)
    assert [s.transform.operation for s in report.steps] == ["join", "clean", "train"]
    assert [r.name for r in report.steps[0].inputs] == sorted(
        ["events", "users"], key=lambda n: art(n).id
    )
    assert [r.name for r in report.steps[2].outputs] == ["churn"]
    assert report.steps[2].cost is not None and report.steps[2].cost.amount == 12.5
    assert [m.name for m in report.models] == ["churn"]
    assert len(report.code_versions) == 1
    # no seed state recorded anywhere: the fallback says unreproducible, naming each step
    assert report.reproducibility.verdict == "unreproducible"
    assert report.reproducibility.checked_by == "seed_state"
    assert len(report.reproducibility.reasons) == 3
    # predictions: the model and everything before it is in their ancestry
    preds = audit(store, g["summary"].id, check_reproducibility=False)
    assert [s.name for s in preds.sources] == ["events", "ext", "users"]
    assert [m.name for m in preds.models] == ["churn"]


def test_audit_uses_verify_when_present(store: LineageStore) -> None:
    g = pipeline(store)
    report = audit(store, g["churn"].id)
    assert report.reproducibility.checked_by == "verify"
    assert report.reproducibility.verdict == "unreproducible"  # no uri can be re-read


def test_audit_unknown_id(store: LineageStore) -> None:
    pipeline(store)
    with pytest.raises(NotFoundError):
        audit(store, "blake3:" + "0" * 64)


def test_seed_verdict_rules() -> None:
    def t(level: str | None, n: int) -> Transform:
        seed = SeedState(reproducibility=level) if level else None  # type: ignore[arg-type]
        return Transform(id="blake3:" + str(n) * 64, operation=f"op{n}", seed_state=seed)

    assert seed_verdict([t("exact", 1), t("exact", 2)]).verdict == "exact"
    assert seed_verdict([t("exact", 1), t("seeded", 2)]).verdict == "seeded"
    bad = seed_verdict([t("seeded", 1), t(None, 2)])
    assert bad.verdict == "unreproducible" and bad.reasons == ["op2 2222222222: no seed recorded"]
    assert seed_verdict([]).verdict == "exact"


def test_html_report_is_self_contained_and_escaped(store: LineageStore) -> None:
    g = pipeline(store)
    hostile = art("x").model_copy(update={"name": "<script>alert(1)</script>"})
    store.write([hostile], [])
    report = audit(store, g["summary"].id, check_reproducibility=False)
    page = audit_html(report)
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert "<script" not in page and "<link" not in page and "src=" not in page
    assert g["users"].id in page and "CC-BY-4.0" in page
    # one SVG box per non-code node of the ancestry
    assert page.count("<rect") == len(
        [n for n in report.graph.nodes if n.node_type != "CodeVersion"]
    )
    solo = audit(store, hostile.id, check_reproducibility=False)
    html = audit_html(solo)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html


def test_layers_and_mermaid(store: LineageStore) -> None:
    g = pipeline(store)
    graph = store.traverse(g["churn"].id, Direction.UP)
    lv = layers(graph)
    # users(0) -> join(1) -> joined(2) -> clean(3) -> clean(4) -> train(5) -> churn(6);
    # the code version feeds every transform: layer 0.
    assert lv[g["users"].id] == 0 and lv[g["join"].id] == 1 and lv[g["churn"].id] == 6
    text = to_mermaid(graph)
    assert text.startswith("flowchart LR")
    assert len(re.findall(r"^  n\d+[\[{/]", text, flags=re.M)) == len(graph.nodes)
    # USED: join<-users, join<-events, clean<-joined, train<-clean (4); PRODUCED 3; RAN 3
    assert len(re.findall(r" (-->|-\.->|==>) ", text)) == 10
    assert text.count(" -.-> ") == 3
    assert to_svg(graph).count("<path") == 1 + 7  # arrow marker + data edges (no code)


def test_lattice_diagram_is_cheap(store: LineageStore) -> None:
    diamond_lattice(store, 60)
    graph = store.traverse(art("lattice-top").id, Direction.UP)
    assert layers(graph)[art("lattice-top").id] == 2 * 61  # artifact/transform alternate


def test_audit_and_ancestry_cli(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    path = f"{tmp_path}/lineage.sqlite"
    s = SQLiteStore(path)
    g = pipeline(s)
    s.close()
    churn = g["churn"].id
    out = f"{tmp_path}/report.html"
    assert main(["audit", churn, "--out", out, "--quick", "--store", path]) == 0
    with open(out, encoding="utf-8") as fh:
        assert "Lineage audit: churn" in fh.read()
    assert main(["audit", churn, "--store", path, "--json", "--quick"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert [x["name"] for x in got["sources"]] == ["events", "users"]
    assert main(["audit", churn, "--store", path, "--quick"]) == 0
    assert "Reproducibility" in capsys.readouterr().out
    for fmt, needle in (("mermaid", "flowchart LR"), ("tree", "churn"), ("table", "Sources")):
        assert main(["ancestry", churn, "--format", fmt, "--store", path]) == 0
        assert needle in capsys.readouterr().out
    assert main(["ancestry", churn, "--format", "json", "--store", path]) == 0
    as_format = json.loads(capsys.readouterr().out)
    assert main(["ancestry", churn, "--json", "--store", path]) == 0
    assert json.loads(capsys.readouterr().out) == as_format
    assert main(["audit", "ffff0000", "--store", path]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no node with id" in err[0]
    assert main(["ancestry", churn, "--format", "svg", "--store", path]) == 2


def _cli_uri(request: pytest.FixtureRequest, s: LineageStore) -> str:
    if isinstance(s, SQLiteStore):
        return s.uri
    return str(request.getfixturevalue("neo4j_server").store_uri)


def test_audit_of_a_model_trained_on_erased_data(
    store: LineageStore, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    g = pipeline(store)
    when = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
    erase(store, g["users"].id, reason="GDPR art. 17 request #12", at=when)
    # churn <- train <- clean <- clean <- joined <- join <- users (erased), events
    report = audit(store, g["churn"].id, check_reproducibility=False)
    assert [(r.artifact.id, r.reason, r.erased_at) for r in report.erased_training_data] == [
        (g["users"].id, "GDPR art. 17 request #12", when)
    ]
    assert report.summary == "trained on erased data: must retrain churn (erased: users)"
    assert report.summary.startswith(TRAINED_ON_ERASED)
    assert report.reproducibility.verdict == "unreproducible"
    assert report.reproducibility.reasons[0] == report.summary  # said first
    assert "source users was erased" in report.reproducibility.reasons
    # the full check too: the line comes first, the verdict stays unreproducible
    checked = audit(store, g["churn"].id)
    assert checked.reproducibility.checked_by == "verify"
    assert checked.reproducibility.verdict == "unreproducible"
    assert checked.reproducibility.reasons[0] == report.summary
    # the text rendering says it before anything else
    first = render_audit(report).renderables[0]
    assert isinstance(first, str) and TRAINED_ON_ERASED in first
    # predictions: summary <- report <- preds <- infer(ext, model churn): churn must retrain
    preds = audit(store, g["summary"].id, check_reproducibility=False)
    assert preds.summary == "trained on erased data: must retrain churn (erased: users)"
    assert [r.artifact.name for r in preds.erased_training_data] == ["users"]
    # no model between clean and users: rebuilt, not retrained
    clean = audit(store, g["clean"].id, check_reproducibility=False)
    assert clean.summary == f"{DERIVED_FROM_ERASED}: clean (erased: users)"
    # the erased artifact itself: in erasures, not its own training data
    itself = audit(store, g["users"].id, check_reproducibility=False)
    assert itself.erased_training_data == [] and [r.artifact.name for r in itself.erasures] == [
        "users"
    ]
    # events is upstream of churn but not erased: nothing about it
    assert "events" not in report.summary
    uri = _cli_uri(request, store)
    capsys.readouterr()
    assert main(["audit", g["churn"].id, "--store", uri, "--quick"]) == 0
    text = capsys.readouterr().out
    assert text.lstrip().startswith(TRAINED_ON_ERASED)
    assert main(["audit", g["churn"].id, "--store", uri, "--quick", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["summary"] == report.summary
    assert [r["artifact"]["name"] for r in got["erased_training_data"]] == ["users"]


def test_erased_data_that_did_not_train_the_model(store: LineageStore) -> None:
    g = pipeline(store)
    erase(store, g["ext"].id, reason="licence withdrawn")
    # summary <- report <- preds <- infer(ext, model churn): ext was erased, but churn was
    # trained on clean data only: rebuild the predictions, no retraining
    preds = audit(store, g["summary"].id, check_reproducibility=False)
    assert preds.summary == f"{DERIVED_FROM_ERASED}: summary (erased: ext)"
    assert [r.artifact.name for r in preds.erased_training_data] == ["ext"]
    model = audit(store, g["churn"].id, check_reproducibility=False)
    assert model.erased_training_data == [] and model.summary == "reproducibility: unreproducible"
    assert str(render_audit(model).renderables[0]).startswith("[bold]Audit of[/] churn")


def test_models_show_the_metrics_of_runs_after_them(store: LineageStore) -> None:
    # An evaluation runs with the model after it was trained: outside the model's ancestry,
    # yet its metrics are the model's. A failed run and a run of another model are not.
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from provenance import Tracker

    tracker = Tracker(store=store)
    X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
    data = tracker.log_artifact(X, name="features")
    models = []
    for C in (1.0, 0.5):
        with tracker.run("train", inputs=[data], params={"C": C}) as run:
            models.append(run.output(LogisticRegression(C=C).fit(X, y), name=f"clf-{C}"))
            run.log_metric("train_accuracy", 0.75)
    model, other = models
    with tracker.run("evaluate", inputs=[data], model=model, metrics={"auc": 0.8125}):
        pass
    with tracker.run("evaluate", inputs=[data], model=other, metrics={"auc": 0.4375}):
        pass
    with (
        pytest.raises(RuntimeError),
        tracker.run("evaluate", inputs=[data], model=model, metrics={"auc": 0.0625}),
    ):
        raise RuntimeError("evaluation crashed")
    report = audit(store, model.id, check_reproducibility=False)
    [runs] = report.model_runs.values()
    assert list(report.model_runs) == [model.id]
    assert [(t.operation, t.metrics) for t in runs] == [("evaluate", {"auc": 0.8125})]
    page = audit_html(report)
    assert "train_accuracy" in page and "0.8125" in page
    assert "0.4375" not in page and "0.0625" not in page
