"""Can this be reproduced? Check everything a node's recorded ancestry needs to run again.

:func:`verify` walks the **whole ancestry** of an artifact, model or transform and checks,
for every transform in it:

* **inputs** (and the **model weights** it USED_MODEL): the artifact's ``uri`` points to a
  local file or directory that still exists and whose content digest (recomputed with the
  algorithm of the id's ``algo:`` prefix) equals the id. A CSV/Parquet file whose bytes do not
  match is also tried as a table, a ``.npy`` file as an array. An input with no uri (it was
  logged from memory) is *not retrievable*; it is still fine when a transform in the ancestry
  produced it (it can be regenerated, and that transform is checked too). Only inputs that
  are neither retrievable nor regenerable, or whose content changed, block a reproduction.
* **code**: the recorded source digest matches the entrypoint's current source, or the
  recorded git commit is still in its repository (``git cat-file -e``) and the work tree was
  clean. A module-level function entrypoint is imported to re-digest it; a ``with
  tracker.run`` block in a nested function, at module level or in a script
  (``scripts/train.py:main``) is found by compiling its file, without executing it, and
  walking the nested code objects to the recorded qualname. A dirty work tree's uncommitted
  diff is known only by its digest, so it counts only if the source digest still matches.
* **seed state**: a master seed or an RNG snapshot was recorded, or the transform declared
  itself deterministic.
* **environment**: the recorded Python, platform, CUDA and package versions compared with
  the ones installed now (only packages the run recorded are compared).

Verdict of one transform: ``unreproducible`` when any of the above is missing (or the run
failed); ``exact`` when it is deterministic and nothing differs; ``seeded`` otherwise (its
randomness is recorded and can be replayed, or the environment differs so identical bits are
not guaranteed). The report's verdict is the weakest over the ancestry; a source artifact
(no producer) is ``exact`` when its content is available and ``unreproducible`` when not.

Example:
    >>> import tempfile, pathlib
    >>> from provenance import Tracker
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "raw.txt").write_text("hello")
    >>> t = Tracker(str(d / "store") + "/")
    >>> raw = t.log_artifact(d / "raw.txt", name="raw")
    >>> import json  # the code that ran: any importable function
    >>> with t.run("upper", inputs=[raw], deterministic=True, entrypoint=json.dumps) as run:
    ...     out = run.output(b"HELLO", name="upper")
    >>> report = verify(t.store, out.id)
    >>> report.verdict, report.transforms[0].inputs[0].status
    ('exact', 'available')
    >>> (d / "raw.txt").unlink()
    >>> verify(t.store, out.id).verdict
    'unreproducible'
    >>> t.close()
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path
from types import CodeType
from typing import Any, Literal

from pydantic import BaseModel, Field
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from provenance.errors import NotFoundError, ProvenanceError
from provenance.locations import uri_to_path
from provenance.model import Artifact, CodeVersion, Environment, LineageGraph, Transform
from provenance.store.base import Direction, LineageStore

__all__ = [
    "ArtifactCheck",
    "CodeCheck",
    "TransformCheck",
    "Verdict",
    "VerifyReport",
    "check_artifact",
    "check_code",
    "load_artifact",
    "render_verify",
    "verify",
]

Verdict = Literal["exact", "seeded", "unreproducible"]
ArtifactStatus = Literal["available", "regenerable", "changed", "missing", "not_retrievable"]
CodeStatus = Literal["source", "commit", "changed", "missing", "unknown", "unrecorded"]
_RANK: dict[str, int] = {"unreproducible": 0, "seeded": 1, "exact": 2}


class ArtifactCheck(BaseModel):
    """Whether one artifact's content can be had again."""

    id: str
    name: str
    kind: str
    role: str | None = None
    uri: str | None = None
    #: ``available``: found at its uri, digest re-checked; ``regenerable``: not retrievable
    #: but produced by a transform in the checked ancestry; ``changed``: found, digest differs;
    #: ``missing``: the uri names nothing (or the content was erased); ``not_retrievable``:
    #: no local uri (logged from memory, or a remote URI this check does not fetch).
    status: ArtifactStatus
    #: How the content was re-read: ``path`` (file/directory digest), ``frame`` or ``array``.
    loaded_as: Literal["path", "frame", "array"] | None = None
    detail: str

    @property
    def ok(self) -> bool:
        """True when this artifact does not block a reproduction."""
        return self.status in ("available", "regenerable")


