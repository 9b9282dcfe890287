"""Array and model-weight digests: dtype/shape/content, byte order, layout, state dicts."""

from __future__ import annotations

import numpy as np
import pytest

from provenance.errors import UnsupportedTypeError
from provenance.hashing import (
    architecture_hash,
    array_signature,
    digest_array,
    digest_state_dict,
    is_state_dict,
)
from provenance.hashing.arrays import ArraySignature
from provenance.hashing.weights import state_dict_signature


def test_dtype_shape_and_content_all_enter() -> None:
    a = np.arange(12, dtype=np.int64).reshape(3, 4)
    d = digest_array(a)
    assert d != digest_array(a.astype(np.int32))
    assert d != digest_array(a.astype(np.float64))
    assert d != digest_array(a.reshape(4, 3))
    assert d != digest_array(a.reshape(12))
    b = a.copy()
    b[2, 3] += 1
    assert d != digest_array(b)
    assert d == digest_array(a.copy())


def test_layout_and_byte_order_do_not() -> None:
    a = np.random.default_rng(0).standard_normal((50, 30))
    d = digest_array(a)
    assert digest_array(np.asfortranarray(a)) == d
    assert digest_array(a.astype(">f8")) == d
    assert digest_array(np.ascontiguousarray(a.T).T) == d
    big = np.arange(3_000_000, dtype=np.float64).reshape(1000, 3000)
    assert digest_array(big[:, ::2]) == digest_array(np.ascontiguousarray(big[:, ::2]))
    assert array_signature(a.astype(">f8")).dtype == "<f8"


def test_bit_exact_content() -> None:
    assert digest_array(np.array([0.0])) != digest_array(np.array([-0.0]))


def test_other_dtypes() -> None:
    for arr in (
        np.array(5),
        np.zeros((0, 3)),
        np.array([True, False]),
        np.array(["ab", "c"]),
        np.array([b"ab", b"c"]),
        np.array(["2020-01-01"], dtype="datetime64[ns]"),
        np.array([1 + 2j]),
    ):
        assert digest_array(arr).startswith("blake3:")
    assert digest_array(np.array(["ab"])) == digest_array(np.array(["ab"]).astype(">U2"))
    assert digest_array(np.array(5)) != digest_array(np.array([5]))


def test_unsupported_arrays() -> None:
    with pytest.raises(UnsupportedTypeError, match="object"):
        digest_array(np.array([{"a": 1}], dtype=object))
    with pytest.raises(UnsupportedTypeError, match="structured"):
        digest_array(np.zeros(2, dtype=[("a", "i4"), ("b", "f8")]))
    with pytest.raises(UnsupportedTypeError, match="masked"):
        digest_array(np.ma.masked_array([1, 2], mask=[0, 1]))
    with pytest.raises(UnsupportedTypeError):
        digest_array([1, 2, 3])


def _sd() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    return {
        "encoder.weight": rng.standard_normal((8, 4)).astype(np.float32),
        "encoder.bias": np.zeros(8, np.float32),
        "head.weight": rng.standard_normal((2, 8)).astype(np.float32),
        "step": np.array(1000, dtype=np.int64),
    }


def test_state_dict_sorted_names_and_content() -> None:
    sd = _sd()
    d = digest_state_dict(sd)
    assert d == digest_state_dict(dict(sorted(sd.items(), reverse=True)))
    changed = {**sd, "encoder.bias": sd["encoder.bias"] + np.float32(1e-7)}
    assert digest_state_dict(changed) != d
    assert digest_state_dict({**sd, "head.weight": sd["head.weight"].astype(np.float64)}) != d
    renamed = {("decoder" + k[7:] if k.startswith("encoder") else k): v for k, v in sd.items()}
    assert digest_state_dict(renamed) != d
    assert digest_state_dict(sd, algo="sha256").startswith("sha256:")


def test_architecture_hash() -> None:
    sd = _sd()
    arch = architecture_hash(sd)
    assert arch == architecture_hash({k: v * 3 for k, v in sd.items()})  # values do not enter
    assert arch != architecture_hash({**sd, "head.weight": np.zeros((3, 8), np.float32)})
    assert digest_state_dict(sd, architecture_hash=arch) != digest_state_dict(sd)
    assert digest_state_dict(sd, arch) == digest_state_dict(sd, architecture_hash=arch)
    with pytest.raises(UnsupportedTypeError):
        architecture_hash(42)


def test_state_dict_validation() -> None:
    assert is_state_dict(_sd())
    assert not is_state_dict({"a": [1.0]})
    assert not is_state_dict({1: np.zeros(1)})
    with pytest.raises(UnsupportedTypeError, match="'a'"):
        digest_state_dict({"a": [1.0]})
    with pytest.raises(UnsupportedTypeError, match="str"):
        digest_state_dict({1: np.zeros(1)})  # type: ignore[dict-item]


def test_state_dict_that_is_no_mapping_is_named() -> None:
    for value, kind in (([np.zeros(1)], "list"), (np.zeros(2), "ndarray")):
        with pytest.raises(UnsupportedTypeError) as err:
            state_dict_signature(value)  # type: ignore[arg-type]
        assert str(err.value) == f"a state dict must be a mapping, not {kind}"


