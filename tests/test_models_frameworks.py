"""Models logged directly: canonical digests per framework, saving and re-loading, and what
verify / replay / load_artifact do with saved models (embedded store only).

scikit-learn, skops, LightGBM, XGBoost (``xgboost-cpu``) and safetensors are in the ``dev``
extra: imported outright. torch, transformers and Keras (on its torch backend, set by
tests/conftest.py) are the ``torch``, ``hf`` and ``keras`` extras, which ``./scripts/test.sh``
installs; where they are missing their tests skip, which fails the session with ``CI=true``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any, get_args

import lightgbm as lgb
import numpy as np
import pytest
import sklearn
import xgboost as xgb
from sklearn.cluster import KMeans
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from provenance import Tracker
from provenance.analysis.artifacts import check_artifact, load_artifact
from provenance.analysis.replay import replay
from provenance.analysis.verify import verify
from provenance.errors import (
    MissingExtraError,
    ModelFormatError,
    TrackingError,
    UnsupportedTypeError,
)
from provenance.hashing import digest_object, digest_state_dict
from provenance.hashing.frameworks import digest_model, framework_version, model_framework
from provenance.locations import uri_to_path
from provenance.model import Model
from provenance.models_io import FORMATS, SaveFormat, load_model, load_saved, save_model
from provenance.store import SQLiteStore

warnings.filterwarnings("ignore", category=UserWarning)  # LightGBM/XGBoost chatter


def data(seed: int = 0, n: int = 120) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """A small, seeded binary classification problem."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    y = (x[:, 0] + 0.5 * x[:, 1] - x[:, 2] + rng.normal(scale=0.3, size=n) > 0).astype(int)
    return x, y


@pytest.fixture
def tracker(tmp_path: Path) -> Any:
    t = Tracker(str(tmp_path / "store") + "/")
    yield t
    t.close()


def test_formats_and_save_format_agree() -> None:
    assert set(FORMATS) == set(get_args(SaveFormat))


def test_unsupported_type_names_what_is_supported(tracker: Tracker) -> None:
    class Opaque:
        pass

    with pytest.raises(UnsupportedTypeError) as err:
        digest_object(Opaque())
    for kind in ("DataFrame", "numpy array", "state dict", "scikit-learn", "XGBoost", "LightGBM"):
        assert kind in str(err.value)
    with (
        pytest.raises(UnsupportedTypeError, match="scikit-learn estimator"),
        tracker.run("x") as run,
    ):
        run.output(Opaque(), name="o", kind="model")
    with pytest.raises(TrackingError, match="log_model needs a model"):
        tracker.log_model(b"bytes", name="not a model")


# --- scikit-learn ----------------------------------------------------------------------------
def test_sklearn_digest_stable_and_sensitive() -> None:
    x, y = data()

    def forest(**kw: Any) -> RandomForestClassifier:
        return RandomForestClassifier(n_estimators=5, random_state=0, **kw).fit(x, y)

    a = digest_model(forest())
    assert a.digest == digest_model(forest()).digest  # same seed, same fit: one id
    assert a.framework == "sklearn" and a.class_name.endswith("RandomForestClassifier")
    assert a.details["framework_version"] == sklearn.__version__
    assert a.digest != digest_model(forest(max_depth=3)).digest  # other hyperparameters
    other_data = RandomForestClassifier(n_estimators=5, random_state=0).fit(*data(seed=1))
    assert a.digest != digest_model(other_data).digest  # other fitted trees
    unfitted = RandomForestClassifier(n_estimators=5, random_state=0)
    assert digest_model(unfitted).digest not in (a.digest,)
    assert digest_model(unfitted).details["fitted"] is False
    # the architecture hash is class + hyperparameters: equal for both fits
    assert a.architecture_hash == digest_model(other_data).architecture_hash


def test_sklearn_fitted_coefficients_enter_the_digest() -> None:
    x, y = data()
    clf = LogisticRegression().fit(x, y)
    before = digest_model(clf).digest
    clf.coef_ = clf.coef_.copy()
    assert digest_model(clf).digest == before  # same values, another buffer
    clf.coef_[0, 0] += 1e-9
    assert digest_model(clf).digest != before


def test_sklearn_private_fitted_state_enters_the_digest() -> None:
    # HistGradientBoosting keeps its trees in the private `_predictors`: they must count.
    x, y = data()
    hgb = HistGradientBoostingClassifier(max_iter=3, random_state=0).fit(x, y)
    before = digest_model(hgb).digest
    hgb._predictors[0][0].nodes["value"][0] += 1.0
    assert digest_model(hgb).digest != before


