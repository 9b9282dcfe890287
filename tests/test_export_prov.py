"""W3C PROV export: every format parses back (PROV-N structurally) with the graph's counts."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prov.model import (
    ProvActivity,
    ProvAgent,
    ProvAssociation,
    ProvAttribution,
    ProvDocument,
    ProvEntity,
    ProvGeneration,
    ProvInvalidation,
    ProvUsage,
)

from provenance import Tracker
from provenance.analysis.erasure import ErasureRecord, erase
from provenance.demo import DemoResult, run_demo
from provenance.errors import ProvenanceError
from provenance.export_prov import PROV_NAMESPACE, export_prov, prov_document
from provenance.model import Artifact, Transform
from provenance.store import LineageStore


@dataclass
class Demo:
    tracker: Tracker
    result: DemoResult
    erasure: ErasureRecord

    @property
    def store(self) -> LineageStore:
        return self.tracker.store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo pipeline with the users source erased."""
    d = tmp_path_factory.mktemp("prov-demo")
    tracker = Tracker(str(d / "store") + "/")
    result = run_demo(tracker, d)
    erasure = erase(tracker.store, result.users_source.id, reason="GDPR art. 17 #12")
    yield Demo(tracker, result, erasure)
    tracker.close()


def expected_counts(store: LineageStore) -> dict[str, int]:
    """What the graph holds, in PROV terms."""
    c = store.counts()
    nodes = [n for batch in store.iter_nodes() for n in batch]
    owners = {n.owner for n in nodes if isinstance(n, Artifact) and n.owner}
    return {
        "entity": c.get("Artifact", 0) + c.get("Model", 0),
        "activity": c.get("Transform", 0),
        "agent": c.get("CodeVersion", 0) + len(owners),
        "used": c.get("USED", 0) + c.get("USED_MODEL", 0),
        "wasGeneratedBy": c.get("PRODUCED", 0),
        "wasInvalidatedBy": c.get("INVALIDATED", 0),
        "wasAssociatedWith": c.get("RAN", 0),
        "wasAttributedTo": sum(1 for n in nodes if isinstance(n, Artifact) and n.owner),
    }


_KINDS = {
    ProvEntity: "entity",
    ProvActivity: "activity",
    ProvAgent: "agent",
    ProvUsage: "used",
    ProvGeneration: "wasGeneratedBy",
    ProvInvalidation: "wasInvalidatedBy",
    ProvAssociation: "wasAssociatedWith",
    ProvAttribution: "wasAttributedTo",
}


def doc_counts(doc: ProvDocument) -> dict[str, int]:
    counts = Counter(_KINDS[type(r)] for r in doc.get_records())
    return {k: counts.get(k, 0) for k in _KINDS.values()}


_PROVN_RECORD = re.compile(r"^  (\w+)\((.*)\)$")


