"""Tests that kill surviving mutants of ``provenance.analysis.contamination`` (issue 21,
mutation testing; tests/README.md), on every backend (the parity ``store`` fixture).

Each graph is built by hand; the expected findings are worked out by hand from the module
docs (rule 4, preprocessing fitted before the split).
"""

from __future__ import annotations

from typing import Any

from provenance.analysis.contamination import contamination
from provenance.hashing.core import digest_bytes, digest_json
from provenance.model import Artifact, Edge, Transform, short_id
from provenance.store import LineageStore
from provenance.store.base import AnyNode
from tests import test_parity

store = test_parity.store  # the two-backend fixture: sqlite and neo4j


def table(label: str, rows: int, columns: list[str]) -> Artifact:
    """A table whose columns are known from its statistics only (no content description)."""
    stats: dict[str, Any] = {"columns": {c: {"dtype": "float64"} for c in columns}}
    return Artifact(
        id=digest_bytes(label.encode()),
        name=label,
        kind="dataset",
        row_count=rows,
        feature_stats=stats,
    )


def described(label: str, rows: int, columns: list[str]) -> Artifact:
    """A table whose columns are known from its content description only (no statistics)."""
    content = {"columns": [{"name": c, "dtype": "float64"} for c in columns]}
    return Artifact(
        id=digest_bytes(label.encode()),
        name=label,
        kind="dataset",
        row_count=rows,
        metadata={"content": content},
    )


def rows_of(label: str, rows: int, fps: list[int]) -> Artifact:
    """Data whose row fingerprints are recorded (the full list), nothing else."""
    return Artifact(
        id=digest_bytes(label.encode()),
        name=label,
        kind="dataset",
        row_count=rows,
        metadata={"row_fingerprints": fps},
    )


def step(
    op: str, ins: list[Artifact], outs: list[Artifact], *, fits: bool = False
) -> tuple[Transform, list[Edge]]:
    tid = digest_json({"op": op}, domain="t")
    meta = {"fits_on_rows": True} if fits else {}
    t = Transform(id=tid, operation=op, input_ids=[a.id for a in ins], metadata=meta)
    edges = [Edge(source=tid, target=a.id, type="USED") for a in ins]
    edges += [Edge(source=tid, target=a.id, type="PRODUCED") for a in outs]
    return t, edges


def write(
    store: LineageStore, steps: list[tuple[Transform, list[Edge]]], arts: list[Artifact]
) -> None:
    nodes: list[AnyNode] = [*arts, *(t for t, _ in steps)]
    store.write(nodes, [])
    store.write([], [e for _, es in steps for e in es])


def test_a_fit_that_filters_rows_is_seen_by_the_columns_of_its_statistics(
    store: LineageStore,
) -> None:
    """``raw`` (10 rows, columns x, y) -> ``fit_filter`` (fits on rows) -> ``kept`` (6 rows,
    x, y: a selection of raw's rows, by the columns its statistics record) -> ``split`` ->
    ``train`` (4), ``test`` (2). The test rows derive from raw's rows, which fit_filter was
    fitted on, and its output reaches training: one finding, every test row seen."""
    raw = table("raw", 10, ["x", "y"])
    kept = table("kept", 6, ["x", "y"])
    train = table("train", 4, ["x", "y"])
    test = table("test", 2, ["x", "y"])
    fit, fit_edges = step("fit_filter", [raw], [kept], fits=True)
    split = step("split", [kept], [train, test])
    write(store, [(fit, fit_edges), split], [raw, kept, train, test])

    r = contamination(store, train.id, test.id)
    assert r.verdict == "leakage"
    assert [f.kind for f in r.findings] == ["fitted_before_split"]
    f = r.findings[0]
    assert f.fit is not None
    assert (f.fit.transform_id, f.fit.fitted_on, f.fit.reaches_train) == (
        fit.id,
        [raw.id],
        [kept.id],
    )
    assert (f.fit.test_rows_seen, f.fit.test_rows, f.fit.basis) == (2, 2, "lineage")
    assert f.fit.sampled is False  # every test row, by lineage: no estimate
    assert f.message == (
        f"preprocessing fitted before the split: fit_filter ({short_id(fit.id)}) fitted "
        f"statistics on raw ({short_id(raw.id)}), which holds test rows, and its output "
        "reaches the training set; it saw all 2 test rows (each derives from data it was "
        "fitted on)"
    )


def test_a_fit_whose_output_has_other_columns_keeps_no_rows(store: LineageStore) -> None:
    """The same graph with ``kept`` holding other columns than raw (x only): fewer rows and
    other columns is no selection of raw's rows but what the fit made of them (its fitted
    state), so the test rows do not derive from raw's and nothing is found."""
    raw = table("raw2", 10, ["x", "y"])
    kept = table("kept2", 6, ["x"])
    train = table("train2", 4, ["x"])
    test = table("test2", 2, ["x"])
    write(
        store,
        [step("fit_filter2", [raw], [kept], fits=True), step("split2", [kept], [train, test])],
        [raw, kept, train, test],
    )
    r = contamination(store, train.id, test.id)
    assert r.findings == [] and r.verdict == "unknown"


