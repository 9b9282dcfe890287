"""CLI start-up: how long `provenance --help` and everyday queries on a small store take,
against the cost of starting any process (`git --version`) and any Python (`python -c pass`)
measured in the same run, and against the start-up targets: `provenance --help` and
`provenance show ID` under 0.3 s each (issue 12).

A demo store is recorded first (`provenance demo --json` in a temporary directory). Then each
command runs `--repeat` times (default 15), the commands interleaved round-robin so a shared
machine's load drifts over all of them alike; each run is a fresh process whose output goes to
/dev/null. Reported per command: the median wall time, the median CPU time of the process
(user + system, from `getrusage`; less sensitive to other load than wall time), and the
ratios of the medians to each baseline's, and, for the commands with a target, whether the
median wall time meets it.

    python bench/bench_cli.py                      # ~1 min
    python bench/bench_cli.py --markdown           # also print the README table
    python bench/bench_cli.py --compare /tmp/old   # also time another checkout's package

Reference rows, a bare click app with as many no-op commands as `provenance --help` lists
(its help, and one command given an argument and a flag), show what the CLI framework itself
costs on this machine; where Typer is installed, the same app on Typer too (the CLI ran on
Typer until it moved to click: Typer 0.29 coerces every parameter through pydantic).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

_BARE_CLICK = """
import click
app = click.Group(no_args_is_help=True)
for i in range({n}):
    def command(node_id: str, as_json: bool = False) -> None:
        '''A no-op command with a one-line help text, like each of provenance's.'''
    app.add_command(click.Command(
        f"command-{{i}}",
        callback=command,
        params=[click.Argument(["node_id"]), click.Option(["--as-json"], is_flag=True)],
        help=command.__doc__,
    ))
app()
"""

_BARE_TYPER = """
import typer
app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
for i in range({n}):
    def command(node_id: str, as_json: bool = False) -> None:
        '''A no-op command with a one-line help text, like each of provenance's.'''
    app.command(f"command-{{i}}")(command)