class CodeCheck(BaseModel):
    """Whether the code a transform ran can be had again."""

    code_version_id: str | None = None
    entrypoint: str | None = None
    git_commit: str | None = None
    #: ``source``: the entrypoint's current source digest equals the recorded one;
    #: ``commit``: the recorded commit is in its repository and the tree was clean;
    #: ``changed``: the source differs and no clean commit holds the recorded code;
    #: ``missing``: neither the commit nor the entrypoint can be found;
    #: ``unknown``: nothing recorded can be re-checked; ``unrecorded``: no code version.
    status: CodeStatus
    detail: str

    @property
    def ok(self) -> bool:
        """True when the recorded code is reachable."""
        return self.status in ("source", "commit")


class TransformCheck(BaseModel):
    """Every check of one transform, with its own verdict."""

    transform_id: str
    operation: str
    name: str | None = None
    status: str
    inputs: list[ArtifactCheck] = Field(default_factory=list)
    model: ArtifactCheck | None = None
    code: CodeCheck
    seed_recorded: bool
    seed: str
    environment_recorded: bool
    environment_diff: list[str] = Field(default_factory=list)
    verdict: Verdict
    reasons: list[str] = Field(default_factory=list)


class VerifyReport(BaseModel):
    """The reproducibility verdict of a node, with the reasons and every check behind it."""

    node_id: str
    node_type: str
    name: str | None = None
    verdict: Verdict
    reasons: list[str] = Field(default_factory=list)
    #: Always True: every transform upstream of the node is checked, not just its producers.
    whole_ancestry: bool = True
    #: The node itself when it is an artifact: is its content available now?
    target: ArtifactCheck | None = None
    #: Source artifacts of the ancestry (no recorded producer): the data a rerun starts from.
    sources: list[ArtifactCheck] = Field(default_factory=list)
    transforms: list[TransformCheck] = Field(default_factory=list)


# --- artifacts ---------------------------------------------------------------------------------
def _algo(artifact_id: str) -> str:
    return artifact_id.split(":", 1)[0]


def _try_load(path: Path, how: str) -> Any:
    """The content of ``path`` as a table or array (``how``), or None when it cannot be."""
    suffix = path.suffix.lower()
    try:
        if how == "frame":
            import pandas as pd

            if suffix == ".csv":
                return pd.read_csv(path)
            if suffix in (".parquet", ".pq"):
                return pd.read_parquet(path)
            return None
        if how == "array" and suffix == ".npy":
            import numpy as np

            return np.load(path, allow_pickle=False)
    except Exception:  # an unreadable file is reported as changed, not raised
        return None
    return None


