"""Autologging (provenance.autolog): what is recorded, what is restored, what never breaks."""

from __future__ import annotations

import importlib
import inspect
import io
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

import provenance
from provenance import Artifact, Model, Tracker, Transform, UnsupportedTypeError
from provenance.hashing import digest_file, digest_object
from tests import test_parity

AL = importlib.import_module("provenance.autolog")  # `provenance.autolog` is the function
REPO = Path(__file__).resolve().parents[1]

#: The backend-parametrized store fixture of the parity suite (sqlite, neo4j).
store = test_parity.store


# --- fixtures and helpers ------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _autolog_off() -> Iterator[None]:
    """Every test starts and ends with autologging off and nothing patched."""
    provenance.autolog(disable=True)
    yield
    provenance.autolog(disable=True)
    assert list(AL._iter_patches()) == []


@pytest.fixture
def tracker(tmp_path: Path) -> Iterator[Tracker]:
    t = Tracker(f"{tmp_path}/store/")
    yield t
    t.close()


@pytest.fixture
def raw_csv(tmp_path: Path) -> Path:
    path = tmp_path / "raw.csv"
    rng = np.random.default_rng(0)
    pd.DataFrame(
        {
            "a": np.arange(40),
            "b": rng.normal(size=40).round(6),
            "label": np.tile([0, 1], 20),
        }
    ).to_csv(path, index=False)
    return path


def transforms(t: Tracker) -> list[Transform]:
    return t.store.find_transforms()


def operations(t: Tracker) -> list[str]:
    return sorted(tr.operation for tr in transforms(t))


def only(t: Tracker, operation: str) -> Transform:
    found = t.store.find_transforms(operation=operation)
    assert len(found) == 1, f"{operation}: {[tr.operation for tr in transforms(t)]}"
    return found[0]


def edges(t: Tracker, tr: Transform, kind: str) -> dict[str, str]:
    """role -> target id of the transform's edges of one type."""
    return {str(e.role): e.target for e in t.store.transform_edges([tr.id]) if e.type == kind}


def ancestor_ids(t: Tracker, node_id: str) -> set[str]:
    return {n.id for n in t.ancestry(node_id).nodes}


def snapshot() -> dict[tuple[Any, str], Any]:
    """Every attribute autologging may replace, by identity (sklearn classes included)."""
    import pandas.core.generic as generic
    import pyarrow.csv
    import pyarrow.parquet

    owners: list[Any] = [pd, generic.NDFrame, pd.DataFrame, pd.Series, pyarrow.parquet, pyarrow.csv]
    owners += [k for cls in (pd.DataFrame, pd.Series) for k in cls.__mro__]
    if "sklearn.base" in sys.modules:
        base = sys.modules["sklearn.base"]
        for cls in [base.BaseEstimator, *AL._subclasses(base.BaseEstimator)]:
            owners += list(cls.__mro__)
        split = importlib.import_module("sklearn.model_selection._split")
        owners += [split, importlib.import_module("sklearn.model_selection")]
        for root in (split.BaseCrossValidator, split.BaseShuffleSplit, split._RepeatedSplits):
            for cls in [root, *AL._subclasses(root)]:
                owners += list(cls.__mro__)
    names = {n for n, _ in AL._Pandas.READERS} | {n for n, _ in AL._Pandas.WRITERS}
    names |= {"__finalize__", "to_numpy", "read_table", "write_table", "write_csv"}
    names |= set(AL._SK_METHODS) | {"split", "train_test_split"}
    return {(o, n): vars(o)[n] for o in set(owners) for n in names if n in vars(o)}


def marked(snap: dict[tuple[Any, str], Any]) -> list[str]:
    return [f"{o}.{n}" for (o, n), v in snap.items() if getattr(v, AL._MARK, False)]