def provn_records(text: str) -> list[tuple[str, list[str]]]:
    """A structural parse of PROV-N (prov reads no PROV-N): ``document`` … ``endDocument``, one
    prefix, then one ``kind(args)`` record a line; returns (kind, first two arguments)."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert lines[0] == "document" and lines[-1] == "endDocument"
    assert lines[1] == f"  prefix provenance <{PROV_NAMESPACE}>"
    records = []
    for line in lines[2:-1]:
        m = _PROVN_RECORD.match(line)
        assert m, line
        inner = m.group(2)
        # the identifiers come before any attribute list "[...]"
        head = inner.split("[", 1)[0]
        assert inner.count("(") == inner.count(")") or '"' in inner, line
        records.append((m.group(1), [a.strip() for a in head.split(",")[:2]]))
    return records


def test_counts_match_the_graph(demo: Demo) -> None:
    expected = expected_counts(demo.store)
    assert expected["wasInvalidatedBy"] == 1 and expected["entity"] == 17
    assert doc_counts(prov_document(demo.store)) == expected


def test_prov_json_parses_back_to_the_same_document(demo: Demo) -> None:
    text = export_prov(demo.store, "prov-json")
    assert json.loads(text)["prefix"] == {"provenance": PROV_NAMESPACE}
    back = ProvDocument.deserialize(content=text, format="json")
    assert doc_counts(back) == expected_counts(demo.store)
    assert back == prov_document(demo.store)


@pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib")
def test_prov_o_turtle_parses_back_to_the_same_document(demo: Demo) -> None:
    text = export_prov(demo.store, "prov-o")
    assert "@prefix prov: <http://www.w3.org/ns/prov#>" in text
    back = ProvDocument.deserialize(content=text, format="rdf", rdf_format="turtle")
    assert doc_counts(back) == expected_counts(demo.store)
    assert back == prov_document(demo.store)


def test_prov_n_is_well_formed_with_the_graphs_counts(demo: Demo) -> None:
    text = export_prov(demo.store, "prov-n")
    records = provn_records(text)
    counts = Counter(kind for kind, _ in records)
    expected = expected_counts(demo.store)
    assert {k: counts.get(k, 0) for k in expected} == expected
    assert sum(counts.values()) == sum(expected.values())
    # every relation names declared elements
    declared = {args[0] for kind, args in records if kind in ("entity", "activity", "agent")}
    for kind, args in records:
        if kind not in ("entity", "activity", "agent"):
            assert set(args) <= declared, (kind, args)


def test_records_carry_the_graphs_ids_times_and_roles(demo: Demo) -> None:
    store = demo.store
    doc = prov_document(store)
    entities = {str(r.identifier): r for r in doc.get_records(ProvEntity)}
    users = demo.result.users_source
    local = users.id.split(":", 1)[1]
    erased = entities[f"provenance:{local}"]
    attrs = {str(k): v for k, v in erased.attributes}
    assert attrs["provenance:digest"] == users.id
    assert attrs["provenance:erased"] is True
    assert attrs["provenance:contains_pii"] is True and attrs["provenance:license"] == users.license
    [invalidation] = doc.get_records(ProvInvalidation)
    inv = {str(k): str(v) for k, v in invalidation.attributes}
    assert inv["prov:entity"] == f"provenance:{local}"
    assert inv["prov:activity"] == "provenance:" + demo.erasure.transform_id.split(":", 1)[1]

    join = next(
        n
        for b in store.iter_nodes()
        for n in b
        if isinstance(n, Transform) and n.operation == "join"
    )
    activity: Any = next(
        r
        for r in doc.get_records(ProvActivity)
        if str(r.identifier).endswith(join.id.split(":")[1])
    )
    assert activity.get_startTime() == join.started_at
    assert activity.get_endTime() == join.ended_at
    roles = sorted(
        str(dict((str(k), v) for k, v in u.attributes)["prov:role"])
        for u in doc.get_records(ProvUsage)
        if str(dict((str(k), v) for k, v in u.attributes)["prov:activity"])
        == str(activity.identifier)
    )
    assert roles == ["events", "users"]
    models = [
        r
        for r in doc.get_records(ProvEntity)
        if any(str(k) == "prov:type" and str(v) == "provenance:Model" for k, v in r.attributes)
    ]
    assert len(models) == 2


def test_ids_with_a_colon_become_qualified_names(demo: Demo) -> None:
    text = export_prov(demo.store, "prov-json")
    ids = set(json.loads(text)["entity"])
    assert all(re.fullmatch(r"provenance:[0-9a-f]{64}", i) for i in ids)


def test_unknown_format_is_refused(demo: Demo) -> None:
    with pytest.raises(ProvenanceError, match="unknown PROV format"):
        export_prov(demo.store, "prov-xml")  # type: ignore[arg-type]


def test_empty_store(tmp_path: Path) -> None:
    from provenance.store import SQLiteStore

    store = SQLiteStore(tmp_path / "l.sqlite")
    back = ProvDocument.deserialize(content=export_prov(store, "prov-json"), format="json")
    assert list(back.get_records()) == []
    assert provn_records(export_prov(store, "prov-n")) == []
    store.close()


@pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib")
@pytest.mark.parametrize("fmt", ["prov-json", "prov-n", "prov-o"])
def test_cli_exports_prov(demo: Demo, tmp_path: Path, fmt: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PROVENANCE_STORE"}
    store = demo.store.uri
    out = tmp_path / f"graph.{fmt}"
    r = subprocess.run(
        [sys.executable, "-m", "provenance", "export", "-f", fmt, "-o", str(out), "-s", store],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    if fmt == "prov-o":  # Turtle's blank-node order varies: compare what it says
        back = ProvDocument.deserialize(content=text, format="rdf", rdf_format="turtle")
        assert back == prov_document(demo.store)
    else:
        assert text == export_prov(demo.store, fmt)  # type: ignore[arg-type]
