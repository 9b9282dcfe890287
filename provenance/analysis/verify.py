"""Can this be reproduced? Check everything a node's recorded ancestry needs to run again.

:func:`verify` walks the **whole ancestry** of an artifact, model or transform and checks,
for every transform in it:

* **inputs** (and the **model weights** it USED_MODEL): the artifact's ``uri`` points to a
  local file or directory that still exists and whose content digest (recomputed with the
  algorithm of the id's ``algo:`` prefix) equals the id. A CSV/Parquet file whose bytes do not
  match is also tried as a table, a ``.npy`` file as an array, and a model saved by
  ``tracker.log_model(..., save=True)`` is re-loaded in its framework and its canonical digest
  compared (:func:`~provenance.analysis.artifacts.check_artifact`). An input that is not there
  (changed, vanished, logged from memory) is available when the object store
  (:mod:`provenance.objects`) keeps its content intact ("restored from the object store");
  else an input with no uri is *not retrievable*; it is still fine when a transform in the ancestry
  produced it (it can be regenerated, and that transform is checked too). Only inputs that
  are neither retrievable nor regenerable, or whose content changed, block a reproduction.
* **code**: ``source`` when the recorded source digest matches the entrypoint's current
  source *and* every recorded local source file (the function's module file and the local
  modules it imports, :mod:`provenance.capture.modules`) still has its recorded content
  digest; ``commit`` when the recorded git commit is still in its repository (``git cat-file
  -e``), the work tree was clean, and every source file that changed since is tracked in
  that commit (an untracked or ignored local module is not: a change to it is ``changed``).
  Each changed or missing file is named (``changed_files``). The function is found by
  compiling its recorded module file, without executing it, and walking the nested code
  objects to the recorded qualname (:func:`~provenance.capture.entrypoint.entrypoint_code`);
  a record without a module file (older ones) imports a module-level function's module
  instead. A dirty work tree's uncommitted diff is known only by its digest, so it counts
  only if the source digest and the source files still match. Records from before source
  files were recorded are checked by the function's source digest alone.
* **seed state**: a master seed or an RNG snapshot was recorded, or the transform declared
  itself deterministic.
* **environment**: the recorded Python version and implementation, platform and machine,
  and the versions of the distributions the run imported, compared with this process's
  (:func:`~provenance.capture.compare_environments`); CUDA, cuDNN and GPUs only when both the
  run and this process recorded a CUDA version. Other recorded packages that differ now are
  listed as *unrelated* (``environment_unrelated``): shown, not counted. A run recorded
  before the imported distributions were (no ``imported`` list) has every recorded package
  compared.

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
    >>> (d / "raw.txt").unlink()  # gone, but its content was kept in the object store
    >>> verify(t.store, out.id).transforms[0].inputs[0].detail  # doctest: +ELLIPSIS
    '... does not exist: restored from the object store (digest re-checked)'
    >>> _ = t.objects.delete(raw.id)  # and without that copy:
    >>> verify(t.store, out.id).verdict
    'unreproducible'
    >>> t.close()
"""

from __future__ import annotations

import shutil
import subprocess
from collections import defaultdict
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from provenance.analysis.artifacts import ArtifactCheck, check_artifact
from provenance.analysis.order import transforms_in_order
from provenance.capture.entrypoint import entrypoint_code, is_script, parse_entrypoint
from provenance.capture.environment import EnvironmentChanges, compare_environments
from provenance.capture.modules import changed_source_files, source_file_path
from provenance.errors import NotFoundError, ProvenanceError
from provenance.model import (
    Artifact,
    CodeVersion,
    Edge,
    Environment,
    LineageGraph,
    Transform,
    short_id,
)
from provenance.store.base import Direction, LineageStore

if TYPE_CHECKING:
    from provenance.objects import ObjectStore

__all__ = [
    "ArtifactCheck",  # defined in provenance.analysis.artifacts; verify reports are made of it
    "CodeCheck",
    "TransformCheck",
    "Verdict",
    "VerifyReport",
    "check_code",
    "current_environment",
    "environment_changes",
    "restored_check",
    "verify",
]

