"""Pydantic domain types: the lineage graph's nodes, edges and records.

The graph is W3C PROV-aligned: an :class:`Artifact` (PROV Entity) is immutable content named
by its digest; a :class:`Transform` (PROV Activity) is one execution that USED artifacts and
PRODUCED others; a :class:`CodeVersion` is the code that RAN; a :class:`Model` is an artifact
holding weights, which a transform may have USED_MODEL.

Example:
    >>> from provenance.model import Artifact, LineageGraph
    >>> a = Artifact(id="blake3:" + "a" * 64, name="users", kind="dataset")
    >>> g = LineageGraph(nodes=[a], edges=[])
    >>> LineageGraph.model_validate_json(g.model_dump_json()).nodes[0].name
    'users'
"""

from __future__ import annotations

import datetime as _dt
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_serializer,
    field_validator,
    model_serializer,
)

from provenance.errors import InvalidMetricError
from provenance.hashing.core import digest_json, is_digest
from provenance.wording import with_article

if TYPE_CHECKING:
    import networkx as nx


def short_id(node_id: str, n: int = 12) -> str:
    """The first ``n`` hex digits of an id, without the algorithm (for display only).

    The one short form of an id: the CLI, reports, error messages and Neo4j Browser
    captions (``n=8``) all use it. Re-exported as :func:`provenance.render.short_id`.

    Example:
        >>> short_id("blake3:" + "ab" * 32)
        'abababababab'
        >>> short_id("sha256:" + "0f" * 32, 8)
        '0f0f0f0f'
    """
    return node_id.split(":", 1)[-1][:n]


def utcnow() -> _dt.datetime:
    """The current time, timezone-aware UTC, to the microsecond.

    Example:
        >>> utcnow().tzinfo is not None
        True
    """
    return _dt.datetime.now(_dt.UTC)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


