"""Re-execute a recorded transform and say whether it produces the same digests.

What can be replayed: a transform recorded by a function decorated with
:meth:`Tracker.transform <provenance.tracker.Tracker.transform>` (or a ``tracker.run(...,
entrypoint=fn)``) whose code version's entrypoint names a module-level function
``module:qualname``, or a function of a script (``train.py:fn``, a script run as ``python
train.py``). The function is loaded from where it was recorded
(:func:`~provenance.capture.load_entrypoint`): a module is imported with the ``sys.path``
entry it was found under first on ``sys.path`` (no ``PYTHONPATH`` needed, from any working
directory), a script's function from the script's file, whose module-level code runs but
whose ``if __name__ == "__main__":`` block does not. Its recorded inputs are bound to the
function's parameters by role (the decorator records each input under its parameter name) and
must be available where their uri points, with their digest re-checked (see
:func:`~provenance.analysis.artifacts.check_artifact`): files and directories are passed as
:class:`~pathlib.Path`, ``bytes`` artifacts as bytes, a table or ``.npy`` array file whose
*content* digest is the id as a DataFrame / array, a model argument (a fitted estimator, a
booster...) saved with ``tracker.log_model(..., save=True)`` as the model re-loaded from its
file (:mod:`provenance.models_io`). An input not available there (changed, vanished, logged
from memory) is taken from the object store (:mod:`provenance.objects`) when kept there,
verified, a file or directory as a fresh temporary copy; a note says "restored from the
object store". The hyperparameters are passed as keyword arguments.
The seed state is restored with :func:`~provenance.capture.replay_rng_states` (the master
seed re-derived, or the recorded RNG snapshot put back); a deterministic transform runs as
is.

Not replayable (the report says why): a ``with tracker.run`` block in a script or at module
level (its entrypoint is ``script.py:<module>`` or a function enclosing the block, not the
code that produced the outputs), nested functions and lambdas, transforms without a code
version, and inputs logged from memory (no uri) or whose content changed that the object
store does not keep.

The function is called undecorated (``__wrapped__``), so a replay records nothing.

When the outputs differ (or the function raises), ``differences`` says what differs from the
recording: the function's source, each recorded local source file that changed or is gone,
a seed state that could not be restored, and the environment the run depended on (the
distributions it imported, Python, platform; see
:func:`~provenance.capture.compare_environments`); inputs are re-checked before the run, so
a changed input stops the replay instead. When nothing recorded differs, it says so: the
function then depends on something not recorded (the clock, the network, a file it reads by
name, thread scheduling). These lines are in ``notes`` too.

How a decorated transform is told from a ``with tracker.run`` block inside a function (the
code version looks the same): the decorator records *every* parameter of the function, as an
input named after it or as a hyperparameter, so the recorded names must be exactly the
function's parameters; a function without parameters must also have its outputs named the
decorator's way (the function's name, or ``name.i``).

Example:
    >>> import tempfile
    >>> from provenance import Tracker
    >>> t = Tracker(tempfile.mkdtemp() + "/")
    >>> a = t.log_artifact(b"x", name="a")
    >>> with t.run("copy", inputs=[a]) as run:
    ...     _ = run.output(b"y", name="b")
    >>> r = replay(t.store, run.transform_id)
    >>> r.replayable, r.matched
    (False, None)
    >>> t.close()
"""

from __future__ import annotations

import inspect
import traceback
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from pydantic import BaseModel, Field

from provenance.analysis.artifacts import check_artifact, load_artifact
from provenance.capture.environment import compare_environments
from provenance.capture.modules import changed_source_files, load_entrypoint
from provenance.errors import NotATransformError, NotFoundError, ProvenanceError
from provenance.hashing.core import parse_digest
from provenance.model import Artifact, CodeVersion, SeedState, Transform, short_id
from provenance.objects import ObjectStore
from provenance.store.base import Direction, LineageStore
from provenance.wording import with_article

__all__ = ["OutputMatch", "ReplayReport", "replay"]


