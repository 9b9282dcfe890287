"""Tests that kill surviving mutants of ``provenance.hashing.frameworks`` for torch, Hugging Face
``transformers`` and Keras (issue 21, mutation testing; tests/README.md): each recipe of the
module docs written out by hand on a tiny model with known weights.

torch, transformers and Keras (on its torch backend, set by tests/conftest.py) are the
``torch``, ``hf`` and ``keras`` extras, which ``./scripts/test.sh`` installs; where one is
missing this module skips, which fails the session with ``CI=true``. They are imported here,
at module level, so that mutmut's fork server imports them once, not every mutant's run.

Expected digests: BLAKE3 of ``provenance:<domain>:v1\\n`` + the canonical JSON of the body,
hashed with ``blake3`` directly; tensors are named by ``digest_array`` and the weights by
``digest_state_dict`` / ``architecture_hash`` (``provenance.hashing.weights``), which their
own tests pin.
"""

from __future__ import annotations

import importlib.metadata
from typing import Any

import blake3
import numpy as np
import pytest

from provenance.hashing.arrays import digest_array
from provenance.hashing.core import canonical_json
from provenance.hashing.frameworks import (
    digest_model,
    is_hf_model,
    is_keras_model,
    model_framework,
)
from provenance.hashing.weights import architecture_hash, digest_state_dict


def _framework(name: str, extra: str) -> Any:
    return pytest.importorskip(
        name, reason=f"{name} is not installed: pip install -e '.[{extra}]' (./scripts/test.sh)"
    )


torch = _framework("torch", "torch")
transformers = _framework("transformers", "hf")
keras = _framework("keras", "keras")


def b3(domain: str, body: Any) -> str:
    payload = canonical_json(body).encode()
    return "blake3:" + blake3.blake3(f"provenance:{domain}:v1\n".encode() + payload).hexdigest()


def plain(value: Any) -> Any:
    """The canonical form of a config of JSON values (module docs): dicts as ``$dict`` pairs
    sorted by key, tuples as lists."""
    if isinstance(value, dict):
        return {"$dict": [[k, plain(value[k])] for k in sorted(value)]}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def test_torch_module_recipe() -> None:
    net = torch.nn.Linear(2, 1)
    with torch.no_grad():
        net.weight.copy_(torch.tensor([[1.0, 2.0]]))
        net.bias.copy_(torch.tensor([0.5]))
    arch = architecture_hash(net)
    md = digest_model(net)
    assert md.digest == digest_state_dict(
        {"weight": np.array([[1.0, 2.0]], np.float32), "bias": np.array([0.5], np.float32)}, arch
    )
    assert (md.framework, md.class_name, md.architecture_hash) == (
        "torch",
        "torch.nn.modules.linear.Linear",
        arch,
    )
    assert (md.parameter_count, md.size_bytes) == (3, 12)
    assert md.details == {
        "framework": "torch",
        "framework_version": importlib.metadata.version("torch"),  # the distribution's
        "class": "torch.nn.modules.linear.Linear",
        "recipe": "model: state dict + architecture_hash(class, repr, tensor signatures)",
        "tensor_count": 2,
        "architecture_in_digest": True,
        "hash_version": 1,
    }
    assert model_framework(net) == "torch"
    assert not is_hf_model(net) and not is_keras_model(net)


def tiny_bert() -> Any:
    config = transformers.BertConfig(
        vocab_size=20, hidden_size=4, num_hidden_layers=1, num_attention_heads=1,
        intermediate_size=4, max_position_embeddings=8,
    )  # fmt: skip
    torch.manual_seed(0)
    return transformers.BertModel(config)


def test_transformers_model_recipe() -> None:
    model = tiny_bert()
    cls = f"{type(model).__module__}.{type(model).__qualname__}"
    config = model.config.to_dict()
    dropped = {"transformers_version", "architectures", "dtype", "torch_dtype"}
    kept = {k: v for k, v in config.items() if not k.startswith("_") and k not in dropped}
    assert "hidden_size" in kept and "transformers_version" in config
    arch = b3("architecture", {"class": cls, "config": plain(kept)})
    md = digest_model(model)
    assert md.architecture_hash == arch
    sd = model.state_dict()
    assert md.digest == digest_state_dict(sd, arch)
    assert md.framework == "transformers" and md.class_name == cls
    assert md.parameter_count == sum(t.numel() for t in sd.values())
    assert md.size_bytes == sum(t.numel() * t.element_size() for t in sd.values())
    assert md.details["tensor_count"] == len(sd)
    assert md.details["recipe"] == "model: state dict + architecture_hash(class, config)"
    assert md.details["framework_version"] == transformers.__version__
    assert model_framework(model) == "transformers" and is_hf_model(model)
    # where and by what it was saved does not count; the architecture does
    model.config.architectures = ["BertModel"]
    model.config._name_or_path = "/saved/here"
    assert digest_model(model).digest == md.digest
    model.config.hidden_act = "relu"
    assert digest_model(model).architecture_hash != arch


def test_keras_model_recipe() -> None:
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, name="d")], name="seq")
    kernel = np.array([[1.0], [2.0]], np.float32)
    bias = np.array([0.5], np.float32)
    model.set_weights([kernel, bias])
    assert [w.path for w in model.weights] == ["seq/d/kernel", "seq/d/bias"]
    cls = f"{type(model).__module__}.{type(model).__qualname__}"
    config = plain(model.get_config())
    body = {
        "class": cls,
        "config": config,
        "weights": [["kernel", digest_array(kernel)], ["bias", digest_array(bias)]],
    }
    md = digest_model(model)
    assert md.digest == b3("keras-model", body)
    assert md.architecture_hash == b3("architecture", {"class": cls, "config": config})
    assert (md.framework, md.class_name, md.parameter_count, md.size_bytes) == (
        "keras",
        cls,
        3,
        12,
    )
    assert md.details == {
        "framework": "keras",
        "framework_version": keras.__version__,
        "class": cls,
        "recipe": "keras-model: class + get_config() + weights",
        "weight_count": 2,
        "hash_version": 1,
    }
    sha = digest_model(model, "sha256")
    assert sha.digest.startswith("sha256:") and (sha.architecture_hash or "").startswith("sha256:")
    # a Keras model on the torch backend is an nn.Module too: Keras wins
    assert isinstance(model, torch.nn.Module)
    assert model_framework(model) == "keras" and is_keras_model(model)
    # a Keras layer is no Model: on the torch backend it is a torch module
    layer = model.layers[0]
    assert not is_keras_model(layer) and model_framework(layer) == "torch"
