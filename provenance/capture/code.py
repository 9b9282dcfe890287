"""The code that ran: git commit, branch and dirty-diff digest, the function's source digest
and the digests of the project's own source files it depends on.

:func:`capture_code_version` finds the git repository holding the function's source file (its
directory, not the process's working directory) and records:

* ``git_commit`` / ``git_branch`` (None when HEAD is detached or unborn);
* ``git_dirty``: whether tracked files differ from HEAD or untracked (not ignored) files exist;
* ``diff_digest`` (only when dirty): ``digest_json`` (domain ``code-diff``) of
  ``{"diff": digest_bytes(<git diff HEAD --binary output>), "untracked": [[path, digest],
  ...]}``, where the untracked listing is sorted by repository-relative POSIX path and each
  digest is the file's content id (:func:`~provenance.hashing.digest_file`); an untracked file
  over :data:`UNTRACKED_HASH_LIMIT` bytes is listed by ``size:<n>:mtime_ns:<t>`` instead (so a
  stray data set in the work tree costs a ``stat``, not a read). The diff is produced with every
  output-shaping option pinned (prefixes, algorithm, context, renames, colour, external diff
  drivers, textconv), so user git configuration cannot change the digest. Reverting the work
  tree to HEAD gives back the clean code version, id included.
* ``source_digest``: the digest of the function's source text (``inspect.getsource``,
  dedented; domain ``code-source``); for module-level code (a ``with tracker.run`` block at
  the top of a script), the whole file's text. Where there is no source (a REPL, ``exec``),
  the digest of its code object: bytecode, constants (nested code objects recursively,
  frozensets sorted), names and the Python minor version (domain ``code-object``; bytecode
  differs between Python versions, so such a digest does too).
* ``source_files``: ``{path: content digest}`` of the file of the function's module (a
  script's own file) and of every local module it imports, transitively
  (:func:`~provenance.capture.modules.local_source_files`: paths relative to the project
  root, which is the repository's root when it holds the file, else the import root). So a
  change outside the function (the model class beside it, a helper module, an untracked or
  git-ignored module in a repository) is a new code version, and verify names the file. None
  when the code has no module file of the project's own (a REPL, ``exec``'d code, a library
  function).
* ``module_file`` / ``import_root``: the file the function's module was loaded from and the
  ``sys.path`` entry it was found under (:func:`~provenance.capture.modules.module_origin`),
  so replay can load it again from there.
* ``entrypoint``: ``module:qualname`` of the function, or of the calling frame when no function
  is given. A function of a ``__main__`` script is named by the script's path (relative to
  the repository root when in one, else absolute), e.g. ``scripts/train.py:main`` or
  ``/home/me/train.py:main``, also when the caller passed ``__main__:...``
  (:mod:`provenance.capture.entrypoint` writes it and reads it back). So a plain script
  outside git is recorded by its path and source digest, and verify re-checks both.

The id (:meth:`CodeVersion.make_id`) is made of entrypoint, commit, diff digest, source
digest and, when recorded, the source files: what ran, not where or when.

Cost: one ``git status`` per call (``--no-optional-locks``: it never takes the index lock,
so it is safe beside other git processes) and, only when tracked files changed, one
``git diff``; repository discovery is cached per directory and untracked files' digests per
(path, size, mtime); the local source files are read and digested on every capture (no
cache to go stale: about 10 ms for 100 files). Every git call has a timeout
(:data:`GIT_TIMEOUT_S`); without a git binary, outside a repository, or when git fails, the
capture falls back to the source digest and source files (a :class:`RuntimeWarning` says so
when a repository was found but could not be read).

Example:
    >>> def clean(df):
    ...     return df.dropna()
    >>> cv = capture_code_version(clean)
    >>> cv.entrypoint.endswith(":clean"), cv.id.startswith("blake3:")
    (True, True)
"""

from __future__ import annotations

import functools
import inspect
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import (
    BuiltinFunctionType,
    CodeType,
    FrameType,
    FunctionType,
    MethodDescriptorType,
    MethodType,
)
from typing import Any

from provenance.capture.entrypoint import format_entrypoint, module_of, script_entrypoint
from provenance.capture.modules import is_local_file, local_source_files, module_origin
from provenance.errors import CaptureError, GitCommandError, ProvenanceError
from provenance.hashing.core import digest_bytes, digest_json
from provenance.hashing.files import digest_file
from provenance.model import CodeVersion

