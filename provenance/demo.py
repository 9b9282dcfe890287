"""A realistic small ML pipeline, recorded end to end (what ``provenance demo`` runs).

Two raw sources (users and events, written as CSV) are ingested, joined, cleaned, split,
augmented with a seeded random transform, a text column is embedded (hashing trick), a numpy
logistic-regression model is trained (its inputs standardized with the training data's
statistics, which it keeps with its weights, so new users with a missing age still get a
score), it scores new users, and model v2 is trained on data that includes v1's predictions:
a feedback loop.

Everything is deterministic, so running it twice records nothing new.

Example:
    >>> import tempfile
    >>> from provenance import Tracker
    >>> d = tempfile.mkdtemp()
    >>> result = run_demo(Tracker(d + "/store/"), d)
    >>> result.model_v2.name, result.model_v1.id != result.model_v2.id
    ('churn_model', True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from provenance.hashing.core import digest_bytes
from provenance.locations import uri_to_path
from provenance.model import Artifact, Model
from provenance.tracker import Tracker

EMBED_DIM = 16
FEATURES = ["age", "tenure_days", "n_events", "total_spend", "support_tickets"]
_PLANS = ["free", "basic", "pro"]
_WORDS = ["great", "slow", "love", "cancel", "price", "support", "fast", "bug", "refund", "happy"]


@dataclass(frozen=True)
class DemoResult:
    """Artifacts of the demo pipeline that a user asks about next."""

    users_source: Artifact
    events_source: Artifact
    train: Artifact
    test: Artifact
    model_v1: Model
    predictions: Artifact
    model_v2: Model
    workdir: Path


def _make_sources(workdir: Path) -> tuple[Path, Path, Path]:
    """Write users.csv, events.csv and new_users.csv, the same bytes every time."""
    data = workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261121)
    n_users, n_events, n_new = 400, 4000, 120

    def users(ids: np.ndarray) -> pd.DataFrame:
        n = len(ids)
        bios = [" ".join(rng.choice(_WORDS, size=4)) for _ in range(n)]
        age = rng.integers(18, 80, n).astype(float)
        age[rng.random(n) < 0.03] = np.nan  # a few missing ages for `clean` to handle
        return pd.DataFrame(
            {
                "user_id": ids,
                "email": [f"user{i}@example.com" for i in ids],
                "age": age,
                "plan": rng.choice(_PLANS, n, p=[0.5, 0.3, 0.2]),
                "tenure_days": rng.integers(1, 1500, n),
                "bio": bios,
            }
        )

    u = users(np.arange(1, n_users + 1))
    new = users(np.arange(10_001, 10_001 + n_new))
    churn_score = rng.normal(size=n_users)
    u["churned"] = (
        churn_score + (u["plan"] == "free") * 0.8 - u["tenure_days"] / 1500 > 0.3
    ).astype(int)
    ev = pd.DataFrame(
        {
            "event_id": np.arange(1, n_events + 1),
            "user_id": rng.choice(np.concatenate([u["user_id"], new["user_id"]]), n_events),
            "type": rng.choice(["login", "purchase", "support"], n_events, p=[0.6, 0.3, 0.1]),
            "amount": np.round(rng.gamma(2.0, 15.0, n_events), 2),
        }
    )
    ev.loc[ev["type"] != "purchase", "amount"] = 0.0
    paths = (data / "users.csv", data / "events.csv", data / "new_users.csv")
    for frame, path in zip((u, ev, new), paths, strict=True):
        frame.to_csv(path, index=False, lineterminator="\n")
    return paths


def _features(users: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    agg = (
        events.groupby("user_id")
        .agg(
            n_events=("event_id", "count"),
            total_spend=("amount", "sum"),
            support_tickets=("type", lambda s: int((s == "support").sum())),
        )
        .reset_index()
    )
    out = users.merge(agg, on="user_id", how="left")
    for col in ("n_events", "total_spend", "support_tickets"):
        out[col] = out[col].fillna(0).astype(float)
    return out


def embed_texts(texts: list[str], dim: int = EMBED_DIM) -> np.ndarray:
    """Hashing-trick text embedding: each token adds ±1 to a bucket picked by its digest.

    Deterministic across processes (no Python ``hash``), L2-normalised.

    Example:
        >>> embed_texts(["great support"]).shape
        (1, 16)
    """
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for i, text in enumerate(texts):
        for tok in re.findall(r"[a-z]+", str(text).lower()):
            h = int(digest_bytes(tok.encode()).split(":")[1][:8], 16)
            out[i, h % dim] += 1.0 if (h >> 31) & 1 else -1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1, norms)


def feature_scaler(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per-feature mean and standard deviation of ``frame``'s :data:`FEATURES`, missing values
    ignored: what a model standardizes its inputs with (kept in its weights).

    Example:
        >>> s = feature_scaler(pd.DataFrame({f: [1.0, 3.0, np.nan] for f in FEATURES}))
        >>> s["feature_mean"].tolist(), s["feature_std"].round(3).tolist()[:1]
        ([2.0, 2.0, 2.0, 2.0, 2.0], [1.0])
    """
    x = frame[FEATURES].to_numpy(dtype=float)
    return {"feature_mean": np.nanmean(x, axis=0), "feature_std": np.nanstd(x, axis=0) + 1e-9}


