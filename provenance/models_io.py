"""Saving models in their framework's own format, and loading them back.

``tracker.log_model(obj, name=..., save=True)`` writes the model with :func:`save_model`,
checks that the file loads back as the same model (same canonical digest, see
:mod:`provenance.hashing.frameworks`), and records where it went (the Model's ``uri``) and
how (``metadata["saved"]``, :meth:`SavedModel.metadata`). ``verify``, ``replay`` and
:func:`~provenance.analysis.artifacts.load_artifact` find the weights there
(:func:`load_saved`, :func:`saved_digest`).

=================================================  ================  ==========================
model                                              format            file
=================================================  ================  ==========================
scikit-learn estimator or pipeline, and the        ``skops``         ``<name>.skops``
scikit-learn wrappers of XGBoost and LightGBM
``xgboost.Booster``                                ``xgboost-json``  ``<name>.json``
                                                   (``xgboost-ubj``) (``<name>.ubj``)
``lightgbm.Booster``                               ``lightgbm-text`` ``<name>.txt``
torch ``nn.Module``, a state dict of tensors or    ``safetensors``   ``<name>.safetensors``
of numpy arrays
Hugging Face ``transformers`` model                ``hf``            directory
                                                                     (``save_pretrained``)
Keras ``Model``                                    ``keras``         ``<name>.keras``
=================================================  ================  ==========================

No pickle anywhere. skops loads only the types a file declares *and* the caller trusts:
:func:`save_model` records the types the file needs (:attr:`SavedModel.trusted_types`) and
:func:`load_model` trusts exactly those, so a file altered to load other types is refused
with :class:`~provenance.errors.ModelFormatError`. A safetensors file keeps only tensors:
loading one gives a state dict (``{name: array}``, or torch tensors with torch installed),
or fills a module passed as ``into=``. Each framework is imported only when needed; a
missing one raises :class:`~provenance.errors.MissingExtraError` naming the extra to
install (``pip install 'provenance[sklearn]'``).

Example:
    >>> import tempfile, pathlib, numpy as np
    >>> weights = {"w": np.arange(6.0).reshape(2, 3)}
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> try:
    ...     saved = save_model(weights, d / "weights")
    ... except MissingExtraError:  # safetensors not installed
    ...     print("safetensors w.safetensors")
    ... else:
    ...     back = load_model(saved.path, saved.format)
    ...     print(saved.format, saved.path.name[-13:], np.array_equal(back["w"], weights["w"]))
    safetensors s.safetensors True
"""

from __future__ import annotations

import importlib
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from provenance.errors import MissingExtraError, ModelFormatError, UnsupportedTypeError
from provenance.hashing.arrays import is_tensor
from provenance.hashing.core import DEFAULT_ALGORITHM
from provenance.hashing.frameworks import EXTRAS, is_estimator, model_class, model_framework
from provenance.hashing.weights import is_state_dict
from provenance.wording import with_article

__all__ = [
    "FORMATS",
    "SaveFormat",
    "SavedModel",
    "default_format",
    "load_model",
    "load_saved",
    "save_model",
    "saved_digest",
]

SaveFormat = Literal[
    "skops", "xgboost-json", "xgboost-ubj", "lightgbm-text", "safetensors", "hf", "keras"
]
#: The file suffix of each format ("" : a directory).
FORMATS: dict[str, str] = {
    "skops": ".skops",
    "xgboost-json": ".json",
    "xgboost-ubj": ".ubj",
    "lightgbm-text": ".txt",
    "safetensors": ".safetensors",
    "hf": "",
    "keras": ".keras",
}
_FORMAT_FRAMEWORKS: dict[str, frozenset[str]] = {
    "skops": frozenset({"sklearn", "xgboost", "lightgbm"}),
    "xgboost-json": frozenset({"xgboost"}),
    "xgboost-ubj": frozenset({"xgboost"}),
    "lightgbm-text": frozenset({"lightgbm"}),
    "safetensors": frozenset({"torch", "numpy"}),
    "hf": frozenset({"transformers"}),
    "keras": frozenset({"keras"}),
}
#: Keys of a safetensors file's metadata this module writes.
_META_PREFIX = "provenance."