__all__ = [
    "GIT_TIMEOUT_S",
    "UNTRACKED_HASH_LIMIT",
    "GitState",
    "capture_code_version",
    "git_state",
    "source_digest",
]

#: Seconds any one git command may take before the capture gives up on git.
GIT_TIMEOUT_S = 10.0
#: Untracked files larger than this are recorded by size and mtime, not content.
UNTRACKED_HASH_LIMIT = 32 * 1024 * 1024

# Environment variables that would point git at another repository than the one asked for.
_GIT_ENV_DROP = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_PREFIX",
    "GIT_EXTERNAL_DIFF",
    "GIT_DIFF_OPTS",
)
# Every option that shapes `git diff` output, pinned.
_DIFF_ARGS = (
    "-c",
    "core.quotepath=off",
    "-c",
    "diff.noprefix=false",
    "-c",
    "diff.mnemonicprefix=false",
    "diff",
    "HEAD",
    "--binary",
    "--full-index",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-renames",
    "--diff-algorithm=myers",
    "--indent-heuristic",
    "--inter-hunk-context=0",
    "-U3",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "--ignore-submodules=none",
    "--",
)
_EMPTY_TREE_SHA1 = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


# --- git ---------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _git_binary() -> str | None:
    return shutil.which("git")


def _git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _GIT_ENV_DROP}
    env["GIT_OPTIONAL_LOCKS"] = "0"
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.setdefault("LC_ALL", "C")
    return env


