"""Train/test contamination: does anything of the test set reach the training set?

A training and a test set split from one source always share that source: shared origin is
expected and is no finding. :func:`contamination` reports **leakage**:

1. **Shared rows**: test rows that are also training rows, by row fingerprint
   (:mod:`provenance.hashing.fingerprints`). Every table logged with statistics records them
   (``feature_stats["row_fingerprints"]``: every row's up to
   :data:`~provenance.hashing.fingerprints.ROW_SAMPLE_SIZE` rows, a consistent sample above,
   whose counts are then estimates); ``Tracker(row_fingerprints=True)`` also keeps the full
   list in ``metadata["row_fingerprints"]``, used first. Without fingerprints on either side,
   rows are not compared and the report says why.
2. **One derived from the other**: the test set is in the training set's ancestry, or the
   reverse (or they are the same artifact).
3. **Derived data fed to both sides**: an artifact both ancestries share, produced by a
   transform (not a raw source), that was computed from data holding test rows and then fed
   the two sides: a scaler, vocabulary or model fitted on all the data and applied to the
   training and the test set. Precisely: walking up from such a shared artifact ``s``, it
   reaches an artifact that is in the test set's ancestry by a route not through ``s``, before
   reaching one that is only in the training set's; a transform that also produced test-side
   data (a split) and a table that is a selection of its input's rows (same columns, fewer
   rows: a split by separate filters) end the walk, since their other part holds the test
   rows. A scaler fitted on the training split and applied to both is therefore no finding
   (its walk stops at the training split), nor is the data the split divided (nothing of the
   test side lies above it but through it). Graphs without statistics (files, OpenLineage
   datasets) split by separate filters, with something fitted on one part, can be flagged
   wrongly: the lineage alone cannot tell a row filter from a fit.
4. **Preprocessing fitted before the split**: a run that fitted statistics on rows
   (``metadata["fits_on_rows"]`` is True: a scikit-learn estimator's ``fit``,
   ``fit_transform``, ``fit_predict`` or ``partial_fit`` called in its ``tracker.run`` block,
   an autologged fit, or ``fits_on_rows=True`` declared; see
   :mod:`provenance.capture.fitting`) is reported when (a) one of its outputs is in the
   training set's ancestry (what it fitted reaches training) and (b) one of its ``USED``
   inputs that is not a model is a *row ancestor* of the test set (the test rows derive from
   rows it was fitted on).

   Row ancestry walks up from the test set, from each artifact to the ``USED`` inputs of the
   transforms that produced it, never to a model (a ``Model`` node, or a ``USED_MODEL``
   edge) nor to a run's fitted state. At a run that fits on rows the walk goes from an output
   to an input only when the output carries that input's rows: it is not a model and has as
   many rows as the input (``fit_transform``), or fewer rows and the same columns (a table's
   column names, an array's shape past the first axis: a split or a filter the run made).
   Any other output of such a run (a model, an array of fitted parameters, anything whose row
   count is not recorded) is its *fitted state*, which holds no rows.

   So a scaler fitted on the whole table whose output is then split is reported, through any
   number of steps between (a column selection, a row filter), and so is a scaler fitted on
   every row and applied to each side; a scaler fitted on the training split and applied to
   the test split is not (the test rows reach the training rows only through its fitted
   state). The finding (:class:`FittedRun`) names the run, the estimators it recorded and how
   many test rows it saw: all of them (``basis="lineage"``) when every row route from the test
   set up to a source (an artifact no transform produced) passes through data it was fitted
   on; else the test rows whose fingerprint is a row of that data or of the run's outputs
   (``"fingerprints"``); else unknown (None: some). The run's outputs in both ancestries get
   the role ``leak``, not ``split``; a finding 3 computed from data the run was fitted on, at
   or below one of its outputs, is the same leak and is not repeated. Not seen: a fit that is
   neither scikit-learn nor declared (the lineage cannot tell ``(x - x.mean()) / x.std()``
   from a row-wise step), and a fitting run whose transformed rows are written where no row
   count is recorded (a file logged without statistics: taken as fitted state).

What both sides legitimately share is stated in ``expected``: the common raw sources and the
data both sides were split from. Ancestors with one logical ``name`` and different digests on
the two sides (``users`` v1 fed training, ``users`` v2 the test set) are listed in
``name_matches``: another version of one data set, whose overlap the row comparison measures.

Verdict: ``leakage`` with any finding; else ``clean`` when the rows were compared; else
``unknown`` (nothing in the lineage, but the rows could not be compared).

Example:
    >>> import tempfile, pandas as pd
    >>> from provenance import Tracker
    >>> t = Tracker(tempfile.mkdtemp() + "/")
    >>> raw = t.log_artifact(pd.DataFrame({"x": [1, 2, 3, 4]}), name="raw")
    >>> with t.run("split", inputs=[raw]) as run:
    ...     train = run.output(pd.DataFrame({"x": [1, 2, 3]}), name="train")
    ...     test = run.output(pd.DataFrame({"x": [3, 4]}), name="test")
    >>> r = contamination(t.store, train.id, test.id)
    >>> r.verdict, r.rows.test_rows_in_train, [s.name for s in r.shared_ancestors]
    ('leakage', 1, ['raw'])
    >>> print(r.findings[0].message)
    1 of 2 test rows (50.0%) are also training rows

    A scaler fitted on every row, then split (the fit is seen, no flag needed):

    >>> from sklearn.preprocessing import StandardScaler
    >>> users = pd.DataFrame({"age": [23.0, 35, 41, 52, 60, 19, 33, 47]})
    >>> raw = t.log_artifact(users, name="users")
    >>> with t.run("scale", inputs=[raw]) as run:
    ...     scaled = pd.DataFrame(StandardScaler().fit_transform(users), columns=["age"])
    ...     everything = run.output(scaled, name="scaled")
    >>> with t.run("split", inputs=[everything], seed=0) as run:
    ...     train = run.output(scaled.iloc[:6], name="train")
    ...     test = run.output(scaled.iloc[6:], name="test")
    >>> r = contamination(t.store, train.id, test.id)
    >>> r.verdict, r.findings[0].kind, r.findings[0].fit.estimators
    ('leakage', 'fitted_before_split', ['StandardScaler'])
    >>> r.findings[0].fit.test_rows_seen, r.findings[0].fit.basis
    (2, 'lineage')
    >>> t.close()
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, Field

from provenance.analysis.refs import NodeRef
from provenance.capture.fitting import fits_on_rows, fitted_classes
from provenance.errors import NotFoundError, ProvenanceError
from provenance.hashing.fingerprints import RowSample, decode_row_sample, shared_rows
from provenance.model import Artifact, LineageGraph, Model, Transform, short_id
from provenance.store.base import Direction, LineageStore
from provenance.wording import with_article

__all__ = [
    "ContaminationReport",
    "Finding",
    "FittedRun",
    "NameMatch",
    "RowOverlap",
    "SharedAncestor",
    "contamination",
]

Verdict = Literal["clean", "leakage", "unknown"]
FindingKind = Literal[
    "same_artifact",
    "test_derived_from_train",
    "train_derived_from_test",
    "shared_rows",
    "derived_fed_both",
    "fitted_before_split",
]


class SharedAncestor(NodeRef):
    """An artifact in both ancestries: its :class:`NodeRef` fields, and where it stands."""

    #: No recorded producer: a raw source.
    source: bool
    #: No other shared ancestor is derived from it: where the two lineages split.
    nearest: bool
    #: ``source``: a common raw source (expected); ``split``: data both sides were split
    #: from (expected); ``upstream``: above those (expected); ``leak``: derived data computed
    #: from test-side data that fed both sides (a finding); ``side``: the training or test set
    #: itself, in the other's ancestry (a finding).
    role: Literal["source", "split", "upstream", "leak", "side"] = "upstream"
    note: str | None = None


class NameMatch(BaseModel):
    """A logical name found on both sides with different digests (another version)."""

    name: str
    train_ids: list[str]
    test_ids: list[str]


class FittedRun(BaseModel):
    """A run that fitted statistics on rows holding test rows, whose output reaches the
    training set (finding ``fitted_before_split``)."""

    transform_id: str
    operation: str
    #: The classes (without module) of the estimators it fitted, as the run recorded them;
    #: empty when it only declared ``fits_on_rows``.
    estimators: list[str] = Field(default_factory=list)
    #: Its inputs that hold test rows: the data it was fitted on.
    fitted_on: list[str]
    #: Its outputs in the training set's ancestry.
    reaches_train: list[str]
    #: How many test rows it saw (None: some, how many is not recorded).
    test_rows_seen: int | None = None
    #: The test set's row count (None: not recorded).
    test_rows: int | None = None
    #: How ``test_rows_seen`` was found: ``lineage`` (every test row derives from data it was
    #: fitted on), ``fingerprints`` (test rows found among the rows of that data or of its
    #: outputs; an estimate when ``sampled``), or None.
    basis: Literal["lineage", "fingerprints"] | None = None
    sampled: bool = False


class Finding(BaseModel):
    """One way the test set reaches the training set."""

    kind: FindingKind
    message: str
    #: The artifacts it is about.
    ids: list[str] = Field(default_factory=list)
    #: For ``fitted_before_split``: the fitting run.
    fit: FittedRun | None = None


class RowOverlap(BaseModel):
    """Rows of the test artifact that are also rows of the training artifact."""

    compared: bool
    reason: str | None = None
    train_rows: int | None = None
    test_rows: int | None = None
    #: Test rows (counting duplicates) whose fingerprint is a training row's (an estimate
    #: when ``sampled``).
    test_rows_in_train: int = 0
    #: Distinct fingerprints on both sides (in the common sample when ``sampled``).
    distinct_shared: int = 0
    #: ``test_rows_in_train / test_rows``.
    fraction_of_test: float | None = None
    #: Up to ``examples`` pairs ``(test row position, train row position)``.
    examples: list[tuple[int, int]] = Field(default_factory=list)
    #: True when a side kept a sample of its rows' fingerprints: the counts are estimates.
    sampled: bool = False
    #: The fraction of rows both samples cover (1.0 when not sampled).
    sample_rate: float = 1.0


class ContaminationReport(BaseModel):
    """Leakage between a training and a test artifact, and what they legitimately share."""

    train_id: str
    test_id: str
    train_name: str
    test_name: str
    verdict: Verdict
    #: Every way the test set reaches the training set (empty: none found).
    findings: list[Finding] = Field(default_factory=list)
    #: What both sides share as any split of one source does: stated, not findings.
    expected: list[str] = Field(default_factory=list)
    shared_count: int
    shared_source_count: int
    #: Up to ``examples`` shared ancestors: leaks first, then nearest first.
    shared_ancestors: list[SharedAncestor] = Field(default_factory=list)
    name_matches: list[NameMatch] = Field(default_factory=list)
    rows: RowOverlap


def _artifact(store: LineageStore, node_id: str, what: str) -> Artifact:
    node = store.get(node_id)
    if node is None:
        raise NotFoundError(f"no node with id {node_id!r}")
    if not isinstance(node, Artifact):
        raise ProvenanceError(
            f"the {what} id {node_id} is {with_article(node.node_type)}, not an artifact"
        )
    return node


class _Flow:
    """Who produced each artifact and what each transform read and wrote, over both
    ancestries."""

    def __init__(self, graphs: Iterable[LineageGraph]) -> None:
        self.producers: dict[str, set[str]] = {}
        self.inputs: dict[str, set[str]] = {}
        #: Inputs by USED edges only (not the model a transform ran with).
        self.data_inputs: dict[str, set[str]] = {}
        self.outputs: dict[str, set[str]] = {}
        self.transforms: dict[str, Transform] = {}
        for g in graphs:
            for t in g.transforms:
                self.transforms[t.id] = t
            for e in g.edges:
                if e.type == "PRODUCED":
                    self.producers.setdefault(e.target, set()).add(e.source)
                    self.outputs.setdefault(e.source, set()).add(e.target)
                elif e.type in ("USED", "USED_MODEL"):
                    self.inputs.setdefault(e.source, set()).add(e.target)
                    if e.type == "USED":
                        self.data_inputs.setdefault(e.source, set()).add(e.target)

    def fits(self, transform_id: str) -> bool:
        """The transform fitted statistics on its input rows."""
        t = self.transforms.get(transform_id)
        return t is not None and fits_on_rows(t.metadata)

    def fitted_state(self, artifact_id: str, arts: dict[str, Artifact]) -> bool:
        """Only runs that fit on rows produced it, and it carries none of their inputs'
        rows: what they fitted (a model, parameters), not rows."""
        producers = self.producers.get(artifact_id)
        return bool(producers) and all(
            self.fits(t)
            and not any(
                _carries_rows(arts.get(artifact_id), arts.get(i))
                for i in self.data_inputs.get(t, ())
            )
            for t in producers or ()
        )

    def row_parents(self, artifact_id: str, arts: dict[str, Artifact]) -> set[str]:
        """The artifacts whose rows ``artifact_id``'s rows derive from (module docs, 4)."""
        parents: set[str] = set()
        for t in self.producers.get(artifact_id, ()):
            fitting = self.fits(t)
            for i in self.data_inputs.get(t, ()):
                if isinstance(arts.get(i), Model) or self.fitted_state(i, arts):
                    continue
                if fitting and not _carries_rows(arts.get(artifact_id), arts.get(i)):
                    continue
                parents.add(i)
        return parents

    def row_ancestry(self, start: str, arts: dict[str, Artifact]) -> set[str]:
        """``start`` and every artifact its rows derive from."""
        seen = {start}
        stack = [start]
        while stack:
            for i in self.row_parents(stack.pop(), arts):
                if i not in seen:
                    seen.add(i)
                    stack.append(i)
        return seen

    def rows_all_through(self, start: str, through: set[str], arts: dict[str, Artifact]) -> bool:
        """Every row route from ``start`` up to a source passes through ``through``."""
        seen = {start}
        stack = [start]
        while stack:
            x = stack.pop()
            if x in through:
                continue
            parents = self.row_parents(x, arts)
            if not parents:
                return False  # a source of rows, not through them
            for i in parents - seen:
                seen.add(i)
                stack.append(i)
        return True

    def above(self, artifact_id: str) -> set[str]:
        """The artifacts read by the transforms that produced ``artifact_id``."""
        return {i for t in self.producers.get(artifact_id, ()) for i in self.inputs.get(t, ())}

    def ancestry(self, start: str, *, avoiding: str | None = None) -> set[str]:
        """``start`` and every artifact upstream of it, not walking through ``avoiding``."""
        seen = {start}
        stack = [start]
        while stack:
            for i in self.above(stack.pop()):
                if i != avoiding and i not in seen:
                    seen.add(i)
                    stack.append(i)
        return seen