def test_columns_from_the_content_description_are_compared_by_name(store: LineageStore) -> None:
    """As the first test, the columns known from the content description only: the same
    names are a row selection (a finding); as many columns with other names are not."""
    raw = described("d_raw", 10, ["x", "y"])
    same = described("d_same", 6, ["x", "y"])
    renamed = described("d_renamed", 6, ["a", "b"])
    train, test = described("d_train", 4, ["x"]), described("d_test", 2, ["x"])
    train2, test2 = described("d_train2", 4, ["a"]), described("d_test2", 2, ["a"])
    fit = step("d_fit", [raw], [same], fits=True)
    fit2 = step("d_fit2", [raw], [renamed], fits=True)
    split = step("d_split", [same], [train, test])
    split2 = step("d_split2", [renamed], [train2, test2])
    write(store, [fit, fit2, split, split2], [raw, same, renamed, train, test, train2, test2])
    found = contamination(store, train.id, test.id)
    assert [(f.kind, f.fit.transform_id if f.fit else None) for f in found.findings] == [
        ("fitted_before_split", fit[0].id)
    ]
    assert contamination(store, train2.id, test2.id).findings == []


def test_test_rows_not_found_by_fingerprint_are_not_counted(store: LineageStore) -> None:
    """``raw1`` (4 rows) -> ``scale`` (fits on rows) -> ``scaled`` (4 rows: raw1's rows);
    ``scaled`` and ``raw2`` -> ``join`` -> ``whole`` -> ``split`` -> ``train``, ``test``.
    By lineage the fit saw test rows (the test set derives from whole's rows, some of them
    scaled's), but not every test row (raw2 is another source of rows), and by fingerprint the
    test rows all came from raw2: no test row is one of raw1's or scaled's. How many test rows
    the fit saw is not recorded (not "one", not "none")."""
    raw1 = rows_of("f_raw1", 4, [11, 12, 13, 14])
    scaled = rows_of("f_scaled", 4, [21, 22, 23, 24])
    raw2 = rows_of("f_raw2", 4, [31, 32, 33, 34])
    whole = rows_of("f_whole", 8, [21, 22, 23, 24, 31, 32, 33, 34])
    train = rows_of("f_train", 6, [21, 22, 23, 24, 31, 32])
    test = rows_of("f_test", 2, [33, 34])
    scale = step("f_scale", [raw1], [scaled], fits=True)
    write(
        store,
        [scale, step("f_join", [scaled, raw2], [whole]), step("f_split", [whole], [train, test])],
        [raw1, scaled, raw2, whole, train, test],
    )
    r = contamination(store, train.id, test.id)
    assert [f.kind for f in r.findings] == ["fitted_before_split"]
    f = r.findings[0]
    assert f.fit is not None
    assert (f.fit.fitted_on, f.fit.reaches_train) == ([raw1.id], [scaled.id])
    assert (f.fit.test_rows_seen, f.fit.test_rows, f.fit.basis, f.fit.sampled) == (
        None,
        2,
        None,
        False,
    )
    assert f.message.endswith("; it saw test rows (how many is not recorded)")
    assert r.rows.compared and r.rows.test_rows_in_train == 0


def test_what_a_fitting_run_outputs_without_its_input_rows_holds_none(store: LineageStore) -> None:
    """Module docs, 4: an output of a run that fits on rows with fewer rows and other columns
    than its input is fitted state, holding none of the input's rows. ``fit_and_cut`` fits on
    ``raw`` (10 rows, x, y) and writes ``train`` (8 rows, x, y: raw's rows) and ``test`` (2 rows,
    column z: fitted state): the test set holds no raw row, so the fit is no finding."""
    raw = table("s_raw", 10, ["x", "y"])
    train = table("s_train", 8, ["x", "y"])
    test = table("s_test", 2, ["z"])
    write(store, [step("fit_and_cut", [raw], [train, test], fits=True)], [raw, train, test])
    r = contamination(store, train.id, test.id)
    assert r.findings == [] and r.verdict == "unknown"


def test_a_fitting_run_without_inputs_made_no_rows_of_another(store: LineageStore) -> None:
    """A run that fitted on rows it did not log as inputs (``fits_on_rows``, no ``USED``
    edge) produced ``made``, which a split divides: nothing is fitted on test rows, and the
    rows (fingerprints, disjoint) are clean."""
    made = rows_of("g_made", 6, [1, 2, 3, 4, 5, 6])
    train, test = rows_of("g_train", 4, [1, 2, 3, 4]), rows_of("g_test", 2, [5, 6])
    write(
        store,
        [step("generate", [], [made], fits=True), step("g_split", [made], [train, test])],
        [made, train, test],
    )
    r = contamination(store, train.id, test.id)
    assert (r.verdict, r.findings) == ("clean", [])


def test_one_set_derived_from_the_other_names_both(store: LineageStore) -> None:
    raw = table("o_raw", 10, ["x"])
    train = table("o_train", 8, ["x"])
    test = table("o_test", 2, ["x"])
    write(
        store,
        [step("make", [raw], [train]), step("subsample", [train], [test])],
        [raw, train, test],
    )
    r = contamination(store, train.id, test.id)
    (f,) = r.findings
    assert (f.kind, f.ids) == ("test_derived_from_train", [train.id, test.id])
    label = f"o_train ({short_id(train.id)})"
    assert f.message == f"the test set is derived from the training set {label}"
    assert [(s.name, s.role, s.note) for s in r.shared_ancestors] == [
        ("o_train", "side", "the other set's ancestry holds it"),
        ("o_raw", "source", "common raw source (expected)"),
    ]
    (g,) = contamination(store, test.id, train.id).findings
    assert (g.kind, g.ids) == ("train_derived_from_test", [train.id, test.id])
    assert g.message == f"the training set is derived from the test set {label}"
