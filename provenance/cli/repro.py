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

import click

from provenance.cli.common import (
    argument,
    emit,
    id_argument,
    json_option,
    opened_store,
    option,
    store_option,
)
from provenance.cli.gates import (
    ContaminationGate,
    DriftGate,
    VerifyGate,
    contamination_gate,
    drift_gate,
    exit_if,
    verify_gate,
)
from provenance.errors import ProvenanceError

__all__ = ["contamination_cmd", "cost_cmd", "drift_cmd", "replay_cmd", "verify_cmd"]


@id_argument
@store_option
@json_option
@option(
    "--fail-on",
    "fail_on",
    choices=VerifyGate,
    help="Exit 1 when met: unreproducible (the verdict), seeded (seeded or worse), any "
    "(also: an artifact not at its uri now, only regenerable).",
)
def verify_cmd(
    node_id: str,
    store: str | None = None,
    as_json: bool = False,
    fail_on: VerifyGate | None = None,
) -> None:
    """Can this be reproduced? Exact, seeded or unreproducible.

    Checks the whole ancestry: inputs and model weights still where their uri points (digest
    re-checked), code reachable (the function's source and its local source files by digest,
    or a clean commit; a changed file is named), seed state recorded, environment differences
    from now (Python, platform, the packages the run imported). Exits 0 whatever the
    verdict, unless --fail-on names one it meets (then 1, after printing it).
    """
    from provenance.analysis.verify import verify
    from provenance.render.verify import render_verify

    with opened_store(store) as reader:
        report = verify(reader.store, reader.resolve(node_id))
    emit(report, as_json, render_verify)
    if fail_on is not None:
        exit_if(verify_gate(report, fail_on), fail_on)


@argument("transform_id", metavar="TRANSFORM_ID", help="Transform id or unique prefix.")
@store_option
@json_option
def replay_cmd(transform_id: str, store: str | None = None, as_json: bool = False) -> None:
    """Re-run a recorded Python transform; compare its outputs.

    Uses the recorded inputs, hyperparameters and seed state; loads the function from where
    it was recorded (a script's from its file), from any directory. Exits 0 on a match, 1
    otherwise (including when the transform cannot be replayed; the output says why, and
    what differs from the recording when the outputs do).
    """
    from provenance.analysis.replay import replay
    from provenance.render.replay import render_replay

    with opened_store(store) as reader:
        report = replay(reader.store, reader.resolve(transform_id))
    emit(report, as_json, render_replay)
    if not report.matched:
        raise click.exceptions.Exit(1)


@argument("train_id", metavar="TRAIN_ID", help="Training artifact.")
@argument("test_id", metavar="TEST_ID", help="Test artifact.")
@option("--examples", "examples", type=int, min=0, default=5, help="Examples to list.")
@store_option
@json_option
@option(
    "--fail-on",
    "fail_on",
    choices=ContaminationGate,
    help="Exit 1 when met: leakage (the verdict), unknown (leakage, or rows not compared), "
    "any (also: a name with different versions on both sides).",
)
def contamination_cmd(
    train_id: str,
    test_id: str,
    examples: int = 5,
    store: str | None = None,
    as_json: bool = False,
    fail_on: ContaminationGate | None = None,
) -> None:
    """Leakage between a training and a test artifact.

    Not their shared origin: test rows whose row fingerprint is a training row's, one side
    derived from the other, derived data (fitted on all rows) fed to both, and preprocessing
    fitted before the split (the fitting run, its estimators, the test rows it saw); the
    common raw source is listed as expected. The verdict is leakage, clean or unknown; exit 0
    whatever it is, unless --fail-on names a condition it meets (then 1, after printing it).
    """
    from provenance.analysis.contamination import contamination
    from provenance.render.contamination import render_contamination

    with opened_store(store) as reader:
        report = contamination(
            reader.store, reader.resolve(train_id), reader.resolve(test_id), examples=examples
        )
    emit(report, as_json, render_contamination)
    if fail_on is not None:
        exit_if(contamination_gate(report, fail_on), fail_on)


@argument("a_id", metavar="A_ID", required=False, help="Reference artifact.")
@argument("b_id", metavar="B_ID", required=False, help="Compared artifact.")
@option("--name", "-n", "name", help="Instead of two ids: every version of this data set.")
@store_option
@json_option
@option(
    "--fail-on",
    "fail_on",
    choices=DriftGate,
    help="Exit 1 when met: major (a major flag), minor (a minor or major flag), any (also: a "
    "feature added or removed); with --name, over every step.",
)
def drift_cmd(
    a_id: str | None = None,
    b_id: str | None = None,
    name: str | None = None,
    store: str | None = None,
    as_json: bool = False,
    fail_on: DriftGate | None = None,
) -> None:
    """Per-feature drift of B against A, flagged.

    PSI, KS, mean and std shift. With --name instead of two ids: between consecutive
    versions of that data set.
    Thresholds (minor/major): PSI 0.1/0.2, KS 0.1/0.2, |mean shift| 0.5/1.0 std, std ratio
    1.5/2.0. The metrics recorded for A and B (by the runs that produced them and, for
    models, that ran with them) are compared too: each value in both and the change; two
    models (no feature statistics) are compared by their metrics alone, as the output says. Exit 0
    whatever drifted, unless --fail-on names a condition met (then 1, after printing it).
    """
    from provenance.analysis.drift import drift, drift_over_versions
    from provenance.render.drift import render_drift, render_version_drift

    if name is not None:
        if a_id is not None or b_id is not None:
            raise ProvenanceError("give either two artifact ids or --name, not both")
        with opened_store(store) as reader:
            versions = drift_over_versions(reader.store, name)
        emit(versions, as_json, render_version_drift)
        if fail_on is not None:
            exit_if(drift_gate(versions, fail_on), fail_on)
        return
    if a_id is None or b_id is None:
        raise ProvenanceError("drift needs two artifact ids (A_ID B_ID) or --name NAME")
    with opened_store(store) as reader:
        report = drift(reader.store, reader.resolve(a_id), reader.resolve(b_id))
    emit(report, as_json, render_drift)
    if fail_on is not None:
        exit_if(drift_gate(report, fail_on), fail_on)


class CostByChoice(StrEnum):
    """How ``provenance cost`` groups."""

    source = "source"
    team = "team"
    experiment = "experiment"
    model = "model"


@option(
    "--by",
    "-b",
    "by",
    choices=CostByChoice,
    default=CostByChoice.source,
    help="Group by source, team, experiment or model.",
)
@store_option
@json_option
def cost_cmd(
    by: CostByChoice = CostByChoice.source, store: str | None = None, as_json: bool = False
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