def test_sklearn_machine_thread_count_does_not_enter_the_digest() -> None:
    x, _ = data()
    km = KMeans(n_clusters=2, n_init=1, random_state=0).fit(x)
    before = digest_model(km).digest
    km._n_threads = 999
    assert digest_model(km).digest == before


def test_sparse_frames_and_opaque_values_in_the_state() -> None:
    import threading

    import pandas as pd

    x, y = data()
    clf = LogisticRegression().fit(x, y)
    dense = digest_model(clf).digest
    clf.sparsify()  # coef_ becomes a scipy sparse matrix: a different model object, hashed
    sparse = digest_model(clf).digest
    assert sparse != dense and sparse == digest_model(clf).digest
    clf.densify()
    assert digest_model(clf).digest == dense
    frame = pd.DataFrame({"a": [1, 2]})
    clf.extra_table_ = frame
    with_frame = digest_model(clf).digest
    clf.extra_table_ = frame.assign(a=[1, 3])
    assert digest_model(clf).digest != with_frame
    clf.extra_table_ = threading.Lock()  # no state to hash: refused, naming where it is
    with pytest.raises(UnsupportedTypeError, match=r"state\.extra_table_"):
        digest_model(clf)


def test_pipeline_digest_follows_its_steps() -> None:
    x, y = data()
    p1 = make_pipeline(StandardScaler(), LogisticRegression(C=1.0)).fit(x, y)
    p2 = make_pipeline(StandardScaler(), LogisticRegression(C=0.1)).fit(x, y)
    p3 = make_pipeline(StandardScaler(), LogisticRegression(C=1.0)).fit(x, y)
    assert digest_model(p1).digest == digest_model(p3).digest
    assert digest_model(p1).digest != digest_model(p2).digest
    assert digest_object(p1).kind == "model"


STABILITY_SCRIPT = """
import json, sys, numpy as np
from sklearn.ensemble import RandomForestClassifier
from provenance.hashing.frameworks import digest_model
rng = np.random.default_rng(0)
x = rng.normal(size=(120, 4)); y = (x[:, 0] > 0).astype(int)
print(digest_model(RandomForestClassifier(n_estimators=4, random_state=0).fit(x, y)).digest)
"""


def test_sklearn_digest_is_the_same_in_other_processes() -> None:
    root = Path(__file__).resolve().parents[1]
    digests = set()
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(root)}
        out = subprocess.run(
            [sys.executable, "-c", STABILITY_SCRIPT],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=120,
        )
        digests.add(out.stdout.strip().splitlines()[-1])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 4))
    y = (x[:, 0] > 0).astype(int)
    here = digest_model(RandomForestClassifier(n_estimators=4, random_state=0).fit(x, y)).digest
    assert digests == {here}


def test_log_model_save_reload_same_digest_and_predictions(tracker: Tracker) -> None:
    x, y = data()
    clf = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=5, random_state=0))
    clf.fit(x, y)
    m = tracker.log_model(clf, name="churn", save=True)
    assert isinstance(m, Model) and m.framework == "sklearn"
    assert m.id == digest_object(clf).digest
    assert m.metadata["content"]["framework_version"] == sklearn.__version__
    assert m.metadata["content"]["class"] == "sklearn.pipeline.Pipeline"
    path = uri_to_path(m.uri or "")
    assert path.suffix == ".skops" and path.is_relative_to(tracker.model_dir())
    saved = m.metadata["saved"]
    assert saved["format"] == "skops" and "sklearn.tree._tree.Tree" in saved["trusted_types"]
    back = load_saved(m, path)
    assert digest_object(back).digest == m.id
    np.testing.assert_array_equal(back.predict_proba(x), clf.predict_proba(x))
    # the stored node says the same; logging the same model again changes nothing
    assert tracker.get(m.id).uri == m.uri
    again = tracker.log_model(clf, name="churn")
    assert again.uri == m.uri


def test_log_model_at_a_given_uri(tracker: Tracker, tmp_path: Path) -> None:
    x, y = data()
    clf = LogisticRegression().fit(x, y)
    m = tracker.log_model(clf, name="clf v1", uri=f"{tmp_path}/out/")
    assert uri_to_path(m.uri or "") == tmp_path / "out" / "clf_v1.skops"
    m2 = tracker.log_model(LogisticRegression(C=0.3).fit(x, y), name="c", uri=tmp_path / "c2")
    assert uri_to_path(m2.uri or "") == tmp_path / "c2.skops"


