#!/usr/bin/env bash
# Regenerate docs/neo4j-browser-demo.png, the README's picture of Neo4j Browser drawing the
# demo's lineage: runs tests/test_browser.py (a local Neo4j of its own, headless Chromium)
# and, once it passed, copies its screenshot there. The test itself never writes into the
# repository. Needs what the test needs: Java 17 (Maven is fetched when missing), Debian's
# `chromium`, and the dev extra (./scripts/test.sh sets all of that up).
#   ./scripts/browser_screenshot.sh              writes docs/neo4j-browser-demo.png
#   ./scripts/browser_screenshot.sh OUT.png      writes OUT.png instead
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-docs/neo4j-browser-demo.png}")"
PY=".venv/bin/python"
[ -x "$PY" ] || PY="${PYTHON:-python3}"
# CI=true: no Neo4j or no Chromium is an error here, not a skip.
PROVENANCE_BROWSER_SCREENSHOT="$out" PROVENANCE_TEST_NEO4J=local CI=true \
  "$PY" -m pytest -q tests/test_browser.py
echo "wrote $out"
