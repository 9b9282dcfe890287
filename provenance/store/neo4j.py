"""The Neo4j backend: the same protocol as the embedded store, over the official driver.

Writes are one managed transaction per call (retried by the driver on transient errors),
batched with UNWIND + MERGE. Reads walk the graph level by level (the shared walk of
:mod:`provenance.store.walk`) with the ``provenance/cypher/*_step`` queries, one per level,
so no path is ever enumerated. ``neo4j://`` routing URIs work, so a cluster or Aura
is a drop-in for a single server.

Example (needs a server):
    >>> store = Neo4jStore(parse_store_uri("neo4j://neo4j:secret@127.0.0.1:7687"))  # doctest: +SKIP
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any, TypeVar

from provenance.errors import IntegrityError, NotFoundError, StoreError, StoreUnavailableError
from provenance.model import (
    Artifact,
    Edge,
    EdgeType,
    LineageGraph,
    Model,
    node_from_dict,
    short_id,
)
from provenance.store.base import (
    INVALIDATED,
    PRODUCED,
    RAN,
    USED,
    USED_MODEL,
    AnyNode,
    Direction,
    StoreBase,
    in_order,
)
from provenance.store.cypher import load_query, load_statements
from provenance.store.merge import merge_batch, merge_node
from provenance.store.uri import StoreURI
from provenance.store.walk import StepEdge, walk

T = TypeVar("T")

#: Fields held as JSON text in Neo4j (maps of maps are not property values).
JSON_FIELDS = frozenset(
    {"feature_stats", "metadata", "hyperparameters", "seed_state", "cost", "environment"}
)
_EDGE_QUERIES = {
    USED: "merge_used",
    PRODUCED: "merge_produced",
    USED_MODEL: "merge_used_model",
    RAN: "merge_ran",
    INVALIDATED: "merge_invalidated",
}
_UPSERTS = {
    "Artifact": "upsert_artifacts",
    "Model": "upsert_artifacts",
    "Transform": "upsert_transforms",
    "CodeVersion": "upsert_code_versions",
}
BATCH = 5000
# Per walk direction: the step query and its frontier parameter.
_STEPS = {
    Direction.UP: ("ancestry_step", "artifact_ids"),
    Direction.DOWN: ("descendants_step", "node_ids"),
}


def _same_ids(keys: Sequence[str]) -> dict[str, str]:
    """The walk's key-to-id map where keys are ids."""
    return {k: k for k in keys}


def to_props(node: AnyNode) -> dict[str, Any]:
    """Neo4j properties of a node: scalars and lists as they are, nested maps as JSON text.

    Null fields are left out (Neo4j has no null properties).
    """
    # short_id only serves Neo4j Browser captions (provenance/cypher/browser-style.grass).
    props: dict[str, Any] = {"short_id": short_id(node.id, 8)}
    for key, value in node.model_dump(mode="json").items():
        if value is None:
            continue
        if key in JSON_FIELDS:
            props[key] = json.dumps(value, sort_keys=True)
        elif isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
            props[key] = json.dumps(value)
        else:
            props[key] = value
    return props


def from_props(labels: Sequence[str], props: dict[str, Any]) -> AnyNode:
    """Rebuild a node from its labels and properties."""
    data = dict(props)
    data.pop("short_id", None)
    for key in JSON_FIELDS & data.keys():
        if isinstance(data[key], str):
            data[key] = json.loads(data[key])
    if "Model" in labels:
        data["node_type"] = "Model"
    return node_from_dict(data)


