"""Tests that kill surviving mutants of ``provenance.hashing.frameworks`` (issue 21, mutation
testing; tests/README.md): the canonical form of a model's values and the digest recipes of
scikit-learn estimators, XGBoost and LightGBM boosters, written out by hand from the module
docs. Fast: tiny models, no tracker or store (the end-to-end framework tests are
``tests/test_models_frameworks.py``; torch, Hugging Face and Keras: ``..._torch.py``).

Expected digests are BLAKE3 of ``provenance:<domain>:v1\\n`` + the canonical JSON of the
documented body, hashed here with ``blake3`` directly; arrays, frames and bytes inside a body
are named by the digests of their own modules (``digest_array``, ``frame_digest``,
``digest_bytes``), which their own tests pin.
"""

from __future__ import annotations

import json
import math
import sys
import threading
from collections.abc import Iterator
from typing import Any

import blake3
import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn
import xgboost as xgb
from sklearn.base import BaseEstimator

from provenance.errors import UnknownAlgorithmError, UnsupportedTypeError
from provenance.hashing.arrays import digest_array
from provenance.hashing.core import canonical_json, digest_bytes
from provenance.hashing.frames import frame_digest
from provenance.hashing.frameworks import (
    _Canon,
    _isinstance,
    _state,
    digest_model,
    framework_version,
    hf_architecture_hash,
    is_estimator,
    is_hf_model,
    is_keras_model,
    is_lightgbm_booster,
    is_xgboost_booster,
    model_class,
    model_framework,
)

HERE = __name__
ESTIMATOR_RECIPE = "estimator: class + get_params(deep=False) + __getstate__() fitted state"


def b3(domain: str, body: Any) -> str:
    """The documented recipe: BLAKE3 of ``provenance:<domain>:v1\\n`` + canonical JSON."""
    payload = body if isinstance(body, bytes) else canonical_json(body).encode()
    return "blake3:" + blake3.blake3(f"provenance:{domain}:v1\n".encode() + payload).hexdigest()


def canon(value: Any) -> Any:
    return _Canon("blake3")(value, "w")


def arr(a: Any) -> dict[str, str]:
    return {"$array": digest_array(a)}


# --------------------------------------------------------------------------------------------
# values met in a model's parameters and state
# --------------------------------------------------------------------------------------------
class Box:
    def __init__(self, v: Any = 1) -> None:
        self.v = v

    def method(self) -> None:
        pass


class Empty:
    pass


class Slotted:
    __slots__ = ("a",)

    def __init__(self) -> None:
        self.a = 1


class Reduced:
    """No pickle state of its own (like a Cython class): only ``__reduce__``."""

    __slots__ = ()

    def __init__(self, size: int = 3) -> None:
        pass

    def __getstate__(self) -> Any:
        raise TypeError("no state")

    def __reduce__(self) -> Any:
        return (Reduced, (1, 2), {"s": 3})


class ReducedNoState(Reduced):
    __slots__ = ()

    def __reduce__(self) -> Any:
        return (ReducedNoState, (4,))


class ReduceFails(Reduced):
    __slots__ = ()

    def __reduce__(self) -> Any:
        raise TypeError("cannot")


class ReduceToName(Reduced):
    __slots__ = ()

    def __reduce__(self) -> Any:
        return "ReduceToName"  # a global's name: nothing to hash


def helper() -> None:
    pass


def test_json_values_floats_and_bytes() -> None:
    assert [canon(v) for v in (None, True, False, "s", 7, 1.5)] == [None, True, False, "s", 7, 1.5]
    assert canon(math.nan) == {"$float": "nan"}
    assert canon(math.inf) == {"$float": "inf"}
    assert canon(-math.inf) == {"$float": "-inf"}
    assert canon(b"ab") == {"$bytes": digest_bytes(b"ab")}
    assert canon(bytearray(b"ab")) == {"$bytes": digest_bytes(b"ab")}
    assert canon(b"ab")["$bytes"] == "blake3:" + blake3.blake3(b"ab").hexdigest()
    # the algorithm is the one asked for
    sha = _Canon("sha256")(b"ab", "w")
    assert sha == {"$bytes": digest_bytes(b"ab", "sha256")}
    assert sha["$bytes"].startswith("sha256:")


