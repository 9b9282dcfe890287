"""The user-facing tracking API: log artifacts, record runs, query lineage.

Example:
    >>> import tempfile, pandas as pd
    >>> from provenance import Tracker
    >>> tracker = Tracker(tempfile.mkdtemp() + "/")
    >>> raw = tracker.log_artifact(pd.DataFrame({"x": [1, 2, 3]}), name="raw")
    >>> with tracker.run("double", inputs=[raw], params={"factor": 2}) as run:
    ...     out = run.output(pd.DataFrame({"x": [2, 4, 6]}), name="doubled")
    >>> [a.name for a in tracker.ancestry(out.id).artifacts]
    ['doubled', 'raw']
    >>> tracker.close()
"""

from __future__ import annotations

import datetime as _dt
import functools
import inspect
import os
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from types import FrameType, TracebackType
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from pydantic import ValidationError

from provenance.capture import (
    DERIVATION,
    capture_code_version,
    capture_environment,
    feature_stats,
    isolated_rng,
)
from provenance.capture.environment import run_environment
from provenance.capture.fitting import FitRecorder, declared_fits, fit_metadata, watch_fits
from provenance.capture.stats import redact_identifying_values
from provenance.errors import (
    InvalidMetricError,
    MissingExtraError,
    ModelFormatError,
    StoreUnavailableError,
    TrackingError,
    UnsupportedTypeError,
)
from provenance.hashing import ContentInfo, DigestCache, digest_object
from provenance.hashing.core import DEFAULT_ALGORITHM, canonical_json, check_algorithm
from provenance.hashing.frameworks import model_framework
from provenance.hashing.weights import is_state_dict
from provenance.locations import path_to_uri, uri_to_path
from provenance.model import (
    Artifact,
    CodeVersion,
    Cost,
    Edge,
    Environment,
    Model,
    SeedState,
    Transform,
    check_metrics,
    utcnow,
)
from provenance.reader import StoreReader
from provenance.spool import spooled
from provenance.store import AnyNode, Direction, LineageStore
from provenance.wording import with_article

if TYPE_CHECKING:
    from openlineage.client.client import OpenLineageClient
    from openlineage.client.transport.transport import Transport

    from provenance.autolog import Autolog
    from provenance.objects import ObjectStore

P = ParamSpec("P")
R = TypeVar("R")

#: An input or model of a run: an Artifact, an artifact id, or a model object (a fitted
#: scikit-learn estimator, a booster, a torch module... logged on the spot).
ArtifactRef = Artifact | str | Any
#: The environment variable naming where ``log_model(save=True)`` writes models.
MODEL_DIR_ENV = "PROVENANCE_MODEL_DIR"


def is_model_object(value: Any) -> bool:
    """True for a model object :meth:`Tracker.log_model` takes: a framework model
    (scikit-learn, XGBoost, LightGBM, torch, transformers, Keras) or a state dict.

    Example:
        >>> import numpy as np
        >>> is_model_object({"w": np.zeros(2)}), is_model_object(np.zeros(2))
        (True, False)
    """
    return model_framework(value) is not None or is_state_dict(value)


def _is_data(value: Any) -> bool:
    """True for values the decorator treats as data (inputs/outputs), not hyperparameters."""
    if isinstance(value, Artifact | bytes | bytearray | memoryview | Path):
        return True
    if model_framework(value) is not None:
        return True
    mod = type(value).__module__.split(".")[0]
    return (
        mod in ("pandas", "numpy", "pyarrow", "polars", "torch")
        and not isinstance(value, int | float | bool)
        and hasattr(value, "__len__")
    )


