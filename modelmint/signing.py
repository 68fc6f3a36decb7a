"""EIP-712 signing and recovery for the gateway's typed messages (access statements and
provenance), with the same signature rules as the receipts: 65 bytes ``r || s || v``,
``v`` in {27, 28}, low ``s``.

    >>> signature = sign_typed(document, private_key_or_local_account)
    >>> recover_typed(document, signature) == my_address
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from eth_account.messages import _hash_eip191_message, encode_typed_data
from eth_keys import keys
from eth_utils import keccak, to_checksum_address

from modelmint.receipts import SECP256K1_N, encode_signature, split_signature

_coincurve: Any
try:  # the fast path; eth-keys' pure-Python backend otherwise
    import coincurve as _coincurve
except ImportError:  # pragma: no cover
    _coincurve = None


def typed_digest(document: dict[str, Any]) -> bytes:
    """The 32-byte EIP-712 digest of a full typed-data document."""
    return bytes(_hash_eip191_message(encode_typed_data(full_message=document)))


@lru_cache(maxsize=64)
def _private_key(key: bytes) -> Any:
    return _coincurve.PrivateKey(key) if _coincurve is not None else keys.PrivateKey(key)


def sign_digest(digest: bytes, signer: Any) -> bytes:
    """Signs a 32-byte digest with a private key (hex or bytes) or a ``LocalAccount``
    (low-s, ``v`` in {27, 28})."""
    key = signer.key if hasattr(signer, "key") else signer
    if isinstance(key, str):
        key = bytes.fromhex(key.removeprefix("0x"))
    private = _private_key(bytes(key))
    if _coincurve is not None:  # r || s || recovery id, s already low
        raw = bytes(private.sign_recoverable(bytes(digest), hasher=None))
        return raw[:64] + bytes([raw[64] + 27])
    signature = private.sign_msg_hash(bytes(digest))
    return encode_signature(signature.v, signature.r, signature.s)


def sign_typed(document: dict[str, Any], signer: Any) -> bytes:
    return sign_digest(typed_digest(document), signer)


def is_high_s(signature: bytes) -> bool:
    """True for a well-formed 65-byte signature whose ``s`` is in the upper half."""
    try:
        return split_signature(signature)[2] > SECP256K1_N // 2
    except ValueError:
        return False


def recover_address(digest: bytes, signature: bytes) -> bytes | None:
    """The 20-byte signer of ``digest``, or ``None`` when the signature is not a
    well-formed low-s 65-byte ECDSA signature (libsecp256k1 through coincurve when
    installed)."""
    if len(signature) != 65:
        return None
    v = signature[64]
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    if s > SECP256K1_N // 2 or v not in (27, 28) or not 0 < r < SECP256K1_N or s == 0:
        return None
    try:
        if _coincurve is not None:
            public = _coincurve.PublicKey.from_signature_and_message(
                bytes(signature[:64]) + bytes([v - 27]), bytes(digest), hasher=None
            ).format(compressed=False)[1:]
        else:
            public = (
                keys.Signature(vrs=(v - 27, r, s))
                .recover_public_key_from_msg_hash(bytes(digest))
                .to_bytes()
            )
    except Exception:
        return None
    return keccak(public)[12:]


def recover_digest(digest: bytes, signature: bytes) -> str | None:
    """The checksummed signer of ``digest``, or ``None`` when the signature is not a
    well-formed low-s 65-byte ECDSA signature."""
    address = recover_address(digest, signature)
    return None if address is None else to_checksum_address(address)


def recover_typed(document: dict[str, Any], signature: bytes) -> str | None:
    return recover_digest(typed_digest(document), signature)