def test_dtypes() -> None:
    assert canon(np.dtype("<f4")) == {"$dtype": "<f4", "fields": [["", "<f4"]]}
    record = np.dtype([("a", "<i4"), ("b", "<f8")])
    assert canon(record) == {"$dtype": "|V12", "fields": [["a", "<i4"], ["b", "<f8"]]}


def test_arrays_are_named_by_their_digest_and_counted() -> None:
    c = _Canon("blake3")
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert c(a, "w") == arr(a)
    assert (c.parameter_count, c.nbytes) == (6, 24)
    assert c(np.int16(3), "w") == arr(np.int16(3))  # a numpy scalar: a 0-d array
    assert (c.parameter_count, c.nbytes) == (7, 26)
    # booleans, unsigned and complex numbers count; text and dates do not
    for numeric in (np.array([True]), np.array([1], np.uint8), np.array([1j])):
        c(numeric, "w")
    assert (c.parameter_count, c.nbytes) == (10, 26 + 1 + 1 + 16)
    for other in (np.array(["a", "b"]), np.array(["2026-01-01"], "datetime64[D]")):
        assert c(other, "w") == arr(other)
    assert (c.parameter_count, c.nbytes) == (10, 44)


def test_record_and_object_arrays() -> None:
    c = _Canon("blake3")
    rec = np.array([(1, 2.0), (3, 4.0)], dtype=[("a", "<i4"), ("b", "<f8")])
    assert c(rec, "w") == {
        "$record": [2],
        "fields": [
            ["a", arr(np.array([1, 3], "<i4"))],
            ["b", arr(np.array([2.0, 4.0]))],
        ],
    }
    assert (c.parameter_count, c.nbytes) == (4, 8 + 16)
    objects = np.array([[1, "x"], [None, 2.5]], dtype=object)
    assert c(objects, "w") == {"$objects": [2, 2], "items": [1, "x", None, 2.5]}
    assert (c.parameter_count, c.nbytes) == (4, 24)  # object arrays are not parameters
    with pytest.raises(UnsupportedTypeError, match=r"^w\[1\]: a _thread\.lock has no"):
        c(np.array([1, threading.Lock()], dtype=object), "w")


def test_sparse_matrices_are_canonical_csr() -> None:
    # (0, 2) twice: summed; rows stored in CSR, indices sorted, int64 index arrays
    coo = sp.coo_matrix(([1.0, 2.0, 5.0], ([0, 0, 1], [2, 2, 0])), shape=(2, 3))
    expected = {
        "$sparse": [2, 3],
        "data": arr(np.array([3.0, 5.0])),
        "indices": digest_array(np.array([2, 0], np.int64)),
        "indptr": digest_array(np.array([0, 1, 2], np.int64)),
    }
    c = _Canon("blake3")
    assert c(coo, "w") == expected
    assert (c.parameter_count, c.nbytes) == (2, 16)
    assert canon(sp.coo_array(coo)) == expected  # the array API
    # unsorted column indices within a row, int32 index arrays
    unsorted = sp.csr_matrix(
        (np.array([1.0, 2.0]), np.array([2, 0], np.int32), np.array([0, 2, 2], np.int32)),
        shape=(2, 3),
    )
    assert canon(unsorted) == {
        "$sparse": [2, 3],
        "data": arr(np.array([2.0, 1.0])),
        "indices": digest_array(np.array([0, 2], np.int64)),
        "indptr": digest_array(np.array([0, 2, 2], np.int64)),
    }
    assert unsorted.indices.tolist() == [2, 0]  # the model's own matrix is left alone


def test_random_generators_by_their_state() -> None:
    rs = np.random.RandomState(3)
    st = rs.get_state(legacy=False)
    assert canon(rs) == {
        "$rng": "RandomState",
        "state": {
            "$dict": [
                ["bit_generator", "MT19937"],
                ["gauss", 0.0],
                ["has_gauss", 0],
                ["state", {"$dict": [["key", arr(st["state"]["key"])], ["pos", 624]]}],
            ]
        },
    }
    g = np.random.default_rng(5)
    inner = g.bit_generator.state["state"]
    assert canon(g) == {
        "$rng": "Generator",
        "state": {
            "$dict": [
                ["bit_generator", "PCG64"],
                ["has_uint32", 0],
                ["state", {"$dict": [["inc", inner["inc"]], ["state", inner["state"]]]}],
                ["uinteger", 0],
            ]
        },
    }


