"""Environment capture and comparison (provenance.capture.environment)."""

from __future__ import annotations

import importlib.metadata as md
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

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
