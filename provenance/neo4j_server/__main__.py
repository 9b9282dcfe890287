"""``python -m provenance.neo4j_server``: start (or reuse) the local server, print its URI."""

from __future__ import annotations

import sys

from provenance.neo4j_server.process import start


def main() -> None:  # pragma: no cover - debugging aid
    """Start the server, report progress on stderr, print the store URI."""
    print(start(progress=lambda m: print(m, file=sys.stderr)).uri)


if __name__ == "__main__":  # pragma: no cover - debugging aid
    main()
