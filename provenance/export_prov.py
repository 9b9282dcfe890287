"""Whole-graph export as W3C PROV (PROV-JSON, PROV-N, PROV-O/Turtle), with the ``prov`` package.

The lineage graph is PROV-shaped already; the mapping is one to one:

==========================  ===================================================================
graph                       PROV
==========================  ===================================================================
Artifact / Model            ``entity`` (``prov:type`` ``provenance:Artifact`` / ``:Model``)
Transform                   ``activity`` (start and end time, operation, status)
CodeVersion                 ``agent`` (``prov:SoftwareAgent``: git commit, entry point)
artifact ``owner``          ``agent`` (the owner: a team, a person), ``wasAttributedTo``
``USED`` / ``USED_MODEL``   ``used`` (``prov:role``: the input's role, ``model``)
``PRODUCED``                ``wasGeneratedBy`` (role, at the transform's end)
``RAN``                     ``wasAssociatedWith`` (activity → code-version agent)
``INVALIDATED``             ``wasInvalidatedBy`` (the erased artifact, by the erasure activity)
``PARENT``                  ``wasStartedBy`` (child activity, started by the parent activity)
==========================  ===================================================================

Identifiers are qualified names in the ``provenance:`` namespace (:data:`PROV_NAMESPACE`)
whose local part is the digest's hex (an id like ``blake3:…`` holds a colon); the full id is
the ``provenance:digest`` attribute of every record.

Example:
    >>> import tempfile
    >>> from provenance import Tracker
    >>> t = Tracker(tempfile.mkdtemp() + "/")
    >>> raw = t.log_artifact(b"1,2\\n", name="raw")
    >>> with t.run("copy", inputs=[raw]) as run:
    ...     out = run.output(b"1,2\\n3,4\\n", name="copied")
    >>> from prov.model import ProvActivity, ProvEntity
    >>> doc = prov_document(t.store)
    >>> len(list(doc.get_records(ProvEntity))), len(list(doc.get_records(ProvActivity)))
    (2, 1)
    >>> export_prov(t.store, "prov-n").splitlines()[0]
    'document'
"""

from __future__ import annotations

import datetime as _dt
import warnings
from collections.abc import Iterable
from typing import Any, Literal, get_args

from prov.constants import PROV, PROV_LABEL, PROV_ROLE, PROV_TYPE
from prov.identifier import Namespace, QualifiedName
from prov.model import ProvDocument

from provenance.errors import ProvenanceError
from provenance.hashing.core import digest_json
from provenance.model import Artifact, CodeVersion, Edge, Model, Transform
from provenance.store.base import LineageStore

__all__ = [
    "PROV_FORMATS",
    "PROV_NAMESPACE",
    "ProvFormat",
    "export_prov",
    "prov_document",
]

#: The namespace URI of the ``provenance:`` prefix (node ids, attributes, types).
PROV_NAMESPACE = "https://provenance.dev/ns#"

ProvFormat = Literal["prov-json", "prov-n", "prov-o"]
PROV_FORMATS: tuple[str, ...] = get_args(ProvFormat)


def _local(node_id: str) -> str:
    """The local part of a node's qualified name: the hex of its digest."""
    return node_id.split(":", 1)[-1]


def _aware(when: _dt.datetime | None) -> _dt.datetime | None:
    if when is not None and when.tzinfo is None:
        return when.replace(tzinfo=_dt.UTC)
    return when


def _attrs(pairs: Iterable[tuple[str | QualifiedName, Any]]) -> dict[Any, Any]:
    """Attributes, ``provenance:``-prefixed when given as bare names; ``None`` left out."""
    out: dict[Any, Any] = {}
    for key, value in pairs:
        if value is None:
            continue
        if isinstance(value, _dt.datetime):
            value = _aware(value)
        out[f"provenance:{key}" if isinstance(key, str) else key] = value
    return out


def _owner_id(owner: str) -> str:
    return "owner-" + _local(digest_json({"owner": owner}, domain="prov-owner"))


def _artifact(doc: ProvDocument, ns: Namespace, node: Artifact) -> None:
    extra: list[tuple[str | QualifiedName, Any]] = []
    if isinstance(node, Model):
        extra = [
            ("architecture_hash", node.architecture_hash),
            ("framework", node.framework),
            ("parameter_count", node.parameter_count),
        ]
    doc.entity(
        ns[_local(node.id)],
        _attrs(
            [
                (PROV_TYPE, ns["Model" if isinstance(node, Model) else "Artifact"]),
                (PROV_LABEL, node.name),
                ("digest", node.id),
                ("name", node.name),
                ("kind", node.kind),
                ("uri", node.uri),
                ("row_count", node.row_count),
                ("size_bytes", node.size_bytes),
                ("license", node.license),
                ("contains_pii", node.contains_pii),
                ("owner", node.owner),
                ("erased", node.erased),
                ("erased_at", node.erased_at),
                ("erasure_reason", node.erasure_reason),
                ("created_at", node.created_at),
                *extra,
            ]
        ),
    )


