"""Environment capture and comparison (provenance.capture.environment)."""

from __future__ import annotations

import importlib.metadata as md
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from provenance.capture import (
    capture_environment,
    diff_environments,
    environment_digest,
    installed_packages,
)
from provenance.errors import CaptureError
from provenance.model import Environment

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_fields_and_stable_digest() -> None:
    a = capture_environment()
    b = capture_environment()
    assert a.digest == b.digest and a == b.model_copy(update={})
    assert a.python == platform.python_version()
    assert a.implementation == platform.python_implementation()
    assert a.machine == platform.machine()
    assert a.package_scope == "imported"
    assert a.packages["numpy"] == np.__version__ == md.version("numpy")
    assert a.packages["pandas"] == md.version("pandas")  # imported by provenance.capture
    assert all(k == k.lower() and "_" not in k for k in a.packages)  # PEP 503 names
    assert list(a.packages) == sorted(a.packages)
    assert environment_digest(a.model_dump()) == a.digest
    assert Environment.model_validate_json(a.model_dump_json()) == a


def test_digest_covers_every_field() -> None:
    env = capture_environment()
    base = env.model_dump()
    for field, value in [
        ("python", "0.0.0"),
        ("platform", "elsewhere"),
        ("packages", {**env.packages, "numpy": "0.0.1"}),
        ("gpus", ["NVIDIA Imaginary"]),
        ("cuda", "99.9"),
    ]:
        assert environment_digest({**base, field: value}) != env.digest, field


def test_all_is_a_superset_of_imported() -> None:
    imported = capture_environment("imported")
    everything = capture_environment("all")
    assert set(imported.packages) <= set(everything.packages)
    assert everything.packages["pytest"] == md.version("pytest")
    assert everything.digest != imported.digest
    assert everything.package_scope == "all"
    with pytest.raises(CaptureError):
        installed_packages("some")  # type: ignore[arg-type]


def test_imported_scope_follows_sys_modules() -> None:
    code = (
        "import json\n"
        "from provenance.capture import installed_packages\n"
        "before = installed_packages()\n"
        "import pytest\n"
        "after = installed_packages()\n"
        "import sys\n"
        "print(json.dumps([before, after, 'torch' in sys.modules]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    before, after, torch_imported = json.loads(done.stdout)
    assert "pytest" not in before and after["pytest"] == md.version("pytest")
    assert torch_imported is False  # capture never imports torch


def test_diff_environments_reports_changes() -> None:
    old = capture_environment()
    new_packages = {k: v for k, v in old.packages.items() if k != "pydantic"}
    new_packages["numpy"] = "9.9.9"
    new_packages["brand-new"] = "0.1"
    fields = {
        **old.model_dump(exclude={"digest"}),
        "python": "3.99.0",
        "packages": new_packages,
        "gpus": ["NVIDIA H100"],
    }
    new = Environment(**fields, digest=environment_digest(fields))
    lines = diff_environments(old, new)
    assert f"python {old.python} -> 3.99.0" in lines
    assert f"numpy {old.packages['numpy']} -> 9.9.9" in lines
    assert "brand-new added (0.1)" in lines
    assert f"pydantic removed (was {old.packages['pydantic']})" in lines
    assert "gpus (none) -> ['NVIDIA H100']" in lines or old.gpus
    assert len(lines) == 5 - (1 if old.gpus == ["NVIDIA H100"] else 0)
    assert diff_environments(old, old) == []
    scoped = diff_environments(old, capture_environment("all"))
    assert scoped[0].startswith("package scope imported -> all")


# --- what the run imported -----------------------------------------------------------------
def fake_distribution(site: Path, name: str, version: str, modules: dict[str, str]) -> None:
    """An installed distribution for real: a ``.dist-info`` (METADATA, top_level.txt) and its
    modules, in a directory named site-packages on the child's sys.path."""
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    tops = sorted({m.split("/")[0].removesuffix(".py") for m in modules})
    (info / "top_level.txt").write_text("\n".join(tops) + "\n")
    for rel, text in modules.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text)


def run_child(code: str, pythonpath: list[Path] | None = None) -> Any:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([*map(str, pythonpath or []), str(REPO_ROOT)]),
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_start_up_hooks_are_not_imported_distributions(tmp_path: Path) -> None:
    """A .pth file imports a private module of `hookdist` at start-up (as setuptools'
    distutils-precedence.pth imports `_distutils_hack`): hookdist is not what the program
    imported until one of its own modules is."""
    site_dir = tmp_path / "site-packages"
    fake_distribution(
        site_dir,
        "hookdist",
        "1.0",
        {"_hookdist_shim.py": "ACTIVE = True\n", "hookpub/__init__.py": "V = 1\n"},
    )
    (site_dir / "hookdist-precedence.pth").write_text("import os; __import__('_hookdist_shim')\n")
    code = (
        "import json, site, sys\n"
        f"site.addsitedir({str(site_dir)!r})\n"  # processes the .pth as start-up does
        "from provenance.capture import capture_environment, imported_distributions\n"
        "before = imported_distributions()\n"
        "import hookpub\n"
        "env = capture_environment()\n"
        "print(json.dumps(['_hookdist_shim' in sys.modules, before, env.imported,\n"
        "                  env.packages.get('hookdist')]))\n"
    )
    shim_loaded, before, after, version = run_child(code)
    assert shim_loaded is True
    assert "hookdist" not in before and "numpy" in before
    assert "hookdist" in after and version == "1.0"


