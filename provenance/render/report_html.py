"""The audit as one self-contained HTML file a reviewer can read offline.

Inline CSS, an inline SVG lineage diagram (no script, no network), every recorded string
escaped.

Example:
    >>> from provenance.analysis.audit import AuditReport, Reproducibility
    >>> from provenance.analysis.refs import ref
    >>> from provenance.model import Artifact, LineageGraph
    >>> a = Artifact(id="blake3:" + "a" * 64, name="<b>users</b>", contains_pii=True)
    >>> r = AuditReport(root=ref(a), reproducibility=Reproducibility(verdict="exact",
    ...                 checked_by="seed_state"), graph=LineageGraph(root=a.id, nodes=[a]))
    >>> page = audit_html(r)
    >>> "&lt;b&gt;users&lt;/b&gt;" in page and "<b>users</b>" not in page
    True
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.errors import ProvenanceError
from provenance.model import short_id
from provenance.render.diagram import to_svg

if TYPE_CHECKING:
    from provenance.analysis.audit import AuditReport, AuditStep
    from provenance.analysis.refs import NodeRef

__all__ = ["audit_html", "write_audit_html"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:1200px;
color:#222;line-height:1.4;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f5f5}code,.id{font-family:ui-monospace,monospace;font-size:.8rem;
word-break:break-all}.pii{color:#b71c1c;font-weight:bold}.erased{color:#c62828;font-weight:bold}
.verdict{display:inline-block;padding:.3rem .8rem;border-radius:4px;font-weight:bold}
.exact{background:#e8f5e9;color:#1b5e20}.seeded{background:#fffde7;color:#8d6e00}
.unreproducible{background:#ffebee;color:#b71c1c}.diagram{overflow:auto;border:1px solid #ddd;
padding:.5rem}.muted{color:#777}
"""


def _e(value: Any) -> str:
    return "—" if value is None or value == "" else escape(str(value))


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A table; cells are already-escaped HTML."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _refs(refs: Sequence[NodeRef]) -> str:
    return (
        ", ".join(
            f"{escape(r.label)}{' <span class=erased>(erased)</span>' if r.erased else ''}"
            for r in refs
        )
        or "—"
    )


def _json(value: Any) -> str:
    if not value:
        return "—"
    return f"<code>{escape(json.dumps(value, sort_keys=True, default=str))}</code>"


def _sources_table(report: AuditReport) -> str:
    """The sources with digests, licences, PII flags and erasures."""
    return _table(
        ["name", "digest", "kind", "uri", "rows", "licence", "PII", "owner", "erased"],
        (
            [
                _e(s.name),
                f"<span class=id>{_e(s.id)}</span>",
                _e(s.kind),
                _e(s.uri),
                _e(s.row_count),
                _e(s.license),
                {True: "<span class=pii>yes</span>", False: "no", None: "unknown"}[s.contains_pii],
                _e(s.owner),
                (
                    f"<span class=erased>erased {_e(s.erased_at)}</span>: {_e(s.erasure_reason)}"
                    if s.erased
                    else "no"
                ),
            ]
            for s in report.sources
        ),
    )


def _code_cell(st: AuditStep) -> str:
    """A step's code version: the short commit (and dirty flag), else its entrypoint."""
    c = st.code_version
    if c is not None and c.git_commit:
        return _e(f"git {short_id(c.git_commit)}" + (" (dirty)" if c.git_dirty else ""))
    return _e(c.entrypoint if c is not None else None)


def _seed_cell(st: AuditStep) -> str:
    """A step's seed state: its reproducibility and master seed, or ``unseeded``."""
    s = st.seed_state
    if s is None:
        return "unseeded"
    return _e(s.reproducibility + (f", seed {s.master_seed}" if s.master_seed is not None else ""))


def _steps_table(report: AuditReport) -> str:
    """The transforms in execution order, one row each."""
    return _table(
        [
            "#",
            "operation",
            "inputs",
            "model",
            "outputs",
            "code",
            "seed",
            "hyperparameters",
            "environment",
            "started",
            "s",
            "status",
        ],
        (
            [
                str(st.index),
                f"{_e(st.transform.operation)}<br><span class=id>{_e(st.transform.id)}</span>",
                _refs(st.inputs),
                _refs([st.model]) if st.model else "—",
                _refs(st.outputs),
                _code_cell(st),
                _seed_cell(st),
                _json(st.hyperparameters),
                _e(f"Python {st.environment.python}, {st.environment.platform}")
                if st.environment
                else "—",
                _e(st.started_at.isoformat(timespec="seconds") if st.started_at else None),
                _e(f"{st.duration_s:.2f}" if st.duration_s is not None else None),
                _e(st.status),
            ]
            for st in report.steps
        ),
    )


def _models_table(report: AuditReport) -> str:
    return _table(
        ["name", "digest"],
        ([_e(m.name), f"<span class=id>{_e(m.id)}</span>"] for m in report.models),
    )


