"""The runnable examples in provenance.capture's docstrings run and pass."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "provenance.capture",
    "provenance.capture.code",
    "provenance.capture.environment",
    "provenance.capture.seeds",
    "provenance.capture.stats",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0, f"no docstring examples in {name}"
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