class Neo4jStore(StoreBase):
    """A :class:`~provenance.store.base.LineageStore` on a Neo4j 5 server or cluster."""

    def __init__(self, uri: StoreURI, *, apply_schema: bool = True) -> None:
        try:
            import neo4j
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise StoreError(
                "the Neo4j backend needs the neo4j driver: pip install 'provenance[neo4j]'"
            ) from exc
        self._neo4j = neo4j
        self.uri = uri.redacted()
        self.database = uri.database
        auth = (uri.user, uri.password or "") if uri.user else None
        try:
            self._driver = neo4j.GraphDatabase.driver(
                uri.driver_uri, auth=auth, notifications_min_severity="OFF"
            )
            self._driver.verify_connectivity()
        except neo4j.exceptions.AuthError as exc:
            raise StoreUnavailableError(f"Neo4j at {self.uri} refused the credentials") from exc
        except (
            neo4j.exceptions.ServiceUnavailable,
            neo4j.exceptions.DriverError,
            OSError,
            ValueError,
        ) as exc:
            raise StoreUnavailableError(f"cannot reach Neo4j at {self.uri}: {exc}") from exc
        if apply_schema:
            self.apply_schema()

    # --- plumbing ------------------------------------------------------------------------
    def _session(self) -> Any:
        return (
            self._driver.session(database=self.database)
            if self.database
            else self._driver.session()
        )

    def _tx(self, work: Callable[[Any], T], *, write: bool = False) -> T:
        """Run ``work`` in one managed read (or write) transaction, retried by the driver on
        transient errors."""
        try:
            with self._session() as s:
                execute = s.execute_write if write else s.execute_read
                return execute(work)  # type: ignore[no-any-return]
        except self._neo4j.exceptions.ServiceUnavailable as exc:
            raise StoreUnavailableError(f"lost Neo4j at {self.uri}: {exc}") from exc

    @staticmethod
    def _rows(query: str, tx: Any, /, **params: Any) -> list[Any]:
        """Run the named query of provenance/cypher/ in transaction ``tx``; all its records."""
        return list(tx.run(load_query(query), **params))

    def apply_schema(self) -> None:
        """Create the constraints and indexes of ``schema.cypher`` (idempotent)."""
        with self._session() as s:
            for stmt in load_statements("schema"):
                s.run(stmt).consume()

    def close(self) -> None:
        """Close the driver."""
        self._driver.close()

    # --- writes --------------------------------------------------------------------------
    def write(self, nodes: Sequence[AnyNode], edges: Sequence[Edge]) -> None:
        """Merge nodes and edges in one transaction: all or nothing."""
        by_id = merge_batch(nodes)
        edge_rows: dict[EdgeType, list[dict[str, Any]]] = {}
        for e in edges:
            edge_rows.setdefault(e.type, []).append(
                {"source": e.source, "target": e.target, "role": e.role}
            )

        def work(tx: Any) -> None:
            existing = {n.id: n for n in self._fetch(tx, list(by_id))}
            groups: dict[str, list[dict[str, Any]]] = {}
            for node_id, node in by_id.items():
                old = existing.get(node_id)
                merged = merge_node(old, node)
                if old is not None and merged == old:
                    continue
                groups.setdefault(_UPSERTS[merged.node_type], []).append(
                    {
                        "id": merged.id,
                        "is_model": isinstance(merged, Model),
                        "props": to_props(merged),
                    }
                )
            for query, rows in groups.items():
                for i in range(0, len(rows), BATCH):
                    self._rows(query, tx, rows=rows[i : i + BATCH])
            for etype, rows in edge_rows.items():
                for i in range(0, len(rows), BATCH):
                    chunk = rows[i : i + BATCH]
                    matched = self._rows(_EDGE_QUERIES[etype], tx, rows=chunk)[0]["matched"]
                    if matched != len(chunk):
                        raise IntegrityError(
                            f"{len(chunk) - matched} {etype} edge(s) reference nodes that do not "
                            "exist (or of the wrong kind); nothing was written"
                        )

        self._tx(work, write=True)

    # --- reads ---------------------------------------------------------------------------
    def _fetch(self, tx: Any, ids: Sequence[str]) -> list[AnyNode]:
        out: list[AnyNode] = []
        for i in range(0, len(ids), BATCH):
            rows = self._rows("get_nodes", tx, ids=list(ids[i : i + BATCH]))
            out.extend(from_props(r["labels"], r["props"]) for r in rows)
        return out

    def get(self, node_id: str) -> AnyNode | None:
        """The node with exactly this id, or None."""
        found = self._tx(lambda tx: self._fetch(tx, [node_id]))
        return found[0] if found else None

    def get_many(self, node_ids: Sequence[str]) -> list[AnyNode]:
        """The nodes with these ids, in the order given; missing ids are left out."""
        unique = list(dict.fromkeys(node_ids))
        return in_order(node_ids, self._tx(lambda tx: self._fetch(tx, unique)))

    def resolve(self, prefix: str, limit: int = 10) -> list[str]:
        """Ids that start with ``prefix``; a bare hex prefix matches under every algorithm."""
        prefix = prefix.strip().lower()
        prefixes = [prefix] if ":" in prefix else [f"blake3:{prefix}", f"sha256:{prefix}"]
        rows = self._tx(lambda tx: self._rows("resolve_prefix", tx, prefixes=prefixes, limit=limit))
        return [r["id"] for r in rows]

    def find_artifacts(
        self, *, name: str | None = None, kind: str | None = None, uri: str | None = None
    ) -> list[Artifact]:
        """Artifacts matching every given field, newest first."""
        rows = self._tx(lambda tx: self._rows("find_artifacts", tx, name=name, kind=kind, uri=uri))
        return [
            a
            for a in (from_props(r["labels"], r["props"]) for r in rows)
            if isinstance(a, Artifact)
        ]

    def _next_level(
        self, tx: Any, nodes: Sequence[str], transforms: Sequence[str], direction: Direction
    ) -> list[StepEdge[str]]:
        """The walk's next level (:class:`~provenance.store.walk.NextLevel`): one call of
        ``ancestry_step`` / ``descendants_step``, which returns each transform reached with
        its edges."""
        query, key = _STEPS[direction]
        rows = self._rows(query, tx, **{key: list(nodes), "transform_ids": list(transforms)})
        return [
            (r["transform"], e["type"], e["target"], e["role"]) for r in rows for e in r["edges"]
        ]

    def traverse(
        self, node_id: str, direction: Direction, depth: int | None = None, limit: int | None = None
    ) -> LineageGraph:
        """Ancestry (``UP``) or descendants (``DOWN``); the shared walk of
        :mod:`provenance.store.walk`, in one read transaction."""

        def work(tx: Any) -> LineageGraph:
            roots = self._fetch(tx, [node_id])
            if not roots:
                raise NotFoundError(f"no node with id {node_id}")
            return walk(
                node_id,
                node_id,
                root_is_transform=roots[0].node_type == "Transform",
                direction=direction,
                depth=depth,
                limit=limit,
                next_level=partial(self._next_level, tx),
                ids=_same_ids,
                fetch=partial(self._fetch, tx),
            )

        return self._tx(work)

    def iter_nodes(self, batch_size: int = 1000) -> Iterator[list[AnyNode]]:
        """Every node in id order, in batches."""
        after = ""
        while True:
            rows = self._tx(partial(self._rows, "iter_nodes", after=after, limit=batch_size))
            if not rows:
                return
            batch = [from_props(r["labels"], r["props"]) for r in rows]
            yield batch
            after = batch[-1].id

    def iter_edges(self, batch_size: int = 1000) -> Iterator[list[Edge]]:
        """Every edge in (source, type, target) order, in batches of transforms' edges."""
        after = ""
        while True:
            page = max(1, batch_size // 4)  # transforms per page; ~4 edges each
            rows = self._tx(partial(self._rows, "iter_edges", after_source=after, limit=page))
            if not rows:
                return
            yield [
                Edge(source=r["source"], type=r["type"], target=r["target"], role=r["role"])
                for r in rows
            ]
            after = rows[-1]["source"]

    def counts(self) -> dict[str, int]:
        """Nodes per node type and edges per edge type (zero counts left out)."""
        rows = self._tx(lambda tx: self._rows("counts", tx))
        return {r["key"]: int(r["n"]) for r in rows if r["n"]}

    def clear(self) -> None:
        """Delete every lineage node and relationship (for tests and benchmarks)."""
        with self._session() as s:
            for stmt in load_statements("clear"):
                s.run(stmt).consume()

    def _edge_rows(self, query: str, key: str, ids: Sequence[str]) -> list[Edge]:
        unique = list(dict.fromkeys(ids))
        out: list[Edge] = []
        for i in range(0, len(unique), BATCH):
            rows = self._tx(partial(self._rows, query, **{key: unique[i : i + BATCH]}))
            out.extend(
                Edge(source=r["source"], type=r["type"], target=r["target"], role=r["role"])
                for r in rows
            )
        return out

    def transform_edges(self, transform_ids: Sequence[str]) -> list[Edge]:
        """Every edge starting at these transforms (``transform_edges.cypher``)."""
        out = self._edge_rows("transform_edges", "transform_ids", transform_ids)
        out.sort(key=lambda e: (e.source, e.type, e.target))
        return out

    def invalidations(self, artifact_ids: Sequence[str]) -> list[Edge]:
        """INVALIDATED edges pointing at these artifacts (``invalidations.cypher``)."""
        out = self._edge_rows("invalidations", "artifact_ids", artifact_ids)
        out.sort(key=lambda e: (e.source, e.target))
        return out
