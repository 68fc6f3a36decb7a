"""ECDSA signing and the one signer-recovery path of Modelmint: receipts, access statements
and provenance all recover here, with the rules the contracts' ECDSA check applies: 65 bytes
``r || s || v``, ``v`` in {27, 28}, ``0 < r < N``, ``0 < s <= N / 2`` (low ``s``).

    >>> signature = sign_typed(document, private_key_or_local_account)
    >>> recover_typed(document, signature) == my_address
    >>> signature_fault(signature)            # None, or what makes it unacceptable
"""

from __future__ import annotations

import importlib
from enum import StrEnum
from functools import lru_cache
from typing import Any

from eth_account.messages import _hash_eip191_message, encode_typed_data
from eth_keys import keys
from eth_utils import to_checksum_address

from modelmint.hashing import keccak

# secp256k1 group order; a signature with s > N // 2 is "high-s" and rejected on-chain.
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HALF_N = SECP256K1_N // 2

_coincurve: Any
_secp256k1: Any
try:  # the fast path; eth-keys' pure-Python backend otherwise
    _coincurve = importlib.import_module("coincurve")
    _secp256k1 = importlib.import_module("coincurve._libsecp256k1")  # its cffi binding
except ImportError:  # pragma: no cover
    _coincurve = _secp256k1 = None


class SignatureFault(StrEnum):
    """What makes a signature unacceptable before any recovery is tried."""

    LENGTH = "length"  # not 65 bytes
    V = "v"  # v not 27 or 28
    R = "r"  # r is 0 or not below N
    S = "s"  # s is 0
    HIGH_S = "high_s"  # s in the upper half (malleable; the contracts refuse it)


def encode_signature(v: int, r: int, s: int) -> bytes:
    """65-byte ``r || s || v`` with ``v`` normalised to 27/28."""
    if v < 27:
        v += 27
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])


def split_signature(signature: bytes) -> tuple[int, int, int]:
    """``(v, r, s)`` of a 65-byte signature."""
    if len(signature) != 65:
        raise ValueError("expected a 65-byte signature")
    return (
        signature[64],
        int.from_bytes(signature[:32], "big"),
        int.from_bytes(signature[32:64], "big"),
    )


def signature_fault(signature: bytes) -> SignatureFault | None:
    """``None`` for a well-formed low-s 65-byte signature with ``v`` in {27, 28}, otherwise
    the first rule it breaks (length, v, r, s, high s)."""
    if len(signature) != 65:
        return SignatureFault.LENGTH
    if signature[64] not in (27, 28):
        return SignatureFault.V
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    if not 0 < r < SECP256K1_N:
        return SignatureFault.R
    if s == 0:
        return SignatureFault.S
    if s > _HALF_N:
        return SignatureFault.HIGH_S
    return None


def typed_digest(document: dict[str, Any]) -> bytes:
    """The 32-byte EIP-712 digest of a full typed-data document."""
    return bytes(_hash_eip191_message(encode_typed_data(full_message=document)))


class DigestSigner:
    """One private key, ready to sign digests: libsecp256k1 called directly when coincurve
    is installed (no wrapper objects per signature), eth-keys otherwise.

        >>> signer = DigestSigner(private_key_bytes)
        >>> signer.sign(digest)        # 65 bytes r || s || v, low s, v in {27, 28}
    """

    def __init__(self, key: bytes):
        if _coincurve is None:  # pragma: no cover
            self._keys = keys.PrivateKey(key)
            return
        self._secret = _coincurve.PrivateKey(key).secret  # validates the key
        self._ffi, self._lib = _secp256k1.ffi, _secp256k1.lib
        self._ctx = _coincurve.context.GLOBAL_CONTEXT.ctx

    def sign(self, digest: bytes) -> bytes:
        if _coincurve is None:  # pragma: no cover
            signature = self._keys.sign_msg_hash(bytes(digest))
            return encode_signature(signature.v, signature.r, signature.s)
        if len(digest) != 32:
            raise ValueError("expected a 32-byte digest")
        ffi, lib = self._ffi, self._lib
        raw = ffi.new("secp256k1_ecdsa_recoverable_signature *")
        if not lib.secp256k1_ecdsa_sign_recoverable(
            self._ctx, raw, bytes(digest), self._secret, ffi.NULL, ffi.NULL
        ):  # pragma: no cover (only for an invalid key, refused above)
            raise ValueError("signing failed")
        out = ffi.new("unsigned char[64]")
        recid = ffi.new("int *")
        lib.secp256k1_ecdsa_recoverable_signature_serialize_compact(self._ctx, out, recid, raw)
        # libsecp256k1 signs with a low s (RFC 6979 nonce, normalised)
        compact: bytes = ffi.buffer(out, 64)[:]
        return compact + bytes((recid[0] + 27,))


