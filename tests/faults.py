"""Fault-injection helpers shared by the spool, concurrency and crash-safety tests.

Kept free of heavy imports (no CLI, no pytest), so the child processes these tests start,
kill and restart import little more than the library.
"""

from __future__ import annotations

import socket
import time
from collections import Counter
from pathlib import Path
from typing import Any

from provenance.errors import StoreUnavailableError
from provenance.store import LineageStore, SQLiteStore
from provenance.tracker import Tracker


class FlakyStore:
    """A real embedded store behind a switch: while ``down``, every call raises
    StoreUnavailableError, as the Neo4j store does when its server is gone."""

    def __init__(self, path: Path) -> None:
        self.inner = SQLiteStore(path)
        self.uri = self.inner.uri
        self.down = False
        self.write_delay = 0.0  # seconds each write takes (a slow server)
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            if self.down:
                raise StoreUnavailableError(f"{self.uri} is down (injected)")
            if name == "write" and self.write_delay:
                time.sleep(self.write_delay)
            return attr(*args, **kwargs)

        return call

    def close(self) -> None:
        self.inner.close()


def record(t: Tracker, i: int, operation: str = "step") -> None:
    """One step of a pipeline: log a source, run a transform on it, attach its output."""
    src = t.log_artifact(f"{operation} source {i}".encode(), name=f"src{i}")
    with t.run(operation, inputs=[src], params={"i": i}) as run:
        run.output(f"{operation} result {i}".encode(), name=f"out{i}")


def expected(n: int) -> dict[str, int]:
    """What ``n`` calls of :func:`record` leave in a store (see :func:`lineage_counts`)."""
    return {"Artifact": 2 * n, "Transform": n, "USED": n, "PRODUCED": n, "RAN": n}


def lineage_counts(store: LineageStore) -> dict[str, int]:
    """``store.counts()`` of the lineage graph, without CodeVersion nodes (and without any
    bookkeeping of the tamper-evident log).

    A code version's id covers the digest of the repository's uncommitted diff, so a file
    edited in the working tree while a test records makes a second one; every run's RAN
    edge (counted) still ends at one that exists.
    """
    kinds = {"Artifact", "Model", "Transform"} | {
        "USED",
        "PRODUCED",
        "USED_MODEL",
        "RAN",
        "INVALIDATED",
        "PARENT",
    }
    return {k: v for k, v in store.counts().items() if k in kinds}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