class Run:
    """A transform being recorded; made by :meth:`Tracker.run`, used as a context manager.

    Attributes:
        transform_id: the deterministic id this run will be recorded under.
        memoized: True when this exact work was already recorded as succeeded.
        previous_outputs: the outputs recorded for it then (empty otherwise).
        seed_state: the seeds and RNG states the run executes with.
        metrics: what the run measured so far (:meth:`log_metric`, ``metrics=``).
        tracking_overhead_s: the tracker's own seconds on this run so far (capturing the code
            version, logging inputs, isolating the RNGs, digesting outputs...): recorded as
            ``metadata["tracking_overhead_s"]``, never in the run's duration.
    """

    def __init__(
        self,
        tracker: Tracker,
        operation: str,
        inputs: Sequence[ArtifactRef] | Mapping[str, ArtifactRef],
        params: Mapping[str, Any],
        seed: int | None,
        model: ArtifactRef | None,
        name: str | None,
        cost: Cost | Mapping[str, Any] | None,
        deterministic: bool,
        code_version: CodeVersion,
        metadata: Mapping[str, Any],
        metrics: Mapping[str, Any] | None = None,
        fits_on_rows: bool | None = None,
    ) -> None:
        if not operation or not isinstance(operation, str):
            raise TrackingError("operation must be a non-empty string")
        try:
            #: Declared: the run fits statistics on its input rows (None: seen, see fitting).
            self.fits_on_rows = declared_fits(fits_on_rows)
        except ValueError as exc:
            raise TrackingError(str(exc)) from exc
        #: Note the scikit-learn estimators the block fits (autolog's own runs do not).
        self._watch_fits = True
        self._fits: FitRecorder | None = None
        self.tracking_overhead_s = 0.0
        self._in_block_s = 0.0  # the tracker's seconds inside the block (run.output)
        self._clock = 0.0  # perf_counter when the block's code began
        #: What the run measured so far (:meth:`log_metric`); stored on the Transform.
        self.metrics: dict[str, float] = check_metrics(metrics)
        self._tracker = tracker
        self.operation = operation
        self.name = name
        self.params = dict(params)
        try:
            canonical_json(self.params)
        except (UnsupportedTypeError, TypeError, ValueError) as exc:
            raise TrackingError(
                f"params of {operation!r} are not JSON-serializable: {exc}"
            ) from exc
        self.seed = seed
        self.deterministic = deterministic
        self.code_version = code_version
        self.metadata = dict(metadata)
        self.cost = Cost.model_validate(cost) if isinstance(cost, Mapping) else cost
        pairs = (
            list(inputs.items())
            if isinstance(inputs, Mapping)
            else [(f"input{i}" if len(inputs) > 1 else "input", a) for i, a in enumerate(inputs)]
        )
        self.inputs: list[tuple[str, Artifact]] = [
            (role, tracker._artifact(ref, name=role if isinstance(inputs, Mapping) else None))
            for role, ref in pairs
        ]
        self.model = tracker._artifact(model) if model is not None else None
        self._outputs: list[tuple[str, Artifact]] = []
        self._stack = ExitStack()
        self._closed = True
        self.seed_state: SeedState | None = None
        self.transform_id = ""
        self.memoized = False
        self.previous_outputs: list[Artifact] = []
        self.transform: Transform | None = None

    # --- context manager -----------------------------------------------------------------
    def __enter__(self) -> Run:
        # Everything that talks to the store happens before the RNGs are isolated: a store
        # client may draw from `random` (the Neo4j driver does), which must neither perturb
        # the block's seeded randomness nor count as the block's own.
        begin = time.perf_counter()
        seed_identity = (
            SeedState(master_seed=self.seed, derivation=DERIVATION).identity()
            if self.seed is not None
            else None
        )
        self.transform_id = Transform.make_id(
            operation=self.operation,
            input_ids=[a.id for _, a in self.inputs],
            code_version_id=self.code_version.id,
            model_id=self.model.id if self.model else None,
            hyperparameters=self.params,
            seed=seed_identity,
            algo=self._tracker.algo,
        )
        previous = self._tracker._lookup(self.transform_id)
        if isinstance(previous, Transform) and previous.status == "succeeded":
            self.memoized = True
            self.previous_outputs = self._tracker.outputs_of(self.transform_id)
        self.seed_state = self._stack.enter_context(
            isolated_rng(self.seed, deterministic=self.deterministic)
        )
        self._fits = self._stack.enter_context(watch_fits()) if self._watch_fits else None
        self._closed = False
        self._in_block_s = 0.0
        # The run's duration is the block's code only: it starts now, after the tracker's
        # own work, and the tracker's time inside the block (run.output) is taken out.
        self.started_at = utcnow()
        self._clock = time.perf_counter()
        self.tracking_overhead_s += self._clock - begin
        return self

    def _inherits_pii(self) -> bool:
        """True when an input, or the model, of this run is flagged ``contains_pii``."""
        used = [a for _, a in self.inputs] + ([self.model] if self.model is not None else [])
        return any(a.contains_pii is True for a in used)

    def output(
        self,
        obj: Any,
        name: str,
        kind: str | None = None,
        *,
        role: str | None = None,
        save: bool = False,
        **metadata: Any,
    ) -> Artifact:
        """Digest ``obj`` and attach it to this run as an output; returns the artifact.

        Accepts whatever :meth:`Tracker.log_artifact` accepts (including an Artifact), so
        also model objects (a fitted scikit-learn estimator, a booster, a torch module...),
        recorded as a :class:`~provenance.model.Model`. ``save=True`` (models only) writes
        the model too, as :meth:`Tracker.log_model` does (``uri=`` and ``format=`` say
        where and how).

        PII is inherited: when an input (or the model) of the run is flagged
        ``contains_pii=True``, the output is flagged too, unless ``contains_pii=False`` is
        passed here (an explicit False wins; an Artifact passed in keeps a False it has). A
        flagged output's statistics leave out the values of identifier and free-text columns
        (``pii_values=True`` keeps them; see :meth:`Tracker.log_artifact`). The time spent
        here is the tracker's, not the run's (see :meth:`Tracker.run`).

        Example:
            >>> import tempfile, numpy as np, pandas as pd
            >>> t = Tracker(tempfile.mkdtemp() + "/")
            >>> with t.run("init") as run:
            ...     m = run.output({"w": np.zeros(3)}, name="weights")
            >>> m.node_type, m.framework
            ('Model', 'numpy')
            >>> users = t.log_artifact(pd.DataFrame({"email": ["a@x.org", "b@y.org"]}),
            ...                        name="users", contains_pii=True)
            >>> with t.run("first", inputs=[users]) as run:
            ...     first = run.output(pd.DataFrame({"email": ["a@x.org"]}), name="first")
            >>> first.contains_pii, "top_values" in first.feature_stats["columns"]["email"]
            (True, False)
        """
        if self._closed:
            raise TrackingError("run.output() called outside the run's `with` block")
        begin = time.perf_counter()
        try:
            inherit = metadata.get("contains_pii") is None and self._inherits_pii()
            keep_content = metadata.pop("keep", None)
            if isinstance(obj, Artifact):
                keep = metadata.get("pii_values")
                art = self._tracker._flag_pii(obj, keep) if inherit else obj
            else:
                if inherit:
                    metadata["contains_pii"] = True
                if save:
                    art = self._tracker._model_artifact(
                        obj, name=name, kind=kind, save=True, **metadata
                    )
                else:
                    art = self._tracker._make_artifact(obj, name=name, kind=kind, **metadata)
                self._tracker._keep(obj, art, keep_content)
            self._outputs.append((role or name, art))
            return art
        finally:
            self._in_block_s += time.perf_counter() - begin

    def log_metric(self, name: str, value: float) -> None:
        """Record one metric of this run (stored in the Transform's ``metrics``).

        ``value`` must be a finite real number (int, float, numpy number), else
        :class:`~provenance.errors.InvalidMetricError`. Inside the ``with`` block a metric
        logged twice keeps the last value. After the block, a metric is added to the
        recorded transform (an evaluation done later); one already recorded cannot change.

        Example:
            >>> import tempfile
            >>> t = Tracker(tempfile.mkdtemp() + "/")
            >>> with t.run("evaluate") as run:
            ...     run.log_metric("accuracy", 0.97)
            >>> t.get(run.transform_id).metrics
            {'accuracy': 0.97}
        """
        self.log_metrics({name: value})

    def log_metrics(self, metrics: Mapping[str, float]) -> None:
        """Record several metrics at once (see :meth:`log_metric`).

        Example:
            >>> import tempfile
            >>> t = Tracker(tempfile.mkdtemp() + "/")
            >>> with t.run("evaluate", metrics={"loss": 0.3}) as run:
            ...     run.log_metrics({"accuracy": 0.9, "f1": 0.8})
            >>> run.log_metrics({"auc": 0.95})  # after the block: added to the record
            >>> sorted(t.get(run.transform_id).metrics)
            ['accuracy', 'auc', 'f1', 'loss']
        """
        checked = check_metrics(metrics)
        if not self._closed or self.transform is None:
            self.metrics.update(checked)
            return
        recorded = self._tracker._lookup(self.transform.id)
        have = recorded.metrics if isinstance(recorded, Transform) else self.transform.metrics
        changed = sorted(k for k, v in checked.items() if k in have and have[k] != v)
        if changed:
            raise InvalidMetricError(
                f"metric(s) {', '.join(changed)} of {self.operation!r} already recorded "
                f"({', '.join(f'{k}={have[k]}' for k in changed)}); a recorded metric does not "
                "change: log it inside the run, or record a new run"
            )
        self.metrics.update(checked)
        update = self.transform.model_copy(update={"metrics": {**have, **checked}})
        self._tracker.store.write([update], [])
        stored = self._tracker._lookup(update.id)
        self.transform = stored if isinstance(stored, Transform) else update

    @property
    def outputs(self) -> list[Artifact]:
        """Outputs attached so far."""
        return [a for _, a in self._outputs]

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        finished = time.perf_counter()
        self._closed = True
        self._stack.close()  # restores the caller's RNG states
        user_s = max(0.0, finished - self._clock - self._in_block_s)
        ended = self.started_at + _dt.timedelta(seconds=user_s)
        failed = exc is not None
        assert self.seed_state is not None
        cost = self.cost
        if cost is not None and cost.duration_s is None:
            cost = cost.model_copy(update={"duration_s": (ended - self.started_at).total_seconds()})
        # what the run imported, as of its end (the rest as captured once per tracker)
        environment = run_environment(self._tracker.environment)
        overhead = self.tracking_overhead_s + self._in_block_s + time.perf_counter() - finished
        self.tracking_overhead_s = overhead
        transform = Transform(
            id=self.transform_id,
            operation=self.operation,
            name=self.name,
            hyperparameters=self.params,
            seed_state=self.seed_state,
            code_version_id=self.code_version.id,
            model_id=self.model.id if self.model else None,
            input_ids=[a.id for _, a in self.inputs],
            started_at=self.started_at,
            ended_at=ended,
            status="failed" if failed else "succeeded",
            error=(
                "".join(traceback.format_exception_only(exc_type, exc)).strip()
                if failed and exc_type is not None
                else None
            ),
            cost=cost,
            environment=environment,
            metadata={
                **self.metadata,
                **fit_metadata(self.fits_on_rows, self._fits),
                "tracking_overhead_s": round(overhead, 6),
            },
            metrics=self.metrics,
        )
        nodes: list[AnyNode] = [self.code_version, transform]
        edges = [Edge(source=transform.id, target=self.code_version.id, type="RAN")]
        for role, art in self.inputs:
            edges.append(Edge(source=transform.id, target=art.id, type="USED", role=role))
        if self.model is not None:
            edges.append(Edge(source=transform.id, target=self.model.id, type="USED_MODEL"))
        if not failed:
            for role, art in self._outputs:
                nodes.append(art)
                edges.append(Edge(source=transform.id, target=art.id, type="PRODUCED", role=role))
        self._tracker.store.write(nodes, edges)
        self.transform = transform
        if self._tracker.openlineage is not None:  # never raises: a failure is a warning
            from provenance.openlineage.export import emit_transform

            emit_transform(self._tracker.store, self._tracker.openlineage, [transform.id])