def _git(cwd: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    git = _git_binary()
    if git is None:
        raise GitCommandError("no git binary on PATH")
    try:
        done = subprocess.run(
            [git, "--no-optional-locks", *args],
            cwd=cwd,
            env=_git_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise GitCommandError(f"git {args[0]} timed out after {GIT_TIMEOUT_S}s") from exc
    except OSError as exc:
        raise GitCommandError(f"git could not run: {exc}") from exc
    if check and done.returncode != 0:
        msg = done.stderr.decode(errors="replace").strip().splitlines()
        raise GitCommandError(f"git {args[0]} failed: {msg[-1] if msg else done.returncode}")
    return done


_repo_cache: dict[str, str | None] = {}
_repo_lock = threading.Lock()


def _repo_root(directory: str) -> str | None:
    """The work-tree root holding ``directory``, or None (cached per directory)."""
    with _repo_lock:
        if directory in _repo_cache:
            return _repo_cache[directory]
    if _git_binary() is None or not os.path.isdir(directory):
        return None
    try:
        done = _git(directory, "rev-parse", "--show-toplevel", check=False)
    except GitCommandError:
        return None
    root = done.stdout.decode(errors="surrogateescape").strip() if done.returncode == 0 else ""
    result = os.path.realpath(root) if root else None
    with _repo_lock:
        _repo_cache[directory] = result
    return result


@dataclass(frozen=True)
class GitState:
    """What git says about a work tree: HEAD, branch, and the digest of its uncommitted state."""

    root: str
    commit: str | None
    branch: str | None
    dirty: bool
    diff_digest: str | None


_untracked_cache: dict[tuple[str, int, int, int], str] = {}


def _untracked_digest(root: str, rel: str) -> str:
    path = os.path.join(root, rel)
    try:
        st = os.stat(path)
    except OSError:
        return "missing"
    if not os.path.isfile(path):
        return "not-a-file"
    if st.st_size > UNTRACKED_HASH_LIMIT:
        return f"size:{st.st_size}:mtime_ns:{st.st_mtime_ns}"
    key = (path, st.st_size, st.st_mtime_ns, st.st_ino)
    cached = _untracked_cache.get(key)
    if cached is None:
        try:
            cached = digest_file(path)
        except ProvenanceError:
            return "unreadable"
        if len(_untracked_cache) > 4096:
            _untracked_cache.clear()
        _untracked_cache[key] = cached
    return cached


def _parse_status(out: bytes) -> tuple[str | None, str | None, bool, list[str]]:
    """(commit, branch, tracked changes?, untracked paths) from ``status --porcelain=v2 -z``."""
    commit: str | None = None
    branch: str | None = None
    changed = False
    untracked: list[str] = []
    for record in out.split(b"\0"):
        if not record:
            continue
        text = record.decode("utf-8", errors="surrogateescape")
        if text.startswith("# branch.oid "):
            oid = text[len("# branch.oid ") :]
            commit = None if oid == "(initial)" else oid
        elif text.startswith("# branch.head "):
            head = text[len("# branch.head ") :]
            branch = None if head == "(detached)" else head
        elif text.startswith("? "):
            untracked.append(text[2:])
        elif text.startswith(("1 ", "2 ", "u ")):
            changed = True
        # "2 " records are followed by their original path as its own record; with --no-renames
        # none appear, and a stray path record is harmless (it matches no prefix above).
    return commit, branch, changed, untracked


def git_state(directory: str | os.PathLike[str]) -> GitState | None:
    """The git state of the repository holding ``directory``; None outside one (or no git).

    Raises :class:`CaptureError` when a repository is there but git cannot read it.

    Example:
        >>> import tempfile
        >>> git_state(tempfile.mkdtemp()) is None
        True
    """
    root = _repo_root(os.path.realpath(os.fspath(directory)))
    if root is None:
        return None
    try:
        status = _git(
            root,
            "-c",
            "core.quotepath=off",
            "status",
            "--porcelain=v2",
            "--branch",
            "-z",
            "--untracked-files=all",
            "--no-renames",
            "--ignore-submodules=none",
        )
        commit, branch, changed, untracked = _parse_status(status.stdout)
        diff = b""
        if changed:
            args = list(_DIFF_ARGS)
            if commit is None:  # unborn HEAD: everything staged is the change
                args[args.index("HEAD")] = _EMPTY_TREE_SHA1
            diff = _git(root, *args).stdout
    except GitCommandError as exc:
        raise CaptureError(f"git could not read the repository at {root}: {exc}") from exc
    dirty = changed or bool(untracked)
    diff_digest = None
    if dirty:
        listing = sorted(
            [rel.replace(os.sep, "/"), _untracked_digest(root, rel)] for rel in untracked
        )
        diff_digest = digest_json(
            {"diff": digest_bytes(diff), "untracked": listing}, domain="code-diff"
        )
    return GitState(root=root, commit=commit, branch=branch, dirty=dirty, diff_digest=diff_digest)


# --- source ----------------------------------------------------------------------------------
_NAMED = (FunctionType, type, CodeType, BuiltinFunctionType, MethodDescriptorType)


def _unwrap(fn: Any) -> Any:
    while True:
        if isinstance(fn, functools.partial):
            fn = fn.func
        elif isinstance(fn, MethodType | staticmethod | classmethod):
            fn = fn.__func__
        elif getattr(fn, "__wrapped__", None) is not None:
            fn = fn.__wrapped__
        elif not isinstance(fn, _NAMED) and callable(fn) and not hasattr(fn, "__name__"):
            fn = type(fn)  # a callable object: its class is its code
        else:
            return fn


def _code_of(fn: Any) -> CodeType | None:
    if isinstance(fn, CodeType):
        return fn
    code = getattr(fn, "__code__", None)
    return code if isinstance(code, CodeType) else None


def _const_form(value: Any) -> Any:
    if isinstance(value, CodeType):
        return {"code": _code_form(value)}
    if isinstance(value, tuple):
        return [_const_form(v) for v in value]
    if isinstance(value, frozenset):
        return {"frozenset": sorted(repr(v) for v in value)}
    if isinstance(value, bytes):
        return {"bytes": value.hex()}
    return {type(value).__name__: repr(value)}


def _code_form(code: CodeType) -> dict[str, Any]:
    return {
        "co_code": digest_bytes(code.co_code),
        "consts": [_const_form(c) for c in code.co_consts],
        "names": list(code.co_names),
        "varnames": list(code.co_varnames),
        "argcount": code.co_argcount,
        "kwonlyargcount": code.co_kwonlyargcount,
        "flags": code.co_flags,
    }


def _module_source(target: Any) -> str | None:
    """The whole file of module-level code (``inspect.getsource`` would give its first
    statement only), None for anything else or when the file cannot be read."""
    if not isinstance(target, CodeType) or target.co_name != "<module>":
        return None
    name = target.co_filename
    if not name or name.startswith("<"):
        return None
    try:
        with open(name, "rb") as f:
            return f.read().decode("utf-8", errors="surrogateescape")
    except OSError:
        return None


def source_digest(fn: Callable[..., Any] | CodeType) -> str | None:
    """The digest of a function's (or class's, or code object's) source, None if it has none.

    Falls back to the code object (see module docs) when the source text cannot be read.

    Example:
        >>> def f(x):
        ...     return x + 1
        >>> def g(x):
        ...     return x + 1
        >>> source_digest(f) == source_digest(f), source_digest(f) == source_digest(g)
        (True, False)
    """
    target = _unwrap(fn)
    source = _module_source(target)
    if source is None:
        try:
            source = inspect.getsource(target)
        except (OSError, TypeError):
            source = None
    if source is not None:
        return digest_json({"source": textwrap.dedent(source)}, domain="code-source")
    code = _code_of(target)
    if code is None:
        return None
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return digest_json({"python": version, "code": _code_form(code)}, domain="code-object")


def _namespace(target: Any, module: str | None) -> Mapping[str, Any] | None:
    """The globals of the module ``target`` was defined in (None when unknown)."""
    space = getattr(target, "__globals__", None)
    if isinstance(space, dict):
        return space
    loaded = sys.modules.get(module) if module else None
    return vars(loaded) if loaded is not None else None


def _source_file(target: Any) -> str | None:
    code = _code_of(target)
    if code is not None:
        filename = code.co_filename
    else:
        try:
            filename = inspect.getsourcefile(target) or inspect.getfile(target)
        except TypeError:
            return None
    if not filename or filename.startswith("<") or not os.path.exists(filename):
        return None
    return os.path.realpath(filename)


# --- capture -----------------------------------------------------------------------------------
def capture_code_version(
    fn: Callable[..., Any] | CodeType | None = None,
    *,
    entrypoint: str | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> CodeVersion:
    """The :class:`CodeVersion` of ``fn`` (or of the calling frame when ``fn`` is None).

    ``fn`` may be a function, method, class, callable object, ``functools.partial``, wrapped
    function (``__wrapped__`` is followed) or code object. The repository is looked up from
    ``cwd`` when given, else from the directory of ``fn``'s (or the caller's) source file,
    else from the process's working directory. ``entrypoint`` overrides the derived name.
    See the module docs for what each field holds.

    Example:
        >>> import tempfile
        >>> def step(x):
        ...     return x * 2
        >>> cv = capture_code_version(step, cwd=tempfile.mkdtemp())  # no repository there
        >>> cv.git_commit is None, cv.source_digest == source_digest(step)
        (True, True)
    """
    frame: FrameType | None = None
    if fn is None:
        frame = sys._getframe(1)
        target: Any = frame.f_code
        module: str | None = frame.f_globals.get("__name__")
        main_file: str | None = frame.f_code.co_filename
        namespace: Mapping[str, Any] | None = frame.f_globals
    else:
        target = _unwrap(fn)
        module = module_of(target)
        main_file = None
        namespace = _namespace(target, module or (entrypoint or "").partition(":")[0])
    filename = _source_file(target)
    origin = module_origin(namespace) if namespace is not None else None
    if origin is not None and (origin.file != filename or not is_local_file(origin.file)):
        origin = None  # code not from its module's file (exec), or not the project's own
    if cwd is not None:
        directory = os.path.realpath(os.fspath(cwd))
    elif filename is not None:
        directory = os.path.dirname(filename)
    else:
        directory = os.getcwd()

    state: GitState | None
    try:
        state = git_state(directory)
    except CaptureError as exc:
        warnings.warn(f"{exc}; recording the source digest only", RuntimeWarning, stacklevel=2)
        state = None
    root = state.root if state is not None else None

    if entrypoint is None:
        entrypoint = format_entrypoint(target, module, main_file or filename, root)
    else:  # a caller's "__main__:qualname": the script's path, so it can be found again
        entrypoint = script_entrypoint(entrypoint, main_file or filename, root)
    del frame

    digest = source_digest(target)
    commit = state.commit if state is not None else None
    diff_digest = state.diff_digest if state is not None else None
    files = None
    if origin is not None:  # the project root: the repository's, if it holds the file
        inside = root is not None and origin.file.startswith(os.path.join(root, ""))
        files = local_source_files(origin, root if inside and root else origin.import_root)
    return CodeVersion(
        id=CodeVersion.make_id(
            entrypoint=entrypoint,
            git_commit=commit,
            diff_digest=diff_digest,
            source_digest=digest,
            source_files=files,
        ),
        entrypoint=entrypoint,
        git_commit=commit,
        git_branch=state.branch if state is not None else None,
        git_dirty=state.dirty if state is not None else None,
        diff_digest=diff_digest,
        source_digest=digest,
        repo_root=root,
        source_files=files,
        module_file=origin.file if origin is not None else None,
        import_root=origin.import_root if origin is not None else None,
    )