def test_skops_refuses_types_the_file_did_not_have(tracker: Tracker) -> None:
    import skops.io as sio

    x, y = data()
    m = tracker.log_model(LogisticRegression().fit(x, y), name="lr", save=True)
    path = uri_to_path(m.uri or "")
    assert m.metadata["saved"]["trusted_types"] == []
    # Someone swaps in a file that needs more types (a forest's Cython trees).
    sio.dump(RandomForestClassifier(n_estimators=2, random_state=0).fit(x, y), path)
    with pytest.raises(ModelFormatError, match="not in it when it was saved"):
        load_saved(m, path)
    check = check_artifact(tracker.get(m.id))  # type: ignore[arg-type]
    assert check.status == "changed" and "cannot be re-loaded" in check.detail


def test_check_artifact_of_saved_models(tracker: Tracker) -> None:
    import skops.io as sio

    x, y = data()
    clf = LogisticRegression().fit(x, y)
    m = tracker.log_model(clf, name="lr", save=True)
    c = check_artifact(m)
    assert (c.status, c.loaded_as) == ("available", "model") and "unchanged" in c.detail
    assert digest_object(load_artifact(m, c)).digest == m.id
    path = uri_to_path(m.uri or "")
    sio.dump(clf, path)  # the same model written again: other bytes, same model
    c = check_artifact(m)
    assert c.status == "available" and "recorded digest" in c.detail
    sio.dump(LogisticRegression(C=0.01).fit(x, y), path)  # another model in its place
    c = check_artifact(m)
    assert c.status == "changed" and "re-loaded model" in c.detail
    path.unlink()
    assert check_artifact(m).status == "missing"
    unsaved = tracker.log_model(LogisticRegression(C=5.0).fit(x, y), name="mem")
    assert unsaved.uri is None and check_artifact(unsaved).status == "not_retrievable"


def test_run_output_and_inputs_take_model_objects(tracker: Tracker) -> None:
    x, y = data()
    xs = tracker.log_artifact(x, name="x")
    with tracker.run("train", inputs=[xs], params={"C": 1.0}, seed=3) as run:
        clf = LogisticRegression(C=1.0).fit(x, y)
        out = run.output(clf, name="clf", kind="model")
        run.log_metric("train_accuracy", float(clf.score(x, y)))
    assert (
        isinstance(out, Model) and out.framework == "sklearn" and out.id == digest_model(clf).digest
    )
    with tracker.run("evaluate", inputs={"model": clf, "x": xs}) as run:
        run.log_metric("accuracy", 0.5)
    with tracker.run("predict", inputs=[xs], model=clf) as run2:
        run2.output(clf.predict(x), name="preds")
    t = tracker.get(run2.transform_id)
    assert t.model_id == out.id  # type: ignore[union-attr]
    edges = tracker.ancestry(run.transform_id, depth=0).edges
    assert any(e.target == out.id and e.role == "model" for e in edges)


def test_verify_finds_saved_weights(tracker: Tracker, tmp_path: Path) -> None:
    import json as _json

    x, y = data()
    src = tmp_path / "x.npy"
    np.save(src, x)
    xs = tracker.log_artifact(src, name="x")
    clf = LogisticRegression().fit(x, y)
    m = tracker.log_model(clf, name="clf", save=True)
    with tracker.run("predict", inputs=[xs], model=m, entrypoint=_json.dumps, deterministic=True):
        pass
    with tracker.run("predict", inputs=[xs], model=m, entrypoint=_json.dumps) as run:
        out = run.output(clf.predict(x), name="preds")
    report = verify(tracker.store, out.id)
    (check,) = [c for c in report.transforms if c.transform_id == run.transform_id]
    assert check.model is not None and check.model.status == "available"
    uri_to_path(m.uri or "").unlink()
    # the object store kept the weights (keep="auto"): they are had again from there
    report = verify(tracker.store, out.id)
    (check,) = [c for c in report.transforms if c.transform_id == run.transform_id]
    assert check.model is not None and check.model.status == "available"
    assert "restored from the object store" in (check.model.detail or "")
    assert report.verdict != "unreproducible"
    # ...and without a kept copy, missing weights make the output unreproducible
    tracker.objects.delete(m.id)
    report = verify(tracker.store, out.id)
    assert report.verdict == "unreproducible"
    assert any("model weights clf are missing" in r for r in report.reasons)


# Replay: a module-level tracker so the functions are importable, as in a pipeline module.
REPLAY = Tracker(SQLiteStore(tempfile.mkdtemp(prefix="replay-models-") + "/l.sqlite"))


@REPLAY.transform("train", seed=11)
def train(features: Path, c: float = 1.0) -> Any:
    """Fits a seeded forest on a .npy file (last column = label)."""
    table = np.load(features)
    return RandomForestClassifier(n_estimators=4, max_features=2, random_state=None).fit(
        table[:, :-1], table[:, -1].astype(int)
    )