app()
"""

#: Start-up targets, seconds of median wall time (issue 12: `show` under 0.3 s).
TARGETS = {"provenance --help": 0.3, "provenance show ID": 0.3}


@dataclass
class Case:
    """One command line to time, and what it is."""

    label: str
    argv: list[str]
    kind: str  # "baseline", "reference" or "provenance"
    cwd: Path
    env: dict[str, str]
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def _run(case: Case) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``case`` (which must succeed)."""
    argv = case.argv
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(
        argv,
        cwd=case.cwd,
        env=case.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _launcher() -> list[str]:
    """The `provenance` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("provenance")
    if script.exists():
        return [str(script)]
    found = shutil.which("provenance")
    if found is None:
        raise SystemExit("no `provenance` script found: pip install -e . first")
    return [found]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _commands(suffix: str, provenance: list[str], work: Path, env: dict[str, str]) -> list[Case]:
    """Record a demo store in ``work`` with this package, and the query cases against it."""
    demo = subprocess.run(
        [*provenance, "demo", "--json"], cwd=work, env=env, capture_output=True, text=True
    )
    if demo.returncode != 0:
        raise SystemExit(f"provenance demo{suffix} failed: {demo.stderr}")
    ids: dict[str, Any] = json.loads(demo.stdout)
    model, events = ids["model_v2"][7:19], ids["events_source"][7:19]
    argvs = [
        ("provenance --help", ["--help"]),
        ("provenance show ID", ["show", model]),
        ("provenance show ID --json", ["show", model, "--json"]),
        ("provenance ancestry ID", ["ancestry", model]),
        ("provenance descendants ID", ["descendants", events]),
        ("provenance loops", ["loops"]),
    ]
    return [
        Case(label + suffix, [*provenance, *argv], "provenance", work, env) for label, argv in argvs
    ]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeat", type=int, default=15, help="runs of each command (>= 1)")
    ap.add_argument(
        "--compare",
        type=Path,
        help="a directory holding another `provenance` package (e.g. an older checkout's): "
        "its commands are timed in the same run, marked (base)",
    )
    ap.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    ap.add_argument("--json", type=Path, help="also write the raw timings here")
    args = ap.parse_args()
    console = Console(stderr=True)
    git = shutil.which("git")
    if git is None:
        raise SystemExit("git is not installed: it is the process-start baseline")
    env = {**os.environ, "COLUMNS": "80"}
    env.pop("PROVENANCE_STORE", None)
    env.pop("PYTHONPATH", None)
    # An installed package has its bytecode (pip compiles it; an editable checkout writes it on
    # the first run): measured without it, every run would compile the package again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    provenance = _launcher()
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        work = Path(tmp)
        console.print("recording the demo store …")
        from provenance.cli.app import app

        cases = [
            Case("git --version", [git, "--version"], "baseline", work, env),
            Case("python -c pass", [sys.executable, "-c", "pass"], "baseline", work, env),
        ]
        frameworks = [("click", _BARE_CLICK)]
        if importlib.util.find_spec("typer") is not None:
            # What every command of a Typer CLI pays before doing anything: Typer 0.29+
            # coerces parameters through pydantic (its import and a TypeAdapter per option).
            frameworks.append(("Typer", _BARE_TYPER))
        for framework, source in frameworks:
            bare = work / f"bare_{framework.lower()}.py"
            bare.write_text(source.format(n=len(app.commands)))
            for label, argv in (
                ("--help", ["--help"]),
                ("command X --as-json", ["command-0", "x", "--as-json"]),
            ):
                cases.append(
                    Case(
                        f"bare {framework} app {label}",
                        [sys.executable, str(bare), *argv],
                        "reference",
                        work,
                        env,
                    )
                )
        (work / "this").mkdir()
        cases += _commands("", provenance, work / "this", env)
        if args.compare is not None:
            (work / "base").mkdir()
            base_env = {**env, "PYTHONPATH": str(args.compare.resolve())}
            cases += _commands(" (base)", provenance, work / "base", base_env)
        for case in cases:  # warm the page cache and .pyc files; not timed
            _run(case)
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("timing", total=args.repeat * len(cases))
            for _ in range(args.repeat):
                for case in cases:
                    bar.update(task, description=case.label)
                    wall, cpu = _run(case)
                    case.wall.append(wall)
                    case.cpu.append(cpu)
                    bar.advance(task)
    report(cases, args, console)


def _verdict(target_s: float | None, wall_ms: float) -> str:
    """Whether a median wall time (ms) meets its target (s).

    Example:
        >>> _verdict(0.3, 250.0), _verdict(0.3, 420.0), _verdict(None, 1.0)
        ('< 300 ms: met', '< 300 ms: not met', '')
    """
    if target_s is None:
        return ""
    return f"< {target_s * 1e3:.0f} ms: {'met' if wall_ms < target_s * 1e3 else 'not met'}"


def report(cases: list[Case], args: argparse.Namespace, console: Console) -> None:
    """Print the table (and the Markdown table, the JSON) of the medians and ratios."""
    git, python = cases[0], cases[1]
    med = {
        c.label: (statistics.median(c.wall) * 1e3, statistics.median(c.cpu) * 1e3) for c in cases
    }
    load = os.getloadavg()
    source = f"; (base): the package in {args.compare}" if args.compare else ""
    console.print(
        f"{_cpu_model()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"{args.repeat} runs each{source}; load average {load[0]:.1f} at the end"
    )
    headers = [
        "command",
        "median wall ms",
        "median CPU ms",
        "× git --version",
        "× python -c pass",
        "target",
    ]
    short = ["command", "wall", "CPU", "×git", "×python", "target"]
    if args.compare is not None:
        headers.append("(base) wall / this wall")
        short.append("speed-up")
    rows = []
    for c in cases:
        wall, cpu = med[c.label]
        row = [
            c.label,
            f"{wall:.0f}",
            f"{cpu:.0f}",
            f"{wall / med[git.label][0]:.1f}",
            f"{wall / med[python.label][0]:.1f}",
            _verdict(TARGETS.get(c.label), wall),
        ]
        if args.compare is not None:
            base = med.get(c.label + " (base)")
            row.append(f"{base[0] / wall:.1f}" if base and c.kind == "provenance" else "")
        rows.append(row)
    table = Table(
        title="CLI start-up: median ms; ratios of median wall times", title_justify="left"
    )
    for h in short:
        table.add_column(h, justify="left" if h == "command" else "right", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    Console().print(table)
    if args.markdown:
        print("| " + " | ".join(headers) + " |")
        print("|---|" + "---:|" * (len(headers) - 1))
        for label, *numbers in rows:
            print(f"| `{label}` | " + " | ".join(numbers) + " |")
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {c.label: {"kind": c.kind, "wall_s": c.wall, "cpu_s": c.cpu} for c in cases},
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
