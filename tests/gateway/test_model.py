"""The default model and input validation, on real onnxruntime."""

import hashlib

import numpy as np
import pytest

from modelmint.dev.digits import train_digits_onnx
from modelmint.gateway.digits import DEFAULT_PATH
from modelmint.gateway.errors import InputError
from modelmint.gateway.model import OnnxModel
from modelmint.gateway.settings import GatewaySettings
from modelmint.weights import weights_hash


@pytest.fixture(scope="module")
def model():
    return OnnxModel.load(DEFAULT_PATH, max_batch=4)


def _dataset_labels(path):
    from sklearn.datasets import load_digits

    images = load_digits().data
    model = OnnxModel.load(path, max_batch=len(images))
    return model.run(model.prepare({"inputs": images.tolist()}))["label"]


def test_digits_onnx__retrained__classifies_dataset_as_shipped(tmp_path):
    # Not a byte comparison: the float weights depend on the BLAS kernel the CPU selects
    # (docs/TOOLCHAIN.md). What must hold everywhere is the model: every one of the 1,797
    # images gets the shipped file's label, and the graph and its metadata are the same.
    import onnx

    retrained_path = tmp_path / "digits.onnx"
    retrained_path.write_bytes(train_digits_onnx())
    shipped, retrained = onnx.load(DEFAULT_PATH), onnx.load(retrained_path)

    assert _dataset_labels(retrained_path) == _dataset_labels(DEFAULT_PATH)
    assert [n.op_type for n in retrained.graph.node] == [n.op_type for n in shipped.graph.node]
    assert [(i.name, tuple(i.dims)) for i in retrained.graph.initializer] == [
        (i.name, tuple(i.dims)) for i in shipped.graph.initializer
    ]
    assert {p.key: p.value for p in retrained.metadata_props} == {
        p.key: p.value for p in shipped.metadata_props
    }


def test_digits_onnx__served_by_default__registered_hash_is_shipped_file_sha256():
    # The demo and the gateway suites register weights_hash(DEFAULT_PATH); the gateway serves
    # its default weights only when their hash is the registered one.
    assert GatewaySettings.model_fields["weights"].default == DEFAULT_PATH
    assert weights_hash(DEFAULT_PATH) == hashlib.sha256(DEFAULT_PATH.read_bytes()).digest()


def test_model__spec_read_from_onnx__shape_type_range(model):
    assert model.spec.item_shape == (64,)
    assert model.spec.dtype is np.float32
    assert (model.spec.min_value, model.spec.max_value) == (0.0, 16.0)


def test_model__dataset_images__classified():
    from sklearn.datasets import load_digits

    data = load_digits()
    model = OnnxModel.load(DEFAULT_PATH, max_batch=64)
    labels = model.run(model.prepare({"inputs": data.data[:64].tolist()}))["label"]
    assert np.mean(np.array(labels) == data.target[:64]) > 0.95


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"inputs": []},
        {"inputs": [[0.0] * 64] * 5},
        {"inputs": [[0.0] * 65]},
        {"inputs": [[0.0] * 63 + [float("nan")]]},
        {"inputs": [[0.0] * 63 + [16.5]]},
        {"inputs": [[True] * 64]},
        {"inputs": [[0.0] * 63 + [False]]},
        {"inputs": [[0.0] * 63 + ["1"]]},
        {"inputs": [[0.0] * 63 + [None]]},
        {"inputs": [[0.0] * 63 + [float("-inf")]]},
        {"inputs": [[0] * 63 + [10**400]]},
        {"inputs": [[[0.0]] * 64]},
        {"inputs": [[0.0] * 64, [0.0] * 63]},
        {"inputs": "x"},
    ],
)
def test_prepare__bad_input__input_error(model, body):
    with pytest.raises(InputError):
        model.prepare(body)
