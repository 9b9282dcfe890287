"""digest_object dispatch, ContentInfo, the progress helpers, and cross-process stability."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pydantic import ValidationError
from rich.console import Console

import provenance
from provenance.errors import UnreadableInputError, UnsupportedTypeError
from provenance.hashing import (
    ContentInfo,
    DigestCache,
    digest_array,
    digest_blob,
    digest_directory,
    digest_file,
    digest_frame,
    digest_json,
    digest_object,
    digest_path_with_progress,
    digest_state_dict,
    path_size,
    rich_byte_progress,
)


def test_dataset_kinds() -> None:
    df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None]})
    info = digest_object(df)
    assert info.kind == "dataset"
    assert info.digest == digest_frame(df)
    assert info.row_count == 3
    assert info.details["columns"] == [
        {"name": "a", "type": "int64"},
        {"name": "b", "type": "string"},
    ]
    assert info.details["source"] == "pandas"
    arrow = digest_object(pa.Table.from_pandas(df))
    assert arrow.digest == info.digest and arrow.details["source"] == "arrow"
    assert digest_object(df, include_index=True).digest != info.digest
    assert digest_object(df, algo="sha256").digest.startswith("sha256:")


def test_float_decimals_passed_through() -> None:
    a = pd.DataFrame({"x": [0.1 + 0.2]})
    b = pd.DataFrame({"x": [0.3]})
    assert digest_object(a).digest != digest_object(b).digest
    assert digest_object(a, float_decimals=6).digest == digest_object(b, float_decimals=6).digest


def test_array_and_bytes() -> None:
    arr = np.zeros((4, 2), dtype=np.float32)
    info = digest_object(arr)
    assert (info.kind, info.digest, info.size_bytes, info.row_count) == (
        "array",
        digest_array(arr),
        32,
        4,
    )
    assert info.details["dtype"] == "<f4" and info.details["shape"] == [4, 2]
    for buf in (b"abc", bytearray(b"abc"), memoryview(b"abc")):
        b = digest_object(buf)
        assert (b.kind, b.digest, b.size_bytes) == ("bytes", digest_blob(b"abc"), 3)


def test_paths(tmp_path: Path) -> None:
    f = tmp_path / "data.bin"
    f.write_bytes(b"abc")
    for ref in (f, str(f)):
        info = digest_object(ref)
        assert (info.kind, info.size_bytes) == ("file", 3)
        assert info.digest == digest_file(f) == digest_object(b"abc").digest
    d = digest_object(tmp_path)
    assert d.kind == "directory"
    assert d.digest == digest_directory(tmp_path).digest
    assert d.details["file_count"] == 1 and d.size_bytes == 3


def test_str_that_is_not_a_path(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInputError, match=r"no such file.*text\.encode\(\)"):
        digest_object("just some text")
    with pytest.raises(UnreadableInputError, match=r"missing\.bin"):
        digest_object(tmp_path / "missing.bin")


def test_path_with_cache_and_progress(tmp_path: Path) -> None:
    f = tmp_path / "data.bin"
    f.write_bytes(b"x" * 1000)
    os.utime(f, ns=(10**18, 10**18))
    seen: list[int] = []
    with DigestCache(cache_dir=tmp_path.parent / f"{tmp_path.name}-cache") as cache:
        digest_object(f, cache=cache, progress=seen.append)
        digest_object(f, cache=cache, progress=seen.append)
        assert cache.stats.hits == 1
    assert sum(seen) == 2000


def test_state_dict_is_a_model() -> None:
    sd = {"w": np.ones((3, 2), np.float32), "b": np.zeros(2, np.float32)}
    info = digest_object(sd)
    assert info.kind == "model"
    assert info.digest == digest_state_dict(sd)
    assert info.details["parameter_count"] == 8
    assert info.details["framework"] == "numpy"
    assert info.details["architecture_hash"].startswith("blake3:")
    assert info.size_bytes == 32


def test_json_values() -> None:
    info = digest_object({"lr": 0.1, "layers": [64, 64]})
    assert info.kind == "json"
    assert info.digest == digest_json({"layers": [64.0, 64], "lr": 0.1})
    assert digest_object([1, 2]).kind == "json"
    with pytest.raises(UnsupportedTypeError):
        digest_object({"f": object()})


@pytest.mark.parametrize("obj", [42, 3.5, None, {1, 2}, object(), np.dtype("f8")])
def test_unsupported_types_are_named(obj: object) -> None:
    with pytest.raises(UnsupportedTypeError, match=type(obj).__qualname__):
        digest_object(obj)


def test_content_info_is_frozen_and_json_ready(tmp_path: Path) -> None:
    infos = [
        digest_object(pd.DataFrame({0: [1.5], ("a", "b"): ["x"]})),
        digest_object(np.arange(3)),
        digest_object(tmp_path),
        digest_object({"w": np.zeros(2)}),
    ]
    for info in infos:
        text = json.dumps(info.model_dump(mode="json"))
        assert ContentInfo.model_validate_json(text) == info
    with pytest.raises(ValidationError):
        infos[0].digest = "x"  # type: ignore[misc]


def test_rich_progress_helpers(tmp_path: Path) -> None:
    (tmp_path / "a.bin").write_bytes(b"1" * 300)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.bin").write_bytes(b"2" * 700)
    assert path_size(tmp_path) == 1000
    assert path_size(tmp_path / "a.bin") == 300
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with rich_byte_progress(1000, "hashing test", console=console) as advance:
        d = digest_directory(tmp_path, progress=advance)
    assert "hashing test" in out.getvalue()
    info = digest_path_with_progress(tmp_path, console=console, use_cache=False)
    assert info.digest == d.digest
    with DigestCache(cache_dir=tmp_path.parent / f"{tmp_path.name}-c") as cache:
        assert digest_path_with_progress(tmp_path / "a.bin", cache=cache).kind == "file"


def test_digests_equal_across_processes(tmp_path: Path) -> None:
    """Same inputs in a fresh interpreter with another hash seed give the same digests."""
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "x.txt").write_text("x")
    script = textwrap.dedent(
        f"""
        import json, numpy as np, pandas as pd
        from provenance.hashing import digest_object, row_fingerprints
        df = pd.DataFrame({{"b": ["u", None, "w"], "a": [1.5, float("nan"), -0.0],
                            "c": pd.Categorical(["p", "q", "p"]), 7: [1, 2, 3]}})
        out = {{
            "frame": digest_object(df).digest,
            "fp": [int(v) for v in row_fingerprints(df)],
            "dir": digest_object({str(tmp_path / "tree")!r}).digest,
            "model": digest_object({{"w": np.arange(4.0)}}).digest,
            "json": digest_object({{"set": [3, 1], "k": {{"z": 1, "a": 2}}}}).digest,
        }}
        print(json.dumps(out))
        """
    )
    env_path = str(Path(provenance.__file__).resolve().parents[1])
    results = []
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": env_path}
        proc = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
        )
        assert proc.returncode == 0, proc.stderr
        results.append(json.loads(proc.stdout))
    assert results[0] == results[1]
    assert results[0]["dir"] == digest_directory(tmp_path / "tree").digest
