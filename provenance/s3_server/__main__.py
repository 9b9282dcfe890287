"""``python -m provenance.s3_server``: start (or reuse) the local server, print its endpoint."""

from __future__ import annotations

import sys

from provenance.s3_server.process import start


def main() -> None:  # pragma: no cover - debugging aid
    """Start the server, report progress on stderr, print the endpoint URL."""
    print(start(progress=lambda m: print(m, file=sys.stderr)).endpoint_url)


if __name__ == "__main__":  # pragma: no cover - debugging aid
    main()
