"""Neo4j Browser, driven by headless Chromium: the demo lineage as the README shows it.

The test records the demo pipeline into the session's Neo4j, opens the Neo4j Browser that
server serves (``http://127.0.0.1:<http_port>/browser/``), logs in, applies
``provenance/cypher/browser-style.grass`` with the ``:style <grass>`` command, sets ``$id``
with ``:param id => '<model v2 id>'``, runs ``provenance/cypher/ancestry.cypher`` and checks
that the graph view draws exactly the nodes the query returns, with the captions and colours
of the style.
It saves its screenshot in its own temporary directory; ``scripts/browser_screenshot.sh`` runs
this test with ``$PROVENANCE_BROWSER_SCREENSHOT`` set to ``docs/neo4j-browser-demo.png`` (the
picture in the README), where it copies the screenshot once the test has passed.

Chromium is Debian's ``chromium`` package (Playwright's own browser download is not used):
without it the test skips, or fails with ``CI=true``. It needs the local server of
:mod:`provenance.neo4j_server` (the only backend that serves the Browser over HTTP).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

from provenance.demo import run_demo
from provenance.store import open_store
from provenance.store.cypher import cypher_dir, load_query
from provenance.tracker import Tracker

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.conftest import Neo4jTestServer

pytestmark = [pytest.mark.neo4j, pytest.mark.browser]

GRASS = cypher_dir() / "browser-style.grass"
#: Where to copy the screenshot once the test passed (scripts/browser_screenshot.sh sets it).
SCREENSHOT_ENV = "PROVENANCE_BROWSER_SCREENSHOT"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1600, "height": 1000}
TIMEOUT_MS = 60_000
# The demo names the ancestry of churn_model v2 must show (v2 trains on v1's predictions).
EXPECTED_NAMES = {
    "churn_model",
    "users.csv",
    "events.csv",
    "new_users.csv",
    "users",
    "events",
    "new_users",
    "user_features",
    "new_user_features",
    "user_features_clean",
    "train",
    "train_augmented",
    "train_embeddings",
    "new_users_embeddings",
    "churn_predictions",
}
EXPECTED_OPERATIONS = {"ingest", "join", "clean", "split", "augment", "embed", "train", "inference"}
# node.<Label> colours of provenance/cypher/browser-style.grass, as the Browser writes them (fill).
LABEL_COLOURS = {
    "Artifact": "#4C8EDA",
    "Model": "#C990C0",
    "Transform": "#F79767",
    "CodeVersion": "#57C7E3",
}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes", "on")


def _unavailable(reason: str) -> NoReturn:
    if _in_ci():
        pytest.fail(f"the browser test is required with CI=true: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def chromium() -> Iterator[str]:
    """Path of Debian's chromium (skip, or fail with CI=true, when it or Playwright is missing)."""
    path = shutil.which("chromium")
    if path is None:
        _unavailable("no `chromium` on PATH (Debian: apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the `playwright` Python package is not installed")
    assert path is not None
    yield path


def _browser_url(server: Neo4jTestServer) -> tuple[str, str]:
    """(Browser URL, bolt host:port) of the session's local server; skip other backends."""
    if server.browser_url is None:
        _unavailable(f"Neo4j Browser is served only by the local server, not {server.how}")
    bolt = server.uri.split("://", 1)[1]
    return server.browser_url, bolt


def _run(page: Page, command: str) -> None:
    """Paste ``command`` into the Browser's main editor and run it.

    Pasted, not typed: typing multi-line text lets the editor auto-indent and auto-close
    braces, which corrupts grass (an extra ``}`` becomes an empty rule that crashes the
    graph view).
    """
    page.evaluate("text => navigator.clipboard.writeText(text)", command)
    page.get_by_test_id("activeEditor").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.press("Control+V")
    page.get_by_test_id("editor-Run").click()


def _shown(name: str, words: set[str]) -> bool:
    """Whether ``name`` is a caption word, whole or cut short by the Browser (``user_fe…``)."""
    if name in words:
        return True
    cut = {w.rstrip(".\u2026") for w in words if w.endswith(("\u2026", "..."))}
    return any(len(c) >= 6 and name.startswith(c) for c in cut)


def _grass_selectors() -> list[str]:
    """The selectors of provenance/cypher/browser-style.grass (``node``, ``node.Artifact``)."""
    return re.findall(r"^([\w.]+)\s*\{", GRASS.read_text(), flags=re.MULTILINE)


def _expected(server: Neo4jTestServer, model_id: str) -> tuple[set[str], dict[str, list[str]]]:
    """The ancestry query's nodes: element ids, and their labels."""
    from neo4j import GraphDatabase

    nodes: dict[str, list[str]] = {}
    with GraphDatabase.driver(server.uri, auth=server.auth) as driver:
        records, _, _ = driver.execute_query(load_query("ancestry"), id=model_id)
    for record in records:
        for key in ("t", "m"):
            nodes[record[key].element_id] = sorted(record[key].labels)
    return set(nodes), nodes