def test_callables_by_qualified_name() -> None:
    assert canon(int) == {"$callable": "builtins.int"}
    assert canon(Box) == {"$callable": f"{HERE}.Box"}
    assert canon(helper) == {"$callable": f"{HERE}.helper"}
    assert canon(len) == {"$callable": "builtins.len"}
    assert canon(np.add) == {"$callable": "numpy.add"}
    assert canon(lambda: 0) == {
        "$callable": f"{HERE}.test_callables_by_qualified_name.<locals>.<lambda>"
    }

    def orphan() -> None:
        pass

    orphan.__module__ = None  # type: ignore[assignment]
    assert canon(orphan) == {"$callable": "?.test_callables_by_qualified_name.<locals>.orphan"}
    assert canon(Box(2).method) == {
        "$method": f"{HERE}.Box.method",
        "self": {"$object": f"{HERE}.Box", "state": {"$dict": [["v", 2]]}},
    }


def test_containers() -> None:
    assert canon({"b": 1, "a": [1, (2, 3)]}) == {"$dict": [["a", [1, [2, 3]]], ["b", 1]]}
    # keys of other types: sorted by their canonical JSON ('"1"' < '1' < '2')
    assert canon({2: "x", 1: "y", "1": "z"}) == {"$dict": [["1", "z"], [1, "y"], [2, "x"]]}
    assert canon({3, 1, 2}) == {"$set": [1, 2, 3]}
    assert canon(frozenset({"b", "a"})) == {"$set": ["a", "b"]}
    assert canon({"10", 9}) == {"$set": ["10", 9]}
    assert canon(()) == [] and canon({}) == {"$dict": []}


def test_where_an_unhashable_value_sits_is_named() -> None:
    lock = threading.Lock()
    cases = [
        ({"k": [1, lock]}, "w.k[1]"),
        ({1: lock}, "w[1]"),
        ({"a": {2: [lock]}}, "w.a[2][0]"),
        ({lock: 1}, "w key"),
        ({lock}, "w{}"),
        (Box(lock), "w.v"),  # an object's state: its __dict__
    ]
    for value, where in cases:
        with pytest.raises(UnsupportedTypeError) as err:
            canon(value)
        assert str(err.value) == (
            f"{where}: a _thread.lock has no canonical form (no __getstate__ or __reduce__ "
            "state to hash)"
        )


