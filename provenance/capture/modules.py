"""The project's own source files a piece of code depends on, and where its module came from.

A function's source digest covers the function only; what it calls in the same file (a model
class, a helper) or in the project's other modules is code too. :func:`local_source_files`
records the content digest (:func:`~provenance.hashing.digest_file`) of:

* the file of the code's module (a script's own file), and
* every **local** module it imports, transitively, breadth first, at most
  :data:`MAX_SOURCE_FILES` files in all. The imports are read from each file's syntax tree
  (``import a.b``, ``from . import c``, ``from a import b``; at module level and inside
  functions, ``if TYPE_CHECKING`` blocks included; importing ``a.b`` counts ``a/__init__.py``
  too). A module is found in ``sys.modules`` when it was imported, else on ``sys.path`` (the
  code's import root first) without importing it. *Local* means a ``.py`` file under the
  project root and outside the standard library and the site-packages directories
  (:func:`is_local_file`; a virtual environment inside the project is not the project's).
  The project root is the git repository's root, else the code's import root (the directory
  a script or top-level package was found in). Installed distributions, editable installs
  of other projects included, are the environment's business (their versions), not this
  one's.

Not covered: modules imported by name at run time (``importlib.import_module(name)``,
``__import__``), extension modules (``.so``), data files the code reads, and the files beyond
the first :data:`MAX_SOURCE_FILES` (a :class:`RuntimeWarning` says when that happens).

Each file is named by its path relative to the project root, so a project checked out in two
places records the same files.

:func:`module_origin` says where a module was imported from: its file and the ``sys.path``
entry it was found under (for a script, its directory: what ``python script.py`` puts first
on ``sys.path``). :func:`load_entrypoint` imports a recorded entrypoint's function from
there, or from the script's file for a script, without running the script's ``if __name__ ==
"__main__":`` block.

Example:
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "helpers.py").write_text("K = 2\\n")
    >>> _ = (d / "job.py").write_text("import helpers\\n\\ndef f(x):\\n    return x * helpers.K\\n")
    >>> origin = ModuleOrigin(name=None, file=str((d / "job.py").resolve()),
    ...                       import_root=str(d.resolve()))
    >>> sorted(local_source_files(origin, origin.import_root))
    ['helpers.py', 'job.py']
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import os
import sys
import sysconfig
import warnings
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from provenance.capture.entrypoint import is_script, parse_entrypoint
from provenance.capture.environment import site_directories
from provenance.errors import ProvenanceError
from provenance.hashing.core import digest_blob, digest_json

__all__ = [
    "MAX_SOURCE_FILES",
    "ModuleOrigin",
    "changed_source_files",
    "is_local_file",
    "load_entrypoint",
    "local_source_files",
    "module_origin",
    "source_file_path",
]

#: At most this many local source files are recorded per code version (nearest first).
MAX_SOURCE_FILES = 500


# --- where a module came from --------------------------------------------------------------
@dataclass(frozen=True)
class ModuleOrigin:
    """Where a module was loaded from: its importable ``name`` (None for a script, or a module
    loaded from a file under a name that does not match its path), its ``file`` (a real
    path) and the ``sys.path`` entry it was found under (``import_root``)."""

    name: str | None
    file: str
    import_root: str


def module_origin(namespace: Mapping[str, Any]) -> ModuleOrigin | None:
    """The origin of the module whose globals are ``namespace`` (a function's
    ``__globals__``, a frame's ``f_globals``); None when it has no ``.py`` file (a REPL,
    ``exec``'d code, an extension module).

    Example:
        >>> import json.decoder
        >>> o = module_origin(vars(json.decoder))
        >>> o.name, o.file.endswith("decoder.py"), Path(o.import_root, "json").is_dir()
        ('json.decoder', True, True)
    """
    file = namespace.get("__file__")
    if not isinstance(file, str) or not file.endswith(".py") or not os.path.isfile(file):
        return None
    path = os.path.realpath(file)
    spec = namespace.get("__spec__")
    name = getattr(spec, "name", None) or namespace.get("__name__")
    if not isinstance(name, str) or name == "__main__":
        return ModuleOrigin(name=None, file=path, import_root=os.path.dirname(path))
    parts = name.split(".")
    if os.path.basename(path) == "__init__.py":
        tail = os.path.join(*parts, "__init__.py")
    else:
        tail = os.path.join(*parts[:-1], parts[-1] + ".py")
    if path.endswith(os.sep + tail):
        return ModuleOrigin(name=name, file=path, import_root=path[: -len(tail) - 1])
    return ModuleOrigin(name=None, file=path, import_root=os.path.dirname(path))


# --- which files are the project's own ----------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _system_dirs() -> tuple[str, ...]:
    """The standard library and site-packages directories (real paths, ``/``-terminated)."""
    found: set[str] = set()
    schemes = [sysconfig.get_paths()]
    schemes.append(
        sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_exec_prefix})
    )
    for paths in schemes:
        for key in ("stdlib", "platstdlib", "purelib", "platlib"):
            if paths.get(key):
                found.add(paths[key])
    found.update(site_directories())
    return tuple(sorted({os.path.join(os.path.realpath(d), "") for d in found if d}))


def is_local_file(path: str | os.PathLike[str]) -> bool:
    """True for a ``.py`` file of the project's own: not in the standard library or a
    site-packages directory.

    Example:
        >>> import json, tempfile
        >>> is_local_file(json.__file__), is_local_file(tempfile.mkdtemp() + "/mine.py")
        (False, True)
    """
    return _outside_system(os.path.realpath(os.fspath(path)))


def _outside_system(real: str) -> bool:
    return real.endswith(".py") and not real.startswith(_system_dirs())


# --- the local import closure ---------------------------------------------------------------
def _prefixes(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


_imports_cache: dict[tuple[str, str | None, bool], tuple[str, ...]] = {}


def _imported_names(digest: str, data: bytes, module: str | None, package: bool) -> tuple[str, ...]:
    """The module names a file's import statements name (cached by content digest)."""
    key = (digest, module, package)
    cached = _imports_cache.get(key)
    if cached is None:
        cached = _parse_imports(data, module, package)
        if len(_imports_cache) > 4096:
            _imports_cache.clear()
        _imports_cache[key] = cached
    return cached


def _parse_imports(data: bytes, module: str | None, package: bool) -> tuple[str, ...]:
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError):
        return ()
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                names.extend(_prefixes(alias.name))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                if module is None:
                    continue  # a relative import needs a package (scripts have none)
                parts = module.split(".") if package else module.split(".")[:-1]
                if node.level - 1 >= len(parts):
                    continue  # beyond the top-level package: Python refuses it too
                base_parts = parts[: len(parts) - (node.level - 1)]
                if node.module:
                    base_parts = [*base_parts, *node.module.split(".")]
                base = ".".join(base_parts)
            else:
                base = node.module or ""
            if not base:
                continue
            names.extend(_prefixes(base))
            names.extend(f"{base}.{a.name}" for a in node.names if a.name != "*")
    return tuple(dict.fromkeys(names))


