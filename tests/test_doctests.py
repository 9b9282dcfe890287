"""Every runnable example in the package's docstrings runs and passes."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import provenance

MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(provenance.__path__, prefix="provenance.")
    if not m.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # examples that default to ./.provenance/ write here
    monkeypatch.delenv("PROVENANCE_STORE", raising=False)
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_every_public_module_has_examples() -> None:
    """Modules with public functions carry at least one runnable example."""
    finder = doctest.DocTestFinder()
    missing = []
    for name in MODULES:
        module = importlib.import_module(name)
        if name.split(".")[-1].startswith("_"):
            continue
        examples = sum(len(t.examples) for t in finder.find(module))
        if examples == 0:
            missing.append(name)
    assert not missing, f"modules without a docstring example: {missing}"