@REPLAY.transform("predict")
def predict(model: Any, features: Path) -> Any:
    return model.predict_proba(np.load(features)[:, :-1])


def test_replay_retrains_and_reloads_saved_models(tmp_path: Path) -> None:
    REPLAY.store = SQLiteStore(tmp_path / "l.sqlite")
    x, y = data()
    np.save(tmp_path / "f.npy", np.column_stack([x, y]))
    model = train(tmp_path / "f.npy", c=0.5)
    (m,) = REPLAY.last_outputs
    assert isinstance(m, Model) and m.framework == "sklearn"
    (train_id,) = {t.id for t in REPLAY.ancestry(m.id).transforms}
    r = replay(REPLAY.store, train_id)  # seeded: the same forest again
    assert r.replayable and r.matched, r.model_dump_json(indent=1)
    REPLAY.log_model(model, name="forest", save=True)
    predict(model, tmp_path / "f.npy")
    (preds,) = REPLAY.last_outputs
    (predict_id,) = {t.id for t in REPLAY.ancestry(preds.id, depth=1).transforms}
    r = replay(REPLAY.store, predict_id)  # the model comes back from its skops file
    assert r.replayable and r.matched, r.model_dump_json(indent=1)
    assert set(r.inputs) == {"model", "features"}


def test_missing_extra_is_named(monkeypatch: pytest.MonkeyPatch, tracker: Tracker) -> None:
    x, y = data()
    monkeypatch.setitem(sys.modules, "skops.io", None)  # import skops.io -> ImportError
    monkeypatch.setitem(sys.modules, "skops", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'provenance\[sklearn\]'"):
        tracker.log_model(LogisticRegression().fit(x, y), name="lr", save=True)
    assert tracker.store.counts().get("Model", 0) == 0


def test_model_framework_of_non_models() -> None:
    assert model_framework(np.zeros(3)) is None
    assert model_framework({"w": np.zeros(3)}) is None  # a state dict is not a framework's
    assert framework_version("sklearn") == sklearn.__version__


# --- XGBoost ---------------------------------------------------------------------------------
def test_xgboost_booster_and_estimator(tracker: Tracker, tmp_path: Path) -> None:
    x, y = data()

    def booster(rounds: int = 3) -> Any:
        return xgb.train({"max_depth": 2, "seed": 0}, xgb.DMatrix(x, label=y), rounds)

    b = booster()
    d = digest_model(b)
    assert d.framework == "xgboost" and d.details["tree_count"] == 3
    assert d.digest == digest_model(booster()).digest
    assert d.digest != digest_model(booster(rounds=4)).digest
    for fmt in ("xgboost-json", "xgboost-ubj"):
        saved = save_model(b, tmp_path / f"b-{fmt}", format=fmt)
        back = load_model(saved.path, saved.format)
        assert digest_model(back).digest == d.digest
        np.testing.assert_array_equal(back.predict(xgb.DMatrix(x)), b.predict(xgb.DMatrix(x)))
    m = tracker.log_model(b, name="booster", save=True)
    assert m.uri and m.uri.endswith(".json") and m.framework == "xgboost"
    assert check_artifact(m).status == "available"


def test_xgboost_sklearn_estimator(tracker: Tracker) -> None:
    x, y = data()
    clf = xgb.XGBClassifier(n_estimators=3, max_depth=2, random_state=0).fit(x, y)
    assert model_framework(clf) == "xgboost"
    assert (
        digest_model(clf).digest
        == digest_model(
            xgb.XGBClassifier(n_estimators=3, max_depth=2, random_state=0).fit(x, y)
        ).digest
    )
    mc = tracker.log_model(clf, name="xgb-clf", save=True)
    assert mc.metadata["saved"]["format"] == "skops"
    back = load_saved(mc, uri_to_path(mc.uri or ""))
    np.testing.assert_array_equal(back.predict_proba(x), clf.predict_proba(x))


# --- LightGBM --------------------------------------------------------------------------------
def test_lightgbm_booster_and_estimator(tracker: Tracker) -> None:
    x, y = data()
    params = {"verbose": -1, "num_leaves": 4, "seed": 0, "num_threads": 1}

    def booster(rounds: int = 3) -> Any:
        return lgb.train(params, lgb.Dataset(x, y), rounds)

    b = booster()
    d = digest_model(b)
    assert d.framework == "lightgbm" and d.details["tree_count"] == 3
    assert d.digest == digest_model(booster()).digest
    assert d.digest != digest_model(booster(rounds=4)).digest
    m = tracker.log_model(b, name="lgb", save=True)
    path = uri_to_path(m.uri or "")
    assert path.suffix == ".txt" and m.metadata["saved"]["format"] == "lightgbm-text"
    back = load_saved(m, path)
    assert digest_model(back).digest == m.id
    np.testing.assert_allclose(back.predict(x), b.predict(x))


def test_lightgbm_sklearn_estimator(tracker: Tracker) -> None:
    x, y = data()
    clf = lgb.LGBMClassifier(n_estimators=3, num_leaves=4, verbose=-1, random_state=0).fit(x, y)
    assert model_framework(clf) == "lightgbm"
    mc = tracker.log_model(clf, name="lgb-clf", save=True)
    back = load_saved(mc, uri_to_path(mc.uri or ""))
    assert digest_model(back).digest == mc.id
    np.testing.assert_allclose(back.predict_proba(x), clf.predict_proba(x))


# --- state dicts in safetensors (numpy; torch below) ----------------------------------------
def test_numpy_state_dict_safetensors_round_trip(tracker: Tracker) -> None:
    rng = np.random.default_rng(0)
    sd = {"fc.weight": rng.normal(size=(3, 4)).astype(np.float32), "fc.bias": np.zeros(3)}
    m = tracker.log_model(sd, name="weights", save=True)
    assert m.id == digest_state_dict(sd) and m.framework == "numpy" and m.parameter_count == 15
    path = uri_to_path(m.uri or "")
    assert path.suffix == ".safetensors"
    back = load_saved(m, path)
    assert digest_state_dict(back) == m.id
    for k, v in sd.items():
        np.testing.assert_array_equal(back[k], v)
        assert back[k].dtype == v.dtype
    # with an architecture hash in the id, the file re-checks against it too
    arch = "blake3:" + "ab" * 32
    m2 = tracker.log_model(sd, name="weights2", save=True, architecture_hash=arch)
    assert m2.id == digest_state_dict(sd, arch) != m.id
    assert m2.metadata["saved"]["architecture_hash"] == arch
    assert check_artifact(m2).status == "available"
    path2 = uri_to_path(m2.uri or "")
    from safetensors.numpy import save_file

    save_file({k: v + 1 for k, v in sd.items()}, str(path2))  # other weights in its place
    assert check_artifact(m2).status == "changed"


# --- torch, Hugging Face, Keras: the torch, hf and keras extras (./scripts/test.sh) ----------
def _framework(name: str, extra: str) -> Any:
    """``import name``, or skip naming the extra (a skip fails the session with CI=true)."""
    return pytest.importorskip(
        name, reason=f"{name} is not installed: pip install -e '.[{extra}]' (./scripts/test.sh)"
    )


def test_torch_module_save_into_module(tracker: Tracker) -> None:
    torch = _framework("torch", "torch")
    from provenance.hashing import architecture_hash

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    d = digest_model(net)
    assert d.framework == "torch"
    assert d.digest == digest_state_dict(net.state_dict(), architecture_hash(net))
    m = tracker.log_model(net, name="net", save=True)
    assert m.id == d.digest and check_artifact(m).status == "available"
    fresh = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
    loaded = load_model(uri_to_path(m.uri or ""), "safetensors", into=fresh)
    assert digest_model(loaded).digest == m.id
    xin = torch.ones(2, 4)
    assert torch.equal(loaded(xin), net(xin))


def test_transformers_model(tracker: Tracker) -> None:
    _framework("torch", "hf")
    transformers = _framework("transformers", "hf")
    config = transformers.BertConfig(
        vocab_size=50, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=16, max_position_embeddings=16,
    )  # fmt: skip
    model = transformers.BertModel(config)
    d = digest_model(model)
    assert d.framework == "transformers"
    m = tracker.log_model(model, name="bert", save=True)
    # save_pretrained fills architectures and dtype into the live config: same digest still
    assert m.id == d.digest == digest_model(model).digest
    assert model.config.architectures == ["BertModel"]
    back = load_saved(m, uri_to_path(m.uri or ""))
    assert digest_model(back).digest == m.id


def test_keras_model(tracker: Tracker) -> None:
    keras = _framework("keras", "keras")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    d = digest_model(model)
    assert d.framework == "keras"
    m = tracker.log_model(model, name="k", save=True)
    back = load_saved(m, uri_to_path(m.uri or ""))
    assert digest_model(back).digest == m.id


def test_model_details_are_json(tracker: Tracker) -> None:
    x, y = data()
    info = digest_object(make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y))
    json.dumps(info.details)
    assert info.details["framework"] == "sklearn" and info.details["parameter_count"] > 0