def _drop_unset(data: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """``data`` without the ``keys`` whose value is None: fields added after records were
    first written are left out while unset, so an older record keeps its exact bytes (the
    tamper-evident log digests them) and its environment digest."""
    for key in keys:
        if key in data and data[key] is None:
            del data[key]
    return data


def _check_id(value: str) -> str:
    if not is_digest(value):
        raise ValueError(f"id must be a full algo:hex digest, got {value!r}")
    return value


# --- reproducibility context ---------------------------------------------------------------
ReproducibilityLevel = Literal["exact", "seeded", "unseeded"]


class SeedState(_Frozen):
    """Every source of randomness a run had: derived seeds and, optionally, full RNG states.

    ``rng_states`` holds JSON-safe snapshots (random, NumPy legacy, torch CPU/CUDA) taken at the
    start of the run, so even an unseeded run can be replayed.
    """

    master_seed: int | None = None
    derivation: str | None = None
    python_seed: int | None = None
    numpy_seed: int | None = None
    torch_seed: int | None = None
    cuda_seed: int | None = None
    rng_states: dict[str, Any] | None = None
    rng_states_digest: str | None = None
    reproducibility: ReproducibilityLevel = "unseeded"
    #: The generators seeded or snapshotted ("python", "numpy", "torch", "torch_cuda").
    rngs: list[str] | None = None

    def identity(self) -> dict[str, Any]:
        """What of the seed state enters a transform's id: the seed, else the RNG states' digest."""
        if self.master_seed is not None:
            return {"master_seed": self.master_seed, "derivation": self.derivation}
        return {"rng_states_digest": self.rng_states_digest}


class Environment(_Frozen):
    """The interpreter, platform and packages a run executed with."""

    python: str
    implementation: str
    platform: str
    machine: str
    packages: dict[str, str] = Field(default_factory=dict)
    cuda: str | None = None
    cudnn: str | None = None
    gpus: list[str] = Field(default_factory=list)
    #: Which packages ``packages`` lists: "imported" (those the run imported) or "all".
    package_scope: str | None = None
    #: The distributions (PEP 503 names) the run imported, recorded when it ended; verify
    #: compares only these. None in records from before it (every recorded package counts).
    imported: list[str] | None = None
    digest: str

    @model_serializer(mode="wrap")
    def _serialize(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _drop_unset(handler(self), ("imported",))


class Cost(_Frozen):
    """What a transform cost to run."""

    amount: float = 0.0
    currency: str = "USD"
    resource: str | None = None
    duration_s: float | None = None
    team: str | None = None
    experiment: str | None = None


# --- nodes ---------------------------------------------------------------------------------
class Artifact(_Frozen):
    """Immutable data at a point in time, named by the digest of its content."""

    node_type: Literal["Artifact"] = "Artifact"
    id: str
    name: str
    kind: str = "dataset"
    uri: str | None = None
    schema_version: str | None = None
    row_count: int | None = None
    size_bytes: int | None = None
    feature_stats: dict[str, Any] | None = None
    hash_version: int = 1
    created_at: _dt.datetime = Field(default_factory=utcnow)
    license: str | None = None
    contains_pii: bool | None = None
    owner: str | None = None
    erased_at: _dt.datetime | None = None
    erasure_reason: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    _v_id = field_validator("id")(classmethod(lambda cls, v: _check_id(v)))

    @property
    def labels(self) -> tuple[str, ...]:
        """The graph labels of this node."""
        return ("Artifact",)

    @property
    def erased(self) -> bool:
        """True once an erasure was recorded: the content is gone, the skeleton stays."""
        return self.erased_at is not None


class Model(Artifact):
    """An artifact whose content is model weights (graph labels ``Artifact:Model``)."""

    node_type: Literal["Model"] = "Model"  # type: ignore[assignment]
    kind: str = "model"
    architecture_hash: str | None = None
    framework: str | None = None
    parameter_count: int | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        return ("Artifact", "Model")


class CodeVersion(_Frozen):
    """The code that ran: a git commit plus dirty-diff digest, or a source digest."""

    node_type: Literal["CodeVersion"] = "CodeVersion"
    id: str
    entrypoint: str | None = None
    git_commit: str | None = None
    git_branch: str | None = None
    git_dirty: bool | None = None
    diff_digest: str | None = None
    source_digest: str | None = None
    repo_root: str | None = None
    #: The project's own source files the code depends on, ``{path: content digest}``: its
    #: module's file and every local module it imports (see provenance.capture.modules);
    #: paths relative to ``repo_root`` (else ``import_root``) when under it. Stored as
    #: ``"digest path"`` strings. None when not recorded (no module file, older records).
    source_files: dict[str, str] | None = None
    #: The file the entrypoint's module was loaded from (a script's own path).
    module_file: str | None = None
    #: The ``sys.path`` entry that module was found under (a script's directory).
    import_root: str | None = None
    created_at: _dt.datetime = Field(default_factory=utcnow)

    _v_id = field_validator("id")(classmethod(lambda cls, v: _check_id(v)))

    @field_validator("source_files", mode="before")
    @classmethod
    def _read_source_files(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):  # the stored form: "digest path" strings
            pairs = [str(item).split(" ", 1) for item in value]
            if any(len(p) != 2 for p in pairs):
                raise ValueError("source_files entries are 'digest path' strings")
            return {path: digest for digest, path in pairs}
        return value

    @field_serializer("source_files", when_used="json")
    def _write_source_files(self, value: dict[str, str] | None) -> list[str] | None:
        # A list of strings: a property Neo4j can hold (it holds no maps).
        return None if value is None else [f"{d} {p}" for p, d in sorted(value.items())]

    @model_serializer(mode="wrap")
    def _serialize(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _drop_unset(handler(self), ("source_files", "module_file", "import_root"))

    @staticmethod
    def make_id(
        *,
        entrypoint: str | None,
        git_commit: str | None,
        diff_digest: str | None,
        source_digest: str | None,
        algo: str = "blake3",
        source_files: Mapping[str, str] | None = None,
    ) -> str:
        """The deterministic id of a code version: what ran, not where or when.

        ``source_files`` enters the digest only when given, so an id made without it is
        the id such code versions always had.

        Example:
            >>> base = dict(entrypoint="m:f", git_commit=None, diff_digest=None,
            ...             source_digest=None)
            >>> CodeVersion.make_id(**base) == CodeVersion.make_id(**base, source_files=None)
            True
            >>> CodeVersion.make_id(**base) == CodeVersion.make_id(
            ...     **base, source_files={"m.py": "blake3:" + "0" * 64})
            False
        """
        body: dict[str, Any] = {
            "entrypoint": entrypoint,
            "git_commit": git_commit,
            "diff_digest": diff_digest,
            "source_digest": source_digest,
        }
        if source_files is not None:
            body["source_files"] = dict(sorted(source_files.items()))
        return digest_json(body, algo, domain="code-version")

    @property
    def labels(self) -> tuple[str, ...]:
        return ("CodeVersion",)


TransformStatus = Literal["running", "succeeded", "failed"]


def check_metric(name: object, value: object) -> float:
    """``value`` as a metric: a finite real number (int, float, numpy number), as a float.

    Raises :class:`~provenance.errors.InvalidMetricError` for an empty or non-str name, a
    bool, a non-number, NaN or an infinity.

    Example:
        >>> check_metric("accuracy", 0.97), check_metric("epochs", 3)
        (0.97, 3.0)
        >>> check_metric("loss", float("nan"))
        Traceback (most recent call last):
        ...
        provenance.errors.InvalidMetricError: metric 'loss' is nan: metrics must be finite numbers
    """
    if not isinstance(name, str) or not name:
        raise InvalidMetricError(f"a metric needs a non-empty string name, got {name!r}")
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        raise InvalidMetricError(f"metric {name!r} is a bool: metrics are numbers")
    if not isinstance(value, numbers.Real):
        raise InvalidMetricError(
            f"metric {name!r} is {with_article(type(value).__name__)} ({value!r:.40}): metrics are "
            "finite "
            "real numbers (int, float, numpy number)"
        )
    number = float(value)
    if not math.isfinite(number):
        raise InvalidMetricError(f"metric {name!r} is {number}: metrics must be finite numbers")
    return number


def check_metrics(metrics: Mapping[str, object] | None) -> dict[str, float]:
    """Every metric of ``metrics`` checked with :func:`check_metric`, as a new dict.

    Example:
        >>> check_metrics({"f1": 0.5, "n": 10})
        {'f1': 0.5, 'n': 10.0}
    """
    if metrics is None:
        return {}
    if not isinstance(metrics, Mapping):
        raise InvalidMetricError(
            f"metrics must be a mapping of name to number, not {type(metrics).__name__}"
        )
    return {name: check_metric(name, value) for name, value in metrics.items()}


class Transform(_Frozen):
    """One execution of an operation (PROV Activity), identified deterministically."""

    node_type: Literal["Transform"] = "Transform"
    id: str
    operation: str
    name: str | None = None
    hyperparameters: dict[str, Any] = Field(default_factory=dict)
    seed_state: SeedState | None = None
    code_version_id: str | None = None
    model_id: str | None = None
    input_ids: list[str] = Field(default_factory=list)
    started_at: _dt.datetime | None = None
    ended_at: _dt.datetime | None = None
    status: TransformStatus = "succeeded"
    error: str | None = None
    cost: Cost | None = None
    environment: Environment | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    #: What the run measured (``run.log_metric``): name -> finite number. Results, not
    #: inputs: they never enter the transform's id.
    metrics: dict[str, float] = Field(default_factory=dict)

    _v_id = field_validator("id")(classmethod(lambda cls, v: _check_id(v)))
    _v_metrics = field_validator("metrics", mode="before")(
        classmethod(lambda cls, v: check_metrics(v))
    )

    @staticmethod
    def make_id(
        *,
        operation: str,
        input_ids: Iterable[str],
        code_version_id: str | None,
        model_id: str | None,
        hyperparameters: dict[str, Any],
        seed: dict[str, Any] | None,
        algo: str = "blake3",
    ) -> str:
        """Deterministic transform id: the same work recorded twice is one node.

        Example:
            >>> a, b = "blake3:" + "1" * 64, "blake3:" + "2" * 64
            >>> kw = dict(operation="join", code_version_id=None, model_id=None,
            ...           hyperparameters={"how": "inner"}, seed=None)
            >>> ab = Transform.make_id(input_ids=[a, b], **kw)
            >>> ab == Transform.make_id(input_ids=[b, a], **kw)
            True
        """
        return digest_json(
            {
                "operation": operation,
                "inputs": sorted(set(input_ids)),
                "code": code_version_id,
                "model": model_id,
                "hyperparameters": hyperparameters,
                "seed": seed,
            },
            algo,
            domain="transform",
        )

    @property
    def duration_s(self) -> float | None:
        """Wall time of the run in seconds, when both ends were recorded."""
        if self.started_at and self.ended_at:
            return (self.ended_at - self.started_at).total_seconds()
        return None

    @property
    def labels(self) -> tuple[str, ...]:
        return ("Transform",)


Node = Annotated[Artifact | Model | Transform | CodeVersion, Field(discriminator="node_type")]
#: ``INVALIDATED`` (PROV wasInvalidatedBy) runs from an erasure Transform to the artifact it
#: erased; it is a record, not data flow, so ancestry and descendants never follow it.
#: ``PARENT`` runs from a child run Transform to the run that spawned it (an OpenLineage
#: ``parent`` run facet: an Airflow task run to its DAG run); not data flow either.
EdgeType = Literal["USED", "PRODUCED", "USED_MODEL", "RAN", "INVALIDATED", "PARENT"]
NODE_TYPES = ("Artifact", "Model", "Transform", "CodeVersion")


class Edge(_Frozen):
    """A relationship, always from a Transform to the node it used, produced, or ran."""

    source: str
    target: str
    type: EdgeType
    role: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """Identity of the edge: one edge of a type between two nodes, whatever its role."""
        return (self.source, self.type, self.target)


class LineageGraph(BaseModel):
    """A subgraph: the answer to an ancestry or descendants query, or a whole export.

    Example:
        >>> g = LineageGraph(nodes=[], edges=[])
        >>> g.to_networkx().number_of_nodes()
        0
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    root: str | None = None
    nodes: list[Node] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)
    truncated: bool = False

    def node(self, node_id: str) -> Artifact | Model | Transform | CodeVersion:
        """The node with ``node_id``; KeyError if it is not in this graph."""
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    @property
    def node_ids(self) -> set[str]:
        """Ids of every node in the graph."""
        return {n.id for n in self.nodes}

    @property
    def artifacts(self) -> list[Artifact]:
        """Artifact (and Model) nodes."""
        return [n for n in self.nodes if isinstance(n, Artifact)]

    @property
    def transforms(self) -> list[Transform]:
        """Transform nodes."""
        return [n for n in self.nodes if isinstance(n, Transform)]

    @property
    def code_versions(self) -> list[CodeVersion]:
        """CodeVersion nodes."""
        return [n for n in self.nodes if isinstance(n, CodeVersion)]

    @property
    def models(self) -> list[Model]:
        """Model nodes."""
        return [n for n in self.nodes if isinstance(n, Model)]

    def sources(self) -> list[Artifact]:
        """Artifacts in this graph that no transform in it produced (the raw sources)."""
        produced = {e.target for e in self.edges if e.type == "PRODUCED"}
        return [a for a in self.artifacts if a.id not in produced and a.id != self.root]

    def to_networkx(self) -> nx.MultiDiGraph[str]:
        """A networkx MultiDiGraph; node attributes are the node's fields, edge keys its type.

        Edges point the way data flows: input artifact → transform → output artifact.
        USED/USED_MODEL/RAN edges are stored reversed (artifact → transform) for that reason,
        with ``type`` kept as recorded.
        """
        import networkx as nx

        g: nx.MultiDiGraph[str] = nx.MultiDiGraph()
        for n in self.nodes:
            g.add_node(n.id, **n.model_dump(mode="json"))
        for e in self.edges:
            u, v = (e.source, e.target) if e.type == "PRODUCED" else (e.target, e.source)
            g.add_edge(u, v, key=e.type, type=e.type, role=e.role)
        return g

    def sorted(self) -> LineageGraph:
        """A copy with nodes and edges in a canonical order (for comparing and printing)."""
        return LineageGraph(
            root=self.root,
            nodes=sorted(self.nodes, key=lambda n: (n.node_type, n.id)),
            edges=sorted(self.edges, key=lambda e: (e.source, e.type, e.target)),
            truncated=self.truncated,
        )


def node_from_dict(data: dict[str, Any]) -> Artifact | Model | Transform | CodeVersion:
    """Rebuild a node from its JSON dict (``node_type`` picks the class).

    Example:
        >>> node_from_dict({"node_type": "Artifact", "id": "blake3:" + "0"*64, "name": "x"}).name
        'x'
    """
    kind = data.get("node_type")
    cls: type[Artifact | Transform | CodeVersion]
    if kind == "Model":
        cls = Model
    elif kind == "Artifact":
        cls = Artifact
    elif kind == "Transform":
        cls = Transform
    elif kind == "CodeVersion":
        cls = CodeVersion
    else:
        raise ValueError(f"unknown node_type {kind!r}")
    return cls.model_validate(data)


def dedupe_edges(edges: Sequence[Edge]) -> list[Edge]:
    """Edges with duplicates (same source, type, target) removed, first one kept."""
    seen: dict[tuple[str, str, str], Edge] = {}
    for e in edges:
        seen.setdefault(e.key, e)
    return list(seen.values())