def design_matrix(
    frame: pd.DataFrame, emb: np.ndarray, scaler: dict[str, np.ndarray]
) -> np.ndarray:
    """The model's inputs: :data:`FEATURES` standardized with ``scaler`` (a missing value
    becomes the mean, i.e. 0), then the text embedding.

    Example:
        >>> frame = pd.DataFrame({f: [1.0, np.nan] for f in FEATURES})
        >>> x = design_matrix(frame, np.zeros((2, 2)), feature_scaler(frame))
        >>> x.shape, bool(np.isfinite(x).all())
        ((2, 7), True)
    """
    x = frame[FEATURES].to_numpy(dtype=float)
    x = np.where(np.isnan(x), scaler["feature_mean"], x)
    x = (x - scaler["feature_mean"]) / scaler["feature_std"]
    return np.hstack([x, emb.astype(float)])


def train_logreg(
    x: np.ndarray, y: np.ndarray, *, lr: float, epochs: int, l2: float
) -> dict[str, np.ndarray]:
    """Logistic regression by full-batch gradient descent from a random start (uses np.random).

    Example:
        >>> np.random.seed(0)
        >>> w = train_logreg(np.eye(2), np.array([0.0, 1.0]), lr=0.5, epochs=50, l2=0.0)
        >>> sorted(w)
        ['bias', 'weights']
    """
    w = np.asarray(np.random.normal(scale=0.01, size=x.shape[1]), dtype=np.float64)
    b = 0.0
    for _ in range(epochs):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        grad = p - y
        w -= lr * (x.T @ grad / len(y) + l2 * w)
        b -= lr * float(grad.mean())
    return {"weights": w, "bias": np.array([b])}