def _row_subset(part: Artifact | None, whole: Artifact | None) -> bool:
    """``part`` looks like a selection of ``whole``'s rows: two tables with the same columns
    (by their recorded statistics), ``part`` with fewer rows."""
    if part is None or whole is None:
        return False
    cols = [(x.feature_stats or {}).get("columns") for x in (part, whole)]
    if not all(isinstance(c, dict) and c for c in cols) or list(cols[0] or ()) != list(
        cols[1] or ()
    ):
        return False
    return (
        part.row_count is not None
        and whole.row_count is not None
        and (part.row_count < whole.row_count)
    )


def _columns(a: Artifact) -> tuple[Any, ...] | None:
    """A table's column names (from its statistics, else its content description), or an
    array's shape past the first axis; None when not recorded."""
    cols = (a.feature_stats or {}).get("columns")
    if isinstance(cols, dict) and cols:
        return ("columns", *cols)
    content = (a.metadata or {}).get("content")
    if not isinstance(content, dict):
        return None
    described = content.get("columns")
    if isinstance(described, list) and described:
        return ("columns", *(c.get("name") if isinstance(c, dict) else c for c in described))
    shape = content.get("shape")
    if isinstance(shape, list) and shape:
        return ("shape", *shape[1:])
    return None


def _carries_rows(out: Artifact | None, inp: Artifact | None) -> bool:
    """An output of a run that fits on rows carries its input's rows: it is not a model, and
    it has as many rows as the input, or fewer with the same columns (module docs, 4)."""
    if out is None or inp is None or isinstance(out, Model):
        return False
    if out.row_count is None or inp.row_count is None:
        return False
    if out.row_count == inp.row_count:
        return True
    cols = _columns(out)
    return out.row_count < inp.row_count and cols is not None and cols == _columns(inp)


