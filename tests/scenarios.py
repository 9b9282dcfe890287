"""The parity scenario set: graphs every backend must answer identically.

Each scenario writes into a store and returns the graph it wrote (a LineageGraph), so tests can
compute the expected answer independently with networkx.
"""

from __future__ import annotations

import datetime
import random
import tempfile
from collections.abc import Callable
from pathlib import Path

from provenance.hashing.core import digest_bytes, digest_json
from provenance.model import Artifact, CodeVersion, Edge, LineageGraph, Model, Transform
from provenance.store.base import AnyNode, LineageStore

CODE = CodeVersion(
    id=CodeVersion.make_id(
        entrypoint="scenarios:build", git_commit="0" * 40, diff_digest=None, source_digest=None
    ),
    entrypoint="scenarios:build",
    git_commit="0" * 40,
    git_dirty=False,
)


def art(label: str, **kw: object) -> Artifact:
    """A synthetic artifact whose id is the digest of ``label``."""
    return Artifact(id=digest_bytes(label.encode()), name=label, kind="dataset", **kw)  # type: ignore[arg-type]


def model(label: str) -> Model:
    """A synthetic model artifact."""
    return Model(
        id=digest_bytes(label.encode()), name=label, architecture_hash=digest_bytes(b"arch")
    )


def transform(
    op: str,
    inputs: list[Artifact],
    outputs: list[Artifact],
    *,
    key: str = "",
    used_model: Model | None = None,
) -> tuple[list[AnyNode], list[Edge]]:
    """Nodes and edges for one transform (with its code version)."""
    tid = digest_json({"op": op, "in": sorted(a.id for a in inputs), "key": key}, domain="t")
    t = Transform(
        id=tid,
        operation=op,
        input_ids=[a.id for a in inputs],
        code_version_id=CODE.id,
        model_id=used_model.id if used_model else None,
    )
    edges = [Edge(source=tid, target=CODE.id, type="RAN")]
    edges += [
        Edge(source=tid, target=a.id, type="USED", role=f"in{i}") for i, a in enumerate(inputs)
    ]
    edges += [
        Edge(source=tid, target=a.id, type="PRODUCED", role=f"out{i}")
        for i, a in enumerate(outputs)
    ]
    if used_model is not None:
        edges.append(Edge(source=tid, target=used_model.id, type="USED_MODEL"))
    return [t, CODE, *inputs, *outputs, *([used_model] if used_model else [])], edges


def _write(
    store: LineageStore, parts: list[tuple[list[AnyNode], list[Edge]]], batch: int = 5000
) -> LineageGraph:
    nodes: dict[str, AnyNode] = {}
    edges: list[Edge] = []
    for ns, es in parts:
        for n in ns:
            nodes.setdefault(n.id, n)
        edges.extend(es)
    node_list = list(nodes.values())
    for i in range(0, len(node_list), batch):  # nodes first: edges never dangle
        store.write(node_list[i : i + batch], [])
    for i in range(0, len(edges), batch):
        store.write([], edges[i : i + batch])
    return LineageGraph(nodes=node_list, edges=edges)


def multi_input_join(store: LineageStore) -> LineageGraph:
    """users + events --join--> joined --clean--> clean."""
    u, e, j, c = art("users"), art("events"), art("joined"), art("clean")
    return _write(store, [transform("join", [u, e], [j]), transform("clean", [j], [c])])


def two_producers(store: LineageStore) -> LineageGraph:
    """One digest produced by two different transforms from different inputs."""
    a, b, out = art("src_a"), art("src_b"), art("same_output")
    return _write(store, [transform("dedupe", [a], [out]), transform("normalize", [b], [out])])


def identity_loop(store: LineageStore) -> LineageGraph:
    """A transform that uses and produces the same digest (a no-op cast), downstream of a source."""
    src, x, y = art("raw"), art("x"), art("y")
    return _write(
        store,
        [transform("ingest", [src], [x]), transform("noop", [x], [x]), transform("use", [x], [y])],
    )


def diamond_lattice(store: LineageStore, levels: int = 60) -> LineageGraph:
    """Each level has two artifacts, both produced from both of the level below: 2^levels paths."""
    parts = []
    below = [art("lattice-0-a"), art("lattice-0-b")]
    for lvl in range(1, levels + 1):
        here = [art(f"lattice-{lvl}-a"), art(f"lattice-{lvl}-b")]
        parts.append(transform("mix", below, [here[0]], key=f"{lvl}a"))
        parts.append(transform("mix", below, [here[1]], key=f"{lvl}b"))
        below = here
    top = art("lattice-top")
    parts.append(transform("merge", below, [top]))
    return _write(store, parts)


