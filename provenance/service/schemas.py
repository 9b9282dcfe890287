"""What the lineage service answers: pydantic models of its JSON (they document ``/docs``),
and the conversion of a :class:`~provenance.model.LineageGraph` to Marquez's lineage shape.

Marquez's ``GET /api/v1/lineage`` answers ``{"graph": [node, ...]}``, each node ``{"id",
"type", "data", "inEdges", "outEdges"}`` with edges ``{"origin", "destination"}``; this
service keeps that shape. Ids are the store's node ids; ``type`` is ``DATASET`` (artifacts
and models), ``JOB`` (transforms: runs, job definitions) or ``CODE`` (code versions);
``data`` is every field of the node. Edges point the way data flows (input dataset → job →
output dataset, code → job) and carry the graph's edge ``type`` (``USED``, ``PRODUCED``, …).

Example:
    >>> from provenance.model import Artifact, Edge, LineageGraph, Transform
    >>> a, b = (Artifact(id="blake3:" + c * 64, name=c) for c in "ab")
    >>> t = Transform(id="blake3:" + "f" * 64, operation="copy")
    >>> g = LineageGraph(root=b.id, nodes=[b, t, a], edges=[
    ...     Edge(source=t.id, target=a.id, type="USED"),
    ...     Edge(source=t.id, target=b.id, type="PRODUCED")])
    >>> nodes = marquez_graph(g).graph
    >>> [(n.type, n.data["name"] if "name" in n.data else None) for n in nodes][:1]
    [('DATASET', 'b')]
    >>> [(e.origin[7:8], e.destination[7:8], e.type) for e in nodes[1].inEdges]
    [('a', 'f', 'USED')]
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from provenance.model import Artifact, CodeVersion, Edge, LineageGraph, Node, Transform
from provenance.openlineage.ingest import IngestStats

__all__ = [
    "DatasetVersions",
    "ErrorResponse",
    "GraphEdge",
    "GraphNode",
    "Health",
    "IngestResponse",
    "JobRun",
    "JobRuns",
    "LineageResponse",
    "NodeType",
    "edge_view",
    "marquez_graph",
    "node_type",
]

#: Marquez's node types, plus ``CODE`` for code versions.
NodeType = Literal["DATASET", "JOB", "CODE"]

# Edge types whose data flows from the edge's target to its source (a transform USED an
# input, USED_MODEL a model, RAN code): Marquez's origin is the target.
_INWARD = frozenset({"USED", "USED_MODEL", "RAN"})


class ErrorResponse(BaseModel):
    """Every error the service answers: one line."""

    error: str = Field(examples=["no node with id 'blake3:abcd'"])


class IngestResponse(BaseModel):
    """What ``POST /api/v1/lineage`` took in (answered with status 201)."""

    received: int = Field(description="Events in the request (1, or the batch's length).")
    stats: IngestStats = Field(
        default_factory=IngestStats, description="What the events' writes held."
    )


class GraphEdge(BaseModel):
    """One edge of the lineage graph, pointing the way data flows."""

    origin: str
    destination: str
    type: str = Field(description="The graph's edge type: USED, PRODUCED, RAN, …")
    role: str | None = None


class GraphNode(BaseModel):
    """One node of the lineage graph in Marquez's shape."""

    id: str
    type: NodeType
    data: dict[str, Any] = Field(description="Every field of the node.")
    inEdges: list[GraphEdge] = Field(default_factory=list)
    outEdges: list[GraphEdge] = Field(default_factory=list)


class LineageResponse(BaseModel):
    """``GET /api/v1/lineage``: the graph around a node (Marquez's shape)."""

    graph: list[GraphNode]
    truncated: bool = False


class DatasetVersions(BaseModel):
    """``GET /api/v1/namespaces/{ns}/datasets/{name}/versions``: newest first."""

    namespace: str
    name: str
    uri: str | None
    totalCount: int
    versions: list[Node]


class JobRun(BaseModel):
    """One run of a job: its transform, and the dataset versions it read and wrote."""

    id: str
    runId: str | None = None
    status: str
    startedAt: Any = None
    endedAt: Any = None
    inputs: list[str] = Field(default_factory=list, description="Artifact ids it USED.")
    outputs: list[str] = Field(default_factory=list, description="Artifact ids it PRODUCED.")
    data: Transform


class JobRuns(BaseModel):
    """``GET /api/v1/namespaces/{ns}/jobs/{name}/runs``: newest first."""

    namespace: str
    name: str
    totalCount: int
    runs: list[JobRun]


class Health(BaseModel):
    """``GET /health``."""

    status: Literal["ok", "unavailable"]
    store: str = Field(description="The store's URI, password hidden.")
    version: str
    counts: dict[str, int] = Field(default_factory=dict)
    error: str | None = None


def node_type(node: Artifact | Transform | CodeVersion) -> NodeType:
    """The Marquez node type of a graph node.

    Example:
        >>> node_type(Transform(id="blake3:" + "0" * 64, operation="x"))
        'JOB'
    """
    if isinstance(node, Transform):
        return "JOB"
    if isinstance(node, CodeVersion):
        return "CODE"
    return "DATASET"


def edge_view(edge: Edge) -> GraphEdge:
    """An edge the way data flows: ``USED``/``USED_MODEL``/``RAN`` from the input to the
    transform, every other type (``PRODUCED``, ``INVALIDATED``, ``PARENT``) as recorded.

    Example:
        >>> e = edge_view(Edge(source="blake3:" + "1" * 64, target="blake3:" + "2" * 64,
        ...                    type="USED"))
        >>> e.origin[-1], e.destination[-1], e.type
        ('2', '1', 'USED')
    """
    if edge.type in _INWARD:
        return GraphEdge(
            origin=edge.target, destination=edge.source, type=edge.type, role=edge.role
        )
    return GraphEdge(origin=edge.source, destination=edge.target, type=edge.type, role=edge.role)


def marquez_graph(*graphs: LineageGraph) -> LineageResponse:
    """The union of ``graphs`` (e.g. a node's ancestry and its descendants) in Marquez's shape:
    each node once (in the order first seen), each edge once, listed on both its ends.

    Example:
        >>> marquez_graph(LineageGraph(), LineageGraph()).graph
        []
    """
    nodes: dict[str, GraphNode] = {}
    seen: set[tuple[str, str, str]] = set()
    edges: list[Edge] = []
    for g in graphs:
        for n in g.nodes:
            if n.id not in nodes:
                nodes[n.id] = GraphNode(id=n.id, type=node_type(n), data=n.model_dump(mode="json"))
        for e in g.edges:
            if e.key not in seen:
                seen.add(e.key)
                edges.append(e)
    for e in edges:
        view = edge_view(e)
        if view.origin in nodes and view.destination in nodes:
            nodes[view.origin].outEdges.append(view)
            nodes[view.destination].inEdges.append(view)
    return LineageResponse(graph=list(nodes.values()), truncated=any(g.truncated for g in graphs))