# --- off by default ------------------------------------------------------------------------------
def test_importing_provenance_patches_nothing() -> None:
    """A fresh interpreter: importing provenance (and its autolog module) loads neither pandas
    nor scikit-learn and replaces nothing, even once those libraries are loaded."""
    code = textwrap.dedent(
        f"""
        import sys
        import provenance, provenance.autolog
        assert "pandas" not in sys.modules and "sklearn" not in sys.modules, sorted(sys.modules)
        AL = sys.modules["provenance.autolog"]
        import pandas as pd, pandas.io.parsers.readers as readers, pyarrow.parquet as pq
        import pyarrow.csv as pcsv
        from pandas.core.generic import NDFrame
        assert pd.read_csv is readers.read_csv
        assert pq.read_table.__module__ == "pyarrow.parquet.core"
        suspects = [pd.read_csv, pd.read_parquet, pd.DataFrame.to_csv, pd.DataFrame.to_parquet,
                    NDFrame.__finalize__, pd.DataFrame.to_numpy, pq.read_table, pq.write_table,
                    pcsv.read_csv, pcsv.write_csv]
        try:
            import sklearn.base
            from sklearn.utils import all_estimators
            all_estimators()
            for cls in AL._subclasses(sklearn.base.BaseEstimator):
                for klass in cls.__mro__:
                    suspects += [v for k, v in vars(klass).items() if k in {list(AL._SK_METHODS)!r}]
            import sklearn.model_selection as ms
            suspects += [ms.train_test_split, ms.KFold.split, ms.ShuffleSplit.split]
        except ImportError:
            pass
        bad = [s for s in suspects if getattr(s, "{AL._MARK}", False)]
        assert not bad, bad
        assert list(AL._iter_patches()) == []
        print("ok", len(suspects))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok")


def test_without_autolog_nothing_is_recorded(
    tracker: Tracker, raw_csv: Path, tmp_path: Path
) -> None:
    pd.read_csv(raw_csv).to_parquet(tmp_path / "x.parquet")
    assert transforms(tracker) == []


# --- pandas --------------------------------------------------------------------------------------
def test_read_transform_write_links_the_parquet_to_the_csv(
    tracker: Tracker, raw_csv: Path, tmp_path: Path
) -> None:
    out = tmp_path / "clean.parquet"
    with provenance.autolog(tracker):
        df = pd.read_csv(raw_csv)
        clean = df[df.a > 3].assign(c=lambda f: f.a * 2).dropna()
        clean.to_parquet(out, index=False)

    run = only(tracker, "pandas.DataFrame.to_parquet")
    assert run.status == "succeeded" and run.name == "clean.parquet"
    assert run.hyperparameters == {"path": str(out), "index": False}
    used, produced = edges(tracker, run, "USED"), edges(tracker, run, "PRODUCED")
    csv_id = digest_file(raw_csv)
    assert used["frame.source"] == csv_id  # the CSV is an input of the run...
    assert used["frame"] == digest_object(clean).digest  # ...next to the frame written
    assert produced == {"file": digest_file(out)}  # the parquet is its output
    csv = tracker.get(csv_id)
    assert isinstance(csv, Artifact) and csv.name == "raw.csv" and csv.kind == "dataset"
    assert csv.uri is not None and csv.uri.endswith("/raw.csv")
    assert csv.metadata["reader"] == "pandas.read_csv"
    assert csv_id in ancestor_ids(tracker, digest_file(out))
    # The frame the user wrote carries no trace of autologging, nor does the file.
    assert clean.attrs == {}
    plain = tmp_path / "plain.parquet"
    clean.to_parquet(plain, index=False)
    assert plain.read_bytes() == out.read_bytes()


def test_lineage_chains_through_files_and_survives_merge_and_concat(
    tracker: Tracker, raw_csv: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.json"
    pd.DataFrame({"a": [1, 2, 3], "w": [0.5, 0.25, 0.125]}).to_json(other)
    with provenance.autolog(tracker):
        mid = tmp_path / "mid.parquet"
        pd.read_csv(raw_csv).to_parquet(mid)
        joined = pd.read_parquet(mid).merge(pd.read_json(other), on="a")
        stacked = pd.concat([joined, joined.head(1)])
        stacked.to_csv(tmp_path / "final.csv", index=False)
        arr = pd.read_json(other).to_numpy()
        pq.write_table(__import__("pyarrow").table({"v": arr[:, 1]}), tmp_path / "arr.parquet")

    final = only(tracker, "pandas.DataFrame.to_csv")
    used = edges(tracker, final, "USED")
    assert {used["frame.source"], used["frame.source1"]} == {digest_file(mid), digest_file(other)}
    ancestry = ancestor_ids(tracker, digest_file(tmp_path / "final.csv"))
    assert digest_file(raw_csv) in ancestry  # two runs upstream, through mid.parquet
    # a table built from a numpy array is recorded by content only: no source
    assert set(edges(tracker, only(tracker, "pyarrow.parquet.write_table"), "USED")) == {"frame"}


def test_in_memory_frames_buffers_and_urls(tracker: Tracker, tmp_path: Path) -> None:
    df = pd.DataFrame({"x": [1.0, 2.0]})
    with provenance.autolog(tracker):
        text = df.to_csv(index=False)  # returns text: no file, no run
        df.to_csv(io.StringIO(), index=False)  # a buffer: not recorded
        back = pd.read_csv(io.StringIO(text))  # nor is reading one
        df.to_csv(tmp_path / "mem.csv", index=False)
        df.x.to_csv(tmp_path / "series.csv")  # Series share NDFrame.to_csv
    assert back.equals(df)
    assert operations(tracker) == ["pandas.DataFrame.to_csv", "pandas.DataFrame.to_csv"]
    mem = tracker.store.find_transforms(name="mem.csv")[0]
    assert edges(tracker, mem, "USED") == {"frame": digest_object(df).digest}


def test_pyarrow_reads_and_writes(tracker: Tracker, raw_csv: Path, tmp_path: Path) -> None:
    with provenance.autolog(tracker, sklearn=False, pandas=False):
        assert pd.read_csv is importlib.import_module("pandas.io.parsers.readers").read_csv
        table = pcsv.read_csv(raw_csv)
        pq.write_table(table, tmp_path / "t.parquet")
        again = pq.read_table(tmp_path / "t.parquet")
        pcsv.write_csv(again, tmp_path / "t.csv")
    first = only(tracker, "pyarrow.parquet.write_table")
    assert edges(tracker, first, "USED")["frame.source"] == digest_file(raw_csv)
    second = only(tracker, "pyarrow.csv.write_csv")
    assert edges(tracker, second, "USED")["frame.source"] == digest_file(tmp_path / "t.parquet")
    assert digest_file(raw_csv) in ancestor_ids(tracker, digest_file(tmp_path / "t.csv"))


def test_nested_library_calls_record_only_the_outermost(
    tracker: Tracker, raw_csv: Path, tmp_path: Path
) -> None:
    """pandas' parquet engine calls pyarrow.parquet.write_table/read_table: one record each."""
    with provenance.autolog(tracker):
        pd.read_csv(raw_csv).to_parquet(tmp_path / "n.parquet")
        pd.read_parquet(tmp_path / "n.parquet")
    assert operations(tracker) == ["pandas.DataFrame.to_parquet"]
    parquet = tracker.get(digest_file(tmp_path / "n.parquet"))
    assert isinstance(parquet, Artifact) and parquet.metadata.get("writer")


def test_undigestible_input_is_a_warning_once(
    tracker: Tracker, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    odd = pd.DataFrame({"o": [object(), object()]})
    AL._WARNED_TYPES.discard("pandas.DataFrame")
    with caplog.at_level(logging.WARNING, logger="provenance.autolog"), provenance.autolog(tracker):
        odd.to_csv(tmp_path / "o1.csv")
        odd.to_csv(tmp_path / "o2.csv")
    assert len([r for r in caplog.records if "cannot be digested" in r.message]) == 1
    run = tracker.store.find_transforms(name="o1.csv")[0]
    assert edges(tracker, run, "USED") == {}
    assert edges(tracker, run, "PRODUCED") == {"file": digest_file(tmp_path / "o1.csv")}
    assert run.metadata["unrecorded_inputs"] == ["frame: pandas.DataFrame"]


# --- enabling, disabling, restoring --------------------------------------------------------------
def test_disable_restores_every_original(tracker: Tracker) -> None:
    AL._INTEGRATIONS["sklearn"].install()  # import every estimator module first...
    AL._INTEGRATIONS["sklearn"].uninstall()
    before = snapshot()  # ...so the snapshot covers every class autologging patches
    assert marked(before) == []
    handle = provenance.autolog(tracker)
    during = snapshot()
    changed = {k for k in before if during[k] is not before[k]}
    assert len(changed) == len(handle.patched) > 100
    assert {"read_csv", "__finalize__", "to_parquet", "read_table", "fit", "predict"} <= {
        n for _, n in changed
    }
    assert {"split", "train_test_split"} <= {n for _, n in changed}  # the splitters too
    assert all(getattr(during[k], AL._MARK, False) for k in changed)
    assert inspect.signature(pd.read_csv) == inspect.signature(before[(pd, "read_csv")])
    handle.disable()
    after = snapshot()
    assert after.keys() == before.keys()
    assert all(after[k] is before[k] for k in before)
    assert handle.patched == [] and not handle.active


def test_autolog_is_idempotent(tracker: Tracker, raw_csv: Path, tmp_path: Path) -> None:
    original = pd.read_csv
    first = provenance.autolog(tracker, sklearn=False)
    count = len(first.patched)
    second = provenance.autolog(sklearn=False)  # same tracker kept
    assert second.tracker is tracker and len(second.patched) == count
    assert pd.read_csv.__wrapped__ is original  # wrapped once, not twice
    pd.read_csv(raw_csv).to_csv(tmp_path / "once.csv")
    assert operations(tracker) == ["pandas.DataFrame.to_csv"]
    provenance.autolog(disable=True)
    assert pd.read_csv is original and not first.active and not second.active


def test_context_managers_restore_the_previous_state(tmp_path: Path) -> None:
    with Tracker(f"{tmp_path}/a/") as a, Tracker(f"{tmp_path}/b/") as b:
        original = pd.DataFrame.to_parquet
        df = pd.DataFrame({"x": [1]})
        with provenance.autolog(a, sklearn=False):
            df.to_csv(tmp_path / "1.csv")
            with b.autolog(sklearn=False) as inner:  # Tracker.autolog: this tracker, for a block
                assert inner.tracker is b
                df.to_csv(tmp_path / "2.csv")
                with provenance.autolog(disable=True):  # paused inside
                    assert pd.DataFrame.to_parquet is original
                    df.to_csv(tmp_path / "paused.csv")
            df.to_csv(tmp_path / "3.csv")  # back to a
        assert pd.DataFrame.to_parquet is original
        df.to_csv(tmp_path / "4.csv")  # off
        assert sorted(tr.name or "" for tr in transforms(a)) == ["1.csv", "3.csv"]
        assert [tr.name for tr in transforms(b)] == ["2.csv"]


def test_child_processes_record_nothing(tracker: Tracker, tmp_path: Path) -> None:
    provenance.autolog(tracker, sklearn=False)
    df = pd.DataFrame({"x": [1]})
    pid = os.fork()
    if pid == 0:  # the child: the write happens, unrecorded
        try:
            df.to_csv(tmp_path / "child.csv")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert (tmp_path / "child.csv").exists()
    assert transforms(tracker) == []
    df.to_csv(tmp_path / "parent.csv")
    assert [tr.name for tr in transforms(tracker)] == ["parent.csv"]


# --- never breaks the user's code ----------------------------------------------------------------
def test_recording_failures_are_warnings_and_results_unchanged(
    tracker: Tracker,
    raw_csv: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    expected = pd.read_csv(raw_csv)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("store on fire")

    monkeypatch.setattr(tracker, "log_artifact", broken)
    monkeypatch.setattr(tracker, "run", broken)
    with caplog.at_level(logging.WARNING, logger="provenance.autolog"), provenance.autolog(tracker):
        got = pd.read_csv(raw_csv)
        got.to_parquet(tmp_path / "ok.parquet")
    pd.testing.assert_frame_equal(got, expected)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "ok.parquet"), expected)
    messages = [r.getMessage() for r in caplog.records]
    assert any("store on fire" in m and "pandas.read_csv" in m for m in messages)
    assert any("store on fire" in m and "to_parquet" in m for m in messages)
    assert all(r.levelno == logging.WARNING for r in caplog.records)


def test_store_failure_after_the_call_is_a_warning(
    tracker: Tracker, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    df = pd.DataFrame({"x": [1, 2]})
    with caplog.at_level(logging.WARNING, logger="provenance.autolog"), provenance.autolog(tracker):
        real_write = tracker.store.write

        def failing_write(nodes: Any, edges: Any) -> None:
            if any(isinstance(n, Transform) for n in nodes):
                raise OSError("disk full")
            real_write(nodes, edges)

        tracker.store.write = failing_write  # type: ignore[method-assign]
        try:
            assert df.to_csv(tmp_path / "w.csv") is None
        finally:
            tracker.store.write = real_write  # type: ignore[method-assign]
    assert (tmp_path / "w.csv").exists()
    assert any("disk full" in r.getMessage() for r in caplog.records)


def test_user_exceptions_pass_through_unchanged(tracker: Tracker, tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    with pytest.raises(FileNotFoundError) as plain:
        pd.read_csv(missing)
    with provenance.autolog(tracker), pytest.raises(FileNotFoundError) as logged:
        pd.read_csv(missing)
    assert str(logged.value) == str(plain.value)
    assert logged.traceback[-1].name == plain.traceback[-1].name  # raised by pandas itself
    bad = pd.DataFrame({"x": [1]})
    with provenance.autolog(tracker), pytest.raises(OSError):
        bad.to_csv(tmp_path / "no" / "such" / "dir.csv")
    failed = only(tracker, "pandas.DataFrame.to_csv")
    assert failed.status == "failed" and "OSError" in (failed.error or "")
    assert edges(tracker, failed, "PRODUCED") == {}


# --- scikit-learn --------------------------------------------------------------------------------
@pytest.fixture
def data() -> tuple[Any, Any]:
    from sklearn import datasets

    X, y = datasets.make_classification(n_samples=120, n_features=5, random_state=0)
    return X, y


def pipeline() -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression())


def test_pipeline_fit_predict_outermost_only(tracker: Tracker, data: tuple[Any, Any]) -> None:
    X, y = data
    with provenance.autolog(tracker):
        model = pipeline().fit(X, y)
        fitted = transforms(tracker)
        preds = model.predict(X[:30])
    assert [tr.operation for tr in fitted] == ["fit Pipeline"]  # not one per step
    assert operations(tracker) == ["fit Pipeline", "predict Pipeline"]
    np.testing.assert_array_equal(preds, pipeline().fit(X, y).predict(X[:30]))  # unchanged

    fit = only(tracker, "fit Pipeline")
    assert fit.hyperparameters["logisticregression__C"] == 1.0
    assert fit.hyperparameters["standardscaler__with_mean"] is True
    assert fit.metadata.pop("tracking_overhead_s") > 0  # the tracker's own time (tracker.run)
    assert fit.metadata == {
        "autolog": "sklearn",
        "estimator": "sklearn.pipeline.Pipeline",
        "method": "fit",
        # a fit fits statistics on its rows: what contamination looks for
        "fits_on_rows": True,
        "fitted_estimators": [
            {
                "class": "sklearn.pipeline.Pipeline",
                "methods": ["fit"],
                "calls": 1,
                "rows": len(X),
                "fitted": True,
            }
        ],
    }
    fit_used = edges(tracker, fit, "USED")
    assert fit_used == {"X": digest_object(X).digest, "y": digest_object(y).digest}
    model_id = edges(tracker, fit, "PRODUCED")["model"]
    assert isinstance(tracker.get(model_id), Model)

    predict = only(tracker, "predict Pipeline")
    assert predict.model_id == model_id  # USED_MODEL: the model the fit produced
    assert edges(tracker, predict, "USED") == {"X": digest_object(X[:30]).digest}
    pred_id = edges(tracker, predict, "PRODUCED")["predictions"]
    assert pred_id == digest_object(preds).digest
    ancestry = ancestor_ids(tracker, pred_id)  # predictions -> model -> training data
    assert {model_id, digest_object(X).digest, digest_object(y).digest} <= ancestry


def test_fit_transform_and_predict_proba_are_single_runs(
    tracker: Tracker, data: tuple[Any, Any]
) -> None:
    from sklearn.linear_model import LinearRegression
    from sklearn.preprocessing import StandardScaler

    X, y = data
    with provenance.autolog(tracker):
        Xt = StandardScaler().fit_transform(X)  # TransformerMixin.fit_transform calls fit
        pipe = pipeline().fit(X, y)
        assert hasattr(pipe, "predict_proba")
        proba = pipe.predict_proba(X[:5])
        regressor = pipeline().set_params(logisticregression=LinearRegression())
        assert not hasattr(regressor, "predict_proba")  # available_if still answers
    assert operations(tracker) == [
        "fit Pipeline",
        "fit_transform StandardScaler",
        "predict_proba Pipeline",
    ]
    ft = only(tracker, "fit_transform StandardScaler")
    produced = edges(tracker, ft, "PRODUCED")
    assert produced["transformed"] == digest_object(Xt).digest and "model" in produced
    assert edges(tracker, only(tracker, "predict_proba Pipeline"), "PRODUCED") == {
        "probabilities": digest_object(proba).digest
    }


def test_model_trained_on_a_csv_reaches_it(tracker: Tracker, raw_csv: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    with provenance.autolog(tracker):
        df = pd.read_csv(raw_csv)
        X, y = df[["a", "b"]], df["label"]
        clf = LogisticRegression().fit(X.to_numpy(), y)  # to_numpy keeps the source too
        preds = clf.predict(df[["a", "b"]].to_numpy())
    fit = only(tracker, "fit LogisticRegression")
    used = edges(tracker, fit, "USED")
    assert used["X.source"] == digest_file(raw_csv) and "y" in used
    assert "y.source" not in used  # one source, used once
    pred_id = edges(tracker, only(tracker, "predict LogisticRegression"), "PRODUCED")["predictions"]
    assert pred_id == digest_object(preds).digest
    assert digest_file(raw_csv) in ancestor_ids(tracker, pred_id)


def test_sklearn_exceptions_pass_through_and_fail_the_run(
    tracker: Tracker, data: tuple[Any, Any]
) -> None:
    from sklearn.exceptions import NotFittedError
    from sklearn.linear_model import LogisticRegression

    X, _ = data
    one_class = np.zeros(len(X))
    with pytest.raises(ValueError) as plain:
        LogisticRegression().fit(X, one_class)
    with provenance.autolog(tracker):
        with pytest.raises(ValueError) as logged:
            LogisticRegression().fit(X, one_class)
        with pytest.raises(NotFittedError):
            LogisticRegression().predict(X)
    assert str(logged.value) == str(plain.value)
    fit = only(tracker, "fit LogisticRegression")
    assert fit.status == "failed" and "ValueError" in (fit.error or "")
    assert edges(tracker, fit, "PRODUCED") == {}


def test_sklearn_recording_failure_keeps_results(
    tracker: Tracker,
    data: tuple[Any, Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    X, y = data
    expected = pipeline().fit(X, y).predict_proba(X)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("cannot hash today")

    monkeypatch.setattr(tracker, "log_artifact", broken)
    with caplog.at_level(logging.WARNING, logger="provenance.autolog"), provenance.autolog(tracker):
        got = pipeline().fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(got, expected)
    assert any("cannot hash today" in r.getMessage() for r in caplog.records)


def _locked_logistic_regression() -> type:
    """A LogisticRegression whose fitted state holds a lock: a value with no canonical form,
    so the estimator has no canonical digest (for real, whatever the digest code's imports)."""
    import threading

    from sklearn.linear_model import LogisticRegression

    class LockedLogisticRegression(LogisticRegression):  # type: ignore[misc]
        def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Any:
            super().fit(X, y, sample_weight=sample_weight)
            self.lock_ = threading.Lock()
            return self

    return LockedLogisticRegression


def test_model_identity_without_a_canonical_digest(tracker: Tracker, data: tuple[Any, Any]) -> None:
    """Where estimators cannot be digested, the model is class + params + fitting run, and
    predictions still lead back to the fit that made it."""
    locked = _locked_logistic_regression()
    X, y = data
    # The premise, checked: no canonical digest (a failure here, never a skip).
    with pytest.raises(UnsupportedTypeError, match="lock"):
        digest_object(locked().fit(X, y))
    with pytest.raises(UnsupportedTypeError, match="lock"):
        tracker.log_artifact(locked().fit(X, y), name="probe")
    with provenance.autolog(tracker):
        clf = locked(C=0.5).fit(X, y)
        clf.predict(X)
    fit = only(tracker, "fit LockedLogisticRegression")
    model = tracker.get(edges(tracker, fit, "PRODUCED")["model"])
    assert isinstance(model, Model) and model.framework == "sklearn"
    assert model.metadata["estimator_class"].endswith(".LockedLogisticRegression")
    assert "fitting run" in model.metadata["model_identity"]
    assert "no canonical digest" in model.metadata["model_identity"]
    assert only(tracker, "predict LockedLogisticRegression").model_id == model.id


def test_classes_defined_later_are_wrapped_on_the_next_call(
    tracker: Tracker, data: tuple[Any, Any]
) -> None:
    from sklearn.base import BaseEstimator

    X, _ = data
    provenance.autolog(tracker)

    class Mean(BaseEstimator):  # type: ignore[misc]
        def fit(self, X: Any, y: Any = None) -> Mean:
            self.mean_ = np.asarray(X).mean(axis=0)
            return self

    original = vars(Mean)["fit"]
    Mean().fit(X)
    assert transforms(tracker) == []  # its own fit is not wrapped yet
    provenance.autolog()  # picks up classes defined since
    Mean().fit(X)
    assert operations(tracker) == ["fit Mean"]
    provenance.autolog(disable=True)
    assert vars(Mean)["fit"] is original


# --- scikit-learn splitters ----------------------------------------------------------------------
def _table(n: int = 40, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(3, 2, size=n)})
    return X, pd.Series(np.tile([0, 1], n // 2), name="label")


def _digest(obj: Any) -> str:
    return digest_object(obj).digest


def test_train_test_split_is_a_split_run_with_its_seed(tmp_path: Path) -> None:
    """train_test_split, looked up while autologging or bound before it was enabled: one run
    with the seed, the options, the arrays as inputs and each side as an output (roles train
    and test, as an explicit split's), results unchanged."""
    import sklearn.model_selection as ms
    from sklearn.model_selection import train_test_split as bound_before

    X, y = _table()
    expected = bound_before(X, y, test_size=0.25, random_state=3)
    records = []
    for how in ("looked_up", "bound_before"):
        with Tracker(f"{tmp_path}/{how}/") as t:
            with provenance.autolog(t):
                split = ms.train_test_split if how == "looked_up" else bound_before
                parts = split(X, y, test_size=0.25, random_state=3)
            for got, want in zip(parts, expected, strict=True):
                assert got.equals(want)
            run = only(t, "train_test_split")
            assert run.hyperparameters == {
                "test_size": 0.25,
                "train_size": None,
                "random_state": 3,
                "shuffle": True,
                "stratified": False,
            }
            assert run.seed_state is not None and run.seed_state.master_seed == 3
            assert run.seed_state.reproducibility == "seeded"
            assert edges(t, run, "USED") == {"X": _digest(X), "y": _digest(y)}
            produced = edges(t, run, "PRODUCED")
            assert produced == {
                "train": _digest(expected[0]),
                "test": _digest(expected[1]),
                "train.y": _digest(expected[2]),
                "test.y": _digest(expected[3]),
            }
            assert t.get(produced["test"]).name == "train_test_split.test"  # type: ignore[union-attr]
            records.append((run.hyperparameters, produced))
    assert records[0] == records[1]
    # looked up: also without shuffling (no splitter object is involved), and stratified
    with Tracker(f"{tmp_path}/more/") as t:
        with provenance.autolog(t):
            ms.train_test_split(X, shuffle=False, test_size=10)
            ms.train_test_split(X, y, stratify=y, random_state=1)
        runs = {tr.hyperparameters["shuffle"]: tr for tr in t.store.find_transforms()}
        assert runs[False].seed_state is not None and runs[False].seed_state.master_seed is None
        assert set(edges(t, runs[False], "PRODUCED")) == {"train", "test"}
        assert runs[True].hyperparameters["stratified"] is True
        assert edges(t, runs[True], "USED") == {"X": _digest(X), "y": _digest(y)}


def _splitters() -> list[tuple[str, Any, int | None, bool]]:
    from sklearn import model_selection as ms

    return [
        ("KFold", ms.KFold(3, shuffle=True, random_state=5), 5, False),
        ("StratifiedKFold", ms.StratifiedKFold(3, shuffle=True, random_state=5), 5, False),
        ("ShuffleSplit", ms.ShuffleSplit(3, test_size=0.25, random_state=5), 5, False),
        ("GroupKFold", ms.GroupKFold(3), None, True),
        ("TimeSeriesSplit", ms.TimeSeriesSplit(3), None, False),
    ]


@pytest.mark.parametrize("index", range(5), ids=[s[0] for s in _splitters()])
def test_cross_validation_folds_are_split_runs(tracker: Tracker, index: int) -> None:
    """Each fold a splitter yields is one run ``split <Class>``: the fold number and the
    splitter's parameters as hyperparameters, its integer random_state as the seed, X and y
    as inputs, each side of each as an output; the folds themselves unchanged."""
    name, cv, seed, grouped = _splitters()[index]
    X, y = _table(42, index)
    groups = np.repeat(np.arange(6), 7) if grouped else None
    plain = list(cv.split(X, y, groups))
    with provenance.autolog(tracker):
        logged = list(cv.split(X, y, groups))
    assert len(logged) == len(plain) == 3
    for (a, b), (c, d) in zip(plain, logged, strict=True):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
    runs = sorted(transforms(tracker), key=lambda tr: tr.hyperparameters["fold"])
    assert [tr.operation for tr in runs] == [f"split {name}"] * 3
    for fold, (run, (train, test)) in enumerate(zip(runs, plain, strict=True)):
        assert run.hyperparameters["fold"] == fold
        assert run.hyperparameters["n_splits"] == 3
        assert run.seed_state is not None and run.seed_state.master_seed == seed
        used = {"X": _digest(X), "y": _digest(y)}
        if grouped:
            used["groups"] = _digest(groups)
        assert edges(tracker, run, "USED") == used
        assert edges(tracker, run, "PRODUCED") == {
            "train": _digest(X.iloc[train]),
            "test": _digest(X.iloc[test]),
            "train.y": _digest(y.iloc[train]),
            "test.y": _digest(y.iloc[test]),
        }
        assert run.metadata["splitter"].endswith(f".{name}") and run.metadata["fold"] == fold


def test_nested_and_abandoned_splits(tracker: Tracker) -> None:
    """A splitter that runs another (RepeatedKFold) is recorded once per fold, a grid
    search's own splits are its fit's, and leaving a loop early records the folds taken."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, KFold, RepeatedKFold

    X, y = _table(40, 9)
    with provenance.autolog(tracker):
        assert len(list(RepeatedKFold(n_splits=2, n_repeats=2, random_state=0).split(X))) == 4
        GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=KFold(2)).fit(X, y)
        for _ in KFold(4).split(X):
            break
    counts: dict[str, int] = {}
    for tr in transforms(tracker):
        counts[tr.operation] = counts.get(tr.operation, 0) + 1
    assert counts == {"split RepeatedKFold": 4, "fit GridSearchCV": 1, "split KFold": 1}


def test_autologged_fits_and_splits_give_the_contamination_verdicts(store: Any) -> None:
    """The same verdicts as explicit tracking, autologged, on every backend: a scaler fitted
    on every row then split is leakage (also with a column selection between); fitted on
    the training split and applied to the test split, clean; fitted on every row and applied
    to each split, leakage; a split alone, clean; test rows copied into training, leakage."""
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from provenance.analysis.contamination import contamination

    t = Tracker(store)
    X1, y1 = _table(80, 1)
    X2, _ = _table(80, 2)
    X3, y3 = _table(80, 3)
    X4, _ = _table(80, 4)
    X5, _ = _table(80, 5)
    X6, _ = _table(80, 6)
    with provenance.autolog(t):
        # 1. fitted on every row, then split
        scaled = StandardScaler().set_output(transform="pandas").fit_transform(X1)
        a_train, a_test, _, _ = train_test_split(scaled, y1, test_size=0.25, random_state=0)
        # 2. fitted on every row, a column selection, then split
        scaled2 = StandardScaler().set_output(transform="pandas").fit_transform(X2)
        b_train, b_test = train_test_split(scaled2[["a"]], test_size=0.25, random_state=0)
        # 3. split, fitted on the training side, applied to the test side
        c_train, c_test, _, _ = train_test_split(X3, y3, test_size=0.25, random_state=0)
        scaler = StandardScaler().set_output(transform="pandas")
        c_train_x, c_test_x = scaler.fit_transform(c_train), scaler.transform(c_test)
        # 4. fitted on every row, applied to each side of a split
        everything = StandardScaler().set_output(transform="pandas").fit(X4)
        d_train, d_test = train_test_split(X4, test_size=0.25, random_state=0)
        d_train_x, d_test_x = everything.transform(d_train), everything.transform(d_test)
        # 5. a split alone; 6. three test rows copied into the training rows (logged by the fit)
        e_train, e_test = train_test_split(X5, test_size=0.25, random_state=0)
        f_train, f_test = train_test_split(X6, test_size=0.25, random_state=0)
        f_train_more = pd.concat([f_train, f_test.iloc[:3]])
        StandardScaler().fit(f_train_more)
    fit_of = {
        edges(t, tr, "USED")["X"]: tr for tr in transforms(t) if tr.operation.startswith("fit")
    }

    r1 = contamination(store, _digest(a_train), _digest(a_test))
    [f1] = r1.findings
    assert r1.verdict == "leakage" and f1.kind == "fitted_before_split" and f1.fit is not None
    assert f1.fit.transform_id == fit_of[_digest(X1)].id
    assert (f1.fit.operation, f1.fit.estimators) == (
        "fit_transform StandardScaler",
        ["StandardScaler"],
    )
    assert f1.fit.fitted_on == [_digest(X1)]
    # the split also divided y (a source): not every row route leads through X, so the count
    # is by fingerprint, of the scaled rows: all 20 test rows (80 * 0.25)
    assert (f1.fit.test_rows_seen, f1.fit.test_rows, f1.fit.basis) == (20, 20, "fingerprints")

    r2 = contamination(store, _digest(b_train), _digest(b_test))
    assert [(f.kind, f.fit and f.fit.transform_id) for f in r2.findings] == [
        ("fitted_before_split", fit_of[_digest(X2)].id)
    ]
    # the selection is no run (autologging sees no pandas step): its rows are new, uncounted
    assert r2.findings[0].fit is not None and r2.findings[0].fit.test_rows_seen is None

    r3 = contamination(store, _digest(c_train_x), _digest(c_test_x))
    assert r3.findings == [] and r3.verdict == "clean"
    assert fit_of[_digest(c_train)].metadata["fits_on_rows"] is True  # the fit was recorded

    r4 = contamination(store, _digest(d_train_x), _digest(d_test_x))
    assert [f.kind for f in r4.findings] == ["fitted_before_split"]
    fit4 = r4.findings[0].fit
    assert fit4 is not None and fit4.transform_id == fit_of[_digest(X4)].id
    assert fit4.operation == "fit StandardScaler" and fit4.test_rows_seen == 20

    r5 = contamination(store, _digest(e_train), _digest(e_test))
    assert r5.verdict == "clean" and r5.findings == []
    assert [(s.id, s.role) for s in r5.shared_ancestors] == [(_digest(X5), "source")]

    r6 = contamination(store, _digest(f_train_more), _digest(f_test))
    assert [(f.kind, f.message) for f in r6.findings] == [
        ("shared_rows", "3 of 20 test rows (15.0%) are also training rows")
    ]
