"""Every source of randomness a run has: derived seeds, full RNG snapshots, isolation, replay.

One master seed becomes one seed per random number generator by a derivation that gives the
same numbers in every process, on every machine, whatever ``PYTHONHASHSEED`` is
(:data:`DERIVATION`): the BLAKE3 digest of ``provenance-seed-v1:<stream>:<master seed>``,
read as a big-endian integer, its top 32 bits for Python's :mod:`random` and NumPy's legacy
global ``RandomState``, its top 63 bits for torch (CPU and CUDA).

The generators this module seeds, snapshots and restores:

=============  ===============================================  ==========================
``python``     :mod:`random`'s global ``Random``                ``random.getstate()``
``numpy``      NumPy's legacy global ``RandomState`` (MT19937)  ``np.random.get_state()``
``torch``      torch's default CPU generator                    ``torch.get_rng_state()``
``torch_cuda`` torch's CUDA generators, one per device          ``get_rng_state_all()``
=============  ===============================================  ==========================

NumPy's modern ``Generator`` objects (``np.random.default_rng``) are private to whoever
holds them, so no global snapshot can reach them: inside a run ask for one with
:func:`numpy_generator`, which derives it from the run's master seed (or, in an unseeded
run, seeds it from NumPy's global RNG, whose state the run captured, so a replay hands out
the same one), and snapshot/restore any other with :func:`generator_state` /
:func:`restore_generator`.

Seeded blocks put the caller's RNG states back when they end; unseeded ones by default draw
on the caller's stream as untracked code would (see :func:`isolated_rng` for why).

Torch policy: torch is never required and never imported unless installed. When it is
installed it is imported on first use (so a transform that imports torch lazily is seeded
all the same, and draws the same numbers on its first and later executions); set
``PROVENANCE_SEED_TORCH=imported`` to touch torch only when the program already imported it,
or ``off`` to leave it alone. CUDA is never *initialized* by this module: CUDA seeds are set
with ``torch.cuda.manual_seed_all`` (which torch applies when CUDA initializes), and CUDA
generator states are snapshotted/restored only once ``torch.cuda.is_initialized()``. A
caller's CUDA state cannot be restored after a block in which CUDA was first initialized
(there was none to save).

Snapshot format (:func:`capture_rng_states`, JSON-safe, ``format`` 1): byte buffers are
base64 of their little-endian bytes. Python's state is ``{"version", "words" (625 uint32:
624 Mersenne-Twister words and the index), "gauss_next"}``; NumPy's is ``{"bit_generator",
"key" (624 uint32), "pos", "has_gauss", "cached_gaussian"}``; torch's is ``{"b64"}`` and
CUDA's a list of those. A snapshot is about 7 KB without torch.

The RNG states are process-global: :func:`isolated_rng` is not safe to use from two threads
at once.

Example:
    >>> import random
    >>> with isolated_rng(42) as state:
    ...     first = [random.random() for _ in range(3)]
    >>> with isolated_rng(42):
    ...     first == [random.random() for _ in range(3)]
    True
    >>> state.reproducibility, state.derivation
    ('seeded', 'blake3-v1')
"""

from __future__ import annotations

import base64
import contextvars
import functools
import importlib.util
import os
import random
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Generic, ParamSpec, TypeVar, overload

import numpy as np

from provenance.errors import CaptureError
from provenance.hashing.core import digest_bytes, digest_json
from provenance.model import ReproducibilityLevel, SeedState

__all__ = [
    "DERIVATION",
    "RNG_STATES_FORMAT",
    "ReproducibleTransform",
    "apply_seeds",
    "capture_rng_states",
    "current_seed_state",
    "derive_seed",
    "derive_seeds",
    "generator_state",
    "isolated_rng",
    "numpy_generator",
    "replay_rng_states",
    "reproducible",
    "restore_generator",
    "restore_rng_states",
]

#: Name of the seed derivation recorded in :attr:`SeedState.derivation`.
DERIVATION = "blake3-v1"
#: Version of the JSON snapshot written by :func:`capture_rng_states`.
RNG_STATES_FORMAT = 1

_TORCH_POLICIES = ("auto", "imported", "off")

P = ParamSpec("P")
R = TypeVar("R")