def _metrics_table(report: AuditReport) -> str:
    """What each transform of the ancestry measured (its recorded metrics)."""
    from provenance.analysis.order import transforms_in_order
    from provenance.render.metrics import metrics_rows

    return _table(
        ["transform", "id", "metric", "value"],
        (
            [_e(op), f"<span class=id>{_e(tid)}</span>", _e(name), _e(value)]
            for op, tid, name, value in metrics_rows(transforms_in_order(report.graph))
        ),
    )


def _code_versions_table(report: AuditReport) -> str:
    return _table(
        ["id", "entrypoint", "commit", "dirty", "source digest"],
        (
            [
                f"<span class=id>{_e(c.id)}</span>",
                _e(c.entrypoint),
                _e(c.git_commit),
                _e(c.git_dirty),
                f"<span class=id>{_e(c.source_digest)}</span>",
            ]
            for c in report.code_versions
        ),
    )


def _environments_table(report: AuditReport) -> str:
    return _table(
        ["digest", "python", "platform", "packages"],
        (
            [
                f"<span class=id>{_e(e.digest)}</span>",
                _e(e.python),
                _e(e.platform),
                _e(", ".join(f"{k}=={v}" for k, v in sorted(e.packages.items()))),
            ]
            for e in report.environments
        ),
    )


def _erasures_table(report: AuditReport) -> str:
    return _table(
        ["artifact", "digest", "erased at", "reason", "erasure record"],
        (
            [
                _e(r.artifact.label),
                f"<span class=id>{_e(r.artifact.id)}</span>",
                _e(r.erased_at.isoformat(timespec="seconds")),
                _e(r.reason),
                f"<span class=id>{_e(r.transform_id)}</span>",
            ]
            for r in report.erasures
        ),
    )


def _verdict_section(report: AuditReport) -> str:
    """The reproducibility verdict, how it was checked, and its reasons."""
    v = report.reproducibility
    reasons = "".join(f"<li>{escape(r)}</li>" for r in v.reasons)
    return (
        f'<p><span class="verdict {escape(v.verdict)}">{escape(v.verdict)}</span>\n'
        f"<span class=muted>(checked by {escape(v.checked_by)})</span></p>\n"
        + (f"<ul>{reasons}</ul>" if reasons else "")
    )


def audit_html(report: AuditReport) -> str:
    """The report as a complete HTML document (a string).

    Example:
        >>> from provenance.analysis.audit import AuditReport, Reproducibility
        >>> from provenance.analysis.refs import NodeRef
        >>> from provenance.model import LineageGraph
        >>> r = AuditReport(root=NodeRef(id="blake3:" + "a" * 64, node_type="Artifact", name="x"),
        ...                 reproducibility=Reproducibility(verdict="seeded", checked_by="verify"),
        ...                 graph=LineageGraph())
        >>> '<span class="verdict seeded">seeded</span>' in audit_html(r)
        True
    """
    root = report.root
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lineage audit: {_e(root.label)}</title><style>{_CSS}</style></head><body>
<h1>Lineage audit: {_e(root.label)}</h1>
<p><span class=id>{_e(root.id)}</span> ({_e(root.node_type)})<br>
<span class=muted>generated {_e(report.generated_at.isoformat(timespec="seconds"))};
{len(report.graph.nodes)} nodes, {len(report.graph.edges)} edges in the ancestry</span></p>
<h2>Reproducibility verdict</h2>
{_verdict_section(report)}
<h2>Sources ({len(report.sources)})</h2>{_sources_table(report)}
<h2>Transforms, in execution order ({len(report.steps)})</h2>{_steps_table(report)}
<h2>Lineage diagram</h2><div class=diagram>{to_svg(report.graph)}</div>
<h2>Models ({len(report.models)})</h2>{_models_table(report)}
<h2>Metrics</h2>{_metrics_table(report)}
<h2>Code versions ({len(report.code_versions)})</h2>{_code_versions_table(report)}
<h2>Environments ({len(report.environments)})</h2>{_environments_table(report)}
<h2>Erasures ({len(report.erasures)})</h2>{_erasures_table(report)}
</body></html>
"""


def write_audit_html(report: AuditReport, path: str | Path) -> Path:
    """Write :func:`audit_html` to ``path``; a one-line :class:`ProvenanceError` on failure.

    Example:
        >>> import tempfile
        >>> from provenance.analysis import audit
        >>> from provenance.model import Artifact
        >>> from provenance.store import SQLiteStore
        >>> s = SQLiteStore(tempfile.mkdtemp() + "/l.sqlite")
        >>> s.write([Artifact(id="blake3:" + "a" * 64, name="users")], [])
        >>> out = write_audit_html(audit(s, "blake3:" + "a" * 64), tempfile.mkdtemp() + "/r.html")
        >>> out.read_text().startswith("<!DOCTYPE html>")
        True
    """
    out = Path(path)
    try:
        out.write_text(audit_html(report), encoding="utf-8")
    except OSError as exc:
        raise ProvenanceError(f"cannot write {out}: {exc.strerror or exc}") from exc
    return out