def predict(weights: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Churn probabilities for design matrix ``x`` (see :func:`design_matrix`).

    Example:
        >>> w = {"weights": np.array([1.0, -1.0]), "bias": np.array([0.0])}
        >>> predict(w, np.array([[0.0, 0.0], [2.0, 0.0]])).round(2).tolist()
        [0.5, 0.88]
    """
    return np.asarray(1.0 / (1.0 + np.exp(-(x @ weights["weights"] + weights["bias"][0]))))


ARCHITECTURE = "logistic-regression(features=5+16 embedding, sigmoid)"
#: Governance of the three CSV sources, in the order :func:`_make_sources` writes them:
#: (licence, contains PII, owner).
_SOURCE_GOVERNANCE = (
    ("CC-BY-4.0", True, "crm-team"),
    ("internal", False, "analytics-team"),
    ("CC-BY-4.0", True, "crm-team"),
)
_HYPERPARAMETERS: dict[str, float] = {"lr": 0.5, "epochs": 300, "l2": 0.01}


def run_demo(tracker: Tracker, workdir: str | Path = ".") -> DemoResult:
    """Run the demo pipeline, recording every step with ``tracker`` (see the module docs)."""
    workdir = Path(workdir)
    t = tracker
    users_src, events_src, new_src = (
        t.log_artifact(
            path, name=path.name, kind="dataset", license=lic, contains_pii=pii, owner=owner
        )
        for path, (lic, pii, owner) in zip(_make_sources(workdir), _SOURCE_GOVERNANCE, strict=True)
    )
    users, users_a = _ingest(t, users_src, "users")
    events, events_a = _ingest(t, events_src, "events")
    new_users, new_a = _ingest(t, new_src, "new_users")
    joined, joined_a = _join(t, users, users_a, events, events_a, "user_features")
    new_feat, new_feat_a = _join(t, new_users, new_a, events, events_a, "new_user_features")
    clean, clean_a = _clean(t, joined, joined_a)
    (train, train_a), (_, test_a) = _split(t, clean, clean_a)
    aug, aug_a = _augment(t, train, train_a)
    train_emb, train_emb_a = _embed(t, aug, aug_a, "train_embeddings")
    new_emb, new_emb_a = _embed(t, new_feat, new_feat_a, "new_users_embeddings")

    w1, model_v1 = _train(
        t,
        {"features": aug_a, "embeddings": train_emb_a},
        {},
        [(aug, train_emb)],
        cost=0.42,
        experiment="churn-v1",
    )
    preds, preds_a = _infer(t, w1, model_v1, new_feat, new_feat_a, new_emb, new_emb_a)
    # Feedback loop: v1's predictions become pseudo-labels in v2's training data.
    pseudo = new_feat.assign(churned=preds["churned"].to_numpy())
    _, model_v2 = _train(
        t,
        {
            "features": aug_a,
            "embeddings": train_emb_a,
            "pseudo_labels": preds_a,
            "pseudo_features": new_feat_a,
            "pseudo_embeddings": new_emb_a,
        },
        {"pseudo_label_weight": 1.0},
        [(aug, train_emb), (pseudo, new_emb)],
        cost=0.57,
        experiment="churn-v2",
    )
    return DemoResult(users_src, events_src, train_a, test_a, model_v1, preds_a, model_v2, workdir)


def _ingest(t: Tracker, src: Artifact, name: str) -> tuple[pd.DataFrame, Artifact]:
    with t.run("ingest", inputs=[src], params={"format": "csv"}, deterministic=True) as run:
        frame = pd.read_csv(uri_to_path(src.uri or ""))
        return frame, run.output(frame, name=name, kind="dataset")


def _join(
    t: Tracker,
    users: pd.DataFrame,
    users_a: Artifact,
    events: pd.DataFrame,
    events_a: Artifact,
    name: str,
) -> tuple[pd.DataFrame, Artifact]:
    with t.run(
        "join",
        inputs={"users": users_a, "events": events_a},
        params={"on": "user_id", "how": "left", "aggregate": "count,sum"},
        deterministic=True,
    ) as run:
        out = _features(users, events)
        return out, run.output(out, name=name, kind="dataset")


def _clean(t: Tracker, joined: pd.DataFrame, joined_a: Artifact) -> tuple[pd.DataFrame, Artifact]:
    with t.run(
        "clean",
        inputs=[joined_a],
        params={"drop_null": ["age"], "clip_spend_q": 0.99},
        deterministic=True,
    ) as run:
        clean = joined.dropna(subset=["age"]).reset_index(drop=True)
        clean["total_spend"] = clean["total_spend"].clip(
            upper=float(clean["total_spend"].quantile(0.99))
        )
        return clean, run.output(clean, name="user_features_clean", kind="dataset")


def _split(
    t: Tracker, clean: pd.DataFrame, clean_a: Artifact
) -> tuple[tuple[pd.DataFrame, Artifact], tuple[pd.DataFrame, Artifact]]:
    """A seeded 80/20 split: (train, test)."""
    with t.run("split", inputs=[clean_a], params={"test_fraction": 0.2}, seed=7) as run:
        order = np.random.permutation(len(clean))
        n_test = int(len(clean) * 0.2)
        test = clean.iloc[order[:n_test]].reset_index(drop=True)
        train = clean.iloc[order[n_test:]].reset_index(drop=True)
        train_a = run.output(train, name="train", kind="dataset", role="train")
        test_a = run.output(test, name="test", kind="dataset", role="test")
    return (train, train_a), (test, test_a)


def _augment(t: Tracker, train: pd.DataFrame, train_a: Artifact) -> tuple[pd.DataFrame, Artifact]:
    with t.run(
        "augment", inputs=[train_a], params={"noise_std": 0.05, "oversample_churned": 2}, seed=42
    ) as run:
        churned = train[train["churned"] == 1]
        aug = pd.concat([train, churned], ignore_index=True)
        for col in ("total_spend", "tenure_days"):
            aug[col] = aug[col] * (1 + np.random.normal(0, 0.05, len(aug)))
        return aug, run.output(aug, name="train_augmented", kind="dataset")


def _embed(
    t: Tracker, frame: pd.DataFrame, art: Artifact, name: str
) -> tuple[np.ndarray, Artifact]:
    with t.run(
        "embed",
        inputs=[art],
        params={"column": "bio", "method": "hashing-trick", "dim": EMBED_DIM},
        deterministic=True,
    ) as run:
        emb = embed_texts(frame["bio"].tolist())
        return emb, run.output(emb, name=name, kind="embeddings")


def _train(
    t: Tracker,
    inputs: dict[str, Artifact],
    extra_params: dict[str, float],
    data: list[tuple[pd.DataFrame, np.ndarray]],
    *,
    cost: float,
    experiment: str,
) -> tuple[dict[str, np.ndarray], Model]:
    """Train a churn model (seeded) on the labelled frames and their embeddings in ``data``;
    the run records ``inputs``. The weights include the feature scaler."""
    hp = _HYPERPARAMETERS
    frame = pd.concat([f for f, _ in data], ignore_index=True)
    scaler = feature_scaler(frame)
    x = np.vstack([design_matrix(f, e, scaler) for f, e in data])
    y = frame["churned"].to_numpy(float)
    with t.run(
        "train",
        inputs=inputs,
        params={**hp, **extra_params},
        seed=1234,
        cost={
            "amount": cost,
            "currency": "USD",
            "resource": "cpu",
            "team": "growth",
            "experiment": experiment,
        },
    ) as run:
        weights = {
            **train_logreg(x, y, lr=hp["lr"], epochs=int(hp["epochs"]), l2=hp["l2"]),
            **scaler,
        }
        model = run.output(
            weights,
            name="churn_model",
            kind="model",
            architecture_hash=digest_bytes(ARCHITECTURE.encode()),
            framework="numpy",
        )
    assert isinstance(model, Model)
    return weights, model


def _infer(
    t: Tracker,
    weights: dict[str, np.ndarray],
    model: Model,
    feat: pd.DataFrame,
    feat_a: Artifact,
    emb: np.ndarray,
    emb_a: Artifact,
) -> tuple[pd.DataFrame, Artifact]:
    with t.run(
        "inference",
        inputs={"features": feat_a, "embeddings": emb_a},
        params={"threshold": 0.5},
        model=model,
        deterministic=True,
    ) as run:
        proba = predict(weights, design_matrix(feat, emb, weights))
        preds = pd.DataFrame(
            {
                "user_id": feat["user_id"],
                "p_churn": proba,
                "churned": (proba >= 0.5).astype(int),
            }
        )
        return preds, run.output(preds, name="churn_predictions", kind="predictions")