@pytest.fixture
def deep_stack() -> Iterator[None]:
    """Room for 200 nested levels under mutmut too, whose trampolines add frames per call."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 5000))
    yield
    sys.setrecursionlimit(old)


@pytest.mark.usefixtures("deep_stack")
def test_nesting_depth_is_bounded() -> None:
    value: Any = 0
    for _ in range(200):
        value = [value]
    deep = canon(value)  # the innermost value at depth 200: accepted
    for _ in range(200):
        deep = deep[0]
    assert deep == 0
    with pytest.raises(UnsupportedTypeError, match=r"nested more than 200 levels deep$"):
        canon([value])
    # a dict level counts as one, like a list
    with pytest.raises(UnsupportedTypeError, match=r"nested more than 200 levels deep$"):
        canon({"k": value})


def test_pandas_values() -> None:
    df = pd.DataFrame({"a": [1, 2]})
    assert canon(df) == {"$frame": frame_digest(df).digest}
    assert canon(df["a"]) == {"$frame": frame_digest(df["a"]).digest}
    assert canon(df) != canon(df.assign(a=[1, 3]))
    sha = _Canon("sha256")(df, "w")  # the algorithm asked for, inside too
    assert sha == {"$frame": frame_digest(df, "sha256").digest}
    assert sha["$frame"].startswith("sha256:")
    idx = pd.Index([3, 1])
    assert canon(idx) == {
        "$index": f"{type(idx).__module__}.{type(idx).__qualname__}",
        "values": arr(np.array([3, 1])),
    }


def test_other_objects_by_their_pickle_state() -> None:
    assert canon(Box(1)) == {"$object": f"{HERE}.Box", "state": {"$dict": [["v", 1]]}}
    assert canon(Empty()) == {"$object": f"{HERE}.Empty", "state": {"$dict": []}}
    # an object holding another (not itself)
    assert canon(Box(Box(2))) == {
        "$object": f"{HERE}.Box",
        "state": {"$dict": [["v", {"$object": f"{HERE}.Box", "state": {"$dict": [["v", 2]]}}]]},
    }
    # object.__getstate__ of a slotted instance: (None, {slot: value})
    assert canon(Slotted()) == {
        "$object": f"{HERE}.Slotted",
        "state": [None, {"$dict": [["a", 1]]}],
    }
    assert canon(Reduced()) == {
        "$object": f"{HERE}.Reduced",
        "state": {"$dict": [["args", [1, 2]], ["state", {"$dict": [["s", 3]]}]]},
    }
    assert canon(ReducedNoState()) == {
        "$object": f"{HERE}.ReducedNoState",
        "state": {"$dict": [["args", [4]], ["state", None]]},
    }
    assert _state(Reduced()) == {"args": (1, 2), "state": {"s": 3}}
    for no_state in (ReduceFails(), ReduceToName()):
        assert _state(no_state) is None
        with pytest.raises(UnsupportedTypeError, match=r"^w: a .*Reduce\w+ has no canonical"):
            canon(no_state)


def test_objects_that_contain_themselves_and_shared_objects() -> None:
    loop = Box()
    loop.v = [loop]
    with pytest.raises(UnsupportedTypeError) as err:
        canon(loop)
    assert str(err.value) == f"w.v[0]: a {HERE}.Box that contains itself"
    shared = Box(5)
    one = {"$object": f"{HERE}.Box", "state": {"$dict": [["v", 5]]}}
    assert canon([shared, shared, {"again": shared}]) == [one, one, {"$dict": [["again", one]]}]


# --------------------------------------------------------------------------------------------
# detection
# --------------------------------------------------------------------------------------------
class Tiny(BaseEstimator):  # type: ignore[misc]
    """A scikit-learn estimator whose state is known exactly."""

    def __init__(self, alpha: float = 1.0, n_threads: int = 4) -> None:
        self.alpha = alpha
        self.n_threads = n_threads

    def fit(self, x: Any) -> Tiny:
        self.w_ = np.asarray(x, dtype=np.float64).sum(axis=0)
        self._private = "p"
        self._n_threads = 8
        self._sklearn_version = "0.0"
        setattr(self, "__meta_", 1)
        return self


class Outer:
    class Inner:
        pass


def test_detection_and_class_names() -> None:
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    booster = xgb.train({"max_depth": 1, "nthread": 1}, xgb.DMatrix(x, [0, 1]), 1)
    assert model_framework(Tiny()) == "sklearn" and is_estimator(Tiny())
    assert model_framework(xgb.XGBClassifier()) == "xgboost"
    assert model_framework(lgb.LGBMRegressor()) == "lightgbm"
    assert model_framework(booster) == "xgboost" and is_xgboost_booster(booster)
    assert not is_estimator(booster) and not is_lightgbm_booster(booster)
    for other in (None, {"w": 1}, np.zeros(2), pd.DataFrame({"a": [1]}), Box(), Tiny):
        assert model_framework(other) is None
        assert not (is_hf_model(other) or is_keras_model(other) or is_estimator(other))
    # only classes of modules already loaded, and only classes
    assert not _isinstance(Tiny(), "no_such_module", "BaseEstimator")
    assert not _isinstance(Tiny(), "sklearn.base", "NoSuchClass")
    assert not _isinstance(3.14, "math", "pi")
    assert _isinstance(Tiny(), "sklearn.base", "BaseEstimator")
    assert _isinstance(Outer.Inner(), HERE, "Outer", "Inner")
    assert model_class(Tiny) == model_class(Tiny()) == f"{HERE}.Tiny"
    assert model_class(Outer.Inner()) == f"{HERE}.Outer.Inner"


def test_framework_versions() -> None:
    assert framework_version("sklearn") == sklearn.__version__
    assert framework_version("xgboost") == xgb.__version__
    assert framework_version("lightgbm") == lgb.__version__
    assert framework_version("numpy") == np.__version__
    assert framework_version("pytest") == pytest.__version__  # a distribution of that name
    assert framework_version("no-such-framework") is None


# --------------------------------------------------------------------------------------------
# the recipes
# --------------------------------------------------------------------------------------------
def test_estimator_recipe() -> None:
    est = Tiny(alpha=2.0).fit([[1.0, 2.0], [3.0, 4.0]])
    cls = f"{HERE}.Tiny"
    params = {"$dict": [["alpha", 2.0]]}  # n_threads: the machine's, left out
    # the state without the parameters, _n_threads and _sklearn_version; keys sorted
    state = {
        "$dict": [
            ["__meta_", 1],
            ["_private", "p"],
            ["w_", arr(np.array([4.0, 6.0]))],
        ]
    }
    md = digest_model(est)
    assert md.digest == b3("estimator", {"class": cls, "params": params, "state": state})
    assert md.architecture_hash == b3("architecture", {"class": cls, "params": params})
    assert (md.framework, md.class_name, md.parameter_count, md.size_bytes) == (
        "sklearn",
        cls,
        2,
        16,
    )
    assert md.details == {
        "framework": "sklearn",
        "framework_version": sklearn.__version__,
        "class": cls,
        "recipe": ESTIMATOR_RECIPE,
        "fitted": True,
        "fitted_attributes": ["w_"],  # not "__meta_": a dunder-like name
        "hash_version": 1,
    }
    sha = digest_model(est, "sha256")
    assert sha.digest.startswith("sha256:") and sha.digest != md.digest
    with pytest.raises(UnknownAlgorithmError, match=r"^unknown digest algorithm 'md5'; "):
        digest_model(est, "md5")

    unfitted = digest_model(Tiny(alpha=2.0))
    assert unfitted.digest == b3(
        "estimator", {"class": cls, "params": params, "state": {"$dict": []}}
    )
    assert unfitted.architecture_hash == md.architecture_hash
    assert (unfitted.parameter_count, unfitted.size_bytes) == (None, 0)
    assert (unfitted.details["fitted"], unfitted.details["fitted_attributes"]) == (False, [])


def test_nested_estimators_and_their_parameter_counts() -> None:
    inner = Tiny().fit([[1.0, 2.0, 3.0]])
    outer = Tiny()
    outer.inner_ = inner
    outer.inners_ = [inner, inner]
    md = digest_model(outer)
    ref = {"$model": digest_model(inner).digest}
    state = {"$dict": [["inner_", ref], ["inners_", [ref, ref]]]}
    cls = f"{HERE}.Tiny"
    params = {"$dict": [["alpha", 1.0]]}
    assert md.digest == b3("estimator", {"class": cls, "params": params, "state": state})
    # the inner model's arrays count, each time it is met
    assert (md.parameter_count, md.size_bytes) == (9, 72)
    loop = Tiny()
    loop.me_ = loop
    with pytest.raises(UnsupportedTypeError) as err:
        digest_model(loop)
    assert str(err.value) == "state.me_: a model that contains itself"


def test_estimator_state_must_be_a_dict() -> None:
    class NotADict(Tiny):
        def __getstate__(self) -> Any:
            return ("x",)

    with pytest.raises(UnsupportedTypeError) as err:
        digest_model(NotADict())
    assert str(err.value) == (
        f"{HERE}.test_estimator_state_must_be_a_dict.<locals>.NotADict.__getstate__() is not a "
        "dict; it has no canonical form"
    )


def test_xgboost_booster_recipe() -> None:
    x = np.array([[1.0, 2.0], [3.0, 1.0], [0.0, 5.0], [2.0, 2.0]])
    booster = xgb.train({"max_depth": 1, "nthread": 1, "seed": 0}, xgb.DMatrix(x, [0, 1, 0, 1]), 3)
    model = json.loads(bytes(booster.save_raw(raw_format="json")))
    assert "version" in model
    del model["version"]
    payload = canonical_json(model).encode()
    md = digest_model(booster)
    assert md.digest == b3("xgboost-booster", payload)
    assert (md.framework, md.class_name, md.size_bytes) == (
        "xgboost",
        "xgboost.core.Booster",
        len(payload),
    )
    assert md.architecture_hash is None and md.parameter_count is None
    assert md.details == {
        "framework": "xgboost",
        "framework_version": xgb.__version__,
        "class": "xgboost.core.Booster",
        "recipe": "xgboost-booster: booster JSON model without version",
        "tree_count": 3,
        "hash_version": 1,
    }
    # the scikit-learn wrapper: the estimator recipe, framework xgboost
    wrapper = digest_model(xgb.XGBClassifier(n_estimators=2))
    assert (wrapper.framework, wrapper.details["recipe"]) == ("xgboost", ESTIMATOR_RECIPE)
    assert wrapper.details["framework_version"] == xgb.__version__


def test_lightgbm_booster_recipe() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2))
    data = lgb.Dataset(x, x[:, 0] * 2.0, params={"verbose": -1})
    params = {"verbose": -1, "num_leaves": 2, "min_data_in_leaf": 1, "num_threads": 1}
    booster = lgb.train(params, data, num_boost_round=3)
    text = booster.model_to_string(num_iteration=-1).encode()
    md = digest_model(booster)
    assert md.digest == b3("lightgbm-booster", text)
    assert (md.framework, md.class_name, md.size_bytes) == (
        "lightgbm",
        "lightgbm.basic.Booster",
        len(text),
    )
    assert md.details == {
        "framework": "lightgbm",
        "framework_version": lgb.__version__,
        "class": "lightgbm.basic.Booster",
        "recipe": "lightgbm-booster: model_to_string(num_iteration=-1)",
        "tree_count": 3,
        "hash_version": 1,
    }
    # every tree, not the first num_iteration ones
    assert md.digest != b3("lightgbm-booster", booster.model_to_string(num_iteration=1).encode())
    wrapper = digest_model(lgb.LGBMRegressor(n_estimators=2))
    assert (wrapper.framework, wrapper.details["recipe"]) == ("lightgbm", ESTIMATOR_RECIPE)


class ConfigDict:
    """A Hugging Face-like config with ``to_dict`` (the real one: ``..._torch.py``)."""

    def __init__(self, **values: Any) -> None:
        self.values = values

    def to_dict(self) -> dict[str, Any]:
        return dict(self.values)


class HFLike:
    def __init__(self, config: Any) -> None:
        self.config = config


def test_hf_architecture_hash_recipe() -> None:
    volatile = {
        "transformers_version": "4.0",
        "architectures": ["X"],
        "dtype": "float32",
        "torch_dtype": "float32",
        "_name_or_path": "/here",
        "_commit_hash": "abc",
    }
    kept = {"hidden_size": 8, "act": "gelu", "eps": 1e-12, "labels": {"1": "b", "0": "a"}}
    body = {
        "class": f"{HERE}.HFLike",
        "config": {
            "$dict": [
                ["act", "gelu"],
                ["eps", 1e-12],
                ["hidden_size", 8],
                ["labels", {"$dict": [["0", "a"], ["1", "b"]]}],
            ]
        },
    }
    expected = b3("architecture", body)
    assert hf_architecture_hash(HFLike(ConfigDict(**kept, **volatile))) == expected
    assert hf_architecture_hash(HFLike({**kept, **volatile})) == expected  # a plain mapping
    assert hf_architecture_hash(HFLike({**kept, "hidden_size": 9})) != expected
    sha = hf_architecture_hash(HFLike(kept), "sha256")
    assert sha.startswith("sha256:")
    with pytest.raises(UnsupportedTypeError) as err:
        hf_architecture_hash(HFLike({"hidden_size": 8, "lock": threading.Lock()}))
    assert str(err.value) == (
        "config.lock: a _thread.lock has no canonical form (no __getstate__ or __reduce__ "
        "state to hash)"
    )