class Tracker(StoreReader):
    """Records lineage into a store and answers lineage questions.

    Args:
        store: a store URI or path (see :mod:`provenance.store.uri`), an open
            :class:`~provenance.store.LineageStore`, or None for ``$PROVENANCE_STORE`` or the
            embedded store at ``./.provenance/``.
        algo: digest algorithm for artifacts and ids (``blake3`` or ``sha256``).
        row_fingerprints: store per-row fingerprints with DataFrame artifacts.
        packages: which package versions runs record: ``imported`` or ``all``.
        openlineage: an OpenLineage transport (HTTP, file, console, Kafka...) or client: after
            each run is recorded its START and COMPLETE/FAIL events are sent through it (see
            :mod:`provenance.openlineage.export`); a failure to send is logged as a warning
            and never fails the run.
        strict: raise :class:`~provenance.errors.StoreUnavailableError` when the store
            cannot be reached (opening it, recording a run) instead of carrying on. Either
            way, every write to a Neo4j store first goes to a durable local spool
            (:mod:`provenance.spool`) and is sent from there, so no record is lost.
        spool: journal writes in the spool before sending them: None (default) for Neo4j
            stores only, True for any store, False never.
        pii_values: record the value-level statistics (top values, min/max, quantiles,
            histograms) of identifier and free-text columns of artifacts flagged
            ``contains_pii`` too (default False: they are left out; see
            :meth:`log_artifact`). A ``pii_values=`` keyword on one call overrides it.
        keep: what content the object store (:mod:`provenance.objects`, :attr:`objects`)
            keeps: ``"auto"`` (default; ``$PROVENANCE_KEEP`` when set) everything logged from
            memory and files/directories up to 64 MiB, True/``"all"`` everything,
            False/``"none"`` nothing. A ``keep=`` keyword on one call overrides it.

    Without ``strict``, a Neo4j server that is down or unreachable, at construction or in
    the middle of a pipeline, never fails it: each run is kept in the spool and sent by a
    background thread, with backoff, once the server is back (else at :meth:`close`, at
    exit, by the next process writing to that store, or by ``provenance spool flush``).
    Queries (:meth:`ancestry`, :meth:`get`...) still need the server and raise
    ``StoreUnavailableError`` without it.
    """

    def __init__(
        self,
        store: str | LineageStore | None = None,
        *,
        algo: str = DEFAULT_ALGORITHM,
        row_fingerprints: bool = False,
        packages: str = "imported",
        openlineage: Transport | OpenLineageClient | None = None,
        strict: bool = False,
        spool: bool | None = None,
        pii_values: bool = False,
        keep: bool | str | None = None,
    ) -> None:
        from provenance.objects import keep_policy

        self.algo = check_algorithm(algo)
        #: What the object store keeps by default (``auto``, ``all`` or ``none``).
        self.keep = keep_policy(keep)
        #: Keep the values of identifier and free-text columns of PII artifacts' statistics.
        self.pii_values = _check_pii_values(pii_values, default=False)
        #: Raise when the store is unavailable, instead of keeping runs in the spool only.
        self.strict = strict
        self.store: LineageStore = spooled(store, strict=strict, spool=spool)
        self.row_fingerprints = row_fingerprints
        self._packages = packages
        self._environment: Environment | None = None
        #: Outputs of the last call of a function decorated with :meth:`transform`.
        self.last_outputs: list[Artifact] = []
        self._cache: DigestCache | None = None
        #: The OpenLineage client every recorded run's events go through (None: no events).
        self.openlineage: OpenLineageClient | None = None
        if openlineage is not None:
            from provenance.openlineage.export import as_client

            self.openlineage = as_client(openlineage)

    # --- lifecycle -----------------------------------------------------------------------
    def close(self) -> None:
        """Close the store (and the digest cache)."""
        if self._cache is not None:
            self._cache.close()
        self.store.close()

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _lookup(self, node_id: str) -> AnyNode | None:
        """``store.get`` for the tracker's own bookkeeping (is this run memoized? what did
        the store keep of this artifact?): None while the store is unavailable, unless
        ``strict``, so recording carries on into the spool."""
        try:
            return self.store.get(node_id)
        except StoreUnavailableError:
            if self.strict:
                raise
            return None

    @property
    def environment(self) -> Environment:
        """The environment runs record (captured once per tracker, on first use)."""
        if self._environment is None:
            self._environment = capture_environment(self._packages)  # type: ignore[arg-type]
        return self._environment

    @property
    def objects(self) -> ObjectStore:
        """The object store keeping artifact content (:meth:`ObjectStore.for_store`)."""
        from provenance.objects import ObjectStore

        return ObjectStore.for_store(self.store)

    def _keep(self, obj: Any, art: Artifact, keep: Any) -> None:
        """Keep ``obj``'s content for ``art`` as ``keep`` (else :attr:`keep`) says."""
        from provenance.objects import keep_content, keep_policy

        keep_content(
            self.objects, obj, art, keep_policy(keep, self.keep), strict=keep in (True, "all")
        )

    def _digest_cache(self) -> DigestCache:
        """The shared file-digest cache, opened on first use (it degrades to no cache)."""
        if self._cache is None:
            self._cache = DigestCache()
        return self._cache

    # --- artifacts -----------------------------------------------------------------------
    def _make_artifact(
        self,
        obj: Any,
        *,
        name: str,
        kind: str | None = None,
        uri: str | None = None,
        include_index: bool = False,
        float_decimals: int | None = None,
        stats: bool = True,
        pii_values: bool | None = None,
        **fields: Any,
    ) -> Artifact:
        if not name or not isinstance(name, str):
            raise TrackingError("an artifact needs a non-empty name")
        keep_pii_values = _check_pii_values(pii_values, default=self.pii_values)
        arch = fields.get("architecture_hash")
        info: ContentInfo = digest_object(
            obj,
            algo=self.algo,
            include_index=include_index,
            float_decimals=float_decimals,
            architecture=arch if isinstance(arch, str) else None,
            cache=self._digest_cache() if isinstance(obj, str | Path) else None,
        )
        known = {f for f in Model.model_fields if f not in ("id", "node_type", "metadata")}
        governance = {k: fields.pop(k) for k in list(fields) if k in known}
        metadata = {**fields}
        details = dict(info.details)
        if uri is None and info.kind in ("file", "directory"):
            uri = path_to_uri(obj)
        frame = _as_frame(obj) if stats else None
        if frame is None and stats and info.kind == "file" and (kind or "") == "dataset":
            frame = _read_table(Path(obj))
        stats_dict = feature_stats(frame) if frame is not None else None
        if frame is not None and self.row_fingerprints:
            from provenance.hashing import row_fingerprints

            metadata["row_fingerprints"] = [int(x) for x in row_fingerprints(frame)]
        common: dict[str, Any] = dict(
            id=info.digest,
            name=name,
            kind=kind or info.kind,
            uri=uri,
            row_count=info.row_count
            if info.row_count is not None
            else (len(frame) if frame is not None else None),
            size_bytes=info.size_bytes,
            feature_stats=stats_dict,
            metadata={**metadata, "content": details} if details else metadata,
        )
        common.update(governance)
        if common.get("contains_pii") is True and stats_dict is not None and not keep_pii_values:
            common["feature_stats"] = redact_identifying_values(stats_dict)
        try:
            if info.kind == "model" or kind == "model":
                return Model(
                    **{
                        k: v
                        for k, v in common.items()
                        if k not in ("architecture_hash", "framework")
                    },
                    architecture_hash=common.get("architecture_hash")
                    or details.get("architecture_hash"),
                    framework=common.get("framework") or details.get("framework"),
                    parameter_count=details.get("parameter_count"),
                )
            return Artifact(**common)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise TrackingError(f"artifact {name!r} has invalid fields: {problems}") from exc

    def log_artifact(
        self, obj: Any, name: str, kind: str | None = None, **metadata: Any
    ) -> Artifact:
        """Digest ``obj``, record it as an artifact, and return it.

        ``obj`` may be a pandas DataFrame, pyarrow Table, numpy array, bytes, a file or
        directory path, or a dict of arrays (model weights; pass ``architecture_hash=`` and
        ``framework=`` to describe it). Known fields (``uri``, ``schema_version``,
        ``license``, ``contains_pii``, ``owner``, ``include_index``, ``float_decimals``,
        ``stats``, ``pii_values``) are used as such; any other keyword is stored as metadata.
        Logging the same content twice returns the same artifact and creates nothing new.

        ``keep=`` (``"auto"``, True/``"all"``, False/``"none"``; default the tracker's)
        says whether the content is kept in the object store (:attr:`objects`, README
        "Reproduce"); content already kept is not written again.

        With ``contains_pii=True`` the feature statistics of identifier and free-text
        columns (:func:`~provenance.capture.stats.column_role`) keep no values: kind, dtype,
        count, nulls, cardinality and text lengths only
        (:func:`~provenance.capture.stats.redact_identifying_values`); ``pii_values=True``
        (or ``Tracker(pii_values=True)``) records them anyway.

        Example:
            >>> import tempfile, numpy as np
            >>> t = Tracker(tempfile.mkdtemp() + "/")
            >>> a = t.log_artifact(np.arange(3), name="xs")
            >>> a.kind, a.id == t.log_artifact(np.arange(3), name="xs").id
            ('array', True)
        """
        keep = metadata.pop("keep", None)
        art = self._make_artifact(obj, name=name, kind=kind, **metadata)
        self.store.write([art], [])
        stored = self._lookup(art.id)
        self._keep(obj, art, keep)
        return stored if isinstance(stored, Artifact) else art

    def _flag_pii(self, art: Artifact, pii_values: Any = None) -> Artifact:
        """``art`` flagged ``contains_pii`` (an output inheriting the flag), its statistics
        redacted unless ``pii_values``; an artifact already flagged either way is kept."""
        if art.contains_pii is not None:
            return art
        keep = _check_pii_values(pii_values, default=self.pii_values)
        stats = art.feature_stats
        if stats is not None and not keep:
            stats = redact_identifying_values(stats)
        return art.model_copy(update={"contains_pii": True, "feature_stats": stats})

    def _artifact(self, ref: ArtifactRef, name: str | None = None) -> Artifact:
        """An input or model of a run: the Artifact itself, the node with that id, or a model
        object logged now (named ``name``, else after its class)."""
        if isinstance(ref, Artifact):
            return ref
        if isinstance(ref, str):
            node = self.get(ref)
            if not isinstance(node, Artifact):
                raise TrackingError(f"{ref} is {with_article(node.node_type)}, not an artifact")
            return node
        if is_model_object(ref):
            return self.log_model(ref, name=name or type(ref).__name__)
        raise TrackingError(
            f"inputs must be Artifacts, artifact ids or model objects, got "
            f"{type(ref).__name__}; log data with tracker.log_artifact() first"
        )

    # --- models --------------------------------------------------------------------------
    def model_dir(self) -> Path:
        """Where :meth:`log_model` saves models without a ``uri``: ``$PROVENANCE_MODEL_DIR``,
        else ``models/`` beside an embedded store's file, else ``./.provenance/models/``.

        Example:
            >>> import tempfile, pathlib
            >>> d = tempfile.mkdtemp()
            >>> Tracker(d + "/").model_dir() == pathlib.Path(d).resolve() / "models"
            True
        """
        env = os.environ.get(MODEL_DIR_ENV)
        if env:
            return Path(env).expanduser().resolve()
        uri = getattr(self.store, "uri", None)
        if isinstance(uri, str) and uri.startswith("sqlite://"):
            return Path(uri[len("sqlite://") :]).resolve().parent / "models"
        return Path(".provenance", "models").resolve()

    def _model_artifact(
        self,
        obj: Any,
        *,
        name: str,
        kind: str | None = None,
        save: bool = False,
        uri: str | os.PathLike[str] | None = None,
        format: str | None = None,
        **metadata: Any,
    ) -> Model:
        """The Model for ``obj``, its file written first when ``save`` (or ``uri``) asks."""
        from provenance import models_io

        if isinstance(obj, Artifact) or not is_model_object(obj):
            raise TrackingError(
                f"log_model needs a model, got a {type(obj).__module__}.{type(obj).__qualname__}"
                ": a fitted scikit-learn estimator or pipeline, an XGBoost or LightGBM booster "
                "or estimator, a torch nn.Module or state dict, a Hugging Face transformers "
                "model, a Keras model, or a dict of arrays (use log_artifact for data)"
            )
        art = self._make_artifact(obj, name=name, kind=kind or "model", **metadata)
        if not isinstance(art, Model):  # pragma: no cover - a model object digests as a model
            raise TrackingError(f"{name!r} did not digest as a model")
        if not save and uri is None:
            return art
        if uri is None:
            algo, hexdigest = art.id.split(":", 1)
            dest = self.model_dir() / algo / hexdigest / _file_name(name)
        else:
            dest = _destination(uri, name)
        content = art.metadata.get("content") or {}
        arch = art.architecture_hash if content.get("architecture_in_digest") else None
        saved = models_io.save_model(obj, dest, format=format, architecture_hash=arch)
        record = saved.metadata()
        try:
            reloaded = models_io.saved_digest(
                art.model_copy(update={"metadata": {**art.metadata, "saved": record}}), saved.path
            )
        except MissingExtraError:
            _discard(saved.path)
            raise
        except Exception as exc:  # any other failure to re-load: the format lost something
            _discard(saved.path)
            raise ModelFormatError(
                f"model {name!r} was saved as {saved.format} but cannot be re-loaded: {exc}"
            ) from exc
        if reloaded != art.id:
            _discard(saved.path)
            raise ModelFormatError(
                f"model {name!r} saved as {saved.format} re-loads as a different model "
                f"({reloaded[:19]}…, not {art.id[:19]}…): the format does not keep all of it; "
                "nothing was saved (log it with save=False to record its digest only)"
            )
        record["file_digest"] = digest_object(saved.path, algo=self.algo).digest
        return art.model_copy(
            update={
                "uri": path_to_uri(saved.path),
                "metadata": {**art.metadata, "saved": record},
            }
        )

    def log_model(
        self,
        obj: Any,
        name: str,
        *,
        save: bool = False,
        uri: str | os.PathLike[str] | None = None,
        format: str | None = None,
        **metadata: Any,
    ) -> Model:
        """Record a model object as a :class:`~provenance.model.Model`, optionally saving it.

        ``obj``: a fitted (or not) scikit-learn estimator or pipeline, an XGBoost or
        LightGBM booster or scikit-learn-API estimator, a torch ``nn.Module`` or state dict,
        a Hugging Face ``transformers`` model, a Keras model, or a dict of numpy arrays. Its
        id is the canonical digest of class, hyperparameters and fitted state (recipes in
        :mod:`provenance.hashing.frameworks`); the framework, its version and the class
        are recorded (``framework`` and ``metadata["content"]``).

        ``save=True`` writes the model in its framework's format
        (:mod:`provenance.models_io`: skops, XGBoost JSON, LightGBM text, safetensors,
        ``save_pretrained``, ``.keras``) to ``uri`` (a path or ``file://`` URI; a
        directory or a path ending in ``/`` gets ``<name>.<ext>`` inside), else under
        :meth:`model_dir` by digest; re-loads it to check it is the same model
        (:class:`~provenance.errors.ModelFormatError` if not); and records the file as the
        Model's ``uri`` with how it was saved (``metadata["saved"]``), where ``verify``,
        ``replay`` and ``load_artifact`` find it. ``uri`` alone implies ``save=True``.
        A framework that is not installed raises
        :class:`~provenance.errors.MissingExtraError` naming the extra to install. Other
        keywords are recorded as :meth:`log_artifact` records them.

        Example:
            >>> import tempfile, numpy as np
            >>> t = Tracker(tempfile.mkdtemp() + "/")
            >>> m = t.log_model({"fc.weight": np.ones((2, 2), np.float32)}, name="tiny")
            >>> m.node_type, m.framework, m.parameter_count, m.uri is None
            ('Model', 'numpy', 4, True)
        """
        keep = metadata.pop("keep", None)
        art = self._model_artifact(obj, name=name, save=save, uri=uri, format=format, **metadata)
        self.store.write([art], [])
        self._keep(obj, art, keep)
        stored = self._lookup(art.id)
        return stored if isinstance(stored, Model) else art

    # --- runs ----------------------------------------------------------------------------
    def run(
        self,
        operation: str,
        inputs: Sequence[ArtifactRef] | Mapping[str, ArtifactRef] = (),
        params: Mapping[str, Any] | None = None,
        seed: int | None = None,
        model: ArtifactRef | None = None,
        *,
        name: str | None = None,
        cost: Cost | Mapping[str, Any] | None = None,
        deterministic: bool = False,
        entrypoint: Callable[..., Any] | None = None,
        metadata: Mapping[str, Any] | None = None,
        metrics: Mapping[str, float] | None = None,
        fits_on_rows: bool | None = None,
    ) -> Run:
        """Record one execution of ``operation`` as a Transform.

        Inside the ``with`` block the RNGs are seeded from ``seed`` (and restored afterwards);
        call ``run.output(obj, name=..., kind=...)`` for each output. On exit the transform is
        written with its inputs, outputs, timings, status, code version, environment and seed
        state, in one transaction. A block that raises is recorded as failed, without outputs,
        and the exception propagates. ``inputs`` may be a list or a ``{role: artifact}`` dict;
        an input (or ``model``) may also be a model object, logged on the spot with
        :meth:`log_model` (named after its role, else its class). ``metrics`` (and
        ``run.log_metric`` / ``run.log_metrics`` in the block) are stored on the Transform;
        they are results, not part of its id.

        The recorded duration (``started_at`` to ``ended_at``) is your code's: ``started_at``
        is when the block's code began, after the tracker captured the code version, logged
        model inputs and isolated the RNGs; ``ended_at`` is ``started_at`` plus the block's
        wall time less the time spent in ``run.output`` (digesting, statistics, saving
        models). So ``ended_at`` is earlier than the block's real end by the time outputs
        took. The tracker's own seconds on the run (all of the above, plus capturing the
        environment; not the final write to the store) are recorded as
        ``metadata["tracking_overhead_s"]``.

        ``fits_on_rows=True`` declares that the run fits statistics on its input rows (a
        scaler, an imputer, a vocabulary, a model): ``provenance contamination`` then reports
        it when those rows hold test rows and its output reaches the training set.
        ``False`` declares it does not. Left None, it is seen: every scikit-learn estimator
        fitted in the block (``fit``, ``fit_transform``, ``fit_predict``, ``partial_fit``)
        is recorded in ``metadata["fitted_estimators"]`` (class, calls, rows, fitted) and
        makes ``metadata["fits_on_rows"]`` True (see :mod:`provenance.capture.fitting`).

        Example:
            >>> import tempfile, numpy as np
            >>> t = Tracker(tempfile.mkdtemp() + "/")
            >>> xs = t.log_artifact(np.arange(10), name="xs")
            >>> with t.run("sample", inputs=[xs], params={"n": 3}, seed=7) as run:
            ...     picked = run.output(np.random.permutation(10)[:3], name="sample")
            >>> run.seed_state.reproducibility
            'seeded'
            >>> t.get(run.transform_id).metadata["tracking_overhead_s"] > 0
            True
            >>> from sklearn.preprocessing import StandardScaler
            >>> with t.run("scale", inputs=[xs]) as run:
            ...     _ = StandardScaler().fit_transform(np.arange(10.0).reshape(-1, 1))
            >>> meta = t.get(run.transform_id).metadata
            >>> meta["fits_on_rows"], [e["class"] for e in meta["fitted_estimators"]]
            (True, ['sklearn.preprocessing._data.StandardScaler'])
        """
        begin = time.perf_counter()
        code = self._code_version(entrypoint, sys._getframe(1))
        run = Run(
            self,
            operation,
            inputs,
            params or {},
            seed,
            model,
            name,
            cost,
            deterministic,
            code,
            metadata or {},
            metrics,
            fits_on_rows=fits_on_rows,
        )
        run.tracking_overhead_s += time.perf_counter() - begin
        return run

    def _code_version(self, fn: Callable[..., Any] | None, frame: FrameType) -> CodeVersion:
        if fn is not None:
            return capture_code_version(fn)
        module = frame.f_globals.get("__name__", "__main__")
        qual = frame.f_code.co_qualname
        filename = frame.f_code.co_filename
        entry = f"{module}:{qual}"
        cwd = os.path.dirname(os.path.abspath(filename)) if os.path.exists(filename) else None
        return capture_code_version(frame.f_code, entrypoint=entry, cwd=cwd)

    def transform(
        self,
        operation: str,
        *,
        seed: int | None = None,
        deterministic: bool = False,
        output_name: str | None = None,
        output_kind: str | None = None,
    ) -> Callable[[Callable[P, R]], Callable[P, R]]:
        """Decorate a function so each call is recorded as a run of ``operation``.

        Arguments that are data (DataFrames, arrays, Arrow tables, bytes, paths,
        Artifacts) become inputs, logged as artifacts named ``<function>.<parameter>``;
        every other argument is a hyperparameter. The return value (or each element of a
        returned tuple) becomes an output named ``output_name`` (default: the function name).

        Example:
            >>> import tempfile, numpy as np
            >>> t = Tracker(tempfile.mkdtemp() + "/")
            >>> @t.transform("scale")
            ... def scale(xs, factor=2.0):
            ...     return xs * factor
            >>> scale(np.arange(3)).tolist()
            [0.0, 2.0, 4.0]
            >>> [tr.operation for tr in t.ancestry(t.last_outputs[0].id).transforms]
            ['scale']
        """

        def decorate(fn: Callable[P, R]) -> Callable[P, R]:
            sig = inspect.signature(fn)

            @functools.wraps(fn)
            def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
                bound = sig.bind(*args, **kwargs)
                bound.apply_defaults()
                begin = time.perf_counter()  # logging the inputs is the tracker's time
                inputs: dict[str, Artifact] = {}
                params: dict[str, Any] = {}
                for pname, value in bound.arguments.items():
                    if _is_data(value):
                        inputs[pname] = (
                            value
                            if isinstance(value, Artifact)
                            else self.log_artifact(value, name=f"{fn.__name__}.{pname}")
                        )
                    else:
                        params[pname] = value
                logged = time.perf_counter() - begin
                run = self.run(
                    operation,
                    inputs=inputs,
                    params=params,
                    seed=seed,
                    deterministic=deterministic,
                    entrypoint=fn,
                )
                run.tracking_overhead_s += logged
                with run:
                    result = fn(*args, **kwargs)
                    values = result if isinstance(result, tuple) else (result,)
                    base = output_name or fn.__name__
                    for i, value in enumerate(values):
                        if value is None:
                            continue
                        out_name = base if len(values) == 1 else f"{base}.{i}"
                        run.output(value, name=out_name, kind=output_kind)
                self.last_outputs = run.outputs
                return result

            return wrapper

        return decorate

    # --- queries (resolve, get, ancestry, descendants: StoreReader) ----------------------
    def outputs_of(self, transform_id: str) -> list[Artifact]:
        """The artifacts a transform produced (the memoized result of that work).

        Example:
            >>> import tempfile
            >>> t = Tracker(tempfile.mkdtemp() + "/")
            >>> a = t.log_artifact(b"x", name="a")
            >>> with t.run("copy", inputs=[a]) as run:
            ...     _ = run.output(b"y", name="b")
            >>> [o.name for o in t.outputs_of(run.transform_id)]
            ['b']
        """
        g = self.store.traverse(transform_id, Direction.DOWN, depth=0)
        produced = {e.target for e in g.edges if e.source == transform_id and e.type == "PRODUCED"}
        return [n for n in g.artifacts if n.id in produced]

    # --- autologging ---------------------------------------------------------------------
    def autolog(
        self, *, sklearn: bool = True, pandas: bool = True, pyarrow: bool = True
    ) -> Autolog:
        """Record scikit-learn fits and predictions and pandas / pyarrow file reads and
        writes into this tracker, without ``run`` blocks; as a context manager, until the
        block ends (then what was in force before is restored). See :mod:`provenance.autolog`
        for what is recorded and its limits.

        Example:
            >>> import tempfile, pandas as pd
            >>> d = tempfile.mkdtemp()
            >>> t = Tracker(d + "/store/")
            >>> with t.autolog():
            ...     pd.DataFrame({"x": [1, 2]}).to_csv(d + "/out.csv", index=False)
            >>> [tr.operation for tr in t.store.find_transforms()]
            ['pandas.DataFrame.to_csv']
        """
        from provenance.autolog import autolog

        return autolog(self, sklearn=sklearn, pandas=pandas, pyarrow=pyarrow)


