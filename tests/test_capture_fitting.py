"""Fits seen inside run blocks (provenance.capture.fitting): what is noted, where, and that
nothing stays installed or changes behaviour."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import provenance
from provenance import Tracker
from provenance.capture.fitting import FITTED_OMITTED, MAX_ESTIMATORS, watch_fits

REPO = Path(__file__).resolve().parents[1]


def _data(n: int = 60) -> tuple[Any, Any]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    return X, (X[:, 0] > 0).astype(int)


def _hooked() -> bool:
    from sklearn.base import BaseEstimator

    return "__getattribute__" in vars(BaseEstimator)


def test_hook_only_while_a_block_watches() -> None:
    from sklearn.preprocessing import StandardScaler

    assert not _hooked()
    with watch_fits():
        assert _hooked()
        with watch_fits():
            assert _hooked()
        assert _hooked()  # the outer block still watches
    assert not _hooked()
    with pytest.raises(RuntimeError), watch_fits():
        raise RuntimeError("the block fails")
    assert not _hooked()  # removed all the same
    StandardScaler().fit(_data()[0])  # outside any block: nothing to note, nothing breaks


def test_outer_fits_noted_in_the_innermost_block() -> None:
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = _data()
    with watch_fits() as outer:
        StandardScaler().fit(X)
        with watch_fits() as inner:
            make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
            sgd = SGDClassifier(random_state=0)
            for i in range(3):  # one estimator, three calls of 20 rows
                sgd.partial_fit(X[i * 20 : (i + 1) * 20], y[i * 20 : (i + 1) * 20], classes=[0, 1])
            with pytest.raises(ValueError):
                LogisticRegression().fit(X, np.zeros(len(X)))  # one class: raises
    assert [
        (e["class"].rsplit(".", 1)[-1], e["methods"], e["calls"], e["rows"], e["fitted"])
        for e in inner.estimators()
    ] == [
        ("Pipeline", ["fit"], 1, 60, True),  # its steps' fits are its own
        ("SGDClassifier", ["partial_fit"], 3, 60, True),
        ("LogisticRegression", ["fit"], 1, 60, False),
    ]
    assert [e["class"].rsplit(".", 1)[-1] for e in outer.estimators()] == ["StandardScaler"]


def test_behaviour_unchanged_while_watching() -> None:
    """Same results, same signatures (sklearn inspects fit's), same hasattr answers."""
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = _data()
    plain = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y).predict_proba(X)
    signature = inspect.signature(LogisticRegression().fit)
    with watch_fits():
        est = LogisticRegression()
        assert inspect.signature(est.fit) == signature
        assert est.fit.__self__ is est and est.fit.__name__ == "fit"
        watched = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
        np.testing.assert_array_equal(watched.predict_proba(X), plain)
        regressor = make_pipeline(StandardScaler(), LinearRegression())
        assert not hasattr(regressor, "predict_proba")


def test_fits_in_other_threads_are_not_the_blocks() -> None:
    from sklearn.preprocessing import StandardScaler

    X, _ = _data()
    with watch_fits() as fits:
        worker = threading.Thread(target=lambda: StandardScaler().fit(X))
        worker.start()
        worker.join()
    assert fits.estimators() == []


def test_many_estimators_are_counted_past_the_cap(tmp_path: Path) -> None:
    from sklearn.preprocessing import StandardScaler

    X, _ = _data(10)
    keep = []  # alive: each is its own estimator
    with Tracker(f"{tmp_path}/s/") as t:
        with t.run("many") as run:
            for _ in range(MAX_ESTIMATORS + 3):
                keep.append(StandardScaler().fit(X))
        meta = t.get(run.transform_id).metadata  # type: ignore[union-attr]
    assert len(meta["fitted_estimators"]) == MAX_ESTIMATORS and meta[FITTED_OMITTED] == 3


def test_autolog_and_a_run_block_both_record_the_fit(tmp_path: Path) -> None:
    """Autologging inside a user's run block: the fit is autolog's own run (fitting on rows)
    and is also noted on the block."""
    from sklearn.preprocessing import StandardScaler

    X, _ = _data()
    with Tracker(f"{tmp_path}/s/") as t:
        data = t.log_artifact(X, name="X")
        with provenance.autolog(t), t.run("prepare", inputs=[data]) as block:
            StandardScaler().fit_transform(X)
        provenance.autolog(disable=True)
        fit = t.store.find_transforms(operation="fit_transform StandardScaler")[0]
        assert fit.metadata["fits_on_rows"] is True
        assert [e["methods"] for e in fit.metadata["fitted_estimators"]] == [["fit_transform"]]
        meta = t.get(block.transform_id).metadata  # type: ignore[union-attr]
        assert meta["fits_on_rows"] is True
        assert [e["class"].rsplit(".", 1)[-1] for e in meta["fitted_estimators"]] == [
            "StandardScaler"
        ]
    assert not _hooked()


def _run(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_without_scikit_learn_nothing_happens(tmp_path: Path) -> None:
    """scikit-learn not installed (blocked): run blocks work, record no fitting, leave no
    import hook."""
    out = _run(
        f"""
        import sys
        sys.modules["sklearn"] = None  # import sklearn now raises ImportError
        from provenance import Tracker
        t = Tracker({str(tmp_path / "s")!r} + "/")
        a = t.log_artifact(b"x", name="a")
        before = list(sys.meta_path)
        with t.run("step", inputs=[a]) as run:
            assert sys.meta_path == before
        meta = t.get(run.transform_id).metadata
        assert "fits_on_rows" not in meta and "fitted_estimators" not in meta, meta
        print("ok")
        """
    )
    assert out.strip() == "ok"


def test_scikit_learn_imported_inside_the_block_is_watched(tmp_path: Path) -> None:
    """Not imported when the block starts: the hook goes in when sklearn.base is imported,
    and comes out with the block; the module keeps its own loader."""
    out = _run(
        f"""
        import sys
        import numpy as np
        from provenance import Tracker
        t = Tracker({str(tmp_path / "s")!r} + "/")
        assert "sklearn" not in sys.modules
        with t.run("late") as run:
            from sklearn.preprocessing import MinMaxScaler
            MinMaxScaler().fit(np.zeros((4, 2)))
        import sklearn.base
        assert "__getattribute__" not in vars(sklearn.base.BaseEstimator)
        assert type(sklearn.base.__loader__).__name__ == "SourceFileLoader"
        assert not any(type(f).__name__ == "_InstallOnImport" for f in sys.meta_path)
        meta = t.get(run.transform_id).metadata
        names = [e["class"].rsplit(".", 1)[-1] for e in meta["fitted_estimators"]]
        print(meta["fits_on_rows"], names)
        """
    )
    assert out.strip() == "True ['MinMaxScaler']"
