"""CLI start-up stays cheap: what `provenance --help`, `provenance show` and `import provenance`
load (module lists in a fresh interpreter, never timings), and the lazy re-exports still give
the whole public API."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

#: Libraries only some commands need; none may load for `--help` or a plain query.
HEAVY = (
    "pandas",
    "numpy",
    "pyarrow",
    "networkx",
    "jsonschema",
    "fastapi",
    "starlette",
    "uvicorn",
    "neo4j",
    "openlineage",
    "prov",
    "rdflib",
    "polars",
    "torch",
    "markdown_it",  # typer's rich help formatter (rich.markdown): the CLI uses click's plain help
    "sklearn",
)

_PROBE = """
import json, sys
argv = json.loads(sys.argv[1])
if argv is not None:
    from provenance.cli.app import main
    code = main(argv)
else:
    import provenance.cli.app
    code = 0
loaded = sorted({m.split(".")[0] for m in sys.modules})
sys.stderr.write("\\nLOADED " + json.dumps({"code": code, "loaded": loaded}) + "\\n")
"""


def _loaded(argv: list[str] | None, cwd: Path) -> tuple[int, set[str]]:
    """Run ``main(argv)`` (None: only import the CLI) in a fresh interpreter; its exit code and
    the top-level packages it imported."""
    env = {**os.environ, "COLUMNS": "80"}
    env.pop("PROVENANCE_STORE", None)
    r = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(argv)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    line = next(ln for ln in r.stderr.splitlines() if ln.startswith("LOADED "))
    report = json.loads(line.removeprefix("LOADED "))
    return report["code"], set(report["loaded"])


def test_importing_the_cli_loads_no_heavy_library(tmp_path: Path) -> None:
    code, loaded = _loaded(None, tmp_path)
    assert code == 0
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert "pydantic" not in loaded  # not even the models: --help needs none


def test_help_loads_no_heavy_library(tmp_path: Path) -> None:
    code, loaded = _loaded(["--help"], tmp_path)
    assert code == 0
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


@pytest.fixture
def small_store(tmp_path: Path) -> Path:
    from provenance.model import Artifact, Edge, Transform
    from provenance.store import SQLiteStore

    raw = Artifact(id="blake3:" + "a" * 64, name="raw", kind="dataset")
    clean = Artifact(id="blake3:" + "b" * 64, name="clean", kind="dataset")
    step = Transform(id="blake3:" + "c" * 64, operation="clean")
    edges = [
        Edge(source=step.id, target=raw.id, type="USED"),
        Edge(source=step.id, target=clean.id, type="PRODUCED"),
    ]
    with SQLiteStore(tmp_path / ".provenance" / "lineage.sqlite") as store:
        store.write([raw, clean, step], edges)
    return tmp_path


@pytest.mark.parametrize(
    "argv",
    [
        ["show", "bbbb"],
        ["show", "bbbb", "--json"],
        ["ancestry", "bbbb", "--format", "tree"],
        ["descendants", "aaaa"],
        ["ancestry", "bbbb", "--json"],
    ],
)
def test_queries_load_no_heavy_library(small_store: Path, argv: list[str]) -> None:
    code, loaded = _loaded(argv, small_store)
    assert code == 0
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_import_provenance_is_cheap_and_the_api_complete() -> None:
    probe = (
        "import json, sys, provenance; "
        "before = sorted({m.split('.')[0] for m in sys.modules}); "
        "missing = [n for n in provenance.__all__ if getattr(provenance, n, None) is None]; "
        "print(json.dumps({'before': before, 'missing': missing}))"
    )
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    report = json.loads(r.stdout)
    assert not set(report["before"]) & {*HEAVY, "pydantic"}
    assert report["missing"] == []


@pytest.mark.parametrize(
    "package",
    ["provenance", "provenance.hashing", "provenance.analysis", "provenance.render"],
)
def test_lazy_packages_export_every_public_name(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        value = getattr(module, name)
        assert value is not None, name
        assert not isinstance(value, types.ModuleType), name
        assert name in dir(module)
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018


def test_a_function_named_like_its_module_stays_the_function() -> None:
    """``provenance.analysis.audit`` is the function, even once its module is imported."""
    audit_module = importlib.import_module("provenance.analysis.audit")
    loops_module = importlib.import_module("provenance.analysis.loops")
    from provenance import analysis
    from provenance.analysis import audit, loops

    assert callable(audit) and not isinstance(audit, types.ModuleType)
    assert audit is audit_module.audit and sys.modules["provenance.analysis.audit"] is audit_module
    assert loops is analysis.loops is loops_module.loops


def test_server_home_option_names_the_real_variable() -> None:
    from click.testing import CliRunner

    from provenance import neo4j_server
    from provenance.cli.app import app

    out = CliRunner().invoke(app, ["neo4j", "start", "--help"], env={"COLUMNS": "200"}).output
    assert f"${neo4j_server.HOME_ENV}" in out