_realpaths: dict[str, str] = {}


def _real(path: str) -> str:
    """``os.path.realpath``, remembered (a capture resolves the same module files again)."""
    real = _realpaths.get(path)
    if real is None:
        if len(_realpaths) > 8192:
            _realpaths.clear()
        real = _realpaths[path] = os.path.realpath(path)
    return real


def _find_file(name: str, search: Sequence[str]) -> str | None:
    """The ``.py`` file of module ``name``: the imported module's, else the first
    ``<last part>.py`` or ``<last part>/__init__.py`` under a directory of ``search`` (the
    import path for a top-level module, the parent package's directory for a submodule),
    found without importing anything."""
    module = sys.modules.get(name)
    if module is not None:
        file = getattr(module, "__file__", None)
        return _real(file) if isinstance(file, str) and file.endswith(".py") else None
    leaf = name.rpartition(".")[2]
    for entry in search:
        for candidate in (
            os.path.join(entry, leaf + ".py"),
            os.path.join(entry, leaf, "__init__.py"),
        ):
            if os.path.isfile(candidate):
                return _real(candidate)
    return None


def _resolve(
    name: str, resolved: dict[str, str | None], search: Sequence[str], root: str
) -> str | None:
    """The local file of module ``name`` (None when it is not a local module: a ``.py`` file
    under ``root``, outside the system directories), with every answer kept in
    ``resolved``: a submodule is looked for in its parent package's directory only, and a
    name under a module that is not a local package is none."""
    if name in resolved:
        return resolved[name]
    parent = name.rpartition(".")[0]
    found: str | None
    if parent:
        parent_file = _resolve(parent, resolved, search, root)
        if parent_file is None or not parent_file.endswith(os.sep + "__init__.py"):
            found = None  # not a local package, or `from module import attribute`
        else:
            found = _find_file(name, [os.path.dirname(parent_file)])
    else:
        found = _find_file(name, search)
    if found is not None and not (found.startswith(root) and _outside_system(found)):
        found = None
    resolved[name] = found
    return found


