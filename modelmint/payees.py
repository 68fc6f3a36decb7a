"""Per-model pay-to addresses (``ModelPayees``), computed off chain.

A model's payee is a CREATE2 address of the ModelPayees factory (salt = the model id), so it
is known before any deployment and before the model receives anything::

    >>> payee_address(factory, model_id, code_hash)   # == ModelPayees.payeeOf(model_id)

``code_hash`` is the factory's ``PAYEE_CODE_HASH()`` (keccak256 of the payee's creation code).
"""

from __future__ import annotations

from eth_utils import keccak, to_bytes, to_checksum_address


def payee_address(factory: str, model_id: int, code_hash: bytes | str) -> str:
    """The checksummed address ``ModelPayees(factory).payeeOf(model_id)`` returns."""
    code = to_bytes(hexstr=code_hash) if isinstance(code_hash, str) else bytes(code_hash)
    if len(code) != 32:
        raise ValueError(f"code hash must be 32 bytes, got {len(code)}")
    digest = keccak(b"\xff" + to_bytes(hexstr=factory) + model_id.to_bytes(32, "big") + code)
    return to_checksum_address(digest[12:])
