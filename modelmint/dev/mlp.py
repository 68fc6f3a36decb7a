"""The benchmark's heavier model (development only): a multi-layer perceptron with two
hidden layers of 2,048 units on the digits dataset that ships inside scikit-learn
(``load_digits``, no download), exported to ONNX. One inference of one item takes about
1 ms on one core (onnxruntime, one intra-op thread, as the gateway runs it), so
``make bench-gateway`` can show what payment costs next to a model of realistic weight,
not only next to the tiny digits classifier.

Training is seeded, single-threaded and short (3 epochs: the benchmark needs the model's
cost, not its accuracy, which is still ~98 % on the training set). The file (~17 MB) is not
checked in; :func:`cached_mlp_onnx` builds it once under ``.build/bench``. It takes the
same 64 inputs in 0..16 as the digits model.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

from modelmint.dev.digits import to_modelmint_onnx

SEED = 0
HIDDEN = (2048, 2048)
EPOCHS = 3
CACHE = Path(__file__).resolve().parents[2] / ".build" / "bench" / "mlp-2048x2048.onnx"


def train_mlp_onnx() -> bytes:
    """Trains the MLP (fixed seed, single-threaded) and returns the ONNX model bytes."""
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

    data = load_digits()
    x = data.data.astype(np.float32)
    y = data.target.astype(np.int64)
    classifier = MLPClassifier(hidden_layer_sizes=HIDDEN, max_iter=EPOCHS, random_state=SEED)
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier.fit(x, y)
    return to_modelmint_onnx(classifier, x)


def cached_mlp_onnx(path: Path = CACHE) -> Path:
    """The MLP's ONNX file at ``path``, trained and written there if absent."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(train_mlp_onnx())
        tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    print(cached_mlp_onnx(Path(args[0])) if args else cached_mlp_onnx())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
