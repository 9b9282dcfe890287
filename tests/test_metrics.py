"""Metrics on transforms: logging, validation, storage (SQLite; the Neo4j property encoding
without a server), merge rules, ``show`` / ``audit`` rendering and the ``drift`` comparison of
two model versions."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from provenance import Tracker
from provenance.analysis import audit
from provenance.analysis.drift import (
    artifact_metrics,
    compare_metrics,
    drift,
    drift_over_versions,
    metrics_diff,
)
from provenance.cli.app import main
from provenance.errors import InvalidMetricError, MissingStatsError, TrackingError
from provenance.model import Transform, check_metric
from provenance.render import audit_html, render_audit, render_drift, render_version_drift
from provenance.store.merge import merge_node
from provenance.store.neo4j import from_props, to_props


@pytest.fixture
def tracker(tmp_path: Path) -> Any:
    t = Tracker(str(tmp_path / "store") + "/")
    yield t
    t.close()


def text(renderable: Any) -> str:
    console = Console(width=200, record=True)
    console.print(renderable)
    return console.export_text()


def test_log_metric_in_the_run(tracker: Tracker) -> None:
    with tracker.run("evaluate", metrics={"loss": 0.5}) as run:
        run.log_metric("accuracy", np.float32(0.75))
        run.log_metrics({"f1": 0.6, "n": np.int64(10)})
        run.log_metric("loss", 0.25)  # logged twice inside the block: the last value
    t = tracker.get(run.transform_id)
    assert isinstance(t, Transform)
    assert t.metrics == {"loss": 0.25, "accuracy": 0.75, "f1": 0.6, "n": 10.0}
    assert all(type(v) is float for v in t.metrics.values())


@pytest.mark.parametrize(
    "bad", [math.nan, math.inf, -math.inf, "0.9", None, True, np.bool_(False), [0.9], 1 + 2j]
)
def test_non_finite_or_non_numeric_metrics_are_refused(tracker: Tracker, bad: Any) -> None:
    with pytest.raises(InvalidMetricError), tracker.run("evaluate") as run:
        run.log_metric("m", bad)
    with pytest.raises(InvalidMetricError):
        tracker.run("evaluate", metrics={"m": bad})
    with pytest.raises(InvalidMetricError):
        check_metric("m", bad)
    assert issubclass(InvalidMetricError, TrackingError)


def test_metric_names_must_be_strings(tracker: Tracker) -> None:
    with pytest.raises(InvalidMetricError, match="name"):
        tracker.run("evaluate", metrics={"": 1.0})
    with pytest.raises(InvalidMetricError, match="mapping"):
        tracker.run("evaluate", metrics=[("a", 1.0)])  # type: ignore[arg-type]


def test_metrics_are_not_part_of_the_transform_id(tracker: Tracker) -> None:
    x = tracker.log_artifact(b"x", name="x")
    # the code version: a stable function (this file's repository may change in between)
    code = json.dumps
    with tracker.run("evaluate", inputs=[x], metrics={"acc": 0.9}, entrypoint=code) as first:
        pass
    with tracker.run(
        "evaluate", inputs=[x], metrics={"acc": 0.8, "f1": 0.7}, entrypoint=code
    ) as second:
        pass
    assert first.transform_id == second.transform_id and second.memoized
    # the same work recorded again: the first value of a metric stays, new ones are added
    assert tracker.get(first.transform_id).metrics == {"acc": 0.9, "f1": 0.7}  # type: ignore[union-attr]


def test_metrics_logged_after_the_run(tracker: Tracker) -> None:
    with tracker.run("train", metrics={"loss": 0.3}) as run:
        pass
    run.log_metric("val_accuracy", 0.91)
    stored = tracker.get(run.transform_id)
    assert stored.metrics == {"loss": 0.3, "val_accuracy": 0.91}  # type: ignore[union-attr]
    assert run.transform is not None and run.transform.metrics == stored.metrics  # type: ignore[union-attr]
    run.log_metric("loss", 0.3)  # the same value again: nothing to change
    with pytest.raises(InvalidMetricError, match="already recorded"):
        run.log_metric("loss", 0.1)
    assert tracker.get(run.transform_id).metrics["loss"] == 0.3  # type: ignore[union-attr]


def test_failed_run_keeps_its_metrics(tracker: Tracker) -> None:
    with pytest.raises(RuntimeError), tracker.run("train") as run:
        run.log_metric("loss", 9.0)
        raise RuntimeError("diverged")
    t = tracker.get(run.transform_id)
    assert t.status == "failed" and t.metrics == {"loss": 9.0}  # type: ignore[union-attr]


def test_merge_rules() -> None:
    tid = "blake3:" + "1" * 64
    ok = Transform(id=tid, operation="train", metrics={"acc": 0.9})
    more = Transform(id=tid, operation="train", metrics={"acc": 0.1, "auc": 0.8})
    merged = merge_node(ok, more)
    assert isinstance(merged, Transform) and merged.metrics == {"acc": 0.9, "auc": 0.8}
    assert merge_node(ok, ok.model_copy(update={"metrics": {}})) is ok  # nothing new
    failed = Transform(id=tid, operation="train", status="failed", metrics={"loss": 5.0})
    assert merge_node(failed, ok) == ok  # the succeeded record replaces the failed one


def test_neo4j_properties_hold_metrics_as_json() -> None:
    t = Transform(id="blake3:" + "2" * 64, operation="train", metrics={"acc": 0.5})
    props = to_props(t)
    assert json.loads(props["metrics"]) == {"acc": 0.5}  # a map is no Neo4j property value
    assert from_props(["Transform"], props) == t
    legacy = {k: v for k, v in props.items() if k != "metrics"}  # written before metrics
    assert from_props(["Transform"], legacy).metrics == {}  # type: ignore[union-attr]


def _model_versions(tracker: Tracker) -> tuple[Any, Any]:
    """Two versions of a model: trained with metrics, each evaluated with model=..."""
    versions = []
    for v, (loss, acc) in enumerate([(0.40, 0.80), (0.30, 0.86)], 1):
        with tracker.run("train", params={"v": v}, metrics={"loss": loss}) as run:
            m = run.output({"w": np.full(3, float(v))}, name="churn_model")
        with tracker.run("evaluate", model=m, params={"v": v}) as ev:
            ev.log_metric("accuracy", acc)
        versions.append(m)
    return versions[0], versions[1]


def test_artifact_metrics_and_diff(tracker: Tracker) -> None:
    v1, v2 = _model_versions(tracker)
    assert artifact_metrics(tracker.store, v1.id) == {"accuracy": 0.8, "loss": 0.4}
    diff = metrics_diff(tracker.store, v1.id, v2.id)
    got = {c.metric: (c.a, c.b, c.change) for c in diff.metrics}
    assert got["accuracy"] == (0.8, 0.86, pytest.approx(0.06))
    assert got["loss"] == (0.4, 0.3, pytest.approx(-0.1))
    rel = {c.metric: c.relative_change for c in diff.metrics}
    assert rel["loss"] == pytest.approx(-0.25)


def test_latest_run_wins_and_failed_runs_do_not_count(tracker: Tracker) -> None:
    with tracker.run("train", metrics={"acc": 0.5}) as run:
        m = run.output({"w": np.ones(2)}, name="m")
    with tracker.run("evaluate", model=m, params={"set": "a"}, metrics={"acc": 0.7}):
        pass
    with pytest.raises(ValueError), tracker.run("evaluate", model=m, metrics={"acc": 0.0}):
        raise ValueError("crashed")
    assert artifact_metrics(tracker.store, m.id) == {"acc": 0.7}


def test_compare_metrics_one_sided_and_zero() -> None:
    changes = {c.metric: c for c in compare_metrics({"a": 0.0, "b": 1.0}, {"a": 0.5, "c": 2.0})}
    assert (changes["a"].change, changes["a"].relative_change) == (0.5, None)
    assert (changes["b"].b, changes["b"].change) == (None, None)
    assert (changes["c"].a, changes["c"].b) == (None, 2.0)


def test_drift_of_two_model_versions_compares_metrics(tracker: Tracker) -> None:
    v1, v2 = _model_versions(tracker)
    report = drift(tracker.store, v1.id, v2.id)
    assert not report.features_compared and report.features == []
    assert [c.metric for c in report.metrics] == ["accuracy", "loss"]
    out = text(render_drift(report))
    assert "Metrics" in out and "accuracy" in out and "+0.06" in out and "-25%" in out
    versions = drift_over_versions(tracker.store, "churn_model")
    assert versions.steps == [] and len(versions.metric_steps) == 1
    assert "accuracy" in text(render_version_drift(versions))
    # two models without metrics: a report that says there is nothing to compare, not an error
    bare = tracker.log_artifact({"w": np.zeros(2)}, name="bare")
    empty = drift(tracker.store, bare.id, tracker.log_artifact({"w": np.ones(5)}, name="b2").id)
    assert not empty.features_compared and empty.metrics == [] and empty.features == []
    assert empty.features_note is not None and "nothing to compare" in empty.features_note
    # a table without statistics and without metrics: still an error
    raw = tracker.log_artifact(b"raw bytes", name="raw")
    with pytest.raises(MissingStatsError):
        drift(tracker.store, raw.id, bare.id)


def test_drift_of_tables_also_compares_their_producers_metrics(tracker: Tracker) -> None:
    rng = np.random.default_rng(0)
    outs = []
    for i, mean in enumerate((0.0, 2.0)):
        with tracker.run("sample", params={"i": i}, metrics={"rows_dropped": 3 * i}) as run:
            outs.append(run.output(pd.DataFrame({"x": rng.normal(mean, 1, 500)}), name="d"))
    report = drift(tracker.store, outs[0].id, outs[1].id)
    assert report.features_compared and report.drifted == ["x"]
    (change,) = report.metrics
    assert (change.metric, change.a, change.b) == ("rows_dropped", 0.0, 3.0)


def test_show_and_audit_show_metrics(
    tracker: Tracker, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    v1, v2 = _model_versions(tracker)
    with tracker.run("score", model=v1, metrics={"latency_ms": 12.5}) as run:
        preds = run.output(np.arange(3), name="preds")
    report = audit(tracker.store, preds.id, check_reproducibility=False)
    out = text(render_audit(report))
    assert "Metrics" in out and "latency_ms" in out and "12.5" in out and "loss" in out
    html = audit_html(report)
    assert "<h2>Metrics</h2>" in html and "latency_ms" in html
    store = str(tmp_path / "store") + "/"
    tracker.close()
    assert main(["show", run.transform_id, "--store", store]) == 0
    assert "latency_ms" in capsys.readouterr().out
    assert main(["show", run.transform_id, "--store", store, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["metrics"] == {"latency_ms": 12.5}
    assert main(["drift", v1.id, v2.id, "--store", store, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["features_compared"] is False
    got = {c["metric"]: (c["a"], c["b"]) for c in data["metrics"]}
    # v1 also ran the scoring (model=v1): its latency is one of v1's metrics
    assert got == {"accuracy": (0.8, 0.86), "loss": (0.4, 0.3), "latency_ms": (12.5, None)}
    assert main(["drift", v1.id, v2.id, "--store", store]) == 0
    assert "latency_ms" in capsys.readouterr().out
