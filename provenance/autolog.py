"""Optional autologging: record scikit-learn fits and predictions and pandas / pyarrow file
reads and writes as runs, without writing ``tracker.run`` blocks.

Off by default: importing :mod:`provenance` (or this module) patches nothing and imports
neither pandas nor scikit-learn. :func:`autolog` turns it on for the whole process,
``autolog(disable=True)`` (or :meth:`Autolog.disable`) turns it off and puts back every
function it replaced, the very same objects; :meth:`Autolog.__exit__` (``with
provenance.autolog(tracker):``, ``with tracker.autolog():``) puts back whatever was in force
before the block.

Example:
    >>> import tempfile, pandas as pd
    >>> import provenance
    >>> d = tempfile.mkdtemp()
    >>> pd.DataFrame({"x": [1, 2, 3]}).to_csv(f"{d}/raw.csv", index=False)
    >>> tracker = provenance.Tracker(f"{d}/store/")
    >>> with provenance.autolog(tracker):
    ...     df = pd.read_csv(f"{d}/raw.csv")
    ...     df[df.x > 1].to_parquet(f"{d}/clean.parquet")
    >>> [t.operation for t in tracker.store.find_transforms()]
    ['pandas.DataFrame.to_parquet']
    >>> out = tracker.store.find_artifacts(name="clean.parquet")[0]
    >>> sorted(a.name for a in tracker.ancestry(out.id).artifacts)
    ['clean.parquet', 'frame written to clean.parquet', 'raw.csv']
    >>> tracker.close()

What is recorded
----------------
*pandas* (``pandas=True``)

* ``pandas.read_csv``, ``read_parquet``, ``read_json``, ``read_feather`` of a local path: the
  file is logged as a ``dataset`` artifact (its content digest, as ``tracker.log_artifact``
  computes it: cached by path, size, mtime and inode) with ``metadata.reader``. Reading is not
  a run; the returned frame *remembers* the file.
* ``DataFrame.to_csv``, ``to_parquet``, ``to_json``, ``to_feather`` (and ``Series.to_csv``,
  ``to_json``) to a local path: a run ``pandas.DataFrame.<method>`` named after the file, whose
  inputs are the frame (its canonical content digest, :mod:`provenance.hashing.frames`, with
  feature statistics) and the files the frame was derived from (roles ``frame.source``,
  ``frame.source1``...), whose output is the written file, and whose hyperparameters are the
  destination (``path``, as given) and the writer's options. (Identical content written twice
  is one artifact, its ``uri`` the first place it was written; each destination is a run.)

*pyarrow* (``pyarrow=True``): ``pyarrow.parquet.read_table`` and ``pyarrow.csv.read_csv`` as
the pandas readers; ``pyarrow.parquet.write_table`` and ``pyarrow.csv.write_csv`` as the
writers (run ``pyarrow.parquet.write_table``...).

*scikit-learn* (``sklearn=True``; every estimator class, found through
``sklearn.utils.all_estimators()`` and every subclass of ``BaseEstimator`` already defined)

* ``fit``, ``fit_transform``, ``fit_predict``: a run ``"<method> <Class>"`` (``fit
  LogisticRegression``) with inputs ``X``, ``y`` and any data keyword (``sample_weight``), each
  with the files it came from; hyperparameters ``get_params(deep=True)`` (values that are not
  JSON by their ``repr``, addresses removed), keyword options under ``fit_params``; output the
  fitted model (and the result of ``fit_transform`` / ``fit_predict``). The run fits on rows:
  ``metadata["fits_on_rows"]`` is True and ``metadata["fitted_estimators"]`` names the
  estimator (:mod:`provenance.capture.fitting`), what ``provenance contamination`` looks for.
* ``predict``, ``predict_proba``, ``predict_log_proba``, ``decision_function``,
  ``transform``: a run ``"<method> <Class>"`` that USED_MODEL the model and used ``X``,
  producing the result (role ``predictions`` or ``transformed``).
* The model is identified by its canonical digest (class, hyperparameters and fitted state)
  where this installation of provenance can digest estimators. Where it cannot (the digest
  raises :class:`~provenance.errors.UnsupportedTypeError`), the model node is the canonical
  JSON of ``{"class", "params", "fitted_by": <transform id of the fit>}``, with
  ``metadata.model_identity`` saying so: one node per fit, linked to its predictions through
  the object that was fitted, but not a digest of the fitted weights.
* Splits: ``train_test_split`` (replaced in ``sklearn.model_selection`` and where it is
  defined) is a run ``train_test_split``; each fold a cross-validation splitter yields
  (``split`` of ``KFold``, ``StratifiedKFold``, ``ShuffleSplit``, ``GroupKFold``,
  ``TimeSeriesSplit``, ``RepeatedKFold``... every subclass of ``BaseCrossValidator``,
  ``BaseShuffleSplit`` and the repeated splitters) is a run ``split <Class>``, recorded when
  the fold is taken. Inputs: the arrays split (roles ``X``, ``y``, ``array2``...) and
  ``stratify`` / ``groups``; hyperparameters: the options (``test_size``, ``train_size``,
  ``random_state``, ``shuffle``, ``stratified``) or the splitter's constructor arguments and
  ``fold``; seed: an integer ``random_state`` (so the run is ``seeded``); outputs: each
  array's training and test part (roles ``train`` and ``test`` for the first array,
  ``train.y``, ``test.y``... for the others; for a fold, the rows at its indices, as
  ``X.iloc[train]`` or ``X[train]`` gives them, so what is fitted on them later is the same
  artifact). The yielded indices and returned parts are unchanged. A ``train_test_split``
  name bound before enabling is recorded all the same when it shuffles (through the splitter
  it uses; its frame's arrays and options are read), not with ``shuffle=False``.
* Only the outermost call is recorded: a pipeline's fit is one run ``fit Pipeline``, not one
  per step; ``fit_transform`` calling ``fit``, a grid search's inner fits and splits,
  ``RepeatedKFold`` running ``KFold``, a pandas reader calling pyarrow are not recorded again
  (a context-variable depth guard).

How a frame remembers its files: the object a reader returns is registered by ``id()`` in a
side table (entries dropped by ``weakref.finalize`` when the object dies; nothing is stored on
the object). Pandas' own metadata hook (``NDFrame.__finalize__``, which pandas calls on the
result of selection, ``assign``, ``dropna``, arithmetic, group-by aggregations, ``merge``,
``concat``...) is wrapped to carry the sources of the inputs over to the result (the union, for
``merge`` and ``concat``), and so is ``to_numpy``. An output of an autologged run (predictions,
a transformed frame) is remembered the same way, so what is derived from it leads back to it.

Limits
------
* A frame or array that did not come (through pandas) from a file read while autologging is
  recorded by its content digest only: its ancestry starts there.
* Not followed: pyarrow tables are remembered by identity only (a table computed from another,
  ``Table.to_pandas()``, ``pa.Table.from_pandas(df)``); nor ``df.values``, ``np.asarray(df)``,
  ``pd.DataFrame(array)``. Their content is still recorded.
* Other I/O is not recorded: ``open()``, numpy, polars, ``read_excel``, ``read_sql``,
  ``to_pickle``, HDF5; remote URLs (``s3://``, ``https://``), open files and buffers; chunked
  reads (``chunksize=``) record the file but the chunks do not remember it.
* Functions are replaced where they are defined and looked up (``pandas.read_csv``,
  ``pyarrow.parquet.read_table``): a name bound before enabling (``from pandas import
  read_csv``) keeps the original (``train_test_split``: see above). A name bound while enabled
  keeps the wrapper, which passes straight through once autologging is off.
* scikit-learn: a class defined after enabling is recorded through the scikit-learn methods it
  inherits; methods it defines itself are wrapped the next time :func:`autolog` is called.
  ``partial_fit``, ``score`` and ``inverse_transform`` are not recorded.
* Processes: nothing is recorded in child processes (multiprocessing, joblib's loky workers,
  forked children). Threads: each thread has its own depth guard, so estimators fitted by a
  thread pool *inside* an autologged call (joblib's threading backend) are recorded as runs of
  their own.
* One configuration for the whole process: one tracker receives every record.
* Helpers that fit and predict many times at top level (``cross_val_score``,
  ``learning_curve``) record every fold, fit and prediction they make; wrap them in
  ``with provenance.autolog(disable=True):`` to skip them. Splitters that are not
  scikit-learn's (a hand-made index permutation) are not recorded: their parts are recorded
  by content where they are consumed, with no split above them.
* Overhead, per recorded call: every frame or array consumed or produced is hashed (and frames
  get feature statistics), files are hashed (a cache makes unchanged files cheap), the code
  version is captured (a ``git status``/``git diff``, tens of milliseconds) and one transaction
  is written. Meant for pipelines and notebooks, not for a predict call per request.
  Enabling the scikit-learn part imports every estimator module (about a second, once).
* Failures never reach your code: anything that goes wrong while recording is logged as a
  warning on the ``provenance.autolog`` logger (types that cannot be digested, such as scipy
  sparse matrices, once per type) and the call's result, or its exception, is the call's own.
  A call that raises is recorded as a failed run.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import importlib
import importlib.util
import inspect
import logging
import os
import re
import sys
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import CodeType, FrameType, TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

from provenance.errors import UnsupportedTypeError

if TYPE_CHECKING:
    from provenance.model import Artifact
    from provenance.tracker import Run, Tracker

__all__ = ["Autolog", "autolog"]

logger = logging.getLogger(__name__)

R = TypeVar("R")

#: Marks every replacement this module installs (never patched twice, recognised on removal).
_MARK = "__provenance_autolog__"
_MISSING: Any = object()

#: True while an autologged call is in progress in this context: nested calls pass through.
_BUSY: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "provenance_autolog_busy", default=False
)


# --- configuration ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Config:
    tracker: Tracker
    sklearn: bool
    pandas: bool
    pyarrow: bool


@dataclass
class _State:
    config: _Config | None = None
    pid: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)


_STATE = _State()


def _active() -> _Config | None:
    """The configuration to record under, or None: off, nested, or in a child process."""
    config = _STATE.config
    if config is None or _BUSY.get() or os.getpid() != _STATE.pid:
        return None
    return config


# --- side tables: which files (or outputs) an object came from ------------------------------
class _IdTable:
    """Values keyed by ``id(obj)``, dropped when ``obj`` dies (DataFrames are not hashable, so
    no WeakKeyDictionary). Objects that take no weak reference are not remembered."""

    def __init__(self) -> None:
        self._items: dict[int, Any] = {}

    def __bool__(self) -> bool:
        return bool(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def get(self, obj: object) -> Any:
        return self._items.get(id(obj))

    def set(self, obj: object, value: Any) -> bool:
        key = id(obj)
        if key not in self._items:
            try:
                finalizer = weakref.finalize(obj, self._items.pop, key, None)
            except TypeError:
                return False
            finalizer.atexit = False
        self._items[key] = value
        return True

    def clear(self) -> None:
        self._items.clear()


#: id(object) -> tuple of artifact ids it was derived from (files read, autologged outputs).
_SOURCES = _IdTable()
#: id(estimator) -> (store uri, Model) recorded by its last autologged fit.
_MODELS = _IdTable()
#: (store uri, artifact id) -> Artifact, for turning remembered ids back into inputs.
_KNOWN: OrderedDict[tuple[str, str], Artifact] = OrderedDict()
_KNOWN_MAX = 1024
#: Types already warned about as not digestible.
_WARNED_TYPES: set[str] = set()


def _store_key(tracker: Tracker) -> str:
    return str(getattr(tracker.store, "uri", id(tracker.store)))


def _know(tracker: Tracker, art: Artifact) -> None:
    key = (_store_key(tracker), art.id)
    _KNOWN[key] = art
    _KNOWN.move_to_end(key)
    while len(_KNOWN) > _KNOWN_MAX:
        _KNOWN.popitem(last=False)


def _resolve(tracker: Tracker, art_id: str) -> Artifact | None:
    """The artifact ``art_id`` of this tracker's store, or None when it is not there."""
    known = _KNOWN.get((_store_key(tracker), art_id))
    if known is not None:
        return known
    from provenance.model import Artifact

    try:
        node = tracker.get(art_id)
    except Exception:
        return None
    if not isinstance(node, Artifact):
        return None
    _know(tracker, node)
    return node