def _leak_origin(
    flow: _Flow, arts: dict[str, Artifact], s: str, train_id: str, test_id: str
) -> str | None:
    """For a shared derived artifact ``s``: the artifact holding test-side data it was
    computed from (see the module docs), or None when it was computed from the training side
    (or from neither side) only.

    Walking up from ``s``: a transform that also produced test-side data is a split, and the
    part walked through holds no test rows (stop); so is a table that is a selection of its
    input's rows (a split by separate filters: stop); an input only on the training side
    stops the walk; one on the test side (by a route not through ``s``) is the leak's
    origin."""
    train_side = flow.ancestry(train_id, avoiding=s)
    test_side = flow.ancestry(test_id, avoiding=s)
    seen: set[str] = {s}
    stack = [s]
    while stack:
        x = stack.pop()
        for t in sorted(flow.producers.get(x, ())):
            if (flow.outputs.get(t, set()) - {x}) & test_side:
                continue  # a split: x is its other part
            for y in sorted(flow.inputs.get(t, ())):
                if y in seen or _row_subset(arts.get(x), arts.get(y)):
                    continue
                seen.add(y)
                if y in test_side:
                    return y
                if y not in train_side:
                    stack.append(y)
    return None


def _row_sample(a: Artifact) -> RowSample | None:
    """The artifact's row fingerprints: the full list of ``Tracker(row_fingerprints=True)``,
    else the sample recorded with its statistics."""
    candidates = [
        (a.metadata or {}).get("row_fingerprints"),
        (a.feature_stats or {}).get("row_fingerprints"),
    ]
    for candidate in candidates:
        if candidate is None:
            continue
        try:
            return decode_row_sample(candidate)
        except ValueError:
            continue
    return None


