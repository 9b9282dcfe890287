"""provenance: data lineage for AI systems.

Record every dataset, transform, model and prediction of an ML system as an immutable,
content-addressed graph (embedded SQLite store by default, Neo4j for teams), with enough
context — seeds, RNG states, code version, environment — to reproduce it.

Example:
    >>> import tempfile, pandas as pd
    >>> import provenance
    >>> tracker = provenance.Tracker(tempfile.mkdtemp() + "/")
    >>> raw = tracker.log_artifact(pd.DataFrame({"a": [1, 2]}), name="raw")
    >>> raw.id.startswith("blake3:")
    True
"""

from __future__ import annotations

from provenance.errors import (
    AmbiguousIdError,
    AnalysisError,
    CaptureError,
    ContentChangedError,
    HashingError,
    IntegrityError,
    InvalidStoreURIError,
    MissingStatsError,
    NotATransformError,
    NotFoundError,
    ProvenanceError,
    StoreCorruptError,
    StoreError,
    StoreNotFoundError,
    StoreUnavailableError,
    TrackingError,
    UnreadableInputError,
    UnsupportedTypeError,
)
from provenance.model import (
    Artifact,
    CodeVersion,
    Cost,
    Edge,
    Environment,
    LineageGraph,
    Model,
    SeedState,
    Transform,
)
from provenance.store import Direction, LineageStore, SQLiteStore, open_store
from provenance.tracker import Run, Tracker

__version__ = "0.1.0"

__all__ = [
    "AmbiguousIdError",
    "AnalysisError",
    "Artifact",
    "CaptureError",
    "CodeVersion",
    "ContentChangedError",
    "Cost",
    "Direction",
    "Edge",
    "Environment",
    "HashingError",
    "IntegrityError",
    "InvalidStoreURIError",
    "LineageGraph",
    "LineageStore",
    "MissingStatsError",
    "Model",
    "NotATransformError",
    "NotFoundError",
    "ProvenanceError",
    "Run",
    "SQLiteStore",
    "SeedState",
    "StoreCorruptError",
    "StoreError",
    "StoreNotFoundError",
    "StoreUnavailableError",
    "Tracker",
    "TrackingError",
    "Transform",
    "UnreadableInputError",
    "UnsupportedTypeError",
    "__version__",
    "open_store",
]
