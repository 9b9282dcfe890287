"""Seeds, RNG snapshots, isolation and replay (provenance.capture.seeds)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import blake3
import numpy as np
import pytest

from provenance.capture import (
    DERIVATION,
    ReproducibleTransform,
    apply_seeds,
    capture_rng_states,
    current_seed_state,
    derive_seed,
    derive_seeds,
    generator_state,
    isolated_rng,
    numpy_generator,
    replay_rng_states,
    reproducible,
    restore_generator,
    restore_rng_states,
)
from provenance.errors import CaptureError
from provenance.model import SeedState

REPO_ROOT = Path(__file__).resolve().parents[1]


def draws() -> dict[str, Any]:
    """A few draws from every global RNG and from a run-derived numpy Generator."""
    out: dict[str, Any] = {
        "python": [random.random() for _ in range(5)] + [random.getrandbits(64)],
        "gauss": random.gauss(0.0, 1.0),
        "numpy": np.random.rand(5).tolist() + np.random.randint(0, 2**31, 3).tolist(),
        "numpy_normal": float(np.random.standard_normal()),
    }
    if current_seed_state() is not None:
        out["generator"] = numpy_generator().random(4).tolist()
        out["generator2"] = numpy_generator().integers(0, 10**9, 3).tolist()
        out["other_stream"] = numpy_generator("aug").random(2).tolist()
    return out


# --- derivation ---------------------------------------------------------------------------------
def test_derivation_is_the_documented_blake3_formula() -> None:
    for master in (0, 1, 42, -7, 2**70):
        for stream, bits in (("python", 32), ("numpy", 32), ("torch", 63), ("cuda", 63)):
            h = blake3.blake3(f"provenance-seed-v1:{stream}:{master}".encode()).digest()
            expected = int.from_bytes(h, "big") >> (256 - bits)
            assert derive_seed(master, stream, bits) == expected
    s = derive_seeds(42)
    assert s.derivation == DERIVATION == "blake3-v1"
    assert s.python_seed == derive_seed(42, "python", 32)
    assert s.numpy_seed == derive_seed(42, "numpy", 32)
    assert s.torch_seed == derive_seed(42, "torch", 63)
    assert s.cuda_seed == derive_seed(42, "cuda", 63)
    assert s.numpy_seed is not None and 0 <= s.numpy_seed < 2**32
    assert s.torch_seed is not None and 0 <= s.torch_seed < 2**63
    # independent streams, different masters
    assert len({s.python_seed, s.numpy_seed, s.torch_seed, s.cuda_seed}) == 4
    assert derive_seeds(43).python_seed != s.python_seed


def test_bad_master_seeds_are_rejected() -> None:
    for bad in (True, 1.5, "42", None):
        with pytest.raises(CaptureError):
            derive_seeds(bad)  # type: ignore[arg-type]
    with pytest.raises(CaptureError):
        ReproducibleTransform(lambda: None, seed="1")  # type: ignore[arg-type]
    assert derive_seeds(np.int64(5)).master_seed == 5  # type: ignore[arg-type]


_CHILD = """
import json, random, sys
import numpy as np
from provenance.capture import derive_seeds, isolated_rng, numpy_generator
s = derive_seeds(20240601)
with isolated_rng(20240601) as st:
    out = {
        "seeds": [s.python_seed, s.numpy_seed, s.torch_seed, s.cuda_seed],
        "python": [random.random() for _ in range(5)],
        "numpy": np.random.rand(5).tolist(),
        "generator": numpy_generator().random(3).tolist(),
        "digest": st.rng_states_digest,
        "hash_of_str": hash("abc"),
    }