def check_artifact(artifact: Artifact, role: str | None = None) -> ArtifactCheck:
    """Is ``artifact``'s content still where its uri points, with the digest it was recorded with?

    Example:
        >>> import tempfile, pathlib
        >>> from provenance.hashing import digest_object
        >>> from provenance.locations import path_to_uri
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.bin"
        >>> _ = p.write_bytes(b"abc")
        >>> a = Artifact(id=digest_object(p).digest, name="a", kind="file", uri=path_to_uri(p))
        >>> check_artifact(a).status
        'available'
        >>> _ = p.write_bytes(b"abd")
        >>> check_artifact(a).status
        'changed'
    """
    from provenance.hashing import digest_object

    base: dict[str, Any] = dict(
        id=artifact.id, name=artifact.name, kind=artifact.kind, role=role, uri=artifact.uri
    )
    if artifact.erased:
        return ArtifactCheck(
            **base,
            status="missing",
            detail=f"content erased ({artifact.erasure_reason or 'no reason recorded'})",
        )
    if not artifact.uri:
        return ArtifactCheck(
            **base,
            status="not_retrievable",
            detail="logged from memory (no uri): the content cannot be re-read",
        )
    try:
        path = uri_to_path(artifact.uri)
    except ValueError:
        return ArtifactCheck(
            **base,
            status="not_retrievable",
            detail=f"{artifact.uri} is not a local file; not fetched",
        )
    if not path.exists():
        return ArtifactCheck(**base, status="missing", detail=f"{path} does not exist")
    algo = _algo(artifact.id)
    try:
        digest = digest_object(path, algo=algo).digest
    except ProvenanceError as exc:
        return ArtifactCheck(**base, status="missing", detail=f"{path} cannot be read: {exc}")
    if digest == artifact.id:
        return ArtifactCheck(
            **base, status="available", loaded_as="path", detail=f"{path}: digest matches"
        )
    for how, what in (("frame", "a table"), ("array", "an array")):
        value = _try_load(path, how)
        if value is None:
            continue
        try:
            if digest_object(value, algo=algo).digest == artifact.id:
                return ArtifactCheck(
                    **base,
                    status="available",
                    loaded_as=how,  # type: ignore[arg-type]
                    detail=f"{path}: content digest (read as {what}) matches",
                )
        except ProvenanceError:
            pass
    return ArtifactCheck(
        **base,
        status="changed",
        detail=f"{path}: digest is now {digest[:19]}…, recorded {artifact.id[:19]}…",
    )


def load_artifact(artifact: Artifact, check: ArtifactCheck | None = None) -> Any:
    """The content of an available artifact, as the value a function would have received.

    Files and directories come back as a :class:`~pathlib.Path`; ``bytes`` artifacts as bytes;
    tables whose digest is their content's as a pandas DataFrame; ``.npy`` arrays as arrays.
    Raises :class:`ProvenanceError` when the artifact is not available.

    Example:
        >>> import tempfile, pathlib
        >>> from provenance.hashing import digest_object
        >>> from provenance.locations import path_to_uri
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.bin"
        >>> _ = p.write_bytes(b"abc")
        >>> a = Artifact(id=digest_object(b"abc").digest, name="a", kind="bytes",
        ...              uri=path_to_uri(p))
        >>> load_artifact(a)
        b'abc'
    """
    check = check or check_artifact(artifact)
    if check.status != "available" or artifact.uri is None:
        raise ProvenanceError(
            f"artifact {artifact.name} ({artifact.id[:19]}…) is {check.status}: {check.detail}"
        )
    path = uri_to_path(artifact.uri)
    if check.loaded_as in ("frame", "array"):
        return _try_load(path, check.loaded_as)
    if artifact.kind == "bytes" and path.is_file():
        return path.read_bytes()
    return path


# --- code --------------------------------------------------------------------------------------
def resolve_entrypoint(entrypoint: str) -> Any:
    """Import ``module:qualname`` and return the object it names.

    Raises :class:`ProvenanceError` (with the reason) when it is a script path, a nested
    function, a module-level block, or cannot be imported.

    Example:
        >>> resolve_entrypoint("json:dumps").__name__
        'dumps'
    """
    module, sep, qual = entrypoint.partition(":")
    if not sep or not module or not qual:
        raise ProvenanceError(f"entrypoint {entrypoint!r} is not of the form module:qualname")
    if module == "__main__" or module.endswith(".py") or "/" in module:
        raise ProvenanceError(f"entrypoint {entrypoint!r} is a script, not an importable module")
    if qual == "<module>" or "<locals>" in qual or "<" in qual:
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