def _transform(doc: ProvDocument, ns: Namespace, node: Transform) -> None:
    doc.activity(
        ns[_local(node.id)],
        _aware(node.started_at),
        _aware(node.ended_at),
        _attrs(
            [
                (PROV_TYPE, ns["Transform"]),
                (PROV_LABEL, node.name or node.operation),
                ("digest", node.id),
                ("operation", node.operation),
                ("name", node.name),
                ("status", node.status),
                ("error", node.error),
                ("environment_digest", node.environment.digest if node.environment else None),
            ]
        ),
    )


def _code_version(doc: ProvDocument, ns: Namespace, node: CodeVersion) -> None:
    doc.agent(
        ns[_local(node.id)],
        _attrs(
            [
                (PROV_TYPE, PROV["SoftwareAgent"]),
                (PROV_LABEL, node.entrypoint or node.git_commit or node.id),
                ("digest", node.id),
                ("entrypoint", node.entrypoint),
                ("git_commit", node.git_commit),
                ("git_branch", node.git_branch),
                ("git_dirty", node.git_dirty),
                ("diff_digest", node.diff_digest),
                ("source_digest", node.source_digest),
            ]
        ),
    )


def _relation(
    doc: ProvDocument, ns: Namespace, e: Edge, ends: dict[str, _dt.datetime | None]
) -> None:
    src, dst = ns[_local(e.source)], ns[_local(e.target)]
    kind: str = e.type
    role = _attrs([(PROV_ROLE, e.role)]) or None
    if kind == "USED":
        doc.used(src, dst, None, None, role)
    elif kind == "USED_MODEL":
        doc.used(src, dst, None, None, {PROV_ROLE: e.role or "model"})
    elif kind == "PRODUCED":
        doc.wasGeneratedBy(dst, src, ends.get(e.source), None, role)
    elif kind == "RAN":
        doc.wasAssociatedWith(src, dst)
    elif kind == "INVALIDATED":
        doc.wasInvalidatedBy(dst, src, ends.get(e.source), None, role)
    elif kind == "PARENT":
        doc.wasStartedBy(src, None, dst)


def prov_document(store: LineageStore) -> ProvDocument:
    """The whole graph of ``store`` as one PROV document (mapping in the module docs).

    Example:
        >>> import tempfile
        >>> from provenance.store import SQLiteStore
        >>> doc = prov_document(SQLiteStore(tempfile.mkdtemp() + "/l.sqlite"))
        >>> doc.get_records(), [n.prefix for n in doc.get_registered_namespaces()]
        ([], ['provenance'])
    """
    doc = ProvDocument()
    ns = doc.add_namespace("provenance", PROV_NAMESPACE)
    owners: set[str] = set()
    ends: dict[str, _dt.datetime | None] = {}
    for batch in store.iter_nodes():
        for node in batch:
            if isinstance(node, Artifact):
                _artifact(doc, ns, node)
                if node.owner:
                    owner = ns[_owner_id(node.owner)]
                    if node.owner not in owners:
                        owners.add(node.owner)
                        doc.agent(owner, _attrs([(PROV_LABEL, node.owner), ("owner", node.owner)]))
                    doc.wasAttributedTo(ns[_local(node.id)], owner)
            elif isinstance(node, Transform):
                _transform(doc, ns, node)
                ends[node.id] = _aware(node.ended_at or node.started_at)
            elif isinstance(node, CodeVersion):
                _code_version(doc, ns, node)
    for edges in store.iter_edges():
        for e in edges:
            _relation(doc, ns, e, ends)
    return doc


def export_prov(store: LineageStore, fmt: ProvFormat = "prov-json") -> str:
    """The whole graph as W3C PROV text: ``prov-json`` (PROV-JSON), ``prov-n`` (PROV-N) or
    ``prov-o`` (PROV-O, RDF Turtle). ``ProvDocument.deserialize`` reads back PROV-JSON
    (``format="json"``) and PROV-O (``format="rdf", rdf_format="turtle"``).

    Example:
        >>> import json, tempfile
        >>> from provenance.store import SQLiteStore
        >>> json.loads(export_prov(SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")))["prefix"]
        {'provenance': 'https://provenance.dev/ns#'}
    """
    doc = prov_document(store)
    if fmt == "prov-json":
        return str(doc.serialize(format="json")) + "\n"
    if fmt == "prov-n":
        return str(doc.get_provn()) + "\n"
    if fmt == "prov-o":
        try:
            import rdflib  # noqa: F401
        except ImportError as exc:  # pragma: no cover - rdflib is a dependency
            raise ProvenanceError("PROV-O export needs rdflib: pip install 'prov[rdf]'") from exc
        with warnings.catch_warnings():  # prov calls rdflib APIs rdflib 7 deprecates
            warnings.simplefilter("ignore", DeprecationWarning)
            return str(doc.serialize(format="rdf", rdf_format="turtle"))
    raise ProvenanceError(f"unknown PROV format {fmt!r} (one of {', '.join(PROV_FORMATS)})")
