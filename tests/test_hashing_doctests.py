"""The runnable examples in provenance.hashing's docstrings run and pass."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "provenance.hashing",
    "provenance.hashing.arrays",
    "provenance.hashing.cache",
    "provenance.hashing.columns",
    "provenance.hashing.core",
    "provenance.hashing.directories",
    "provenance.hashing.dispatch",
    "provenance.hashing.files",
    "provenance.hashing.fingerprints",
    "provenance.hashing.frames",
    "provenance.hashing.progress",
    "provenance.hashing.weights",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