def _rows(train: Artifact, test: Artifact, examples: int) -> RowOverlap:
    a, b = _row_sample(train), _row_sample(test)
    if a is None or b is None:
        missing = [x.name for x, f in ((train, a), (test, b)) if f is None]
        return RowOverlap(
            compared=False,
            reason=(
                f"no row fingerprints recorded for {' and '.join(missing)}: tables logged with "
                "statistics record them (log a DataFrame, not a file or bytes), or log the "
                "table with Tracker(row_fingerprints=True)"
            ),
        )
    got = shared_rows(a, b, examples=examples)
    return RowOverlap(
        compared=True,
        train_rows=got.a_rows,
        test_rows=got.b_rows,
        test_rows_in_train=got.b_rows_in_a,
        distinct_shared=got.distinct_shared,
        fraction_of_test=(got.b_rows_in_a / got.b_rows) if got.b_rows else 0.0,
        examples=got.examples,
        sampled=got.sampled,
        sample_rate=got.rate,
    )


def _label(a: Artifact) -> str:
    return f"{a.name} ({short_id(a.id)})"


def _name_matches(
    arts_train: dict[str, Artifact], arts_test: dict[str, Artifact], shared: set[str]
) -> list[NameMatch]:
    by_name_train: dict[str, set[str]] = {}
    by_name_test: dict[str, set[str]] = {}
    for aid, a in arts_train.items():
        by_name_train.setdefault(a.name, set()).add(aid)
    for aid, a in arts_test.items():
        by_name_test.setdefault(a.name, set()).add(aid)
    matches = []
    for name in sorted(set(by_name_train) & set(by_name_test)):
        only_train = by_name_train[name] - shared
        only_test = by_name_test[name] - shared
        if only_train and only_test:
            matches.append(
                NameMatch(name=name, train_ids=sorted(only_train), test_ids=sorted(only_test))
            )
    return matches


