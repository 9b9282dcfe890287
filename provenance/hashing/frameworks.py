"""Canonical digests of fitted models from the ML frameworks people use.

A model logged directly (``tracker.log_model(clf, name=...)``, ``run.output(clf, ...)``,
:func:`~provenance.hashing.digest_object`) is identified by **what it is** — its class, its
hyperparameters and its fitted state — never by a pickle's bytes, so the same model fitted
twice with the same seed has one id in every process, and a model saved and re-loaded keeps
it. No framework is imported unless the object came from it (a module already loaded);
:func:`model_framework` tells which framework an object belongs to.

Recipes (every digest is domain-separated and versioned, ``provenance:<domain>:v1``):

``sklearn`` — any scikit-learn estimator, pipeline or meta-estimator, fitted or not
(domain ``estimator``). The canonical JSON of::

    {"class": "<module>.<qualname>",
     "params": get_params(deep=False),      # canonicalised, see below
     "state": the fitted state}             # canonicalised, see below

* the fitted state is the estimator's ``__getstate__()`` (exactly what pickle and skops
  persist) minus the constructor parameters (already under ``params``). That covers the
  public fitted attributes (``coef_``, ``classes_``, ``tree_``...) *and* the private ones
  some estimators keep their model in (``HistGradientBoosting*._predictors``,
  ``SVC._dual_coef_``), so two fits that predict differently never share an id;
* left out of both (:data:`VOLATILE_STATE`), because they describe the library or the
  machine rather than the model: ``_sklearn_version``, ``_n_threads`` and ``n_threads``
  (OpenMP's thread count);
* values are canonicalised recursively (:class:`_Canon`), each kind tagged so no two kinds
  collide: ``None``, bools, ints, strings and finite floats as JSON (``1`` and ``1.0`` are one
  value, as for hyperparameters); NaN and infinities as ``{"$float": repr}``; numpy arrays
  and scalars as ``{"$array": digest_array(...)}`` (dtype, shape, bit-exact content); record
  arrays field by field; object arrays element by element with their shape; scipy sparse
  matrices as sorted, deduplicated CSR arrays; pandas frames by their canonical table digest;
  lists and tuples as lists; dicts as ``{"$dict": [[key, value], ...]}`` sorted by the
  canonical JSON of the key; sets sorted; nested estimators (pipeline steps, a forest's
  ``estimators_``, a booster inside a wrapper) as ``{"$model": <their own digest>}``; numpy
  RNGs by their state; functions and classes by qualified name (a function's code is not
  hashed: two lambdas are equal; the code is the run's code version's business); any other
  object (a tree's Cython ``Tree``, a loss, an optimizer) as its class and its
  ``__getstate__()``, else the arguments and state of its class's ``__reduce__``. An object
  with none of these raises :class:`~provenance.errors.UnsupportedTypeError` naming where it
  sits (``state._predictors[0]...``).

The scikit-learn API wrappers of XGBoost and LightGBM (``XGBClassifier``, ``LGBMRegressor``)
follow this recipe too, their booster canonicalised as below; their framework is recorded as
``xgboost`` / ``lightgbm``. An estimator's architecture hash (domain ``architecture``) covers
``class`` and ``params`` only; its parameter count is the number of elements of the numeric
arrays in its state.

``xgboost`` — a ``Booster`` (domain ``xgboost-booster``): the booster's own JSON model
(``save_raw("json")``), parsed, without its ``version`` field, as canonical JSON. The JSON
model holds the trees, the learner parameters, objective and feature names and types.

``lightgbm`` — a ``Booster`` (domain ``lightgbm-booster``): the booster's own model text
(``model_to_string(num_iteration=-1)``: every tree, the feature infos, the training
parameters), bytes as written.

``torch`` — an ``nn.Module``: :func:`~provenance.hashing.weights.digest_state_dict` of its
``state_dict()`` (tensors by sorted name: dtype, shape, bytes) with the module's
:func:`~provenance.hashing.weights.architecture_hash` (class, ``repr``, tensor names, shapes
and dtypes) inside (domain ``model``; unchanged from earlier versions).

``transformers`` — a Hugging Face ``PreTrainedModel`` (PyTorch): as torch, with an
architecture hash (domain ``architecture``) of ``{"class", "config"}``: the class and the
model's ``config.to_dict()`` without the keys that describe where and by what it was saved
(``transformers_version``, ``_name_or_path``, ``_commit_hash`` and every other ``_``-key), nor
those ``save_pretrained`` fills into the live model's config (``architectures``, the class
names, and ``dtype``/``torch_dtype``, the tensors' dtype: both already in the digest), so a
model digests the same before and after it is saved, and as re-loaded.

``keras`` — a Keras ``Model`` (domain ``keras-model``): ``{"class", "config":
get_config(), "weights": [[name, digest_array(value)], ...]}`` in the model's weight order,
``name`` the variable's own (``kernel``; the layers are in the config). Checked before torch:
on Keras's torch backend a ``Model`` is also an ``nn.Module``.

Example:
    >>> model_framework({"w": 1}) is None
    True
    >>> sorted(EXTRAS)
    ['keras', 'lightgbm', 'sklearn', 'torch', 'transformers', 'xgboost']
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import math
import sys
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from provenance.errors import UnsupportedTypeError
from provenance.hashing.arrays import digest_array, is_array
from provenance.hashing.core import (
    DEFAULT_ALGORITHM,
    HASH_VERSION,
    canonical_json,
    check_algorithm,
    digest_bytes,
    digest_json,
    domain_prefix,
)
from provenance.hashing.weights import (
    architecture_hash,
    digest_state_dict,
    is_module,
    state_dict_signature,
)
from provenance.wording import with_article

__all__ = [
    "EXTRAS",
    "ModelDigest",
    "digest_model",
    "framework_version",
    "model_class",
    "model_framework",
]

#: The ``pip install 'provenance[EXTRA]'`` extra that brings each framework's support.
EXTRAS: dict[str, str] = {
    "sklearn": "sklearn",
    "xgboost": "xgboost",
    "lightgbm": "lightgbm",
    "torch": "torch",
    "transformers": "hf",
    "keras": "keras",
}
#: The distribution whose version is recorded for each framework.
_DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "sklearn": ("scikit-learn",),
    "xgboost": ("xgboost", "xgboost-cpu"),
    "lightgbm": ("lightgbm",),
    "torch": ("torch",),
    "transformers": ("transformers",),
    "keras": ("keras", "tensorflow"),
    "numpy": ("numpy",),
}
#: Attributes of a scikit-learn estimator's state left out of its digest: they describe the
#: library or the machine the fit ran on (OpenMP's thread count), not the model.
VOLATILE_STATE = frozenset({"_sklearn_version", "_n_threads", "n_threads"})
#: Keys of a Hugging Face config left out of the architecture hash: where and by what it was
#: saved, and what ``save_pretrained`` sets on the live model (the class and tensor dtypes,
#: which the digest covers through the class name and the state dict).
_HF_VOLATILE = frozenset({"transformers_version", "architectures", "dtype", "torch_dtype"})
_MAX_DEPTH = 200


@dataclass(frozen=True)
class ModelDigest:
    """A framework model's canonical digest and what it is.

    ``details`` is JSON-safe and lands in the artifact's ``metadata["content"]``.
    """

    digest: str
    framework: str
    class_name: str
    architecture_hash: str | None = None
    parameter_count: int | None = None
    size_bytes: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


# --- detection ------------------------------------------------------------------------------
def _loaded(module: str) -> Any:
    return sys.modules.get(module)


def _isinstance(obj: object, module: str, *path: str) -> bool:
    """``isinstance(obj, module.path...)`` when ``module`` is already imported, else False."""
    mod = _loaded(module)
    if mod is None:
        return False
    target: Any = mod
    for part in path:
        target = getattr(target, part, None)
        if target is None:
            return False
    return isinstance(target, type) and isinstance(obj, target)


def _from_module(obj: object, root: str) -> bool:
    return any(
        (getattr(c, "__module__", "") or "").split(".")[0] == root for c in type(obj).__mro__
    )


def is_estimator(obj: object) -> bool:
    """True for a scikit-learn estimator (or any ``BaseEstimator`` subclass).

    Example:
        >>> is_estimator(object())
        False
    """
    return _isinstance(obj, "sklearn.base", "BaseEstimator")


def is_xgboost_booster(obj: object) -> bool:
    """True for an ``xgboost.Booster``.

    Example:
        >>> is_xgboost_booster(object())
        False
    """
    return _isinstance(obj, "xgboost", "Booster")


def is_lightgbm_booster(obj: object) -> bool:
    """True for a ``lightgbm.Booster``.

    Example:
        >>> is_lightgbm_booster(object())
        False
    """
    return _isinstance(obj, "lightgbm", "Booster")


def is_hf_model(obj: object) -> bool:
    """True for a Hugging Face ``transformers`` PyTorch model (``PreTrainedModel``).

    Example:
        >>> is_hf_model(object())
        False
    """
    return is_module(obj) and _isinstance(obj, "transformers", "PreTrainedModel")


def is_keras_model(obj: object) -> bool:
    """True for a Keras ``Model`` (Keras 3, or ``tf.keras``).

    Example:
        >>> is_keras_model(object())
        False
    """
    if _from_module(obj, "keras") and _isinstance(obj, "keras", "Model"):
        return True
    return _from_module(obj, "tf_keras") and _isinstance(obj, "tf_keras", "Model")


def model_framework(obj: object) -> str | None:
    """The framework a model object belongs to: ``sklearn``, ``xgboost``, ``lightgbm``,
    ``transformers``, ``torch`` or ``keras``; None for anything else.

    An XGBoost or LightGBM scikit-learn wrapper (``XGBClassifier``) is ``xgboost`` /
    ``lightgbm``. Nothing is imported: a framework not loaded cannot have made ``obj``.

    Example:
        >>> import numpy as np
        >>> model_framework(np.zeros(2)) is None
        True
    """
    if is_xgboost_booster(obj):
        return "xgboost"
    if is_lightgbm_booster(obj):
        return "lightgbm"
    if is_estimator(obj):
        for root in ("xgboost", "lightgbm"):
            if _from_module(obj, root):
                return root
        return "sklearn"
    if is_keras_model(obj):  # before torch: on Keras's torch backend a Model is an nn.Module
        return "keras"
    if is_hf_model(obj):
        return "transformers"
    if is_module(obj):
        return "torch"
    return None


@functools.cache
def framework_version(framework: str) -> str | None:
    """The installed version of a framework's distribution (None when not installed); read
    once per process.

    Example:
        >>> framework_version("numpy") is not None
        True
        >>> framework_version("no-such-framework") is None
        True
    """
    for dist in _DISTRIBUTIONS.get(framework, (framework,)):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def model_class(obj: object) -> str:
    """``module.qualname`` of an object's class, the way digests and metadata record it.

    Example:
        >>> model_class(1.5)
        'builtins.float'
    """
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


# --- canonical values -----------------------------------------------------------------------
class _Canon:
    """Reduces a model's parameters and state to canonical JSON values (see module docs)."""

    def __init__(self, algo: str) -> None:
        self.algo = algo
        self.active: set[int] = set()
        #: Elements and bytes of the numeric arrays seen (an estimator's parameter count).
        self.parameter_count = 0
        self.nbytes = 0

    def __call__(self, value: Any, where: str, depth: int = 0) -> Any:
        if depth > _MAX_DEPTH:
            raise UnsupportedTypeError(f"{where}: nested more than {_MAX_DEPTH} levels deep")
        if value is None or isinstance(value, bool | str | int):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"$float": repr(value)}
        if isinstance(value, bytes | bytearray):
            return {"$bytes": digest_bytes(bytes(value), self.algo)}
        if isinstance(value, np.dtype):
            return {"$dtype": value.str, "fields": self(value.descr, where, depth + 1)}
        if is_array(value):
            return self._array(value, where)
        if _isinstance(value, "scipy.sparse", "spmatrix") or _isinstance(
            value, "scipy.sparse", "sparray"
        ):
            return self._sparse(value, where)
        if isinstance(value, np.random.RandomState):
            return {"$rng": "RandomState", "state": self(value.get_state(legacy=False), where)}
        if isinstance(value, np.random.Generator):
            return {"$rng": "Generator", "state": self(value.bit_generator.state, where)}
        if isinstance(value, type | types.FunctionType | types.BuiltinFunctionType):
            return {"$callable": model_class(value) if isinstance(value, type) else _qual(value)}
        if isinstance(value, np.ufunc):
            return {"$callable": f"numpy.{value.__name__}"}
        if isinstance(value, types.MethodType):
            return {"$method": _qual(value.__func__), "self": self(value.__self__, where, depth)}
        if model_framework(value) is not None:
            key = id(value)
            if key in self.active:
                raise UnsupportedTypeError(f"{where}: a model that contains itself")
            self.active.add(key)
            try:
                return {"$model": _digest(value, self.algo, self).digest}
            finally:
                self.active.discard(key)
        if isinstance(value, Mapping):
            return self._mapping(value, where, depth)
        if isinstance(value, list | tuple):
            return [self(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
        if isinstance(value, set | frozenset):
            items = [self(v, f"{where}{{}}", depth + 1) for v in value]
            return {"$set": sorted(items, key=canonical_json)}
        if _from_module(value, "pandas") and hasattr(value, "to_numpy"):
            return self._pandas(value, where)
        return self._object(value, where, depth)

    def _pandas(self, value: Any, where: str) -> Any:
        """A DataFrame or Series by its canonical table digest; an Index by its values."""
        from provenance.hashing.columns import frame_source
        from provenance.hashing.frames import frame_digest

        if frame_source(value) is not None:
            return {"$frame": frame_digest(value, self.algo).digest}
        return {"$index": model_class(value), "values": self(value.to_numpy(), where)}

    def _array(self, value: Any, where: str) -> Any:
        a: Any = value if not isinstance(value, np.generic) else np.asarray(value)
        if isinstance(a, np.ndarray) and a.dtype.fields is not None:
            fields = [
                [n, self._array(np.ascontiguousarray(a[n]), f"{where}.{n}")]
                for n in a.dtype.names or ()
            ]
            return {"$record": list(a.shape), "fields": fields}
        if isinstance(a, np.ndarray) and a.dtype.hasobject:
            items = [self(v, f"{where}[{i}]") for i, v in enumerate(a.ravel(order="C"))]
            return {"$objects": list(a.shape), "items": items}
        if isinstance(a, np.ndarray) and a.dtype.kind in "biufc":
            self.parameter_count += int(a.size)
            self.nbytes += int(a.nbytes)
        return {"$array": digest_array(value, self.algo)}

    def _sparse(self, value: Any, where: str) -> Any:
        csr = value.tocsr(copy=True)
        csr.sum_duplicates()
        csr.sort_indices()
        return {
            "$sparse": list(csr.shape),
            "data": self._array(csr.data, f"{where}.data"),
            "indices": digest_array(csr.indices.astype(np.int64), self.algo),
            "indptr": digest_array(csr.indptr.astype(np.int64), self.algo),
        }

    def _mapping(self, value: Mapping[Any, Any], where: str, depth: int) -> Any:
        pairs = [(self(k, f"{where} key", depth + 1), v) for k, v in value.items()]
        pairs.sort(key=lambda kv: canonical_json(kv[0]))
        if all(isinstance(k, str) for k, _ in pairs):
            return {"$dict": [[k, self(v, f"{where}.{k}", depth + 1)] for k, v in pairs]}
        return {
            "$dict": [[k, self(v, f"{where}[{canonical_json(k)}]", depth + 1)] for k, v in pairs]
        }

    def _object(self, value: Any, where: str, depth: int) -> Any:
        state = _state(value)
        if state is None:
            raise UnsupportedTypeError(
                f"{where}: {with_article(model_class(value))} has no canonical form (no "
                "__getstate__ or __reduce__ state to hash)"
            )
        key = id(value)
        if key in self.active:
            raise UnsupportedTypeError(
                f"{where}: {with_article(model_class(value))} that contains itself"
            )
        self.active.add(key)
        try:
            return {"$object": model_class(value), "state": self(state, where, depth + 1)}
        finally:
            self.active.discard(key)


def _state(value: Any) -> Any:
    """What pickle would keep of an object: ``__getstate__()``, else the arguments and state
    of a class-specific ``__reduce__`` (Cython classes); None when neither says anything.
    An instance with an empty ``__dict__`` has the state ``{}``."""
    try:
        state = value.__getstate__()
    except TypeError:  # a C type that refuses to be pickled this way
        state = None
    if state is not None:
        return state
    if isinstance(getattr(value, "__dict__", None), dict):
        return {}
    reduce_impl: Any = type(value).__reduce__
    if reduce_impl is not object.__reduce__:
        try:
            reduced = value.__reduce__()
        except TypeError:
            return None
        if isinstance(reduced, tuple) and len(reduced) >= 2:
            return {"args": reduced[1], "state": reduced[2] if len(reduced) > 2 else None}
    return None


def _qual(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', None) or '?'}.{getattr(fn, '__qualname__', repr(fn))}"


# --- per framework --------------------------------------------------------------------------
def _estimator(obj: Any, framework: str, algo: str, canon: _Canon) -> ModelDigest:
    params = {k: v for k, v in obj.get_params(deep=False).items() if k not in VOLATILE_STATE}
    raw_state = obj.__getstate__()
    if not isinstance(raw_state, Mapping):
        raise UnsupportedTypeError(
            f"{model_class(obj)}.__getstate__() is not a dict; it has no canonical form"
        )
    state = {k: v for k, v in raw_state.items() if k not in params and k not in VOLATILE_STATE}
    count, nbytes = canon.parameter_count, canon.nbytes
    body = {
        "class": model_class(obj),
        "params": canon(params, "params"),
        "state": canon(state, "state"),
    }
    arch = digest_json(
        {"class": body["class"], "params": body["params"]}, algo, domain="architecture"
    )
    fitted = sorted(k for k in state if k.endswith("_") and not k.startswith("__"))
    return ModelDigest(
        digest=digest_json(body, algo, domain="estimator"),
        framework=framework,
        class_name=body["class"],
        architecture_hash=arch,
        parameter_count=(canon.parameter_count - count) or None,
        size_bytes=canon.nbytes - nbytes,
        details={"fitted": bool(fitted), "fitted_attributes": fitted},
    )


def _xgboost(obj: Any, algo: str) -> ModelDigest:
    model = json.loads(bytes(obj.save_raw(raw_format="json")))
    model.pop("version", None)
    payload = canonical_json(model).encode()
    trees = model.get("learner", {}).get("gradient_booster", {}).get("model", {}).get("trees")
    return ModelDigest(
        digest=digest_bytes(domain_prefix("xgboost-booster") + payload, algo),
        framework="xgboost",
        class_name=model_class(obj),
        size_bytes=len(payload),
        details={"tree_count": len(trees) if isinstance(trees, list) else None},
    )


def _lightgbm(obj: Any, algo: str) -> ModelDigest:
    text = obj.model_to_string(num_iteration=-1).encode()
    return ModelDigest(
        digest=digest_bytes(domain_prefix("lightgbm-booster") + text, algo),
        framework="lightgbm",
        class_name=model_class(obj),
        size_bytes=len(text),
        details={"tree_count": int(obj.num_trees())},
    )


def hf_architecture_hash(model: Any, algo: str = DEFAULT_ALGORITHM) -> str:
    """The architecture hash of a Hugging Face model: its class and its config dict (without
    ``transformers_version`` and ``_``-keys), see the module docs.

    Example:
        >>> class Config:
        ...     def to_dict(self):
        ...         return {"hidden_size": 8, "_name_or_path": "/x", "transformers_version": "4"}
        >>> class Tiny:
        ...     config = Config()
        >>> a = hf_architecture_hash(Tiny())
        >>> Tiny.config.to_dict = lambda: {"hidden_size": 8, "_name_or_path": "elsewhere"}
        >>> a == hf_architecture_hash(Tiny())
        True
    """
    config = model.config.to_dict() if hasattr(model.config, "to_dict") else dict(model.config)
    kept = {k: v for k, v in config.items() if not k.startswith("_") and k not in _HF_VOLATILE}
    body = {"class": model_class(model), "config": _Canon(algo)(kept, "config")}
    return digest_json(body, algo, domain="architecture")


def _torch(obj: Any, framework: str, algo: str) -> ModelDigest:
    arch = (
        hf_architecture_hash(obj, algo)
        if framework == "transformers"
        else architecture_hash(obj, algo)
    )
    sd = obj.state_dict()
    sigs = state_dict_signature(sd)
    return ModelDigest(
        digest=digest_state_dict(sd, arch, algo),
        framework=framework,
        class_name=model_class(obj),
        architecture_hash=arch,
        parameter_count=sum(s.size for s in sigs.values()),
        size_bytes=sum(s.nbytes for s in sigs.values()),
        details={"tensor_count": len(sigs), "architecture_in_digest": True},
    )


def _keras(obj: Any, algo: str, canon: _Canon) -> ModelDigest:
    weights = []
    count = 0
    nbytes = 0
    for i, w in enumerate(obj.weights):
        value = np.asarray(w.numpy() if hasattr(w, "numpy") else w)
        count += int(value.size)
        nbytes += int(value.nbytes)
        name = str(getattr(w, "path", None) or getattr(w, "name", None) or i)
        # the variable's own name ("kernel"): a path's prefix depends on how the model was
        # built or loaded ("sequential/dense/kernel" is "dense/kernel" once re-loaded), and
        # the layers (their names too) are in the config
        weights.append([name.rsplit("/", 1)[-1].split(":", 1)[0], digest_array(value, algo)])
    body = {
        "class": model_class(obj),
        "config": canon(obj.get_config(), "config"),
        "weights": weights,
    }
    return ModelDigest(
        digest=digest_json(body, algo, domain="keras-model"),
        framework="keras",
        class_name=body["class"],
        architecture_hash=digest_json(
            {"class": body["class"], "config": body["config"]}, algo, domain="architecture"
        ),
        parameter_count=count,
        size_bytes=nbytes,
        details={"weight_count": len(weights)},
    )


def _digest(obj: Any, algo: str, canon: _Canon) -> ModelDigest:
    framework = model_framework(obj)
    if framework is None:
        raise UnsupportedTypeError(
            f"{with_article(model_class(obj))} is not a model of a known framework"
        )
    if framework in ("xgboost", "lightgbm") and not is_estimator(obj):
        return _xgboost(obj, algo) if framework == "xgboost" else _lightgbm(obj, algo)
    if framework in ("sklearn", "xgboost", "lightgbm"):
        return _estimator(obj, framework, algo, canon)
    if framework in ("torch", "transformers"):
        return _torch(obj, framework, algo)
    return _keras(obj, algo, canon)


def digest_model(obj: Any, algo: str = DEFAULT_ALGORITHM) -> ModelDigest:
    """The canonical digest of a framework model (recipes in the module docs), with its
    framework, the framework's installed version and its class in ``details``.

    Raises :class:`~provenance.errors.UnsupportedTypeError` for an object of no known
    framework, or a model holding a value with no canonical form.

    Example:
        >>> digest_model(object())  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        provenance.errors.UnsupportedTypeError: a builtins.object is not a model of a known ...
    """
    algo = check_algorithm(algo)
    md = _digest(obj, algo, _Canon(algo))
    details = {
        "framework": md.framework,
        "framework_version": framework_version(md.framework),
        "class": md.class_name,
        "recipe": _RECIPES["sklearn" if is_estimator(obj) else md.framework],
        **md.details,
        "hash_version": HASH_VERSION,
    }
    return ModelDigest(
        digest=md.digest,
        framework=md.framework,
        class_name=md.class_name,
        architecture_hash=md.architecture_hash,
        parameter_count=md.parameter_count,
        size_bytes=md.size_bytes,
        details=details,
    )


_RECIPES = {
    "sklearn": "estimator: class + get_params(deep=False) + __getstate__() fitted state",
    "xgboost": "xgboost-booster: booster JSON model without version",
    "lightgbm": "lightgbm-booster: model_to_string(num_iteration=-1)",
    "torch": "model: state dict + architecture_hash(class, repr, tensor signatures)",
    "transformers": "model: state dict + architecture_hash(class, config)",
    "keras": "keras-model: class + get_config() + weights",
}
