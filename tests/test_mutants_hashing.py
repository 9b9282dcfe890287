"""Tests that kill surviving mutants of ``provenance.hashing`` (issue 21, mutation testing;
tests/README.md).

Expected digests are computed here from the documented recipes with ``blake3`` / ``hashlib``
directly (domain prefix ``provenance:<domain>:v1\\n`` + canonical bytes), never through the
package's own helpers; expected canonical forms are written out by hand.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import blake3
import numpy as np
import pydantic
import pytest

from provenance.errors import UnsupportedTypeError
from provenance.hashing.core import (
    canonical_json,
    digest_blob,
    digest_json,
    domain_prefix,
    is_digest,
    parse_digest,
)


def b3(domain: str, payload: bytes) -> str:
    """The documented recipe: BLAKE3 of ``provenance:<domain>:v1\\n`` + payload."""
    return "blake3:" + blake3.blake3(f"provenance:{domain}:v1\n".encode() + payload).hexdigest()


# --------------------------------------------------------------------------------------------
# core: canonical JSON of the non-JSON types hyperparameters and metadata carry
# --------------------------------------------------------------------------------------------


def test_numpy_scalars_have_the_canonical_form_of_their_python_value() -> None:
    # Regression: np.int64 / np.bool_ raised UnsupportedTypeError ("value of type int has no
    # canonical JSON form") before; they are the plain int / bool.
    params = {
        "n": np.int64(3),
        "u": np.uint8(7),
        "flag": np.bool_(True),
        "lr": np.float32(0.5),
        "two": np.float64(2.0),
        "gap": np.float32("nan"),
    }
    text = '{"flag":true,"gap":"NaN","lr":0.5,"n":3,"two":2,"u":7}'
    assert canonical_json(params) == text
    assert canonical_json(params) == canonical_json(
        {"n": 3, "u": 7, "flag": True, "lr": 0.5, "two": 2, "gap": float("nan")}
    )
    assert digest_json(params) == b3("json", text.encode())


def test_canonical_json_text_of_floats_and_non_ascii() -> None:
    # Written out by hand from the documented form: UTF-8 as is (no \u escapes), integral
    # floats below 2**53 as integers, larger ones as floats, infinities as strings.
    assert canonical_json({"k": "é"}) == '{"k":"é"}'
    assert digest_json({"k": "é"}) == b3("json", '{"k":"é"}'.encode())
    assert canonical_json(200.0) == "200"
    assert canonical_json(2.0**52) == "4503599627370496"
    assert canonical_json(2.0**53) == "9007199254740992.0"
    assert canonical_json(-(2.0**53)) == "-9007199254740992.0"
    assert canonical_json([float("inf"), float("-inf")]) == '["Infinity","-Infinity"]'
    assert canonical_json(float("nan")) == '"NaN"'


def test_domain_tags_are_validated_and_versioned() -> None:
    for bad in ("", "a:b", "a\nb", ":"):
        with pytest.raises(ValueError, match=r"^bad digest domain "):
            domain_prefix(bad)
    assert domain_prefix("blob") == b"provenance:blob:v1\n"
    assert domain_prefix("log-entry", 3) == b"provenance:log-entry:v3\n"


def test_numpy_arrays_are_lists() -> None:
    assert canonical_json(np.array([[1, 2], [3, 4]], dtype=np.int32)) == "[[1,2],[3,4]]"
    assert canonical_json(np.array([1.5, np.nan, 2.0])) == '[1.5,"NaN",2]'


def test_sets_sort_by_the_json_text_of_their_items() -> None:
    # Sorted by json.dumps of each item, not by value: "10" < "9"; '"b"' < "1".
    assert canonical_json({9, 10}) == "[10,9]"
    assert canonical_json(frozenset({"b", 1})) == '["b",1]'
    # Items json cannot encode sort by their str(): paths, frozensets.
    assert canonical_json({Path("b"), Path("a")}) == '["a","b"]'
    assert canonical_json({frozenset({2}), frozenset({1})}) == "[[1],[2]]"
    assert digest_json({9, 10}) == b3("json", b"[10,9]")


def test_paths_dates_and_models() -> None:
    assert canonical_json({"p": Path("/data/x.csv")}) == '{"p":"/data/x.csv"}'
    assert canonical_json(dt.date(2026, 1, 2)) == '"2026-01-02"'
    assert canonical_json(dt.datetime(2026, 1, 2, 3, 4, 5)) == '"2026-01-02T03:04:05"'

    class Cfg(pydantic.BaseModel):
        when: dt.datetime
        depth: int = 3

    # model_dump(mode="json"): pydantic's JSON form of the datetime ("Z"), not isoformat().
    cfg = Cfg(when=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    assert canonical_json(cfg) == '{"depth":3,"when":"2026-01-02T00:00:00Z"}'


def test_unsupported_values_and_bad_digests_say_what_is_wrong() -> None:
    message = (
        r"^value of type object has no canonical JSON form; "
        r"pass plain numbers, strings, lists and dicts$"
    )
    with pytest.raises(UnsupportedTypeError, match=message):
        canonical_json({"x": object()})
    with pytest.raises(ValueError, match=r"^not a full digest of the form algo:hex: 'md5:00'$"):
        parse_digest("md5:00")


# --------------------------------------------------------------------------------------------
# dispatch: what digest_object says about a state dict and a JSON document
# --------------------------------------------------------------------------------------------


def test_digest_object_of_a_state_dict_describes_it() -> None:
    from provenance.hashing.dispatch import digest_object
    from provenance.hashing.weights import architecture_hash, digest_state_dict

    sd = {"w": np.zeros((2, 3), dtype=np.float32), "b": np.ones(3, dtype=np.float64)}
    plain = digest_object(sd)
    assert plain.kind == "model"
    assert plain.size_bytes == 2 * 3 * 4 + 3 * 8
    assert plain.details == {
        "framework": "numpy",
        "framework_version": np.__version__,
        "architecture_hash": architecture_hash(sd),
        "architecture_in_digest": False,
        "parameter_count": 9,
        "tensor_count": 2,
        "hash_version": 1,
    }
    arch = "blake3:" + "a" * 64
    given = digest_object(sd, architecture=arch, algo="sha256")
    # The architecture enters the digest, and the algorithm is the one asked for.
    assert given.digest.startswith("sha256:")
    assert given.digest == digest_state_dict(sd, arch, "sha256")
    assert given.digest != digest_state_dict(sd, None, "sha256")
    assert given.details["architecture_hash"] == arch
    assert given.details["architecture_in_digest"] is True
    assert digest_object(sd, algo="sha256").details["architecture_hash"].startswith("sha256:")


def test_digest_object_of_json() -> None:
    import hashlib

    from provenance.hashing.dispatch import digest_object

    info = digest_object({"a": 1}, algo="sha256")
    expected = hashlib.sha256(b'provenance:json:v1\n{"a":1}').hexdigest()
    assert info.digest == "sha256:" + expected
    assert info.kind == "json"
    assert info.size_bytes == len(b'{"a":1}')
    assert info.details == {"hash_version": 1}
    assert digest_object([1, 2]).digest == b3("json", b"[1,2]")


# --------------------------------------------------------------------------------------------
# files, directories, cache
# --------------------------------------------------------------------------------------------


def test_unreadable_names_the_path_and_the_reason() -> None:
    from provenance.hashing.files import unreadable

    missing = FileNotFoundError(2, "No such file or directory")
    assert str(unreadable("/d/x", missing)) == "cannot read /d/x: No such file or directory"
    assert str(unreadable(Path("/d/x"), OSError("boom"))) == "cannot read /d/x: boom"
    assert str(unreadable("/d/x", "not a directory")) == "cannot read /d/x: not a directory"


def test_manifest_dicts_and_diffs() -> None:
    from provenance.hashing.directories import (
        DirectoryDigest,
        ManifestEntry,
        diff_manifests,
    )

    d1, d2 = "blake3:" + "1" * 64, "blake3:" + "2" * 64
    entry = ManifestEntry("file", d1, 5)
    assert entry.to_dict() == {"kind": "file", "digest": d1, "size": 5, "executable": False}
    assert ManifestEntry("link", target="a").to_dict() == {"kind": "link", "target": "a"}
    old = DirectoryDigest.from_dict(
        {
            "digest": "blake3:" + "0" * 64,
            "file_count": 1,
            "link_count": 0,
            "total_bytes": 5,
            "manifest": {"a": entry.to_dict()},
        }
    )
    # A DirectoryDigest on one side, a bare manifest on the other: both accepted.
    new = {"a": ManifestEntry("file", d2, 5), "b": ManifestEntry("link", target="a")}
    got = diff_manifests(old, new)
    assert (got.added, got.removed, got.changed) == (["b"], [], ["a"])
    got = diff_manifests(new, old)
    assert (got.added, got.removed, got.changed) == ([], ["b"], ["a"])


def test_cache_counts_misses_and_reads_a_root_given_with_a_slash(tmp_path: Path) -> None:
    import os

    from provenance.hashing.cache import DigestCache
    from provenance.hashing.directories import digest_directory

    root = tmp_path / "tree"
    root.mkdir()
    (tmp_path / "tree0").mkdir()  # a sibling whose name extends the root's
    old_ns = 1_600_000_000 * 10**9  # files older than the racy window are cached
    for f, data in ((root / "f.bin", b"abc"), (tmp_path / "tree0" / "g.bin", b"def")):
        f.write_bytes(data)
        os.utime(f, ns=(old_ns, old_ns))
    cache = DigestCache(cache_dir=tmp_path / "cache")
    try:
        digest_directory(root, cache=cache)
        digest_directory(tmp_path / "tree0", cache=cache)
        st = os.stat(root / "f.bin")
        before = cache.stats.misses
        assert cache.match(None, st) is None
        assert cache.match(None, st) is None
        assert cache.stats.misses == before + 2
        for given in (str(root), str(root) + os.sep):
            entries = cache.get_under(given, "blake3")
            assert sorted(entries) == [str(root / "f.bin")]
            assert entries[str(root / "f.bin")][1] == b3("blob", b"abc")
    finally:
        cache.close()


# --------------------------------------------------------------------------------------------
# fingerprints, weights
# --------------------------------------------------------------------------------------------


def test_decode_row_sample_rejects_unknown_versions() -> None:
    from provenance.hashing.fingerprints import decode_row_sample

    for bad in ({"version": 999, "rows": 1}, {"rows": 1}, "abc"):
        with pytest.raises(ValueError, match=r"^not a row sample of a known version$"):
            decode_row_sample(bad)
    with pytest.raises(ValueError, match=r"^a fingerprint list holds integers only$"):
        decode_row_sample([1, True])


def test_what_counts_as_a_state_dict() -> None:
    from provenance.hashing.dispatch import digest_object
    from provenance.hashing.weights import is_state_dict

    one = {"w": np.zeros(2, dtype=np.float32)}
    assert is_state_dict(one) and digest_object(one).kind == "model"
    # An empty dict is an (empty) JSON document, not a model.
    assert not is_state_dict({})
    empty = digest_object({})
    assert (empty.kind, empty.digest) == ("json", b3("json", b"{}"))


# --------------------------------------------------------------------------------------------
# more core / dispatch / frames / cache / weights / fingerprints
# --------------------------------------------------------------------------------------------


def test_non_finite_floats_have_one_spelling_each() -> None:
    assert canonical_json([float("nan"), float("inf"), -float("inf"), -0.0, 0.0, 2.5]) == (
        '["NaN","Infinity","-Infinity",0,0,2.5]'
    )


def test_frame_sizes_count_every_chunk_and_categories() -> None:
    import pandas as pd

    from provenance.hashing.frames import frame_digest

    n = (1 << 16) + 1  # two chunks of rows
    df = pd.DataFrame({"s": ["ab"] * n, "i": np.arange(n, dtype=np.int64)})
    # Canonical bytes: strings 2 bytes + an 8-byte length each; int64 8 bytes each.
    assert frame_digest(df).size_bytes == (2 + 8) * n + 8 * n
    cat = pd.DataFrame({"c": pd.Categorical(["x", "yy", "x"])})
    # int32 codes (3 x 4) + the categories as a string column ("x", "yy": 3 + 2 x 8).
    assert frame_digest(cat).size_bytes == 3 * 4 + 3 + 2 * 8


def test_digest_object_details_of_frames_arrays_and_directories(tmp_path: Path) -> None:
    import pandas as pd

    from provenance.hashing.dispatch import digest_object

    df = pd.DataFrame({"a": [1, 2]}, index=pd.Index(["x", "y"], name="k"))
    info = digest_object(df, include_index=True)
    # int64 column (2 x 8) + the index as a string column ("x", "y": 2 + 2 x 8).
    assert (info.kind, info.size_bytes, info.row_count) == ("dataset", 16 + 2 + 16, 2)
    assert info.details == {
        "source": "pandas",
        "columns": [{"name": "a", "type": "int64"}],
        "column_count": 1,
        "index": [{"name": "k", "type": "string"}],
        "float_decimals": None,
        "hash_version": 1,
    }
    assert digest_object(df).details["index"] is None
    arr = digest_object(np.zeros(3, dtype=np.int16))
    assert arr.details["framework"] == "numpy" and arr.details["hash_version"] == 1
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_bytes(b"12345")
    d = digest_object(tmp_path / "d")
    assert d.kind == "directory" and d.details["total_bytes"] == 5


def test_digest_object_of_a_missing_str_path_explains() -> None:
    from provenance.errors import UnreadableInputError
    from provenance.hashing.dispatch import digest_object

    expected = (
        "cannot read /no/such/file: no such file or directory (digest_object reads a str as a "
        "path; pass text.encode() to digest the text itself)"
    )
    with pytest.raises(UnreadableInputError) as got:
        digest_object("/no/such/file")
    assert str(got.value) == expected


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from provenance.hashing.cache import _i64, default_cache_dir

    monkeypatch.delenv("PROVENANCE_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / ".cache" / "provenance"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "provenance"
    # SQLite integers are signed 64-bit: inode numbers above 2**63 wrap.
    assert [_i64(5), _i64(2**63 - 1), _i64(2**63), _i64(2**64 - 1)] == [5, 2**63 - 1, -(2**63), -1]


def test_architecture_hash_of_something_else_says_what_it_needs() -> None:
    from provenance.hashing.weights import architecture_hash

    message = r"^architecture_hash needs a torch nn\.Module or a state dict, not int$"
    with pytest.raises(UnsupportedTypeError, match=message):
        architecture_hash(3)


def test_row_sample_rounds_floats_as_asked() -> None:
    import pandas as pd

    from provenance.hashing.fingerprints import decode_row_sample, row_sample

    a = pd.DataFrame({"x": [0.123, 1.0]})
    b = pd.DataFrame({"x": [0.124, 1.0]})
    fa = decode_row_sample(row_sample(a, float_decimals=2)).fingerprints
    fb = decode_row_sample(row_sample(b, float_decimals=2)).fingerprints
    assert fa.tolist() == fb.tolist()
    fa = decode_row_sample(row_sample(a)).fingerprints
    fb = decode_row_sample(row_sample(b)).fingerprints
    assert fa.tolist()[0] != fb.tolist()[0]


def test_torch_tensors_hash_their_values() -> None:
    torch = pytest.importorskip("torch")
    from provenance.hashing.arrays import ArraySignature, array_signature, digest_array

    assert array_signature(torch.zeros((2, 3), dtype=torch.float32)) == ArraySignature(
        "<f4", (2, 3), 24
    )
    # A lazily conjugated view hashes as the values it shows.
    lazy = torch.tensor([1 + 2j, 3 - 1j], dtype=torch.complex64).conj()
    plain = torch.tensor([1 - 2j, 3 + 1j], dtype=torch.complex64)
    assert digest_array(lazy) == digest_array(plain)
    assert digest_array(plain) == digest_array(np.array([1 - 2j, 3 + 1j], dtype=np.complex64))


def test_digest_object_of_a_fitted_estimator() -> None:
    pytest.importorskip("sklearn")
    from sklearn.linear_model import LinearRegression

    from provenance.hashing.dispatch import digest_object

    model = LinearRegression().fit(np.array([[0.0], [1.0]]), np.array([0.0, 1.0]))
    info = digest_object(model)
    assert info.kind == "model"
    assert info.details["framework"] == "sklearn"
    assert info.details["class"] == "sklearn.linear_model._base.LinearRegression"
    assert info.details["parameter_count"] == 2  # coef_ (1) + intercept_ (1)


def test_directory_digest_follows_the_recipe(tmp_path: Path) -> None:
    from provenance.hashing.directories import digest_directory

    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_bytes(b"abc")
    (tmp_path / "d" / "l").symlink_to("f")
    blob = b3("blob", b"abc")
    lines = f'["file","f","{blob}",false]\n["link","l","f"]\n'.encode()
    assert digest_directory(tmp_path / "d").digest == b3("directory", lines)


def test_digest_file_names_what_is_wrong(tmp_path: Path) -> None:
    from provenance.errors import UnreadableInputError
    from provenance.hashing.cache import DigestCache
    from provenance.hashing.files import digest_file

    with pytest.raises(UnreadableInputError) as got:
        digest_file(tmp_path)
    assert str(got.value) == f"cannot read {tmp_path}: a directory"
    cache = DigestCache(cache_dir=tmp_path / "cache")
    try:
        with pytest.raises(UnreadableInputError) as got:
            digest_file(tmp_path / "nope", cache=cache)
        assert str(got.value) == f"cannot read {tmp_path / 'nope'}: No such file or directory"
    finally:
        cache.close()


def test_object_arrays_are_refused_with_a_hint() -> None:
    from provenance.hashing.arrays import digest_array

    with pytest.raises(UnsupportedTypeError, match=r"^object arrays have no canonical digest; "):
        digest_array(np.array([object()], dtype=object))


def test_nullable_float_columns_are_rounded_as_asked() -> None:
    import pandas as pd

    from provenance.hashing.frames import frame_digest

    a = pd.DataFrame({"x": pd.array([0.123, None], dtype="Float64")})
    b = pd.DataFrame({"x": pd.array([0.124, None], dtype="Float64")})
    assert frame_digest(a, float_decimals=2).digest == frame_digest(b, float_decimals=2).digest
    assert frame_digest(a).digest != frame_digest(b).digest


def test_row_fingerprints_of_a_categorical_without_categories() -> None:
    import pandas as pd

    from provenance.hashing.fingerprints import row_fingerprints

    empty = pd.DataFrame({"c": pd.Categorical([None, None], categories=[])})
    fps = row_fingerprints(empty)
    assert len(fps) == 2 and fps[0] == fps[1]


def test_torch_module_recipes() -> None:
    torch = pytest.importorskip("torch")
    import hashlib

    from provenance.hashing.arrays import digest_array
    from provenance.hashing.dispatch import digest_object
    from provenance.hashing.weights import architecture_hash

    torch.manual_seed(0)
    layer = torch.nn.Linear(2, 1)
    body = {
        "class": "torch.nn.modules.linear.Linear",
        "repr": "Linear(in_features=2, out_features=1, bias=True)",
        "tensors": [["bias", "<f4", [1]], ["weight", "<f4", [1, 2]]],  # sorted names
    }
    text = canonical_json(body).encode()
    assert architecture_hash(layer) == b3("architecture", text)
    sha = hashlib.sha256(b"provenance:architecture:v1\n" + text).hexdigest()
    assert architecture_hash(layer, "sha256") == "sha256:" + sha
    # A module with an explicit architecture: the state-dict recipe, and its class named.
    info = digest_object(layer, architecture="blake3:" + "a" * 64)
    assert info.details["class"] == "torch.nn.modules.linear.Linear"
    assert info.details["architecture_in_digest"] is True
    # Raw-bit dtypes (no numpy dtype) are told apart by their torch name.
    e4m3, e5m2 = torch.float8_e4m3fn, torch.float8_e5m2
    assert digest_array(torch.zeros(2, dtype=e4m3)) != digest_array(torch.zeros(2, dtype=e5m2))


def test_row_fingerprints_with_the_index_name_its_levels() -> None:
    import pandas as pd

    from provenance.hashing.fingerprints import row_fingerprints

    a = pd.DataFrame({"x": [1, 2]}, index=pd.Index([5, 6], name="a"))
    b = pd.DataFrame({"x": [1, 2]}, index=pd.Index([5, 6], name="b"))
    fa, fb = (row_fingerprints(f, include_index=True).tolist() for f in (a, b))
    assert fa != fb  # the level's name is part of each row
    # and so is its type family: 0 and 0.0 have the same 64 bits, but an int and a float
    # index are different data.
    ints = pd.DataFrame({"x": [1]}, index=pd.Index([0], name="i"))
    floats = pd.DataFrame({"x": [1]}, index=pd.Index([0.0], name="i"))
    assert row_fingerprints(ints, include_index=True) != row_fingerprints(
        floats, include_index=True
    )
    assert row_fingerprints(a).tolist() == row_fingerprints(b).tolist()  # index left out


def test_cache_get_put_many_and_a_nested_cache_dir(tmp_path: Path) -> None:
    import os

    from provenance.hashing.cache import DigestCache
    from provenance.hashing.files import digest_file

    old_ns = 1_600_000_000 * 10**9
    files = [tmp_path / "a.bin", tmp_path / "b.bin"]
    for f in files:
        f.write_bytes(b"abc")
        os.utime(f, ns=(old_ns, old_ns))
    cache = DigestCache(cache_dir=tmp_path / "deep" / "er" / "cache")  # parents created
    try:
        assert cache.available
        digest = digest_file(files[0], cache=cache)
        assert cache.get(str(files[0]), os.stat(files[0]), "blake3") == digest
        assert cache.get(str(files[1]), os.stat(files[1]), "blake3") is None
        # Files modified within the racy window of the hashing time are not stored.
        stats = [os.stat(f) for f in files]
        entries = [(str(f), st, digest) for f, st in zip(files, stats, strict=True)]
        cache.put_many(entries, "blake3", hashed_at_ns=old_ns)
        assert cache.stats.skipped_racy == 2
    finally:
        cache.close()


def test_arrow_null_and_empty_string_columns_hash_like_pandas() -> None:
    import pandas as pd
    import pyarrow as pa

    from provenance.hashing.frames import frame_digest

    nulls = frame_digest(pa.table({"n": pa.nulls(3)}))
    assert nulls.digest == frame_digest(pd.DataFrame({"n": [None, None, None]})).digest
    empty = frame_digest(pa.table({"s": pa.array([], pa.string())}))
    assert empty.digest == frame_digest(pd.DataFrame({"s": pd.Series([], dtype="string")})).digest


def test_digest_object_of_paths_and_modules(tmp_path: Path) -> None:
    from provenance.hashing.cache import DigestCache
    from provenance.hashing.dispatch import digest_object

    d = tmp_path / "d"
    d.mkdir()
    (d / "f").write_bytes(b"x")
    (d / "run.sh").write_bytes(b"#!/bin/sh\n")
    (d / "run.sh").chmod(0o755)
    info = digest_object(d)
    assert info.details == {
        "path": str(d),
        "file_count": 2,
        "link_count": 0,
        "executable_count": 1,
        "total_bytes": 1 + 10,
        "hash_version": 1,
    }
    assert digest_object(d / "f").details == {"path": str(d / "f"), "hash_version": 1}
    cache = DigestCache(cache_dir=tmp_path / "cache")
    try:
        old_ns = 1_600_000_000 * 10**9
        for f in (d / "f", d / "run.sh"):
            os.utime(f, ns=(old_ns, old_ns))
        digest_object(d, cache=cache)
        assert cache.stats.stores == 2  # the directory's files went to the cache
    finally:
        cache.close()
    torch = pytest.importorskip("torch")
    layer = torch.nn.Linear(2, 1)
    # Without an explicit architecture a module gets the framework recipe.
    recipe = digest_object(layer).details["recipe"]
    assert recipe == "model: state dict + architecture_hash(class, repr, tensor signatures)"


def test_unsupported_inputs_say_what_they_are() -> None:
    from provenance.hashing.arrays import array_parts, digest_array
    from provenance.hashing.fingerprints import decode_row_sample
    from provenance.hashing.weights import digest_state_dict, state_dict_signature

    record = np.zeros(1, dtype=[("a", "<i4")])
    with pytest.raises(UnsupportedTypeError, match=r"hash each field or use a DataFrame$"):
        digest_array(record)
    with pytest.raises(UnsupportedTypeError, match=r"^str is not a numpy array or torch tensor$"):
        array_parts("x")
    with pytest.raises(UnsupportedTypeError, match=r"^state dict keys must be str, got int$"):
        digest_state_dict({1: np.zeros(1)})
    message = r"^state dict entry 'w' is a str, not an array or tensor$"
    with pytest.raises(UnsupportedTypeError, match=message):
        state_dict_signature({"w": "x"})
    bad = {"version": 1, "rows": 1, "fingerprints": "AAAA!AAAAAAA="}  # "!": not base64
    with pytest.raises(ValueError, match=r"^malformed row sample: "):
        decode_row_sample(bad)


def test_digest_file_refuses_a_fifo(tmp_path: Path) -> None:
    from provenance.errors import UnreadableInputError
    from provenance.hashing.files import digest_file

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(UnreadableInputError) as got:
        digest_file(fifo)
    assert str(got.value) == f"cannot read {fifo}: not a regular file"


# --------------------------------------------------------------------------------------------
# files, directories: an I/O error names the path and the reason (faults injected)
_EIO = OSError(5, "Input/output error")


def _fails_for(target: Path, real: Any) -> Any:
    """``real`` (an ``os`` function taking a path or a descriptor first), failing with EIO
    when that path or descriptor is ``target``."""

    def call(first: Any, *args: Any, **kwargs: Any) -> Any:
        where = os.readlink(f"/proc/self/fd/{first}") if isinstance(first, int) else first
        if os.fspath(where) == os.fspath(target):
            raise OSError(_EIO.errno, _EIO.strerror)
        return real(first, *args, **kwargs)

    return call


@pytest.mark.parametrize("fails", ["fstat", "read", "stat with a cache"])
def test_a_file_read_error_names_path_and_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: str
) -> None:
    import provenance.hashing.files as files
    from provenance.errors import UnreadableInputError
    from provenance.hashing import digest_file
    from provenance.hashing.cache import DigestCache

    p = tmp_path / "f.bin"
    p.write_bytes(b"x" * 100)
    cache = None
    if fails == "fstat":
        monkeypatch.setattr(os, "fstat", _fails_for(p, os.fstat))
    elif fails == "read":

        def broken_read(*args: Any) -> None:
            raise OSError(_EIO.errno, _EIO.strerror)

        monkeypatch.setattr(files, "_hash_read", broken_read)
    else:
        cache = DigestCache(cache_dir=tmp_path / "cache")
        monkeypatch.setattr(os, "stat", _fails_for(p, os.stat))
    with pytest.raises(UnreadableInputError) as info:
        digest_file(p, cache=cache)
    assert str(info.value) == f"cannot read {p}: Input/output error"


@pytest.mark.parametrize("fails", ["scandir", "readlink"])
def test_a_directory_read_error_names_path_and_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: str
) -> None:
    from provenance.errors import UnreadableInputError
    from provenance.hashing import digest_directory

    root = tmp_path / "d"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.txt").write_text("a")
    (root / "link").symlink_to("sub/a.txt")
    target = root / "sub" if fails == "scandir" else root / "link"
    monkeypatch.setattr(os, fails, _fails_for(target, getattr(os, fails)))
    with pytest.raises(UnreadableInputError) as info:
        digest_directory(root)
    assert str(info.value) == f"cannot read {target}: Input/output error"


# --------------------------------------------------------------------------------------------
# core: algorithm names, the algo:hex form, buffers of every shape, canonical JSON corners
# --------------------------------------------------------------------------------------------


def test_an_unknown_algorithm_is_named_with_the_choices() -> None:
    from provenance.errors import UnknownAlgorithmError
    from provenance.hashing.core import check_algorithm, format_digest

    assert [check_algorithm("blake3"), check_algorithm("sha256")] == ["blake3", "sha256"]
    message = r"^unknown digest algorithm 'md5'; choose one of blake3, sha256$"
    with pytest.raises(UnknownAlgorithmError, match=message):
        check_algorithm("md5")
    # Names are exact: no case folding.
    with pytest.raises(UnknownAlgorithmError, match=r"^unknown digest algorithm 'SHA256'; "):
        format_digest("SHA256", "0" * 64)


def test_only_full_lowercase_digests_of_known_algorithms_parse() -> None:
    from provenance.hashing.core import is_digest

    hex64 = "0123456789abcdef" * 4
    assert parse_digest("sha256:" + hex64) == ("sha256", hex64)
    assert parse_digest("blake3:" + "f" * 64) == ("blake3", "f" * 64)
    assert is_digest("sha256:" + hex64) is True
    assert is_digest("blake3:" + "f" * 64) is True
    bad = [
        "blake3:" + hex64.upper(),  # uppercase hex
        "blake3:" + "0" * 63,
        "blake3:" + "0" * 65,
        "md5:" + "0" * 64,  # an algorithm this package does not make
        "BLAKE3:" + "0" * 64,
        "blake3" + "0" * 64,  # no colon
        " blake3:" + "0" * 64,
        "blake3:" + "0" * 63 + "g",
        "",
    ]
    for value in bad:
        assert is_digest(value) is False, value
        with pytest.raises(ValueError, match=r"^not a full digest of the form algo:hex: "):
            parse_digest(value)


def test_digest_blob_hashes_the_raw_bytes_of_any_buffer() -> None:
    import array
    import hashlib
    import struct

    from provenance.hashing.core import digest_blob

    ints = memoryview(array.array("i", [1, -2, 3]))  # a 1-D buffer of C ints, not bytes
    raw = struct.pack("=3i", 1, -2, 3)
    assert digest_blob(ints) == b3("blob", raw)
    expected = hashlib.sha256(b"provenance:blob:v1\n" + raw).hexdigest()
    assert digest_blob(ints, "sha256") == "sha256:" + expected
    # A 0-d buffer (one numpy scalar's bytes) and 2-D ones, of bytes and of int16.
    assert digest_blob(np.array(7, dtype=np.uint8).data) == b3("blob", b"\x07")
    square = np.arange(6, dtype=np.uint8).reshape(2, 3).data
    assert digest_blob(square) == b3("blob", bytes(range(6)))
    shorts = np.arange(6, dtype="<i2").reshape(3, 2).data
    assert digest_blob(shorts) == b3("blob", struct.pack("<6h", 0, 1, 2, 3, 4, 5))
    # Signed bytes and every third byte of a buffer (not contiguous) are still their bytes.
    assert digest_blob(memoryview(array.array("b", [-1, 2]))) == b3("blob", b"\xff\x02")
    assert digest_blob(memoryview(bytes(range(10)))[1::3]) == b3("blob", bytes([1, 4, 7]))


def test_digests_at_the_multithreading_threshold_are_plain_digests() -> None:
    import hashlib

    from provenance.hashing.core import MULTITHREAD_MIN_BYTES, digest_blob, digest_bytes

    for n in (MULTITHREAD_MIN_BYTES - 1, MULTITHREAD_MIN_BYTES):
        data = bytes(n)
        assert digest_bytes(data) == "blake3:" + blake3.blake3(data).hexdigest()
        assert digest_bytes(data, "sha256") == "sha256:" + hashlib.sha256(data).hexdigest()
        assert digest_blob(data) == b3("blob", data)


def test_long_double_and_object_array_scalars_are_numbers() -> None:
    # np.longdouble(...).item() is a longdouble again, not a float: it takes the float path.
    assert canonical_json(np.longdouble(0.5)) == "0.5"
    assert canonical_json({"lr": np.longdouble(3.0)}) == '{"lr":3}'
    # An object array keeps numpy scalars as they are: each gets its canonical form.
    mixed = np.array([np.float32(1.5), np.int64(2), np.bool_(True), np.float64(4.0)], dtype=object)
    assert canonical_json(mixed) == "[1.5,2,true,4]"
    assert digest_json(mixed) == b3("json", b"[1.5,2,true,4]")


class _HashableDict(dict[str, int]):
    """A hashable mapping (as frozendict-like types are), so that sets can hold it."""

    def __hash__(self) -> int:  # type: ignore[override]
        return 0


def test_sets_of_mappings_sort_by_their_key_sorted_text() -> None:
    # {"b": 0, "a": 0} sorts by '{"a": 0, "b": 0}' (before '{"a": 1}'), whatever the order
    # its keys were inserted in: equal sets have one canonical form.
    inserted_b_first = _HashableDict(b=0, a=0)
    inserted_a_first = _HashableDict(a=0, b=0)
    one = _HashableDict(a=1)
    text = '[{"a":0,"b":0},{"a":1}]'
    assert canonical_json({inserted_b_first, one}) == text
    assert canonical_json({inserted_a_first, one}) == text
    assert canonical_json(frozenset({one, inserted_b_first})) == text


def test_canonical_json_keeps_booleans_apart_and_stringifies_keys() -> None:
    value = {1: True, 2: 1, "t": (False, 0, None, (1.0, -0.0)), 0.5: "half"}
    assert canonical_json(value) == '{"0.5":"half","1":true,"2":1,"t":[false,0,null,[1,0]]}'
    assert canonical_json([True, 1, False, 0]) == "[true,1,false,0]"
    assert digest_json([True]) != digest_json([1])
    # Negative integral floats are integers too, up to the last exact one (2**53 - 1).
    assert canonical_json([-3.0, -(2.0**53 - 1), 2.0**53 - 1, -2.5]) == (
        "[-3,-9007199254740991,9007199254740991,-2.5]"
    )


def test_digest_json_domains_keep_ids_apart() -> None:
    import hashlib

    assert digest_json({"a": 1}) == b3("json", b'{"a":1}')
    assert digest_json({"a": 1}, domain="config") == b3("config", b'{"a":1}')
    # Any name without ":" or a newline is a domain, capitals included.
    assert digest_json({"a": 1}, domain="XGBoost") == b3("XGBoost", b'{"a":1}')
    expected = hashlib.sha256(b'provenance:config:v1\n{"a":1}').hexdigest()
    assert digest_json({"a": 1}, "sha256", domain="config") == "sha256:" + expected


def test_a_digest_with_a_trailing_newline_is_not_a_digest() -> None:
    # `$` also matches before a final newline: a pasted "blake3:...\n" must not pass as an id.
    full = "blake3:" + "0" * 64
    assert is_digest(full) and not is_digest(full + "\n")
    with pytest.raises(ValueError, match="not a full digest"):
        parse_digest(full + "\n")


def test_an_empty_multidimensional_buffer_is_the_empty_blob() -> None:
    expected = "blake3:" + blake3.blake3(b"provenance:blob:v1\n").hexdigest()
    for shape in [(0, 3), (3, 0), (0, 0, 2)]:
        assert digest_blob(np.zeros(shape, np.uint8)) == expected
        assert digest_blob(memoryview(np.zeros(shape, np.float64))) == expected