Verdict = Literal["exact", "seeded", "unreproducible"]
CodeStatus = Literal["source", "commit", "changed", "missing", "unknown", "unrecorded"]
_RANK: dict[str, int] = {"unreproducible": 0, "seeded": 1, "exact": 2}


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
    #: The recorded local source files whose content changed or that are gone, as
    #: ``"name (changed)"`` / ``"name (missing)"``; their names are those recorded.
    changed_files: list[str] = Field(default_factory=list)

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
    #: Differences that count: they cap the verdict at ``seeded``.
    environment_diff: list[str] = Field(default_factory=list)
    #: Differences the run does not depend on (packages it did not import, fields not
    #: compared): shown, not counted.
    environment_unrelated: list[str] = Field(default_factory=list)
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


# --- code --------------------------------------------------------------------------------------
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


def _script_file(code: CodeVersion) -> Path | None:
    """The file of a script entrypoint (``/abs/train.py:main``, or ``jobs/train.py:main``
    under the recorded repository), None for an importable module's."""
    module, _, _ = (code.entrypoint or "").partition(":")
    if not module or module == "__main__" or not is_script(module):
        return None
    path = Path(module)
    if not path.is_absolute():
        if code.repo_root is None:
            return None
        path = Path(code.repo_root) / path
    return path


