"""The default model and input validation, on real onnxruntime."""

import numpy as np
import pytest

from modelmint.gateway.digits import DEFAULT_PATH, train_digits_onnx
from modelmint.gateway.model import InputError, OnnxModel


@pytest.fixture(scope="module")
def model():
    return OnnxModel.load(DEFAULT_PATH, max_batch=4)


def test_digits_onnx__retrained__same_bytes_as_shipped():
    assert train_digits_onnx() == DEFAULT_PATH.read_bytes()


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
        {"inputs": [[[0.0]] * 64]},
        {"inputs": [[0.0] * 64, [0.0] * 63]},
        {"inputs": "x"},
    ],
)
def test_prepare__bad_input__input_error(model, body):
    with pytest.raises(InputError):
        model.prepare(body)
