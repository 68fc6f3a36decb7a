"""Any ONNX model a model owner brings, run with onnxruntime behind input validation.

The input name, element type and per-item shape come from the model itself (its first
input; the first dimension is the batch). The valid value range comes from the model's
metadata (``modelmint.input_min`` / ``modelmint.input_max``) or the gateway settings.
Bad input raises :class:`InputError` (answered 422 ``invalid_input``, nothing charged)
before the model sees it; a failure inside the model raises :class:`ModelError`.

    >>> model = OnnxModel.load("digits.onnx", max_batch=32)
    >>> batch = model.prepare({"inputs": [[0.0] * 64]})    # validated numpy array
    >>> model.run(batch)                                     # {"label": [...], ...}
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from modelmint.gateway.errors import GatewayErrorCode, InputError, ModelError, StartupError

_ONNX_TYPES: dict[str, Any] = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(float16)": np.float16,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
    "tensor(int8)": np.int8,
    "tensor(uint8)": np.uint8,
}


@dataclass(frozen=True)
class InputSpec:
    name: str
    dtype: Any
    item_shape: tuple[int, ...]
    min_value: float | None
    max_value: float | None

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dtype": np.dtype(self.dtype).name,
            "itemShape": list(self.item_shape),
            "min": self.min_value,
            "max": self.max_value,
        }


class OnnxModel:
    """One ONNX model loaded into an onnxruntime session (CPU, one intra-op thread)."""

    def __init__(self, session: Any, spec: InputSpec, max_batch: int):
        self._session = session
        self.spec = spec
        self.max_batch = max_batch
        self.output_names = [o.name for o in session.get_outputs()]

    @classmethod
    def load(
        cls,
        path: str | Path,
        max_batch: int = 32,
        min_value: float | None = None,
        max_value: float | None = None,
        threads: int = 1,
    ) -> OnnxModel:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        first = session.get_inputs()[0]
        if first.type not in _ONNX_TYPES:
            raise StartupError(
                f"unsupported input type {first.type}", GatewayErrorCode.MODEL_UNSUPPORTED
            )
        dims = list(first.shape)[1:]
        if not all(isinstance(d, int) and d > 0 for d in dims):
            raise StartupError(
                f"the model's per-item input shape must be fixed, got {dims}",
                GatewayErrorCode.MODEL_UNSUPPORTED,
            )
        meta = session.get_modelmeta().custom_metadata_map
        lo = min_value if min_value is not None else _float_or_none(meta.get("modelmint.input_min"))
        hi = max_value if max_value is not None else _float_or_none(meta.get("modelmint.input_max"))
        spec = InputSpec(first.name, _ONNX_TYPES[first.type], tuple(dims), lo, hi)
        return cls(session, spec, max_batch)

    def prepare(self, body: Any) -> npt.NDArray[Any]:
        """Validates a JSON body ``{"inputs": [item, ...]}`` (each item nested lists of
        the model's item shape) and returns the batch array."""
        if not isinstance(body, dict) or set(body) != {"inputs"}:
            raise InputError('the body must be {"inputs": [item, ...]}')
        items = body["inputs"]
        if not isinstance(items, list) or not items:
            raise InputError("inputs must be a non-empty list")
        if len(items) > self.max_batch:
            raise InputError(f"batch of {len(items)} items, limit {self.max_batch}")
        _check_numbers(items)
        try:
            batch = np.asarray(items, dtype=np.float64)
        except (ValueError, TypeError):
            raise InputError("inputs must be a rectangular array of numbers") from None
        except OverflowError:  # an integer beyond float64 (10**400)
            raise InputError("inputs must be finite numbers") from None
        if batch.shape[1:] != self.spec.item_shape:
            raise InputError(
                f"each item must have shape {list(self.spec.item_shape)}, "
                f"got {list(batch.shape[1:])}"
            )
        if not np.isfinite(batch).all():
            raise InputError("inputs must be finite numbers")
        if self.spec.min_value is not None and batch.min() < self.spec.min_value:
            raise InputError(f"values below {self.spec.min_value}")
        if self.spec.max_value is not None and batch.max() > self.spec.max_value:
            raise InputError(f"values above {self.spec.max_value}")
        return batch.astype(self.spec.dtype)

    def run(self, batch: npt.NDArray[Any]) -> dict[str, Any]:
        """Runs the model; the outputs as JSON-ready lists, by output name."""
        try:
            outputs = self._session.run(None, {self.spec.name: batch})
        except Exception as exc:
            raise ModelError(f"{type(exc).__name__}: {exc}") from exc
        return {
            name: np.asarray(out).tolist()
            for name, out in zip(self.output_names, outputs, strict=True)
        }


def _float_or_none(value: str | None) -> float | None:
    return None if value is None else float(value)


_NUMBERS = frozenset((int, float))


def _check_numbers(value: Any, depth: int = 0) -> None:
    """Rejects anything but nested lists of real numbers (bools and strings included). A
    list of plain ints and floats passes as a whole (:meth:`OnnxModel.prepare` then refuses
    the non-finite ones after the conversion)."""
    if depth > 8:
        raise InputError("inputs are nested too deeply")
    if isinstance(value, list):
        if depth < 8 and set(map(type, value)) <= _NUMBERS:  # entries at depth <= 8
            return
        for entry in value:
            _check_numbers(entry, depth + 1)
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError("inputs must contain numbers only")
    elif isinstance(value, float) and not math.isfinite(value):
        raise InputError("inputs must be finite numbers")
