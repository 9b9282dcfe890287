"""Golden digests: today's ids for fixed inputs, pinned as literal strings.

If one of these fails, a canonical form changed and every stored id of that kind would
silently change meaning. Do not update the literals: keep the old code path and bump
``HASH_VERSION`` instead (the version is inside every digest).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from provenance.hashing import (
    HASH_VERSION,
    architecture_hash,
    digest_array,
    digest_blob,
    digest_directory,
    digest_file,
    digest_frame,
    digest_json,
    digest_object,
    digest_state_dict,
    row_fingerprints,
)

BYTES = b"provenance golden bytes\n"


def golden_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": np.array([3, 1, 2], dtype=np.int32),
            "score": [0.25, np.nan, -0.0],
            "label": ["cat", None, "dög"],
            "kind": pd.Categorical(["b", "a", None], categories=["a", "b", "c"]),
            "when": pd.Series(
                [pd.Timestamp("2024-02-29 12:00:00"), pd.NaT, pd.Timestamp("1970-01-01")]
            ),
            "ok": [True, False, True],
        }
    )


def golden_state_dict() -> dict[str, np.ndarray]:
    return {
        "layer.weight": np.arange(6, dtype=np.float32).reshape(2, 3),
        "layer.bias": np.zeros(2, np.float32),
    }


def test_hash_version() -> None:
    assert HASH_VERSION == 1


def test_golden_bytes_and_file(tmp_path: Path) -> None:
    b3 = "blake3:732e846a741a2b7d7e56b6722db16b86f16621e288a14cde3ca72c5c0b5a21ad"
    s2 = "sha256:3a7c39eaf853cb4419d504f862edfb0bb66818e51de32e72cfcbcf4d645ca192"
    assert digest_blob(BYTES) == b3
    assert digest_blob(BYTES, "sha256") == s2
    p = tmp_path / "golden.txt"
    p.write_bytes(BYTES)
    assert digest_file(p) == b3
    assert digest_file(p, "sha256") == s2


def test_golden_directory(tmp_path: Path) -> None:
    root = tmp_path / "golden"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"alpha\n")
    (root / "sub" / "b.bin").write_bytes(bytes(range(256)))
    (root / "run.sh").write_bytes(b"#!/bin/sh\necho ok\n")
    for p in (root / "a.txt", root / "sub" / "b.bin"):
        p.chmod(0o644)
    (root / "run.sh").chmod(0o755)
    (root / "link").symlink_to("a.txt")
    assert (
        digest_directory(root).digest
        == "blake3:74dc5418a0e44da2be55eafe25797c8377ec9c6e135858609c00e7289cd33964"
    )
    assert (
        digest_directory(root, "sha256").digest
        == "sha256:4fd271f2d3cbac2680e6718fb1ad1c71ec2816b5fecba942413e7475e8a5667d"
    )


def test_golden_frame() -> None:
    df = golden_frame()
    b3 = "blake3:1925f404c9249682af712730f57c91f0a3a94ab669c99ae4153cfebaf53b9e99"
    assert digest_frame(df) == b3
    assert digest_object(df).digest == b3
    assert digest_frame(pa.Table.from_pandas(df)) == b3
    assert (
        digest_frame(df, "sha256")
        == "sha256:aaedd687a189167b86d952ab0dabae0c84f14e13c23fcff35ad8ed7395d779cb"
    )
    assert (
        digest_frame(df, include_index=True)
        == "blake3:f825a7b95893e74812f432e760152c4aa4dba4554c5bc9fd4cb23641b89b1afe"
    )
    assert (
        digest_frame(df, float_decimals=1)
        == "blake3:129cc19b4f750119930f319016dc58e70bb645a4f62f432a9654f1d8dcf74fb8"
    )


def test_golden_row_fingerprints() -> None:
    assert row_fingerprints(golden_frame()).tolist() == [
        1625755213694870050,
        1577923818833355180,
        9365602653099109681,
    ]
    # The index levels join with their own salt tag ("index"), so a row keeps its fingerprint
    # only with the same index; golden values written once (provenance 0.1, HASH_VERSION 1).
    assert row_fingerprints(golden_frame(), include_index=True).tolist() == [
        1246145772100020726,
        8664644929694195487,
        2458299645726354113,
    ]


def test_golden_array() -> None:
    a = np.arange(12, dtype="<f4").reshape(3, 4)
    assert digest_array(a) == (
        "blake3:9b5925d0f5911a99a631a021a249c1e53e8224f038a8ea232c8f1a40d5d79a6c"
    )
    assert digest_array(a, "sha256") == (
        "sha256:6d853a0f9c2a574257f5ae57cbedd53915c7352af353364bdc59fed2f7490320"
    )


def test_golden_state_dict() -> None:
    sd = golden_state_dict()
    arch = architecture_hash(sd)
    assert arch == "blake3:a0b0c99fb546660430d577304b66ddb5b76df093ff780230a88a0e649a7f425a"
    assert digest_state_dict(sd) == (
        "blake3:02a7a48ec6052daec8723b123f6910fafab2ec8ad5de1027699a26e8f216673f"
    )
    assert digest_state_dict(sd, arch) == (
        "blake3:1afe20d9f001f3e1b5936d2ed4e0ee7f9a1227c1b5f43b3e66d7846f1275fc9c"
    )


def test_golden_json() -> None:
    assert digest_json({"a": 1, "b": [0.0, 1.5]}) == (
        "blake3:549eb68d02ca7192fa5192a3962c1afafe0f9b2f4a9637aa96fd76345c79a2d2"
    )
    assert digest_json({"b": [0, 1.5], "a": 1.0}) == digest_json({"a": 1, "b": [0.0, 1.5]})
