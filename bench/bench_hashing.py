"""Benchmarks of provenance.hashing against the baselines it has to beat, in one run.

    python bench/bench_hashing.py            # full size (needs ~3.5 GB of temp disk)
    python bench/bench_hashing.py --quick    # a small smoke version (~0.5 GB)

1. A directory of 2,000 files totalling 2 GiB (page cache warm): our Merkle digest with an
   empty digest cache ("cold"), then again with the cache populated ("warm"), against the
   sequential shell baseline ``find DIR -type f -print0 | xargs -0 sha256sum`` (and, because
   coreutils' sha256sum may lack SHA-NI, a second baseline: hashlib.sha256 over the files).
2. A 1 GiB file in the page cache: our BLAKE3 file digest in GB/s, against ``hashlib.sha256``
   streaming the same file in 1 MiB reads.
3. A DataFrame of 5M rows x 8 float64 columns + 1 string column: our canonical digest against
   the seed document's approach (sort columns, reset index, ``pickle.dumps``, sha256); time and
   peak extra memory (tracemalloc, which sees numpy's allocations, plus pyarrow's pool peak).

Every ratio is measured in the same run; each timing is the best of ``--repeat`` runs.
GB/s means 10**9 bytes per second. Prints a table and, with ``--markdown``, the same as markdown.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import importlib.util
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if importlib.util.find_spec("provenance") is None:  # run from a checkout, not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from provenance.hashing import (
    DigestCache,
    digest_directory,
    digest_file,
    digest_frame,
)

console = Console(width=None if sys.stdout.isatty() else 140)
GIB = 1 << 30


@dataclass
class Row:
    bench: str
    what: str
    value: str
    target: str
    ok: bool | None


def best_of(n: int, fn: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(n):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def warm_page_cache(paths: list[Path]) -> None:
    buf = bytearray(8 << 20)
    for p in paths:
        with open(p, "rb", buffering=0) as f:
            while f.readinto(buf):
                pass


def make_tree(root: Path, n_files: int, total: int, progress: Progress) -> list[Path]:
    """n_files files of varied sizes (0.25x-1.75x the mean) summing to ``total`` bytes."""
    rng = np.random.default_rng(42)
    weights = rng.uniform(0.25, 1.75, n_files)
    sizes = np.floor(weights / weights.sum() * total).astype(np.int64)
    sizes[-1] += total - int(sizes.sum())
    pool = rng.integers(0, 256, size=64 << 20, dtype=np.uint8).tobytes()
    task = progress.add_task("generating tree", total=total)
    paths = []
    for i, size in enumerate(sizes.tolist()):
        p = root / f"shard_{i // 100:02d}" / f"part-{i:05d}.bin"
        p.parent.mkdir(parents=True, exist_ok=True)
        start = (i * 7919 * 4096) % (len(pool) - size) if size < len(pool) else 0
        with open(p, "wb") as f:
            f.write(i.to_bytes(8, "little"))  # every file distinct
            f.write(pool[start : start + size - 8])
        paths.append(p)
        progress.advance(task, size)
    return paths


def bench_directory(args: argparse.Namespace, tmp: Path, progress: Progress) -> list[Row]:
    n_files, total = (200, 200 << 20) if args.quick else (2000, 2 * GIB)
    root = tmp / "tree"
    paths = make_tree(root, n_files, total, progress)
    task = progress.add_task("directory: warming page cache", total=None)
    warm_page_cache(paths)
    progress.update(task, description="directory: sha256sum baseline")
    cmd = f"find {root} -type f -print0 | xargs -0 sha256sum > /dev/null"
    baseline = best_of(args.repeat, lambda: subprocess.run(cmd, shell=True, check=True))

    def hashlib_sequential() -> None:
        buf = bytearray(1 << 20)
        view = memoryview(buf)
        for p in sorted(paths):
            h = hashlib.sha256()
            with open(p, "rb", buffering=0) as f:
                while n := f.readinto(buf):
                    h.update(view[:n])

    progress.update(task, description="directory: hashlib.sha256 sequential")
    t_hashlib = best_of(args.repeat, hashlib_sequential)
    cache = DigestCache(cache_dir=tmp / "cache")

    def cold() -> None:
        cache.clear()
        digest_directory(root, cache=cache)

    # The cache skips files modified < 2 s before hashing starts ("racily clean").
    time.sleep(max(0.0, 2.1 - (time.time() - max(p.stat().st_mtime for p in paths))))
    progress.update(task, description="directory: ours, cold cache")
    t_cold = best_of(args.repeat, cold)
    progress.update(task, description="directory: ours, warm cache")
    before = cache.stats.hits
    t_warm = best_of(args.repeat, lambda: digest_directory(root, cache=cache))
    hits = (cache.stats.hits - before) // args.repeat
    progress.update(task, description="directory: ours, sha256, no cache")
    t_sha = best_of(args.repeat, lambda: digest_directory(root, "sha256"))
    progress.remove_task(task)
    cache.close()
    gb = total / 1e9
    label = f"{n_files} files, {total / GIB:.2f} GiB"
    return [
        Row(
            label,
            "baseline find | xargs sha256sum",
            f"{baseline:.3f} s ({gb / baseline:.2f} GB/s)",
            "",
            None,
        ),
        Row(
            label,
            "2nd baseline: sequential hashlib.sha256 (SHA-NI)",
            f"{t_hashlib:.3f} s ({gb / t_hashlib:.2f} GB/s)",
            "",
            None,
        ),
        Row(
            label,
            "ours blake3, cache cleared (cold)",
            f"{t_cold:.3f} s ({gb / t_cold:.2f} GB/s)",
            "",
            None,
        ),
        Row(label, "cold speed-up vs 2nd baseline", f"{t_hashlib / t_cold:.1f}x", "", None),
        Row(
            label,
            "cold speed-up vs baseline",
            f"{baseline / t_cold:.1f}x",
            ">= 3x",
            baseline / t_cold >= 3,
        ),
        Row(
            label,
            f"ours, warm cache ({hits}/{n_files} hits)",
            f"{t_warm:.3f} s",
            "< 1 s",
            t_warm < 1.0,
        ),
        Row(
            label,
            "ours sha256, no cache (parallel)",
            f"{t_sha:.3f} s ({baseline / t_sha:.1f}x baseline)",
            "",
            None,
        ),
    ]


def bench_file(args: argparse.Namespace, tmp: Path, progress: Progress) -> list[Row]:
    size = (256 << 20) if args.quick else GIB
    path = tmp / "big.bin"
    task = progress.add_task("file: generating", total=None)
    rng = np.random.default_rng(7)
    block = rng.integers(0, 256, size=64 << 20, dtype=np.uint8).tobytes()
    with open(path, "wb") as f:
        for i in range(size // len(block)):
            f.write(i.to_bytes(8, "little") + block[8:])
    warm_page_cache([path])

    def sha256_stream() -> str:
        h = hashlib.sha256()
        buf = bytearray(1 << 20)
        view = memoryview(buf)
        with open(path, "rb", buffering=0) as f:
            while n := f.readinto(buf):
                h.update(view[:n])
        return h.hexdigest()

    progress.update(task, description="file: hashlib.sha256 streaming")
    t_sha = best_of(args.repeat, sha256_stream)
    progress.update(task, description="file: ours blake3")
    t_ours = best_of(args.repeat, lambda: digest_file(path))
    prev = os.environ.get("PROVENANCE_NO_MMAP")
    os.environ["PROVENANCE_NO_MMAP"] = "1"
    progress.update(task, description="file: ours blake3, read() path")
    try:
        t_read = best_of(args.repeat, lambda: digest_file(path))
    finally:
        if prev is None:
            del os.environ["PROVENANCE_NO_MMAP"]
        else:
            os.environ["PROVENANCE_NO_MMAP"] = prev
    progress.remove_task(task)
    path.unlink()
    gb = size / 1e9
    label = f"{size / GIB:.2f} GiB file"
    return [
        Row(label, "hashlib.sha256 streaming", f"{t_sha:.3f} s ({gb / t_sha:.2f} GB/s)", "", None),
        Row(
            label,
            "ours blake3 (mmap)",
            f"{t_ours:.3f} s ({gb / t_ours:.2f} GB/s)",
            ">= 3 GB/s",
            gb / t_ours >= 3,
        ),
        Row(label, "speed-up vs sha256", f"{t_sha / t_ours:.1f}x", ">= 3x", t_sha / t_ours >= 3),
        Row(
            label,
            "ours blake3, PROVENANCE_NO_MMAP=1",
            f"{t_read:.3f} s ({gb / t_read:.2f} GB/s)",
            "",
            None,
        ),
    ]


def seed_digest(df: pd.DataFrame) -> str:
    """The seed document's DatasetArtifact.content_hash, verbatim in substance."""
    normalized = df.copy()
    normalized = normalized.sort_index(axis=1)
    normalized = normalized.reset_index(drop=True)
    canonical = pickle.dumps(normalized, protocol=pickle.HIGHEST_PROTOCOL, fix_imports=False)
    hasher = hashlib.sha256()
    hasher.update(canonical)
    hasher.update(b"v1")
    return hasher.hexdigest()