class OutputMatch(BaseModel):
    """One output of the replay against the recorded outputs."""

    index: int
    replayed_id: str
    #: The recorded output with this digest, if any.
    recorded_name: str | None = None
    matched: bool


class ReplayReport(BaseModel):
    """What happened when a recorded transform was executed again."""

    transform_id: str
    operation: str
    entrypoint: str | None = None
    replayable: bool
    #: True: every replayed output digest is a recorded output and vice versa; False: some
    #: differ; None: nothing ran (see ``reasons``).
    matched: bool | None = None
    reasons: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    seed: str | None = None
    inputs: dict[str, str] = Field(default_factory=dict)
    hyperparameters: dict[str, Any] = Field(default_factory=dict)
    recorded_outputs: dict[str, str] = Field(default_factory=dict)
    outputs: list[OutputMatch] = Field(default_factory=list)
    error: str | None = None
    #: When outputs differ: what differs from the recording (module docs), one per line.
    differences: list[str] = Field(default_factory=list)


def _seed_context(
    state: SeedState | None, notes: list[str]
) -> tuple[AbstractContextManager[Any], str]:
    from provenance.capture import replay_rng_states

    if state is None:
        notes.append("no seed state recorded: randomness is not restored")
        return nullcontext(), "none recorded"
    if state.master_seed is not None:
        return replay_rng_states(state), f"master seed {state.master_seed} re-derived and applied"
    if state.rng_states:
        return replay_rng_states(state), "recorded RNG states restored"
    if state.reproducibility == "exact":
        return nullcontext(), "deterministic: nothing to restore"
    notes.append("unseeded run without an RNG snapshot: randomness is not restored")
    return nullcontext(), "unseeded, no snapshot"


def replay(store: LineageStore, transform_id: str) -> ReplayReport:
    """Re-execute the recorded transform ``transform_id`` and compare output digests.

    Raises :class:`~provenance.errors.NotFoundError` for an unknown id and
    :class:`~provenance.errors.NotATransformError` for an id of another node type. A transform
    that cannot be replayed gives a report with ``replayable=False`` and the reasons; one
    whose function raises gives ``matched=False`` and the error.

    Example:
        >>> import tempfile
        >>> from provenance import Tracker
        >>> t = Tracker(tempfile.mkdtemp() + "/")
        >>> a = t.log_artifact(b"x", name="a")
        >>> try:
        ...     replay(t.store, a.id)
        ... except NotATransformError as exc:
        ...     print(exc)
        blake3:... is an Artifact, not a transform
        >>> t.close()
    """
    node = store.get(transform_id)
    if node is None:
        raise NotFoundError(f"no node with id {transform_id!r}")
    if not isinstance(node, Transform):
        raise NotATransformError(
            f"{transform_id} is {with_article(node.node_type)}, not a transform"
        )
    t = node
    report = ReplayReport(
        transform_id=t.id,
        operation=t.operation,
        replayable=False,
        hyperparameters=dict(t.hyperparameters),
    )
    rec = _Recorded(store, t)
    report.recorded_outputs = rec.outputs_by_name()
    fn = _function(t, rec, report)
    if fn is None or rec.code is None:
        return report
    code_diffs = _code_differences(fn, rec.code)
    report.notes.extend(code_diffs)
    kwargs = _bind_inputs(t, rec, report, ObjectStore.for_store(store))
    sig = inspect.signature(fn)
    if not _recorded_by_decorator(fn, sig, t, rec, report):
        return report
    call_kwargs = {**t.hyperparameters, **kwargs}
    try:
        sig.bind(**call_kwargs)
    except TypeError as exc:
        report.reasons.append(
            f"recorded inputs and hyperparameters do not fit {report.entrypoint}{sig}: {exc}"
        )
    if report.reasons:
        return report

    report.replayable = True
    seed_notes: list[str] = []
    seed_ctx, report.seed = _seed_context(t.seed_state, seed_notes)
    report.notes.extend(seed_notes)
    try:
        with seed_ctx:
            result = fn(**call_kwargs)
    except Exception as exc:  # the user's function may raise anything
        report.matched = False
        report.error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    else:
        _compare_outputs(result, t, rec, report)
    if report.matched is False:
        _explain(t, report, code_diffs, seed_notes)
    return report


