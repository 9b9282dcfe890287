from __future__ import annotations

import pytest
from pydantic import ValidationError

from provenance.model import (
    Artifact,
    CodeVersion,
    Edge,
    LineageGraph,
    Model,
    SeedState,
    Transform,
    node_from_dict,
)

A = "blake3:" + "a" * 64
B = "blake3:" + "b" * 64
M = "blake3:" + "c" * 64


def _graph() -> LineageGraph:
    t_id = Transform.make_id(
        operation="train",
        input_ids=[A],
        code_version_id=None,
        model_id=None,
        hyperparameters={"lr": 0.1},
        seed={"master_seed": 1},
    )
    return LineageGraph(
        root=M,
        nodes=[
            Artifact(id=A, name="train", row_count=10, feature_stats={"x": {"mean": 1.5}}),
            Model(id=M, name="clf", architecture_hash=B, parameter_count=3),
            Transform(
                id=t_id,
                operation="train",
                hyperparameters={"lr": 0.1},
                seed_state=SeedState(master_seed=1, python_seed=5, reproducibility="seeded"),
            ),
        ],
        edges=[
            Edge(source=t_id, target=A, type="USED", role="features"),
            Edge(source=t_id, target=M, type="PRODUCED"),
        ],
    )


def test_json_round_trip_keeps_types() -> None:
    g = _graph()
    back = LineageGraph.model_validate_json(g.model_dump_json())
    assert back == g
    assert isinstance(back.nodes[1], Model) and back.nodes[1].labels == ("Artifact", "Model")
    assert isinstance(back.nodes[2], Transform)
    assert back.nodes[2].seed_state and back.nodes[2].seed_state.python_seed == 5


def test_to_networkx_follows_data_flow() -> None:
    g = _graph().to_networkx()
    t = _graph().transforms[0].id
    assert set(g.successors(A)) == {t}  # input -> transform
    assert set(g.successors(t)) == {M}  # transform -> output
    assert g.nodes[M]["architecture_hash"] == B


def test_transform_id_is_deterministic_and_sensitive() -> None:
    base = dict(
        operation="join",
        input_ids=[A, B],
        code_version_id=None,
        model_id=None,
        hyperparameters={"on": "id", "k": 1},
        seed=None,
    )
    same = Transform.make_id(
        **{**base, "input_ids": [B, A], "hyperparameters": {"k": 1.0, "on": "id"}}
    )  # type: ignore[arg-type]
    assert Transform.make_id(**base) == same  # type: ignore[arg-type]
    for change in (
        {"operation": "merge"},
        {"input_ids": [A]},
        {"model_id": M},
        {"hyperparameters": {"on": "id", "k": 2}},
        {"seed": {"master_seed": 3}},
        {"code_version_id": B},
    ):
        assert Transform.make_id(**{**base, **change}) != Transform.make_id(**base)  # type: ignore[arg-type]


def test_ids_must_be_full_digests() -> None:
    with pytest.raises(ValidationError):
        Artifact(id="blake3:abc", name="x")
    with pytest.raises(ValidationError):
        Artifact(id="a" * 64, name="x")
    with pytest.raises(ValidationError):
        Artifact(id=A, name="x", unknown_field=1)  # type: ignore[call-arg]


def test_sources_and_node_lookup() -> None:
    g = _graph()
    assert [a.id for a in g.sources()] == [A]
    assert g.node(M).name == "clf"  # type: ignore[union-attr]
    with pytest.raises(KeyError):
        g.node(B)


def test_node_from_dict_and_code_version_id() -> None:
    cid = CodeVersion.make_id(
        entrypoint="m:f", git_commit="1" * 40, diff_digest=None, source_digest=None
    )
    cv = node_from_dict({"node_type": "CodeVersion", "id": cid, "entrypoint": "m:f"})
    assert isinstance(cv, CodeVersion)
    assert cid != CodeVersion.make_id(
        entrypoint="m:f", git_commit="1" * 40, diff_digest=B, source_digest=None
    )
    with pytest.raises(ValueError):
        node_from_dict({"node_type": "Nope", "id": cid})
