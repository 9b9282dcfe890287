"""Train/test contamination: shared ancestry and shared rows between two artifacts.

:func:`contamination` answers three questions about a training and a test artifact:

1. **Shared ancestry** — the artifacts in both ancestries (each ancestry includes the artifact
   itself, so a test set derived from the training set, or the reverse, shows up). The
   *nearest* shared ancestors (those no other shared ancestor descends from) are where the
   two lineages split; a train/test split of one data set shares it legitimately, which is
   why rows are compared too.
2. **Across pipeline versions** — ancestors with the same logical ``name`` but different
   digests on the two sides (e.g. ``users`` v1 fed training, ``users`` v2 fed the test set):
   different content, same data set, reported separately.
3. **Shared rows** — per-row fingerprints recorded with the artifacts
   (``Tracker(row_fingerprints=True)`` stores them in ``metadata["row_fingerprints"]``): the
   test rows whose fingerprint is also a training row's. When either side has none, the
   report says the rows could not be compared and why.

Verdict: ``shared_rows`` when any test row is also a training row; else ``shared_ancestry``
when the ancestries share an artifact (or a logical name); else ``disjoint``.

Example:
    >>> import tempfile, pandas as pd
    >>> from provenance import Tracker
    >>> t = Tracker(tempfile.mkdtemp() + "/", row_fingerprints=True)
    >>> raw = t.log_artifact(pd.DataFrame({"x": [1, 2, 3, 4]}), name="raw")
    >>> with t.run("split", inputs=[raw]) as run:
    ...     train = run.output(pd.DataFrame({"x": [1, 2, 3]}), name="train")
    ...     test = run.output(pd.DataFrame({"x": [3, 4]}), name="test")
    >>> r = contamination(t.store, train.id, test.id)
    >>> r.verdict, [a.name for a in r.shared_ancestors], r.rows.test_rows_in_train
    ('shared_rows', ['raw'], 1)
    >>> t.close()
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from provenance.analysis.refs import NodeRef
from provenance.errors import NotFoundError, ProvenanceError
from provenance.model import Artifact, LineageGraph
from provenance.store.base import Direction, LineageStore

__all__ = [
    "ContaminationReport",
    "NameMatch",
    "RowOverlap",
    "SharedAncestor",
    "contamination",
]


class SharedAncestor(NodeRef):
    """An artifact in both ancestries: its :class:`NodeRef` fields, and where it stands."""

    #: No recorded producer: a raw source.
    source: bool
    #: No other shared ancestor is derived from it: where the two lineages split.
    nearest: bool


class NameMatch(BaseModel):
    """A logical name found on both sides with different digests (another version)."""

    name: str
    train_ids: list[str]
    test_ids: list[str]


class RowOverlap(BaseModel):
    """Rows of the test artifact that are also rows of the training artifact."""

    compared: bool
    reason: str | None = None
    train_rows: int | None = None
    test_rows: int | None = None
    #: Test rows (counting duplicates) whose fingerprint is a training row's.
    test_rows_in_train: int = 0
    #: Distinct fingerprints on both sides.
    distinct_shared: int = 0
    #: ``test_rows_in_train / test_rows``.
    fraction_of_test: float | None = None
    #: Up to ``examples`` pairs ``(test row position, train row position)``.
    examples: list[tuple[int, int]] = Field(default_factory=list)


class ContaminationReport(BaseModel):
    """Shared ancestry and shared rows of a training and a test artifact."""

    train_id: str
    test_id: str
    train_name: str
    test_name: str
    verdict: Literal["disjoint", "shared_ancestry", "shared_rows"]
    shared_count: int
    shared_source_count: int
    #: Up to ``examples`` shared ancestors, nearest first.
    shared_ancestors: list[SharedAncestor] = Field(default_factory=list)
    name_matches: list[NameMatch] = Field(default_factory=list)
    rows: RowOverlap


def _artifact(store: LineageStore, node_id: str, what: str) -> Artifact:
    node = store.get(node_id)
    if node is None:
        raise NotFoundError(f"no node with id {node_id!r}")
    if not isinstance(node, Artifact):
        raise ProvenanceError(f"the {what} id {node_id} is a {node.node_type}, not an artifact")
    return node


def _upstream_artifacts(graph: LineageGraph) -> dict[str, set[str]]:
    """For each artifact of ``graph``, the artifacts strictly upstream of it (within graph)."""
    producers: dict[str, set[str]] = {}
    inputs: dict[str, set[str]] = {}
    for e in graph.edges:
        if e.type == "PRODUCED":
            producers.setdefault(e.target, set()).add(e.source)
        elif e.type in ("USED", "USED_MODEL"):
            inputs.setdefault(e.source, set()).add(e.target)
    out: dict[str, set[str]] = {}
    for a in graph.artifacts:
        seen: set[str] = set()
        stack = [a.id]
        while stack:
            cur = stack.pop()
            for t in producers.get(cur, ()):
                for i in inputs.get(t, ()):
                    if i not in seen:
                        seen.add(i)
                        stack.append(i)
        seen.discard(a.id)
        out[a.id] = seen
    return out


def _fingerprints(a: Artifact) -> list[int] | None:
    fps = a.metadata.get("row_fingerprints") if a.metadata else None
    if isinstance(fps, list) and all(isinstance(x, int) for x in fps):
        return fps
    return None


def _rows(train: Artifact, test: Artifact, examples: int) -> RowOverlap:
    a, b = _fingerprints(train), _fingerprints(test)
    missing = [x.name for x, f in ((train, a), (test, b)) if f is None]
    if a is None or b is None:
        return RowOverlap(
            compared=False,
            reason=(
                f"no row fingerprints recorded for {' and '.join(missing)} (log tables with "
                "Tracker(row_fingerprints=True) to compare rows)"
            ),
        )
    first: dict[int, int] = {}
    for i, fp in enumerate(a):
        first.setdefault(fp, i)
    hits = [(j, first[fp]) for j, fp in enumerate(b) if fp in first]
    return RowOverlap(
        compared=True,
        train_rows=len(a),
        test_rows=len(b),
        test_rows_in_train=len(hits),
        distinct_shared=len(set(a) & set(b)),
        fraction_of_test=(len(hits) / len(b)) if b else 0.0,
        examples=hits[:examples],
    )


def contamination(
    store: LineageStore, train_id: str, test_id: str, *, examples: int = 5
) -> ContaminationReport:
    """Shared ancestry (by digest and by logical name) and shared rows of two artifacts.

    ``examples`` bounds the shared ancestors and row pairs listed (counts are always full).
    Raises :class:`~provenance.errors.NotFoundError` for an unknown id and
    :class:`ProvenanceError` for an id that is not an artifact.

    Example:
        >>> import tempfile
        >>> from provenance import Tracker
        >>> t = Tracker(tempfile.mkdtemp() + "/")
        >>> a, b = t.log_artifact(b"a", name="a"), t.log_artifact(b"b", name="b")
        >>> r = contamination(t.store, a.id, b.id)
        >>> r.verdict, r.rows.compared
        ('disjoint', False)
        >>> t.close()
    """
    train = _artifact(store, train_id, "train")
    test = _artifact(store, test_id, "test")
    g_train = store.traverse(train.id, Direction.UP)
    g_test = store.traverse(test.id, Direction.UP)
    arts_train = {a.id: a for a in g_train.artifacts}
    arts_test = {a.id: a for a in g_test.artifacts}
    shared_ids = set(arts_train) & set(arts_test)
    produced = {e.target for g in (g_train, g_test) for e in g.edges if e.type == "PRODUCED"}
    upstream = _upstream_artifacts(g_train)
    # a shared ancestor is "nearest" when no other shared ancestor lies downstream of it
    below: set[str] = set()
    for sid in shared_ids:
        below |= upstream.get(sid, set()) & shared_ids
    shared = sorted(
        (
            SharedAncestor.of(arts_train[sid], source=sid not in produced, nearest=sid not in below)
            for sid in shared_ids
        ),
        key=lambda s: (not s.nearest, s.label, s.id),
    )
    by_name_train: dict[str, set[str]] = {}
    by_name_test: dict[str, set[str]] = {}
    for aid, a in arts_train.items():
        by_name_train.setdefault(a.name, set()).add(aid)
    for aid, a in arts_test.items():
        by_name_test.setdefault(a.name, set()).add(aid)
    matches = []
    for name in sorted(set(by_name_train) & set(by_name_test)):
        only_train = by_name_train[name] - shared_ids
        only_test = by_name_test[name] - shared_ids
        if only_train and only_test:
            matches.append(
                NameMatch(name=name, train_ids=sorted(only_train), test_ids=sorted(only_test))
            )
    rows = _rows(train, test, examples)
    verdict: Any = (
        "shared_rows"
        if rows.test_rows_in_train
        else "shared_ancestry"
        if shared or matches
        else "disjoint"
    )
    return ContaminationReport(
        train_id=train.id,
        test_id=test.id,
        train_name=train.name,
        test_name=test.name,
        verdict=verdict,
        shared_count=len(shared),
        shared_source_count=sum(1 for s in shared if s.source),
        shared_ancestors=shared[:examples],
        name_matches=matches,
        rows=rows,
    )
