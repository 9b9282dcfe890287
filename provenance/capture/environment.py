"""The interpreter, platform, packages and GPUs a run executed with, and how two of them differ.

:func:`capture_environment` records:

* ``python`` (``platform.python_version()``), ``implementation`` (CPython, PyPy, ...),
  ``platform`` (``platform.platform()``: OS, kernel and libc) and ``machine`` (x86_64, ...);
* ``packages``: ``{distribution: version}`` with names normalized the PEP 503 way
  (lower case, runs of ``-_.`` as one ``-``). ``"imported"`` (default) lists the imported
  distributions (below); ``"all"`` lists every installed distribution. Since a program
  imports more as it runs, two "imported" captures in one process agree only when nothing new
  was imported between them.
* ``imported``: the distributions the program imported (:func:`imported_distributions`):
  those providing a top-level module in ``sys.modules`` (mapped with
  ``importlib.metadata.packages_distributions()``, computed once per process), leaving out
  the standard library and the interpreter's start-up hooks: private modules (``_name``) a
  ``.pth`` file in a site directory imports (setuptools' ``_distutils_hack``, an editable
  install's finder). A distribution whose other modules were imported counts (``import
  setuptools`` does). A tracker records it per run, when the run ends
  (:func:`run_environment`), so a module imported inside the run counts.
* ``cuda`` / ``cudnn`` / ``gpus``, only when the program has *already imported* torch: capture
  never imports torch (a second or more, and hundreds of MB) nor initializes CUDA. ``cuda``
  is the CUDA version torch was built with, ``cudnn`` cuDNN's version, ``gpus`` the sorted
  names of the visible devices: from torch when CUDA is initialized, else from ``nvidia-smi``
  (filtered by a numeric ``CUDA_VISIBLE_DEVICES``) when torch reports CUDA available.
* ``digest``: ``digest_json`` (domain ``environment``) of every other field.

:func:`diff_environments` says, line by line, what changed between two of them;
:func:`compare_environments` splits what changed since a run into what may change its results
(the verdict's business) and what may not (shown only); see its docs for the rules.

Example:
    >>> env = capture_environment()
    >>> env.digest == capture_environment().digest
    True
    >>> diff_environments(env, env)
    []
"""

from __future__ import annotations

import functools
import importlib.metadata as md
import os
import platform
import re
import shutil
import site
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from provenance.errors import CaptureError
from provenance.hashing.core import digest_json
from provenance.model import Environment

__all__ = [
    "EnvironmentChanges",
    "PackageScope",
    "capture_environment",
    "compare_environments",
    "diff_environments",
    "environment_digest",
    "imported_distributions",
    "installed_packages",
    "normalize_name",
    "run_environment",
    "site_directories",
]

PackageScope = Literal["imported", "all"]

_NORMALIZE = re.compile(r"[-_.]+")


def normalize_name(name: str) -> str:
    """A distribution name in PEP 503 normal form.

    Example:
        >>> normalize_name("Typing_Extensions")
        'typing-extensions'
    """
    return _NORMALIZE.sub("-", name).lower()


@functools.lru_cache(maxsize=1)
def _all_distributions() -> dict[str, str]:
    """Every installed distribution -> version; the first one on ``sys.path`` wins."""
    found: dict[str, str] = {}
    for dist in md.distributions():
        try:
            name = dist.metadata["Name"]
        except (KeyError, OSError):
            continue
        if not name:
            continue
        found.setdefault(normalize_name(str(name)), str(dist.version))
    return found


@functools.lru_cache(maxsize=1)
def _module_distributions() -> dict[str, tuple[str, ...]]:
    """Top-level module -> the normalized names of the distributions that provide it."""
    mapping = md.packages_distributions()
    return {mod: tuple(sorted({normalize_name(d) for d in ds})) for mod, ds in mapping.items()}


_PTH_IMPORT = re.compile(r"\bimport\s+([\w.]+(?:\s*,\s*[\w.]+)*)")
_PTH_DUNDER_IMPORT = re.compile(r"__import__\(\s*['\"]([\w.]+)['\"]")