def test_tensor_signatures_are_read_without_the_data() -> None:
    """dtype (little-endian numpy name, or torch's own for raw-bit dtypes), shape and byte
    size of a tensor, without reading it: a tensor on the meta device (no data, as a model
    built with empty weights has) has a signature too."""
    torch = pytest.importorskip(
        "torch", reason="torch is not installed: pip install -e '.[torch]' (./scripts/test.sh)"
    )
    cases = [
        (torch.zeros((2, 3), dtype=torch.float64), ArraySignature("<f8", (2, 3), 48)),
        (torch.zeros(4, dtype=torch.int16), ArraySignature("<i2", (4,), 8)),
        (torch.zeros((2, 2), dtype=torch.bool), ArraySignature("|b1", (2, 2), 4)),
        (torch.zeros(3, dtype=torch.bfloat16), ArraySignature("torch.bfloat16", (3,), 6)),
        (torch.empty((5, 2), device="meta"), ArraySignature("<f4", (5, 2), 40)),
        (
            torch.empty(3, dtype=torch.bfloat16, device="meta"),
            ArraySignature("torch.bfloat16", (3,), 6),
        ),
    ]
    for tensor, expected in cases:
        assert array_signature(tensor) == expected
    # a module on the meta device has an architecture (it has no digest)
    with torch.device("meta"):
        net = torch.nn.Linear(3, 2)
    assert architecture_hash(net) == architecture_hash(torch.nn.Linear(3, 2))


def test_torch_tensors_and_modules() -> None:
    torch = pytest.importorskip(
        "torch", reason="torch is not installed: pip install -e '.[torch]' (./scripts/test.sh)"
    )
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    assert digest_array(t) == digest_array(t.numpy())
    assert digest_array(t.T) == digest_array(np.ascontiguousarray(t.numpy().T))
    bf = t.to(torch.bfloat16)
    assert digest_array(bf) != digest_array(t)
    assert digest_array(bf) == digest_array(bf.clone())
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU())
    sd = model.state_dict()
    np_sd = {k: v.numpy() for k, v in sd.items()}
    assert digest_state_dict(sd) == digest_state_dict(np_sd)
    assert architecture_hash(model) != architecture_hash(sd)
    other = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh())
    other.load_state_dict(sd)
    assert architecture_hash(model) != architecture_hash(other)


def test_refused_arrays_say_what_to_do_instead() -> None:
    """Mutation testing (issue 21; tests/README.md): the exact messages."""
    with pytest.raises(UnsupportedTypeError) as info:
        digest_array(np.ma.masked_array([1, 2], mask=[False, True]))
    assert str(info.value) == (
        "masked arrays have no canonical digest; fill them (a.filled(...)) or use a DataFrame"
    )
    with pytest.raises(UnsupportedTypeError) as info:
        digest_array(np.array([1, "a"], dtype=object))
    assert str(info.value) == (
        "object arrays have no canonical digest; convert to a numeric, bool, datetime or "
        "fixed-width string dtype"
    )


def test_sparse_and_quantized_tensors_are_refused_with_what_to_log_instead() -> None:
    # CSR tensors are not `is_sparse` (only COO is): they must be refused all the same, not
    # fail somewhere inside the byte view.
    torch = pytest.importorskip("torch")
    from provenance.errors import UnsupportedTypeError
    from provenance.hashing import digest_array

    dense = torch.tensor([[0.0, 1.5], [2.0, 0.0]])
    for tensor, layout in [
        (dense.to_sparse(), "torch.sparse_coo"),
        (dense.to_sparse_csr(), "torch.sparse_csr"),
        (dense.to_sparse_csc(), "torch.sparse_csc"),
    ]:
        with pytest.raises(UnsupportedTypeError) as err:
            digest_array(tensor)
        assert str(err.value) == (
            f"a tensor with layout {layout} has no canonical digest; log t.to_dense()"
        )
    q = torch.quantize_per_tensor(dense, scale=0.5, zero_point=0, dtype=torch.qint8)
    with pytest.raises(UnsupportedTypeError) as err:
        digest_array(q)
    assert str(err.value) == (
        "a quantized tensor has no canonical digest; log t.dequantize() or t.int_repr()"
    )
    assert digest_array(q.dequantize()) == digest_array(dense)  # 0, 1.5, 2 are exact at 0.5


def test_lazily_conjugated_and_negated_views_hash_their_values() -> None:
    torch = pytest.importorskip("torch")
    from provenance.hashing import digest_array

    z = torch.tensor([1 + 2j, -3 - 4j], dtype=torch.complex64)
    assert z.conj().is_conj()  # a view with the conjugate bit: the values are not in memory
    expected = np.array([1 - 2j, -3 + 4j], dtype=np.complex64)
    assert digest_array(z.conj()) == digest_array(expected)
    assert digest_array(z.conj().imag) == digest_array(np.array([-2, 4], np.float32))
