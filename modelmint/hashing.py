"""keccak256, the one hash of Modelmint's signed structures, receipts, provenance and
addresses.

    >>> keccak(b"")            # bytes in, 32 bytes out
    >>> keccak(text="Receipt(uint256 channelId,...)")

Through pysha3's C implementation (``safe-pysha3``) when installed: eth-utils' ``keccak``
goes through eth-hash to pycryptodome's ctypes binding, several times slower per call, and
a paid gateway call hashes about nine times. eth-utils otherwise; the bytes are the same.
"""

from __future__ import annotations

import importlib
from typing import Any

from eth_utils import keccak as _eth_keccak

_sha3: Any
try:  # the fast path
    _sha3 = importlib.import_module("sha3")
except ImportError:  # pragma: no cover
    _sha3 = None


def keccak(primitive: bytes | bytearray | memoryview = b"", *, text: str | None = None) -> bytes:
    """keccak256 of ``primitive`` (bytes), or of ``text`` encoded as UTF-8."""
    if text is not None:
        primitive = text.encode()
    elif type(primitive) is not bytes:
        primitive = bytes(primitive)
    if _keccak_256 is not None:
        digest: bytes = _keccak_256(primitive).digest()  # bytes already
        return digest
    return bytes(_eth_keccak(primitive))


_keccak_256 = None if _sha3 is None else _sha3.keccak_256