_RUN_IMPORTS_LATE = """
import json, sys
from provenance import Tracker
t = Tracker(sys.argv[1] if len(sys.argv) > 1 else {store!r})
with t.run("first", deterministic=True) as run:
    run.output(b"1", name="one")
first = t.store.get(run.transform_id).environment
with t.run("second", deterministic=True) as run:
    import latemod  # imported inside the run
    run.output(latemod.VALUE, name="two")
second = t.store.get(run.transform_id).environment
print(json.dumps([first.model_dump(mode="json"), second.model_dump(mode="json")]))
"""


def test_a_run_records_what_it_imported_when_it_ended(tmp_path: Path) -> None:
    site_dir = tmp_path / "site-packages"
    fake_distribution(site_dir, "latedist", "3.1", {"latemod.py": "VALUE = b'late'\n"})
    first, second = run_child(_RUN_IMPORTS_LATE.format(store=f"{tmp_path}/store/"), [site_dir])
    assert "latedist" not in first["imported"] and "latedist" not in first["packages"]
    assert "latedist" in second["imported"] and second["packages"]["latedist"] == "3.1"
    assert set(second["imported"]) == set(second["packages"])  # the "imported" scope
    assert second["digest"] == environment_digest(second) != first["digest"]


def _env(**fields: object) -> Environment:
    base: dict[str, object] = {
        "python": "3.11.7",
        "implementation": "CPython",
        "platform": "Linux-x",
        "machine": "x86_64",
        "packages": {},
        "package_scope": "all",
    }
    base.update(fields)
    return Environment(**base, digest=environment_digest(base))  # type: ignore[arg-type]


def test_compare_environments_counts_only_what_the_run_imported() -> None:
    from provenance.capture import compare_environments

    run = _env(packages={"used": "1.0", "other": "1.0", "gone": "2.0"}, imported=["used"])
    same = compare_environments(run, _env(packages={"used": "1.0", "other": "1.0", "gone": "2.0"}))
    assert (same.relevant, same.unrelated) == ([], [])
    now = _env(packages={"used": "1.0", "other": "1.1", "new": "0.1"})
    c = compare_environments(run, now)
    assert c.relevant == []
    assert c.unrelated == ["gone removed (was 2.0)", "other 1.0 -> 1.1", "new added (0.1)"]
    c = compare_environments(run, _env(packages={"used": "1.5", "other": "1.0", "gone": "2.0"}))
    assert c.relevant == ["used 1.0 -> 1.5"] and c.unrelated == []
    assert compare_environments(run, _env(packages={})).relevant == ["used removed (was 1.0)"]
    c = compare_environments(run, _env(python="3.12.1", packages=run.packages))
    assert c.relevant == ["python 3.11.7 -> 3.12.1"]


def test_compare_environments_of_an_older_record_compares_every_package() -> None:
    from provenance.capture import compare_environments

    old = _env(packages={"a": "1", "b": "1"}, package_scope="imported")  # no `imported`
    assert old.imported is None and '"imported":' not in old.model_dump_json()
    c = compare_environments(old, _env(packages={"a": "1", "b": "2", "c": "5"}))
    assert c.relevant == ["b 1 -> 2"] and c.unrelated == []


def test_compare_environments_cuda_only_when_both_sides_recorded_it() -> None:
    from provenance.capture import compare_environments

    gpu_run = _env(cuda="13.2", cudnn="91002", gpus=["NVIDIA H100"], imported=[])
    c = compare_environments(gpu_run, _env(imported=[]))  # this process: no torch imported
    assert c.relevant == []
    assert c.unrelated == [
        "cuda 13.2 (recorded) not compared: this process has not imported a CUDA build of torch"
    ]
    assert compare_environments(_env(imported=[]), gpu_run) == compare_environments(
        _env(imported=[]), _env(imported=[])
    )
    other = _env(cuda="12.4", cudnn="90100", gpus=[], imported=[])
    assert compare_environments(gpu_run, other).relevant == [
        "cuda 13.2 -> 12.4",
        "cudnn 91002 -> 90100",
        "gpus ['NVIDIA H100'] -> (none)",
    ]