def _drawn(page: Page) -> list[dict[str, Any]]:
    """Each node drawn in the newest graph frame: its caption text and fill colour."""
    drawn: list[dict[str, Any]] = page.evaluate(
        """() => {
            const svg = document.querySelector('[data-testid="frame"] svg.neod3viz');
            if (!svg) return [];
            return [...svg.querySelectorAll('g.node')].map(g => ({
                caption: [...g.querySelectorAll('text')].map(t => t.textContent).join(' '),
                fill: (g.querySelector('circle.b-outline') || g.querySelector('circle'))
                      ?.getAttribute('fill') || '',
            }));
        }"""
    )
    return drawn


def test_browser_draws_demo_ancestry(
    neo4j_clean: Neo4jTestServer, chromium: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    url, bolt = _browser_url(neo4j_clean)
    screenshot = tmp_path / "neo4j-browser-demo.png"
    demo = run_demo(Tracker(open_store(neo4j_clean.store_uri)), tmp_path / "demo")
    model_id = demo.model_v2.id
    expected_ids, labels = _expected(neo4j_clean, model_id)
    assert len(expected_ids) <= 300, "more nodes than the Browser draws (initialNodeDisplay)"
    colours = {LABEL_COLOURS["Model" if "Model" in ls else ls[0]].lower() for ls in labels.values()}

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=chromium,
            args=CHROMIUM_ARGS,
            headless=True,
            viewport=VIEWPORT,  # type: ignore[arg-type]
            permissions=["clipboard-read", "clipboard-write"],
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(url)
            # Log in: Browser 5.24's :server connect form.
            page.get_by_test_id("bolt-scheme-select").select_option("bolt://")
            page.get_by_test_id("boltaddress").fill(bolt)
            page.get_by_test_id("username").fill(neo4j_clean.user)
            page.get_by_test_id("password").fill(neo4j_clean.password)
            page.get_by_test_id("connect").click()
            page.get_by_text("You are connected as user").wait_for()

            # Style: `:style <grass>` replaces the Browser's graph style (kept in localStorage).
            _run(page, ":style " + GRASS.read_text())
            page.wait_for_function(
                "() => (localStorage.getItem('neo4j.grass') || '').includes('node.Transform')"
            )
            grass = json.loads(page.evaluate("localStorage.getItem('neo4j.grass')"))
            assert set(grass) == {*_grass_selectors()}, grass
            assert grass["node.Transform"]["caption"] == "{operation} {short_id}"
            _run(page, f":param id => '{model_id}'")
            page.get_by_text("Successfully set your parameters").wait_for()
            _run(page, load_query("ancestry"))
            page.wait_for_function(
                "n => document.querySelectorAll("
                "'[data-testid=\"frame\"] svg.neod3viz g.node').length >= n",
                arg=len(expected_ids),
            )
            page.wait_for_timeout(3000)  # let the force layout settle before the screenshot
            drawn = _drawn(page)
            # The newest frame first; the page may also hold older frames (none here).
            assert len(drawn) == len(expected_ids), drawn
            captions = " ".join(node["caption"] for node in drawn)
            words = set(re.split(r"\s+", captions))
            missing = {w for w in EXPECTED_NAMES | EXPECTED_OPERATIONS if not _shown(w, words)}
            assert not missing, (missing, sorted(words))
            assert model_id.split(":", 1)[1][:8] in words  # short_id in the caption
            fills = {str(node["fill"]).lower() for node in drawn}
            assert colours <= fills, (colours, fills)

            # For a readable screenshot: the frame fullscreen, the side panel folded away,
            # the drawing zoomed to fit the larger canvas.
            frame = page.get_by_test_id("frame").first
            frame.get_by_title("Fullscreen").first.click()
            frame.get_by_title("Collapse the node properties display").first.click()
            page.wait_for_timeout(1000)
            frame.get_by_label("zoom-to-fit").click()
            page.wait_for_timeout(1500)
            frame.screenshot(path=str(screenshot))
        except Exception:
            # Leave what the Browser showed next to the test's tmp_path, for debugging.
            page.screenshot(path=str(tmp_path / "browser-failure.png"))
            (tmp_path / "browser-failure.html").write_text(page.content())
            print(f"Neo4j Browser page at failure: {tmp_path}/browser-failure.{{png,html}}")
            raise
        finally:
            context.close()
    assert 0 < screenshot.stat().st_size < 1_000_000
    if os.environ.get(SCREENSHOT_ENV):
        target = Path(os.environ[SCREENSHOT_ENV])
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(screenshot, target)
