"""Typed exceptions raised by the library.

Every error a user can cause derives from :class:`ProvenanceError`, so callers (and the CLI)
can catch one type and print one clear line.

Example:
    >>> from provenance.errors import ProvenanceError, NotFoundError
    >>> issubclass(NotFoundError, ProvenanceError)
    True
"""

from __future__ import annotations


class ProvenanceError(Exception):
    """Base class of every error the library raises on purpose."""


# --- hashing -------------------------------------------------------------------------------
class HashingError(ProvenanceError):
    """Content could not be digested."""


class UnsupportedTypeError(HashingError, TypeError):
    """The object's type has no canonical digest (e.g. an object column of arbitrary objects)."""


class UnreadableInputError(HashingError, OSError):
    """A file or directory could not be read."""


class MissingExtraError(ProvenanceError, ImportError):
    """An optional framework needed for this is not installed; the message names the extra
    (``pip install 'provenance[sklearn]'``).

    Example:
        >>> print(MissingExtraError("skops", "sklearn", "save it"))
        skops is needed to save it and is not installed: pip install 'provenance[sklearn]'
    """

    def __init__(self, package: str, extra: str, purpose: str = "use this") -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"{package} is needed to {purpose} and is not installed: "
            f"pip install 'provenance[{extra}]'"
        )


class ModelFormatError(ProvenanceError):
    """A model cannot be saved in, or re-loaded from, its format (or re-loads as a different
    model, or a saved file asks to load types that were not in it when it was saved)."""


class ContentChangedError(HashingError):
    """A file changed while it was being hashed; the digest would be meaningless."""


class UnknownAlgorithmError(HashingError, ValueError):
    """The digest algorithm is not one of the supported ones."""


# --- capture -------------------------------------------------------------------------------
class CaptureError(ProvenanceError):
    """Reproducibility context (seeds, code version, environment) could not be captured."""


class GitCommandError(CaptureError):
    """A git command failed or timed out (code capture then falls back to the source digest)."""


# --- store ---------------------------------------------------------------------------------
class StoreError(ProvenanceError):
    """A lineage store could not be opened, read or written."""


class InvalidStoreURIError(StoreError, ValueError):
    """A store URI is malformed or names an unknown scheme."""


class StoreNotFoundError(StoreError):
    """The store does not exist (and was opened read-only)."""


class StoreCorruptError(StoreError):
    """The store exists but is not a readable provenance store."""


class StorePermissionError(StoreError, PermissionError):
    """The operating system denies access to the store's file or directory (the message names
    the path)."""


class SealError(StoreCorruptError):
    """An artifact's sealed values (Neo4j, :mod:`provenance.store.seal`) cannot be opened:
    their key is missing or does not open them (tampered with, or re-keyed by a write while
    being read, several times over)."""


class StoreReadOnlyError(StoreError):
    """The store can be read but not written: its file or directory is read-only, or it was
    opened for reading only."""


class StoreUnavailableError(StoreError):
    """The store's server cannot be reached or refused the credentials."""


class NotFoundError(ProvenanceError, KeyError):
    """No node has the given id (or id prefix)."""

    def __str__(self) -> str:  # KeyError quotes its message; we want a plain line.
        return str(self.args[0]) if self.args else "not found"


class AmbiguousIdError(ProvenanceError, ValueError):
    """An id prefix matches more than one node."""


class IntegrityError(StoreError):
    """A write would contradict what the store already holds (e.g. mutate content identity)."""


# --- the object store (artifact content) ---------------------------------------------------
class ObjectStoreError(ProvenanceError):
    """Artifact content could not be kept in, or written back from, the object store
    (:mod:`provenance.objects`), or a ``keep=`` value is not one of the accepted ones."""


class CorruptObjectError(ObjectStoreError):
    """A stored object does not digest to its id (or cannot be read); the message names it."""


class ObjectNotFoundError(ObjectStoreError, NotFoundError):
    """No object with that id is in the object store."""


# --- tracking ------------------------------------------------------------------------------
class TrackingError(ProvenanceError):
    """The tracking API was used incorrectly (e.g. output logged after the run closed)."""


class InvalidMetricError(TrackingError, ValueError):
    """A metric that is not a finite real number, or has no name (``run.log_metric``)."""


class Neo4jServerError(ProvenanceError):
    """The local Neo4j server could not be provisioned, started or stopped."""


class S3ServerError(ProvenanceError):
    """The local S3-compatible test server (s3proxy) could not be provisioned, started or
    stopped, or it rejects the stored credentials."""


# --- analysis ------------------------------------------------------------------------------
class AnalysisError(ProvenanceError):
    """An analysis was asked something it cannot answer (e.g. impact of a code version)."""


class MissingStatsError(ProvenanceError):
    """An artifact has no recorded feature statistics to compare (drift)."""


class NotATransformError(ProvenanceError):
    """The id given to replay names a node that is not a transform."""


# --- OpenLineage ---------------------------------------------------------------------------
class OpenLineageEventError(ProvenanceError, ValueError):
    """An OpenLineage event that breaks the spec's JSON schema or cannot be mapped."""


# --- the HTTP service ----------------------------------------------------------------------
class BodyError(ProvenanceError):
    """A request body the service refuses: ``status`` is the HTTP status to answer (400
    malformed, 413 over the size limit).

    Example:
        >>> BodyError(413, "too big").status
        413
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