def _lineage_findings(
    train: Artifact, test: Artifact, arts_train: dict[str, Artifact], arts_test: dict[str, Artifact]
) -> list[Finding]:
    """One set is the other, or derived from it."""
    if train.id == test.id:
        message = f"the training and the test set are one artifact, {_label(train)}"
        return [Finding(kind="same_artifact", message=message, ids=[train.id])]
    if train.id in arts_test:
        message = f"the test set is derived from the training set {_label(train)}"
        return [Finding(kind="test_derived_from_train", message=message, ids=[train.id, test.id])]
    if test.id in arts_train:
        message = f"the training set is derived from the test set {_label(test)}"
        return [Finding(kind="train_derived_from_test", message=message, ids=[test.id, train.id])]
    return []


def _leaks(
    flow: _Flow, arts: dict[str, Artifact], shared_ids: set[str], train_id: str, test_id: str
) -> dict[str, str]:
    """Shared derived artifacts computed from data that holds test-side rows: each with the
    artifact it was computed from (:func:`_leak_origin`)."""
    leaks: dict[str, str] = {}
    if train_id == test_id:
        return leaks
    for sid in sorted(shared_ids - {train_id, test_id}):
        if flow.producers.get(sid):
            found = _leak_origin(flow, arts, sid, train_id, test_id)
            if found is not None:
                leaks[sid] = found
    return leaks


