"""Training of the gateway's default model (development only): a handwritten-digits
classifier trained from the dataset that ships inside scikit-learn (``load_digits``: 1,797
8x8 images, pixel values 0..16; no download), exported to ONNX as
``modelmint/gateway/models/digits.onnx`` (:data:`modelmint.gateway.digits.DEFAULT_PATH`).

``tests/gateway/test_model.py`` re-trains it and checks the result classifies the whole
dataset as the shipped file does. Training is seeded and single-threaded (one BLAS and one
OpenMP thread), so it gives the same bytes on every run of one machine; its float weights
still depend on the BLAS kernel the CPU selects, so the bytes may differ on another CPU
(docs/TOOLCHAIN.md). Regenerate with:

    python -m modelmint.dev.digits modelmint/gateway/models/digits.onnx
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from modelmint.gateway.digits import DEFAULT_PATH, INPUT_MAX, INPUT_MIN

SEED = 0


def train_digits_onnx() -> bytes:
    """Trains the classifier (fixed seed, single-threaded) and returns the ONNX model bytes."""
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    data = load_digits()
    x = data.data.astype(np.float32)
    y = data.target.astype(np.int64)
    classifier = LogisticRegression(max_iter=2000, random_state=SEED)
    # A multi-threaded BLAS splits sums by thread count and load: one thread keeps the float
    # result a function of the CPU's kernel alone.
    with threadpool_limits(limits=1):
        classifier.fit(x, y)
    return to_modelmint_onnx(classifier, x)


def to_modelmint_onnx(classifier: Any, x: Any) -> bytes:
    """A fitted scikit-learn classifier of the 64 digits inputs as ONNX bytes: class labels
    and probabilities as plain tensors (no ZipMap), and the valid input range and dataset in
    the metadata the gateway reads."""
    from skl2onnx import to_onnx

    onx = to_onnx(classifier, x[:1], target_opset=17, options={id(classifier): {"zipmap": False}})
    for key, value in (
        ("modelmint.input_min", str(INPUT_MIN)),
        ("modelmint.input_max", str(INPUT_MAX)),
        ("modelmint.dataset", "sklearn.datasets.load_digits"),
    ):
        prop = onx.metadata_props.add()
        prop.key, prop.value = key, value
    onx.producer_name = "modelmint"
    onx.producer_version = "1"
    return bytes(onx.SerializeToString())


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else DEFAULT_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(train_digits_onnx())
    print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