# --- seed derivation -----------------------------------------------------------------------
def _check_seed(master_seed: object) -> int:
    if isinstance(master_seed, bool) or not isinstance(master_seed, int | np.integer):
        raise CaptureError(f"a master seed must be an int, got {type(master_seed).__name__}")
    return int(master_seed)


def derive_seed(master_seed: int, stream: str, bits: int = 32) -> int:
    """A ``bits``-bit seed for ``stream`` derived from ``master_seed`` (see :data:`DERIVATION`).

    The same on every machine and in every process: it depends on nothing but its arguments.

    Example:
        >>> derive_seed(42, "python") == derive_seed(42, "python") != derive_seed(42, "numpy")
        True
        >>> 0 <= derive_seed(42, "torch", 63) < 2**63
        True
    """
    seed = _check_seed(master_seed)
    if not 1 <= bits <= 256:
        raise ValueError(f"bits must be in 1..256, got {bits}")
    if not stream or ":" in stream:
        raise ValueError(f"bad seed stream name {stream!r}")
    hexdigest = digest_bytes(f"provenance-seed-v1:{stream}:{seed}".encode(), "blake3")
    return int(hexdigest.split(":", 1)[1], 16) >> (256 - bits)


def derive_seeds(master_seed: int) -> SeedState:
    """The per-generator seeds of one master seed, as a ``"seeded"`` :class:`SeedState`.

    Python and NumPy get 32-bit seeds (NumPy's legacy seeding takes no more), torch CPU and
    CUDA 63-bit ones. No RNG is touched; :func:`apply_seeds` applies them.

    Example:
        >>> s = derive_seeds(42)
        >>> s.derivation, s.reproducibility, s.master_seed
        ('blake3-v1', 'seeded', 42)
        >>> s.python_seed == derive_seeds(42).python_seed
        True
    """
    seed = _check_seed(master_seed)
    return SeedState(
        master_seed=seed,
        derivation=DERIVATION,
        python_seed=derive_seed(seed, "python", 32),
        numpy_seed=derive_seed(seed, "numpy", 32),
        torch_seed=derive_seed(seed, "torch", 63),
        cuda_seed=derive_seed(seed, "cuda", 63),
        reproducibility="seeded",
    )


# --- torch, lazily ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _torch_installed() -> bool:
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        return False


def _torch() -> ModuleType | None:
    """torch per the ``PROVENANCE_SEED_TORCH`` policy (module docs), or None."""
    policy = os.environ.get("PROVENANCE_SEED_TORCH", "auto").strip().lower() or "auto"
    if policy not in _TORCH_POLICIES:
        raise CaptureError(
            f"PROVENANCE_SEED_TORCH must be one of {', '.join(_TORCH_POLICIES)}, got {policy!r}"
        )
    if policy == "off":
        return None
    module = sys.modules.get("torch")
    if module is not None:
        return module if hasattr(module, "get_rng_state") else None
    if policy != "auto" or not _torch_installed():
        return None
    try:  # typed ModuleType whether or not torch (and its type hints) is installed
        return importlib.import_module("torch")
    except Exception:  # a broken torch install must not break capture
        return None


def _cuda_ready(torch: ModuleType) -> bool:
    """True when CUDA generators exist to snapshot (never initializes CUDA)."""
    try:
        return bool(torch.cuda.is_available()) and bool(torch.cuda.is_initialized())
    except Exception:
        return False


# --- applying seeds --------------------------------------------------------------------------
def apply_seeds(state: SeedState) -> list[str]:
    """Seed every generator present from ``state``; return the names of those seeded.

    ``random.seed(python_seed)``, ``np.random.seed(numpy_seed)``, and when torch is present
    ``torch.manual_seed(torch_seed)`` and ``torch.cuda.manual_seed_all(cuda_seed)`` (which
    CUDA applies lazily if it is not initialized yet).

    Example:
        >>> import random
        >>> s = derive_seeds(7)
        >>> _ = apply_seeds(s); a = random.random()
        >>> _ = apply_seeds(s); a == random.random()
        True
    """
    if state.python_seed is None or state.numpy_seed is None:
        raise CaptureError("seed state has no python/numpy seeds to apply (derive_seeds first)")
    random.seed(state.python_seed)
    np.random.seed(state.numpy_seed)
    seeded = ["python", "numpy"]
    torch = _torch()
    if torch is not None and state.torch_seed is not None:
        torch.manual_seed(state.torch_seed)
        seeded.append("torch")
        if state.cuda_seed is not None:
            try:
                available = bool(torch.cuda.is_available())
            except Exception:
                available = False
            if available:
                torch.cuda.manual_seed_all(state.cuda_seed)
                seeded.append("torch_cuda")
    return seeded


