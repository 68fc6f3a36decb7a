"""The gateway's default model: a handwritten-digits classifier exported to ONNX, checked in
as ``modelmint/gateway/models/digits.onnx`` so the gateway needs neither scikit-learn nor
skl2onnx. It is trained by :mod:`modelmint.dev.digits` (development only), from the dataset
that ships inside scikit-learn.

The ONNX metadata carries the valid input range (``modelmint.input_min`` /
``modelmint.input_max``), which :class:`modelmint.gateway.model.OnnxModel` enforces.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parent / "models" / "digits.onnx"
INPUT_MIN = 0.0
INPUT_MAX = 16.0
