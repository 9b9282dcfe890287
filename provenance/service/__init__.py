"""The lineage HTTP service: OpenLineage clients post events here unchanged, and the graph
is read back as JSON (FastAPI; ``provenance serve`` runs it under uvicorn).

See :mod:`provenance.service.app` for the routes.

Example:
    >>> import tempfile
    >>> from fastapi.testclient import TestClient
    >>> with TestClient(create_app(tempfile.mkdtemp() + "/")) as client:
    ...     client.get("/health").json()["status"]
    'ok'
"""

from __future__ import annotations

from provenance.service.app import API_PREFIX, DEFAULT_DEPTH, create_app
from provenance.service.body import DEFAULT_MAX_BODY

__all__ = ["API_PREFIX", "DEFAULT_DEPTH", "DEFAULT_MAX_BODY", "create_app"]
