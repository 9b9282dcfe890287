"""The HTML audit a reviewer reads and prints: fits a 1280-pixel screen and A4 paper.

A realistic audit (a 30-node pipeline with long names, three saved scikit-learn models with
metrics, a PII source and an erased source, recorded through the library on SQLite) is
written with ``provenance audit --out`` and measured in headless Chromium (Debian's
``chromium``, driven through Playwright as in ``tests/test_browser.py``): at 1280 px nothing
reaches past the viewport and the audited model's box is on the page; printed to PDF by
``chromium --headless --print-to-pdf`` and rasterised with ``pdftoppm`` (Debian's
``poppler-utils``), every page's ink stays inside the page margins and ``pdftotext`` finds
the model's name. Without Chromium, Playwright or poppler-utils those tests skip (fail with
``CI=true``); the rest run anywhere.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from provenance import Tracker
from provenance.analysis import audit
from provenance.analysis.erasure import erase
from provenance.cli.app import main
from provenance.model import LineageGraph, Model
from provenance.render.diagram import to_svg, to_svg_bands
from provenance.render.report_html import audit_html
from provenance.store import Direction, LineageStore
from tests import test_parity
from tests.test_analysis_impact import pipeline
from tests.test_browser import CHROMIUM_ARGS, _unavailable

store = test_parity.store  # the two-backend fixture: sqlite and neo4j

#: The viewport the report must fit (CSS px) and A4 at the report's @page margin of 14 mm.
SCREEN = 1280
A4_PT = (595.28, 841.89)
MARGIN_MM = 14
PDF_DPI = 72  # pdftoppm resolution: 1 pixel = 1 pt
#: A planted value of a PII source's column: recorded in the source's statistics (the report's
#: graph holds it), never shown by the page.
PLANTED = "PLANTED-plan-zq7"
ROOT_NAME = "retention_uplift_ensemble_model_combining_churn_and_clv_v3"
MODEL_NAMES = [
    "churn_propensity_logistic_regression_for_retention_team",
    "customer_lifetime_value_ridge_regressor_eu_west_1",
    ROOT_NAME,
]
HOSTILE = "<b>users</b>"
ERASED = "marketing_campaign_touchpoints_with_multi_touch_attribution_weights"


@dataclass(frozen=True)
class Pipeline:
    """What the tests ask about: the store, the audited model and what it was built from."""

    store_path: str
    root: Model
    models: list[Model]
    #: The metrics recorded per model name, by hand from the runs below.
    metrics: dict[str, dict[str, float]]


def build_pipeline(workdir: Path) -> Pipeline:
    """Record the pipeline through the library (SQLite), erase the marketing source.

    users (PII) + transactions + marketing -> join -> split -> train A -> evaluate A,
    score A on holdout -> train B (uses A's scores) -> score B -> train C on A's and B's
    scores and A's calibration report: the audited model C has A and B in its ancestry.
    """
    from sklearn.linear_model import LogisticRegression, Ridge

    rng = np.random.default_rng(11)
    store_dir = workdir / "store"
    tracker = Tracker(str(store_dir) + "/")
    n = 120
    users = pd.DataFrame(
        {
            "customer_id": np.arange(n),
            "country": rng.choice(["DE", "FR", "NL"], n),
            "plan": [PLANTED if i % 3 == 0 else "basic" for i in range(n)],
            "tenure_days": rng.integers(1, 2000, n),
        }
    )
    users_a = tracker.log_artifact(
        users,
        name=HOSTILE,
        uri="s3://acme-data-lake-eu-west-1/landing/crm/exports/2024/Q4/"
        "customers_full_snapshot_2024-12-31T23-59-59Z.parquet",
        license="proprietary; internal use under DPA-2024-117",
        contains_pii=True,
        pii_values=True,  # keep the planted value in the statistics: the page must not show it
        owner="crm-data-stewards@acme.example",
        stats=True,
    )
    tx_path = workdir / "landing" / "customer_transactions_2024_q4_eu_west_1_full_export.csv"
    tx_path.parent.mkdir(parents=True)
    tx = pd.DataFrame({"customer_id": rng.integers(0, n, 600), "amount": rng.gamma(2, 30, 600)})
    tx.to_csv(tx_path, index=False)
    tx_a = tracker.log_artifact(tx_path, name=tx_path.name, license="CC-BY-4.0", owner="payments")
    marketing = pd.DataFrame({"customer_id": np.arange(n), "touch_weight": rng.random(n)})
    marketing_a = tracker.log_artifact(marketing, name=ERASED, license="vendor-licence-7")
    holdout = pd.DataFrame({"x0": rng.normal(size=40), "x1": rng.normal(size=40)})
    holdout_a = tracker.log_artifact(
        holdout, name="holdout_customers_for_offline_evaluation_january_2025"
    )
    features = {
        "features": [
            "tenure_days",
            "total_spend_90d",
            "n_transactions_90d",
            "touch_weight",
            "country_DE",
            "country_FR",
            "country_NL",
        ],
        "imputation": "median",
        "window_days": 90,
    }
    with tracker.run("join", inputs=[users_a, tx_a, marketing_a], params=features) as run:
        x = rng.normal(size=(n, 2))
        table = pd.DataFrame(x, columns=["x0", "x1"]).assign(y=(x[:, 0] > 0).astype(int))
        table_a = run.output(table, name="customer_feature_table_with_rfm_and_attribution")
    with tracker.run("split", inputs=[table_a], params={"test_fraction": 0.25}, seed=7) as run:
        train, test = table.iloc[:90], table.iloc[90:]
        train_a = run.output(train, name="customer_features_train_75pct")
        test_a = run.output(test, name="customer_features_test_25pct")
    with tracker.run(
        "train", inputs=[train_a], params={"C": 0.5, "class_weight": "balanced"}, seed=1
    ) as run:
        clf = LogisticRegression(C=0.5, class_weight="balanced").fit(train[["x0", "x1"]], train.y)
        model_a = run.output(clf, name=MODEL_NAMES[0], save=True)
        run.log_metric("train_accuracy", 0.91)
    with tracker.run("evaluate", inputs=[test_a], model=model_a, deterministic=True) as run:
        calib = pd.DataFrame({"bin": np.arange(10), "observed": rng.random(10)})
        calib_a = run.output(calib, name="churn_model_calibration_report_on_holdout_quarter")
        run.log_metrics({"auc": 0.874, "brier": 0.121})
    with tracker.run("score", inputs=[holdout_a], model=model_a, deterministic=True) as run:
        scores = pd.DataFrame({"p_churn": clf.predict_proba(holdout)[:, 1]})
        scores_a = run.output(scores, name="churn_scores_for_holdout_customers")
    with tracker.run("train", inputs=[train_a, scores_a], params={"alpha": 2.0}, seed=2) as run:
        reg = Ridge(alpha=2.0).fit(train[["x0", "x1"]], train.x0 * 3)
        model_b = run.output(reg, name=MODEL_NAMES[1], save=True)
        run.log_metrics({"r2": 0.66, "mae_eur": 41.5})
    with tracker.run("score", inputs=[holdout_a], model=model_b, deterministic=True) as run:
        clv = pd.DataFrame({"clv_eur": reg.predict(holdout)})
        clv_a = run.output(clv, name="clv_predictions_for_holdout_customers")
    with tracker.run(
        "train_ensemble",
        inputs=[scores_a, clv_a, calib_a, holdout_a],
        params={"C": 1.0, "uplift_target": "retained_90d", "calibration": "isotonic"},
        seed=3,
    ) as run:
        ens = LogisticRegression(C=1.0).fit(holdout, (holdout.x1 > 0).astype(int))
        model_c = run.output(ens, name=ROOT_NAME, save=True)
        run.log_metrics({"auc": 0.802, "uplift_at_10pct": 0.037})
    erase(tracker.store, marketing_a.id, reason="GDPR art. 17 request #4711 from the vendor")
    tracker.close()
    models = [m for m in (model_a, model_b, model_c) if isinstance(m, Model)]
    assert len(models) == 3
    return Pipeline(
        str(store_dir) + "/",
        models[2],
        models,
        {
            MODEL_NAMES[0]: {"train_accuracy": 0.91, "auc": 0.874, "brier": 0.121},
            MODEL_NAMES[1]: {"r2": 0.66, "mae_eur": 41.5},
            ROOT_NAME: {"auc": 0.802, "uplift_at_10pct": 0.037},
        },
    )


def write_report(p: Pipeline, out: Path) -> Path:
    """``provenance audit ROOT --out OUT --quick`` on the pipeline's store."""
    assert main(["audit", p.root.id, "--out", str(out), "--quick", "--store", p.store_path]) == 0
    return out


@pytest.fixture(scope="module")
def realistic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Pipeline, Path]:
    workdir = tmp_path_factory.mktemp("audit-html")
    p = build_pipeline(workdir)
    return p, write_report(p, workdir / "report.html")


