"""CLI commands that check reproducibility and compare data: ``verify``, ``replay``,
``contamination``, ``drift``, and ``cost`` (recorded costs, rolled up).

Each command takes node ids or unique prefixes, ``--store`` and ``--json`` (the report as
JSON, the same pydantic model the library returns); without ``--json`` a rich rendering.

Example:
    >>> import tempfile
    >>> from provenance.store import SQLiteStore
    >>> empty = tempfile.mkdtemp() + "/l.sqlite"
    >>> SQLiteStore(empty).close()
    >>> cost_cmd(CostByChoice.team, store=empty)  # doctest: +ELLIPSIS
    Cost by team: 0  (0 costed transforms, 0 without cost)
    ...
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from provenance.cli.common import IdArg, JsonOpt, StoreOpt, emit, opened_store
from provenance.errors import ProvenanceError

__all__ = ["contamination_cmd", "cost_cmd", "drift_cmd", "replay_cmd", "verify_cmd"]


def verify_cmd(node_id: IdArg, store: StoreOpt = None, as_json: JsonOpt = False) -> None:
    """Can this be reproduced? Exact, seeded or unreproducible.

    Checks the whole ancestry: inputs and model weights still where their uri points (digest
    re-checked), code reachable (source digest or commit), seed state recorded, environment
    differences from now. Exits 0 whatever the verdict.
    """
    from provenance.analysis.verify import verify
    from provenance.render.verify import render_verify

    with opened_store(store) as reader:
        report = verify(reader.store, reader.resolve(node_id))
    emit(report, as_json, render_verify)


def replay_cmd(
    transform_id: Annotated[
        str, typer.Argument(metavar="TRANSFORM_ID", help="Transform id or unique prefix.")
    ],
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-run a recorded Python transform; compare its outputs.

    Uses the recorded inputs, hyperparameters and seed state. Exits 0 on a match, 1 otherwise
    (including when the transform cannot be replayed; the output says why).
    """
    from provenance.analysis.replay import replay
    from provenance.render.replay import render_replay

    with opened_store(store) as reader:
        report = replay(reader.store, reader.resolve(transform_id))
    emit(report, as_json, render_replay)
    if not report.matched:
        raise typer.Exit(1)


def contamination_cmd(
    train_id: Annotated[str, typer.Argument(metavar="TRAIN_ID", help="Training artifact.")],
    test_id: Annotated[str, typer.Argument(metavar="TEST_ID", help="Test artifact.")],
    examples: Annotated[int, typer.Option("--examples", min=0, help="Examples to list.")] = 5,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Leakage between a training and a test artifact.

    Not their shared origin: test rows whose row fingerprint is a training row's, one side
    derived from the other, and derived data (fitted on all rows) fed to both; the common raw
    source is listed as expected. Exit 0 either way; the verdict is leakage, clean or unknown.
    """
    from provenance.analysis.contamination import contamination
    from provenance.render.contamination import render_contamination

    with opened_store(store) as reader:
        report = contamination(
            reader.store, reader.resolve(train_id), reader.resolve(test_id), examples=examples
        )
    emit(report, as_json, render_contamination)


def drift_cmd(
    a_id: Annotated[
        str | None, typer.Argument(metavar="A_ID", help="Reference artifact.", show_default=False)
    ] = None,
    b_id: Annotated[
        str | None, typer.Argument(metavar="B_ID", help="Compared artifact.", show_default=False)
    ] = None,
    name: Annotated[
        str | None,
        typer.Option("--name", "-n", help="Instead of two ids: every version of this data set."),
    ] = None,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Per-feature drift of B against A, flagged.

    PSI, KS, mean and std shift. With --name instead of two ids: between consecutive
    versions of that data set.
    Thresholds (minor/major): PSI 0.1/0.2, KS 0.1/0.2, |mean shift| 0.5/1.0 std, std ratio
    1.5/2.0. The metrics recorded for A and B (by the runs that produced them and, for
    models, that ran with them) are compared too: each value in both and the change; two
    model versions without feature statistics are compared by their metrics alone.
    """
    from provenance.analysis.drift import drift, drift_over_versions
    from provenance.render.drift import render_drift, render_version_drift

    if name is not None:
        if a_id is not None or b_id is not None:
            raise ProvenanceError("give either two artifact ids or --name, not both")
        with opened_store(store) as reader:
            versions = drift_over_versions(reader.store, name)
        emit(versions, as_json, render_version_drift)
        return
    if a_id is None or b_id is None:
        raise ProvenanceError("drift needs two artifact ids (A_ID B_ID) or --name NAME")
    with opened_store(store) as reader:
        report = drift(reader.store, reader.resolve(a_id), reader.resolve(b_id))
    emit(report, as_json, render_drift)


class CostByChoice(StrEnum):
    """How ``provenance cost`` groups."""

    source = "source"
    team = "team"
    experiment = "experiment"
    model = "model"


def cost_cmd(
    by: Annotated[
        CostByChoice, typer.Option("--by", "-b", help="Group by source, team, experiment or model.")
    ] = CostByChoice.source,
    store: StoreOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Roll up recorded costs by source, team, experiment, model.

    By source, a transform's cost is split equally among its source ancestors (lines add up
    to the total); by model, each transform in a model's ancestry counts once for that model.
    """
    from provenance.analysis.cost import cost
    from provenance.render.cost import render_cost

    with opened_store(store) as reader:
        report = cost(reader.store, by.value)
    emit(report, as_json, render_cost)
