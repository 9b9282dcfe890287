"""Lazy re-exports for package ``__init__`` modules (PEP 562), so importing a package costs
only what its caller uses: ``import provenance`` (and the CLI's start-up) does not pull in
numpy, pandas, pyarrow or networkx until a name that needs them is first looked up.

A package lists, per submodule, the public names it re-exports, and calls
:func:`lazy_package` under ``if not TYPE_CHECKING:``, with the same names imported under
``if TYPE_CHECKING:`` so type checkers see real types and catch misspelt names::

    if TYPE_CHECKING:
        from provenance.model import Artifact, Edge
    else:
        lazy_package(__name__, {"provenance.model": ("Artifact", "Edge")})

A name is imported from its submodule on first lookup, then cached in the package's
namespace, so later lookups are plain attribute reads. A name that is also a submodule's
name (``provenance.analysis.audit``, the function defined in ``analysis/audit.py``) keeps
naming the function once the submodule is imported, as it did with eager imports.

Example:
    >>> import sys, types
    >>> sys.modules["demo_pkg"] = types.ModuleType("demo_pkg")
    >>> pkg = lazy_package("demo_pkg", {"math": ("sqrt",)})
    >>> pkg.sqrt(9.0), "sqrt" in vars(pkg), "sqrt" in dir(pkg)
    (3.0, True, True)
    >>> pkg.cbrt
    Traceback (most recent call last):
    ...
    AttributeError: module 'demo_pkg' has no attribute 'cbrt'
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["lazy_package"]

_NAMES = "__lazy_exports__"


class _LazyModule(types.ModuleType):
    """A package whose re-exported names are imported on first lookup."""

    def __getattr__(self, name: str) -> Any:
        module_name = self.__dict__.get(_NAMES, {}).get(name)
        if module_name is None:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module_name), name)
        self.__dict__[name] = value
        return value

    def __dir__(self) -> list[str]:
        return sorted(set(self.__dict__) | set(self.__dict__.get(_NAMES, {})))

    def __setattr__(self, name: str, value: Any) -> None:
        # The import system binds a submodule on its package once the submodule has run. When
        # the package re-exports a name from the submodule of that same name, the name stays
        # bound to the re-exported object, not to the submodule.
        names = self.__dict__.get(_NAMES, {})
        if isinstance(value, types.ModuleType) and names.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


def lazy_package(package: str, exports: Mapping[str, Iterable[str]]) -> types.ModuleType:
    """Make the (already imported) module ``package`` import its re-exports on first lookup;
    ``exports`` maps each submodule to the names the package re-exports from it. Returns the
    module.

    Example:
        >>> import sys, types
        >>> sys.modules["demo_json"] = types.ModuleType("demo_json")
        >>> lazy_package("demo_json", {"json": ("loads", "dumps")}).loads("[1]")
        [1]
    """
    module = sys.modules[package]
    module.__dict__[_NAMES] = {name: sub for sub, listed in exports.items() for name in listed}
    module.__class__ = _LazyModule
    return module
