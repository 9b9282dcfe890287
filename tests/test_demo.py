"""The demo pipeline's models are real enough for its feedback loop to mean something: model
v1's predictions vary (both classes, a spread of probabilities), read back from what the demo
recorded, and the demo is deterministic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from provenance import Tracker
from provenance.demo import (
    DemoResult,
    design_matrix,
    embed_texts,
    feature_scaler,
    predict,
    run_demo,
)
from provenance.model import Artifact


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, Tracker]:
    d = tmp_path_factory.mktemp("demo")
    tracker = Tracker(str(d / "store") + "/")
    return run_demo(tracker, d), tracker


def _stats(tracker: Tracker, artifact: Artifact, column: str) -> dict[str, Any]:
    node = tracker.get(artifact.id)
    assert isinstance(node, Artifact) and node.feature_stats is not None
    stats = node.feature_stats["columns"][column]
    assert isinstance(stats, dict)
    return stats


def test_model_v1_predictions_are_not_constant(demo: tuple[DemoResult, Tracker]) -> None:
    result, tracker = demo
    proba = _stats(tracker, result.predictions, "p_churn")
    assert proba["nulls"] == 0 and proba["count"] == 120
    assert proba["std"] > 0.05 and proba["max"] - proba["min"] > 0.3
    labels = _stats(tracker, result.predictions, "churned")
    assert 0.1 < labels["mean"] < 0.9  # both classes predicted: pseudo-labels carry signal


def test_new_users_with_missing_ages_get_finite_inputs() -> None:
    """The bug behind v1's all-zero predictions: one missing age made every input NaN."""
    frame = pd.DataFrame(
        {
            "age": [30.0, np.nan, 50.0],
            "tenure_days": [10, 200, 900],
            "n_events": [1.0, 5.0, 9.0],
            "total_spend": [0.0, 12.5, 40.0],
            "support_tickets": [0.0, 1.0, 0.0],
        }
    )
    x = design_matrix(frame, embed_texts(["a", "b", "c"]), feature_scaler(frame))
    assert np.isfinite(x).all()
    w = {"weights": np.ones(x.shape[1]), "bias": np.array([0.0])}
    assert np.ptp(predict(w, x)) > 0


def test_demo_is_deterministic(demo: tuple[DemoResult, Tracker], tmp_path: Path) -> None:
    """A second run in a fresh store records the same models (same digests)."""
    first, _ = demo
    with Tracker(str(tmp_path / "store") + "/") as tracker:
        again = run_demo(tracker, tmp_path)
    assert again.model_v1.id == first.model_v1.id
    assert again.predictions.id == first.predictions.id
    assert again.model_v2.id == first.model_v2.id