def _remember(obj: object, ids: tuple[str, ...]) -> None:
    if ids:
        _SOURCES.set(obj, ids)


def _union(*groups: tuple[str, ...] | None) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        for art_id in group or ():
            seen[art_id] = None
    return tuple(seen)


# --- recording helpers -----------------------------------------------------------------------
def _warn(what: str, exc: BaseException) -> None:
    logger.warning(
        "provenance autolog: could not record %s: %s: %s",
        what,
        type(exc).__name__,
        exc,
        exc_info=logger.isEnabledFor(logging.DEBUG),
    )


def _warn_type(obj: object, what: str) -> None:
    name = f"{type(obj).__module__}.{type(obj).__qualname__}"
    if name not in _WARNED_TYPES:
        _WARNED_TYPES.add(name)
        logger.warning(
            "provenance autolog: %s not recorded: a %s cannot be digested (said once per type)",
            what,
            name,
        )


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _jsonable(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON data for hyperparameters: objects by ``repr`` (addresses removed),
    functions and classes by qualified name.

    Example:
        >>> _jsonable({"k": (1, 2.5), "f": len, "o": object()})
        {'k': [1, 2.5], 'f': 'builtins.len', 'o': '<object object>'}
    """
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if depth > 8:
        return _ADDRESS.sub("", repr(value))
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v, depth + 1) for v in value]
    if type(value).__module__ == "numpy" and getattr(value, "shape", None) == ():
        return _jsonable(value.item(), depth + 1)
    if inspect.isroutine(value) or isinstance(value, type):
        module = getattr(value, "__module__", None) or "builtins"
        return f"{module}.{getattr(value, '__qualname__', repr(value))}"
    return _ADDRESS.sub("", repr(value))


_LIBRARY_ROOTS = frozenset(
    {
        "contextlib",
        "contextvars",
        "functools",
        "joblib",
        "lightgbm",
        "numpy",
        "pandas",
        "pyarrow",
        "scipy",
        "sklearn",
        "threading",
        "xgboost",
    }
)


def _user_code() -> CodeType | None:
    """The code object of the nearest caller outside this module and the patched libraries:
    what a recorded run records as its code version."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__") or ""
        if module != __name__ and module.split(".")[0] not in _LIBRARY_ROOTS:
            return frame.f_code
        frame = frame.f_back
    return None


