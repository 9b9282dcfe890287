"""Column lineage (``column_lineage`` and ``provenance columns``) on real-shaped Spark facets,
on every backend.

Each source column is listed once in ``upstream``, with a verdict over every path: DIRECT when
some path to the asked column is DIRECT at every step, else INDIRECT. The expected verdicts
come from an oracle written here (every path of the planted graph enumerated by hand-rolled
recursion over the spec the events were built from, not over the store), and the Spark
scenario's rows are worked out by hand. The CLI is read at 80 and at 200 columns.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from provenance.cli.app import main
from provenance.errors import NotFoundError
from provenance.model import short_id
from provenance.openlineage.columns import ColumnLineage, column_lineage
from provenance.openlineage.ingest import ingest_events
from provenance.openlineage.naming import dataset_version_id
from provenance.store import LineageStore, SQLiteStore
from tests import test_parity
from tests.openlineage_events import SPARK_PRODUCER, T1, at, facet, run_event

#: The backend-parametrized store fixture of the parity suite (sqlite, neo4j).
store = test_parity.store

LAKE = "s3://lake"
#: A long namespace, as Spark names a Hive metastore table's location.
LONG_NS = "hive://metastore-primary.analytics-platform.internal.example.com:9083"
SPARK = "spark://spark-master.analytics-platform.internal.example.com:7077"

#: How a planted step is written in the facet: DIRECT (the input field, type DIRECT);
#: INDIRECT in the field's own ``inputFields`` (type INDIRECT, subtype FILTER), or in the
#: facet's dataset-wide ``dataset`` list (with a transformation, or bare as older producers
#: write it).
DIRECT, FIELD_INDIRECT, DATASET_WIDE = "direct", "field-indirect", "dataset-wide"
DATASET_BARE = "dataset-wide, no transformations"


# --- building real-shaped events ---------------------------------------------------------
def step(namespace: str, name: str, field: str, kind: str, subtype: str) -> dict[str, Any]:
    """An input field as the Spark listener writes it (``transformations``: type, subtype,
    description, masking)."""
    return {
        "namespace": namespace,
        "name": name,
        "field": field,
        "transformations": [
            {"type": kind, "subtype": subtype, "description": "", "masking": False}
        ],
    }


def version(v: str) -> dict[str, Any]:
    return facet("DatasetVersionDatasetFacet", SPARK_PRODUCER, datasetVersion=v)


def schema(*names: str) -> dict[str, Any]:
    return facet(
        "SchemaDatasetFacet", SPARK_PRODUCER, fields=[{"name": n, "type": "string"} for n in names]
    )


def spark_run(
    n: int,
    job: str,
    inputs: list[tuple[str, str]],
    output: tuple[str, str],
    fields: dict[str, list[dict[str, Any]]],
    dataset: list[dict[str, Any]] | None = None,
    columns: list[str] | None = None,
    namespace: str = LAKE,
) -> list[dict[str, Any]]:
    """START + COMPLETE of one Spark run of ``job`` (its run id from the job, its times from
    ``n``): it reads the
    ``(name, version)`` inputs and writes ``output``, whose ``columnLineage`` facet has
    ``fields`` (output column -> input fields) and the dataset-wide ``dataset`` list."""
    run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{namespace}/{job}"))  # one per job
    lineage: dict[str, Any] = {"fields": {c: {"inputFields": f} for c, f in fields.items()}}
    if dataset is not None:
        lineage["dataset"] = dataset
    ins = [
        {"namespace": namespace, "name": name, "facets": {"version": version(v)}}
        for name, v in inputs
    ]
    out_facets: dict[str, Any] = {
        "version": version(output[1]),
        "columnLineage": facet("ColumnLineageDatasetFacet", SPARK_PRODUCER, **lineage),
    }
    if columns is not None:
        out_facets["schema"] = schema(*columns)
    out = {"namespace": namespace, "name": output[0], "facets": out_facets}
    bare = {"namespace": namespace, "name": output[0], "facets": {"version": version(output[1])}}
    return [
        run_event(
            "START", at(T1, 10 * n), run_id, (SPARK, job), inputs=ins, outputs=[bare],
            producer=SPARK_PRODUCER,
        ),
        run_event(
            "COMPLETE", at(T1, 10 * n + 5), run_id, (SPARK, job), inputs=ins, outputs=[out],
            producer=SPARK_PRODUCER,
        ),
    ]  # fmt: skip


def vid(name: str, v: str = "1", namespace: str = LAKE) -> str:
    return dataset_version_id(namespace, name, v)


# --- the oracle --------------------------------------------------------------------------
Col = tuple[str, str]  # (dataset name, field)


def oracle(hops: list[tuple[Col, Col, bool]], root: Col) -> dict[Col, tuple[int, str]]:
    """Every column upstream of ``root`` over the planted ``(source, fed, direct)`` steps:
    its fewest steps, and DIRECT if some path is direct at every step, by enumerating every
    simple path (no store involved)."""
    paths: dict[Col, list[list[bool]]] = {}

    def walk(at_col: Col, kinds: list[bool], on_path: set[Col]) -> None:
        for source, fed, direct in hops:
            if fed == at_col and source not in on_path:
                path = [*kinds, direct]
                paths.setdefault(source, []).append(path)
                walk(source, path, on_path | {source})

    walk(root, [], {root})
    return {
        c: (min(len(p) for p in ps), "DIRECT" if any(all(p) for p in ps) else "INDIRECT")
        for c, ps in paths.items()
    }


def verdicts(found: ColumnLineage) -> dict[Col, tuple[int, str]]:
    rows = [(u.name, u.field) for u in found.upstream]
    assert len(rows) == len(set(rows)), f"a source column listed twice: {rows}"
    return {(u.name, u.field): (u.depth, u.dependency) for u in found.upstream}


def test_oracle_on_a_hand_worked_graph() -> None:
    """The oracle itself: a diamond whose short path is indirect and long path direct."""
    hops = [
        (("a", "x"), ("r", "c"), False),
        (("a", "x"), ("m", "y"), True),
        (("m", "y"), ("r", "c"), True),
        (("b", "z"), ("m", "y"), False),
    ]
    assert oracle(hops, ("r", "c")) == {
        ("a", "x"): (1, "DIRECT"),
        ("m", "y"): (1, "DIRECT"),
        ("b", "z"): (2, "INDIRECT"),
    }


# --- planted chains: one indirect step anywhere on the path --------------------------------
def chain_events(prefix: str, kinds: tuple[str, ...]) -> tuple[list[dict[str, Any]], list[Any]]:
    """Datasets ``{prefix}d0 .. d{n}``: run i reads d(i-1) and writes d(i), whose column
    ``c`` takes ``d(i-1).c`` as ``kinds[i-1]`` says, and ``d(i-1).k`` directly (a column with
    only dataset-wide inputs has no lineage in the facet). Returns the events and the
    planted steps for the oracle."""
    events: list[dict[str, Any]] = []
    hops: list[Any] = []
    for i, kind in enumerate(kinds, start=1):
        src, out = f"{prefix}d{i - 1}", f"{prefix}d{i}"
        own = [step(LAKE, src, "k", "DIRECT", "IDENTITY")]
        wide: list[dict[str, Any]] = []
        if kind == DIRECT:
            own.insert(0, step(LAKE, src, "c", "DIRECT", "TRANSFORMATION"))
        elif kind == FIELD_INDIRECT:
            own.append(step(LAKE, src, "c", "INDIRECT", "FILTER"))
        elif kind == DATASET_WIDE:
            wide.append(step(LAKE, src, "c", "INDIRECT", "FILTER"))
        else:
            wide.append({"namespace": LAKE, "name": src, "field": "c"})
        events += spark_run(i, f"{prefix}step{i}", [(src, "1")], (out, "1"), {"c": own}, wide)
        hops += [((src, "c"), (out, "c"), kind == DIRECT), ((src, "k"), (out, "c"), True)]
    return events, hops


#: One indirect step (of either form) in each position; none; all three.
CHAIN_CASES = sorted(
    {
        p
        for form in (FIELD_INDIRECT, DATASET_WIDE, DATASET_BARE)
        for p in itertools.permutations((DIRECT, DIRECT, form))
    }
    | {(DIRECT, DIRECT, DIRECT), (DATASET_WIDE, FIELD_INDIRECT, DATASET_WIDE)}
)


def test_an_indirect_step_anywhere_makes_the_source_indirect(store: LineageStore) -> None:
    assert len(CHAIN_CASES) == 11
    orders = list(itertools.permutations(range(3)))
    for n, kinds in enumerate(CHAIN_CASES):
        prefix = f"chain{n}/"
        events, hops = chain_events(prefix, kinds)
        runs = [events[2 * i : 2 * i + 2] for i in range(3)]
        # The runs posted in a different order each case (inputs bind by version facet).
        ingest_events(store, [e for i in orders[n % len(orders)] for e in runs[i]])
        root = (f"{prefix}d3", "c")
        expected = oracle(hops, root)
        found = column_lineage(store, vid(root[0]), "c")
        assert verdicts(found) == expected, kinds
        # By hand: d0.c is DIRECT only when every one of the three steps is.
        assert expected[(f"{prefix}d0", "c")] == (
            3,
            "DIRECT" if kinds == (DIRECT, DIRECT, DIRECT) else "INDIRECT",
        )
        # The column just above the indirect step is INDIRECT, the ones below it DIRECT.
        for i in range(len(kinds)):
            upper = "DIRECT" if all(k == DIRECT for k in kinds[i:]) else "INDIRECT"
            assert found_row(found, f"{prefix}d{i}", "c") == (3 - i, upper), (kinds, i)
        assert [u.dataset_id for u in found.upstream if u.field == "c"] == [
            vid(f"{prefix}d2"),
            vid(f"{prefix}d1"),
            vid(f"{prefix}d0"),
        ]


def found_row(found: ColumnLineage, name: str, field: str) -> tuple[int, str]:
    (row,) = [(u.depth, u.dependency) for u in found.upstream if (u.name, u.field) == (name, field)]
    return row


# --- planted diamonds: the verdict is over every path, in any listing order ---------------
def diamond_events(
    prefix: str, branches: list[tuple[str, bool, bool]], shortcut: str | None
) -> tuple[list[dict[str, Any]], list[Any]]:
    """``raw.a`` feeds ``root.c`` through each branch ``(mid, first step direct, second step
    direct)`` (``mid.x`` in dataset ``{prefix}{mid}``), listed in ``root``'s facet in the
    order given; ``shortcut`` adds ``raw.a`` straight to ``root.c`` (DIRECT / INDIRECT /
    dataset-wide)."""
    raw, root = f"{prefix}raw", f"{prefix}root"
    events: list[dict[str, Any]] = []
    hops: list[Any] = []
    own: list[dict[str, Any]] = []
    wide: list[dict[str, Any]] = []
    for n, (mid, first, second) in enumerate(branches, start=1):
        name = f"{prefix}{mid}"
        kind, sub = ("DIRECT", "IDENTITY") if first else ("INDIRECT", "SORT")
        fields = {
            "x": [step(LAKE, raw, "a", kind, sub), step(LAKE, raw, "b", "DIRECT", "IDENTITY")]
        }
        events += spark_run(n, f"{prefix}{mid}_job", [(raw, "1")], (name, "1"), fields)
        hops += [((raw, "a"), (name, "x"), first), ((raw, "b"), (name, "x"), True)]
        kind, sub = ("DIRECT", "AGGREGATION") if second else ("INDIRECT", "GROUP_BY")
        own.append(step(LAKE, name, "x", kind, sub))
        hops.append(((name, "x"), (root, "c"), second))
    if shortcut == "DIRECT":
        own.append(step(LAKE, raw, "a", "DIRECT", "IDENTITY"))
    elif shortcut == "INDIRECT":
        own.append(step(LAKE, raw, "a", "INDIRECT", "FILTER"))
    elif shortcut is not None:
        wide.append(step(LAKE, raw, "a", "INDIRECT", "JOIN"))
    if shortcut is not None:
        hops.append(((raw, "a"), (root, "c"), shortcut == "DIRECT"))
    inputs = [(f"{prefix}{mid}", "1") for mid, _, _ in branches]
    events += spark_run(9, f"{prefix}root_job", inputs, (root, "1"), {"c": own}, wide or None)
    return events, hops


DIAMONDS: list[tuple[list[tuple[str, bool, bool]], str | None, str]] = [
    # One all-direct branch, one with its first or its second step indirect: DIRECT.
    ([("m1", True, True), ("m2", True, False)], None, "DIRECT"),
    ([("m1", True, True), ("m2", False, True)], None, "DIRECT"),
    # Both branches indirect, at different positions: INDIRECT.
    ([("m1", False, True), ("m2", True, False)], None, "INDIRECT"),
    # A one-step indirect shortcut and a two-step direct branch: DIRECT, depth 1.
    ([("m1", True, True)], "INDIRECT", "DIRECT"),
    ([("m1", True, True)], "dataset-wide", "DIRECT"),
    # A direct shortcut, an indirect branch: DIRECT.
    ([("m1", False, True)], "DIRECT", "DIRECT"),
    # An indirect shortcut and an indirect branch: INDIRECT.
    ([("m1", True, False)], "dataset-wide", "INDIRECT"),
]


def test_a_source_on_several_paths_is_listed_once_judged_over_all(store: LineageStore) -> None:
    n = 0
    for branches, shortcut, verdict in DIAMONDS:
        for order in itertools.permutations(branches):  # the facet's listing order
            prefix = f"diamond{n}/"
            n += 1
            events, hops = diamond_events(prefix, list(order), shortcut)
            ingest_events(store, events)
            root = (f"{prefix}root", "c")
            found = column_lineage(store, vid(root[0]), "c")
            assert verdicts(found) == oracle(hops, root), (order, shortcut)
            depth = 1 if shortcut else 2
            assert found_row(found, f"{prefix}raw", "a") == (depth, verdict), (order, shortcut)
            raw_a = [u for u in found.upstream if u.field == "a"]
            assert {(v.name, v.field) for v in raw_a[0].via} == {
                (f"{prefix}{mid}", "x") for mid, _, _ in branches
            } | ({root} if shortcut else set())
    assert n == 10


# --- a real-shaped Spark job: join, filter, group by ---------------------------------------
def spark_mart_events() -> list[dict[str, Any]]:
    """``enriched`` = orders JOIN customers ON customer_id = id; ``sales_by_region`` = SUM
    of amount FROM enriched WHERE status = 'paid' GROUP BY region: the facets the Spark
    listener writes (dataset lineage on, so join/filter/group keys under ``dataset``), on
    tables whose namespace is long."""
    ns = LONG_NS
    enriched = spark_run(
        1,
        "enrich",
        [("raw.orders", "o1"), ("raw.customers", "c1")],
        ("curated.enriched", "e1"),
        {
            "amount": [step(ns, "raw.orders", "amount", "DIRECT", "IDENTITY")],
            "status": [step(ns, "raw.orders", "status", "DIRECT", "IDENTITY")],
            "region": [step(ns, "raw.customers", "region", "DIRECT", "IDENTITY")],
        },
        [
            step(ns, "raw.orders", "customer_id", "INDIRECT", "JOIN"),
            step(ns, "raw.customers", "id", "INDIRECT", "JOIN"),
        ],
        columns=["amount", "status", "region"],
        namespace=ns,
    )
    mart = spark_run(
        2,
        "sales_by_region",
        [("curated.enriched", "e1")],
        ("mart.sales_by_region", "s1"),
        {
            "total_revenue_in_reporting_currency": [
                step(ns, "curated.enriched", "amount", "DIRECT", "AGGREGATION")
            ],
            "region": [step(ns, "curated.enriched", "region", "DIRECT", "IDENTITY")],
            "order_count": [step(ns, "curated.enriched", "amount", "INDIRECT", "AGGREGATION")],
        },
        [
            step(ns, "curated.enriched", "status", "INDIRECT", "FILTER"),
            step(ns, "curated.enriched", "region", "INDIRECT", "GROUP_BY"),
        ],
        columns=["region", "total_revenue_in_reporting_currency"],
        namespace=ns,
    )
    return enriched + mart


REVENUE = "total_revenue_in_reporting_currency"
#: ``upstream`` of the mart's revenue column, by hand: the facet order at depth 1 (the
#: column's own input, then the dataset list), then each depth-1 column's inputs in turn,
#: each column once. ``region`` feeds revenue only as a GROUP BY key and ``status`` only
#: as a filter, so they and everything above them are INDIRECT, though their own first
#: steps (into ``enriched``) are DIRECT IDENTITY.
MART_ROWS = [
    ("curated.enriched", "e1", "amount", 1, "DIRECT"),
    ("curated.enriched", "e1", "status", 1, "INDIRECT"),
    ("curated.enriched", "e1", "region", 1, "INDIRECT"),
    ("raw.orders", "o1", "amount", 2, "DIRECT"),
    ("raw.orders", "o1", "customer_id", 2, "INDIRECT"),
    ("raw.customers", "c1", "id", 2, "INDIRECT"),
    ("raw.orders", "o1", "status", 2, "INDIRECT"),
    ("raw.customers", "c1", "region", 2, "INDIRECT"),
]


def test_spark_join_filter_group_by(store: LineageStore) -> None:
    ingest_events(store, spark_mart_events())
    mart = vid("mart.sales_by_region", "s1", LONG_NS)
    found = column_lineage(store, mart, REVENUE)
    assert [(u.name, u.dataset_id, u.field, u.depth, u.dependency) for u in found.upstream] == [
        (name, vid(name, v, LONG_NS), f, d, kind) for name, v, f, d, kind in MART_ROWS
    ]
    # The steps are unchanged: one per (input column, column it feeds), so the join keys
    # appear once under each of enriched's three expanded columns (12 steps, 8 columns).
    assert len(found.sources) == 12
    assert [(s.name, s.field) for s in found.sources].count(("raw.orders", "customer_id")) == 3
    by_field = {u.field: u for u in found.upstream if u.name == "raw.orders"}
    assert [(v.name, v.field) for v in by_field["customer_id"].via] == [
        ("curated.enriched", "amount"),
        ("curated.enriched", "status"),
        ("curated.enriched", "region"),
    ]
    # The mart's region: enriched.region is DIRECT (IDENTITY) there, and GROUP_BY too.
    region = column_lineage(store, mart, "region")
    assert found_row(region, "curated.enriched", "region") == (1, "DIRECT")
    assert found_row(region, "raw.customers", "region") == (2, "DIRECT")
    assert found_row(region, "curated.enriched", "status") == (1, "INDIRECT")
    # A field whose only step is INDIRECT in its own inputFields.
    count = column_lineage(store, mart, "order_count")
    assert found_row(count, "curated.enriched", "amount") == (1, "INDIRECT")
    assert found_row(count, "raw.orders", "amount") == (2, "INDIRECT")
    # depth=1: the depth-1 columns only, judged on the steps read.
    shallow = column_lineage(store, mart, REVENUE, depth=1)
    assert [(u.field, u.dependency) for u in shallow.upstream] == [
        ("amount", "DIRECT"),
        ("status", "INDIRECT"),
        ("region", "INDIRECT"),
    ]
    assert shallow.truncated


def test_unknown_column_names_the_schema_facet_and_the_lineage(store: LineageStore) -> None:
    ingest_events(store, spark_mart_events())
    mart = vid("mart.sales_by_region", "s1", LONG_NS)
    # order_count is named by the column lineage, not by the schema facet: a column.
    count = column_lineage(store, mart, "order_count")
    # Its one input is INDIRECT (a count of amounts), so every source is: the same columns
    # as revenue's, none DIRECT.
    assert [(u.name, u.field, u.dependency) for u in count.upstream] == [
        (name, f, "INDIRECT") for name, _, f, _, _ in MART_ROWS
    ]
    with pytest.raises(NotFoundError) as caught:
        column_lineage(store, mart, "nope")
    assert str(caught.value) == (
        "dataset 'mart.sales_by_region' has no column 'nope' (its schema facet lists 2: "
        "region, total_revenue_in_reporting_currency; its column lineage names 1 more: "
        "order_count)"
    )
    enriched = vid("curated.enriched", "e1", LONG_NS)
    with pytest.raises(NotFoundError, match=r"lists 3: amount, status, region; .* no others\)$"):
        column_lineage(store, enriched, "nope")
    # Without a schema facet no column is known to be absent: no lineage, no error.
    events = spark_run(
        1, "bare", [("a", "1")], ("b", "1"), {"y": [step(LAKE, "a", "x", "DIRECT", "IDENTITY")]}
    )
    ingest_events(store, events)
    assert column_lineage(store, vid("b"), "nope").upstream == []


def test_a_long_schema_is_listed_in_part(store: LineageStore) -> None:
    names = [f"col_{i:02d}" for i in range(25)]
    fields = {"col_00": [step(LAKE, "a", "x", "DIRECT", "IDENTITY")]}
    events = spark_run(1, "wide", [("a", "1")], ("wide", "1"), fields, columns=names)
    ingest_events(store, events)
    with pytest.raises(NotFoundError) as caught:
        column_lineage(store, vid("wide"), "nope")
    message = str(caught.value)
    assert "lists 25: col_00, " in message and "col_19, and 5 more;" in message
    assert "col_20" not in message and "\n" not in message


# --- the command -------------------------------------------------------------------------
@pytest.fixture
def uri(store: LineageStore, request: pytest.FixtureRequest) -> str:
    """What ``--store`` takes for the fixture's store."""
    if isinstance(store, SQLiteStore):
        return str(store.path)
    return str(request.getfixturevalue("neo4j_server").store_uri)


