"""Reproducibility verdicts: inputs, code, model weights, seeds, environment; every backend."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from provenance import Tracker
from provenance.analysis.verify import CodeCheck, check_code, verify
from provenance.capture import capture_code_version
from provenance.cli.app import main
from provenance.errors import NotFoundError, ProvenanceError
from provenance.model import CodeVersion, Transform
from provenance.render import render_verify
from provenance.store import LineageStore, SQLiteStore
from tests import test_parity
from tests.scenarios import CODE, art, multi_input_join
from tests.test_capture_code import git

#: The backend-parametrized store fixture of the parity suite (sqlite, neo4j).
store = test_parity.store

REPO = Path(__file__).resolve().parents[1]


# Module-level functions: importable by their entrypoint, so their source can be re-checked.
def clean(path: Path, factor: float = 1.0) -> pd.DataFrame:
    df = pd.read_csv(path)
    return df.assign(x=df.x * factor)


def noisy(data: pd.DataFrame) -> pd.DataFrame:
    return data.assign(n=np.random.normal(size=len(data)).round(6))


def pipeline(t: Tracker, tmp: Path) -> tuple[str, str]:
    """raw.csv (file) --clean (deterministic)--> cleaned (in memory) --noise (seed 7)--> noisy."""
    (tmp / "raw.csv").write_text("x\n1\n2\n3\n")
    t.transform("clean", deterministic=True)(clean)(tmp / "raw.csv", factor=2.0)
    cleaned = t.last_outputs[0]
    frame = clean(tmp / "raw.csv", factor=2.0)
    t.transform("noise", seed=7)(noisy)(frame)  # logs the frame: the same digest as `cleaned`
    return cleaned.id, t.last_outputs[0].id


def test_exact_and_seeded(store: LineageStore, tmp_path: Path) -> None:
    t = Tracker(store, keep=False)  # nothing kept: the object store cannot restore
    cleaned, noised = pipeline(t, tmp_path)
    r = verify(store, cleaned)
    assert r.verdict == "exact", r.reasons
    (tc,) = r.transforms
    assert tc.code.status == "source" and tc.seed == "declared deterministic"
    assert [(i.role, i.status) for i in tc.inputs] == [("path", "available")]
    assert tc.environment_diff == [] and r.target is not None
    assert r.target.status == "not_retrievable"  # the output was never written anywhere
    r2 = verify(store, noised)
    # clean: exact; noise: seeded (master seed 7), its in-memory input regenerable by clean
    assert r2.verdict == "seeded" and len(r2.transforms) == 2
    noise = next(c for c in r2.transforms if c.operation == "noise")
    assert noise.verdict == "seeded" and "master seed 7" in noise.seed
    assert [i.status for i in noise.inputs] == ["regenerable"]
    assert [s.name for s in r2.sources] == ["clean.path"] and r2.sources[0].ok


def test_missing_and_changed_inputs(store: LineageStore, tmp_path: Path) -> None:
    t = Tracker(store, keep=False)  # nothing kept: the object store cannot restore
    _, noised = pipeline(t, tmp_path)
    (tmp_path / "raw.csv").write_text("x\n1\n2\n4\n")
    r = verify(store, noised)
    assert r.verdict == "unreproducible"
    assert any("input clean.path is changed" in x for x in r.reasons), r.reasons
    (tmp_path / "raw.csv").unlink()
    r = verify(store, noised)
    assert any("input clean.path is missing" in x for x in r.reasons), r.reasons
    # only the blocking transform's reasons are listed for an unreproducible verdict
    assert all(x.startswith("clean") for x in r.reasons)


def test_environment_difference_downgrades_exact(store: LineageStore, tmp_path: Path) -> None:
    t = Tracker(store)
    cleaned, _ = pipeline(t, tmp_path)
    env = t.environment
    pkg = sorted(env.packages)[0]
    other = env.model_copy(update={"packages": {**env.packages, pkg: "0.0.0-test"}})
    r = verify(store, cleaned, environment=other)
    assert r.verdict == "seeded"
    assert r.transforms[0].environment_diff == [f"{pkg} {env.packages[pkg]} -> 0.0.0-test"]
    assert any("environment differs" in x for x in r.reasons)


def test_unseeded_snapshot_and_model_weights(store: LineageStore, tmp_path: Path) -> None:
    t = Tracker(store, keep=False)  # nothing kept: the object store cannot restore
    np.save(tmp_path / "w.npy", np.arange(4.0))
    weights = t.log_artifact(tmp_path / "w.npy", name="w", kind="model")
    assert weights.node_type == "Model"
    (tmp_path / "in.txt").write_text("input")
    x = t.log_artifact(tmp_path / "in.txt", name="input-file")
    with t.run("predict", inputs=[x], model=weights, entrypoint=clean) as run:  # unseeded
        out = run.output(b"predictions", name="preds")
    r = verify(store, out.id)
    (tc,) = r.transforms
    assert tc.model is not None and tc.model.status == "available"
    assert "RNG states snapshotted" in tc.seed and r.verdict == "seeded"
    (tmp_path / "w.npy").unlink()
    r = verify(store, out.id)
    assert r.verdict == "unreproducible"
    assert any("model weights w are missing" in x for x in r.reasons), r.reasons


def test_synthetic_graph_is_unreproducible(store: LineageStore) -> None:
    multi_input_join(store)
    r = verify(store, art("clean").id)
    # scenario transforms: no seed state, commit 000… with no repository, in-memory sources
    assert r.verdict == "unreproducible" and len(r.transforms) == 2
    join = next(c for c in r.transforms if c.operation == "join")
    assert join.code.status == "missing" and not join.seed_recorded
    assert {i.name: i.status for i in join.inputs} == {
        "users": "not_retrievable",
        "events": "not_retrievable",
    }
    clean_t = next(c for c in r.transforms if c.operation == "clean")
    assert [i.status for i in clean_t.inputs] == ["regenerable"]  # joined: produced by join
    assert any("no seed state recorded" in x for x in r.reasons)


def test_source_artifact_and_bad_ids(store: LineageStore, tmp_path: Path) -> None:
    t = Tracker(store)
    (tmp_path / "f.txt").write_text("data")
    a = t.log_artifact(tmp_path / "f.txt", name="f")
    r = verify(store, a.id)
    assert r.verdict == "exact" and r.transforms == [] and r.reasons[0].startswith("f is a source")
    with pytest.raises(NotFoundError):
        verify(store, "blake3:" + "0" * 64)
    store.write([CODE], [])
    with pytest.raises(ProvenanceError, match="code version"):
        verify(store, CODE.id)


def test_check_code_paths() -> None:
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()

    def cv(**kw: object) -> CodeVersion:
        return CodeVersion(id="blake3:" + "1" * 64, **kw)  # type: ignore[arg-type]

    if head:
        assert (
            check_code(cv(git_commit=head, git_dirty=False, repo_root=str(REPO))).status == "commit"
        )
        dirty = check_code(cv(git_commit=head, git_dirty=True, repo_root=str(REPO)))
        assert dirty.status == "unknown" and "dirty" in dirty.detail
    assert check_code(cv(git_commit="f" * 40, repo_root=str(REPO))).status == "missing"
    assert (
        check_code(cv(entrypoint=f"{__name__}:clean", source_digest="blake3:" + "2" * 64)).status
        == "changed"
    )
    assert check_code(capture_code_version(clean)).status == "source"
    gone = check_code(cv(entrypoint="no_such_module_xyz:f", source_digest="blake3:" + "2" * 64))
    assert gone.status == "missing" and "cannot import" in gone.detail
    assert check_code(cv()).status == "unknown"


def test_cli_verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    from rich.console import Console

    s = SQLiteStore(f"{tmp_path}/l.sqlite")
    t = Tracker(s)
    cleaned, noised = pipeline(t, tmp_path)
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(render_verify(verify(s, noised)))
    assert "Verdict: seeded" in console.export_text()
    s.close()
    uri = f"{tmp_path}/l.sqlite"
    assert main(["verify", cleaned[:16], "--store", uri, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "exact" and data["whole_ancestry"] is True
    assert main(["verify", noised, "--store", uri]) == 0
    assert "seeded" in capsys.readouterr().out
    assert main(["verify", "abcd1234", "--store", uri]) == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_run_blocks_in_nested_functions_and_scripts(store: LineageStore, tmp_path: Path) -> None:
    from provenance.capture import source_digest

    t = Tracker(store)
    (tmp_path / "in.txt").write_text("x")
    src = t.log_artifact(tmp_path / "in.txt", name="in")

    def step() -> str:  # a `with tracker.run` block in a nested function (like the demo's)
        with t.run("step", inputs=[src], deterministic=True) as run:
            run.output(b"out", name="out")
        return run.transform_id

    tid = step()
    r = verify(store, tid)
    assert r.transforms[0].code.entrypoint == (
        f"{__name__}:test_run_blocks_in_nested_functions_and_scripts.<locals>.step"
    )
    # found by compiling the module (not importing it) and walking its nested code objects
    assert r.transforms[0].code.status == "source" and r.verdict == "exact"

    # a script's module-level block: compiled from repo_root/<path>, never executed
    script = tmp_path / "train.py"
    script.write_text("print('training')\nx = 1\n")
    digest = source_digest(compile(script.read_bytes(), str(script), "exec"))
    cv = CodeVersion(
        id="blake3:" + "3" * 64,
        entrypoint="train.py:<module>",
        source_digest=digest,
        repo_root=str(tmp_path),
    )
    assert check_code(cv).status == "source"
    # (inspect.getsource of module code, which the capture digests, reads its first block)
    script.write_text("print('training v2')\nx = 1\n")
    assert check_code(cv).status == "changed"
    script.unlink()
    assert check_code(cv).status == "missing"


_PLAIN_SCRIPT = """\
import sys
from provenance import Tracker