def site_directories() -> list[str]:
    """The site-packages directories: ``site``'s, the user's, and every ``sys.path`` entry
    named ``site-packages`` or ``dist-packages``.

    Example:
        >>> import numpy, os
        >>> any(numpy.__file__.startswith(os.path.join(d, "")) for d in site_directories())
        True
    """
    dirs: list[str] = list(getattr(site, "getsitepackages", list)())
    user = getattr(site, "getusersitepackages", lambda: None)()
    if isinstance(user, str):
        dirs.append(user)
    dirs.extend(p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages"))
    return list(dict.fromkeys(dirs))


@functools.lru_cache(maxsize=1)
def _startup_modules() -> frozenset[str]:
    """Private top-level modules (``_name``) the ``.pth`` files of the site directories import
    at start-up (in the lines ``site`` executes: those starting with ``import``)."""
    found: set[str] = set()
    for directory in site_directories():
        try:
            pth_files = sorted(Path(directory).glob("*.pth"))
        except OSError:
            continue
        for pth in pth_files:
            try:
                lines = pth.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                continue
            for line in lines:
                if not line.startswith(("import ", "import\t")):
                    continue
                for group in _PTH_IMPORT.findall(line):
                    found.update(n.strip().partition(".")[0] for n in group.split(","))
                found.update(n.partition(".")[0] for n in _PTH_DUNDER_IMPORT.findall(line))
    return frozenset(name for name in found if name.startswith("_"))


def imported_distributions() -> list[str]:
    """The (normalized) names of the installed distributions this program imported: those
    providing a top-level module in ``sys.modules``, start-up hooks left out (module docs).

    Example:
        >>> import numpy
        >>> "numpy" in imported_distributions()
        True
    """
    providers = _module_distributions()
    versions = _all_distributions()
    hooks = _startup_modules()
    tops = {name.partition(".")[0] for name in list(sys.modules)} - hooks
    found = {dist for top in tops for dist in providers.get(top, ()) if dist in versions}
    return sorted(found)


def installed_packages(scope: PackageScope = "imported") -> dict[str, str]:
    """``{distribution: version}`` for the imported distributions, or for all installed.

    Example:
        >>> import numpy
        >>> "numpy" in installed_packages("imported")
        True
    """
    if scope == "all":
        return dict(sorted(_all_distributions().items()))
    if scope != "imported":
        raise CaptureError(f"package scope must be 'imported' or 'all', got {scope!r}")
    versions = _all_distributions()
    return {dist: versions[dist] for dist in imported_distributions()}


def _nvidia_smi_gpus() -> list[str]:
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return []
    try:
        done = subprocess.run(
            [smi, "--query-gpu=index,name", "--format=csv,noheader"],
            capture_output=True,
            timeout=10,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    if done.returncode != 0:
        return []
    rows: dict[str, str] = {}
    for line in done.stdout.decode(errors="replace").splitlines():
        index, _, name = line.partition(",")
        if name.strip():
            rows[index.strip()] = name.strip()
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None:
        wanted = [v.strip() for v in visible.split(",") if v.strip()]
        if all(v.isdigit() for v in wanted):
            rows = {i: n for i, n in rows.items() if i in wanted}
    return sorted(rows.values())


def _gpu_info() -> tuple[str | None, str | None, list[str]]:
    torch = sys.modules.get("torch")
    if torch is None or not hasattr(torch, "cuda"):
        return None, None, []
    try:
        cuda = getattr(getattr(torch, "version", None), "cuda", None)
        cudnn_version = None
        if cuda is not None:
            raw = torch.backends.cudnn.version()
            cudnn_version = str(raw) if raw is not None else None
        if not torch.cuda.is_available():
            return (str(cuda) if cuda else None), cudnn_version, []
        if torch.cuda.is_initialized():
            gpus = sorted(
                str(torch.cuda.get_device_name(i)) for i in range(torch.cuda.device_count())
            )
        else:
            gpus = _nvidia_smi_gpus()
        return (str(cuda) if cuda else None), cudnn_version, gpus
    except Exception:  # a half-broken CUDA setup must not break the run's record
        return None, None, []


def environment_digest(fields: Mapping[str, Any]) -> str:
    """The digest of an environment's fields (any ``digest`` key among them is ignored).

    Example:
        >>> env = capture_environment()
        >>> environment_digest(env.model_dump()) == env.digest
        True
    """
    body = {k: v for k, v in fields.items() if k != "digest"}
    return digest_json(body, domain="environment")


def capture_environment(packages: PackageScope = "imported") -> Environment:
    """The :class:`Environment` this process runs in (fields in the module docs).

    Example:
        >>> env = capture_environment("all")
        >>> env.package_scope, "pydantic" in env.packages, env.digest.startswith("blake3:")
        ('all', True, True)
    """
    cuda, cudnn, gpus = _gpu_info()
    fields: dict[str, Any] = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "packages": installed_packages(packages),
        "cuda": cuda,
        "cudnn": cudnn,
        "gpus": gpus,
        "package_scope": packages,
        "imported": imported_distributions(),
    }
    return Environment(**fields, digest=environment_digest(fields))


def run_environment(base: Environment) -> Environment:
    """``base`` (a tracker's environment, captured once) brought up to date at the end of a
    run: ``imported`` as of now and, for the ``imported`` package scope, ``packages`` too
    (platform, CUDA and GPUs stay as captured). ``base`` itself when nothing changed.

    Example:
        >>> env = capture_environment()
        >>> run_environment(env) == env
        True
        >>> import pytest
        >>> "pytest" in run_environment(env.model_copy(update={"imported": []})).imported
        True
    """
    imported = imported_distributions()
    packages = base.packages
    if base.package_scope == "imported":
        versions = _all_distributions()
        packages = {dist: versions[dist] for dist in imported}
    if imported == base.imported and packages == base.packages:
        return base
    fields = base.model_dump(exclude={"digest"})
    fields.update(imported=imported, packages=packages)
    return Environment(**fields, digest=environment_digest(fields))


@dataclass(frozen=True)
class EnvironmentChanges:
    """What differs between a run's recorded environment and another (see
    :func:`compare_environments`)."""

    #: Differences that may change the run's results: they count in a verdict.
    relevant: list[str] = field(default_factory=list)
    #: Differences the run does not depend on, and fields not compared: shown only.
    unrelated: list[str] = field(default_factory=list)


def _package_line(dist: str, before: str | None, after: str | None) -> str:
    if before is None:
        return f"{dist} added ({after})"
    if after is None:
        return f"{dist} removed (was {before})"
    return f"{dist} {before} -> {after}"


def compare_environments(recorded: Environment, current: Environment) -> EnvironmentChanges:
    """What changed from a run's ``recorded`` environment to ``current``, split by whether the
    run depends on it.

    * Python version and implementation, platform and machine: relevant when they differ.
    * CUDA, cuDNN and GPUs: compared (relevant) only when both sides recorded a CUDA version
      (both had imported a CUDA build of torch); when only the run did, one unrelated line
      says they were not compared.
    * Packages: a run that recorded ``imported``: those distributions are compared (a version
      changed, or the distribution is gone: relevant); every other recorded package that
      changed or is gone, and, for a run that recorded every installed package, each one
      installed since, is unrelated. A run recorded before ``imported`` existed: every
      package it recorded is compared, as verify always did.

    Example:
        >>> env = capture_environment()
        >>> compare_environments(env, env)
        EnvironmentChanges(relevant=[], unrelated=[])
        >>> cpu = env.model_copy(update={"cuda": None, "cudnn": None, "gpus": []})
        >>> gpu = cpu.model_copy(update={"cuda": "12.1"})
        >>> compare_environments(gpu, cpu).relevant  # a process without torch: not compared
        []
    """
    relevant: list[str] = []
    unrelated: list[str] = []
    for name in ("python", "implementation", "platform", "machine"):
        before, after = getattr(recorded, name), getattr(current, name)
        if before != after:
            relevant.append(f"{name} {before or '(none)'} -> {after or '(none)'}")
    if recorded.cuda and current.cuda:
        for name in ("cuda", "cudnn"):
            before, after = getattr(recorded, name), getattr(current, name)
            if before != after:
                relevant.append(f"{name} {before or '(none)'} -> {after or '(none)'}")
        if recorded.gpus != current.gpus:
            relevant.append(f"gpus {recorded.gpus or '(none)'} -> {current.gpus or '(none)'}")
    elif recorded.cuda:
        unrelated.append(
            f"cuda {recorded.cuda} (recorded) not compared: this process has not imported a "
            "CUDA build of torch"
        )
    now = current.packages
    if recorded.imported is None:
        for dist in sorted(recorded.packages):
            if recorded.packages[dist] != now.get(dist):
                relevant.append(_package_line(dist, recorded.packages[dist], now.get(dist)))
        return EnvironmentChanges(relevant, unrelated)
    used = set(recorded.imported)
    for dist in sorted(used):
        before = recorded.packages.get(dist)
        if before is not None and before != now.get(dist):
            relevant.append(_package_line(dist, before, now.get(dist)))
    for dist in sorted(set(recorded.packages) - used):
        if recorded.packages[dist] != now.get(dist):
            unrelated.append(_package_line(dist, recorded.packages[dist], now.get(dist)))
    if recorded.package_scope == "all" and current.package_scope == "all":
        for dist in sorted(set(now) - set(recorded.packages)):
            unrelated.append(_package_line(dist, None, now[dist]))
    return EnvironmentChanges(relevant, unrelated)


def diff_environments(old: Environment, new: Environment) -> list[str]:
    """Human-readable differences from ``old`` to ``new``, one per line; [] when equal.

    Example:
        >>> a = capture_environment()
        >>> b = a.model_copy(update={"python": "3.0.0", "packages": {**a.packages, "x": "1.0"}})
        >>> diff_environments(b, a)[0].startswith("python 3.0.0 -> ")
        True
        >>> "x removed (was 1.0)" in diff_environments(b, a)
        True
    """
    lines: list[str] = []
    for name in ("python", "implementation", "platform", "machine", "cuda", "cudnn"):
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            lines.append(f"{name} {before or '(none)'} -> {after or '(none)'}")
    if old.gpus != new.gpus:
        lines.append(f"gpus {old.gpus or '(none)'} -> {new.gpus or '(none)'}")
    if old.package_scope != new.package_scope:
        lines.append(
            f"package scope {old.package_scope} -> {new.package_scope} "
            "(packages added or removed below may only reflect that)"
        )
    for dist in sorted(set(old.packages) | set(new.packages)):
        before_v, after_v = old.packages.get(dist), new.packages.get(dist)
        if before_v == after_v:
            continue
        if before_v is None:
            lines.append(f"{dist} added ({after_v})")
        elif after_v is None:
            lines.append(f"{dist} removed (was {before_v})")
        else:
            lines.append(f"{dist} {before_v} -> {after_v}")
    return lines