def _argument(args: tuple[Any, ...], kwargs: Mapping[str, Any], index: int, name: str) -> Any:
    if name in kwargs:
        return kwargs[name]
    return args[index] if len(args) > index else None


def _local_path(value: Any) -> str | None:
    """A local filesystem path named by ``value`` (str, PathLike, ``file://`` URL), else None."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, bytes) or not isinstance(value, str) or not value:
        return None
    if value.startswith("file://"):
        from urllib.parse import unquote, urlsplit

        return unquote(urlsplit(value).path) or None
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]+://", value):
        return None
    return os.path.expanduser(value)


def _looks_like_data(value: Any) -> bool:
    root = type(value).__module__.split(".")[0]
    return root in ("numpy", "pandas", "pyarrow", "polars", "scipy", "torch") and hasattr(
        value, "__len__"
    )


def _data_inputs(
    tracker: Tracker, items: list[tuple[str, Any, str]]
) -> tuple[dict[str, Artifact], list[str]]:
    """Log each ``(role, object, name)`` as an artifact; add the files each came from.

    Returns the run's inputs (``role``, ``role.source``, ``role.source1``...) and notes on
    inputs that could not be recorded. An object derived from a PII-flagged source is logged
    ``contains_pii=True`` (PII is inherited, as by a run's outputs).
    """
    inputs: dict[str, Artifact] = {}
    notes: list[str] = []
    seen: set[str] = set()
    for role, obj, name in items:
        found = (_resolve(tracker, art_id) for art_id in _SOURCES.get(obj) or ())
        sources = [s for s in found if s is not None]
        pii = True if any(s.contains_pii is True for s in sources) else None
        try:
            art = tracker.log_artifact(obj, name=name, contains_pii=pii)
        except UnsupportedTypeError:
            _warn_type(obj, f"input {role!r}")
            notes.append(f"{role}: {type(obj).__module__}.{type(obj).__qualname__}")
        except Exception as exc:
            _warn(f"input {role!r}", exc)
            notes.append(f"{role}: {type(exc).__name__}")
        else:
            inputs[role] = art
            seen.add(art.id)
        n = 0
        for source in sources:
            if source.id in seen:
                continue
            seen.add(source.id)
            inputs[f"{role}.source" if n == 0 else f"{role}.source{n}"] = source
            n += 1
    return inputs, notes


@dataclass
class _Plan:
    """What one recorded call becomes: the run's fields and how to attach its outputs.

    ``finish(run, result)`` attaches the outputs and returns what to do once the run is safely
    written (remember where the outputs came from).
    """

    operation: str
    name: str
    inputs: dict[str, Artifact]
    params: dict[str, Any]
    metadata: dict[str, Any]
    finish: Callable[[Run, Any], list[Callable[[], None]]]
    model: Artifact | None = None
    #: The run's seed (a splitter's integer ``random_state``).
    seed: int | None = None
    #: The run fits statistics on its input rows (an estimator's fit).
    fits_on_rows: bool | None = None


def _close(run: Run, exc: BaseException | None) -> bool:
    try:
        if exc is None:
            run.__exit__(None, None, None)
        else:
            run.__exit__(type(exc), exc, exc.__traceback__)
    except Exception as error:
        _warn(f"run {run.operation!r}", error)
        return False
    return True


def _invoke(
    what: str,
    prepare: Callable[[Tracker], _Plan | None],
    call: Callable[[], R],
) -> R:
    """``call()``, recorded as a run when autologging is on and this is the outermost call.

    The result, or the exception, is always ``call``'s own: recording failures are warnings.
    """
    config = _active()
    if config is None:
        return call()
    token = _BUSY.set(True)
    try:
        tracker = config.tracker
        run: Run | None = None
        plan: _Plan | None = None
        try:
            begin = time.perf_counter()  # logging the inputs: the tracker's time, not the call's
            plan = prepare(tracker)
            prepared = time.perf_counter() - begin
            if plan is not None:
                run = tracker.run(
                    plan.operation,
                    inputs=plan.inputs,
                    params=plan.params,
                    model=plan.model,
                    name=plan.name,
                    entrypoint=cast(Any, _user_code()),
                    metadata=plan.metadata,
                    seed=plan.seed,
                    fits_on_rows=plan.fits_on_rows,
                )
                run._watch_fits = False  # the plan says what it fits
                run.tracking_overhead_s += prepared
                run.__enter__()
        except Exception as exc:
            _warn(what, exc)
            run = None
        try:
            result = call()
        except BaseException as exc:
            if run is not None:
                _close(run, exc)
            raise
        if run is not None and plan is not None:
            after: list[Callable[[], None]] = []
            try:
                after = plan.finish(run, result)
            except Exception as exc:
                _warn(f"outputs of {what}", exc)
            if _close(run, None):
                for step in after:
                    try:
                        step()
                    except Exception as exc:  # pragma: no cover - bookkeeping only
                        _warn(what, exc)
        return result
    finally:
        _BUSY.reset(token)


def _output(run: Run, tracker: Tracker, value: Any, name: str, role: str) -> Artifact | None:
    """Attach ``value`` as an output; remembered (once written) as coming from that output."""
    try:
        return run.output(value, name=name, role=role)
    except UnsupportedTypeError:
        _warn_type(value, f"output {role!r} of {run.operation!r}")
    except Exception as exc:
        _warn(f"output {role!r} of {run.operation!r}", exc)
    return None


def _after_output(tracker: Tracker, value: Any, art: Artifact | None) -> list[Callable[[], None]]:
    if art is None:
        return []

    def remember() -> None:
        _know(tracker, art)
        _remember(value, (art.id,))

    return [remember]


# --- file reads and writes (pandas, pyarrow) -------------------------------------------------
def _note_read(tracker: Tracker, reader: str, target: Any, result: Any) -> None:
    path = _local_path(target)
    if path is None or not os.path.exists(path):
        return
    art = tracker.log_artifact(
        path,
        name=os.path.basename(os.path.normpath(path)),
        kind="dataset",
        stats=False,
        reader=reader,
    )
    _know(tracker, art)
    _remember(result, (art.id,))


def _make_reader(reader: str, param: str, original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def read(*args: Any, **kwargs: Any) -> Any:
        config = _active()
        if config is None:
            return original(*args, **kwargs)
        token = _BUSY.set(True)
        try:
            result = original(*args, **kwargs)
            try:
                _note_read(config.tracker, reader, _argument(args, kwargs, 0, param), result)
            except Exception as exc:
                _warn(f"the file read by {reader}", exc)
            return result
        finally:
            _BUSY.reset(token)

    setattr(read, _MARK, True)
    return read


def _plan_write(
    tracker: Tracker,
    writer: str,
    data: Any,
    target: Any,
    options: dict[str, Any],
) -> _Plan | None:
    path = _local_path(target)
    if path is None:
        return None  # a buffer, an open file, a URL, or to_csv() returning text
    name = os.path.basename(os.path.normpath(path))
    inputs, notes = _data_inputs(tracker, [("frame", data, f"frame written to {name}")])
    metadata: dict[str, Any] = {"autolog": writer.split(".")[0], "writer": writer}
    if notes:
        metadata["unrecorded_inputs"] = notes

    def finish(run: Run, result: Any) -> list[Callable[[], None]]:
        if not os.path.exists(path):
            return []
        art = run.output(path, name=name, kind="dataset", role="file", stats=False, writer=writer)
        return [functools.partial(_know, tracker, art)]

    return _Plan(
        operation=writer,
        name=name,
        inputs=inputs,
        params={"path": os.fspath(target), **_jsonable(options)},
        metadata=metadata,
        finish=finish,
    )


def _make_writer(
    writer: str,
    data_param: str,
    target_param: str,
    original: Callable[..., Any],
    *,
    method: bool,
) -> Callable[..., Any]:
    """A writer whose data is argument 0 (``self`` for a method) and target argument 1."""
    try:
        names = list(inspect.signature(original).parameters)
    except (TypeError, ValueError):
        names = []

    @functools.wraps(original)
    def write(*args: Any, **kwargs: Any) -> Any:
        def prepare(tracker: Tracker) -> _Plan | None:
            data = args[0] if method else _argument(args, kwargs, 0, data_param)
            target = _argument(args, kwargs, 1, target_param)
            options = {k: v for k, v in kwargs.items() if k not in (data_param, target_param)}
            for i, value in enumerate(args[2:], start=2):
                options[names[i] if i < len(names) else f"arg{i}"] = value
            return _plan_write(tracker, writer, data, target, options)

        return _invoke(writer, prepare, lambda: original(*args, **kwargs))

    setattr(write, _MARK, True)
    return write


def _make_finalize(original: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap ``NDFrame.__finalize__`` (pandas' metadata propagation) to carry sources over."""
    from pandas.core.generic import NDFrame

    @functools.wraps(original)
    def __finalize__(self: Any, other: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, other, *args, **kwargs)
        if _SOURCES:
            try:
                if isinstance(other, NDFrame):
                    found = _SOURCES.get(other)
                else:
                    objs = getattr(other, "input_objs", None) or ()
                    found = _union(*(_SOURCES.get(o) for o in objs)) or None
                if found:
                    _remember(result, _union(_SOURCES.get(result), found))
            except Exception:  # pragma: no cover - never disturb pandas
                pass
        return result

    setattr(__finalize__, _MARK, True)
    return __finalize__


def _make_carry(original: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a conversion (``to_numpy``) so its result keeps the sources of ``self``."""

    @functools.wraps(original)
    def convert(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        if _SOURCES:
            found = _SOURCES.get(self)
            if found and result is not self:
                with contextlib.suppress(Exception):
                    _remember(result, _union(_SOURCES.get(result), found))
        return result

    setattr(convert, _MARK, True)
    return convert


# --- scikit-learn -----------------------------------------------------------------------------
_FIT_METHODS = ("fit", "fit_transform", "fit_predict")
_USE_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function", "transform")
_SK_METHODS = _FIT_METHODS + _USE_METHODS
#: The role of each method's result among the run's outputs.
_ROLES = {
    "fit": "model",
    "fit_transform": "transformed",
    "fit_predict": "predictions",
    "predict": "predictions",
    "predict_proba": "probabilities",
    "predict_log_proba": "log_probabilities",
    "decision_function": "decision",
    "transform": "transformed",
}


def _estimator_class(est: Any) -> tuple[str, str]:
    cls = type(est)
    return cls.__name__, f"{cls.__module__}.{cls.__qualname__}"


def _model_node(
    tracker: Tracker,
    run: Run | None,
    est: Any,
    params: Any,
    fitted_by: str | None,
) -> Artifact:
    """The model node of ``est``: its canonical digest where supported, else class+params."""
    short, qual = _estimator_class(est)
    reason = "this installation of provenance cannot digest the estimator"
    try:
        if run is not None:
            return run.output(est, name=short, kind="model", role="model")
        return tracker.log_artifact(est, name=short, kind="model")
    except UnsupportedTypeError as exc:
        reason = f"no canonical digest: {exc}"
    except Exception as exc:
        _warn(f"the digest of {qual}", exc)
        reason = f"no canonical digest: {type(exc).__name__}: {exc}"
    if run is None:
        remembered = _MODELS.get(est)
        if remembered is not None and remembered[0] == _store_key(tracker):
            return cast("Artifact", remembered[1])
    identity = {"class": qual, "params": params, "fitted_by": fitted_by}
    fields: dict[str, Any] = dict(
        name=short,
        kind="model",
        framework="sklearn",
        estimator_class=qual,
        model_identity=(
            "class, hyperparameters and the fitting run"
            if fitted_by
            else "class and hyperparameters only (fitted without autologging)"
        )
        + f" ({reason})",
    )
    if run is not None:
        return run.output(identity, role="model", **fields)
    return tracker.log_artifact(identity, **fields)


def _params_of(est: Any) -> dict[str, Any]:
    try:
        params = est.get_params(deep=True)
    except Exception as exc:
        _warn(f"the hyperparameters of {type(est).__name__}", exc)
        return {}
    return cast(dict[str, Any], _jsonable(params))


def _plan_sklearn(
    tracker: Tracker, method: str, est: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> _Plan | None:
    base = sys.modules.get("sklearn.base")
    if base is None or not isinstance(est, base.BaseEstimator):
        return None
    short, qual = _estimator_class(est)
    fitting = method in _FIT_METHODS
    items: list[tuple[str, Any, str]] = []
    X = _argument(args, kwargs, 0, "X")
    if X is not None:
        items.append(("X", X, f"{short}.{method}.X"))
    consumed = {"X"}
    if fitting:
        y = _argument(args, kwargs, 1, "y")
        consumed.add("y")
        if y is not None:
            items.append(("y", y, f"{short}.{method}.y"))
    options: dict[str, Any] = {}
    for key, value in kwargs.items():
        if key in consumed:
            continue
        if _looks_like_data(value):
            items.append((key, value, f"{short}.{method}.{key}"))
        else:
            options[key] = value
    inputs, notes = _data_inputs(tracker, items)
    params = _params_of(est) if fitting else {}
    if options:
        params["fit_params" if fitting else "call_params"] = _jsonable(options)
    metadata: dict[str, Any] = {"autolog": "sklearn", "estimator": qual, "method": method}
    if notes:
        metadata["unrecorded_inputs"] = notes
    model = None if fitting else _model_node(tracker, None, est, _params_of(est), None)
    role = _ROLES[method]

    def finish(run: Run, result: Any) -> list[Callable[[], None]]:
        after: list[Callable[[], None]] = []
        if fitting:
            from provenance.capture.fitting import FITTED_ESTIMATORS, describe_fit

            run.metadata[FITTED_ESTIMATORS] = [describe_fit(est, method, X)]
            node = _model_node(tracker, run, est, params, run.transform_id)
            store = _store_key(tracker)

            def remember_model() -> None:
                _MODELS.set(est, (store, node))

            after.append(remember_model)
            after.append(functools.partial(_know, tracker, node))
            if method == "fit":
                return after
        art = _output(run, tracker, result, f"{short}.{method}", role)
        return after + _after_output(tracker, result, art)

    return _Plan(
        operation=f"{method} {short}",
        name=short,
        inputs=inputs,
        params=params,
        metadata=metadata,
        finish=finish,
        model=model,
        fits_on_rows=(fitting and short != "FrozenEstimator") or None,
    )


def _sk_call(
    method: str, est: Any, args: tuple[Any, ...], kwargs: dict[str, Any], call: Any
) -> Any:
    return _invoke(
        f"{method} {type(est).__name__}",
        lambda tracker: _plan_sklearn(tracker, method, est, args, kwargs),
        call,
    )


class _WrappedDescriptor:
    """Wraps a method descriptor (scikit-learn's ``available_if``, a property) so that
    ``hasattr(est, "predict_proba")`` keeps its meaning and a call through it is recorded."""

    def __init__(self, raw: Any, method: str) -> None:
        self.__wrapped__ = raw
        self._method = method
        for attr in ("__name__", "__qualname__", "__doc__", "__module__"):
            with contextlib.suppress(AttributeError, TypeError):
                object.__setattr__(self, attr, getattr(raw, attr))
        setattr(self, _MARK, True)

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        bound = self.__wrapped__.__get__(obj, owner)  # raises AttributeError when unavailable
        if obj is None or not callable(bound):
            return bound
        method = self._method

        @functools.wraps(bound)
        def call(*args: Any, **kwargs: Any) -> Any:
            return _sk_call(method, obj, args, kwargs, lambda: bound(*args, **kwargs))

        return call

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.__wrapped__, name)


def _make_sklearn(raw: Any, method: str) -> Any:
    """The replacement for the class attribute ``raw`` of a scikit-learn method, or None."""
    if isinstance(raw, staticmethod | classmethod):
        return None
    if inspect.isfunction(raw):

        @functools.wraps(raw)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            return _sk_call(method, self, args, kwargs, lambda: raw(self, *args, **kwargs))

        setattr(wrapper, _MARK, True)
        return wrapper
    if hasattr(type(raw), "__get__"):
        return _WrappedDescriptor(raw, method)
    return None


def _subclasses(root: type) -> list[type]:
    found: dict[type, None] = {}
    stack = [root]
    while stack:
        cls = stack.pop()
        try:
            subs: list[type] = type.__subclasses__(cls)
        except TypeError:  # pragma: no cover
            continue
        for sub in subs:
            if sub not in found:
                found[sub] = None
                stack.append(sub)
    return list(found)


# --- scikit-learn splitters -------------------------------------------------------------------
#: The code of the real ``train_test_split`` (a name bound before enabling calls it).
_TTS_CODE: list[CodeType] = []
_SIDES = ("train", "test")


def _array_roles(n: int) -> list[str]:
    """Input roles of the arrays a split divides: ``X``, ``y``, then ``array2``...

    Example:
        >>> _array_roles(3)
        ['X', 'y', 'array2']
    """
    return [("X", "y")[i] if i < 2 else f"array{i}" for i in range(n)]


def _side_role(side: str, index: int, role: str) -> str:
    """The output role of one side of the ``index``-th array: ``train``/``test`` for the
    first, ``train.y``/``test.y``... for the others (the side is what precedes the dot).

    Example:
        >>> _side_role("test", 0, "X"), _side_role("train", 1, "y")
        ('test', 'train.y')
    """
    return side if index == 0 else f"{side}.{role}"


def _int_seed(value: Any) -> int | None:
    """An integer ``random_state`` as the run's seed (None for None, a RandomState...)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if value >= 0 else None


def _plan_split(
    tracker: Tracker,
    *,
    operation: str,
    name: str,
    arrays: list[Any],
    extra: list[tuple[str, Any]],
    params: dict[str, Any],
    seed: int | None,
    metadata: dict[str, Any],
    parts: Callable[[Any], list[Any]],
    logged: dict[str, Any] | None = None,
) -> _Plan:
    """A split run: inputs the arrays divided (and ``extra`` data: ``stratify``, ``groups``),
    outputs each array's training and test part (``parts(result)``: train0, test0, train1...)
    with roles ``train``/``test`` (:func:`_side_role`), seed the integer ``random_state``.
    ``logged`` caches the inputs across the folds of one ``split`` call."""
    roles = _array_roles(len(arrays))
    if logged is not None and "inputs" in logged:
        inputs, notes = logged["inputs"], logged["notes"]
    else:
        items = [(role, a, f"{name}.{role}") for role, a in zip(roles, arrays, strict=True)]
        items += [
            (role, a, f"{name}.{role}")
            for role, a in extra
            if a is not None and not any(a is b for b in arrays)
        ]
        inputs, notes = _data_inputs(tracker, [i for i in items if i[1] is not None])
        if logged is not None:
            logged.update(inputs=inputs, notes=notes)
    if notes:
        metadata = {**metadata, "unrecorded_inputs": notes}

    def finish(run: Run, result: Any) -> list[Callable[[], None]]:
        after: list[Callable[[], None]] = []
        for i, part in enumerate(parts(result)):
            k, side = divmod(i, 2)
            role = _side_role(_SIDES[side], k, roles[k] if k < len(roles) else f"array{k}")
            art = _output(run, tracker, part, f"{name}.{role}", role)
            after += _after_output(tracker, part, art)
        return after

    return _Plan(
        operation=operation,
        name=name,
        inputs=inputs,
        params=params,
        metadata=metadata,
        finish=finish,
        seed=seed,
    )


def _tts_options(options: Mapping[str, Any]) -> tuple[dict[str, Any], int | None]:
    """``train_test_split``'s hyperparameters (every option, defaults included) and seed."""
    params = {
        "test_size": options.get("test_size"),
        "train_size": options.get("train_size"),
        "random_state": options.get("random_state"),
        "shuffle": options.get("shuffle", True),
        "stratified": options.get("stratify") is not None,
    }
    return cast(dict[str, Any], _jsonable(params)), _int_seed(options.get("random_state"))


def _plan_train_test_split(
    tracker: Tracker,
    arrays: list[Any],
    options: Mapping[str, Any],
    parts: Callable[[Any], list[Any]],
) -> _Plan:
    params, seed = _tts_options(options)
    return _plan_split(
        tracker,
        operation="train_test_split",
        name="train_test_split",
        arrays=arrays,
        extra=[("stratify", options.get("stratify"))],
        params=params,
        seed=seed,
        metadata={
            "autolog": "sklearn",
            "splitter": "sklearn.model_selection.train_test_split",
            "method": "train_test_split",
        },
        parts=parts,
    )


def _make_train_test_split(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def train_test_split(*arrays: Any, **options: Any) -> Any:
        return _invoke(
            "train_test_split",
            lambda tracker: _plan_train_test_split(tracker, list(arrays), options, list),
            lambda: original(*arrays, **options),
        )

    setattr(train_test_split, _MARK, True)
    return train_test_split


def _index_parts(arrays: list[Any], fold: Any) -> list[Any]:
    """Each array's rows at a fold's training and test indices (as scikit-learn takes them)."""
    from sklearn.utils import _safe_indexing

    train, test = fold
    return [p for a in arrays for p in (_safe_indexing(a, train), _safe_indexing(a, test))]


def _splitter_params(cv: Any) -> dict[str, Any]:
    """A splitter's constructor arguments, as its ``repr`` shows them."""
    try:
        signature = inspect.signature(type(cv).__init__)
    except (TypeError, ValueError):
        return {}
    extra = getattr(cv, "cvargs", None)
    extra = extra if isinstance(extra, dict) else {}
    params: dict[str, Any] = {}
    for p in signature.parameters.values():
        if p.name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if hasattr(cv, p.name):
            params[p.name] = getattr(cv, p.name)
        elif p.name in extra:
            params[p.name] = extra[p.name]
    return cast(dict[str, Any], _jsonable(params))


def _plan_fold(
    tracker: Tracker,
    cv: Any,
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
    fold: int,
    logged: dict[str, Any],
) -> _Plan:
    short, qual = _estimator_class(cv)
    X = _argument(args, kwargs, 0, "X")
    y = _argument(args, kwargs, 1, "y")
    groups = _argument(args, kwargs, 2, "groups")
    arrays = [a for a in (X, y) if a is not None] if X is not None else []
    params = {**_splitter_params(cv), "fold": fold}
    return _plan_split(
        tracker,
        operation=f"split {short}",
        name=f"{short}.fold{fold}",
        arrays=arrays,
        extra=[("groups", groups)],
        params=params,
        seed=_int_seed(getattr(cv, "random_state", None)),
        metadata={"autolog": "sklearn", "splitter": qual, "method": "split", "fold": fold},
        parts=(lambda item: _index_parts(arrays, item)) if arrays else list,
        logged=logged,
    )


def _recorded_folds(
    cv: Any,
    inner: Iterator[Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    tts: dict[str, Any] | None,
) -> Iterator[Any]:
    """Yields ``inner``'s folds unchanged, each recorded as a run (``tts``: the folds of a
    ``train_test_split`` bound before autologging was enabled, recorded as that)."""
    logged: dict[str, Any] = {}
    fold = 0
    try:
        while True:
            token = _BUSY.set(True)
            try:
                item = next(inner)
            except StopIteration:
                return
            finally:
                _BUSY.reset(token)
            prepare: Callable[[Tracker], _Plan | None]
            if tts is not None:
                arrays = tts["arrays"]
                parts = functools.partial(_index_parts, arrays)
                prepare = functools.partial(
                    _plan_train_test_split, arrays=arrays, options=tts["options"], parts=parts
                )
                what = "train_test_split"
            else:
                prepare = functools.partial(
                    _plan_fold, cv=cv, args=args, kwargs=kwargs, fold=fold, logged=logged
                )
                what = f"split {type(cv).__name__}"
            _invoke(what, prepare, functools.partial(_identity, item))
            yield item
            fold += 1
    finally:
        close = getattr(inner, "close", None)
        if close is not None:
            close()


def _identity(value: R) -> R:
    return value


def _tts_caller(frame: FrameType | None) -> dict[str, Any] | None:
    """The arrays and options of the real ``train_test_split`` when it is ``frame``."""
    if frame is None or not _TTS_CODE or frame.f_code is not _TTS_CODE[0]:
        return None
    local = dict(frame.f_locals)
    arrays = local.get("arrays")
    if not isinstance(arrays, list | tuple):
        return None
    names = ("test_size", "train_size", "random_state", "shuffle", "stratify")
    return {"arrays": list(arrays), "options": {k: local.get(k) for k in names}}


def _make_split(raw: Any) -> Any:
    """The replacement of a splitter's ``split`` method (a function), or None."""
    if not inspect.isfunction(raw):
        return None

    @functools.wraps(raw)
    def split(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _active() is None or type(self).__name__.startswith("_"):
            return raw(self, *args, **kwargs)
        tts = _tts_caller(sys._getframe(1))
        token = _BUSY.set(True)
        try:
            inner = raw(self, *args, **kwargs)
        finally:
            _BUSY.reset(token)
        return _recorded_folds(self, iter(inner), args, kwargs, tts)

    setattr(split, _MARK, True)
    return split


# --- integrations ------------------------------------------------------------------------------
@dataclass
class _Patch:
    owner: Any
    name: str
    original: Any
    replacement: Any

    def revert(self) -> None:
        if vars(self.owner).get(self.name) is not self.replacement:
            logger.warning(
                "provenance autolog: %s.%s was replaced by someone else; left as it is",
                getattr(self.owner, "__name__", self.owner),
                self.name,
            )
            return
        setattr(self.owner, self.name, self.original)

    def __str__(self) -> str:
        owner = self.owner
        prefix = (
            owner.__name__
            if inspect.ismodule(owner)
            else f"{owner.__module__}.{owner.__qualname__}"
        )
        return f"{prefix}.{self.name}"


class _Integration:
    """The patches of one library: installed (idempotently) and removed as a whole."""

    name = ""
    module = ""

    def __init__(self) -> None:
        self.patches: list[_Patch] = []
        self._keys: set[tuple[Any, str]] = set()

    def available(self) -> bool:
        if self.module in sys.modules:
            return True
        try:
            return importlib.util.find_spec(self.module) is not None
        except (ImportError, ValueError):
            return False

    def patch(self, owner: Any, name: str, make: Callable[[Any], Any]) -> None:
        """Replace ``owner.name`` (where it is defined) by ``make(original)``, once."""
        if (owner, name) in self._keys:
            return
        original = vars(owner).get(name, _MISSING)
        if original is _MISSING or getattr(original, _MARK, False):
            return
        replacement = make(original)
        if replacement is None:
            return
        try:
            setattr(owner, name, replacement)
        except (AttributeError, TypeError):  # pragma: no cover - immutable types
            return
        self.patches.append(_Patch(owner, name, original, replacement))
        self._keys.add((owner, name))

    def install(self) -> None:
        raise NotImplementedError

    def uninstall(self) -> None:
        for p in reversed(self.patches):
            p.revert()
        self.patches.clear()
        self._keys.clear()


def _owner(cls: type, name: str) -> type | None:
    """The class in ``cls``'s MRO that defines ``name``."""
    return next((k for k in cls.__mro__ if name in vars(k)), None)


class _Pandas(_Integration):
    name = module = "pandas"
    READERS = (
        ("read_csv", "filepath_or_buffer"),
        ("read_parquet", "path"),
        ("read_json", "path_or_buf"),
        ("read_feather", "path"),
    )
    WRITERS = (
        ("to_csv", "path_or_buf"),
        ("to_parquet", "path"),
        ("to_json", "path_or_buf"),
        ("to_feather", "path"),
    )

    def install(self) -> None:
        pd = importlib.import_module("pandas")
        generic = importlib.import_module("pandas.core.generic")
        for fn, param in self.READERS:
            if hasattr(pd, fn):
                self.patch(pd, fn, functools.partial(_make_reader, f"pandas.{fn}", param))
        for fn, param in self.WRITERS:
            owner = _owner(pd.DataFrame, fn)
            if owner is not None:
                make = functools.partial(
                    _make_writer, f"pandas.DataFrame.{fn}", "self", param, method=True
                )
                self.patch(owner, fn, make)
        self.patch(generic.NDFrame, "__finalize__", _make_finalize)
        for cls in (pd.DataFrame, pd.Series):
            owner = _owner(cls, "to_numpy")
            if owner is not None:
                self.patch(owner, "to_numpy", _make_carry)


class _Pyarrow(_Integration):
    name = module = "pyarrow"

    def install(self) -> None:
        pq = importlib.import_module("pyarrow.parquet")
        pcsv = importlib.import_module("pyarrow.csv")
        self.patch(
            pq,
            "read_table",
            functools.partial(_make_reader, "pyarrow.parquet.read_table", "source"),
        )
        self.patch(
            pcsv, "read_csv", functools.partial(_make_reader, "pyarrow.csv.read_csv", "input_file")
        )
        self.patch(
            pq,
            "write_table",
            functools.partial(
                _make_writer, "pyarrow.parquet.write_table", "table", "where", method=False
            ),
        )
        self.patch(
            pcsv,
            "write_csv",
            functools.partial(
                _make_writer, "pyarrow.csv.write_csv", "data", "output_file", method=False
            ),
        )


class _Sklearn(_Integration):
    name = module = "sklearn"
    _imported_all = False

    def install(self) -> None:
        base = importlib.import_module("sklearn.base")
        if not _Sklearn._imported_all:
            try:  # imports every estimator module, so their classes exist to be patched
                importlib.import_module("sklearn.utils").all_estimators()
            except Exception as exc:  # pragma: no cover - partial sklearn installs
                logger.debug("sklearn.utils.all_estimators() failed: %s", exc)
            _Sklearn._imported_all = True
        for cls in [base.BaseEstimator, *_subclasses(base.BaseEstimator)]:
            for klass in cls.__mro__:
                if klass is object or klass.__module__ == "builtins":
                    continue
                for method in _SK_METHODS:
                    if method in vars(klass):
                        self.patch(klass, method, functools.partial(_make_sklearn, method=method))
        self.install_splitters()

    def install_splitters(self) -> None:
        """``train_test_split`` (where defined and in ``sklearn.model_selection``) and the
        ``split`` method of every cross-validation splitter class."""
        split = importlib.import_module("sklearn.model_selection._split")
        selection = importlib.import_module("sklearn.model_selection")
        tts = vars(split).get("train_test_split")
        if callable(tts) and not _TTS_CODE:
            code = getattr(inspect.unwrap(tts), "__code__", None)
            if isinstance(code, CodeType):
                _TTS_CODE.append(code)
        for owner in (split, selection):
            self.patch(owner, "train_test_split", _make_train_test_split)
        roots = [
            getattr(split, n)
            for n in ("BaseCrossValidator", "BaseShuffleSplit", "_RepeatedSplits")
            if isinstance(getattr(split, n, None), type)
        ]
        for root in roots:
            for cls in [root, *_subclasses(root)]:
                for klass in cls.__mro__:
                    if klass is not object and "split" in vars(klass):
                        self.patch(klass, "split", _make_split)


_INTEGRATIONS: dict[str, _Integration] = {
    "pandas": _Pandas(),
    "pyarrow": _Pyarrow(),
    "sklearn": _Sklearn(),
}


def _apply(config: _Config | None) -> None:
    """Make ``config`` the one in force (None: off), patching and unpatching to match."""
    with _STATE.lock:
        for name, integration in _INTEGRATIONS.items():
            wanted = config is not None and bool(getattr(config, name))
            if wanted and integration.available():
                try:
                    integration.install()
                except Exception as exc:
                    _warn(f"anything from {name} (enabling failed)", exc)
                    integration.uninstall()
            else:
                integration.uninstall()
        _STATE.config = config
        _STATE.pid = os.getpid()
        if config is None:
            _SOURCES.clear()
            _MODELS.clear()
            _KNOWN.clear()


# --- public API ----------------------------------------------------------------------------------
class Autolog:
    """What :func:`autolog` (or :meth:`Tracker.autolog`) returns.

    Autologging is on (or off) as soon as it is returned. ``disable()`` turns it off and puts
    every replaced function back; used as a context manager, leaving the block restores what
    was in force before it (off, or an earlier configuration).

    Example:
        >>> import pandas as pd, tempfile, provenance
        >>> original = pd.read_csv
        >>> t = provenance.Tracker(tempfile.mkdtemp() + "/")
        >>> handle = provenance.autolog(t, sklearn=False)
        >>> handle.active, pd.read_csv is original
        (True, False)
        >>> handle.disable()
        >>> handle.active, pd.read_csv is original
        (False, True)
    """

    def __init__(self, config: _Config | None, previous: _Config | None) -> None:
        self._config = config
        self._previous = previous

    @property
    def tracker(self) -> Tracker | None:
        """The tracker receiving the records (None for a handle that turned autologging off)."""
        return self._config.tracker if self._config is not None else None

    @property
    def active(self) -> bool:
        """True while this handle's configuration is the one in force."""
        return self._config is not None and _STATE.config is self._config

    @property
    def patched(self) -> list[str]:
        """The functions replaced right now (``module.Class.method``), in patch order."""
        return [str(p) for i in _INTEGRATIONS.values() for p in i.patches]

    def disable(self) -> None:
        """Turn autologging off everywhere and put back every function it replaced."""
        _apply(None)

    def __enter__(self) -> Autolog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _apply(self._previous)

    def __repr__(self) -> str:
        state = "active" if self.active else "inactive"
        where = f" -> {_store_key(self.tracker)}" if self.tracker is not None else ""
        return f"<Autolog {state}{where}>"


def autolog(
    tracker: Tracker | None = None,
    *,
    sklearn: bool = True,
    pandas: bool = True,
    pyarrow: bool = True,
    disable: bool = False,
) -> Autolog:
    """Record scikit-learn fits and predictions and pandas / pyarrow file reads and writes
    into ``tracker`` as runs, process-wide, from now on (see the module docs for what is
    recorded and the limits).

    ``tracker`` defaults to the one already in use, else ``Tracker()`` (``$PROVENANCE_STORE``
    or ``./.provenance/``). Calling it again is harmless: patches are installed once (and
    classes defined since are picked up); the flags and tracker of the latest call apply.
    ``disable=True`` turns autologging off and restores every replaced function. A library
    that is not installed is skipped. Returns an :class:`Autolog` handle, also a context
    manager that restores the previous state on exit.

    Example:
        >>> import tempfile, pandas as pd, provenance
        >>> d = tempfile.mkdtemp()
        >>> t = provenance.Tracker(d + "/store/")
        >>> with provenance.autolog(t, sklearn=False):
        ...     pd.DataFrame({"x": [1, 2]}).to_csv(d + "/out.csv", index=False)
        >>> [(tr.operation, tr.name) for tr in t.store.find_transforms()]
        [('pandas.DataFrame.to_csv', 'out.csv')]
        >>> provenance.autolog(disable=True).active
        False
    """
    previous = _STATE.config
    if disable:
        _apply(None)
        return Autolog(None, previous)
    if tracker is None:
        if previous is not None:
            tracker = previous.tracker
        else:
            from provenance.tracker import Tracker

            tracker = Tracker()
    config = _Config(tracker=tracker, sklearn=sklearn, pandas=pandas, pyarrow=pyarrow)
    _apply(config)
    return Autolog(config, previous)


def _iter_patches() -> Iterator[_Patch]:  # for tests and debugging
    for integration in _INTEGRATIONS.values():
        yield from integration.patches
