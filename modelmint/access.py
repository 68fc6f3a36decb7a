"""Licence access statements: how a licence holder proves, per call, that it controls the
account holding the licence.

The caller signs an EIP-712 ``AccessStatement(address account, uint256 modelId, uint32
version, bool commercial, uint256 nonce, uint64 issuedAt, uint64 expiresAt)`` under the
domain ``{name: "Modelmint Access", version: "1", chainId, verifyingContract: <gateway
address>, salt: bytes32(modelId)}``: bound to one chain, one gateway and one model, so a
statement for another gateway, chain or model never verifies. The gateway accepts a
statement once (its ``nonce`` is remembered until ``expiresAt``), only while fresh
(:func:`check_fresh`), and then asks ``LicenseManager.hasValidLicense(account, modelId,
commercial, version)``. EOAs sign with ECDSA (low-s); ERC-1271 accounts (contract code at
``account``) are checked with ``isValidSignature(digest, signature)`` by the gateway.

    >>> domain = AccessDomain(chain_id=31337, gateway=gateway_address, model_id=1)
    >>> statement = AccessStatement.new(account=me, model_id=1, version=1)
    >>> signed = sign_statement(domain, statement, my_key)
    >>> headers = {HEADER_ACCESS: signed.to_header()}       # modelmint.wire.HEADER_ACCESS
    >>> recover_statement_signer(domain, signed) == me
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from eth_utils import to_checksum_address

from modelmint.receipts import EIP712_DOMAIN_TYPE
from modelmint.signing import recover_digest, sign_digest, typed_digest
from modelmint.wire import (
    MAX_SIGNATURE_BYTES,
    ErrorCode,
    WireError,
    decode_header,
    encode_header,
    hex0x,
    read_address,
    read_bool,
    read_field,
    read_hex,
    read_int,
    read_object,
    read_uint,
)

DOMAIN_NAME = "Modelmint Access"
DOMAIN_VERSION = "1"
# A statement lives at most this long (expiresAt - issuedAt), seconds.
MAX_LIFETIME_SECONDS = 300
# Tolerated clock difference between caller and gateway, seconds.
CLOCK_SKEW_SECONDS = 30

ACCESS_TYPE = [
    {"name": "account", "type": "address"},
    {"name": "modelId", "type": "uint256"},
    {"name": "version", "type": "uint32"},
    {"name": "commercial", "type": "bool"},
    {"name": "nonce", "type": "uint256"},
    {"name": "issuedAt", "type": "uint64"},
    {"name": "expiresAt", "type": "uint64"},
]
# The standard domain (verifyingContract = the gateway) plus a salt binding the model id.
DOMAIN_TYPE = [*EIP712_DOMAIN_TYPE, {"name": "salt", "type": "bytes32"}]


@dataclass(frozen=True)
class AccessDomain:
    """The access domain of one gateway serving one model on one chain."""

    chain_id: int
    gateway: str
    model_id: int
    name: str = DOMAIN_NAME
    version: str = DOMAIN_VERSION

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "chainId": self.chain_id,
            "verifyingContract": to_checksum_address(self.gateway),
            "salt": hex0x(self.model_id.to_bytes(32, "big")),
        }


@dataclass(frozen=True)
class AccessStatement:
    """ "I, ``account``, call ``model_id`` at ``version`` under a (``commercial``) licence,
    between ``issued_at`` and ``expires_at``" (unix seconds)."""

    account: str
    model_id: int
    version: int
    commercial: bool
    nonce: int
    issued_at: int
    expires_at: int

    @classmethod
    def new(
        cls,
        account: str,
        model_id: int,
        version: int,
        commercial: bool = False,
        lifetime: int = 60,
        now: int | None = None,
    ) -> AccessStatement:
        """A fresh statement with a random nonce, valid for ``lifetime`` seconds."""
        issued = int(time.time()) if now is None else now
        return cls(
            account=to_checksum_address(account),
            model_id=model_id,
            version=version,
            commercial=commercial,
            nonce=secrets.randbits(256),
            issued_at=issued,
            expires_at=issued + lifetime,
        )

    def as_message(self) -> dict[str, Any]:
        return {
            "account": to_checksum_address(self.account),
            "modelId": self.model_id,
            "version": self.version,
            "commercial": self.commercial,
            "nonce": self.nonce,
            "issuedAt": self.issued_at,
            "expiresAt": self.expires_at,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "account": to_checksum_address(self.account),
            "modelId": str(self.model_id),
            "version": self.version,
            "commercial": self.commercial,
            "nonce": str(self.nonce),
            "issuedAt": str(self.issued_at),
            "expiresAt": str(self.expires_at),
        }

    @classmethod
    def from_json(cls, obj: Any, where: str = "statement") -> AccessStatement:
        obj = read_object(obj, where)
        issued = read_uint(obj, "issuedAt", where)
        expires = read_uint(obj, "expiresAt", where)
        if issued >= 2**64 or expires >= 2**64:
            raise WireError(ErrorCode.INVALID_PAYLOAD, f"{where}: times must fit uint64")
        return cls(
            account=read_address(obj, "account", where),
            model_id=read_uint(obj, "modelId", where),
            version=read_int(obj, "version", where, 2**32 - 1),
            commercial=read_bool(obj, "commercial", where),
            nonce=read_uint(obj, "nonce", where),
            issued_at=issued,
            expires_at=expires,
        )


