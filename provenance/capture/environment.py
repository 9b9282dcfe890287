"""The interpreter, platform, packages and GPUs a run executed with, and how two of them differ.

:func:`capture_environment` records:

* ``python`` (``platform.python_version()``), ``implementation`` (CPython, PyPy, ...),
  ``platform`` (``platform.platform()``: OS, kernel and libc) and ``machine`` (x86_64, ...);
* ``packages``: ``{distribution: version}`` with names normalized the PEP 503 way
  (lower case, runs of ``-_.`` as one ``-``). ``"imported"`` (default) lists the distributions
  providing the top-level modules in ``sys.modules`` (mapped with
  ``importlib.metadata.packages_distributions()``, computed once per process); standard
  library modules map to none and are left out. ``"all"`` lists every installed distribution.
  Since a program imports more as it runs, two "imported" captures in one process agree only
  when nothing new was imported between them.
* ``cuda`` / ``cudnn`` / ``gpus``, only when the program has *already imported* torch: capture
  never imports torch (a second or more, and hundreds of MB) nor initializes CUDA. ``cuda``
  is the CUDA version torch was built with, ``cudnn`` cuDNN's version, ``gpus`` the sorted
  names of the visible devices: from torch when CUDA is initialized, else from ``nvidia-smi``
  (filtered by a numeric ``CUDA_VISIBLE_DEVICES``) when torch reports CUDA available.
* ``digest``: ``digest_json`` (domain ``environment``) of every other field.

:func:`diff_environments` says, line by line, what changed between two of them.

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
import subprocess
import sys
from collections.abc import Mapping
from typing import Any, Literal

from provenance.errors import CaptureError
from provenance.hashing.core import digest_json
from provenance.model import Environment

__all__ = [
    "PackageScope",
    "capture_environment",
    "diff_environments",
    "environment_digest",
    "installed_packages",
    "normalize_name",
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


def installed_packages(scope: PackageScope = "imported") -> dict[str, str]:
    """``{distribution: version}`` for the imported top-level modules, or for all installed.

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
    providers = _module_distributions()
    tops = {name.partition(".")[0] for name in list(sys.modules)}
    result: dict[str, str] = {}
    for top in tops:
        for dist in providers.get(top, ()):
            version = versions.get(dist)
            if version is not None:
                result[dist] = version
    return dict(sorted(result.items()))


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
    }
    return Environment(**fields, digest=environment_digest(fields))


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