def _tracked_at(root: str, commit: str, names: list[str]) -> set[str]:
    """Which of ``names`` (relative to ``root``) commit ``commit`` holds (none when git cannot
    tell)."""
    git = shutil.which("git")
    relative = [n for n in names if not Path(n).is_absolute()]
    if git is None or not relative or not Path(root).is_dir():
        return set()
    try:
        proc = subprocess.run(
            [git, "-C", root, "ls-tree", "-r", "-z", "--name-only", commit, "--", *relative],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return set()
    if proc.returncode != 0:
        return set()
    return {p.decode("utf-8", "surrogateescape") for p in proc.stdout.split(b"\0") if p}


def _files_text(changes: list[tuple[str, str]]) -> str:
    return "; ".join(
        f"source file {name} changed since it ran"
        if status == "changed"
        else f"source file {name} is gone"
        for name, status in changes
    )


def _current_code(code: CodeVersion) -> Any:
    """What to re-digest for the code version's entrypoint: found in its recorded module file
    (compiled, not run) when there is one, else as :func:`entrypoint_code` finds it."""
    assert code.entrypoint is not None
    if code.module_file:
        _, qual = parse_entrypoint(code.entrypoint)
        try:
            return entrypoint_code(f"{Path(code.module_file).as_posix()}:{qual}", None)
        except ProvenanceError:
            if code.module_file and not Path(code.module_file).is_file():
                raise
    return entrypoint_code(code.entrypoint, code.repo_root)


def check_code(code: CodeVersion | None) -> CodeCheck:
    """Is the code a transform ran still reachable (source digest, or a clean commit)?

    A script (an entrypoint that names a ``.py`` file by its path, as a plain script outside
    git is recorded) is re-checked at that path: ``source`` when the file is there and its
    source still has the recorded digest, ``changed`` when it differs, ``missing`` when the
    file is gone. Recorded local source files (the function's module and the local modules
    it imports) must still have their recorded digests; each that does not is named.

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

    files = code.source_files or {}
    file_changes = changed_source_files(files, code.repo_root or code.import_root)
    base: dict[str, Any] = dict(
        code_version_id=code.id,
        entrypoint=code.entrypoint,
        git_commit=code.git_commit,
        changed_files=[f"{name} ({status})" for name, status in file_changes],
    )
    files_ok = f"; its {len(files)} local source file{'s' * (len(files) != 1)} unchanged"
    fn_note = ""
    # something that ran was found and differs now (a gone file alone is "missing")
    changed = any(status == "changed" for _, status in file_changes)
    script: Path | None = None
    if code.source_digest and code.entrypoint:
        script = _script_file(code)
        try:
            current = source_digest(_current_code(code))
        except ProvenanceError as exc:
            fn_note = str(exc)
            if script is not None:  # say what happened to the file at the recorded path
                changed = changed or script.is_file()
                fn_note = (
                    f"script {script} changed since it ran: {exc}"
                    if script.is_file()
                    else f"script {script} is gone (no file at the recorded path)"
                )
        else:
            if current == code.source_digest and not file_changes:
                detail = f"{code.entrypoint}: current source matches the recorded digest"
                if script is not None:
                    detail = (
                        f"script {script} is there and its source still has the recorded "
                        "digest: verifiable" + ("" if code.git_commit else " without git")
                    )
                return CodeCheck(**base, status="source", detail=detail + files_ok * bool(files))
            if current == code.source_digest:
                fn_note = f"{code.entrypoint} itself is unchanged, but"
            else:
                changed = True
                fn_note = (
                    f"{code.entrypoint}: source changed since it ran"
                    if script is None
                    else f"script {script} changed since it ran (its source digest differs from "
                    "the recorded one)"
                )
    if script is not None and fn_note.startswith(f"script {script}"):
        # the script's note already says what happened to its own file
        root = code.repo_root or code.import_root
        file_changes = [
            (name, status)
            for name, status in file_changes
            if source_file_path(name, root).as_posix() != script.as_posix()
        ]
    files_note = _files_text(file_changes)
    joiner = " " if fn_note.endswith(" but") else "; "
    source_note = joiner.join(x for x in (fn_note, files_note) if x)
    if code.git_commit:
        short = code.git_commit[:12]
        exists = _commit_exists(code.repo_root, code.git_commit) if code.repo_root else None
        if exists and not code.git_dirty:
            names = [name for name, _ in file_changes]
            outside = sorted(set(names) - _tracked_at(code.repo_root or "", code.git_commit, names))
            detail = f"commit {short} is in {code.repo_root}"
            if not outside:
                if file_changes:
                    detail += f" and holds the code as it ran ({source_note})"
                return CodeCheck(**base, status="commit", detail=detail)
            return CodeCheck(
                **base,
                status="changed",
                detail=f"{detail}, but not all the code that ran: {source_note}; "
                f"not in the commit: {', '.join(outside)}",
            )
        if exists:
            why = (
                f"commit {short} is in {code.repo_root} but the work tree was dirty: its "
                "uncommitted changes are known only by their digest"
            )
            return CodeCheck(
                **base,
                status="changed" if changed else "unknown",
                detail=f"{why}; {source_note or 'no source digest to re-check'}",
            )
        where = code.repo_root or "(no repository recorded)"
        status: CodeStatus = "changed" if changed else "missing"
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
        return CodeCheck(**base, status="changed" if changed else "missing", detail=source_note)
    return CodeCheck(
        **base, status="unknown", detail="neither a commit nor a source digest recorded"
    )


# --- environment -------------------------------------------------------------------------------
@cache
def current_environment() -> Environment:
    """This process's environment, every installed package listed (captured once): what
    verify and replay compare recorded environments with.

    Example:
        >>> current_environment().package_scope
        'all'
    """
    from provenance.capture import capture_environment

    return capture_environment("all")


def environment_changes(recorded: Environment, current: Environment | None = None) -> list[str]:
    """What differs, of what the run depends on, between a recorded environment and
    ``current`` (default: this process's, every installed package): the ``relevant`` part of
    :func:`~provenance.capture.compare_environments` (its docs give the rules).

    Example:
        >>> from provenance.capture import capture_environment
        >>> env = capture_environment()
        >>> environment_changes(env, env)
        []
    """
    now = current if current is not None else current_environment()
    return compare_environments(recorded, now).relevant


# --- verify ------------------------------------------------------------------------------------
def _label(t: Transform) -> str:
    return f"{t.name or t.operation} ({short_id(t.id, 10)})"


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


class _Ancestry:
    """The ancestry being checked: its nodes, each transform's edges, what a transform in it
    produced, and every artifact check made so far (each artifact is re-read once)."""

    def __init__(
        self,
        graph: LineageGraph,
        current_env: Callable[[Environment], EnvironmentChanges],
        objects: ObjectStore | None = None,
    ):
        self.objects = objects
        self.nodes = {n.id: n for n in graph.nodes}
        self.edges: dict[str, list[Edge]] = defaultdict(list)
        for e in graph.edges:
            self.edges[e.source].append(e)
        self.produced = {e.target for e in graph.edges if e.type == "PRODUCED"}
        self.current_env = current_env
        self._checks: dict[str, ArtifactCheck] = {}
        #: Code checks by code version id: transforms that ran one code version share it.
        self.code_checks: dict[str, CodeCheck] = {}

    def checked(self, artifact: Artifact) -> ArtifactCheck:
        """The artifact's own :func:`check_artifact` (made once)."""
        if artifact.id not in self._checks:
            check = check_artifact(artifact)
            if not check.ok and self.objects is not None:
                check = restored_check(check, artifact, self.objects)
            self._checks[artifact.id] = check
        return self._checks[artifact.id]

    def artifact(self, aid: str, role: str | None) -> ArtifactCheck:
        """The check of an input (or model) in ``role``: regenerable when not retrievable but
        produced in the ancestry."""
        node = self.nodes.get(aid)
        if not isinstance(node, Artifact):
            return ArtifactCheck(
                id=aid,
                node_type="Artifact",
                name="?",
                kind="?",
                role=role,
                status="missing",
                detail="recorded but not in the store",
            )
        c = self.checked(node).model_copy(update={"role": role})
        if c.status in ("not_retrievable", "missing") and aid in self.produced:
            c = c.model_copy(
                update={
                    "status": "regenerable",
                    "detail": f"{c.detail}; regenerable: produced by a transform in the ancestry",
                }
            )
        return c

    def targets(self, t: Transform, edge_type: str) -> list[Edge]:
        """The transform's edges of one type."""
        return [e for e in self.edges.get(t.id, ()) if e.type == edge_type]


def _input_checks(t: Transform, anc: _Ancestry) -> list[ArtifactCheck]:
    """Every input of ``t`` (USED edges, and recorded input ids without one), by role."""
    used = [(e.target, e.role) for e in anc.targets(t, "USED")]
    seen = {u for u, _ in used}
    used += [(aid, None) for aid in t.input_ids if aid not in seen]
    return [anc.artifact(aid, role) for aid, role in sorted(used, key=lambda x: (x[1] or "", x[0]))]


def _model_check(t: Transform, anc: _Ancestry) -> ArtifactCheck | None:
    """The model weights ``t`` used, if any."""
    model_id = t.model_id or next((e.target for e in anc.targets(t, "USED_MODEL")), None)
    return anc.artifact(model_id, "model") if model_id else None


def _code_check(t: Transform, anc: _Ancestry) -> CodeCheck:
    """The check of the code version ``t`` ran (its id, else its RAN edge)."""
    code = anc.nodes.get(t.code_version_id) if t.code_version_id else None
    if code is None:
        code = next(
            (anc.nodes[e.target] for e in anc.targets(t, "RAN") if e.target in anc.nodes), None
        )
    if not isinstance(code, CodeVersion):
        return check_code(None)
    if code.id not in anc.code_checks:
        anc.code_checks[code.id] = check_code(code)
    return anc.code_checks[code.id]


def _environment_check(
    t: Transform, label: str, current_env: Callable[[Environment], EnvironmentChanges]
) -> tuple[EnvironmentChanges, str | None]:
    """What differs from the recorded environment, and the reason the verdict is capped at
    ``seeded`` (None when the environment was recorded and nothing it depends on differs)."""
    if t.environment is None:
        return (
            EnvironmentChanges(),
            f"{label}: environment not recorded; identical results not guaranteed",
        )
    changes = current_env(t.environment)
    diff = changes.relevant
    if not diff:
        return changes, None
    shown = "; ".join(diff[:3]) + (f"; and {len(diff) - 3} more" if len(diff) > 3 else "")
    return changes, f"{label}: environment differs from now ({len(diff)}): {shown}"


def _check_transform(t: Transform, anc: _Ancestry) -> TransformCheck:
    """Every check of one transform, and its verdict (see the module docstring)."""
    label = _label(t)
    inputs = _input_checks(t, anc)
    model = _model_check(t, anc)
    code = _code_check(t, anc)
    seed_ok, seed_text, level = _seed_check(t)
    blockers = [
        f"{label}: input {c.name} is {c.status.replace('_', ' ')} ({c.detail})"
        for c in inputs
        if not c.ok
    ]
    if model is not None and not model.ok:
        blockers.append(
            f"{label}: model weights {model.name} are "
            f"{model.status.replace('_', ' ')} ({model.detail})"
        )
    if not code.ok:
        blockers.append(f"{label}: code {code.status}: {code.detail}")
    if not seed_ok:
        blockers.append(f"{label}: {seed_text}")
    if t.status != "succeeded":
        blockers.append(f"{label}: the run {t.status}" + (f" ({t.error})" if t.error else ""))
    env, env_reason = _environment_check(t, label, anc.current_env)
    if env_reason is not None and level == "exact":
        level = "seeded"
    reasons = [] if blockers else [f"{label}: {seed_text}"]
    reasons += [env_reason] if env_reason is not None else []
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
        environment_diff=env.relevant,
        environment_unrelated=env.unrelated,
        verdict="unreproducible" if blockers else level,
        reasons=blockers + reasons,
    )


def restored_check(check: ArtifactCheck, artifact: Artifact, objects: ObjectStore) -> ArtifactCheck:
    """``check`` (an artifact not available where its uri points) made ``available`` when the
    object store keeps the artifact's content and it re-hashes to the id; the detail then
    says "restored from the object store". Unchanged otherwise (an erased artifact, no
    object, or a corrupt one: the detail then says so).

    Example:
        >>> import tempfile
        >>> from provenance.objects import ObjectStore
        >>> from provenance.hashing import digest_object
        >>> from provenance.analysis.artifacts import check_artifact
        >>> objects = ObjectStore(tempfile.mkdtemp())
        >>> a = Artifact(id=digest_object(b"kept").digest, name="a", kind="bytes")
        >>> _ = objects.put(b"kept", a.id)
        >>> c = restored_check(check_artifact(a), a, objects)
        >>> c.status, c.detail
        ('available', 'logged from memory: restored from the object store (digest re-checked)')
    """
    from provenance.errors import ObjectStoreError

    if check.ok or artifact.erased or not objects.has(artifact.id):
        return check
    try:
        objects.verify(artifact.id)
    except ObjectStoreError as exc:
        return check.model_copy(
            update={"detail": f"{check.detail}; the object store's copy is unusable: {exc}"}
        )
    why = (
        "logged from memory"
        if check.status == "not_retrievable" and not artifact.uri
        else check.detail
    )
    return check.model_copy(
        update={
            "status": "available",
            "loaded_as": None,
            "detail": f"{why}: restored from the object store (digest re-checked)",
        }
    )


def verify(
    store: LineageStore,
    node_id: str,
    *,
    environment: Environment | None = None,
    objects: ObjectStore | None = None,
) -> VerifyReport:
    """Check whether ``node_id`` (an artifact, model or transform) can be reproduced.

    Every transform of the node's whole ancestry is checked (see the module docs for each
    check and the verdict rule). ``environment`` overrides the current environment the
    recorded ones are compared with (default: captured now, every installed package).
    An artifact that is not where its uri points (changed, vanished, logged from memory) is
    available when ``objects`` (default: the store's :class:`~provenance.objects.ObjectStore`)
    keeps it intact: its check says "restored from the object store" (:func:`restored_check`;
    the file at the uri is left as it is). Raises :class:`~provenance.errors.NotFoundError`
    for an unknown id and :class:`ProvenanceError` for a code version id.

    Example:
        >>> import tempfile
        >>> from provenance import Tracker
        >>> t = Tracker(tempfile.mkdtemp() + "/")
        >>> a = t.log_artifact(b"in memory", name="a", keep=False)
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

    def env_changes(recorded: Environment) -> EnvironmentChanges:
        now = environment if environment is not None else current_environment()
        return compare_environments(recorded, now)

    if objects is None:
        from provenance.objects import ObjectStore

        objects = ObjectStore.for_store(store)
    anc = _Ancestry(graph, env_changes, objects)
    checks = [_check_transform(t, anc) for t in transforms_in_order(graph)]
    sources = [
        anc.checked(a)
        for a in sorted(graph.artifacts, key=lambda a: (a.name, a.id))
        if a.id not in anc.produced
    ]
    target: ArtifactCheck | None = None
    reasons: list[str] = []
    verdict: Verdict = "exact"
    if isinstance(node, Artifact):
        target = anc.checked(node)
        if node.id not in anc.produced:
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