def _check_pii_values(value: Any, *, default: bool) -> bool:
    """``pii_values`` as a bool (None: ``default``); anything else is a TrackingError."""
    if value is None:
        return default
    if not isinstance(value, bool):
        raise TrackingError(f"pii_values must be True or False, got {value!r}")
    return value


def _file_name(name: str) -> str:
    """A model's file name from its logical name (path separators and odd characters out)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name).strip("._")
    return safe or "model"


def _destination(uri: str | os.PathLike[str], name: str) -> Path:
    """The path ``log_model(uri=...)`` writes to: a directory (existing, or ending in a
    separator) gets ``<name>`` inside, anything else is the file itself."""
    text = os.fspath(uri)
    try:
        path = uri_to_path(text)
    except ValueError as exc:
        raise TrackingError(f"models are saved to local paths; {text!r} is not one") from exc
    if text.endswith(("/", os.sep)) or path.is_dir():
        return path / _file_name(name)
    return path


def _discard(path: Path) -> None:
    import shutil

    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _as_frame(obj: Any) -> Any:
    """A pandas DataFrame view of tabular ``obj`` (for feature statistics), else None."""
    import pandas as pd

    if isinstance(obj, pd.DataFrame):
        return obj
    mod = type(obj).__module__
    if mod.startswith("pyarrow") and hasattr(obj, "to_pandas"):
        return obj.to_pandas()
    if mod.startswith("polars") and hasattr(obj, "to_pandas"):
        return obj.to_pandas()
    return None


def _read_table(path: Path) -> Any:
    """Load a CSV or Parquet file as a DataFrame for statistics; None for other files."""
    import pandas as pd

    suffix = path.suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path)
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    return None
