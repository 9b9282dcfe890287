"""The audit as one self-contained HTML file a reviewer can read offline and print.

Inline CSS, an inline SVG lineage diagram (no script, no network), every recorded string
escaped. The page fits a 1280-pixel screen and an A4 page without scrolling sideways: tables
have fixed column shares and wrap long values, digests show 12 hex digits with the full digest
a click away (``<details>``, selectable, and in the tooltip), and the diagram stacks its layers
top to bottom in bands a printed page breaks between. When the audited node was derived from
erased data (the report's ``erased_training_data``), that comes first on the page:
"Trained on erased data: must retrain" (or, with no model in between, "Derived from erased
data: must be rebuilt"), the report's summary and the erasure records.

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
import re
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provenance.errors import ProvenanceError
from provenance.model import Artifact, Transform, short_id
from provenance.render.diagram import to_svg_bands

if TYPE_CHECKING:
    from provenance.analysis.audit import AuditReport, AuditStep
    from provenance.analysis.refs import NodeRef

__all__ = ["audit_html", "write_audit_html"]

#: Hex digits of a digest shown in a table (the full digest is a click away).
SHORT_DIGEST = 12
#: A diagram band's height at most, in SVG units: printed at most this tall (less when the
#: drawing is scaled to the page), so a band fits an A4 page and a page breaks between bands.
BAND_HEIGHT = 900

_CSS = """
*,*::before,*::after{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;
color:#222;line-height:1.4;padding:1.5rem 1rem;overflow-wrap:break-word}
h1{font-size:1.5rem;margin:0 0 .4rem;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin:2rem 0 .4rem;border-bottom:1px solid #ddd;break-after:avoid}
table{border-collapse:collapse;width:100%;table-layout:fixed;font-size:.85rem;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:.3rem .45rem;text-align:left;vertical-align:top;
overflow-wrap:anywhere}
th{background:#f5f5f5}thead{display:table-header-group}
tr{break-inside:avoid;page-break-inside:avoid}
code,.mono,details.digest summary{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,
monospace;font-size:.8rem}
details.digest summary{cursor:pointer}
details.digest code{display:block;word-break:break-all;user-select:all;background:#f5f5f5;
padding:.1rem .2rem;margin-top:.15rem}
abbr{text-decoration:none;border-bottom:1px dotted #999}
ul.plain{margin:0;padding:0;list-style:none}
.full-id{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.8rem;
overflow-wrap:anywhere;user-select:all}
.pii{color:#b71c1c;font-weight:bold}.erased{color:#c62828;font-weight:bold}
.failed{color:#b71c1c;font-weight:bold}
.verdict{display:inline-block;padding:.3rem .8rem;border-radius:4px;font-weight:bold}
.exact{background:#e8f5e9;color:#1b5e20}.seeded{background:#fffde7;color:#8d6e00}
.unreproducible{background:#ffebee;color:#b71c1c}.muted{color:#666}
.alert{border:2px solid #c62828;background:#ffebee;padding:.2rem 1rem .6rem;margin:0 0 1.5rem;
break-inside:avoid}
.alert h2{color:#b71c1c;border:0;margin-top:.6rem}.alert table{background:#fff}
.diagram svg{display:block;margin:0 auto;max-width:100%;height:auto}
.legend{font-size:.8rem;color:#555}
.key{display:inline-block;width:.9em;height:.9em;border:1.5px solid;vertical-align:-.1em;
margin:0 .25em 0 .8em}
@page{size:A4;margin:14mm}
@media print{
body{max-width:none;padding:0;font-size:10pt}
table{font-size:8pt}th,td{padding:.2rem .3rem}code,.mono,details.digest summary{font-size:7pt}
details.digest summary{list-style:none}
details.digest summary::-webkit-details-marker{display:none}
.diagram svg{break-inside:avoid;page-break-inside:avoid}
.alert,.verdict,th,.key{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""

_LEGEND = (
    '<p class="legend">'
    '<span class="key" style="background:#e0f7fa;border-color:#00838f"></span>data'
    '<span class="key" style="background:#f3e5f5;border-color:#6a1b9a"></span>model'
    '<span class="key" style="background:#fff8e1;border-color:#f9a825;border-radius:40%">'
    "</span>transform"
    '<span class="key" style="background:#ffebee;border-color:#c62828;border-style:dashed">'
    "</span>erased"
    "; a thick border marks the audited node, a dashed arrow a model used; data flows "
    "downwards. Labels longer than two lines are cut (hover for the full name; the tables "
    "hold every name).</p>"
)


def _e(value: Any) -> str:
    return "—" if value is None or value == "" else escape(str(value))


def _breakable(value: Any) -> str:
    """Escaped text with a line-break opportunity after each ``/ _ . - : = , ; @`` of a long
    value, so paths and snake_case names wrap at their separators rather than mid-word.

    Example:
        >>> _breakable("data/users_v2")
        'data/users_v2'
        >>> _breakable("warehouse/customer_transactions")
        'warehouse/<wbr>customer_<wbr>transactions'
    """
    if value is None or value == "":
        return "—"
    text = str(value)
    if len(text) <= 24:
        return escape(text)
    return "<wbr>".join(escape(p) for p in re.split(r"(?<=[/_.\-:=,;@])", text) if p)


def _digest(value: str | None) -> str:
    """A digest as its first 12 hex digits; the full digest in the tooltip and, on a click,
    below it (selectable, one click selects it all).

    Example:
        >>> full = "blake3:" + "ab" * 32
        >>> f'<summary title="{full}">abababababab</summary><code>{full}</code>' in _digest(full)
        True
    """
    if not value:
        return "—"
    short = short_id(value, SHORT_DIGEST)
    if short == value:
        return f'<code class="full-id">{escape(value)}</code>'
    full = escape(value)
    return (
        f'<details class="digest"><summary title="{full}">{escape(short)}</summary>'
        f"<code>{full}</code></details>"
    )


def _abbr(value: str) -> str:
    """A short digest with the full one on hover (inside running text)."""
    return (
        f'<abbr class="mono" title="{escape(value)}">{escape(short_id(value, SHORT_DIGEST))}</abbr>'
    )


def _table(headers: Sequence[tuple[str, int]], rows: Iterable[Sequence[str]]) -> str:
    """A table with fixed column shares (``(header, percent)``); cells are escaped HTML."""
    cols = "".join(f'<col style="width:{w}%">' for _, w in headers)
    head = "".join(f"<th>{escape(h)}</th>" for h, _ in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return (
        f"<table><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _ref(r: NodeRef) -> str:
    """A node in running text: its name and short digest (full digest on hover)."""
    erased = " <span class=erased>(erased)</span>" if r.erased else ""
    return f"{_breakable(r.label)} <span class=muted>{_abbr(r.id)}</span>{erased}"


def _refs(refs: Sequence[NodeRef]) -> str:
    return "; ".join(_ref(r) for r in refs) or "—"


def _json(value: Any) -> str:
    return escape(json.dumps(value, sort_keys=True, default=str))


def _params(params: dict[str, Any]) -> str:
    """Hyperparameters, one ``name = value`` a line."""
    if not params:
        return "—"
    return (
        "<ul class=plain>"
        + "".join(
            f"<li>{_breakable(k)} = <code>{_json(v)}</code></li>" for k, v in sorted(params.items())
        )
        + "</ul>"
    )


def _when(value: Any) -> str:
    """A timestamp to the second, ``2024-05-01 12:00:00 UTC`` (or its UTC offset), escaped.

    Example:
        >>> import datetime as dt
        >>> _when(dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC)), _when(None)
        ('2024-05-01 12:00:00 UTC', '—')
    """
    if value is None:
        return "—"
    offset = value.utcoffset()
    zone = "" if offset is None else " UTC" if not offset else value.strftime(" %z")
    return _e(value.strftime("%Y-%m-%d %H:%M:%S") + zone)


def _erased_training_section(report: AuditReport) -> str:
    """First on the page when the audited node was derived from data erased since: the
    report's summary (which models to retrain) and the erasure records."""
    from provenance.analysis.audit import TRAINED_ON_ERASED

    records = report.erased_training_data
    if not records:
        return ""
    trained = report.summary.startswith(TRAINED_ON_ERASED) or not report.summary
    head = (
        "Trained on erased data: must retrain"
        if trained
        else "Derived from erased data: must be rebuilt"
    )
    rows = (
        [
            _breakable(r.artifact.label),
            _digest(r.artifact.id),
            _when(r.erased_at),
            _e(r.reason),
        ]
        for r in records
    )
    return (
        f'<section class="alert" role="alert"><h2>{head}</h2>'
        f"<p>{_e(report.summary)}</p>"
        + _table([("erased artifact", 30), ("digest", 16), ("erased at", 18), ("reason", 36)], rows)
        + "</section>"
    )


def _sources_table(report: AuditReport) -> str:
    """The sources with digests, licences, PII flags and erasures."""
    return _table(
        [
            ("name", 17),
            ("digest", 12),
            ("uri", 18),
            ("rows", 7),
            ("licence", 10),
            ("PII", 9),
            ("owner", 11),
            ("erased", 16),
        ],
        (
            [
                f"{_breakable(s.name)}<br><span class=muted>{_e(s.kind)}</span>",
                _digest(s.id),
                _breakable(s.uri),
                _e(s.row_count),
                _breakable(s.license),
                {True: "<span class=pii>yes</span>", False: "no", None: "unknown"}[s.contains_pii],
                _breakable(s.owner),
                (
                    f"<span class=erased>erased {_when(s.erased_at)}</span>: {_e(s.erasure_reason)}"
                    if s.erased
                    else "no"
                ),
            ]
            for s in report.sources
        ),
    )


def _code_cell(st: AuditStep) -> str:
    """A step's code version: the short commit (and whether the tree was dirty), else its
    entrypoint."""
    c = st.code_version
    if c is not None and c.git_commit:
        dirty = ", dirty" if c.git_dirty else ""
        return f"{_abbr(c.git_commit)}<br><span class=muted>git{dirty}</span>"
    return _breakable(c.entrypoint if c is not None else None)


def _seed_cell(st: AuditStep) -> str:
    """A step's seed state: its reproducibility and master seed, or ``unseeded``."""
    s = st.seed_state
    if s is None:
        return "unseeded"
    return _e(s.reproducibility + (f", seed {s.master_seed}" if s.master_seed is not None else ""))


def _transform_cell(st: AuditStep) -> str:
    """Operation, digest, status (when not succeeded), start and duration."""
    status = "" if st.status == "succeeded" else f"<div class=failed>{_e(st.status)}</div>"
    took = f", {st.duration_s:.2f} s" if st.duration_s is not None else ""
    return (
        f"<b>{_breakable(st.transform.operation or st.transform.label)}</b>"
        f"{_digest(st.transform.id)}{status}"
        f"<div class=muted>{_when(st.started_at)}{escape(took)}</div>"
    )


def _io_cell(st: AuditStep) -> str:
    """Inputs, the model used, outputs."""
    parts = [f"<div><span class=muted>in:</span> {_refs(st.inputs)}</div>"]
    if st.model is not None:
        parts.append(f"<div><span class=muted>model:</span> {_ref(st.model)}</div>")
    parts.append(f"<div><span class=muted>out:</span> {_refs(st.outputs)}</div>")
    return "".join(parts)


def _steps_table(report: AuditReport) -> str:
    """The transforms in execution order, one row each."""
    return _table(
        [
            ("#", 4),
            ("transform", 17),
            ("inputs, model → outputs", 25),
            ("code", 12),
            ("seed", 9),
            ("hyperparameters", 19),
            ("environment", 14),
        ],
        (
            [
                str(st.index),
                _transform_cell(st),
                _io_cell(st),
                _code_cell(st),
                _seed_cell(st),
                _params(st.hyperparameters),
                (
                    f"Python {_e(st.environment.python)}, {_breakable(st.environment.platform)} "
                    f"<span class=muted>{_abbr(st.environment.digest)}</span>"
                )
                if st.environment
                else "—",
            ]
            for st in report.steps
        ),
    )


def _model_metrics(report: AuditReport, model_id: str) -> list[tuple[str, str, str, str]]:
    """(run, short id, metric, value) recorded by the runs that produced the model or ran
    with it (``USED_MODEL``): those of the ancestry in execution order, then the later ones
    (:attr:`AuditReport.model_runs`)."""
    from provenance.analysis.order import transforms_in_order
    from provenance.render.metrics import metrics_rows

    runs = {
        e.source
        for e in report.graph.edges
        if e.target == model_id and e.type in ("PRODUCED", "USED_MODEL")
    }
    inside = [
        t
        for t in transforms_in_order(report.graph)
        if t.id in runs and t.status == "succeeded" and t.metrics
    ]
    later = report.model_runs.get(model_id, [])  # ran with the model after it: evaluations
    return metrics_rows([*inside, *later])


def _framework_cell(node: Any) -> str:
    """Framework and its version, the model's class and parameter count, as recorded."""
    if not isinstance(node, Artifact):
        return "—"
    content = node.metadata.get("content") if isinstance(node.metadata, dict) else None
    content = content if isinstance(content, dict) else {}
    framework = getattr(node, "framework", None) or content.get("framework")
    version = content.get("framework_version")
    lines = [
        " ".join(escape(str(x)) for x in (framework, version) if x) or "—",
    ]
    if content.get("class"):
        lines.append(f"<span class=muted>{_breakable(content['class'])}</span>")
    count = getattr(node, "parameter_count", None) or content.get("parameter_count")
    if count:
        lines.append(f"<span class=muted>{escape(f'{count:,}')} parameters</span>")
    return "<br>".join(lines)


def _models_table(report: AuditReport) -> str:
    """Each model of the ancestry: digest, framework and version, where it was saved, and the
    metrics recorded by the runs of the ancestry that trained it or ran with it."""
    nodes = {n.id: n for n in report.graph.nodes}
    rows = []
    for m in report.models:
        node = nodes.get(m.id)
        metrics = _model_metrics(report, m.id)
        rows.append(
            [
                _ref_name(m, node),
                _digest(m.id),
                _framework_cell(node),
                _breakable(m.uri) if m.uri else "<span class=muted>not saved</span>",
                "<ul class=plain>"
                + "".join(
                    f"<li>{_breakable(name)} = <b>{escape(value)}</b> "
                    f"<span class=muted>({_breakable(op)})</span></li>"
                    for op, _, name, value in metrics
                )
                + "</ul>"
                if metrics
                else "—",
            ]
        )
    return _table(
        [("name", 20), ("digest", 13), ("framework", 17), ("saved at", 22), ("metrics", 28)],
        rows,
    )


def _ref_name(m: NodeRef, node: Any) -> str:
    """A model's name, when it was recorded, and whether it was erased."""
    created = getattr(node, "created_at", None)
    parts = [f"<b>{_breakable(m.label)}</b>"]
    if created is not None:
        parts.append(f"<span class=muted>recorded {_when(created)}</span>")
    if m.erased:
        parts.append(f"<span class=erased>erased {_when(m.erased_at)}</span>")
    return "<br>".join(parts)


def _metrics_table(report: AuditReport) -> str:
    """What each transform of the ancestry measured (its recorded metrics)."""
    from provenance.analysis.order import transforms_in_order
    from provenance.render.metrics import metrics_rows

    ids = {short_id(t.id, 10): t.id for t in report.graph.nodes if isinstance(t, Transform)}
    return _table(
        [("transform", 30), ("digest", 16), ("metric", 30), ("value", 24)],
        (
            [_breakable(op), _digest(ids.get(tid, tid)), _breakable(name), _e(value)]
            for op, tid, name, value in metrics_rows(transforms_in_order(report.graph))
        ),
    )


def _code_versions_table(report: AuditReport) -> str:
    return _table(
        [("digest", 16), ("entrypoint", 38), ("commit", 16), ("dirty", 10), ("source digest", 20)],
        (
            [
                _digest(c.id),
                _breakable(c.entrypoint),
                _digest(c.git_commit),
                _e(c.git_dirty),
                _digest(c.source_digest),
            ]
            for c in report.code_versions
        ),
    )


def _environments_table(report: AuditReport) -> str:
    return _table(
        [("digest", 16), ("python", 12), ("platform", 22), ("packages", 50)],
        (
            [
                _digest(e.digest),
                _e(e.python),
                _breakable(e.platform),
                _e(", ".join(f"{k}=={v}" for k, v in sorted(e.packages.items()))),
            ]
            for e in report.environments
        ),
    )


def _erasures_table(report: AuditReport) -> str:
    return _table(
        [("artifact", 22), ("digest", 16), ("erased at", 18), ("reason", 28), ("erasure", 16)],
        (
            [
                _breakable(r.artifact.label),
                _digest(r.artifact.id),
                _when(r.erased_at),
                _e(r.reason),
                _digest(r.transform_id),
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
    """The report as a complete HTML document (a string); see the module docstring.

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
    diagram = "\n".join(to_svg_bands(report.graph, max_height=BAND_HEIGHT))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lineage audit: {_e(root.label)}</title><style>{_CSS}</style></head><body>
{_erased_training_section(report)}
<h1>Lineage audit: {_breakable(root.label)}</h1>
<p><span class=full-id>{_e(root.id)}</span> ({_e(root.node_type)})<br>
<span class=muted>generated {_when(report.generated_at)};
{len(report.graph.nodes)} nodes, {len(report.graph.edges)} edges in the ancestry</span></p>
<h2>Reproducibility verdict</h2>
{_verdict_section(report)}
<h2>Sources ({len(report.sources)})</h2>{_sources_table(report)}
<h2>Transforms, in execution order ({len(report.steps)})</h2>{_steps_table(report)}
<h2>Lineage diagram</h2><div class=diagram>{diagram}</div>{_LEGEND}
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