def _test_rows_seen(
    flow: _Flow, arts: dict[str, Artifact], transform_id: str, fitted_on: list[str], test: Artifact
) -> tuple[int | None, Literal["lineage", "fingerprints"] | None, bool]:
    """How many test rows a fit on ``fitted_on`` saw: all (every row route of the test set
    passes through that data), else those found by row fingerprint among the rows of that
    data and of the run's outputs, else unknown. Returns ``(count, basis, sampled)``."""
    if flow.rows_all_through(test.id, set(fitted_on), arts):
        return test.row_count, "lineage", False
    test_sample = _row_sample(test)
    if test_sample is None:
        return None, None, False
    best: tuple[int, bool] = (0, False)
    for aid in [*fitted_on, *sorted(flow.outputs.get(transform_id, ()))]:
        a = arts.get(aid)
        sample = _row_sample(a) if a is not None else None
        if sample is not None:
            got = shared_rows(sample, test_sample, examples=0)
            best = max(best, (got.b_rows_in_a, got.sampled))
    if best[0]:
        return best[0], "fingerprints", best[1]
    return None, None, False


def _fitted_runs(
    flow: _Flow,
    arts: dict[str, Artifact],
    arts_train: dict[str, Artifact],
    train: Artifact,
    test: Artifact,
) -> list[FittedRun]:
    """Runs that fitted on rows holding test rows and whose output reaches the training
    set (module docs, 4)."""
    if train.id == test.id:
        return []
    test_rows = flow.row_ancestry(test.id, arts)
    found: list[FittedRun] = []
    for tid in sorted(flow.transforms):
        if not flow.fits(tid):
            continue
        reach = sorted(o for o in flow.outputs.get(tid, ()) if o in arts_train)
        fitted_on = sorted(
            i
            for i in flow.data_inputs.get(tid, ())
            if i in test_rows and not isinstance(arts.get(i), Model)
        )
        if not reach or not fitted_on:
            continue
        seen, basis, sampled = _test_rows_seen(flow, arts, tid, fitted_on, test)
        t = flow.transforms[tid]
        found.append(
            FittedRun(
                transform_id=tid,
                operation=t.operation,
                estimators=fitted_classes(t.metadata),
                fitted_on=fitted_on,
                reaches_train=reach,
                test_rows_seen=seen,
                test_rows=test.row_count,
                basis=basis,
                sampled=sampled,
            )
        )
    return found