def columns_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, width: int, *argv: str
) -> tuple[int, str, str]:
    monkeypatch.setenv("COLUMNS", str(width))
    code = main(["columns", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def rows(out: str) -> list[list[str]]:
    """The table's rows: each a list of its lines, a row starting where the first cell (the
    source column, printed first) is not blank."""
    body = out.splitlines()
    start = next(i for i, line in enumerate(body) if set(line.strip()) == {"─"}) + 1
    found: list[list[str]] = []
    for line in body[start:]:
        if not line.strip():
            continue
        if not line.startswith(" " * 3):
            found.append([])
        found[-1].append(line)
    return found


@pytest.mark.parametrize("width", [80, 200])
def test_columns_command_reads_at_80_and_at_200(
    store: LineageStore,
    uri: str,
    width: int,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ingest_events(store, spark_mart_events())
    address = f"dataset:{LONG_NS}:mart.sales_by_region"
    code, out, err = columns_cli(capsys, monkeypatch, width, address, REVENUE, "--store", uri)
    assert code == 0, err
    lines = out.splitlines()
    assert all(len(line) <= width for line in lines), out
    assert "…" not in out
    title = " ".join(
        line.strip() for line in lines[: lines.index(next(x for x in lines if not x.strip()))]
    )
    mart = vid("mart.sales_by_region", "s1", LONG_NS)
    assert title == f"column {REVENUE} of mart.sales_by_region ({short_id(mart)})"
    header = lines[: next(i for i, x in enumerate(lines) if set(x.strip()) == {"─"})]
    left = next(x.index("dataset") for x in header if "dataset" in x)
    right = next(x.index(" path ") + 1 for x in header if " path " in x)
    table = rows(out)
    assert len(table) == len(MART_ROWS), out  # each source column once
    for row, (name, v, field, depth, kind) in zip(table, MART_ROWS, strict=True):
        # The field first, whole, on the row's first line; then the verdict and the depth.
        assert row[0].split()[0] == field, row
        assert re.search(rf" {kind} +{depth} ", row[0]), row
        # The dataset's name, namespace and short version id: whole, maybe folded.
        dataset = [x for x in (line[left:right].strip() for line in row) if x]
        assert "".join(dataset) == name + LONG_NS + short_id(vid(name, v, LONG_NS)), row
        assert dataset[0] == name, row
        if width == 80:  # the long namespace folds, after its separators
            assert len(dataset) > 3 and all(x[-1] in "-./:" for x in dataset[1:-2]), row
    if width == 200:  # room enough: one line per dataset name, namespace and version
        assert LONG_NS in out and all(len(row) == 3 for row in table), out
        # What each step does, and into which column.
        assert f" {REVENUE} (AGGREGATION)" in out
        assert f" {REVENUE} (FILTER, dataset-wide)" in out
        assert " curated.enriched.status (IDENTITY)" in out
        assert " curated.enriched.amount (JOIN, dataset-wide)" in out
    # --json: the answer, with each source column once.
    code, out, err = columns_cli(
        capsys, monkeypatch, width, address, REVENUE, "--store", uri, "--json"
    )
    assert code == 0, err
    body = json.loads(out)
    assert [(u["field"], u["dependency"]) for u in body["upstream"]] == [
        (f, kind) for _, _, f, _, kind in MART_ROWS
    ]
    assert len(body["sources"]) == 12


def test_columns_command_errors_in_one_line(
    store: LineageStore,
    uri: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ingest_events(store, spark_mart_events())
    address = f"dataset:{LONG_NS}:mart.sales_by_region"
    code, out, err = columns_cli(capsys, monkeypatch, 80, address, "nope", "--store", uri)
    assert code != 0 and out == ""
    (line,) = err.strip().splitlines()
    assert "has no column 'nope' (its schema facet lists 2:" in line
    assert "Traceback" not in err


def test_no_lineage_and_names_with_brackets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Names are printed as text (a ``[dim]`` in a name is not markup); a column without
    lineage says so."""
    path = tmp_path / "l.sqlite"
    with SQLiteStore(path) as s:
        fields = {"c": [step(LAKE, "t[bold]", "x[dim]", "DIRECT", "IDENTITY")]}
        ingest_events(
            s, spark_run(1, "j", [("t[bold]", "1")], ("out", "1"), fields, columns=["c", "d"])
        )
    code, out, err = columns_cli(capsys, monkeypatch, 80, vid("out"), "c", "--store", str(path))
    assert code == 0, err
    assert "x[dim]" in out and "t[bold]" in out
    code, out, err = columns_cli(capsys, monkeypatch, 80, vid("out"), "d", "--store", str(path))
    assert code == 0 and "no column lineage recorded for this column" in out
    code, out, err = columns_cli(
        capsys, monkeypatch, 80, vid("out"), "c", "--depth", "0", "--store", str(path)
    )
    assert code == 0 and "cut at --depth; more lineage upstream" in out