t = Tracker(sys.argv[1])
raw = t.log_artifact(sys.argv[2], name="raw")


def main():
    with t.run("clean", inputs=[raw], deterministic=True) as run:
        out = run.output(b"cleaned", name="clean")
    return out


out = main()
with t.run("publish", inputs=[out], deterministic=True) as run:  # a module-level block
    final = run.output(b"published", name="final")
print(final.id)
t.close()
"""


def test_plain_script_outside_git_is_verified_by_path_and_digest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A plain script in a directory outside any git repository: recorded by its absolute
    path and source digest; verifiable while the file still has that digest, `changed`
    once it is edited, `missing` once it is gone (it was "unreproducible" whatever)."""
    import os
    import sys

    from provenance.capture import git_state

    work = tmp_path / "job"
    work.mkdir()
    # Outside any repository even where the temporary directory is inside one: git looks no
    # further up than tmp_path (the script's process inherits this too).
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert git_state(work) is None
    script = work / "train.py"
    script.write_text(_PLAIN_SCRIPT)
    (work / "raw.txt").write_text("raw data")
    store = f"{tmp_path}/store/"
    done = subprocess.run(
        [sys.executable, str(script), store, str(work / "raw.txt")],
        cwd=work,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    final = done.stdout.strip().splitlines()[-1]
    t = Tracker(store)
    r = verify(t.store, final)
    codes = {c.operation: c.code for c in r.transforms}
    assert codes["clean"].entrypoint == f"{script.resolve()}:main"
    assert codes["publish"].entrypoint == f"{script.resolve()}:<module>"
    for code in codes.values():
        assert code.status == "source" and code.git_commit is None
        assert code.detail == (
            f"script {script.resolve()} is there and its source still has the recorded "
            "digest: verifiable without git; its 1 local source file unchanged"
        )
    assert r.verdict != "unreproducible", r.reasons

    # an edit anywhere in the file changes the module-level block's digest (the whole file)
    # and, for main(), the file it was defined in: main() itself is unchanged, its file not
    script.write_text(_PLAIN_SCRIPT.replace("print(final.id)", "print('done', final.id)"))
    r = verify(t.store, final)
    codes = {c.operation: c.code for c in r.transforms}
    assert codes["clean"].status == "changed"
    assert codes["clean"].changed_files == ["train.py (changed)"]
    assert codes["clean"].detail == (
        f"{script.resolve()}:main itself is unchanged, but source file train.py changed "
        "since it ran"
    )
    assert codes["publish"].status == "changed"
    assert codes["publish"].detail.startswith(f"script {script.resolve()} changed since it ran")
    assert r.verdict == "unreproducible"
    assert any("changed since it ran" in reason for reason in r.reasons)

    script.unlink()
    codes = {c.operation: c.code for c in verify(t.store, final).transforms}
    assert {c.status for c in codes.values()} == {"missing"}
    gone = f"script {script.resolve()} is gone (no file at the recorded path)"
    assert codes["clean"].detail == gone
    t.close()
    assert main(["verify", final, "--store", store, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "unreproducible"


# --- code outside the function, and the environment, checked for real -------------------------
#: A pipeline script as users write them: a model class and the transform in one file, a
#: helper module beside it, the tracker configured by the environment, a main block.
JOB = """\
import os
import sys
from pathlib import Path

import helpers
from provenance import Tracker

tracker = Tracker(os.environ["JOB_STORE"], packages=os.environ.get("JOB_PACKAGES", "imported"))


class Model:
    def act(self, x):
        return max(x, 0)  # relu


@tracker.transform("fit", deterministic=True)
def fit(data: Path) -> bytes:
    xs = [int(v) for v in data.read_text().split()]
    return " ".join(str(Model().act(helpers.scale(x))) for x in xs).encode()


if __name__ == "__main__":
    fit(Path(sys.argv[1]))
    with open(Path(__file__).with_name("main-ran.log"), "a") as log:
        log.write("main ran\\n")
    print(tracker.last_outputs[0].id)
    tracker.close()
"""
HELPERS = "def scale(x):\n    return 2 * x\n"


def store_uri(store: LineageStore, request: pytest.FixtureRequest) -> str:
    """The URI another process opens the test's store with."""
    if isinstance(store, SQLiteStore):
        return store.uri
    return str(request.getfixturevalue("neo4j_server").store_uri)


def job_env(tmp_path: Path, uri: str, *pythonpath: Path) -> dict[str, str]:
    """The environment of a child process: the store, no repository above ``tmp_path`` unless
    one is made in it, and only provenance (plus ``pythonpath``) on PYTHONPATH: never the
    project, which must be found from where it was recorded."""
    import os

    paths = [*map(str, pythonpath), str(REPO)]
    return {
        **os.environ,
        "JOB_STORE": uri,
        "GIT_CEILING_DIRECTORIES": str(tmp_path),
        "PYTHONPATH": os.pathsep.join(paths),
    }


def make_project(root: Path, job: str = JOB) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "job.py").write_text(job)
    (root / "helpers.py").write_text(HELPERS)
    (root / "data.txt").write_text("1 -2 3\n")
    return root.resolve()


def run_job(proj: Path, env: dict[str, str]) -> str:
    """``python job.py data.txt`` in the project directory: the output's id."""
    import sys

    done = subprocess.run(
        [sys.executable, "job.py", "data.txt"],
        cwd=proj,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_changes_outside_the_function_are_named(
    store: LineageStore, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Outside git: the model class in the function's file and the helper module it imports
    are recorded by digest; a change to either is named, the function itself unchanged."""
    proj = make_project(tmp_path / "proj")
    out = run_job(proj, job_env(tmp_path, store_uri(store, request)))
    entry = f"{proj}/job.py:fit"

    def code_check() -> tuple[str, CodeCheck]:
        r = verify(store, out)
        (tc,) = r.transforms
        assert tc.code.entrypoint == entry
        return r.verdict, tc.code

    verdict, code = code_check()
    assert verdict == "exact"
    assert code.status == "source" and code.changed_files == []
    assert code.detail.endswith("its 2 local source files unchanged")

    # nn.ReLU() -> nn.Tanh() in the model class, in the same file: the function is the same
    (proj / "job.py").write_text(JOB.replace("max(x, 0)  # relu", "min(x, 0)  # tanh"))
    verdict, code = code_check()
    assert verdict == "unreproducible"
    assert code.status == "changed"
    assert code.changed_files == ["job.py (changed)"]
    assert code.detail == (
        f"{entry} itself is unchanged, but source file job.py changed since it ran"
    )
    (proj / "job.py").write_text(JOB)
    assert code_check()[0] == "exact"

    # the local module it imports
    (proj / "helpers.py").write_text(HELPERS.replace("2 * x", "3 * x"))
    verdict, code = code_check()
    assert verdict == "unreproducible"
    assert code.changed_files == ["helpers.py (changed)"]
    assert "source file helpers.py changed since it ran" in code.detail
    r = verify(store, out)
    assert any("source file helpers.py changed since it ran" in x for x in r.reasons), r.reasons
    (proj / "helpers.py").unlink()
    verdict, code = code_check()
    assert code.status == "missing"
    assert code.changed_files == ["helpers.py (missing)"]
    (proj / "helpers.py").write_text(HELPERS)
    assert code_check()[0] == "exact"


def test_untracked_and_ignored_modules_in_a_git_repository(
    store: LineageStore, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """In git the commit and the diff digest cover tracked files, but only a digest per file
    can say which one changed, and an ignored module is in neither."""
    proj = make_project(tmp_path / "repo")
    git(proj, "init", "-q", "-b", "main")
    git(proj, "add", "job.py", "data.txt")
    git(proj, "commit", "-q", "-m", "job")  # helpers.py: untracked, so the tree is dirty
    env = job_env(tmp_path, store_uri(store, request))
    dirty_out = run_job(proj, env)

    def code_of(out: str) -> CodeCheck:
        (tc,) = verify(store, out).transforms
        return tc.code

    code = code_of(dirty_out)
    assert code.entrypoint == "job.py:fit" and code.status == "source"
    (proj / "helpers.py").write_text(HELPERS.replace("2 * x", "3 * x"))
    code = code_of(dirty_out)
    assert code.status == "changed"
    assert code.changed_files == ["helpers.py (changed)"]
    assert "source file helpers.py changed since it ran" in code.detail
    (proj / "helpers.py").write_text(HELPERS)

    # the helper ignored by git: a clean tree, whose commit does not hold helpers.py (new
    # data too, so that this run's output is not the first run's)
    (proj / ".gitignore").write_text("helpers.py\nmain-ran.log\n__pycache__/\n")
    (proj / "data.txt").write_text("4 5\n")
    git(proj, "add", ".gitignore", "data.txt")
    git(proj, "commit", "-q", "-m", "ignore")
    clean_out = run_job(proj, env)
    assert verify(store, clean_out).verdict == "exact"
    (proj / "helpers.py").write_text(HELPERS.replace("2 * x", "3 * x"))
    code = code_of(clean_out)
    assert code.status == "changed"
    assert code.detail.endswith("not in the commit: helpers.py")
    assert verify(store, clean_out).verdict == "unreproducible"
    (proj / "helpers.py").write_text(HELPERS)

    # a tracked file changed since: the clean commit still holds it as it ran, and says which
    (proj / "job.py").write_text(JOB.replace("max(x, 0)  # relu", "min(x, 0)  # tanh"))
    code = code_of(clean_out)
    assert code.status == "commit" and code.ok
    assert code.changed_files == ["job.py (changed)"]
    assert "source file job.py changed since it ran" in code.detail
    assert verify(store, clean_out).verdict == "exact"


#: The environment test's job: its transform imports `usedmod` (distribution usedist); the
#: run records every installed distribution, otherdist among them, which it never imports.
ENV_JOB = JOB.replace("import helpers\n", "import helpers\nimport usedmod\n").replace(
    'return " ".join(', 'return str(usedmod.VALUE).encode() + " ".join('
)


def test_only_the_imported_distributions_count(
    store: LineageStore, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A change to a distribution the run did not import leaves "exact" (listed as
    unrelated); a version change of one it imported makes it "seeded", named."""
    import sys

    from tests.test_capture_environment import fake_distribution

    def site(name: str, used: str, value: int, other: str) -> Path:
        path = tmp_path / name / "site-packages"
        fake_distribution(path, "usedist", used, {"usedmod/__init__.py": f"VALUE = {value}\n"})
        fake_distribution(path, "otherdist", other, {"othermod/__init__.py": "X = 1\n"})
        return path

    as_recorded = site("v1", "1.0", 1, "1.0")
    other_bumped = site("v2", "1.0", 1, "2.0")
    used_bumped = site("v3", "2.0", 2, "1.0")
    proj = make_project(tmp_path / "proj", ENV_JOB)
    uri = store_uri(store, request)
    out = run_job(proj, {**job_env(tmp_path, uri, as_recorded), "JOB_PACKAGES": "all"})
    (t,) = verify(store, out).transforms
    node = store.get(t.transform_id)
    assert isinstance(node, Transform) and node.environment is not None
    recorded = node.environment
    imported = recorded.imported or []
    assert recorded.package_scope == "all"
    assert "usedist" in imported and "otherdist" not in imported
    assert recorded.packages["otherdist"] == "1.0"
    if "setuptools" in recorded.packages:  # imported by its start-up hook only: not counted
        assert "setuptools" not in imported

    def cli(command: str, pythonpath: Path) -> dict[str, Any]:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "provenance",
                command,
                out if command == "verify" else t.transform_id,
                "--store",
                uri,
                "--json",
            ],
            cwd=tmp_path,
            env=job_env(tmp_path, uri, pythonpath),
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode in (0, 1), done.stderr
        report: dict[str, Any] = json.loads(done.stdout)
        return report

    same = cli("verify", as_recorded)
    assert same["verdict"] == "exact", same["reasons"]
    unrelated = cli("verify", other_bumped)
    assert unrelated["verdict"] == "exact", unrelated["reasons"]
    (tc,) = unrelated["transforms"]
    # The run imported torch (provenance seeds it when installed), so it recorded torch's
    # CUDA version; this checking process has not imported torch: not compared, not counted.
    cuda = [
        f"cuda {recorded.cuda} (recorded) not compared: this process has not imported a CUDA "
        "build of torch"
    ] * bool(recorded.cuda)
    assert tc["environment_diff"] == []
    assert tc["environment_unrelated"] == [*cuda, "otherdist 1.0 -> 2.0"]
    used = cli("verify", used_bumped)
    assert used["verdict"] == "seeded"
    (tc,) = used["transforms"]
    assert tc["environment_diff"] == ["usedist 1.0 -> 2.0"]
    assert tc["environment_unrelated"] == cuda
    assert any("usedist 1.0 -> 2.0" in x for x in used["reasons"])

    # replay there: usedmod.VALUE is 2 now, the output differs, and the report says why
    assert cli("replay", as_recorded)["matched"] is True
    replayed = cli("replay", used_bumped)
    assert replayed["matched"] is False
    assert replayed["differences"] == ["environment: usedist 1.0 -> 2.0"]