def _fit_finding(fit: FittedRun, arts: dict[str, Artifact]) -> Finding:
    what = ", ".join(fit.estimators) or "statistics"
    on = ", ".join(_label(arts[i]) for i in fit.fitted_on)
    if fit.basis == "lineage":
        count = f"all {fit.test_rows} test rows" if fit.test_rows is not None else "every test row"
        saw = f"it saw {count} (each derives from data it was fitted on)"
    elif fit.basis == "fingerprints":
        estimate = ", estimated from a sample" if fit.sampled else ""
        saw = (
            f"it saw {fit.test_rows_seen} of {fit.test_rows} test rows (by row "
            f"fingerprint{estimate})"
        )
    else:
        saw = "it saw test rows (how many is not recorded)"
    return Finding(
        kind="fitted_before_split",
        message=(
            f"preprocessing fitted before the split: {fit.operation} "
            f"({short_id(fit.transform_id)}) fitted {what} on {on}, which holds test rows, "
            f"and its output reaches the training set; {saw}"
        ),
        ids=[*fit.fitted_on, *fit.reaches_train],
        fit=fit,
    )


#: How shared ancestors are listed: the sides, leaks, then what is expected.
_ROLE_ORDER = {"side": 0, "leak": 1, "split": 2, "source": 3, "upstream": 4}


def _shared_ancestors(
    flow: _Flow,
    arts: dict[str, Artifact],
    shared_ids: set[str],
    leaks: dict[str, str],
    sides: tuple[str, str],
    fits: Sequence[FittedRun] = (),
) -> list[SharedAncestor]:
    """Every artifact in both ancestries, with its role, most telling first; the outputs of
    the runs in ``fits`` are leaks."""
    fitted: dict[str, str] = {}
    for f in fits:
        note = f"output of {f.operation} ({short_id(f.transform_id)}), fitted on test rows"
        fitted.update(dict.fromkeys(flow.outputs.get(f.transform_id, ()), note))
    # a shared ancestor is "nearest" when no other shared ancestor lies downstream of it
    below: set[str] = set()
    for sid in shared_ids:
        below |= (flow.ancestry(sid) - {sid}) & shared_ids
    shared: list[SharedAncestor] = []
    for sid in shared_ids:
        is_source = not flow.producers.get(sid)
        nearest = sid not in below
        if sid in sides:
            role, note = "side", "the other set's ancestry holds it"
        elif sid in fitted:
            role, note = "leak", fitted[sid]
        elif sid in leaks:
            role = "leak"
            note = f"computed from {_label(arts[leaks[sid]])}, which holds test-side data"
        elif is_source:
            role, note = "source", "common raw source (expected)"
        elif nearest:
            role, note = "split", "the data both sides were split from (expected)"
        else:
            role, note = "upstream", "upstream of the split (expected)"
        shared.append(
            SharedAncestor.of(arts[sid], source=is_source, nearest=nearest, role=role, note=note)
        )
    shared.sort(key=lambda s: (_ROLE_ORDER[s.role], not s.nearest, s.label, s.id))
    return shared