# --- snapshots -----------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, what: str) -> bytes:
    if not isinstance(text, str):
        raise CaptureError(f"RNG state {what}: expected base64 text, got {type(text).__name__}")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except ValueError as exc:
        raise CaptureError(f"RNG state {what}: bad base64 ({exc})") from exc


def _python_state() -> dict[str, Any]:
    version, internal, gauss_next = random.getstate()
    words = np.asarray(internal, dtype="<u4")
    return {"version": version, "words": _b64(words.tobytes()), "gauss_next": gauss_next}


def _restore_python(state: Mapping[str, Any]) -> None:
    words = np.frombuffer(_unb64(state.get("words"), "python.words"), dtype="<u4")
    gauss = state.get("gauss_next")
    try:
        random.setstate((int(state["version"]), tuple(int(w) for w in words), gauss))
    except (KeyError, TypeError, ValueError) as exc:
        raise CaptureError(f"RNG state python: cannot restore ({exc})") from exc


def _numpy_state() -> dict[str, Any]:
    name, key, pos, has_gauss, cached = np.random.get_state(legacy=True)
    return {
        "bit_generator": str(name),
        "key": _b64(np.asarray(key, dtype="<u4").tobytes()),
        "pos": int(pos),
        "has_gauss": int(has_gauss),
        "cached_gaussian": float(cached),
    }


