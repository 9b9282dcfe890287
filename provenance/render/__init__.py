"""Presentation of lineage answers, for a human reviewer: rich renderings (the CLI prints
these), the audit as one HTML file, and diagrams (Mermaid, SVG). Nothing here computes an
answer; the analyses in :mod:`provenance.analysis` do, and these functions show them.

Modules, each named for what it renders: :mod:`~provenance.render.graph` (a lineage graph's
tree and tables, node labels, one node's fields), :mod:`~provenance.render.listing` (the
recent nodes ``provenance list`` prints), :mod:`~provenance.render.diagram` (Mermaid and SVG),
:mod:`~provenance.render.report_html` (the audit as HTML), and one module per analysis report
(``audit``, ``impact``, ``erasure``, ``loops``, ``verify``, ``replay``, ``contamination``,
``drift``, ``cost``).

Example:
    >>> from provenance.model import Model, short_id as model_short_id
    >>> from provenance.render import node_label, short_id
    >>> short_id is model_short_id
    True
    >>> node_label(Model(id="sha256:" + "c" * 64, name="m", architecture_hash="blake3:" + "d" * 64))
    '[bold magenta]m[/] [dim]model cccccccccccc arch dddddddd[/]'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from provenance.model import short_id
    from provenance.render.audit import render_audit
    from provenance.render.contamination import render_contamination
    from provenance.render.cost import render_cost
    from provenance.render.diagram import layers, to_mermaid, to_svg
    from provenance.render.drift import render_drift, render_version_drift
    from provenance.render.erasure import render_erasure
    from provenance.render.graph import (
        audit_tables,
        lineage_tree,
        node_label,
        node_table,
        render_node,
    )
    from provenance.render.impact import impact_summary, render_impact
    from provenance.render.listing import render_node_list
    from provenance.render.loops import loop_path, loops_summary, render_loops
    from provenance.render.replay import render_replay
    from provenance.render.report_html import audit_html, write_audit_html
    from provenance.render.verify import render_verify, verify_summary
else:
    from provenance._lazy import lazy_package

    # Imported on first use: a command loads only the renderings it prints.
    lazy_package(
        __name__,
        {
            "provenance.model": ("short_id",),
            "provenance.render.audit": ("render_audit",),
            "provenance.render.contamination": ("render_contamination",),
            "provenance.render.cost": ("render_cost",),
            "provenance.render.diagram": ("layers", "to_mermaid", "to_svg"),
            "provenance.render.drift": ("render_drift", "render_version_drift"),
            "provenance.render.erasure": ("render_erasure",),
            "provenance.render.graph": (
                "audit_tables",
                "lineage_tree",
                "node_label",
                "node_table",
                "render_node",
            ),
            "provenance.render.impact": ("impact_summary", "render_impact"),
            "provenance.render.listing": ("render_node_list",),
            "provenance.render.loops": ("loop_path", "loops_summary", "render_loops"),
            "provenance.render.replay": ("render_replay",),
            "provenance.render.report_html": ("audit_html", "write_audit_html"),
            "provenance.render.verify": ("render_verify", "verify_summary"),
        },
    )

__all__ = [
    "audit_html",
    "audit_tables",
    "impact_summary",
    "layers",
    "lineage_tree",
    "loop_path",
    "loops_summary",
    "node_label",
    "node_table",
    "render_audit",
    "render_contamination",
    "render_cost",
    "render_drift",
    "render_erasure",
    "render_impact",
    "render_loops",
    "render_node",
    "render_node_list",
    "render_replay",
    "render_verify",
    "render_version_drift",
    "short_id",
    "to_mermaid",
    "to_svg",
    "verify_summary",
    "write_audit_html",
]