def _code_differences(fn: Any, code: CodeVersion) -> list[str]:
    """The function's source and the recorded local source files, where they differ now."""
    from provenance.capture import source_digest

    out: list[str] = []
    if code.source_digest and source_digest(fn) != code.source_digest:
        out.append(f"{code.entrypoint}'s source changed since it was recorded")
    files = changed_source_files(code.source_files or {}, code.repo_root or code.import_root)
    for name, status in files:
        what = "changed since it ran" if status == "changed" else "is gone"
        out.append(f"code file {name} {what}")
    return out


def _explain(
    t: Transform, report: ReplayReport, code_diffs: list[str], seed_notes: list[str]
) -> None:
    """Fill ``report.differences``: what differs from the recording (see the module docs);
    the lines not in ``notes`` yet go there too."""
    from provenance.analysis.verify import current_environment

    env: list[str] = []
    if t.environment is None:
        env.append("environment: not recorded, so not compared")
    else:
        changes = compare_environments(t.environment, current_environment())
        env += [f"environment: {line}" for line in changes.relevant]
    diffs = [f"code: {line}" for line in code_diffs] + [f"seed: {line}" for line in seed_notes]
    diffs += env
    if not diffs:
        diffs.append(
            "nothing recorded differs (inputs re-checked, code files, seed state and the "
            "packages the run imported are as recorded): the function depends on something "
            "not recorded (the clock, the network, a file it reads by name, thread scheduling)"
        )
    report.differences = diffs
    report.notes.extend(env)  # the code and seed lines are there already
    if not (code_diffs or seed_notes or env):
        report.notes.append(diffs[0])


class _Recorded:
    """What the store holds about a transform: its inputs, outputs and code version."""

    def __init__(self, store: LineageStore, t: Transform) -> None:
        up = store.traverse(t.id, Direction.UP, depth=1)
        down = store.traverse(t.id, Direction.DOWN, depth=1)
        self.nodes = {n.id: n for n in [*up.nodes, *down.nodes]}
        #: (artifact id, role) of every USED edge
        self.used = [(e.target, e.role) for e in up.edges if e.source == t.id and e.type == "USED"]
        #: output id -> role of every PRODUCED edge
        self.produced = {
            e.target: e.role for e in down.edges if e.source == t.id and e.type == "PRODUCED"
        }
        code = self.nodes.get(t.code_version_id) if t.code_version_id else None
        self.code = code if isinstance(code, CodeVersion) else None

    def output_name(self, aid: str) -> str:
        """An output's name in the report: its role, else the artifact's name, else its id."""
        node = self.nodes.get(aid)
        return self.produced.get(aid) or (node.name if isinstance(node, Artifact) else aid)

    def outputs_by_name(self) -> dict[str, str]:
        return {self.output_name(aid): aid for aid in self.produced}


def _function(t: Transform, rec: _Recorded, report: ReplayReport) -> Any:
    """The recorded entrypoint's function, undecorated; None (with the reason) when there is
    none to call."""
    if rec.code is None or not rec.code.entrypoint:
        report.reasons.append("no code version with an entrypoint recorded")
        return None
    entrypoint = report.entrypoint = rec.code.entrypoint
    if t.status != "succeeded":
        report.reasons.append(f"the recorded run {t.status}; there are no outputs to compare")
        return None
    try:
        target = load_entrypoint(
            entrypoint,
            module_file=rec.code.module_file,
            import_root=rec.code.import_root,
            repo_root=rec.code.repo_root,
        )
    except ProvenanceError as exc:
        report.reasons.append(f"not replayable: {exc}")
        return None
    fn = inspect.unwrap(target) if callable(target) else None
    if fn is None or not inspect.isfunction(fn):
        report.reasons.append(
            f"not replayable: {entrypoint} is {with_article(type(target).__name__)}, not a function"
        )
        return None
    return fn


