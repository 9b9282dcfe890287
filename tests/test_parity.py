"""One scenario set, run on every backend, same answers.

Expected answers come from an independent oracle (networkx over the graph the scenario wrote)
and from hand-counted values on the small scenarios.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from provenance import Tracker
from provenance.demo import DemoResult, run_demo
from provenance.model import Artifact, LineageGraph, Transform
from provenance.store import Direction, LineageStore, SQLiteStore
from tests.scenarios import (
    LONG_KIND,
    LONG_NAME,
    LONG_NAME_TWIN,
    LONG_OPERATION,
    LONG_TRANSFORM_NAME,
    LONG_URI,
    SCENARIOS,
    art,
    diamond_lattice,
    identity_loop,
    long_values,
    multi_input_join,
    two_producers,
)

BACKENDS = ["sqlite", pytest.param("neo4j", marks=pytest.mark.neo4j)]


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[LineageStore]:
    """An empty store of each backend."""
    if request.param == "sqlite":
        s: LineageStore = SQLiteStore(f"{tmp_path}/lineage.sqlite")
    else:
        request.getfixturevalue("neo4j_clean")
        server = request.getfixturevalue("neo4j_server")
        from provenance.store import open_store

        s = open_store(server.store_uri)
    yield s
    s.close()


def oracle(graph: LineageGraph, root: str, direction: Direction) -> set[str]:
    g = graph.to_networkx()
    reach = nx.ancestors(g, root) if direction is Direction.UP else nx.descendants(g, root)
    return reach | {root}


def induced_edges(graph: LineageGraph, ids: set[str]) -> set[tuple[str, str, str]]:
    return {e.key for e in graph.edges if e.source in ids and e.target in ids}


def check(
    store: LineageStore, graph: LineageGraph, root: str, direction: Direction
) -> LineageGraph:
    got = store.traverse(root, direction)
    want = oracle(graph, root, direction)
    assert got.node_ids == want
    assert {e.key for e in got.edges} == induced_edges(graph, want)
    assert got.root == root and not got.truncated
    return got


def test_multi_input_join(store: LineageStore) -> None:
    g = multi_input_join(store)
    up = check(store, g, art("clean").id, Direction.UP)
    # clean <- clean-transform <- joined <- join <- users, events; plus the code version
    assert sorted(a.name for a in up.artifacts) == ["clean", "events", "joined", "users"]
    assert sorted(t.operation for t in up.transforms) == ["clean", "join"]
    assert len(up.code_versions) == 1
    assert sorted(a.name for a in up.sources()) == ["events", "users"]
    down = check(store, g, art("events").id, Direction.DOWN)
    assert sorted(a.name for a in down.artifacts) == ["clean", "events", "joined"]
    assert len(down.code_versions) == 0


def test_two_producers(store: LineageStore) -> None:
    g = two_producers(store)
    up = check(store, g, art("same_output").id, Direction.UP)
    assert sorted(t.operation for t in up.transforms) == ["dedupe", "normalize"]
    assert sorted(a.name for a in up.sources()) == ["src_a", "src_b"]
    for src in ("src_a", "src_b"):
        down = check(store, g, art(src).id, Direction.DOWN)
        assert art("same_output").id in down.node_ids
        assert art("src_b" if src == "src_a" else "src_a").id not in down.node_ids


def test_identity_loop_terminates(store: LineageStore) -> None:
    g = identity_loop(store)
    up = check(store, g, art("y").id, Direction.UP)
    assert sorted(t.operation for t in up.transforms) == ["ingest", "noop", "use"]
    down = check(store, g, art("x").id, Direction.DOWN)
    assert sorted(a.name for a in down.artifacts) == ["x", "y"]
    assert sorted(t.operation for t in down.transforms) == ["noop", "use"]


def test_diamond_lattice_60_levels(store: LineageStore) -> None:
    g = diamond_lattice(store, 60)
    up = check(store, g, art("lattice-top").id, Direction.UP)
    # 61 levels x 2 artifacts + top; 60 x 2 mix transforms + merge; one code version.
    assert len(up.artifacts) == 61 * 2 + 1
    assert len(up.transforms) == 121
    assert len(up.nodes) == 123 + 121 + 1
    down = check(store, g, art("lattice-0-a").id, Direction.DOWN)
    assert len(down.artifacts) == 60 * 2 + 1 + 1


def test_depth_counts_transforms(store: LineageStore) -> None:
    diamond_lattice(store, 10)
    top = art("lattice-top").id
    d0 = store.traverse(top, Direction.UP, depth=0)
    assert d0.node_ids == {top}
    d1 = store.traverse(top, Direction.UP, depth=1)
    # merge transform, its two inputs (level 10), its code version
    assert len(d1.transforms) == 1 and len(d1.artifacts) == 3 and len(d1.code_versions) == 1
    d2 = store.traverse(top, Direction.UP, depth=2)
    assert len(d2.transforms) == 3 and len(d2.artifacts) == 5


def test_limit_truncates(store: LineageStore) -> None:
    diamond_lattice(store, 10)
    got = store.traverse(art("lattice-top").id, Direction.UP, limit=5)
    assert got.truncated and len(got.nodes) == 5 and got.nodes[0].id == art("lattice-top").id


@pytest.mark.slow
def test_random_dag_10k(store: LineageStore) -> None:
    g = SCENARIOS["random_dag"](store)
    assert len(g.nodes) >= 10_000
    counts = store.counts()
    assert counts["Transform"] == 4000
    leaves = [n.id for n in g.artifacts if n.name.startswith("dag-3999-")]
    for leaf in leaves:
        check(store, g, leaf, Direction.UP)
    for src in ("dag-src-0", "dag-src-29"):
        check(store, g, art(src).id, Direction.DOWN)
    model_down = check(store, g, next(m.id for m in g.models), Direction.DOWN)
    assert len(model_down.transforms) >= 4000 // 17


def test_writes_are_idempotent(store: LineageStore) -> None:
    multi_input_join(store)
    before = store.counts()
    multi_input_join(store)
    assert store.counts() == before
    assert before == {
        "Artifact": 4,
        "Transform": 2,
        "CodeVersion": 1,
        "USED": 3,
        "PRODUCED": 2,
        "RAN": 2,
    }


def test_resolve_prefix_and_get(store: LineageStore) -> None:
    identity_loop(store)
    x = art("x")
    hexpart = x.id.split(":")[1]
    assert store.resolve(hexpart[:10]) == [x.id]
    assert store.resolve("blake3:" + hexpart[:10]) == [x.id]
    assert store.resolve("ffffffffffffffffff") == []
    got = store.get(x.id)
    assert got is not None and got.name == "x"
    assert store.get("blake3:" + "0" * 64) is None
    assert [n.id for n in store.get_many([x.id, "blake3:" + "0" * 64, art("y").id])] == [
        x.id,
        art("y").id,
    ]


def test_artifact_immutability_and_fill(store: LineageStore) -> None:
    a = art("immut")
    store.write([a], [])
    store.write([a.model_copy(update={"uri": "file:///data/x.csv", "name": "renamed"})], [])
    got = store.get(a.id)
    assert got is not None
    assert got.uri == "file:///data/x.csv"  # type: ignore[union-attr]
    assert got.name == "immut"  # first name kept
    assert got.created_at == a.created_at  # type: ignore[union-attr]


def test_transform_status_only_upgrades(store: LineageStore) -> None:
    from tests.scenarios import transform

    nodes, edges = transform("op", [art("i")], [])
    t = nodes[0]
    store.write([t.model_copy(update={"status": "failed", "error": "boom"}), *nodes[1:]], edges)
    store.write([t], [])
    assert store.get(t.id).status == "succeeded"  # type: ignore[union-attr]
    store.write([t.model_copy(update={"status": "failed"})], [])
    assert store.get(t.id).status == "succeeded"  # type: ignore[union-attr]


def test_iteration_covers_everything(store: LineageStore) -> None:
    g = diamond_lattice(store, 5)
    nodes = [n.id for batch in store.iter_nodes(batch_size=7) for n in batch]
    edges = [e.key for batch in store.iter_edges(batch_size=7) for e in batch]
    assert sorted(nodes) == sorted({n.id for n in g.nodes}) == nodes
    assert sorted(edges) == sorted({e.key for e in g.edges}) == edges


def _demo(store: LineageStore, workdir: Path) -> tuple[LineageGraph, LineageGraph, DemoResult]:
    result = run_demo(Tracker(store), workdir)
    return (
        store.traverse(result.model_v2.id, Direction.UP),
        store.traverse(result.events_source.id, Direction.DOWN),
        result,
    )


def test_demo_pipeline(store: LineageStore, tmp_path: Path) -> None:
    up, down, result = _demo(store, tmp_path)
    # Model v2 came from all three sources through 13 transforms (3 ingests, 2 joins, clean,
    # split, augment, 2 embeds, train v1, inference, train v2), and used model v1.
    assert {s.name for s in up.sources()} == {"users.csv", "events.csv", "new_users.csv"}
    assert len(up.transforms) == 13
    assert result.model_v1.id in up.node_ids and result.predictions.id in up.node_ids
    assert {m.id for m in up.models} == {result.model_v1.id, result.model_v2.id}
    # The test split shares the split transform but does not feed model v2.
    assert result.test.id not in up.node_ids
    # Events feed both models and the predictions; the other sources' raw files do not appear.
    assert {result.model_v1.id, result.model_v2.id, result.predictions.id} <= down.node_ids
    assert result.users_source.id not in down.node_ids
    graph = store.traverse(result.model_v2.id, Direction.UP, depth=1)
    assert {t.operation for t in graph.transforms} == {"train"}


def _shape(g: LineageGraph) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    outs = {
        t.id: tuple(sorted(e.target for e in g.edges if e.source == t.id and e.type == "PRODUCED"))
        for t in g.transforms
    }
    return sorted((t.operation, tuple(sorted(t.input_ids)), outs[t.id]) for t in g.transforms)


@pytest.mark.neo4j
def test_demo_answers_identical_across_backends(
    tmp_path: Path, neo4j_clean: Any, neo4j_server: Any
) -> None:
    from provenance.store import open_store

    sqlite = SQLiteStore(tmp_path / "s.sqlite")
    neo = open_store(neo4j_server.store_uri)
    try:
        a_up, a_down, _ = _demo(sqlite, tmp_path / "a")
        b_up, b_down, _ = _demo(neo, tmp_path / "a")
        for a, b in ((a_up, b_up), (a_down, b_down)):
            # Artifacts are content-addressed, so their ids match exactly; transform and code
            # ids include the code version (the working tree's dirty diff), so compare those
            # by what they did: operation, inputs, outputs.
            assert {x.id for x in a.artifacts} == {x.id for x in b.artifacts}
            assert _shape(a) == _shape(b)
            assert len(a.code_versions) == len(b.code_versions)
        assert sqlite.counts() == neo.counts()
    finally:
        sqlite.close()
        neo.close()


def test_dangling_or_mistyped_edges_are_refused(store: LineageStore) -> None:
    from provenance.errors import IntegrityError
    from provenance.model import Edge
    from tests.scenarios import CODE, transform

    nodes, edges = transform("op", [art("in")], [art("out")])
    store.write(nodes, edges)
    before = store.counts()
    t = nodes[0].id
    for bad in (
        Edge(source=t, target=art("never-written").id, type="USED"),  # dangling
        Edge(source=t, target=CODE.id, type="USED"),  # USED must point at an artifact
        Edge(source=t, target=art("in").id, type="USED_MODEL"),  # not a model
        Edge(source=art("in").id, target=art("out").id, type="PRODUCED"),  # not from a transform
    ):
        with pytest.raises(IntegrityError):
            store.write([art("new")], [bad])
        assert store.counts() == before  # nothing of the failed write landed
        assert store.get(art("new").id) is None


def test_sync_round_trip_is_idempotent(store: LineageStore, tmp_path: Path) -> None:
    from provenance.sync import sync

    g = diamond_lattice(store, 6)
    copy = SQLiteStore(tmp_path / "copy.sqlite")
    first = sync(store, copy, batch_size=7)
    assert (first.nodes, first.edges) == (len({n.id for n in g.nodes}), len(g.edges))
    again = sync(store, copy, batch_size=7)
    assert (again.nodes, again.edges) == (first.nodes, first.edges)
    assert copy.counts() == store.counts()
    top = art("lattice-top").id
    assert copy.traverse(top, Direction.UP) == store.traverse(top, Direction.UP)
    store_back = sync(copy, store)
    assert store_back.nodes == first.nodes and store.counts() == copy.counts()
    copy.close()


def test_openlineage_pipeline(store: LineageStore, tmp_path: Path) -> None:
    """A native run, an Airflow DAG (events out of order) and Spark jobs (tests/
    openlineage_events.py) in one graph: the same answers on every backend, worked by hand."""
    from provenance.openlineage.naming import dataset_version_id, run_transform_id
    from provenance.reader import resolve_id
    from tests import openlineage_events as ev
    from tests.scenarios import openlineage_pipeline

    g = openlineage_pipeline(store, tmp_path)
    # Native: users.csv, users_profile, profile, its code version. Airflow: the DAG run and 4
    # tasks; users and orders tables, the orders.csv stand-in, report.csv (extract_users reads
    # the native users.csv); extract_users' code location. Spark: raw/orders v1 v2,
    # raw/customers c1, curated e1 e2, reports/daily; 3 runs; one source-code version.
    assert store.counts() == {
        "Artifact": 2 + 4 + 6,
        "Transform": 1 + 5 + 3,
        "CodeVersion": 1 + 1 + 1,
        "USED": 1 + 4 + 5,
        "PRODUCED": 1 + 3 + 3,
        "RAN": 1 + 1 + 2,
        "PARENT": 4,
    }
    flow = LineageGraph(nodes=g.nodes, edges=[e for e in g.edges if e.type != "PARENT"])

    def names(graph: LineageGraph) -> set[str]:
        return {Path(a.name).name for a in graph.artifacts}

    report = resolve_id(store, f"dataset:file:{tmp_path / 'report.csv'}")
    up = check(store, flow, report, Direction.UP)
    assert names(up) == {"report.csv", "shop.public.users", "shop.public.orders", "users.csv",
                         "orders.csv"}  # fmt: skip
    assert {t.operation for t in up.transforms} == {
        "shop_etl.report",
        "shop_etl.extract_users",
        "shop_etl.load_orders",
    }
    assert len(up.code_versions) == 1 and len(up.edges) == 8  # report 3, extract 3, load 2
    assert run_transform_id(ev.DAG_RUN) not in up.node_ids  # PARENT is not followed

    users = resolve_id(store, f"dataset:file:{tmp_path / 'users.csv'}")
    down = check(store, flow, users, Direction.DOWN)
    assert names(down) == {"users.csv", "users_profile", "shop.public.users", "report.csv"}
    assert {t.operation for t in down.transforms} == {
        "profile",
        "shop_etl.extract_users",
        "shop_etl.report",
    }
    assert len(down.edges) == 6

    daily = resolve_id(store, "dataset:s3://lake:reports/daily")
    spark_up = check(store, flow, daily, Direction.UP)
    assert {a.id for a in spark_up.artifacts} == {
        daily,
        dataset_version_id(ev.LAKE, "curated/orders_enriched", "e2"),
        dataset_version_id(ev.LAKE, "raw/orders", "v2"),
        dataset_version_id(ev.LAKE, "raw/customers", "c1"),
    }
    assert {t.id for t in spark_up.transforms} == {
        run_transform_id(ev.REPORT_SPARK_RUN),
        run_transform_id(ev.ENRICH_RUN_2),
    }
    assert len(spark_up.code_versions) == 1 and len(spark_up.edges) == 6
    customers = dataset_version_id(ev.LAKE, "raw/customers", "c1")
    spark_down = check(store, flow, customers, Direction.DOWN)
    assert len(spark_down.artifacts) == 4 and len(spark_down.transforms) == 3
    assert len(spark_down.edges) == 6


def test_long_values_are_stored_and_found(store: LineageStore) -> None:
    """Names, uris, kinds and operations of 10-40 KB (past Neo4j's RANGE and TEXT index
    entry limits), ASCII and not: stored whole, found by every lookup, the same on each
    backend; two names alike in their first 5000 characters stay apart."""
    from provenance.analysis import verify_log

    g = long_values(store)
    src, twin, out = art("long-src").id, art("long-twin").id, art("long-out").id
    (t,) = (n for n in g.nodes if n.node_type == "Transform")
    got = store.get(src)
    assert isinstance(got, Artifact) and (got.name, got.uri) == (LONG_NAME, LONG_URI)
    assert len(LONG_URI.encode()) > 30_000 and len(LONG_TRANSFORM_NAME) == 40_004
    assert [a.id for a in store.find_artifacts(name=LONG_NAME)] == [src]
    assert [a.id for a in store.find_artifacts(name=LONG_NAME_TWIN)] == [twin]
    assert [a.id for a in store.find_artifacts(name=LONG_NAME[:-1] + "z")] == []
    assert [a.id for a in store.find_artifacts(uri=LONG_URI)] == [src]
    assert [a.id for a in store.find_artifacts(name=LONG_NAME, uri=LONG_URI)] == [src]
    assert [a.id for a in store.find_artifacts(kind=LONG_KIND)] == [out]
    assert [x.id for x in store.find_transforms(operation=LONG_OPERATION)] == [t.id]
    assert [x.id for x in store.find_transforms(name=LONG_TRANSFORM_NAME)] == [t.id]
    assert store.find_transforms(operation=LONG_OPERATION, name="other") == []
    found = store.get(t.id)
    assert isinstance(found, Transform) and found.operation == LONG_OPERATION
    assert found.name == LONG_TRANSFORM_NAME
    up = check(store, g, out, Direction.UP)
    assert {a.name for a in up.artifacts} == {LONG_NAME, LONG_NAME_TWIN, "long-out"}
    # every node read back equals what was written (no lookup key leaks into a node)
    assert {n.id: n for b in store.iter_nodes() for n in b} == {n.id: n for n in g.nodes}
    assert verify_log(store).ok
