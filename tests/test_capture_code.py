"""Code versions: git commit / dirty diff digest, source digests, entrypoints."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from provenance.capture import capture_code_version, git_state, source_digest
from provenance.hashing import digest_blob
from provenance.model import CodeVersion

REPO_ROOT = Path(__file__).resolve().parents[1]

STEPS = """\
def clean(rows):
    return [r for r in rows if r is not None]


class Scaler:
    def scale(self, xs, k=2):
        return [x * k for x in xs]
"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "steps.py").write_text(STEPS)
    (root / "README.md").write_text("hello\n")
    (root / ".gitignore").write_text("*.log\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    return root


def fn_of(repo: Path, name: str = "clean") -> Callable[..., Any]:
    module = load(repo / "pkg" / "steps.py", f"steps_{abs(hash(str(repo)))}")
    return getattr(module, name)  # type: ignore[no-any-return]


# --- inside a repository ---------------------------------------------------------------------
def test_clean_repo(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the process's cwd is NOT in the repo: the file decides
    clean = fn_of(repo)
    cv = capture_code_version(clean)
    assert cv.git_commit == git(repo, "rev-parse", "HEAD")
    assert cv.git_branch == "main"
    assert cv.git_dirty is False and cv.diff_digest is None
    assert cv.repo_root == os.path.realpath(repo)
    assert cv.entrypoint is not None and cv.entrypoint.endswith(":clean")
    assert cv.source_digest == source_digest(clean)
    # the module's file is recorded by its path under the repository and its content id
    files = {"pkg/steps.py": digest_blob(STEPS.encode())}
    assert cv.source_files == files
    assert cv.module_file == os.path.realpath(repo / "pkg" / "steps.py")
    assert cv.id == CodeVersion.make_id(
        entrypoint=cv.entrypoint,
        git_commit=cv.git_commit,
        diff_digest=None,
        source_digest=cv.source_digest,
        source_files=files,
    )
    assert capture_code_version(clean).id == cv.id  # deterministic


def test_dirty_tracked_change_then_revert(repo: Path) -> None:
    clean = fn_of(repo)
    original = capture_code_version(clean)
    readme = repo / "README.md"

    readme.write_text("hello\nworld\n")
    dirty = capture_code_version(clean)
    assert dirty.git_dirty is True and dirty.diff_digest is not None
    assert dirty.git_commit == original.git_commit
    assert dirty.id != original.id

    readme.write_text("hello\nthere\n")
    dirty2 = capture_code_version(clean)
    assert dirty2.git_dirty is True
    assert dirty2.diff_digest not in (None, dirty.diff_digest)  # reflects the current tree

    readme.write_text("hello\n")  # revert
    back = capture_code_version(clean)
    assert back.git_dirty is False and back.diff_digest is None
    assert back.id == original.id


def test_staged_changes_count_too(repo: Path) -> None:
    clean = fn_of(repo)
    original = capture_code_version(clean)
    (repo / "README.md").write_text("staged\n")
    git(repo, "add", "README.md")
    staged = capture_code_version(clean)
    assert staged.git_dirty is True and staged.id != original.id


def test_untracked_files_enter_the_diff_digest_ignored_ones_do_not(repo: Path) -> None:
    clean = fn_of(repo)
    original = capture_code_version(clean)

    (repo / "run.log").write_text("ignored by .gitignore\n")
    assert capture_code_version(clean).id == original.id

    extra = repo / "pkg" / "new_module.py"
    extra.write_text("X = 1\n")
    with_new = capture_code_version(clean)
    assert with_new.git_dirty is True and with_new.diff_digest is not None

    extra.write_text("X = 2\n")
    changed = capture_code_version(clean)
    assert changed.diff_digest not in (None, with_new.diff_digest)  # content, not just name

    extra.unlink()
    assert capture_code_version(clean).id == original.id


def test_diff_digest_matches_the_documented_formula(repo: Path) -> None:
    from provenance.hashing import digest_bytes, digest_file, digest_json

    (repo / "README.md").write_text("changed\n")
    (repo / "b.txt").write_text("bee\n")
    (repo / "a.txt").write_text("ay\n")
    diff = subprocess.run(
        ["git", "diff", "HEAD", "--binary", "--full-index", "--no-color", "--no-ext-diff"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout
    expected = digest_json(
        {
            "diff": digest_bytes(diff),
            "untracked": [
                ["a.txt", digest_file(repo / "a.txt")],
                ["b.txt", digest_file(repo / "b.txt")],
            ],
        },
        domain="code-diff",
    )
    state = git_state(repo)
    assert state is not None and state.diff_digest == expected


def test_modifying_the_functions_own_file_changes_both_digests(repo: Path) -> None:
    scale = fn_of(repo, "Scaler").scale
    original = capture_code_version(scale)
    assert original.entrypoint is not None and original.entrypoint.endswith(":Scaler.scale")
    (repo / "pkg" / "steps.py").write_text(STEPS.replace("x * k", "x * k + 0"))
    changed = capture_code_version(scale)
    assert changed.git_dirty is True
    assert changed.source_digest != original.source_digest  # the file on disk is what is read
    (repo / "pkg" / "steps.py").write_text(STEPS)
    assert capture_code_version(scale).id == original.id


def test_new_commit_and_detached_head(repo: Path) -> None:
    clean = fn_of(repo)
    first = capture_code_version(clean)
    (repo / "README.md").write_text("v2\n")
    git(repo, "commit", "-q", "-am", "second")
    second = capture_code_version(clean)
    assert second.git_commit == git(repo, "rev-parse", "HEAD") != first.git_commit
    assert second.git_dirty is False and second.id != first.id
    git(repo, "checkout", "-q", "--detach", "HEAD~1")
    detached = capture_code_version(clean)
    assert detached.git_branch is None
    assert detached.git_commit == first.git_commit and detached.id == first.id


def test_unborn_head(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    (root / "steps.py").write_text(STEPS)
    git(root, "init", "-q", "-b", "main")
    clean = load(root / "steps.py", "fresh_steps").clean
    untracked = capture_code_version(clean)
    assert untracked.git_commit is None and untracked.git_dirty is True
    git(root, "add", "steps.py")
    staged = capture_code_version(clean)
    assert staged.git_commit is None and staged.git_dirty is True
    assert staged.diff_digest not in (None, untracked.diff_digest)


def test_cwd_argument_picks_the_repository(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "free.py").write_text("def free(x):\n    return x\n")
    free = load(outside / "free.py", "free_mod").free
    assert capture_code_version(free).git_commit is None
    assert capture_code_version(free, cwd=repo).git_commit == git(repo, "rev-parse", "HEAD")


def test_repeated_capture_of_a_dirty_tree(repo: Path) -> None:
    """Captured again and again, a dirty tree is one code version; one more edit, another.
    (How long a capture takes against bare `git status` + `git diff`: bench/bench_claims.py.)"""
    clean = fn_of(repo)
    at_commit = capture_code_version(clean)
    (repo / "README.md").write_text("dirty\n")
    again = [capture_code_version(clean).model_dump(exclude={"created_at"}) for _ in range(5)]
    assert all(cv == again[0] for cv in again)
    assert again[0]["git_dirty"] and again[0]["id"] != at_commit.id
    (repo / "README.md").write_text("dirtier\n")
    edited = capture_code_version(clean)
    assert edited.git_dirty and edited.diff_digest not in (None, again[0]["diff_digest"])


# --- outside a repository ----------------------------------------------------------------------
def test_outside_a_repository_uses_the_source_digest(tmp_path: Path) -> None:
    (tmp_path / "lib.py").write_text(STEPS)
    clean = load(tmp_path / "lib.py", "lib_outside").clean
    cv = capture_code_version(clean)
    assert cv.git_commit is None and cv.git_branch is None and cv.git_dirty is None
    assert cv.diff_digest is None and cv.repo_root is None
    assert cv.source_digest is not None and cv.source_digest == source_digest(clean)
    assert cv.entrypoint == "lib_outside:clean"

    (tmp_path / "lib2.py").write_text(STEPS.replace("is not None", "is not None and r"))
    other = load(tmp_path / "lib2.py", "lib_outside").clean
    changed = capture_code_version(other)
    assert changed.source_digest != cv.source_digest and changed.id != cv.id


def test_source_digest_ignores_indentation_and_follows_wrappers() -> None:
    import functools

    def base(x: int, y: int) -> int:
        return x + y

    @functools.wraps(base)
    def wrapper(*a: Any, **k: Any) -> Any:
        return base(*a, **k)

    assert source_digest(wrapper) == source_digest(base)
    assert source_digest(functools.partial(base, 1)) == source_digest(base)
    assert capture_code_version(functools.partial(base, 1)).entrypoint == (
        f"{__name__}:test_source_digest_ignores_indentation_and_follows_wrappers.<locals>.base"
    )


def test_functions_without_source_use_the_code_object(tmp_path: Path) -> None:
    src = "def f(x):\n    return {'a', 'b'} & set(x)\n"
    ns1: dict[str, Any] = {}
    ns2: dict[str, Any] = {}
    exec(compile(src, "<repl>", "exec"), ns1)
    exec(compile(src, "<repl>", "exec"), ns2)
    ns3: dict[str, Any] = {}
    exec(compile(src.replace("'b'", "'c'"), "<repl>", "exec"), ns3)
    d1, d2, d3 = (source_digest(ns["f"]) for ns in (ns1, ns2, ns3))
    assert d1 is not None and d1 == d2 and d1 != d3
    cv = capture_code_version(ns1["f"], cwd=tmp_path)  # no file: cwd (else os.getcwd()) decides
    assert cv.source_digest == d1 and cv.git_commit is None
    assert cv.entrypoint == "__main__:f"


_HASHSEED_CHILD = """
import json
from provenance.capture import source_digest
ns = {}
exec(compile("def f(x):\\n    return x in {'alpha', 'beta', 'gamma'}\\n", "<repl>", "exec"), ns)
print(json.dumps(source_digest(ns["f"])))
"""


def test_code_object_digest_is_independent_of_pythonhashseed() -> None:
    outs = []
    for hashseed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed, "PYTHONPATH": str(REPO_ROOT)}
        done = subprocess.run(
            [sys.executable, "-c", _HASHSEED_CHILD],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        outs.append(json.loads(done.stdout))
    assert outs[0] == outs[1] and outs[0].startswith("blake3:")


def test_builtins_have_no_source_digest() -> None:
    cv = capture_code_version(len)
    assert cv.source_digest is None and cv.entrypoint == "builtins:len"


def test_callable_objects_are_named_by_their_class() -> None:
    class Doubler:
        def __call__(self, x: int) -> int:
            return 2 * x

    cv = capture_code_version(Doubler())
    assert cv.entrypoint is not None and cv.entrypoint.endswith("<locals>.Doubler")
    assert cv.source_digest == source_digest(Doubler)


# --- the caller's frame / __main__ ------------------------------------------------------------
def test_no_function_means_the_calling_frame() -> None:
    cv = capture_code_version()
    assert cv.entrypoint == f"{__name__}:test_no_function_means_the_calling_frame"
    assert cv.source_digest == source_digest(test_no_function_means_the_calling_frame)


_SCRIPT = """\
import json
from provenance.capture import capture_code_version

def main():
    return capture_code_version(main)

top = capture_code_version()
print(json.dumps([top.model_dump(mode="json"), main().model_dump(mode="json")]))
"""


def test_main_script_entrypoint_is_its_repo_relative_path(repo: Path) -> None:
    (repo / "scripts").mkdir()
    (repo / "scripts" / "run.py").write_text(_SCRIPT)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "script")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        [sys.executable, "scripts/run.py"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    top, main = json.loads(done.stdout)
    assert top["entrypoint"] == "scripts/run.py:<module>"
    assert main["entrypoint"] == "scripts/run.py:main"
    assert top["git_commit"] == git(repo, "rev-parse", "HEAD")
    assert top["git_dirty"] is False


def test_without_a_git_binary_capture_falls_back(repo: Path) -> None:
    env = {**os.environ, "PATH": "", "PYTHONPATH": str(REPO_ROOT)}
    code = (
        "import json, importlib.util, sys\n"
        "from provenance.capture import capture_code_version\n"
        f"spec = importlib.util.spec_from_file_location('s', {str(repo / 'pkg' / 'steps.py')!r})\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "print(json.dumps(capture_code_version(m.clean).model_dump(mode='json')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    cv = json.loads(done.stdout)
    assert cv["git_commit"] is None and cv["source_digest"].startswith("blake3:")


def test_tracker_style_code_object_with_entrypoint(tmp_path: Path) -> None:
    code = test_tracker_style_code_object_with_entrypoint.__code__
    cv = capture_code_version(code, entrypoint="x:y", cwd=tmp_path)
    assert cv.entrypoint == "x:y" and cv.git_commit is None
    assert cv.source_digest == source_digest(test_tracker_style_code_object_with_entrypoint)


# --- the project's own source files ---------------------------------------------------------
def _package(root: Path, name: str) -> dict[str, str]:
    """A package whose step uses a model class in a sibling module, a relative import, a
    lazy import inside the function, and a TYPE_CHECKING import; plus a stray module."""
    files = {
        f"{name}/__init__.py": "",
        f"{name}/steps.py": (
            "from typing import TYPE_CHECKING\n"
            "import json\n"
            "import numpy as np\n"
            "from . import util\n"
            f"from {name}.model import Net\n"
            "if TYPE_CHECKING:\n"
            "    from .typing_only import Row\n"
            "\n"
            "\n"
            "def step(xs):\n"
            "    from .lazy import K\n"
            "    return json.dumps([Net().act(x) * K for x in util.clean(xs)])\n"
        ),
        f"{name}/util.py": "def clean(xs):\n    return [x for x in xs if x is not None]\n",
        f"{name}/model.py": "class Net:\n    def act(self, x):\n        return max(x, 0)  # relu\n",
        f"{name}/lazy.py": "K = 2\n",
        f"{name}/typing_only.py": "Row = dict\n",
        "stray.py": "X = 1\n",  # in the project, imported by nothing
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return files


def test_source_files_cover_the_module_and_the_local_modules_it_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provenance.hashing import digest_file

    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))  # outside any repository
    proj = (tmp_path / "proj").resolve()
    name = f"shop_{abs(hash(str(tmp_path)))}"
    _package(proj, name)
    monkeypatch.syspath_prepend(str(proj))
    step = importlib.import_module(f"{name}.steps").step
    assert step([1, -2, None]) == "[2, 0]"

    cv = capture_code_version(step)
    want = {
        rel: digest_file(proj / rel)
        for rel in (
            f"{name}/__init__.py",
            f"{name}/steps.py",
            f"{name}/util.py",
            f"{name}/model.py",
            f"{name}/lazy.py",
            f"{name}/typing_only.py",
        )
    }
    assert cv.source_files == want  # not stray.py, not json or numpy
    assert cv.module_file == str(proj / name / "steps.py")
    assert cv.import_root == str(proj) and cv.repo_root is None
    assert cv.id == CodeVersion.make_id(
        entrypoint=f"{name}.steps:step",
        git_commit=None,
        diff_digest=None,
        source_digest=source_digest(step),
        source_files=want,
    )

    # nn.ReLU -> nn.Tanh in the model class: the function's source is the same, the code not
    (proj / name / "model.py").write_text(
        "class Net:\n    def act(self, x):\n        return min(x, 0)  # tanh\n"
    )
    changed = capture_code_version(step)
    assert changed.source_digest == cv.source_digest
    assert changed.source_files is not None
    assert changed.source_files[f"{name}/model.py"] == digest_file(proj / name / "model.py")
    assert changed.id != cv.id
    (proj / "stray.py").write_text("X = 2\n")  # not imported: no new code version
    assert capture_code_version(step).id == changed.id


def test_source_files_stay_inside_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A module found on another sys.path entry (outside the project root) is not the
    project's; nor is a script's stdlib import."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    proj, other = (tmp_path / "proj").resolve(), (tmp_path / "other").resolve()
    proj.mkdir()
    other.mkdir()
    lib = f"lib_{abs(hash(str(tmp_path)))}"
    (other / f"{lib}.py").write_text("Y = 3\n")
    (proj / "job.py").write_text(f"import {lib}\nimport os\n\ndef f():\n    return {lib}.Y\n")
    monkeypatch.syspath_prepend(str(other))
    monkeypatch.syspath_prepend(str(proj))
    job = importlib.import_module("job")
    try:
        assert capture_code_version(job.f).source_files == {
            "job.py": digest_blob((proj / "job.py").read_bytes())
        }
    finally:
        sys.modules.pop("job", None)
        sys.modules.pop(lib, None)


def test_at_most_max_source_files_are_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provenance.capture import modules

    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    proj = tmp_path.resolve()
    for i in range(5):
        (proj / f"m{i}.py").write_text(f"import m{i + 1}\n" if i < 4 else "")
    origin = modules.ModuleOrigin(name=None, file=str(proj / "m0.py"), import_root=str(proj))
    assert sorted(modules.local_source_files(origin, str(proj))) == [f"m{i}.py" for i in range(5)]
    monkeypatch.setattr(modules, "MAX_SOURCE_FILES", 3)
    modules._warn_truncated.cache_clear()
    with pytest.warns(RuntimeWarning, match="more than 3 local source files"):
        files = modules.local_source_files(origin, str(proj))
    assert list(files) == ["m0.py", "m1.py", "m2.py"]  # nearest first


def test_code_without_a_module_file_records_no_source_files(tmp_path: Path) -> None:
    ns: dict[str, Any] = {"__name__": "made_up"}
    exec(compile("def f(x):\n    return x\n", "<repl>", "exec"), ns)
    cv = capture_code_version(ns["f"], cwd=tmp_path)
    assert cv.source_files is None and cv.module_file is None and cv.import_root is None
    assert cv.id == CodeVersion.make_id(
        entrypoint="made_up:f", git_commit=None, diff_digest=None, source_digest=cv.source_digest
    )