def _restore_numpy(state: Mapping[str, Any]) -> None:
    key = np.frombuffer(_unb64(state.get("key"), "numpy.key"), dtype="<u4").astype(np.uint32)
    try:
        np.random.set_state(
            (
                str(state["bit_generator"]),
                key,
                int(state["pos"]),
                int(state["has_gauss"]),
                float(state["cached_gaussian"]),
            )
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CaptureError(f"RNG state numpy: cannot restore ({exc})") from exc


def _tensor_b64(tensor: Any) -> dict[str, str]:
    return {"b64": _b64(bytes(tensor.cpu().numpy().tobytes()))}


def _tensor_from(torch: ModuleType, state: Any, what: str) -> Any:
    if not isinstance(state, Mapping):
        raise CaptureError(f"RNG state {what}: expected an object with b64")
    raw = np.frombuffer(_unb64(state.get("b64"), what), dtype=np.uint8).copy()
    return torch.from_numpy(raw)


def capture_rng_states() -> dict[str, Any]:
    """A JSON-safe snapshot of every global RNG's full state (format in the module docs).

    Example:
        >>> import json, random
        >>> snap = capture_rng_states(); a = random.random()
        >>> restore_rng_states(json.loads(json.dumps(snap))); a == random.random()
        True
    """
    states: dict[str, Any] = {
        "format": RNG_STATES_FORMAT,
        "python": _python_state(),
        "numpy": _numpy_state(),
    }
    torch = _torch()
    if torch is not None:
        states["torch"] = _tensor_b64(torch.get_rng_state())
        if _cuda_ready(torch):
            states["torch_cuda"] = [_tensor_b64(t) for t in torch.cuda.get_rng_state_all()]
    return states


def restore_rng_states(states: Mapping[str, Any]) -> None:
    """Put every generator back to a snapshot taken by :func:`capture_rng_states`.

    Generators missing from the snapshot are left alone. A snapshot holding torch states
    restored where torch is absent (or CUDA states where CUDA is not initialized / has fewer
    devices) warns with :class:`RuntimeWarning`: that part cannot be replayed here.

    Example:
        >>> import numpy as np
        >>> snap = capture_rng_states(); a = np.random.rand()
        >>> restore_rng_states(snap); a == np.random.rand()
        True
    """
    fmt = states.get("format")
    if fmt != RNG_STATES_FORMAT:
        raise CaptureError(f"unknown RNG states format {fmt!r} (this version reads 1)")
    if "python" in states:
        _restore_python(states["python"])
    if "numpy" in states:
        _restore_numpy(states["numpy"])
    if "torch" not in states and "torch_cuda" not in states:
        return
    torch = _torch()
    if torch is None:
        warnings.warn(
            "the RNG snapshot holds torch states but torch is not available; "
            "torch randomness is not restored",
            RuntimeWarning,
            stacklevel=2,
        )
        return
    if "torch" in states:
        torch.set_rng_state(_tensor_from(torch, states["torch"], "torch"))
    if "torch_cuda" in states:
        cuda = states["torch_cuda"]
        if not isinstance(cuda, list):
            raise CaptureError("RNG state torch_cuda: expected a list")
        if not _cuda_ready(torch):
            # Initializing CUDA here is what the caller asked for: they want CUDA replayed.
            try:
                torch.cuda.init()
            except Exception:
                warnings.warn(
                    "the RNG snapshot holds CUDA states but CUDA is not available here; "
                    "CUDA randomness is not restored",
                    RuntimeWarning,
                    stacklevel=2,
                )
                return
        n = int(torch.cuda.device_count())
        if n < len(cuda):
            warnings.warn(
                f"the RNG snapshot holds {len(cuda)} CUDA generator states but only {n} "
                "devices are visible; the others are not restored",
                RuntimeWarning,
                stacklevel=2,
            )
        for index, state in enumerate(cuda[:n]):
            torch.cuda.set_rng_state(_tensor_from(torch, state, f"torch_cuda[{index}]"), index)


def _digest_states(states: Mapping[str, Any]) -> str:
    return digest_json(states, domain="rng-states")


# --- numpy Generator objects ----------------------------------------------------------------
def _encode(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        arr = np.ascontiguousarray(value)
        little = arr.dtype.newbyteorder("<")
        return {
            "$ndarray": {
                "dtype": little.str,
                "shape": list(arr.shape),
                "b64": _b64(arr.astype(little).tobytes()),
            }
        }
    if isinstance(value, np.generic):
        return _encode(value.item())
    if isinstance(value, bool) or value is None or isinstance(value, str | float):
        return value
    if isinstance(value, int):
        # JSON readers outside Python lose integers past 2**53; PCG64's 128-bit state is one.
        return value if abs(value) < 2**53 else {"$int": str(value)}
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    raise CaptureError(f"cannot encode generator state value of type {type(value).__name__}")


def _decode(value: Any) -> Any:
    if isinstance(value, Mapping):
        if set(value) == {"$ndarray"}:
            spec = value["$ndarray"]
            raw = _unb64(spec["b64"], "ndarray")
            arr = np.frombuffer(raw, dtype=np.dtype(spec["dtype"])).reshape(spec["shape"])
            return arr.astype(arr.dtype.newbyteorder("=")).copy()
        if set(value) == {"$int"}:
            return int(value["$int"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def generator_state(gen: np.random.Generator | np.random.BitGenerator) -> dict[str, Any]:
    """A JSON-safe snapshot of a NumPy ``Generator``'s (or bit generator's) full state.

    Example:
        >>> import numpy as np
        >>> g = np.random.default_rng(3); snap = generator_state(g); a = g.random()
        >>> restore_generator(g, snap); a == g.random()
        True
    """
    bitgen = gen.bit_generator if isinstance(gen, np.random.Generator) else gen
    encoded = _encode(bitgen.state)
    if not isinstance(encoded, dict):  # pragma: no cover - numpy always returns a dict
        raise CaptureError("unexpected bit generator state")
    return encoded


def restore_generator(
    gen: np.random.Generator | np.random.BitGenerator, state: Mapping[str, Any]
) -> None:
    """Put a NumPy ``Generator`` back to a :func:`generator_state` snapshot (in place).

    Example:
        >>> import numpy as np
        >>> g = np.random.default_rng(1); snap = generator_state(g); xs = g.integers(9, size=3)
        >>> restore_generator(g, snap); bool((xs == g.integers(9, size=3)).all())
        True
    """
    bitgen = gen.bit_generator if isinstance(gen, np.random.Generator) else gen
    decoded = _decode(state)
    expected = type(bitgen).__name__
    if decoded.get("bit_generator") != expected:
        raise CaptureError(
            f"state is for a {decoded.get('bit_generator')!r} bit generator, not {expected!r}"
        )
    try:
        bitgen.state = decoded
    except (KeyError, TypeError, ValueError) as exc:
        raise CaptureError(f"cannot restore generator state ({exc})") from exc


# --- the active run ----------------------------------------------------------------------------
@dataclass
class _ActiveRun:
    state: SeedState
    handed_out: dict[str, int] = field(default_factory=dict)


_ACTIVE: contextvars.ContextVar[_ActiveRun | None] = contextvars.ContextVar(
    "provenance_active_seed_run", default=None
)


def current_seed_state() -> SeedState | None:
    """The :class:`SeedState` of the innermost :func:`isolated_rng` block, or None outside one.

    Example:
        >>> current_seed_state() is None
        True
        >>> with isolated_rng(5):
        ...     current_seed_state().master_seed
        5
    """
    active = _ACTIVE.get()
    return active.state if active is not None else None


def numpy_generator(stream: str = "default") -> np.random.Generator:
    """A fresh NumPy ``Generator`` for the current run, reproducible with the run.

    In a seeded run the n-th generator asked for under one ``stream`` name is seeded from the
    master seed, the stream name and n: the same calls in the same order give the same
    generators, and two calls never share one. In an unseeded run its seed is drawn from
    NumPy's global legacy RNG (so consecutive unseeded runs differ, and
    :func:`replay_rng_states`, which restores that RNG, hands out the same generators).
    Outside :func:`isolated_rng` / :func:`replay_rng_states` it raises :class:`CaptureError`.

    Example:
        >>> with isolated_rng(42):
        ...     a = numpy_generator().random(3)
        >>> with isolated_rng(42):
        ...     b = numpy_generator().random(3)
        >>> bool((a == b).all())
        True
    """
    active = _ACTIVE.get()
    if active is None:
        raise CaptureError(
            "numpy_generator() was called outside isolated_rng(); a generator made there "
            "could not be reproduced"
        )
    if not stream or ":" in stream:
        raise ValueError(f"bad generator stream name {stream!r}")
    index = active.handed_out.get(stream, 0)
    active.handed_out[stream] = index + 1
    master = active.state.master_seed
    if master is not None:
        return np.random.default_rng(derive_seed(master, f"numpy-generator/{stream}/{index}", 128))
    words = np.random.randint(0, 2**32, size=4, dtype=np.uint64).tolist()
    seed = digest_json([words, stream, index], domain="generator-seed").split(":", 1)[1]
    return np.random.default_rng(int(seed, 16))


# --- isolation -----------------------------------------------------------------------------
def _state_fingerprint() -> tuple[Any, ...]:
    torch = sys.modules.get("torch")
    torch_state = None
    if torch is not None and hasattr(torch, "get_rng_state"):
        try:
            torch_state = bytes(torch.get_rng_state().numpy().tobytes())
        except Exception:
            torch_state = None
    return (random.getstate(), _numpy_state(), torch_state)


@contextmanager
def isolated_rng(
    seed: int | None = None,
    *,
    deterministic: bool = False,
    record_states: bool | None = None,
    restore: bool | None = None,
) -> Iterator[SeedState]:
    """Run a block with recorded, reproducible randomness.

    * ``seed`` given: every generator is seeded from :func:`derive_seeds` ``(seed)``, the
      level is ``"seeded"``, and the caller's RNG states are put back on exit (exception or
      not), so seeding a block never resets the caller's stream.
    * ``seed=None``: nothing is seeded; the states the block starts from are captured so the
      run can be replayed with :func:`replay_rng_states`, and the level is ``"unseeded"``.
      By default the block draws on the caller's stream as untracked code would: the states
      are *not* put back, so consecutive unseeded runs draw different numbers (putting them
      back would make every unseeded run repeat the previous one's draws) and a program that
      seeds its RNGs once at the top stays reproducible. ``restore=True`` puts them back.
    * ``deterministic=True``: the block declares it uses no randomness; the level is
      ``"exact"`` (seeds are still applied when given). If the block's RNG states changed
      all the same, a :class:`RuntimeWarning` says the declaration was wrong.

    The yielded :class:`SeedState` carries ``rng_states_digest`` (the digest of the snapshot
    the block started from), ``rngs`` (the generators seeded or captured) and, when
    ``record_states`` (default: only for unseeded, non-deterministic runs, whose snapshot is
    the only way to replay them; a seeded run is replayed from its seed), the snapshot itself
    in ``rng_states``. :func:`numpy_generator` hands out ``Generator`` objects tied to it.

    Example:
        >>> import random
        >>> random.seed(0); before = random.getstate()
        >>> with isolated_rng(3) as s:
        ...     _ = random.random()
        >>> random.getstate() == before, s.reproducibility, s.master_seed
        (True, 'seeded', 3)
        >>> with isolated_rng(None) as u:
        ...     a = random.random()
        >>> with replay_rng_states(u):
        ...     random.random() == a
        True
    """
    if seed is not None:
        seed = _check_seed(seed)
    put_back = restore if restore is not None else seed is not None
    saved = capture_rng_states()
    token: contextvars.Token[_ActiveRun | None] | None = None
    try:
        if seed is not None:
            base = derive_seeds(seed)
            rngs = apply_seeds(base)
            start = capture_rng_states()
        else:
            base = SeedState()
            start = saved
            rngs = [k for k in ("python", "numpy", "torch", "torch_cuda") if k in start]
        level: ReproducibilityLevel = (
            "exact" if deterministic else "seeded" if seed is not None else "unseeded"
        )
        keep = record_states if record_states is not None else seed is None and not deterministic
        state = base.model_copy(
            update={
                "rng_states": start if keep else None,
                "rng_states_digest": _digest_states(start),
                "rngs": rngs,
                "reproducibility": level,
            }
        )
        token = _ACTIVE.set(_ActiveRun(state))
        before = _state_fingerprint() if deterministic else None
        yield state
        if before is not None and _state_fingerprint() != before:
            warnings.warn(
                "a block declared deterministic consumed randomness (its RNG states changed); "
                "record it as seeded or unseeded instead",
                RuntimeWarning,
                stacklevel=3,
            )
    finally:
        if token is not None:
            _ACTIVE.reset(token)
        if put_back:
            restore_rng_states(saved)


@contextmanager
def replay_rng_states(seed_state: SeedState) -> Iterator[SeedState]:
    """Re-enter a recorded run's randomness: the block draws what the original run drew.

    With recorded ``rng_states`` they are restored (and checked against
    ``rng_states_digest``); otherwise a seeded state's master seed is re-derived and applied
    (an ``"exact"`` state with neither needs nothing; any other raises :class:`CaptureError`).
    :func:`numpy_generator` inside the block hands out the run's generators again. The
    caller's states are restored on exit.

    Example:
        >>> import random
        >>> with isolated_rng(None) as s:
        ...     a = random.random()
        >>> with replay_rng_states(s):
        ...     a == random.random()
        True
    """
    states = seed_state.rng_states
    if states is not None:
        if (
            seed_state.rng_states_digest is not None
            and _digest_states(states) != seed_state.rng_states_digest
        ):
            raise CaptureError("recorded RNG states do not match their digest; refusing to replay")
    elif seed_state.master_seed is None and seed_state.reproducibility == "exact":
        pass  # declared free of randomness: nothing to re-enter
    elif seed_state.master_seed is None:
        raise CaptureError(
            "this seed state has neither a master seed nor recorded RNG states: "
            "the run cannot be replayed"
        )
    elif seed_state.derivation not in (None, DERIVATION):
        raise CaptureError(
            f"seed derivation {seed_state.derivation!r} is unknown to this version "
            f"(it knows {DERIVATION!r})"
        )
    saved = capture_rng_states()
    token = _ACTIVE.set(_ActiveRun(seed_state))
    try:
        if states is not None:
            restore_rng_states(states)
        elif seed_state.master_seed is not None:
            apply_seeds(derive_seeds(seed_state.master_seed))
        yield seed_state
    finally:
        _ACTIVE.reset(token)
        restore_rng_states(saved)


# --- the wrapper ------------------------------------------------------------------------------
class ReproducibleTransform(Generic[P, R]):
    """Wrap a function so every call runs in :func:`isolated_rng` and is recorded.

    Each call gets the same seeded randomness with the caller's RNG states untouched
    (``seed`` given), or draws on the caller's stream from captured, replayable starting
    states (``seed=None``; :meth:`replay` re-runs a call; ``restore``, ``record_states`` and
    ``deterministic`` as in :func:`isolated_rng`). :meth:`lineage_metadata` reports what the
    last call ran with.

    Example:
        >>> import numpy as np
        >>> noisy = ReproducibleTransform(lambda x: x + np.random.normal(size=3), seed=42)
        >>> bool((noisy(np.zeros(3)) == noisy(np.zeros(3))).all())
        True
        >>> m = noisy.lineage_metadata()
        >>> m["execution_count"], m["reproducibility"], m["seed_state"]["master_seed"]
        (2, 'seeded', 42)
    """

    def __init__(
        self,
        fn: Callable[P, R],
        seed: int | None = None,
        *,
        deterministic: bool = False,
        record_states: bool | None = None,
        restore: bool | None = None,
    ) -> None:
        if seed is not None:
            _check_seed(seed)
        self.fn = fn
        self.seed = seed
        self.deterministic = deterministic
        self.record_states = record_states
        self.restore = restore
        self.execution_count = 0
        self.failure_count = 0
        self.last_seed_state: SeedState | None = None
        functools.update_wrapper(self, fn)

    @property
    def reproducibility(self) -> ReproducibilityLevel:
        """``exact`` (declared deterministic), ``seeded`` or ``unseeded``."""
        if self.deterministic:
            return "exact"
        return "seeded" if self.seed is not None else "unseeded"

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        with isolated_rng(
            self.seed,
            deterministic=self.deterministic,
            record_states=self.record_states,
            restore=self.restore,
        ) as state:
            self.last_seed_state = state
            try:
                result = self.fn(*args, **kwargs)
            except BaseException:
                self.failure_count += 1
                raise
        self.execution_count += 1
        return result

    def replay(self, seed_state: SeedState, *args: P.args, **kwargs: P.kwargs) -> R:
        """Call the function again with the randomness a recorded call had."""
        with replay_rng_states(seed_state):
            return self.fn(*args, **kwargs)

    def lineage_metadata(self) -> dict[str, Any]:
        """What the transform is and what its last call ran with (JSON-safe)."""
        module = getattr(self.fn, "__module__", None) or "?"
        qualname = getattr(self.fn, "__qualname__", None) or type(self.fn).__name__
        state = self.last_seed_state
        return {
            "transform": qualname,
            "entrypoint": f"{module}:{qualname}",
            "seed": self.seed,
            "seed_state": (
                state.model_dump(mode="json", exclude={"rng_states"})
                if state is not None
                else derive_seeds(self.seed).model_dump(mode="json")
                if self.seed is not None
                else None
            ),
            "execution_count": self.execution_count,
            "failure_count": self.failure_count,
            "reproducibility": self.reproducibility,
        }


@overload
def reproducible(fn: Callable[P, R], /) -> ReproducibleTransform[P, R]: ...


@overload
def reproducible(
    *,
    seed: int | None = None,
    deterministic: bool = False,
    record_states: bool | None = None,
    restore: bool | None = None,
) -> Callable[[Callable[P, R]], ReproducibleTransform[P, R]]: ...


def reproducible(
    fn: Callable[P, R] | None = None,
    /,
    *,
    seed: int | None = None,
    deterministic: bool = False,
    record_states: bool | None = None,
    restore: bool | None = None,
) -> ReproducibleTransform[P, R] | Callable[[Callable[P, R]], ReproducibleTransform[P, R]]:
    """Use :class:`ReproducibleTransform` as a decorator: ``@reproducible`` or ``(seed=1)``.

    Example:
        >>> import random
        >>> @reproducible(seed=3)
        ... def pick(xs):
        ...     return random.choice(xs)
        >>> pick("abcdefgh") == pick("abcdefgh"), pick.execution_count
        (True, 2)
    """
    if fn is not None:
        return ReproducibleTransform(
            fn, seed, deterministic=deterministic, record_states=record_states, restore=restore
        )

    def wrap(f: Callable[P, R]) -> ReproducibleTransform[P, R]:
        return ReproducibleTransform(
            f, seed, deterministic=deterministic, record_states=record_states, restore=restore
        )

    return wrap
