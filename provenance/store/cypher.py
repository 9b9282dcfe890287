"""The Cypher queries the Neo4j backend runs, loaded by name from ``provenance/cypher/``.

The ``.cypher`` files (and ``browser-style.grass``, the Neo4j Browser style) live in the
package, in exactly one folder, :data:`CYPHER_DIR`; they ship as package data. Each file
starts with ``//`` comments and ``:param`` lines so it runs unchanged in Neo4j Browser; the
loader drops those lines and hands the rest to the driver.

Example:
    >>> "MERGE (a:Artifact" in load_query("upsert_artifacts")
    True
"""

from __future__ import annotations

import functools
from pathlib import Path

from provenance.errors import StoreError

#: The one folder of the query files: ``provenance/cypher``.
CYPHER_DIR = Path(__file__).resolve().parent.parent / "cypher"


def cypher_dir() -> Path:
    """The folder holding the ``.cypher`` files (:data:`CYPHER_DIR`).

    Example:
        >>> (cypher_dir() / "browser-style.grass").is_file()
        True
    """
    if not (CYPHER_DIR / "schema.cypher").is_file():
        raise StoreError(f"the Cypher query files are missing from {CYPHER_DIR}")
    return CYPHER_DIR


def _strip(text: str) -> str:
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith((":", "//"))]
    return "\n".join(lines).strip()


@functools.cache
def load_query(name: str) -> str:
    """The body of ``provenance/cypher/<name>.cypher`` without comments and ``:param`` lines.

    Example:
        >>> load_query("counts").startswith("//")
        False
    """
    path = cypher_dir() / f"{name}.cypher"
    if not path.is_file():
        raise StoreError(f"no Cypher query named {name!r} in {path.parent}")
    return _strip(path.read_text())


def load_statements(name: str) -> list[str]:
    """The ``;``-separated statements of a file (schema.cypher, clear.cypher).

    Example:
        >>> all(s.startswith("CREATE") for s in load_statements("schema"))
        True
    """
    return [s.strip() for s in load_query(name).split(";") if s.strip()]