# --- reading the page back ----------------------------------------------------------------------
class _Tables(HTMLParser):
    """The page's tables as rows of cell texts (``<br>`` and list items as new lines), keyed
    by the ``<h2>`` before each."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._heading: str | None = None
        self._last = ""
        self._rows: list[list[str]] = []
        self._row: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h2":
            self._heading = ""
        elif tag == "table":
            self._rows = self.tables.setdefault(self._last, [])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2" and self._heading is not None:
            self._last, self._heading = self._heading, None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "li" and self._cell is not None:
            self._cell.append("\n")
        elif tag == "tr":
            self._rows.append(self._row)

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading += data
        if self._cell is not None:
            self._cell.append(data)


def tables(page: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def svg_boxes(svg: str) -> dict[str, tuple[float, float, float, float]]:
    """``{node id: (x, y, width, height)}`` of every box of an SVG drawing."""
    found = re.findall(
        r'<g class="node [^"]*" data-node-id="([^"]+)">.*?<rect x="([\d.]+)" y="([\d.]+)" '
        r'width="([\d.]+)" height="([\d.]+)"',
        svg,
        flags=re.S,
    )
    return {html.unescape(i): (float(x), float(y), float(w), float(h)) for i, x, y, w, h in found}


def svg_size(svg: str) -> tuple[float, float, float, float]:
    """(viewBox x, y, width, height) of an ``<svg>``; its width/height attributes agree."""
    m = re.search(r'<svg [^>]*width="(\d+)" height="(\d+)" viewBox="([\d. -]+)"', svg)
    assert m is not None, svg[:300]
    x, y, w, h = (float(v) for v in m.group(3).split())
    assert (w, h) == (float(m.group(1)), float(m.group(2)))
    return x, y, w, h


def data_flow(graph: LineageGraph) -> set[tuple[str, str]]:
    """(from, to) of the data-flow edges, straight from the edge types: an input flows into
    its transform, a model into the run that used it, a transform into what it produced."""
    flow = set()
    for e in graph.edges:
        if e.type == "PRODUCED":
            flow.add((e.source, e.target))
        elif e.type in ("USED", "USED_MODEL"):
            flow.add((e.target, e.source))
    return {(u, v) for u, v in flow if u != v}


# --- the diagram, from real stores on both backends ---------------------------------------------
def test_diagram_flows_downwards_within_the_page_width(store: LineageStore) -> None:
    g = pipeline(store)
    graph = store.traverse(g["summary"].id, Direction.UP)
    svg = to_svg(graph)
    _, _, width, height = svg_size(svg)
    boxes = svg_boxes(svg)
    shown = {n.id for n in graph.nodes if n.node_type != "CodeVersion"}
    assert set(boxes) == shown  # every node but the code version, once
    assert width <= 820
    for x, y, w, h in boxes.values():
        assert x >= 0 and x + w <= width and y >= 0 and y + h <= height
    # Every data-flow edge points down the page: the target's box starts below the source's.
    flow = {(u, v) for u, v in data_flow(graph) if u in shown and v in shown}
    # summary <- summarize <- report <- report(op) <- preds <- infer <- ext, churn <- train ...
    assert (g["churn"].id, g["infer"].id) in flow and len(flow) == 14
    for u, v in flow:
        assert boxes[v][1] >= boxes[u][1] + boxes[u][3], (u, v)
    assert svg.count("<path") == 1 + len(flow)  # the arrow head, then one path per edge
    roots = re.findall(r'<g class="node ([a-z]+) root" data-node-id="([^"]+)"', svg)
    assert roots == [("artifact", g["summary"].id)]


def test_a_wide_layer_wraps_onto_rows(store: LineageStore) -> None:
    from tests.scenarios import _write, art, transform

    inputs = [art(f"input_table_number_{i:02d}_with_a_long_name") for i in range(11)]
    out = art("combined")
    _write(store, [transform("combine", inputs, [out])])
    graph = store.traverse(out.id, Direction.UP)
    svg = to_svg(graph)
    _, _, width, _ = svg_size(svg)
    boxes = svg_boxes(svg)
    # 11 sources, four to a row: rows of 4, 4 and 3, then combine and its output below.
    rows = sorted({boxes[a.id][1] for a in inputs})
    assert len(rows) == 3
    assert sorted(sum(1 for a in inputs if boxes[a.id][1] == y) for y in rows) == [3, 4, 4]
    assert width <= 820 and all(x + w <= width for x, _, w, _ in boxes.values())
    assert min(boxes[t.id][1] for t in graph.transforms) > rows[-1]


def test_bands_cut_between_rows(store: LineageStore) -> None:
    from tests.scenarios import diamond_lattice

    diamond_lattice(store, 12)
    graph = store.traverse(art_id("lattice-top"), Direction.UP)
    bands = to_svg_bands(graph, max_height=500)
    assert len(bands) > 2
    whole = svg_size(to_svg(graph))
    seen: dict[str, int] = {}
    bottom = 0.0
    for band in bands:
        _, y, width, h = svg_size(band)
        assert h <= 500 and width == whole[2]
        assert y == bottom  # stacked, the bands are the whole drawing, nothing missing
        bottom = y + h
        for nid, (_, by, _, bh) in svg_boxes(band).items():
            seen[nid] = seen.get(nid, 0) + 1
            assert y <= by and by + bh <= y + h, nid  # no box cut across a band edge
    assert bottom == whole[3]
    assert seen == {n.id: 1 for n in graph.nodes if n.node_type != "CodeVersion"}
    # One arrow head per edge in all: where it ends, not where a band cuts it.
    flow = {(u, v) for u, v in data_flow(graph) if u in seen and v in seen}
    assert len(flow) == 12 * 2 * 3 + 3  # two mixes a level (2 in, 1 out), then the merge
    assert sum(b.count("marker-end=") for b in bands) == len(flow)


def test_a_cycle_is_drawn(store: LineageStore) -> None:
    from tests.scenarios import _write, art, transform

    a, b = art("cycle-a"), art("cycle-b")
    _write(store, [transform("forward", [a], [b]), transform("back", [b], [a])])
    graph = store.traverse(a.id, Direction.UP)
    svg = to_svg(graph)
    assert set(svg_boxes(svg)) == {a.id, b.id, *(t.id for t in graph.transforms)}
    assert svg.count("marker-end=") == len(data_flow(graph)) == 4


def art_id(label: str) -> str:
    from tests.scenarios import art

    return art(label).id


def test_long_labels_wrap_then_clip(store: LineageStore) -> None:
    from tests.scenarios import LONG_NAME, long_values

    long_values(store)
    graph = store.traverse(art_id("long-out"), Direction.UP)
    svg = to_svg(graph)
    g = re.search(r'<g class="node artifact"[^>]*>.*?</g>', svg, flags=re.S)
    src = [m for m in re.findall(r"<g class=.*?</g>", svg, flags=re.S) if "warehouse/" in m]
    assert g is not None and len(src) == 2  # the long name and its twin
    for box in src:
        bold = re.findall(r'<text [^>]*font-weight="bold"[^>]*>([^<]*)</text>', box)
        assert len(bold) == 2 and all(len(html.unescape(t)) <= 22 for t in bold)
        assert html.unescape(bold[1]).endswith("…")
    assert html.escape(LONG_NAME) in "".join(src)  # the full name is in a tooltip


# --- the page's content ---------------------------------------------------------------------------
def test_the_page_shows_models_digests_and_escapes(realistic: tuple[Pipeline, Path]) -> None:
    import sklearn

    p, out = realistic
    page = out.read_text(encoding="utf-8")
    found = tables(page)
    report = audit(open_sqlite(p), p.root.id, check_reproducibility=False)
    assert len(report.graph.nodes) >= 15
    # Names are user input: shown literally, never as markup.
    assert html.escape(HOSTILE) in page and HOSTILE not in page
    assert "<script" not in page and "src=" not in page and "<link" not in page
    # A PII source's column values are in the report's graph (its statistics), not the page.
    assert PLANTED in report.model_dump_json() and PLANTED not in page
    # Digests: 12 hex digits, the full digest in the tooltip and the <details>.
    for s in report.sources:
        short = s.id.split(":", 1)[1][:12]
        assert f'<summary title="{s.id}">{short}</summary><code>{s.id}</code>' in page
    # Models: framework and version, where saved, and what each run measured, by hand.
    models = found["Models (3)"]
    assert models[0] == ["name", "digest", "framework", "saved at", "metrics"]
    by_name = {row[0].split("\n")[0]: row for row in models[1:]}
    assert set(by_name) == set(MODEL_NAMES)
    for m in p.models:
        row = by_name[m.name]
        assert row[1].startswith(m.id.split(":", 1)[1][:12]) and row[1].endswith(m.id)
        assert row[2].split("\n")[0] == f"sklearn {sklearn.__version__}"
        assert m.uri is not None and row[3] == m.uri
        shown = {k: float(v) for k, v in re.findall(r"(\w+) = ([-\d.e]+)", row[4])}
        assert shown == p.metrics[m.name], m.name
    # The audited model was trained on an erased source: that comes first.
    body = page.split("<body>", 1)[1].lstrip()
    assert body.startswith('<section class="alert" role="alert">')
    banner = found["Trained on erased data: must retrain"]
    assert [r[0] for r in banner[1:]] == [ERASED]
    assert banner[1][3] == "GDPR art. 17 request #4711 from the vendor"


def open_sqlite(p: Pipeline) -> LineageStore:
    from provenance.store import open_store

    return open_store(p.store_path)


def test_erased_training_data_comes_first(store: LineageStore) -> None:
    g = pipeline(store)
    erase(store, g["users"].id, reason="art. 17 request <#12>")
    # churn was trained on clean <- joined <- users: a model trained on erased data.
    page = audit_html(audit(store, g["churn"].id, check_reproducibility=False))
    body = page.split("<body>", 1)[1].lstrip()
    assert body.startswith('<section class="alert" role="alert">')
    banner = tables(page)["Trained on erased data: must retrain"]
    assert [(r[0], r[3]) for r in banner[1:]] == [("users", "art. 17 request <#12>")]
    assert "art. 17 request &lt;#12&gt;" in page
    # clean (the artifact) holds users' rows with no model in between: rebuilt, not retrained.
    clean = next(
        n for n in store.traverse(g["churn"].id, Direction.UP).artifacts if n.name == "clean"
    )
    page = audit_html(audit(store, clean.id, check_reproducibility=False))
    assert "<h2>Derived from erased data: must be rebuilt</h2>" in page
    assert "must retrain" not in page.split("</section>", 1)[0]
    # events was not erased, and nothing it was derived from: no banner at all.
    page = audit_html(audit(store, g["events"].id, check_reproducibility=False))
    assert '<section class="alert"' not in page


# --- in headless Chromium -----------------------------------------------------------------------
#: Every element's box against the viewport, the scroll boxes, the diagram's boxes and text.
MEASURE = """() => {
    const vw = document.documentElement.clientWidth;
    const name = el => el.tagName.toLowerCase() + ' ' + (el.textContent || '').trim().slice(0, 40);
    const past = [], scrollers = [], spill = [];
    for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        if (r.right > vw + 0.5 || r.left < -0.5) past.push(name(el) + ` ${r.left}..${r.right}`);
        const s = getComputedStyle(el);
        if (['auto', 'scroll'].includes(s.overflowX) && el.scrollWidth > el.clientWidth + 1)
            scrollers.push(name(el));
    }
    const boxes = [...document.querySelectorAll('svg g.node')].map(g => {
        const box = g.querySelector('rect').getBoundingClientRect();
        for (const t of g.querySelectorAll('text')) {
            const r = t.getBoundingClientRect();
            if (r.right > box.right - 1 || r.left < box.left) spill.push(t.textContent);
        }
        return {id: g.dataset.nodeId, root: g.classList.contains('root'),
                left: box.left, right: box.right, top: box.top + scrollY, height: box.height};
    });
    const lines = [...document.querySelectorAll('details.digest summary')].map(s => {
        const range = document.createRange();
        range.selectNodeContents(s);
        return range.getClientRects().length;
    });
    return {viewport: vw, scrollWidth: document.documentElement.scrollWidth, past, scrollers,
            spill, boxes, summaryLines: lines, pageHeight: document.documentElement.scrollHeight};
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium (Debian's), through Playwright."""
    path = shutil.which("chromium")
    if path is None:
        _unavailable("no `chromium` on PATH (Debian: apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the `playwright` Python package is not installed")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def measure(browser: Any, page_path: Path, width: int, media: str = "screen") -> dict[str, Any]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.emulate_media(media=media)
        page.goto(page_path.as_uri())
        result: dict[str, Any] = page.evaluate(MEASURE)
        return result
    finally:
        page.close()


def assert_fits(m: dict[str, Any], width: int) -> None:
    assert m["viewport"] <= width
    assert m["scrollWidth"] <= m["viewport"], m["past"][:10]
    assert m["past"] == [] and m["scrollers"] == []
    assert m["spill"] == []  # no label runs out of its box


@pytest.mark.browser
def test_fits_a_1280_screen(browser: Any, realistic: tuple[Pipeline, Path]) -> None:
    p, out = realistic
    m = measure(browser, out, SCREEN)
    assert_fits(m, SCREEN)
    roots = [b for b in m["boxes"] if b["root"]]
    assert [b["id"] for b in roots] == [p.root.id]
    (root,) = roots
    assert root["left"] >= 0 and root["right"] <= m["viewport"]
    assert root["top"] > 0 and root["top"] + root["height"] <= m["pageHeight"]
    # Every digest summary is one line (12 hex digits), never wrapped down a column.
    assert m["summaryLines"] and set(m["summaryLines"]) == {1}


@pytest.mark.browser
def test_fits_an_a4_page_in_print_layout(browser: Any, realistic: tuple[Pipeline, Path]) -> None:
    # A4 less the report's 14 mm margins, in CSS px (96 per inch): (210 - 28) / 25.4 * 96.
    width = int((210 - 2 * MARGIN_MM) / 25.4 * 96)
    m = measure(browser, realistic[1], width, media="print")
    assert_fits(m, width)
    assert set(m["summaryLines"]) == {1}


@pytest.mark.browser
def test_a_digest_is_a_click_away_and_copyable(
    browser: Any, realistic: tuple[Pipeline, Path]
) -> None:
    out = realistic[1]
    page = browser.new_page(viewport={"width": SCREEN, "height": 900})
    try:
        page.goto(out.as_uri())
        summary = page.locator("table details.digest summary").first
        full = summary.get_attribute("title")
        assert full is not None and full.startswith("blake3:") and len(full) == 71
        assert summary.inner_text().strip() == full[7:19]
        code = page.locator("table details.digest code").first
        assert not code.is_visible()
        summary.click()
        assert code.is_visible() and code.inner_text() == full
        code.click()  # one click selects the whole digest, ready to copy
        assert page.evaluate("getSelection().toString()") == full
        box = code.bounding_box()
        assert box is not None and box["x"] + box["width"] <= SCREEN
        assert page.evaluate("document.documentElement.scrollWidth") <= SCREEN
        # The hostile name shows literally and makes no markup.
        assert HOSTILE in page.inner_text("body")
        assert page.evaluate(
            "[...document.querySelectorAll('b')].every(b => b.textContent !== 'users')"
        )
        first = page.evaluate("document.body.firstElementChild.querySelector('h2').textContent")
        assert first == "Trained on erased data: must retrain"
    finally:
        page.close()


@pytest.mark.browser
def test_extreme_names_still_fit(browser: Any, tmp_path: Path) -> None:
    from provenance.store import SQLiteStore
    from tests.scenarios import long_values

    s = SQLiteStore(f"{tmp_path}/lineage.sqlite")
    long_values(s)  # 10-40 KB names, uris, kinds and operations, CJK and emoji
    out = tmp_path / "long.html"
    out.write_text(audit_html(audit(s, art_id("long-out"), check_reproducibility=False)))
    s.close()
    assert_fits(measure(browser, out, SCREEN), SCREEN)


# --- printed --------------------------------------------------------------------------------------
def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        _unavailable(f"no `{name}` on PATH (Debian: apt-get install -y {package})")
    assert path is not None
    return path


def grey_pages(pdf: Path, dpi: int) -> list[np.ndarray]:
    """Every page of ``pdf`` as a greyscale array (pdftoppm's PGM output, 0 = black)."""
    prefix = pdf.with_suffix("")
    subprocess.run(
        [_tool("pdftoppm", "poppler-utils"), "-r", str(dpi), "-gray", str(pdf), str(prefix)],
        check=True,
        timeout=120,
    )
    pages = []
    for pgm in sorted(pdf.parent.glob(prefix.name + "-*.pgm")):
        data = pgm.read_bytes()
        magic, w, h, maxval, pixels = data.split(maxsplit=4)
        assert magic == b"P5" and maxval == b"255"
        pages.append(np.frombuffer(pixels, np.uint8).reshape(int(h), int(w)))
    return pages


@pytest.mark.browser
def test_prints_on_a4_with_nothing_cut(realistic: tuple[Pipeline, Path], tmp_path: Path) -> None:
    out = realistic[1]
    chromium = _tool("chromium", "chromium")
    pdf = tmp_path / "report.pdf"
    subprocess.run(
        [chromium, *CHROMIUM_ARGS, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", out.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    info = subprocess.run(
        [_tool("pdfinfo", "poppler-utils"), str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert size is not None
    assert abs(float(size.group(1)) - A4_PT[0]) < 2 and abs(float(size.group(2)) - A4_PT[1]) < 2
    pages = grey_pages(pdf, PDF_DPI)
    assert len(pages) >= 3
    margin = MARGIN_MM / 25.4 * PDF_DPI
    for i, px in enumerate(pages, 1):
        h, w = px.shape
        ink = np.argwhere(px < 250)  # (row, column) of every non-white pixel
        assert len(ink), f"page {i} is blank"
        top, left = ink.min(axis=0)
        bottom, right = ink.max(axis=0)
        # All ink inside the page's margins: nothing ran off the right or bottom edge.
        assert left >= margin - 1.5 and right <= w - margin + 1.5, (i, left, right, w)
        assert top >= margin - 1.5 and bottom <= h - margin + 1.5, (i, top, bottom, h)
    text = subprocess.run(
        [_tool("pdftotext", "poppler-utils"), str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    flat = re.sub(r"\s+", "", text)  # long names wrap at their underscores
    for name in [
        *MODEL_NAMES,
        HOSTILE,
        ERASED,
        "Trainedonerased data:mustretrain".replace(" ", ""),
    ]:
        assert name in flat, name
    assert text.index("Trained on erased data") < text.index("Lineage audit")
