"""The Cypher queries the Neo4j backend runs, loaded by name from ``cypher/<name>.cypher``.

Each file starts with ``//`` comments and ``:param`` lines so it runs unchanged in Neo4j
Browser; the loader drops those lines and hands the rest to the driver.

Example:
    >>> "MERGE (a:Artifact" in load_query("upsert_artifacts")
    True
"""

from __future__ import annotations

import functools
from pathlib import Path

from provenance.errors import StoreError

_SEARCH = (
    Path(__file__).resolve().parent.parent / "cypher",  # installed: provenance/cypher
    Path(__file__).resolve().parents[2] / "cypher",  # source checkout: <repo>/cypher
)


def cypher_dir() -> Path:
    """The folder holding the ``.cypher`` files."""
    for d in _SEARCH:
        if (d / "schema.cypher").is_file():
            return d
    raise StoreError("the cypher/ query files are missing from this installation")


def _strip(text: str) -> str:
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith((":", "//"))]
    return "\n".join(lines).strip()


@functools.cache
def load_query(name: str) -> str:
    """The body of ``cypher/<name>.cypher`` without comments and ``:param`` lines."""
    path = cypher_dir() / f"{name}.cypher"
    if not path.is_file():
        raise StoreError(f"no Cypher query named {name!r} in {path.parent}")
    return _strip(path.read_text())


def load_statements(name: str) -> list[str]:
    """The ``;``-separated statements of a file (schema.cypher, clear.cypher)."""
    return [s.strip() for s in load_query(name).split(";") if s.strip()]
