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

The classes and functions are imported on first use (PEP 562), so ``import provenance`` does
not load numpy, pandas or the store until a name that needs them is looked up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provenance.errors import (
    AmbiguousIdError,
    AnalysisError,
    CaptureError,
    ContentChangedError,
    CorruptObjectError,
    HashingError,
    IntegrityError,
    InvalidMetricError,
    InvalidStoreURIError,
    MissingExtraError,
    MissingStatsError,
    ModelFormatError,
    NotATransformError,
    NotFoundError,
    ObjectNotFoundError,
    ObjectStoreError,
    ProvenanceError,
    SealError,
    StoreCorruptError,
    StoreError,
    StoreNotFoundError,
    StorePermissionError,
    StoreReadOnlyError,
    StoreUnavailableError,
    TrackingError,
    UnreadableInputError,
    UnsupportedTypeError,
)

if TYPE_CHECKING:
    from provenance.autolog import Autolog, autolog
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
    from provenance.objects import ObjectStore, load_artifact
    from provenance.store import Direction, LineageStore, SQLiteStore, open_store
    from provenance.tracker import Run, Tracker
else:
    from provenance._lazy import lazy_package

    # Imported on first use, so `import provenance` (and the CLI's start-up) stays cheap.
    lazy_package(
        __name__,
        {
            "provenance.model": (
                "Artifact",
                "CodeVersion",
                "Cost",
                "Edge",
                "Environment",
                "LineageGraph",
                "Model",
                "SeedState",
                "Transform",
            ),
            "provenance.store": ("Direction", "LineageStore", "SQLiteStore", "open_store"),
            "provenance.tracker": ("Run", "Tracker"),
            "provenance.autolog": ("Autolog", "autolog"),
            "provenance.objects": ("ObjectStore", "load_artifact"),
        },
    )

__version__ = "0.1.0"

__all__ = [
    "AmbiguousIdError",
    "AnalysisError",
    "Artifact",
    "Autolog",
    "CaptureError",
    "CodeVersion",
    "ContentChangedError",
    "CorruptObjectError",
    "Cost",
    "Direction",
    "Edge",
    "Environment",
    "HashingError",
    "IntegrityError",
    "InvalidMetricError",
    "InvalidStoreURIError",
    "LineageGraph",
    "LineageStore",
    "MissingExtraError",
    "MissingStatsError",
    "Model",
    "ModelFormatError",
    "NotATransformError",
    "NotFoundError",
    "ObjectNotFoundError",
    "ObjectStore",
    "ObjectStoreError",
    "ProvenanceError",
    "Run",
    "SQLiteStore",
    "SealError",
    "SeedState",
    "StoreCorruptError",
    "StoreError",
    "StoreNotFoundError",
    "StorePermissionError",
    "StoreReadOnlyError",
    "StoreUnavailableError",
    "Tracker",
    "TrackingError",
    "Transform",
    "UnreadableInputError",
    "UnsupportedTypeError",
    "__version__",
    "autolog",
    "load_artifact",
    "open_store",
]