def _key(path: str, root: str) -> str:
    """A source file's name: relative to ``root`` when under it, else absolute (POSIX)."""
    if path.startswith(os.path.join(root, "")):
        path = path[len(os.path.join(root, "")) :]
    return path.replace(os.sep, "/")


@functools.lru_cache(maxsize=64)
def _warn_truncated(file: str) -> None:
    warnings.warn(
        f"{file} depends on more than {MAX_SOURCE_FILES} local source files: only the first "
        f"{MAX_SOURCE_FILES} are recorded",
        RuntimeWarning,
        stacklevel=4,
    )


def local_source_files(origin: ModuleOrigin, root: str) -> dict[str, str]:
    """``{name: content digest}`` of the origin's file and the local modules it imports,
    transitively (see the module docs), under the project ``root`` (a real path); names
    relative to it (the origin's file by its absolute path if it is not under it).

    Example:
        >>> import pathlib, tempfile
        >>> d = pathlib.Path(tempfile.mkdtemp()).resolve()
        >>> _ = (d / "solo.py").write_text("import json\\n")
        >>> files = local_source_files(ModuleOrigin(None, str(d / "solo.py"), str(d)), str(d))
        >>> list(files)  # json is the standard library's, not the project's
        ['solo.py']
    """
    search = [origin.import_root, *(os.path.realpath(p or os.curdir) for p in sys.path)]
    search = list(dict.fromkeys(search))
    prefix = os.path.join(root, "")
    found: dict[str, str] = {}
    seen = {origin.file}
    queue: deque[tuple[str, str | None]] = deque([(origin.file, origin.name)])
    resolved: dict[str, str | None] = {}
    if origin.name is not None:  # importing a.b.c ran a/__init__.py and a/b/__init__.py
        for parent in _prefixes(origin.name)[:-1]:
            file = _resolve(parent, resolved, search, prefix)
            if file is not None and file not in seen:
                seen.add(file)
                queue.append((file, parent))
    while queue:
        file, name = queue.popleft()
        try:
            with open(file, "rb") as f:
                data = f.read()
        except OSError:
            continue
        digest = digest_blob(data)
        if len(found) >= MAX_SOURCE_FILES:
            _warn_truncated(origin.file)
            break
        found[_key(file, root)] = digest
        package = os.path.basename(file) == "__init__.py"
        for imported in _imported_names(digest, data, name, package):
            target = _resolve(imported, resolved, search, prefix)
            if target is not None and target not in seen:
                seen.add(target)
                queue.append((target, imported))
    return found


def source_file_path(name: str, root: str | None) -> Path:
    """The file a recorded source-file name points to (relative names under ``root``).

    Example:
        >>> source_file_path("pkg/model.py", "/repo").as_posix()
        '/repo/pkg/model.py'
        >>> source_file_path("/elsewhere/lib.py", "/repo").as_posix()
        '/elsewhere/lib.py'
    """
    path = Path(name)
    if not path.is_absolute() and root is not None:
        path = Path(root) / path
    return path


def changed_source_files(files: Mapping[str, str], root: str | None) -> list[tuple[str, str]]:
    """``(name, "changed" | "missing")`` of each recorded source file whose content digest
    differs now or which is gone, in name order; [] when all are as recorded.

    Example:
        >>> import pathlib, tempfile
        >>> from provenance.hashing import digest_file
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (d / "a.py").write_text("A = 1\\n")
        >>> files = {"a.py": digest_file(d / "a.py"), "gone.py": "blake3:" + "0" * 64}
        >>> changed_source_files(files, str(d))
        [('gone.py', 'missing')]
        >>> _ = (d / "a.py").write_text("A = 2\\n")
        >>> changed_source_files(files, str(d))
        [('a.py', 'changed'), ('gone.py', 'missing')]
    """
    out: list[tuple[str, str]] = []
    for name, digest in sorted(files.items()):
        path = source_file_path(name, root)
        try:
            data = path.read_bytes()
        except OSError:
            out.append((name, "missing"))
            continue
        algo = digest.partition(":")[0] or "blake3"
        try:
            current = digest_blob(data, algo)
        except ProvenanceError:
            current = None
        if current != digest:
            out.append((name, "changed"))
    return out


