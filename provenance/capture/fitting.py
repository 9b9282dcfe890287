"""Which runs fit statistics on rows: scikit-learn fits seen inside a ``tracker.run`` block.

A run that fits statistics on the rows it reads (a scaler's means, a vocabulary, an imputer's
medians, a model's weights) carries those rows into whatever it outputs: when they include
test rows and the output reaches the training set, test rows shaped training
(:mod:`provenance.analysis.contamination`). A run says so in its Transform's ``metadata``:

* ``metadata["fits_on_rows"]``: True when the run fitted statistics on its input rows.
  Declared with ``tracker.run(..., fits_on_rows=True)`` (``False`` declares it does not, and
  wins over what is seen); otherwise True when the block fitted a scikit-learn estimator (and
  the key is absent when it fitted none).
* ``metadata["fitted_estimators"]``: the scikit-learn estimators the block fitted, in the
  order of their first fit: ``{"class": module.Class, "methods": [...], "calls": n, "rows":
  rows passed to those calls, or None, "fitted": True/False, or None when unknown}``
  (``fitted`` is ``check_is_fitted`` right after its last call). At most
  :data:`MAX_ESTIMATORS` are listed, then ``metadata["fitted_estimators_omitted"]`` counts the
  rest. Class names and counts only: no data values.

How fits are seen, without autologging: while at least one run block is active in the
process (:func:`watch_fits`), ``sklearn.base.BaseEstimator`` gets a ``__getattribute__`` that
hands out ``fit``, ``fit_transform``, ``fit_predict`` and ``partial_fit`` wrapped so that a
call is noted on the innermost run block of the calling context (a context variable), outer
calls only (a pipeline's fit is one fit of the ``Pipeline``, not one per step); once the last
block ends it is removed. Nothing is imported: when scikit-learn is installed but not
imported yet, an import hook installs it as soon as ``sklearn.base`` is imported inside a
block. Where scikit-learn is not installed nothing happens. While it is installed, reading
any attribute of any estimator (in any thread) costs one more Python call (about a tenth of
a microsecond); the methods handed out keep their signature (``inspect.signature``),
``__self__``, ``__name__`` and results.

Limits: estimators that are not ``BaseEstimator`` subclasses, fits in threads or processes
the block starts (they do not share its context; joblib workers of a fit are part of that
fit), a method called through the class (``StandardScaler.fit(est, X)``), and a
``BaseEstimator`` that already has a ``__getattribute__`` (then nothing is seen) are not
seen: declare those runs with ``fits_on_rows=True``. ``FrozenEstimator.fit`` fits nothing
and is not noted.

Example:
    >>> import numpy as np
    >>> from sklearn.preprocessing import StandardScaler
    >>> with watch_fits() as fits:
    ...     scaled = StandardScaler().fit_transform(np.arange(6.0).reshape(3, 2))
    >>> [(e["class"].rsplit(".", 1)[-1], e["methods"], e["rows"], e["fitted"])
    ...  for e in fits.estimators()]
    [('StandardScaler', ['fit_transform'], 3, True)]
    >>> fit_metadata(None, fits)["fits_on_rows"], fit_metadata(False, fits)["fits_on_rows"]
    (True, False)
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib.abc
import importlib.machinery
import importlib.util
import logging
import sys
import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import ModuleType
from typing import Any

__all__ = [
    "FITS_ON_ROWS",
    "FITTED_ESTIMATORS",
    "FITTED_OMITTED",
    "MAX_ESTIMATORS",
    "FitRecorder",
    "declared_fits",
    "describe_fit",
    "fit_metadata",
    "fits_on_rows",
    "fitted_classes",
    "watch_fits",
]

logger = logging.getLogger(__name__)

#: Transform metadata key: the run fitted statistics on its input rows (bool).
FITS_ON_ROWS = "fits_on_rows"
#: Transform metadata key: the scikit-learn estimators the run fitted (list of dicts).
FITTED_ESTIMATORS = "fitted_estimators"
#: Transform metadata key: how many fitted estimators were left out of the list.
FITTED_OMITTED = "fitted_estimators_omitted"
#: At most this many estimators are listed per run.
MAX_ESTIMATORS = 50

#: The estimator methods that fit statistics on the rows they are given.
_FIT_METHODS = frozenset({"fit", "fit_transform", "fit_predict", "partial_fit"})
#: Estimators whose ``fit`` fits nothing.
_NOT_FITTING = frozenset({"FrozenEstimator"})

#: The innermost run block's recorder in this context (None: no block).
_RECORDER: contextvars.ContextVar[FitRecorder | None] = contextvars.ContextVar(
    "provenance_fit_recorder", default=None
)
#: True while a noted fit runs: the calls it makes are its own, not noted again.
_INSIDE_FIT: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "provenance_inside_fit", default=False
)


def _rows(X: Any) -> int | None:
    """The number of rows (samples) of ``X``, or None."""
    shape = getattr(X, "shape", None)
    if isinstance(shape, tuple) and shape and isinstance(shape[0], int):
        return shape[0]
    if isinstance(X, str | bytes) or not hasattr(X, "__len__"):
        return None
    try:
        return len(X)
    except Exception:
        return None


def _is_fitted(est: Any) -> bool | None:
    """``check_is_fitted`` as a bool (None when it cannot tell)."""
    validation = sys.modules.get("sklearn.utils.validation")
    if validation is None:
        return None
    try:
        validation.check_is_fitted(est)
    except Exception as exc:
        return False if type(exc).__name__ == "NotFittedError" else None
    return True


def _qualname(est: Any) -> str:
    cls = type(est)
    return f"{cls.__module__}.{cls.__qualname__}"


def describe_fit(est: Any, method: str, X: Any = None) -> dict[str, Any]:
    """One ``fitted_estimators`` entry for a single call ``est.<method>(X, ...)``.

    Example:
        >>> import numpy as np
        >>> from sklearn.preprocessing import MinMaxScaler
        >>> est = MinMaxScaler().fit(np.zeros((4, 2)))
        >>> describe_fit(est, "fit", np.zeros((4, 2)))["rows"], describe_fit(est, "fit")["fitted"]
        (4, True)
    """
    return {
        "class": _qualname(est),
        "methods": [method],
        "calls": 1,
        "rows": _rows(X) if X is not None else None,
        "fitted": _is_fitted(est),
    }


class FitRecorder:
    """The estimators fitted in one run block (made by :func:`watch_fits`).

    Example:
        >>> r = FitRecorder()
        >>> r.estimators()
        []
    """

    def __init__(self) -> None:
        self._entries: list[dict[str, Any]] = []
        #: id(estimator) -> (a reference to it, its entry)
        self._index: dict[int, tuple[Any, dict[str, Any]]] = {}
        self._omitted = 0

    def note(self, est: Any, method: str, X: Any, *, ok: bool = True) -> None:
        """Record one finished call ``est.<method>(X, ...)``; ``ok=False``: it raised (the
        estimator counts as fitted only by an earlier call that did not)."""
        key = id(est)
        held = self._index.get(key)
        if held is not None and held[0]() is not est:
            held = None  # the id of an estimator that died, reused
        rows = _rows(X) if X is not None else None
        if held is None:
            if len(self._entries) >= MAX_ESTIMATORS:
                self._omitted += 1
                return
            try:
                ref: Any = weakref.ref(est)
            except TypeError:
                ref = lambda: est  # noqa: E731 - held for the block when it takes no weakref
            entry: dict[str, Any] = {"class": _qualname(est), "methods": [], "calls": 0}
            entry["rows"] = 0
            self._entries.append(entry)
            self._index[key] = (ref, entry)
        else:
            entry = held[1]
        if method not in entry["methods"]:
            entry["methods"].append(method)
        entry["calls"] += 1
        entry["rows"] = None if rows is None or entry["rows"] is None else entry["rows"] + rows
        if ok:
            entry["fitted"] = _is_fitted(est)
        else:
            entry.setdefault("fitted", False)

    def estimators(self) -> list[dict[str, Any]]:
        """The fitted estimators noted so far, in the order of their first fit."""
        return [dict(entry, methods=list(entry["methods"])) for entry in self._entries]

    @property
    def omitted(self) -> int:
        """Estimators fitted beyond :data:`MAX_ESTIMATORS`, not listed."""
        return self._omitted


class _Noting:
    """A fit method handed out while a run block watches: calls it and notes the call."""

    __slots__ = ("__wrapped__", "_est", "_method")

    def __init__(self, est: Any, method: str, bound: Any) -> None:
        self._est = est
        self._method = method
        self.__wrapped__ = bound  # inspect.signature() follows it

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        recorder = _RECORDER.get()
        if recorder is None or _INSIDE_FIT.get():
            return self.__wrapped__(*args, **kwargs)
        token = _INSIDE_FIT.set(True)
        ok = False
        try:
            result = self.__wrapped__(*args, **kwargs)
            ok = True
            return result
        finally:
            _INSIDE_FIT.reset(token)
            try:
                X = args[0] if args else kwargs.get("X")
                recorder.note(self._est, self._method, X, ok=ok)
            except Exception as exc:  # pragma: no cover - bookkeeping never breaks a fit
                logger.debug("could not note the fit of %s: %s", type(self._est).__name__, exc)

    def __getattr__(self, name: str) -> Any:
        try:  # unset while unpickling: no recursion through __getattr__
            wrapped = object.__getattribute__(self, "__wrapped__")
        except AttributeError:
            raise AttributeError(name) from None
        return getattr(wrapped, name)

    def __repr__(self) -> str:
        return repr(self.__wrapped__)


def _getattribute(self: Any, name: str) -> Any:
    """``BaseEstimator.__getattribute__`` while a run block watches for fits."""
    value = object.__getattribute__(self, name)
    if (
        name in _FIT_METHODS
        and _RECORDER.get() is not None
        and not _INSIDE_FIT.get()
        and callable(value)
        and type(self).__name__ not in _NOT_FITTING
    ):
        return _Noting(self, name, value)
    return value


class _Hook:
    """The process-wide hook, installed while at least one run block watches."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.watchers = 0
        self.hooked: type | None = None
        self.finder: _InstallOnImport | None = None
        self._importable: bool | None = None

    def importable(self) -> bool:
        if self._importable is None:
            try:
                self._importable = importlib.util.find_spec("sklearn") is not None
            except (ImportError, ValueError):
                self._importable = False
        return self._importable

    def acquire(self) -> None:
        with self.lock:
            self.watchers += 1
            if self.watchers > 1:
                return
            base = sys.modules.get("sklearn.base")
            if base is not None:
                self.install(base)
            elif self.importable():
                self.finder = _InstallOnImport()
                sys.meta_path.insert(0, self.finder)

    def release(self) -> None:
        with self.lock:
            self.watchers -= 1
            if self.watchers > 0:
                return
            self.watchers = 0
            if self.finder is not None:
                with contextlib.suppress(ValueError):
                    sys.meta_path.remove(self.finder)
                self.finder = None
            cls, self.hooked = self.hooked, None
            if cls is not None and vars(cls).get("__getattribute__") is _getattribute:
                delattr(cls, "__getattribute__")

    def install(self, base: ModuleType) -> None:
        """Give ``BaseEstimator`` the hook (unless it has a ``__getattribute__`` of its own)."""
        with self.lock:
            cls = getattr(base, "BaseEstimator", None)
            if self.watchers < 1 or not isinstance(cls, type) or self.hooked is not None:
                return
            if "__getattribute__" in vars(cls):
                logger.debug("BaseEstimator has its own __getattribute__: fits are not watched")
                return
            cls.__getattribute__ = _getattribute  # type: ignore[method-assign,assignment]
            self.hooked = cls