def peak_extra_memory(fn: Callable[[], Any]) -> int:
    """Peak bytes allocated while ``fn`` runs: tracemalloc (Python + numpy) plus the rise of
    pyarrow's default memory pool, sampled every millisecond."""
    pool = pa.default_memory_pool()
    base = pool.bytes_allocated()
    arrow_peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal arrow_peak
        while not done.is_set():
            arrow_peak = max(arrow_peak, pool.bytes_allocated() - base)
            time.sleep(0.001)

    sampler = threading.Thread(target=sample, daemon=True)
    gc.collect()
    tracemalloc.start()
    sampler.start()
    try:
        fn()
    finally:
        done.set()
        sampler.join()
        _, py_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return py_peak + arrow_peak


def bench_frame(args: argparse.Namespace, progress: Progress) -> list[Row]:
    n = 500_000 if args.quick else 5_000_000
    task = progress.add_task("frame: generating", total=None)
    rng = np.random.default_rng(3)
    df = pd.DataFrame({f"f{i}": rng.standard_normal(n) for i in range(8)})
    df["label"] = pd.Series(rng.integers(0, 10**9, n).astype(str))
    df.loc[::97, "f3"] = np.nan
    frame_bytes = int(df.memory_usage(deep=True, index=True).sum())
    progress.update(task, description="frame: seed (pickle + sha256)")
    t_seed = best_of(args.repeat, lambda: seed_digest(df))
    progress.update(task, description="frame: ours")
    t_ours = best_of(args.repeat, lambda: digest_frame(df))
    progress.update(task, description="frame: memory")
    mem_ours = peak_extra_memory(lambda: digest_frame(df))
    mem_seed = peak_extra_memory(lambda: seed_digest(df))
    progress.remove_task(task)
    label = f"{n:,} rows x (8 float + 1 str), {frame_bytes / 1e6:.0f} MB"
    return [
        Row(label, "seed: sort, reset_index, pickle, sha256", f"{t_seed:.3f} s", "", None),
        Row(label, "ours: canonical digest", f"{t_ours:.3f} s", "", None),
        Row(label, "speed-up vs seed", f"{t_seed / t_ours:.1f}x", ">= 3x", t_seed / t_ours >= 3),
        Row(
            label,
            "seed peak extra memory",
            f"{mem_seed / 1e6:.1f} MB ({mem_seed / frame_bytes:.2f}x frame)",
            "",
            None,
        ),
        Row(
            label,
            "ours peak extra memory",
            f"{mem_ours / 1e6:.1f} MB ({mem_ours / frame_bytes:.3f}x frame)",
            "<= 0.5x frame",
            mem_ours <= 0.5 * frame_bytes,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (best is kept)")
    parser.add_argument("--markdown", action="store_true", help="also print a markdown table")
    parser.add_argument("--tmp", type=Path, default=None, help="where to generate the data")
    parser.add_argument(
        "--only", choices=["directory", "file", "frame"], action="append", help="run a subset"
    )
    args = parser.parse_args()
    only = set(args.only or ["directory", "file", "frame"])
    tmp = Path(tempfile.mkdtemp(prefix="bench-hashing-", dir=args.tmp))
    rows: list[Row] = []
    try:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
        ) as progress:
            if "directory" in only:
                rows += bench_directory(args, tmp, progress)
            if "file" in only:
                rows += bench_file(args, tmp, progress)
            if "frame" in only:
                rows += bench_frame(args, progress)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    table = Table(title=f"provenance.hashing benchmarks ({os.cpu_count()} cores)")
    for col in ("benchmark", "measurement", "result", "target", "met"):
        table.add_column(col)
    for r in rows:
        met = "" if r.ok is None else ("[green]yes[/]" if r.ok else "[red]NO[/]")
        table.add_row(r.bench, r.what, r.value, r.target, met)
    console.print(table)
    if args.markdown:
        print("| benchmark | measurement | result | target | met |")
        print("|---|---|---|---|---|")
        for r in rows:
            met = "" if r.ok is None else ("yes" if r.ok else "**no**")
            cells = (r.bench, r.what, r.value, r.target, met)
            print("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return 0 if all(r.ok is not False for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