@dataclass(frozen=True)
class SignedStatement:
    statement: AccessStatement
    signature: bytes

    def to_json(self) -> dict[str, Any]:
        return {"statement": self.statement.to_json(), "signature": hex0x(self.signature)}

    def to_header(self) -> str:
        """The ``MODELMINT-ACCESS`` header value (base64 JSON)."""
        return encode_header(self.to_json())

    @classmethod
    def from_json(cls, obj: Any) -> SignedStatement:
        obj = read_object(obj, "access")
        return cls(
            statement=AccessStatement.from_json(read_field(obj, "statement", "access")),
            signature=read_hex(obj, "signature", "access", MAX_SIGNATURE_BYTES),
        )

    @classmethod
    def from_header(cls, value: str | bytes | None) -> SignedStatement:
        return cls.from_json(decode_header(value))


def typed_data(domain: AccessDomain, statement: AccessStatement) -> dict[str, Any]:
    return {
        "types": {"EIP712Domain": DOMAIN_TYPE, "AccessStatement": ACCESS_TYPE},
        "primaryType": "AccessStatement",
        "domain": domain.as_dict(),
        "message": statement.as_message(),
    }


def statement_digest(domain: AccessDomain, statement: AccessStatement) -> bytes:
    """The digest an EOA signs and an ERC-1271 account's ``isValidSignature`` is asked about."""
    return typed_digest(typed_data(domain, statement))


def sign_statement(
    domain: AccessDomain, statement: AccessStatement, signer: Any
) -> SignedStatement:
    """Signs with a private key or ``LocalAccount`` (for an ERC-1271 wallet whose owner's
    signature of the digest is valid, pass the owner's key)."""
    return SignedStatement(statement, sign_digest(statement_digest(domain, statement), signer))


def recover_statement_signer(domain: AccessDomain, signed: SignedStatement) -> str | None:
    """The ECDSA signer (checksummed), or ``None`` for a malformed or high-s signature."""
    return recover_digest(statement_digest(domain, signed.statement), signed.signature)


def check_fresh(statement: AccessStatement, now: int | None = None) -> None:
    """Freshness: issued no later than ``now + CLOCK_SKEW_SECONDS``, not yet expired, and
    living at most ``MAX_LIFETIME_SECONDS``. ``WireError(STATEMENT_STALE)`` otherwise."""
    now = int(time.time()) if now is None else now
    if statement.expires_at <= statement.issued_at:
        raise WireError(ErrorCode.STATEMENT_STALE, "expiresAt is not after issuedAt")
    if statement.expires_at - statement.issued_at > MAX_LIFETIME_SECONDS:
        raise WireError(
            ErrorCode.STATEMENT_STALE,
            f"statement lives {statement.expires_at - statement.issued_at} s, "
            f"limit {MAX_LIFETIME_SECONDS} s",
        )
    if statement.issued_at > now + CLOCK_SKEW_SECONDS:
        raise WireError(ErrorCode.STATEMENT_STALE, "statement issued in the future")
    if statement.expires_at <= now:
        raise WireError(ErrorCode.STATEMENT_STALE, "statement expired")
