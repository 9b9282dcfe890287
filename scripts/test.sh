#!/usr/bin/env bash
# Set up everything the tests need, from scratch, and run them (README's test command).
#   ./scripts/test.sh              lint, type-check and the whole suite
#   ./scripts/test.sh -k parity    extra arguments go to pytest
# Needs only Python 3.11+ and Java 17 (for the Neo4j server the tests start; Maven comes from
# the system or is fetched from Maven Central). With CI=true a Neo4j that cannot start fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
echo "== ruff"; .venv/bin/ruff check provenance tests bench
echo "== mypy"; .venv/bin/mypy
echo "== pytest"
exec .venv/bin/python -m pytest "$@"
