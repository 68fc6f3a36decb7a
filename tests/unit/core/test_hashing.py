"""modelmint.hashing.keccak: the fast path gives eth-utils' bytes."""

from __future__ import annotations

import pytest
from eth_utils import keccak as eth_keccak

from modelmint import hashing
from modelmint.hashing import keccak


@pytest.mark.parametrize("data", [b"", b"abc", bytes(range(256)) * 5, bytearray(b"\x19\x01")])
def test_keccak__bytes__same_digest_as_eth_utils(data):
    assert keccak(data) == eth_keccak(bytes(data))


def test_keccak__text__same_digest_as_eth_utils():
    signature = "Receipt(uint256 channelId,uint256 cumulativeCredits,uint64 deadline)"
    assert keccak(text=signature) == eth_keccak(text=signature)


def test_keccak__without_pysha3__falls_back_to_eth_utils(monkeypatch):
    monkeypatch.setattr(hashing, "_keccak_256", None)
    assert keccak(b"abc") == eth_keccak(b"abc")


def test_keccak__pysha3_installed__fast_path_taken():
    # the environment the gateway benchmark measures; the fallback is tested above
    assert hashing._sha3 is not None
    assert hashing._keccak_256 is not None


def test_keccak__memoryview__same_digest_as_bytes():
    assert keccak(memoryview(b"abc")) == eth_keccak(b"abc")