# --- loading a recorded entrypoint again ----------------------------------------------------------
@contextmanager
def _on_sys_path(*entries: str | None) -> Iterator[None]:
    """``entries`` put first on ``sys.path`` for the block (those already there stay)."""
    added = [e for e in dict.fromkeys(entries) if e and e not in sys.path]
    sys.path[:0] = added
    try:
        yield
    finally:
        for entry in added:
            with suppress(ValueError):  # the block may have removed it itself
                sys.path.remove(entry)


def _load_file(path: Path, import_root: str | None) -> ModuleType:
    """Execute ``path`` as a fresh module that is not ``__main__`` (a script's main block does
    not run), with its directory (and ``import_root``) on ``sys.path`` as ``python path``
    would have it."""
    if not path.is_file():
        raise ProvenanceError(f"script {path} is gone (no file at the recorded path)")
    name = "_provenance_replay_" + digest_json(str(path), domain="module-path")[7:23]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ProvenanceError(f"cannot load {path} as a module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses, pickle and typing look a module up by name
    try:
        with _on_sys_path(str(path.parent), import_root):
            spec.loader.exec_module(module)
    except Exception as exc:  # the script's own module-level code may raise anything
        sys.modules.pop(name, None)
        raise ProvenanceError(f"cannot load {path}: {type(exc).__name__}: {exc}") from exc
    return module


def _package_module(path: Path, import_root: str | None) -> ModuleType | None:
    """The module of a file run as ``python -m pkg.mod`` (a package module under its import
    root), imported by its dotted name so its relative imports work; None for a plain
    script, or when that import does not give this file."""
    if import_root is None:
        return None
    try:
        parts = path.relative_to(import_root).with_suffix("").parts
    except ValueError:
        return None
    if len(parts) < 2 or not all(p.isidentifier() for p in parts):
        return None
    try:
        with _on_sys_path(import_root):
            module = importlib.import_module(".".join(parts))
    except Exception:  # not importable that way: loaded from its file instead
        return None
    file = getattr(module, "__file__", None)
    same = isinstance(file, str) and os.path.realpath(file) == os.path.realpath(path)
    return module if same else None


def load_entrypoint(
    entrypoint: str,
    *,
    module_file: str | None = None,
    import_root: str | None = None,
    repo_root: str | None = None,
) -> Any:
    """The object a recorded entrypoint names, loaded from where it was recorded.

    A module (``pkg.mod:fn``) is imported with its recorded ``import_root`` first on
    ``sys.path`` (so no ``PYTHONPATH`` is needed), and when it cannot be imported by name its
    recorded ``module_file`` is loaded instead. A script (``train.py:fn``, a path relative to
    ``repo_root``, or absolute) is loaded from its file as a module that is not ``__main__``:
    its module-level code runs, its ``if __name__ == "__main__":`` block does not (a package
    module run as ``python -m pkg.train`` is imported as ``pkg.train``, with its package). Raises
    :class:`~provenance.errors.ProvenanceError` with the reason when neither works, or for a
    nested function, a lambda or a module-level block (nothing importable to call).

    Example:
        >>> load_entrypoint("json:dumps").__name__
        'dumps'
        >>> import pathlib, tempfile
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> main_block = "if __name__ == '__main__':\\n    raise SystemExit(1)\\n"
        >>> _ = (d / "job.py").write_text("def f(x):\\n    return x + 1\\n\\n" + main_block)
        >>> load_entrypoint(f"{d / 'job.py'}:f")(1)
        2
    """
    module, qual = parse_entrypoint(entrypoint)
    if "<" in qual:
        raise ProvenanceError(
            f"entrypoint {entrypoint!r} is not a module-level function "
            "(a `with tracker.run` block, a nested function or a lambda)"
        )
    obj: Any
    if is_script(module):
        if module == "__main__" and module_file is None:
            raise ProvenanceError(f"entrypoint {entrypoint!r} names no file to load")
        path = Path(module_file) if module_file else source_file_path(module, repo_root)
        if not path.is_absolute():
            raise ProvenanceError(f"script {module!r}: no repository recorded to find it in")
        obj = _package_module(path, import_root) or _load_file(path, import_root)
    else:
        try:
            with _on_sys_path(import_root):
                obj = importlib.import_module(module)
        except Exception as exc:  # import errors of user code come in every type
            if module_file is None or not Path(module_file).is_file():
                where = f" (recorded import root {import_root})" if import_root else ""
                raise ProvenanceError(
                    f"cannot import {module!r}{where}: {type(exc).__name__}: {exc}"
                ) from exc
            obj = _load_file(Path(module_file), import_root)
    for part in qual.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise ProvenanceError(f"{module!r} has no {qual!r} any more") from exc
    return obj