@lru_cache(maxsize=64)
def signer_of(key: bytes) -> DigestSigner:
    """The :class:`DigestSigner` of a 32-byte private key (cached)."""
    return DigestSigner(key)


def sign_digest(digest: bytes, signer: Any) -> bytes:
    """Signs a 32-byte digest with a private key (hex or bytes) or a ``LocalAccount``
    (low-s, ``v`` in {27, 28})."""
    key = signer.key if hasattr(signer, "key") else signer
    if isinstance(key, str):
        key = bytes.fromhex(key.removeprefix("0x"))
    return signer_of(bytes(key)).sign(digest)


def sign_typed(document: dict[str, Any], signer: Any) -> bytes:
    return sign_digest(typed_digest(document), signer)


def is_low_s(signature: bytes) -> bool:
    """``s`` of a 65-byte signature is in the lower half (ValueError for another length)."""
    return split_signature(signature)[2] <= SECP256K1_N // 2


def recover_address(digest: bytes, signature: bytes) -> bytes | None:
    """The 20-byte signer of ``digest``, or ``None`` when the signature is not a
    well-formed low-s 65-byte ECDSA signature (:func:`signature_fault`; libsecp256k1
    through coincurve when installed)."""
    if signature_fault(signature) is not None:
        return None
    return recover_well_formed(digest, signature)


def recover_well_formed(digest: bytes, signature: bytes) -> bytes | None:
    """:func:`recover_address` of a signature :func:`signature_fault` already passed (the
    gateway's hot path checks it once, to name the fault)."""
    try:
        if _coincurve is not None:
            public = _recover_public(bytes(digest), bytes(signature))
        else:
            v, r, s = split_signature(signature)
            public = (
                keys.Signature(vrs=(v - 27, r, s))
                .recover_public_key_from_msg_hash(bytes(digest))
                .to_bytes()
            )
    except Exception:
        return None
    return None if public is None else keccak(public)[12:]


def _recover_public(digest: bytes, signature: bytes) -> bytes | None:
    """The 64-byte public key (x || y) that signed ``digest``, from libsecp256k1 called
    directly (no coincurve objects per receipt); ``None`` for a signature that is not 65
    bytes with ``v`` in 27..30 or that recovers to no key. The lengths and the recovery id
    are checked here: libsecp256k1 reads 32 and 64 bytes and aborts on an id outside 0..3."""
    if len(digest) != 32:
        raise ValueError("expected a 32-byte digest")
    recovery_id = signature[64] - 27 if len(signature) == 65 else -1
    if not 0 <= recovery_id <= 3:
        return None
    ffi, lib = _secp256k1.ffi, _secp256k1.lib
    ctx = _coincurve.context.GLOBAL_CONTEXT.ctx
    parsed = ffi.new("secp256k1_ecdsa_recoverable_signature *")
    if not lib.secp256k1_ecdsa_recoverable_signature_parse_compact(
        ctx, parsed, signature[:64], recovery_id
    ):
        return None
    key = ffi.new("secp256k1_pubkey *")
    if not lib.secp256k1_ecdsa_recover(ctx, key, parsed, digest):
        return None
    out = ffi.new("unsigned char[65]")
    size = ffi.new("size_t *", 65)
    lib.secp256k1_ec_pubkey_serialize(ctx, out, size, key, lib.SECP256K1_EC_UNCOMPRESSED)
    public: bytes = ffi.buffer(out, 65)[1:]
    return public


def recover_digest(digest: bytes, signature: bytes) -> str | None:
    """The checksummed signer of ``digest``, or ``None`` when the signature is not a
    well-formed low-s 65-byte ECDSA signature."""
    address = recover_address(digest, signature)
    return None if address is None else to_checksum_address(address)


def recover_typed(document: dict[str, Any], signature: bytes) -> str | None:
    return recover_digest(typed_digest(document), signature)