@dataclass(frozen=True)
class SavedModel:
    """Where and how a model was saved."""

    path: Path
    format: SaveFormat
    #: skops: the types the file needs and :func:`load_model` will trust (nothing else).
    trusted_types: tuple[str, ...] = ()
    #: ``numpy`` or ``torch`` for a safetensors state dict; the framework otherwise.
    framework: str | None = None
    class_name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        """The JSON record kept in the Model's ``metadata["saved"]``.

        Example:
            >>> SavedModel(Path("/m.skops"), "skops").metadata()["format"]
            'skops'
        """
        return {
            "format": self.format,
            "trusted_types": list(self.trusted_types),
            "framework": self.framework,
            "class": self.class_name,
            **self.extra,
        }


def _require(module: str, package: str, extra: str, purpose: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(package, extra, purpose) from exc


def default_format(obj: Any) -> SaveFormat:
    """The format :func:`save_model` writes ``obj`` in (table in the module docs).

    Example:
        >>> import numpy as np
        >>> default_format({"w": np.zeros(2)})
        'safetensors'
        >>> default_format(object())
        Traceback (most recent call last):
        ...
        provenance.errors.UnsupportedTypeError: cannot save a builtins.object as a model: ...
    """
    framework = model_framework(obj)
    if framework is None and is_state_dict(obj):
        return "safetensors"
    if framework in ("sklearn",) or (framework in ("xgboost", "lightgbm") and is_estimator(obj)):
        return "skops"
    if framework == "xgboost":
        return "xgboost-json"
    if framework == "lightgbm":
        return "lightgbm-text"
    if framework == "torch":
        return "safetensors"
    if framework == "transformers":
        return "hf"
    if framework == "keras":
        return "keras"
    raise UnsupportedTypeError(
        f"cannot save {with_article(model_class(obj))} as a model: save_model takes a scikit-learn "
        "estimator or pipeline, an XGBoost or LightGBM booster (or their scikit-learn "
        "wrappers), a torch nn.Module or state dict, a Hugging Face transformers model, a "
        "Keras model, or a dict of numpy arrays"
    )


def _target(path: str | os.PathLike[str], fmt: SaveFormat) -> Path:
    """The file (or directory) to write: ``path`` with the format's suffix when it has none."""
    p = Path(path)
    suffix = FORMATS[fmt]
    if suffix and p.suffix != suffix:
        p = p.with_name(p.name + suffix)
    return p


def _replace(tmp: Path, target: Path) -> None:
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    os.replace(tmp, target)


def save_model(
    obj: Any,
    path: str | os.PathLike[str],
    *,
    format: SaveFormat | str | None = None,
    architecture_hash: str | None = None,
) -> SavedModel:
    """Write ``obj`` to ``path`` in ``format`` (default: :func:`default_format`) and say how.

    The format's suffix is added to ``path`` when it lacks it; parent directories are made;
    the file appears whole or not at all (written beside it, then renamed). For a state dict
    or torch module, ``architecture_hash`` is kept in the safetensors metadata.

    Example:
        >>> import tempfile, pathlib, numpy as np
        >>> try:
        ...     s = save_model({"w": np.ones(2)}, pathlib.Path(tempfile.mkdtemp()) / "m")
        ...     print(s.format, s.framework)
        ... except MissingExtraError:
        ...     print("safetensors numpy")
        safetensors numpy
    """
    if format is not None and format not in FORMATS:
        raise ModelFormatError(f"unknown model format {format!r}; one of {', '.join(FORMATS)}")
    fmt = cast(SaveFormat, format) if format is not None else default_format(obj)
    framework = model_framework(obj) or ("numpy" if is_state_dict(obj) else None)
    if framework == "numpy" and any(is_tensor(v) for v in obj.values()):
        framework = "torch"
    if framework not in _FORMAT_FRAMEWORKS[fmt]:
        raise ModelFormatError(
            f"{with_article(model_class(obj))} ({framework or 'no known framework'}) cannot be "
            f"saved as {fmt}; its format is {default_format(obj)}"
        )
    target = _target(path, fmt)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        out = tmp / ("model" + FORMATS[fmt]) if FORMATS[fmt] else tmp / "model"
        saved = _write(obj, out, fmt, framework, architecture_hash)
        _replace(out, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return SavedModel(
        path=target,
        format=fmt,
        trusted_types=saved.get("trusted_types", ()),
        framework=framework,
        class_name=model_class(obj) if framework not in ("numpy",) else None,
        extra={k: v for k, v in saved.items() if k != "trusted_types"},
    )


def _write(
    obj: Any, out: Path, fmt: SaveFormat, framework: str | None, arch: str | None
) -> dict[str, Any]:
    """Write ``obj`` to ``out``; what to record beyond the format (trusted types...)."""
    if fmt == "skops":
        sio = _require("skops.io", "skops", "sklearn", "save a scikit-learn model")
        sio.dump(obj, out)
        return {"trusted_types": tuple(sorted(sio.get_untrusted_types(file=out)))}
    if fmt in ("xgboost-json", "xgboost-ubj", "lightgbm-text"):
        if fmt == "lightgbm-text":
            obj.save_model(str(out), num_iteration=-1)
        else:
            obj.save_model(str(out))
        return {}
    if fmt == "safetensors":
        return _write_safetensors(obj, out, framework, arch)
    if fmt == "hf":
        obj.save_pretrained(str(out), safe_serialization=True)
        return {}
    obj.save(str(out))  # keras
    return {}


def _write_safetensors(
    obj: Any, out: Path, framework: str | None, arch: str | None
) -> dict[str, Any]:
    meta = {
        f"{_META_PREFIX}architecture_hash": arch or "",
        f"{_META_PREFIX}tensors": framework or "",
    }
    sd: Mapping[str, Any] = (
        obj.state_dict() if framework in ("torch",) and not isinstance(obj, Mapping) else obj
    )
    if framework == "torch":
        st = _require("safetensors.torch", "safetensors", "torch", "save torch weights")
        seen: set[int] = set()
        tensors: dict[str, Any] = {}
        for name, t in sd.items():
            t = t.detach().cpu().contiguous()
            ptr = t.data_ptr()
            # safetensors refuses tensors sharing memory (tied weights): keep a copy of each.
            tensors[name] = t.clone() if ptr in seen and t.numel() else t
            seen.add(ptr)
        st.save_file(tensors, str(out), metadata=meta)
    else:
        import numpy as np

        sn = _require("safetensors.numpy", "safetensors", "torch", "save a state dict")
        try:
            sn.save_file(
                {k: np.ascontiguousarray(v) for k, v in sd.items()}, str(out), metadata=meta
            )
        except (ValueError, TypeError, KeyError) as exc:
            raise ModelFormatError(f"safetensors cannot hold these arrays: {exc}") from exc
    return {"architecture_hash": arch}


def _hf_class(name: str | None) -> Any:
    if not name or not name.startswith("transformers."):
        raise ModelFormatError(
            f"a Hugging Face model is re-loaded through its transformers class; got {name!r}"
        )
    _require("transformers", "transformers", EXTRAS["transformers"], "load a transformers model")
    module, _, qual = name.rpartition(".")
    try:
        return getattr(importlib.import_module(module), qual)
    except (ImportError, AttributeError):
        transformers = importlib.import_module("transformers")
        cls = getattr(transformers, qual, None)
        if cls is None:
            raise ModelFormatError(f"transformers has no class {qual!r}") from None
        return cls


def load_model(
    path: str | os.PathLike[str],
    format: SaveFormat | str,
    *,
    trusted_types: Sequence[str] = (),
    class_name: str | None = None,
    tensors: str | None = None,
    into: Any = None,
) -> Any:
    """Load a model :func:`save_model` wrote.

    ``trusted_types``: for skops, the types to trust (what :attr:`SavedModel.trusted_types`
    recorded); a file that needs any other raises :class:`ModelFormatError`. ``class_name``:
    the transformers class of an ``hf`` directory. For safetensors: ``tensors="torch"``
    loads torch tensors (else numpy arrays), and ``into=module`` loads the state dict into
    that torch module and returns it.

    Example:
        >>> load_model("/nonexistent.skops", "skops")
        Traceback (most recent call last):
        ...
        provenance.errors.ModelFormatError: no saved model at /nonexistent.skops
    """
    p = Path(path)
    if not p.exists():
        raise ModelFormatError(f"no saved model at {p}")
    if format == "skops":
        sio = _require("skops.io", "skops", "sklearn", "load a scikit-learn model")
        needed = set(sio.get_untrusted_types(file=p))
        extra = sorted(needed - set(trusted_types))
        if extra:
            raise ModelFormatError(
                f"{p} asks to load types that were not in it when it was saved: "
                f"{', '.join(extra)}; refusing to load it"
            )
        return sio.load(p, trusted=sorted(needed))
    if format in ("xgboost-json", "xgboost-ubj"):
        xgb = _require("xgboost", "xgboost", "xgboost", "load an XGBoost model")
        booster = xgb.Booster()
        booster.load_model(str(p))
        return booster
    if format == "lightgbm-text":
        lgb = _require("lightgbm", "lightgbm", "lightgbm", "load a LightGBM model")
        return lgb.Booster(model_file=str(p))
    if format == "safetensors":
        return _load_safetensors(p, tensors, into)
    if format == "hf":
        return _hf_class(class_name).from_pretrained(str(p))
    if format == "keras":
        keras = _require("keras", "keras", "keras", "load a Keras model")
        return keras.saving.load_model(str(p))
    raise ModelFormatError(f"unknown model format {format!r}; one of {', '.join(FORMATS)}")


def _load_safetensors(p: Path, tensors: str | None, into: Any) -> Any:
    if tensors == "torch" or into is not None:
        st = _require("safetensors.torch", "safetensors", "torch", "load torch weights")
        _require("torch", "torch", "torch", "load torch weights")
        sd = st.load_file(str(p))
        if into is None:
            return sd
        into.load_state_dict(sd)
        return into
    sn = _require("safetensors.numpy", "safetensors", "torch", "load a state dict")
    try:
        return sn.load_file(str(p))
    except (TypeError, ValueError) as exc:  # bfloat16 and other torch-only dtypes
        raise ModelFormatError(
            f"{p} holds tensors numpy cannot represent ({exc}); load it with tensors='torch'"
        ) from exc


def _saved_record(artifact: Any) -> dict[str, Any]:
    saved = (getattr(artifact, "metadata", None) or {}).get("saved")
    if not isinstance(saved, dict) or saved.get("format") not in FORMATS:
        raise ModelFormatError(
            f"{getattr(artifact, 'name', '?')}: no saved model recorded; log it with "
            "tracker.log_model(..., save=True)"
        )
    return saved


def load_saved(artifact: Any, path: str | os.PathLike[str], *, into: Any = None) -> Any:
    """Load the model a Model artifact recorded as saved at ``path`` (its uri's file), the
    way it was saved (``metadata["saved"]``).

    Example:
        >>> from provenance.model import Model
        >>> load_saved(Model(id="blake3:" + "0" * 64, name="m"), "/m.skops")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        provenance.errors.ModelFormatError: m: no saved model recorded; log it with ...
    """
    saved = _saved_record(artifact)
    return load_model(
        path,
        saved["format"],
        trusted_types=saved.get("trusted_types") or (),
        class_name=saved.get("class"),
        tensors=saved.get("framework") if saved["format"] == "safetensors" else None,
        into=into,
    )


def saved_digest(artifact: Any, path: str | os.PathLike[str]) -> str:
    """The canonical digest of the model saved at ``path``, computed the way ``artifact``'s
    id was (same algorithm; for a state dict, the recorded architecture hash when it was
    part of the id), so it equals the id exactly when the file holds the recorded model.

    Example:
        >>> import tempfile, pathlib, numpy as np
        >>> from provenance import Tracker
        >>> from provenance.locations import uri_to_path
        >>> t = Tracker(tempfile.mkdtemp() + "/")
        >>> try:
        ...     m = t.log_model({"w": np.ones(3)}, name="w", save=True)
        ...     print(saved_digest(m, uri_to_path(m.uri)) == m.id)
        ... except MissingExtraError:
        ...     print(True)
        True
        >>> t.close()
    """
    from provenance.hashing import digest_object
    from provenance.hashing.core import parse_digest
    from provenance.hashing.weights import digest_state_dict

    saved = _saved_record(artifact)
    algo = parse_digest(artifact.id)[0] if ":" in artifact.id else DEFAULT_ALGORITHM
    if saved["format"] == "safetensors":
        try:
            sd = load_model(path, "safetensors")
        except ModelFormatError:
            sd = load_model(path, "safetensors", tensors="torch")
        content = (getattr(artifact, "metadata", None) or {}).get("content") or {}
        arch = saved.get("architecture_hash") if content.get("architecture_in_digest") else None
        return digest_state_dict(sd, arch or None, algo)
    return digest_object(load_saved(artifact, path), algo=algo).digest
