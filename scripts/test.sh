#!/usr/bin/env bash
# Set up everything the tests need, from scratch, and run them (README's test command).
#   ./scripts/test.sh              lint, type-check and the whole suite
#   ./scripts/test.sh -k parity    extra arguments go to pytest
# Needs Python 3.11+. The tests start a real Neo4j 5.26 and an s3proxy S3 server (Java 17; their
# jars come from Maven Central, kept under .pytest_cache/d/; Maven is fetched from Maven Central
# when missing) and drive Neo4j Browser in headless Chromium; when Java or Chromium is
# missing and this runs as root on Debian/Ubuntu, they are installed with apt-get.
# The model frameworks are installed too (extras torch, hf, keras: torch, transformers and
# Keras 3, which the tests run on its torch backend): from PyPI, about 3 GB with torch's CUDA
# libraries, 1.5 min from scratch.
# With CI=true any skipped test fails the run (tests/conftest.py), as does a Neo4j or an S3
# server that cannot start.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"

need_apt=()
java_ok() { command -v java >/dev/null && java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'; }
java_ok || need_apt+=(openjdk-17-jre-headless)
command -v chromium >/dev/null || need_apt+=(chromium)
command -v pdftoppm >/dev/null || need_apt+=(poppler-utils)  # the HTML audit's print test
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "warning: missing ${need_apt[*]} (install them; Neo4j/browser tests need them)" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev,torch,hf,keras]'
echo "== ruff"; .venv/bin/ruff check provenance tests bench && .venv/bin/ruff format --check provenance tests bench
echo "== mypy"; .venv/bin/mypy
echo "== pytest"
exec .venv/bin/python -m pytest "$@"