def _module_code(module: str, repo_root: str | None) -> CodeType:
    """The compiled (not executed) code of a module or script named by an entrypoint."""
    if module.endswith(".py") or "/" in module:
        path = Path(module)
        if not path.is_absolute():
            if repo_root is None:
                raise ProvenanceError(f"script {module!r}: no repository recorded to find it in")
            path = Path(repo_root) / module
        try:
            return compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        except (OSError, SyntaxError, ValueError) as exc:
            raise ProvenanceError(f"cannot read script {path}: {exc}") from exc
    try:
        spec = importlib.util.find_spec(module)
    except Exception as exc:  # parent packages run on import; their errors come in every type
        raise ProvenanceError(f"cannot import {module!r}: {type(exc).__name__}: {exc}") from exc
    if spec is None:
        raise ProvenanceError(f"cannot import {module!r}: no such module")
    origin = spec.origin
    if origin and origin.endswith(".py") and Path(origin).is_file():
        return _module_code(origin, None)
    get_code = getattr(spec.loader, "get_code", None)
    try:
        code = get_code(module) if get_code is not None else None
    except Exception as exc:  # a loader's own errors
        raise ProvenanceError(f"cannot read module {module!r}: {exc}") from exc
    if not isinstance(code, CodeType):
        raise ProvenanceError(f"cannot find the source of module {module!r}")
    return code


def _source_target(entrypoint: str, repo_root: str | None) -> Any:
    """What to re-digest for ``entrypoint``: the function itself when it is module-level
    (imported), else the code object of the block's function (or of the module / script for
    module-level code), compiled from its file without executing it."""
    module, sep, qual = entrypoint.partition(":")
    if not sep or not module or not qual:
        raise ProvenanceError(f"entrypoint {entrypoint!r} is not of the form module:qualname")
    if "<" not in qual and not (module.endswith(".py") or "/" in module or module == "__main__"):
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


