"""EIP-712 signing and recovery for the gateway's typed messages (access statements and
provenance), with the same signature rules as the receipts: 65 bytes ``r || s || v``,
``v`` in {27, 28}, low ``s``.

    >>> signature = sign_typed(document, private_key_or_local_account)
    >>> recover_typed(document, signature) == my_address
"""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_typed_data
from eth_utils import keccak

from modelmint.receipts import SECP256K1_N, encode_signature, split_signature


def typed_digest(document: dict[str, Any]) -> bytes:
    """The 32-byte EIP-712 digest of a full typed-data document."""
    return bytes(_hash_eip191_message(encode_typed_data(full_message=document)))


def sign_digest(digest: bytes, signer: Any) -> bytes:
    """Signs a 32-byte digest with a private key (hex or bytes) or a ``LocalAccount``."""
    key = signer.key if hasattr(signer, "key") else signer
    signed = Account.unsafe_sign_hash(digest, key)  # low-s, v in {27, 28}
    return encode_signature(signed.v, signed.r, signed.s)


def sign_typed(document: dict[str, Any], signer: Any) -> bytes:
    return sign_digest(typed_digest(document), signer)


def is_high_s(signature: bytes) -> bool:
    """True for a well-formed 65-byte signature whose ``s`` is in the upper half."""
    try:
        return split_signature(signature)[2] > SECP256K1_N // 2
    except ValueError:
        return False


def recover_digest(digest: bytes, signature: bytes) -> str | None:
    """The checksummed signer of ``digest``, or ``None`` when the signature is not a
    well-formed low-s 65-byte ECDSA signature."""
    try:
        v, r, s = split_signature(signature)
    except ValueError:
        return None
    if s > SECP256K1_N // 2 or v not in (27, 28) or r == 0 or s == 0:
        return None
    try:
        return Account._recover_hash(digest, vrs=(v, r, s))
    except Exception:
        return None


def recover_typed(document: dict[str, Any], signature: bytes) -> str | None:
    return recover_digest(typed_digest(document), signature)


def word(value: int | bytes | str) -> bytes:
    """One 32-byte ABI word: a uint, bytes32, or a 0x address."""
    if isinstance(value, bool):
        return int(value).to_bytes(32, "big")
    if isinstance(value, int):
        return value.to_bytes(32, "big")
    if isinstance(value, str):
        return bytes.fromhex(value[2:]).rjust(32, b"\x00")
    return bytes(value).rjust(32, b"\x00")


def struct_hash(type_hash: bytes, *values: int | bytes | str) -> bytes:
    """``hashStruct`` of a struct whose members are all static (uint, bool, address,
    bytes32): keccak256(typeHash || words)."""
    return keccak(type_hash + b"".join(word(v) for v in values))


def domain_separator(domain: dict[str, Any], types: list[dict[str, str]]) -> bytes:
    """The EIP-712 domain separator of ``domain`` (strings hashed, the rest as words)."""
    encoded = [
        keccak(text=domain[f["name"]]) if f["type"] == "string" else word(domain[f["name"]])
        for f in types
    ]
    signature = "EIP712Domain(" + ",".join(f"{f['type']} {f['name']}" for f in types) + ")"
    return keccak(keccak(text=signature) + b"".join(encoded))


def type_hash(name: str, fields: list[dict[str, str]]) -> bytes:
    return keccak(text=f"{name}(" + ",".join(f"{f['type']} {f['name']}" for f in fields) + ")")


def eip712_digest(separator: bytes, struct: bytes) -> bytes:
    """The digest a signer signs: keccak256(0x1901 || domainSeparator || hashStruct)."""
    return keccak(b"\x19\x01" + separator + struct)