def _bind_inputs(
    t: Transform, rec: _Recorded, report: ReplayReport, objects: ObjectStore
) -> dict[str, Any]:
    """The recorded inputs, re-read and checked, keyed by role (the decorator's parameter
    names); what cannot be bound goes to the report's reasons. An input not available where
    its uri points is restored from the object store when kept there (a note says so; files
    and directories as a fresh copy)."""
    kwargs: dict[str, Any] = {}
    for aid, role in sorted(rec.used, key=lambda x: (x[1] or "", x[0])):
        art = rec.nodes.get(aid)
        if not isinstance(art, Artifact):
            report.reasons.append(f"input {aid} is not in the store")
            continue
        check = check_artifact(art, role)
        if check.status != "available" and role and objects.has(art.id) and not art.erased:
            try:
                kwargs[role] = objects.restore(art.id)
            except ProvenanceError as exc:
                report.reasons.append(f"input {role} ({art.name}): {exc}")
                continue
            report.notes.append(
                f"input {role} ({art.name}) {check.detail}: restored from the object store"
            )
            report.inputs[role] = art.id
            continue
        if check.status != "available":
            report.reasons.append(
                f"input {role or art.name} ({art.name}) is "
                f"{check.status.replace('_', ' ')}: {check.detail}"
            )
            continue
        if not role:
            report.reasons.append(f"input {art.name} has no role: cannot bind it to a parameter")
            continue
        kwargs[role] = load_artifact(art, check)
        report.inputs[role] = art.id
    if t.model_id:
        report.reasons.append(
            "transforms that USED_MODEL are not replayed (the model is not one of the "
            "function's arguments; pass it as an argument to @tracker.transform instead)"
        )
    return kwargs


def _recorded_by_decorator(
    fn: Any, sig: inspect.Signature, t: Transform, rec: _Recorded, report: ReplayReport
) -> bool:
    """Whether ``@tracker.transform`` recorded this call of ``fn`` (see the module docs).

    The decorator records every parameter (defaults applied) as an input (role = the
    parameter's name) or a hyperparameter. Anything else was recorded by a `with tracker.run`
    block inside the function, and calling the function is not a replay.
    """
    wanted = {
        p.name
        for p in sig.parameters.values()
        if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    }
    recorded_names = {r for _, r in rec.used if r} | set(t.hyperparameters)
    roles = [r or "" for r in rec.produced.values()]
    decorator_outputs = bool(roles) and all(
        r == fn.__name__ or r.startswith(fn.__name__ + ".") for r in roles
    )
    if wanted == recorded_names and (wanted or decorator_outputs):
        return True
    report.reasons.append(
        f"not replayable: the recorded inputs and hyperparameters "
        f"({', '.join(sorted(recorded_names)) or 'none'}) are not the parameters of "
        f"{report.entrypoint}{sig}: it was recorded by a `with tracker.run` block inside "
        "it, not by @tracker.transform"
    )
    return False


def _compare_outputs(result: Any, t: Transform, rec: _Recorded, report: ReplayReport) -> None:
    """Digest what the function returned (a tuple: each item) and match the recorded outputs."""
    from provenance.hashing import digest_object

    algo = parse_digest(t.id)[0]
    values = result if isinstance(result, tuple) else (result,)
    by_id = {aid: (role or aid) for aid, role in rec.produced.items()}
    replayed_ids: list[str] = []
    for i, value in enumerate(values):
        if value is None:
            continue
        try:
            digest = digest_object(value, algo=algo).digest
        except ProvenanceError as exc:
            report.notes.append(f"output {i} cannot be digested: {exc}")
            report.matched = False
            continue
        replayed_ids.append(digest)
        report.outputs.append(
            OutputMatch(
                index=i,
                replayed_id=digest,
                recorded_name=by_id.get(digest),
                matched=digest in by_id,
            )
        )
    if report.matched is None:
        report.matched = set(replayed_ids) == set(rec.produced)
    for aid in sorted(set(rec.produced) - set(replayed_ids)):
        report.notes.append(f"recorded output {by_id[aid]} ({short_id(aid)}) was not reproduced")
