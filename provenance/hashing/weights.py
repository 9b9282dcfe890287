"""Digests of model weights and architectures (``provenance:model:v1``,
``provenance:architecture:v1``).

A state dict is a mapping of parameter name to array: a dict of numpy arrays, or a torch
``state_dict()`` (torch is never imported unless it is already loaded). Its digest covers the
**sorted** names, each tensor's :func:`~provenance.hashing.arrays.digest_array` (dtype, shape
and bit-exact content) and, when given, an architecture hash. Tensors are hashed in parallel.

:func:`architecture_hash` describes the shape of a model without its values: for a torch
``nn.Module`` the class, ``repr(module)`` (the layer structure) and every parameter and buffer
name with its shape and dtype; for a dict of arrays the names, shapes and dtypes.

Example:
    >>> import numpy as np
    >>> sd = {"fc.weight": np.ones((2, 3), np.float32), "fc.bias": np.zeros(2, np.float32)}
    >>> digest_state_dict(sd) == digest_state_dict(dict(reversed(list(sd.items()))))
    True
    >>> architecture_hash(sd) == architecture_hash({k: v * 2 for k, v in sd.items()})
    True
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from provenance.errors import UnsupportedTypeError
from provenance.hashing.arrays import (
    ArraySignature,
    array_parts,
    array_signature,
    digest_array_parts,
    is_array,
)
from provenance.hashing.core import DEFAULT_ALGORITHM, check_algorithm, digest_json
from provenance.wording import with_article

__all__ = [
    "architecture_hash",
    "digest_state_dict",
    "is_module",
    "is_state_dict",
    "state_dict_signature",
]


def is_module(obj: object) -> bool:
    """True for a ``torch.nn.Module`` (without importing torch when it is not loaded).

    Example:
        >>> is_module({})
        False
    """
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(obj, torch.nn.Module)


def is_state_dict(obj: object) -> bool:
    """True for a non-empty mapping of ``str`` names to numpy arrays or torch tensors.

    Example:
        >>> import numpy as np
        >>> is_state_dict({"w": np.zeros(2)}), is_state_dict({"w": [0, 0]}), is_state_dict({})
        (True, False, False)
    """
    return (
        isinstance(obj, Mapping)
        and len(obj) > 0
        and all(isinstance(k, str) and is_array(v) for k, v in obj.items())
    )


def state_dict_signature(sd: Mapping[str, Any]) -> dict[str, ArraySignature]:
    """Name-sorted dtype, shape and size of every tensor in ``sd`` (no data is read).

    Raises :class:`~provenance.errors.UnsupportedTypeError` for a non-str key or a value that is
    not an array or tensor.

    Example:
        >>> import numpy as np
        >>> list(state_dict_signature({"b": np.zeros(1), "a": np.zeros(2)}))
        ['a', 'b']
    """
    if not isinstance(sd, Mapping):
        raise UnsupportedTypeError(f"a state dict must be a mapping, not {type(sd).__name__}")
    out: dict[str, ArraySignature] = {}
    for name in sorted(sd, key=_check_name):
        value = sd[name]
        if not is_array(value):
            raise UnsupportedTypeError(
                f"state dict entry {name!r} is {with_article(type(value).__name__)}, not an "
                "array or tensor"
            )
        out[name] = array_signature(value)
    return out


def _check_name(name: object) -> str:
    if not isinstance(name, str):
        raise UnsupportedTypeError(f"state dict keys must be str, got {type(name).__name__}")
    return name


def digest_state_dict(
    sd: Mapping[str, Any],
    architecture_hash: str | None = None,
    algo: str = DEFAULT_ALGORITHM,
) -> str:
    """The digest of model weights: sorted names, each tensor's dtype/shape/content digest,
    and ``architecture_hash`` when given (``None`` is recorded as absent).

    Example:
        >>> import numpy as np
        >>> sd = {"w": np.arange(4.0)}
        >>> digest_state_dict(sd) == digest_state_dict(sd, architecture_hash="blake3:" + "0" * 64)
        False
    """
    algo = check_algorithm(algo)
    names = list(state_dict_signature(sd))  # validates every entry before any hashing

    def one(name: str) -> str:
        return digest_array_parts(array_parts(sd[name]), algo)

    workers = min(len(names), os.cpu_count() or 1)
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hash-w") as pool:
            digests = list(pool.map(one, names))
    else:
        digests = [one(n) for n in names]
    body = {
        "architecture": architecture_hash,
        "tensors": [[n, d] for n, d in zip(names, digests, strict=True)],
    }
    return digest_json(body, algo, domain="model")


def _signature(sigs: Mapping[str, ArraySignature]) -> list[list[Any]]:
    return [[n, s.dtype, list(s.shape)] for n, s in sigs.items()]


def architecture_hash(obj: Any, algo: str = DEFAULT_ALGORITHM) -> str:
    """A digest of a model's structure, not its values.

    For a torch ``nn.Module``: its class, ``repr`` and the name, shape and dtype of every entry
    of its ``state_dict()``. For a state dict (dict of arrays/tensors): names, shapes, dtypes.

    Example:
        >>> import numpy as np
        >>> architecture_hash({"w": np.zeros((2, 2))}) == architecture_hash({"w": np.zeros(4)})
        False
    """
    algo = check_algorithm(algo)
    if is_module(obj):
        cls = type(obj)
        body: dict[str, Any] = {
            "class": f"{cls.__module__}.{cls.__qualname__}",
            "repr": repr(obj),
            "tensors": _signature(state_dict_signature(obj.state_dict())),
        }
        return digest_json(body, algo, domain="architecture")
    if isinstance(obj, Mapping):
        return digest_json(
            {"class": None, "repr": None, "tensors": _signature(state_dict_signature(obj))},
            algo,
            domain="architecture",
        )
    raise UnsupportedTypeError(
        f"architecture_hash needs a torch nn.Module or a state dict, not {type(obj).__name__}"
    )
