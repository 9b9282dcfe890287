"""A realistic small ML pipeline, recorded end to end (what ``provenance demo`` runs).

Two raw sources (users and events, written as CSV) are ingested, joined, cleaned, split,
augmented with a seeded random transform, a text column is embedded (hashing trick), a numpy
logistic-regression model is trained, it scores new users, and model v2 is trained on data
that includes v1's predictions: a feedback loop.

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


def _design(frame: pd.DataFrame, emb: np.ndarray) -> np.ndarray:
    x = frame[FEATURES].to_numpy(dtype=float)
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-9)
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
    """Churn probabilities for design matrix ``x``."""
    return np.asarray(1.0 / (1.0 + np.exp(-(x @ weights["weights"] + weights["bias"][0]))))


ARCHITECTURE = "logistic-regression(features=5+16 embedding, sigmoid)"


def run_demo(tracker: Tracker, workdir: str | Path = ".") -> DemoResult:
    """Run the demo pipeline, recording every step with ``tracker``."""
    workdir = Path(workdir)
    users_csv, events_csv, new_csv = _make_sources(workdir)
    t = tracker
    users_src = t.log_artifact(
        users_csv,
        name="users.csv",
        kind="dataset",
        license="CC-BY-4.0",
        contains_pii=True,
        owner="crm-team",
    )
    events_src = t.log_artifact(
        events_csv,
        name="events.csv",
        kind="dataset",
        license="internal",
        contains_pii=False,
        owner="analytics-team",
    )
    new_src = t.log_artifact(
        new_csv,
        name="new_users.csv",
        kind="dataset",
        license="CC-BY-4.0",
        contains_pii=True,
        owner="crm-team",
    )

    def ingest(src: Artifact, name: str) -> tuple[pd.DataFrame, Artifact]:
        with t.run("ingest", inputs=[src], params={"format": "csv"}, deterministic=True) as run:
            frame = pd.read_csv(uri_to_path(src.uri or ""))
            return frame, run.output(frame, name=name, kind="dataset")

    users, users_a = ingest(users_src, "users")
    events, events_a = ingest(events_src, "events")
    new_users, new_a = ingest(new_src, "new_users")

    def join(frame: pd.DataFrame, art: Artifact, name: str) -> tuple[pd.DataFrame, Artifact]:
        with t.run(
            "join",
            inputs={"users": art, "events": events_a},
            params={"on": "user_id", "how": "left", "aggregate": "count,sum"},
            deterministic=True,
        ) as run:
            out = _features(frame, events)
            return out, run.output(out, name=name, kind="dataset")

    joined, joined_a = join(users, users_a, "user_features")
    new_feat, new_feat_a = join(new_users, new_a, "new_user_features")

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
        clean_a = run.output(clean, name="user_features_clean", kind="dataset")

    with t.run("split", inputs=[clean_a], params={"test_fraction": 0.2}, seed=7) as run:
        order = np.random.permutation(len(clean))
        n_test = int(len(clean) * 0.2)
        test = clean.iloc[order[:n_test]].reset_index(drop=True)
        train = clean.iloc[order[n_test:]].reset_index(drop=True)
        train_a = run.output(train, name="train", kind="dataset", role="train")
        test_a = run.output(test, name="test", kind="dataset", role="test")

    with t.run(
        "augment", inputs=[train_a], params={"noise_std": 0.05, "oversample_churned": 2}, seed=42
    ) as run:
        churned = train[train["churned"] == 1]
        aug = pd.concat([train, churned], ignore_index=True)
        for col in ("total_spend", "tenure_days"):
            aug[col] = aug[col] * (1 + np.random.normal(0, 0.05, len(aug)))
        aug_a = run.output(aug, name="train_augmented", kind="dataset")

    def embed(frame: pd.DataFrame, art: Artifact, name: str) -> tuple[np.ndarray, Artifact]:
        with t.run(
            "embed",
            inputs=[art],
            params={"column": "bio", "method": "hashing-trick", "dim": EMBED_DIM},
            deterministic=True,
        ) as run:
            emb = embed_texts(frame["bio"].tolist())
            return emb, run.output(emb, name=name, kind="embeddings")

    train_emb, train_emb_a = embed(aug, aug_a, "train_embeddings")
    new_emb, new_emb_a = embed(new_feat, new_feat_a, "new_users_embeddings")

    hp = {"lr": 0.5, "epochs": 300, "l2": 0.01}
    with t.run(
        "train",
        inputs={"features": aug_a, "embeddings": train_emb_a},
        params=hp,
        seed=1234,
        cost={
            "amount": 0.42,
            "currency": "USD",
            "resource": "cpu",
            "team": "growth",
            "experiment": "churn-v1",
        },
    ) as run:
        w1 = train_logreg(_design(aug, train_emb), aug["churned"].to_numpy(float), **hp)  # type: ignore[arg-type]
        model_v1 = run.output(
            w1,
            name="churn_model",
            kind="model",
            architecture_hash=digest_bytes(ARCHITECTURE.encode()),
            framework="numpy",
        )

    with t.run(
        "inference",
        inputs={"features": new_feat_a, "embeddings": new_emb_a},
        params={"threshold": 0.5},
        model=model_v1,
        deterministic=True,
    ) as run:
        proba = predict(w1, _design(new_feat, new_emb))
        preds = pd.DataFrame(
            {
                "user_id": new_feat["user_id"],
                "p_churn": proba,
                "churned": (proba >= 0.5).astype(int),
            }
        )
        preds_a = run.output(preds, name="churn_predictions", kind="predictions")

    # Feedback loop: v1's predictions become pseudo-labels in v2's training data.
    with t.run(
        "train",
        inputs={
            "features": aug_a,
            "embeddings": train_emb_a,
            "pseudo_labels": preds_a,
            "pseudo_features": new_feat_a,
            "pseudo_embeddings": new_emb_a,
        },
        params={**hp, "pseudo_label_weight": 1.0},
        seed=1234,
        cost={
            "amount": 0.57,
            "currency": "USD",
            "resource": "cpu",
            "team": "growth",
            "experiment": "churn-v2",
        },
    ) as run:
        pseudo = new_feat.assign(churned=preds["churned"].to_numpy())
        full = pd.concat([aug, pseudo], ignore_index=True)
        x = np.vstack([_design(aug, train_emb), _design(pseudo, new_emb)])
        w2 = train_logreg(x, full["churned"].to_numpy(float), **hp)  # type: ignore[arg-type]
        model_v2 = run.output(
            w2,
            name="churn_model",
            kind="model",
            architecture_hash=digest_bytes(ARCHITECTURE.encode()),
            framework="numpy",
        )

    assert isinstance(model_v1, Model) and isinstance(model_v2, Model)
    return DemoResult(users_src, events_src, train_a, test_a, model_v1, preds_a, model_v2, workdir)