def _shared_findings(
    flow: _Flow,
    arts: dict[str, Artifact],
    shared: list[SharedAncestor],
    leaks: dict[str, str],
    fits: Sequence[FittedRun] = (),
) -> tuple[list[Finding], list[str]]:
    """The leaks to report, and what the sides share as expected. Of a chain of leaks
    (statistics -> scaler -> both sides) only the last, the one that fed the sides, is
    reported; those above it are marked in ``shared``. A leak computed from the data a run
    in ``fits`` fitted on, below that run's output, is that finding's: not repeated."""
    upstream = {
        sid for sid in leaks if any(sid in flow.ancestry(other) for other in set(leaks) - {sid})
    }
    for sid, src in leaks.items():
        above = flow.ancestry(sid)
        for f in fits:
            if src in f.fitted_on and above & flow.outputs.get(f.transform_id, set()):
                upstream.add(sid)
    findings: list[Finding] = []
    expected: list[str] = []
    for s in shared:
        a = arts[s.id]
        if s.role == "leak" and s.id in leaks and s.id not in upstream:
            origin = arts[leaks[s.id]]
            findings.append(
                Finding(
                    kind="derived_fed_both",
                    message=(
                        f"{_label(a)} is derived data that fed both sides, computed from "
                        f"{_label(origin)}, which also feeds the test set (fit it on the "
                        "training side only)"
                    ),
                    ids=[s.id, origin.id],
                )
            )
        elif s.role == "leak":
            continue
        elif s.role == "source":
            expected.append(
                f"{_label(a)} is the common raw source of both sides: expected for a split "
                "of one source"
            )
        elif s.role == "split":
            expected.append(f"{_label(a)} is the data both sides were split from: expected")
    return findings, expected


def _shared_rows_finding(rows: RowOverlap, train: Artifact, test: Artifact) -> Finding:
    estimate = (
        f" (estimated from the {rows.sample_rate:.1%} of rows both fingerprint samples keep)"
        if rows.sampled
        else ""
    )
    return Finding(
        kind="shared_rows",
        message=(
            f"{rows.test_rows_in_train} of {rows.test_rows} test rows "
            f"({rows.fraction_of_test or 0:.1%}) are also training rows{estimate}"
        ),
        ids=[test.id, train.id],
    )


def contamination(
    store: LineageStore, train_id: str, test_id: str, *, examples: int = 5
) -> ContaminationReport:
    """Leakage from a test artifact into a training artifact (module docs): shared rows, one
    derived from the other, derived data fed to both sides; and what they share as expected.

    ``examples`` bounds the shared ancestors and row pairs listed (counts are always full).
    Raises :class:`~provenance.errors.NotFoundError` for an unknown id and
    :class:`ProvenanceError` for an id that is not an artifact.

    Example:
        >>> import tempfile
        >>> from provenance import Tracker
        >>> t = Tracker(tempfile.mkdtemp() + "/")
        >>> a, b = t.log_artifact(b"a", name="a"), t.log_artifact(b"b", name="b")
        >>> r = contamination(t.store, a.id, b.id)
        >>> r.verdict, r.findings, r.rows.compared
        ('unknown', [], False)
        >>> t.close()
    """
    train = _artifact(store, train_id, "train")
    test = _artifact(store, test_id, "test")
    g_train = store.traverse(train.id, Direction.UP)
    g_test = store.traverse(test.id, Direction.UP)
    arts_train = {a.id: a for a in g_train.artifacts}
    arts_test = {a.id: a for a in g_test.artifacts}
    arts = {**arts_test, **arts_train}
    shared_ids = set(arts_train) & set(arts_test)
    flow = _Flow((g_train, g_test))
    findings = _lineage_findings(train, test, arts_train, arts_test)
    fits = _fitted_runs(flow, arts, arts_train, train, test)
    findings += [_fit_finding(f, arts) for f in fits]
    leaks = _leaks(flow, arts, shared_ids, train.id, test.id)
    shared = _shared_ancestors(flow, arts, shared_ids, leaks, (train.id, test.id), fits)
    leak_findings, expected = _shared_findings(flow, arts, shared, leaks, fits)
    findings += leak_findings
    rows = _rows(train, test, examples)
    if rows.test_rows_in_train:
        findings.append(_shared_rows_finding(rows, train, test))
    verdict: Verdict = "leakage" if findings else "clean" if rows.compared else "unknown"
    return ContaminationReport(
        train_id=train.id,
        test_id=test.id,
        train_name=train.name,
        test_name=test.name,
        verdict=verdict,
        findings=findings,
        expected=expected,
        shared_count=len(shared),
        shared_source_count=sum(1 for s in shared if s.source),
        shared_ancestors=shared[:examples],
        name_matches=_name_matches(arts_train, arts_test, shared_ids),
        rows=rows,
    )