def random_dag(store: LineageStore, n_transforms: int = 4000, seed: int = 5) -> LineageGraph:
    """About 10k nodes: transforms with 1-3 inputs drawn from earlier artifacts, 1-2 outputs,
    one model used by some, two code versions."""
    rng = random.Random(seed)
    arts = [art(f"dag-src-{i}") for i in range(30)]
    m = model("dag-model")
    parts = []
    for i in range(n_transforms):
        k = rng.randint(1, 3)
        ins = rng.sample(arts[-400:], min(k, len(arts[-400:])))
        outs = [art(f"dag-{i}-{j}") for j in range(rng.randint(1, 2))]
        parts.append(
            transform("step", ins, outs, key=str(i), used_model=m if i % 17 == 0 else None)
        )
        arts.extend(outs)
    return _write(store, parts)


#: Values past every index entry limit (RANGE ~8 KB, TEXT ~32 KB), ASCII and not: names,
#: uris, kinds and operations of 10-40 KB, and two names that share their first
#: 5000 characters (more than any lookup key holds), so only the full value tells them apart.
LONG_NAME = "warehouse/" + "x" * 10_230
LONG_NAME_TWIN = LONG_NAME[:5000] + "y" * 5240
LONG_URI = "s3://bucket/" + "数据/" * 4500 + "part-0.parquet"
LONG_KIND = "kind-" + "ü" * 10_000
LONG_OPERATION = "etl." + "ünïcödé😀" * 1300
LONG_TRANSFORM_NAME = "job/" + "n" * 40_000


def long_values(store: LineageStore) -> LineageGraph:
    """src (long name, long non-ASCII uri) and its twin --long operation--> out (long kind).

    The transform carries a long non-ASCII operation and a 40 KB name."""
    src = art("long-src").model_copy(update={"name": LONG_NAME, "uri": LONG_URI})
    twin = art("long-twin").model_copy(update={"name": LONG_NAME_TWIN})
    out = art("long-out").model_copy(update={"kind": LONG_KIND})
    nodes, edges = transform(LONG_OPERATION, [src, twin], [out])
    t = nodes[0]
    assert isinstance(t, Transform)
    nodes[0] = t.model_copy(update={"name": LONG_TRANSFORM_NAME})
    return _write(store, [(nodes, edges)])


SCENARIOS: dict[str, Callable[[LineageStore], LineageGraph]] = {
    "multi_input_join": multi_input_join,
    "two_producers": two_producers,
    "identity_loop": identity_loop,
    "diamond_lattice": diamond_lattice,
    "random_dag": random_dag,
    "long_values": long_values,
}


def openlineage_pipeline(store: LineageStore, workdir: str | Path | None = None) -> LineageGraph:
    """A native run and OpenLineage events meeting in one graph (tests/openlineage_events.py).

    A native ``tracker.run("profile")`` reads ``users.csv``; then the Airflow DAG
    ``shop_etl`` (events out of order; its ``extract_users`` task reads the same file, so the
    two meet at the native artifact) and the Spark jobs are ingested. Returns every node and
    edge the store then holds (PARENT edges included).
    """
    from provenance import Tracker
    from provenance.openlineage import ingest_events
    from tests.openlineage_events import airflow_events, airflow_paths, shifted, spark_events

    base = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="ol-"))
    users = airflow_paths(base)["users"]
    users.parent.mkdir(parents=True, exist_ok=True)
    users.write_text("id,email\n1,a@example.com\n2,b@example.com\n3,c@example.com\n")
    tracker = Tracker(store)
    logged = tracker.log_artifact(users, name="users.csv", kind="dataset")
    with tracker.run("profile", inputs=[logged]) as run:
        run.output(b"rows=3 columns=2", name="users_profile", kind="file")
    # the DAG runs after the file was logged: an input binds to a version written before
    # its run started (README.md, "Arrival order and binding by time")
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    ingest_events(store, shifted(airflow_events(base), later))
    ingest_events(store, spark_events())
    return LineageGraph(
        nodes=[n for batch in store.iter_nodes() for n in batch],
        edges=[e for batch in store.iter_edges() for e in batch],
    )


SCENARIOS["openlineage_pipeline"] = openlineage_pipeline