_HOOK = _Hook()


class _InstallOnImport(importlib.abc.MetaPathFinder):
    """Installs the hook once ``sklearn.base`` is imported (inside a watching block)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "sklearn.base":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is None:
                continue
            if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                spec.loader = _ThenInstall(spec.loader)
            return spec
        return None


class _ThenInstall(importlib.abc.Loader):
    """Delegates to the real loader; installs the hook after the module ran."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        created: ModuleType | None = self._loader.create_module(spec)
        return created

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        with contextlib.suppress(AttributeError):  # leave no trace of this loader
            module.__loader__ = self._loader
            if module.__spec__ is not None:
                module.__spec__.loader = self._loader
        _HOOK.install(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


@contextmanager
def watch_fits() -> Iterator[FitRecorder]:
    """Note every scikit-learn estimator fitted in this context while the block runs (the
    innermost block gets them). ``tracker.run`` blocks do this for you.

    Example:
        >>> import numpy as np
        >>> from sklearn.linear_model import LinearRegression
        >>> X, y = np.arange(8.0).reshape(4, 2), np.arange(4.0)
        >>> with watch_fits() as outer:
        ...     with watch_fits() as inner:
        ...         _ = LinearRegression().fit(X, y)
        >>> [e["class"] for e in inner.estimators()], outer.estimators()
        (['sklearn.linear_model._base.LinearRegression'], [])
    """
    recorder = FitRecorder()
    _HOOK.acquire()
    token = _RECORDER.set(recorder)
    try:
        yield recorder
    finally:
        if _RECORDER.get() is recorder:
            try:
                _RECORDER.reset(token)
            except ValueError:  # left in another context than it was entered in
                _RECORDER.set(None)
        _HOOK.release()


def fit_metadata(
    declared: bool | None,
    recorder: FitRecorder | None,
    estimators: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The metadata a run records about fitting: ``fits_on_rows`` (``declared``, else True
    when an estimator ended fitted) and ``fitted_estimators`` (the ``recorder``'s, then
    ``estimators``); empty when nothing was declared or seen.

    Example:
        >>> fit_metadata(None, None), fit_metadata(True, None)
        ({}, {'fits_on_rows': True})
    """
    found = [dict(e) for e in estimators]
    omitted = 0
    if recorder is not None:
        found = recorder.estimators() + found
        omitted = recorder.omitted
    meta: dict[str, Any] = {}
    if declared is not None:
        meta[FITS_ON_ROWS] = declared
    elif found:
        meta[FITS_ON_ROWS] = any(e.get("fitted") is not False for e in found)
    if found:
        meta[FITTED_ESTIMATORS] = found
    if omitted:
        meta[FITTED_OMITTED] = omitted
    return meta


def declared_fits(value: Any) -> bool | None:
    """Check a ``fits_on_rows=`` argument: True, False or None, else ValueError.

    Example:
        >>> declared_fits(None), declared_fits(True)
        (None, True)
    """
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(f"fits_on_rows must be True, False or None, got {value!r}")


def fits_on_rows(metadata: Mapping[str, Any] | None) -> bool:
    """True when a Transform's ``metadata`` says the run fitted statistics on its rows.

    Example:
        >>> fits_on_rows({"fits_on_rows": True}), fits_on_rows({})
        (True, False)
    """
    return bool(metadata) and (metadata or {}).get(FITS_ON_ROWS) is True


def fitted_classes(metadata: Mapping[str, Any] | None) -> list[str]:
    """The class names (without module) of the estimators a run fitted, fitted ones only.

    Example:
        >>> fitted_classes({"fitted_estimators": [
        ...     {"class": "sklearn.preprocessing._data.StandardScaler", "fitted": True},
        ...     {"class": "sklearn.linear_model._base.LinearRegression", "fitted": False}]})
        ['StandardScaler']
    """
    entries = (metadata or {}).get(FITTED_ESTIMATORS)
    if not isinstance(entries, list):
        return []
    names: list[str] = []
    for e in entries:
        if isinstance(e, Mapping) and e.get("fitted") is not False:
            name = str(e.get("class", "")).rsplit(".", 1)[-1]
            if name and name not in names:
                names.append(name)
    return names