@cache
def _commit_exists(root: str, commit: str) -> bool | None:
    git = shutil.which("git")
    if git is None or not Path(root).is_dir():
        return None
    try:
        proc = subprocess.run(
            [git, "-C", root, "cat-file", "-e", f"{commit}^{{commit}}"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.returncode == 0


def check_code(code: CodeVersion | None) -> CodeCheck:
    """Is the code a transform ran still reachable (source digest, or a clean commit)?

    Example:
        >>> import json
        >>> from provenance.capture import capture_code_version
        >>> check_code(capture_code_version(json.dumps)).status
        'source'
        >>> check_code(None).status
        'unrecorded'
    """
    if code is None:
        return CodeCheck(status="unrecorded", detail="no code version recorded")
    from provenance.capture import source_digest

    base: dict[str, Any] = dict(
        code_version_id=code.id, entrypoint=code.entrypoint, git_commit=code.git_commit
    )
    source_note = ""
    if code.source_digest and code.entrypoint:
        try:
            target = _source_target(code.entrypoint, code.repo_root)
            current = source_digest(target)
        except ProvenanceError as exc:
            source_note = str(exc)
        else:
            if current == code.source_digest:
                return CodeCheck(
                    **base,
                    status="source",
                    detail=f"{code.entrypoint}: current source matches the recorded digest",
                )
            source_note = f"{code.entrypoint}: source changed since it ran"
    if code.git_commit:
        short = code.git_commit[:12]
        exists = _commit_exists(code.repo_root, code.git_commit) if code.repo_root else None
        if exists and not code.git_dirty:
            return CodeCheck(
                **base, status="commit", detail=f"commit {short} is in {code.repo_root}"
            )
        if exists:
            why = (
                f"commit {short} is in {code.repo_root} but the work tree was dirty: its "
                "uncommitted changes are known only by their digest"
            )
            return CodeCheck(
                **base,
                status="changed" if source_note.endswith("changed since it ran") else "unknown",
                detail=f"{why}; {source_note or 'no source digest to re-check'}",
            )
        where = code.repo_root or "(no repository recorded)"
        status: CodeStatus = (
            "changed" if source_note.endswith("changed since it ran") else "missing"
        )
        what = (
            "cannot be checked (no git or no repository there)"
            if exists is None and code.repo_root
            else "is not in the repository"
        )
        return CodeCheck(
            **base,
            status=status,
            detail=f"commit {short} {what} {where}" + (f"; {source_note}" if source_note else ""),
        )
    if source_note:
        status = "changed" if source_note.endswith("changed since it ran") else "missing"
        return CodeCheck(**base, status=status, detail=source_note)
    return CodeCheck(
        **base, status="unknown", detail="neither a commit nor a source digest recorded"
    )


# --- environment -------------------------------------------------------------------------------
@cache
def _current_environment() -> Environment:
    from provenance.capture import capture_environment

    return capture_environment("all")


def environment_changes(recorded: Environment, current: Environment | None = None) -> list[str]:
    """What differs between a recorded environment and the one installed now.

    Only packages the run recorded are compared (a run records the packages it imported, so
    packages installed since are not differences).

    Example:
        >>> from provenance.capture import capture_environment
        >>> env = capture_environment()
        >>> environment_changes(env, env)
        []
    """
    from provenance.capture import diff_environments

    now = current if current is not None else _current_environment()
    restricted = now.model_copy(
        update={
            "packages": {k: v for k, v in now.packages.items() if k in recorded.packages},
            "package_scope": recorded.package_scope,
        }
    )
    return diff_environments(recorded, restricted)


# --- verify ------------------------------------------------------------------------------------
def _short(t: Transform) -> str:
    return f"{t.name or t.operation} ({t.id.split(':', 1)[-1][:10]})"


def _seed_check(t: Transform) -> tuple[bool, str, Verdict]:
    s = t.seed_state
    if s is None:
        return False, "no seed state recorded", "unreproducible"
    if s.reproducibility == "exact":
        return True, "declared deterministic", "exact"
    if s.master_seed is not None:
        return (
            True,
            f"seeded (master seed {s.master_seed}, {s.derivation or 'default derivation'})",
            "seeded",
        )
    if s.rng_states:
        return True, "unseeded, RNG states snapshotted at start (replayable)", "seeded"
    return False, "unseeded and no RNG snapshot recorded", "unreproducible"


def _check_transform(
    t: Transform,
    graph: LineageGraph,
    produced: set[str],
    artifact_checks: dict[str, ArtifactCheck],
    current_env: Callable[[Environment], list[str]],
) -> TransformCheck:
    nodes = {n.id: n for n in graph.nodes}
    reasons: list[str] = []
    blockers: list[str] = []
    label = _short(t)

    def art_check(aid: str, role: str | None) -> ArtifactCheck:
        node = nodes.get(aid)
        if not isinstance(node, Artifact):
            return ArtifactCheck(
                id=aid,
                name="?",
                kind="?",
                role=role,
                status="missing",
                detail="recorded but not in the store",
            )
        if aid not in artifact_checks:
            artifact_checks[aid] = check_artifact(node)
        c = artifact_checks[aid].model_copy(update={"role": role})
        if c.status in ("not_retrievable", "missing") and aid in produced:
            c = c.model_copy(
                update={
                    "status": "regenerable",
                    "detail": f"{c.detail}; regenerable: produced by a transform in the ancestry",
                }
            )
        return c

    used = [(e.target, e.role) for e in graph.edges if e.source == t.id and e.type == "USED"]
    for aid in t.input_ids:
        if aid not in {u for u, _ in used}:
            used.append((aid, None))
    inputs = [art_check(aid, role) for aid, role in sorted(used, key=lambda x: (x[1] or "", x[0]))]
    for c in inputs:
        if not c.ok:
            blockers.append(f"{label}: input {c.name} is {c.status.replace('_', ' ')} ({c.detail})")
    model_id = t.model_id or next(
        (e.target for e in graph.edges if e.source == t.id and e.type == "USED_MODEL"), None
    )
    model = art_check(model_id, "model") if model_id else None
    if model is not None and not model.ok:
        blockers.append(
            f"{label}: model weights {model.name} are "
            f"{model.status.replace('_', ' ')} ({model.detail})"
        )

    code_node = nodes.get(t.code_version_id) if t.code_version_id else None
    if code_node is None:
        code_node = next(
            (
                nodes[e.target]
                for e in graph.edges
                if e.source == t.id and e.type == "RAN" and e.target in nodes
            ),
            None,
        )
    code = check_code(code_node if isinstance(code_node, CodeVersion) else None)
    if not code.ok:
        blockers.append(f"{label}: code {code.status}: {code.detail}")

    seed_ok, seed_text, level = _seed_check(t)
    if not seed_ok:
        blockers.append(f"{label}: {seed_text}")
    if t.status != "succeeded":
        blockers.append(f"{label}: the run {t.status}" + (f" ({t.error})" if t.error else ""))

    env_diff: list[str] = []
    if t.environment is None:
        if level == "exact":
            level = "seeded"
        reasons.append(f"{label}: environment not recorded; identical results not guaranteed")
    else:
        env_diff = current_env(t.environment)
        if env_diff:
            if level == "exact":
                level = "seeded"
            reasons.append(
                f"{label}: environment differs from now ({len(env_diff)}): "
                + "; ".join(env_diff[:3])
                + ("; …" if len(env_diff) > 3 else "")
            )
    verdict: Verdict = "unreproducible" if blockers else level
    if not blockers:
        reasons.insert(0, f"{label}: {seed_text}")
    return TransformCheck(
        transform_id=t.id,
        operation=t.operation,
        name=t.name,
        status=t.status,
        inputs=inputs,
        model=model,
        code=code,
        seed_recorded=seed_ok,
        seed=seed_text,
        environment_recorded=t.environment is not None,
        environment_diff=env_diff,
        verdict=verdict,
        reasons=blockers + reasons,
    )


def verify(
    store: LineageStore,
    node_id: str,
    *,
    environment: Environment | None = None,
) -> VerifyReport:
    """Check whether ``node_id`` (an artifact, model or transform) can be reproduced.

    Every transform of the node's whole ancestry is checked (see the module docs for each
    check and the verdict rule). ``environment`` overrides the current environment the
    recorded ones are compared with (default: captured now, every installed package).
    Raises :class:`~provenance.errors.NotFoundError` for an unknown id and
    :class:`ProvenanceError` for a code version id.

    Example:
        >>> import tempfile
        >>> from provenance import Tracker
        >>> t = Tracker(tempfile.mkdtemp() + "/")
        >>> a = t.log_artifact(b"in memory", name="a")
        >>> r = verify(t.store, a.id)
        >>> r.verdict
        'unreproducible'
        >>> print(r.reasons[0])
        a is not retrievable: logged from memory (no uri): the content cannot be re-read
        >>> t.close()
    """
    node = store.get(node_id)
    if node is None:
        raise NotFoundError(f"no node with id {node_id!r}")
    if isinstance(node, CodeVersion):
        raise ProvenanceError(
            f"{node_id} is a code version; verify an artifact, model or transform"
        )
    graph = store.traverse(node_id, Direction.UP)
    produced = {e.target for e in graph.edges if e.type == "PRODUCED"}
    artifact_checks: dict[str, ArtifactCheck] = {}

    def env_diff(recorded: Environment) -> list[str]:
        return environment_changes(recorded, environment)

    transforms = sorted(graph.transforms, key=lambda t: (t.started_at is None, t.started_at, t.id))
    checks = [_check_transform(t, graph, produced, artifact_checks, env_diff) for t in transforms]
    sources = [
        artifact_checks.get(a.id) or check_artifact(a)
        for a in sorted(graph.artifacts, key=lambda a: (a.name, a.id))
        if a.id not in produced
    ]
    target: ArtifactCheck | None = None
    reasons: list[str] = []
    verdict: Verdict = "exact"
    if isinstance(node, Artifact):
        target = artifact_checks.get(node.id) or check_artifact(node)
        if node.id not in produced:
            # A source: reproducing it means having it.
            if target.ok:
                reasons.append(f"{node.name} is a source artifact: {target.detail}")
            else:
                verdict = "unreproducible"
                reasons.append(f"{node.name} is {target.status.replace('_', ' ')}: {target.detail}")
    for c in checks:
        if _RANK[c.verdict] < _RANK[verdict]:
            verdict = c.verdict
    # Reasons: the blockers when unreproducible; else a summary and what limits the verdict.
    if verdict != "unreproducible" and checks:
        n_exact = sum(1 for c in checks if c.verdict == "exact")
        reasons.append(
            f"{len(checks)} transform(s) in the ancestry checked: inputs available or "
            f"regenerable, code reachable, randomness recorded ({n_exact} exact, "
            f"{len(checks) - n_exact} seeded)"
        )
    for c in checks:
        if c.verdict == verdict and verdict != "exact":
            reasons.extend(c.reasons)
    return VerifyReport(
        node_id=node.id,
        node_type=node.node_type,
        name=getattr(node, "name", None),
        verdict=verdict,
        reasons=reasons,
        target=target,
        sources=sources,
        transforms=checks,
    )


# --- rendering ---------------------------------------------------------------------------------
_STYLE = {"exact": "bold green", "seeded": "bold yellow", "unreproducible": "bold red"}
_ART_STYLE = {
    "available": "green",
    "regenerable": "cyan",
    "changed": "red",
    "missing": "red",
    "not_retrievable": "yellow",
}


def _art_line(c: ArtifactCheck) -> Text:
    return Text.assemble(
        (f"{c.status:<15}", _ART_STYLE.get(c.status, "")),
        f" {c.name} ",
        (f"{c.id[:19]}…", "dim"),
    )


def render_verify(report: VerifyReport) -> RenderableType:
    """A rich rendering of a :class:`VerifyReport`: verdict, reasons, one row per transform.

    Example:
        >>> from rich.console import Console
        >>> r = VerifyReport(node_id="blake3:" + "0" * 64, node_type="Artifact", verdict="exact")
        >>> Console(width=100).print(render_verify(r))  # doctest: +ELLIPSIS
        Verdict: exact...
    """
    head = Text.assemble(
        "Verdict: ",
        (report.verdict, _STYLE[report.verdict]),
        f"  {report.node_type} {report.name or ''} ",
        (report.node_id, "dim"),
        "  (whole ancestry checked)" if report.whole_ancestry else "",
    )
    parts: list[RenderableType] = [head]
    for reason in report.reasons:
        parts.append(Text(f"  • {reason}"))
    if report.transforms:
        table = Table(title="Transforms", show_lines=True, expand=False)
        for col in ("transform", "verdict", "inputs / model", "code", "seed", "environment"):
            table.add_column(col, overflow="fold")
        for c in report.transforms:
            arts = [_art_line(i) for i in c.inputs]
            if c.model is not None:
                arts.append(Text("model ") + _art_line(c.model))
            table.add_row(
                Text.assemble(c.name or c.operation, "\n", (c.transform_id[:19] + "…", "dim")),
                Text(c.verdict, _STYLE[c.verdict]),
                Text("\n").join(arts) if arts else Text("(no inputs)", "dim"),
                Text.assemble(
                    (c.code.status, "green" if c.code.ok else "red"), "\n", (c.code.detail, "dim")
                ),
                Text(c.seed, "green" if c.seed_recorded else "red"),
                Text(
                    "\n".join(c.environment_diff)
                    or ("same" if c.environment_recorded else "not recorded"),
                    "yellow" if c.environment_diff else "",
                ),
            )
        parts.append(table)
    if report.sources:
        st = Table(title="Sources")
        st.add_column("status")
        st.add_column("name")
        st.add_column("detail", overflow="fold")
        for s in report.sources:
            st.add_row(Text(s.status, _ART_STYLE.get(s.status, "")), s.name, s.detail)
        parts.append(st)
    return Group(*parts)
