"""The entrypoint of a code version: written as ``module:qualname``, read back to re-check it.

Written by :func:`~provenance.capture.capture_code_version` (:func:`format_entrypoint`):
``module:qualname`` of the function (or of the calling frame's code), where a function of a
``__main__`` script is named by the script's path: relative to the repository root when in
one (``scripts/train.py:main``), else absolute (``/home/me/train.py:main``), so verify finds
the file again and re-checks its source digest. Code that is not a function of its own
has a qualname in angle brackets: ``<module>`` for module level, ``f.<locals>.g`` for nested
functions, ``<lambda>``.

Read back by verify and replay: :func:`parse_entrypoint` splits it, :func:`resolve_entrypoint`
imports the object a module-level entrypoint names, and :func:`entrypoint_code` finds what to
re-digest for any entrypoint (the function, or the code object compiled from its file without
executing it).

Example:
    >>> parse_entrypoint("scripts/train.py:main")
    ('scripts/train.py', 'main')
    >>> resolve_entrypoint("json:dumps").__name__
    'dumps'
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from pathlib import Path
from types import CodeType, FunctionType
from typing import Any

from provenance.errors import ProvenanceError

__all__ = [
    "entrypoint_code",
    "format_entrypoint",
    "is_script",
    "module_of",
    "parse_entrypoint",
    "resolve_entrypoint",
    "script_entrypoint",
]


# --- writing -----------------------------------------------------------------------------------
def module_of(target: Any) -> str | None:
    """The module a function, class or callable object was defined in (None for code objects).

    Example:
        >>> import json
        >>> module_of(json.dumps)
        'json'
    """
    if isinstance(target, CodeType):
        return None
    module = getattr(target, "__module__", None)
    if module is None and not isinstance(target, FunctionType | type):
        module = type(target).__module__
    return module if isinstance(module, str) else None


def _qualname(target: Any) -> str:
    if isinstance(target, CodeType):
        return target.co_qualname
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", None)
    return str(name) if name else type(target).__qualname__


def _script_name(filename: str | None, root: str | None) -> str:
    """A script's path relative to ``root`` when inside it, else absolute (``__main__`` when
    there is no file)."""
    if not filename or filename.startswith("<"):
        return "__main__"
    path = os.path.realpath(filename)
    if root is not None:
        try:
            return Path(path).relative_to(root).as_posix()
        except ValueError:
            pass
    return Path(path).as_posix()


def format_entrypoint(target: Any, module: str | None, script: str | None, root: str | None) -> str:
    """The ``module:qualname`` of ``target`` (a function, class, callable or code object).

    ``module`` is where it was defined; when that is None or ``__main__``, the script file
    (``script``, else the ``__main__`` module's file) names it instead, relative to the
    repository ``root`` when inside it.

    Example:
        >>> import json
        >>> format_entrypoint(json.dumps, "json", None, None)
        'json:dumps'
        >>> format_entrypoint(json.dumps.__code__, "__main__", "/repo/train.py", "/repo")
        'train.py:dumps'
    """
    qual = _qualname(target)
    if module is not None and module != "__main__":
        return f"{module}:{qual}"
    if module == "__main__" and not script:
        script = getattr(sys.modules.get("__main__"), "__file__", None)
    return f"{_script_name(script, root)}:{qual}"


def script_entrypoint(entrypoint: str, script: str | None, root: str | None) -> str:
    """``entrypoint`` with a ``__main__`` module part replaced by the script's path (as
    :func:`format_entrypoint` writes it), when the script file is known; else unchanged.

    Example:
        >>> script_entrypoint("__main__:main", "/repo/jobs/train.py", "/repo")
        'jobs/train.py:main'
        >>> script_entrypoint("__main__:main", "/tmp/x/train.py", None)
        '/tmp/x/train.py:main'
        >>> script_entrypoint("pkg.mod:step", "/repo/pkg/mod.py", "/repo")
        'pkg.mod:step'
    """
    module, sep, qual = entrypoint.partition(":")
    if module != "__main__" or not sep or not script or script.startswith("<"):
        return entrypoint
    return f"{_script_name(script, root)}:{qual}"


# --- reading -----------------------------------------------------------------------------------
def parse_entrypoint(entrypoint: str) -> tuple[str, str]:
    """``(module, qualname)`` of an entrypoint; :class:`ProvenanceError` when malformed.

    Example:
        >>> parse_entrypoint("pkg.mod:Cls.method")
        ('pkg.mod', 'Cls.method')
        >>> parse_entrypoint("nocolon")
        Traceback (most recent call last):
        ...
        provenance.errors.ProvenanceError: entrypoint 'nocolon' is not of the form module:qualname
    """
    module, sep, qual = entrypoint.partition(":")
    if not sep or not module or not qual:
        raise ProvenanceError(f"entrypoint {entrypoint!r} is not of the form module:qualname")
    return module, qual


def is_script(module: str) -> bool:
    """True when an entrypoint's module part names a script (a path, or ``__main__``).

    Example:
        >>> is_script("scripts/train.py"), is_script("__main__"), is_script("pkg.mod")
        (True, True, False)
    """
    return module == "__main__" or module.endswith(".py") or "/" in module


def resolve_entrypoint(entrypoint: str) -> Any:
    """Import ``module:qualname`` and return the object it names.

    Raises :class:`ProvenanceError` (with the reason) when it is a script path, a nested
    function, a module-level block, or cannot be imported.

    Example:
        >>> resolve_entrypoint("json:dumps").__name__
        'dumps'
    """
    module, qual = parse_entrypoint(entrypoint)
    if is_script(module):
        raise ProvenanceError(f"entrypoint {entrypoint!r} is a script, not an importable module")
    if "<" in qual:
        raise ProvenanceError(
            f"entrypoint {entrypoint!r} is not a module-level function "
            "(a `with tracker.run` block, a nested function or a lambda)"
        )
    try:
        obj: Any = importlib.import_module(module)
    except Exception as exc:  # import errors of user code come in every type
        raise ProvenanceError(f"cannot import {module!r}: {type(exc).__name__}: {exc}") from exc
    for part in qual.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise ProvenanceError(f"{module!r} has no {qual!r} any more") from exc
    return obj


def _find_code(code: CodeType, qualname: str) -> CodeType | None:
    """The code object named ``qualname`` nested in ``code`` (depth first), or None."""
    for const in code.co_consts:
        if isinstance(const, CodeType):
            if const.co_qualname == qualname:
                return const
            found = _find_code(const, qualname)
            if found is not None:
                return found
    return None


def _compile_file(path: Path) -> CodeType:
    try:
        return compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
    except (OSError, SyntaxError, ValueError) as exc:
        raise ProvenanceError(f"cannot read script {path}: {exc}") from exc


def _module_code(module: str, repo_root: str | None) -> CodeType:
    """The compiled (not executed) code of a module or script named by an entrypoint."""
    if is_script(module):
        path = Path(module)
        if not path.is_absolute():
            if repo_root is None:
                raise ProvenanceError(f"script {module!r}: no repository recorded to find it in")
            path = Path(repo_root) / module
        return _compile_file(path)
    try:
        spec = importlib.util.find_spec(module)
    except Exception as exc:  # parent packages run on import; their errors come in every type
        raise ProvenanceError(f"cannot import {module!r}: {type(exc).__name__}: {exc}") from exc
    if spec is None:
        raise ProvenanceError(f"cannot import {module!r}: no such module")
    origin = spec.origin
    if origin and origin.endswith(".py") and Path(origin).is_file():
        return _compile_file(Path(origin))
    get_code = getattr(spec.loader, "get_code", None)
    try:
        code = get_code(module) if get_code is not None else None
    except Exception as exc:  # a loader's own errors
        raise ProvenanceError(f"cannot read module {module!r}: {exc}") from exc
    if not isinstance(code, CodeType):
        raise ProvenanceError(f"cannot find the source of module {module!r}")
    return code


def entrypoint_code(entrypoint: str, repo_root: str | None) -> Any:
    """What to re-digest for ``entrypoint``: the function itself when it is module-level
    (imported), else the code object of the block's function (or of the module / script for
    module-level code), compiled from its file without executing it. Relative script paths
    are looked up under ``repo_root``.

    Example:
        >>> entrypoint_code("json:<module>", None).co_name
        '<module>'
        >>> entrypoint_code("__main__:main", None)
        Traceback (most recent call last):
        ...
        provenance.errors.ProvenanceError: entrypoint '__main__:main' names no file to re-read
    """
    module, qual = parse_entrypoint(entrypoint)
    if "<" not in qual and not is_script(module):
        return resolve_entrypoint(entrypoint)
    if module == "__main__":
        raise ProvenanceError(f"entrypoint {entrypoint!r} names no file to re-read")
    code = _module_code(module, repo_root)
    if qual == "<module>":
        return code
    found = _find_code(code, qual)
    if found is None:
        raise ProvenanceError(f"{module!r} has no {qual!r} any more")
    return found