print(json.dumps(out))
"""


def test_seeds_identical_across_processes_whatever_pythonhashseed() -> None:
    results = []
    for hashseed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed, "PYTHONPATH": str(REPO_ROOT)}
        done = subprocess.run(
            [sys.executable, "-c", _CHILD],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            cwd=REPO_ROOT,
        )
        results.append(json.loads(done.stdout))
    a, b = results
    assert a["hash_of_str"] != b["hash_of_str"]  # the processes really hash differently
    for key in ("seeds", "python", "numpy", "generator", "digest"):
        assert a[key] == b[key], key
    s = derive_seeds(20240601)
    assert a["seeds"] == [s.python_seed, s.numpy_seed, s.torch_seed, s.cuda_seed]
    with isolated_rng(20240601):  # and the same as in this process
        assert [random.random() for _ in range(5)] == a["python"]
        assert np.random.rand(5).tolist() == a["numpy"]
        assert numpy_generator().random(3).tolist() == a["generator"]


# --- isolation -------------------------------------------------------------------------------
def test_seeded_run_reproduces_identical_draws() -> None:
    with isolated_rng(7) as s1:
        first = draws()
    with isolated_rng(7) as s2:
        second = draws()
    with isolated_rng(8):
        other = draws()
    assert first == second
    assert s1 == s2
    for key in first:
        assert first[key] != other[key], key
    assert first["generator"] != first["generator2"][:4]  # two generators, two streams
    assert s1.reproducibility == "seeded" and s1.master_seed == 7
    assert s1.rngs is not None and {"python", "numpy"} <= set(s1.rngs)
    assert s1.rng_states is None and s1.rng_states_digest is not None
    assert s1.identity() == {"master_seed": 7, "derivation": "blake3-v1"}


def test_seeded_run_matches_explicit_apply_seeds() -> None:
    with isolated_rng(99):
        inside = (random.random(), float(np.random.rand()))
    with isolated_rng(None):
        apply_seeds(derive_seeds(99))
        assert (random.random(), float(np.random.rand())) == inside


def test_callers_states_restored_after_block_and_after_exception() -> None:
    random.seed(123)
    np.random.seed(456)
    py_before, np_before = random.getstate(), np.random.get_state()
    expected_next = (random.random(), float(np.random.rand()))
    random.setstate(py_before)
    np.random.set_state(np_before)

    with isolated_rng(1):
        random.random()
        np.random.rand(10)
    assert random.getstate() == py_before
    np_after = np.random.get_state()
    assert np.array_equal(np_after[1], np_before[1]) and np_after[2] == np_before[2]

    with pytest.raises(ZeroDivisionError), isolated_rng(2):
        random.random()
        np.random.rand(3)
        random.seed(0)
        np.random.seed(0)
        _ = 1 / 0
    assert (random.random(), float(np.random.rand())) == expected_next
    assert current_seed_state() is None

    random.setstate(py_before)
    np.random.set_state(np_before)
    with pytest.raises(KeyError), isolated_rng(None, restore=True):
        random.random()
        np.random.rand(3)
        raise KeyError("boom")
    assert (random.random(), float(np.random.rand())) == expected_next


def test_unseeded_blocks_draw_on_the_callers_stream_like_untracked_code() -> None:
    random.seed(77)
    np.random.seed(77)
    untracked = [random.random() for _ in range(4)] + np.random.rand(4).tolist()
    random.seed(77)
    np.random.seed(77)
    with isolated_rng(None) as first:
        a = [random.random(), random.random(), *np.random.rand(2).tolist()]
        gen_a = numpy_generator().random(2).tolist()
    with isolated_rng(None) as second:
        b = [random.random(), random.random(), *np.random.rand(2).tolist()]
        gen_b = numpy_generator().random(2).tolist()
    # python's stream is exactly the untracked one; numpy's too, up to the generator's seed draw
    assert a[:2] + b[:2] == untracked[:4]
    assert a[2:] == untracked[4:6]
    assert a != b and gen_a != gen_b  # consecutive unseeded runs differ
    assert first.rng_states_digest != second.rng_states_digest
    with replay_rng_states(second):
        assert [random.random(), random.random(), *np.random.rand(2).tolist()] == b
        assert numpy_generator().random(2).tolist() == gen_b


def test_nested_blocks_restore_the_outer_stream() -> None:
    with isolated_rng(3):
        a = random.random()
        with isolated_rng(4):
            random.random()
        b = random.random()
    with isolated_rng(3):
        assert [random.random(), random.random()] == [a, b]


def test_unseeded_run_replays_identically_after_json_round_trip() -> None:
    random.seed(2024)
    np.random.seed(2024)
    random.random()  # move away from a freshly seeded state
    with isolated_rng(None) as state:
        original = draws()
    assert state.reproducibility == "unseeded" and state.master_seed is None
    assert state.rng_states is not None
    assert state.identity() == {"rng_states_digest": state.rng_states_digest}

    stored = SeedState.model_validate_json(state.model_dump_json())
    random.seed(1)  # the caller's RNGs are somewhere else entirely now
    np.random.seed(1)
    caller_next = (random.random(), float(np.random.rand()))
    random.seed(1)
    np.random.seed(1)
    with replay_rng_states(stored):
        replayed = draws()
    assert replayed == original
    assert (random.random(), float(np.random.rand())) == caller_next  # caller restored


def test_seeded_state_replays_without_recorded_states() -> None:
    with isolated_rng(11) as state:
        original = draws()
    assert state.rng_states is None
    with replay_rng_states(state):
        assert draws() == original


def test_replay_refuses_tampered_or_empty_states() -> None:
    with isolated_rng(None) as state:
        pass
    assert state.rng_states is not None
    words = state.rng_states["python"]["words"]
    tampered_states = {
        **state.rng_states,
        "python": {**state.rng_states["python"], "words": words[:-8] + "AAAAAAA="},
    }
    tampered = state.model_copy(update={"rng_states": tampered_states})
    with pytest.raises(CaptureError, match="digest"), replay_rng_states(tampered):
        pass
    with pytest.raises(CaptureError, match="cannot be replayed"), replay_rng_states(SeedState()):
        pass


def test_record_states_flag() -> None:
    with isolated_rng(5, record_states=True) as s:
        a = random.random()
    assert s.rng_states is not None
    with replay_rng_states(s):
        assert random.random() == a
    with isolated_rng(None, record_states=False) as u:
        pass
    assert u.rng_states is None and u.rng_states_digest is not None


def test_deterministic_level_and_lie_detection() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with isolated_rng(None, deterministic=True) as s:
            _ = sum(range(10))
    assert s.reproducibility == "exact"
    with (
        pytest.warns(RuntimeWarning, match="declared deterministic"),
        isolated_rng(None, deterministic=True),
    ):
        random.random()
    with isolated_rng(3, deterministic=True) as seeded_exact:
        pass
    assert seeded_exact.reproducibility == "exact" and seeded_exact.master_seed == 3
    assert s.rng_states is None
    random.seed(8)
    expected = random.random()
    random.seed(8)
    with replay_rng_states(s):  # nothing to re-enter, nothing disturbed
        pass
    assert random.random() == expected


def test_numpy_generator_needs_a_run() -> None:
    with pytest.raises(CaptureError, match="outside"):
        numpy_generator()
    with isolated_rng(1), pytest.raises(ValueError):
        numpy_generator("a:b")


# --- snapshots -----------------------------------------------------------------------------------
def test_capture_restore_rng_states_json_round_trip() -> None:
    random.seed(5)
    np.random.seed(5)
    random.gauss(0, 1)  # leaves a cached gaussian in python's state
    np.random.standard_normal()  # and in numpy's
    snap = json.loads(json.dumps(capture_rng_states(), allow_nan=False))
    assert snap["format"] == 1 and {"python", "numpy"} <= set(snap)
    expected = [random.gauss(0, 1), random.random(), *np.random.standard_normal(3).tolist()]
    random.seed(0)
    np.random.seed(0)
    restore_rng_states(snap)
    assert [random.gauss(0, 1), random.random(), *np.random.standard_normal(3).tolist()] == (
        expected
    )
    assert len(json.dumps(snap)) < 16_000 or "torch" in snap  # compact: base64, not int lists
    with pytest.raises(CaptureError):
        restore_rng_states({**snap, "format": 99})
    with pytest.raises(CaptureError):
        restore_rng_states({**snap, "numpy": {**snap["numpy"], "key": "not base64!"}})


@pytest.mark.parametrize(
    "bitgen", [np.random.PCG64, np.random.MT19937, np.random.Philox, np.random.SFC64]
)
def test_generator_state_round_trip(bitgen: type[np.random.BitGenerator]) -> None:
    gen = np.random.Generator(bitgen(2024))
    gen.random(7)
    snap = json.loads(json.dumps(generator_state(gen), allow_nan=False))
    expected = gen.standard_normal(5).tolist() + gen.integers(0, 2**62, 3).tolist()
    gen.random(100)
    restore_generator(gen, snap)
    assert gen.standard_normal(5).tolist() + gen.integers(0, 2**62, 3).tolist() == expected
    fresh = np.random.Generator(bitgen(0))
    restore_generator(fresh, snap)  # restoring into another generator object works too
    fresh_draw = fresh.standard_normal(5).tolist()
    assert fresh_draw == expected[:5]


def test_generator_state_refuses_other_bit_generator() -> None:
    snap = generator_state(np.random.default_rng(1))
    with pytest.raises(CaptureError, match="PCG64"):
        restore_generator(np.random.Generator(np.random.MT19937(1)), snap)


# --- the wrapper --------------------------------------------------------------------------------
def test_reproducible_transform_records_and_reproduces() -> None:
    def augment(x: np.ndarray, flip_prob: float = 0.5) -> np.ndarray:
        out = x.copy()
        for i in range(len(out)):
            if np.random.random() < flip_prob:
                out[i] = out[i][::-1]
            out[i] = out[i] + random.gauss(0, 1) + numpy_generator().normal()
        return out

    images = np.arange(40, dtype=float).reshape(10, 4)
    t = ReproducibleTransform(augment, seed=42)
    random.seed(9)
    caller = random.getstate()
    first, second = t(images), t(images, flip_prob=0.5)
    assert np.array_equal(first, second)
    assert random.getstate() == caller
    assert not np.array_equal(first, ReproducibleTransform(augment, seed=43)(images))
    meta = t.lineage_metadata()
    json.dumps(meta, allow_nan=False)
    assert meta["execution_count"] == 2 and meta["failure_count"] == 0
    assert meta["reproducibility"] == "seeded"
    assert meta["seed_state"]["master_seed"] == 42
    assert meta["seed_state"]["python_seed"] == derive_seeds(42).python_seed
    assert meta["entrypoint"].endswith(
        ":test_reproducible_transform_records_and_reproduces.<locals>.augment"
    )
    assert t.__name__ == "augment"  # functools.wraps


def test_reproducible_transform_unseeded_replay_and_failures() -> None:
    @reproducible
    def noisy(n: int) -> list[float]:
        if n < 0:
            raise ValueError("negative")
        return [random.random() for _ in range(n)] + np.random.rand(n).tolist()

    random.seed(4)
    caller = random.getstate()
    a = noisy(3)
    state_a = noisy.last_seed_state
    b = noisy(3)
    assert a != b  # unseeded: each call draws on from the caller's stream
    random.setstate(caller)
    assert [random.random() for _ in range(3)] == a[:3]  # transparent to the caller
    assert state_a is not None and state_a.reproducibility == "unseeded"
    assert noisy.replay(state_a, 3) == a
    with pytest.raises(ValueError):
        noisy(-1)
    meta = noisy.lineage_metadata()
    assert (meta["execution_count"], meta["failure_count"]) == (2, 1)
    assert meta["reproducibility"] == "unseeded"
    assert "rng_states" not in meta["seed_state"]


def test_reproducible_decorator_with_arguments() -> None:
    @reproducible(deterministic=True)
    def double(x: int) -> int:
        return 2 * x

    assert double(4) == 8
    assert double.lineage_metadata()["reproducibility"] == "exact"


# --- torch (the torch extra; ./scripts/test.sh installs it) -----------------------------------
def test_torch_cpu_seeding_capture_and_restore() -> None:
    torch = pytest.importorskip(
        "torch", reason="torch is not installed: pip install -e '.[torch]' (./scripts/test.sh)"
    )
    with isolated_rng(5) as s:
        a = torch.rand(4)
    with isolated_rng(5):
        b = torch.rand(4)
    assert torch.equal(a, b)
    assert s.rngs is not None and "torch" in s.rngs
    snap = capture_rng_states()
    assert "torch" in snap
    x = torch.rand(3)
    torch.rand(10)
    restore_rng_states(json.loads(json.dumps(snap)))
    assert torch.equal(torch.rand(3), x)
    with isolated_rng(None) as u:
        y = torch.randn(3)
    with replay_rng_states(u):
        assert torch.equal(torch.randn(3), y)
