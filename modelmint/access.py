"""License access statements: how a license holder proves, per call, that it controls the
account holding the license.

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

from modelmint import eip712
from modelmint.codec import SignedStruct, WireStruct
from modelmint.eip712 import Address, Bool, Uint32, Uint64, Uint256
from modelmint.eip712 import typed_data as typed_data
from modelmint.errors import ErrorCode, WireError
from modelmint.signing import recover_digest, sign_digest

DOMAIN_NAME = "Modelmint Access"
DOMAIN_VERSION = "1"
# A statement lives at most this long (expiresAt - issuedAt), seconds.
MAX_LIFETIME_SECONDS = 300
# Tolerated clock difference between caller and gateway, seconds.
CLOCK_SKEW_SECONDS = 30


@dataclass(frozen=True)
class AccessDomain(eip712.GatewayDomain):
    """The access domain of one gateway serving one model on one chain (the gateway is the
    verifying contract; the salt binds the model id)."""

    NAME = DOMAIN_NAME
    VERSION = DOMAIN_VERSION

    model_id: int

    @property
    def salt(self) -> bytes:
        return self.model_id.to_bytes(32, "big")


@dataclass(frozen=True)
class AccessStatement(eip712.TypedStruct, WireStruct):
    """ "I, ``account``, call ``model_id`` at ``version`` under a (``commercial``) license,
    between ``issued_at`` and ``expires_at``" (unix seconds)."""

    WHERE = "statement"

    account: Address
    model_id: Uint256
    version: Uint32
    commercial: Bool
    nonce: Uint256
    issued_at: Uint64
    expires_at: Uint64

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


ACCESS_TYPE = AccessStatement.eip712_type()


@dataclass(frozen=True)
class SignedStatement(SignedStruct):
    """A signed statement; ``to_header()`` is the ``MODELMINT-ACCESS`` header value (base64
    JSON)."""

    WHERE = "access"

    statement: AccessStatement
    signature: bytes


def access_signable(chain_id: int, gateway: str, model_id: int) -> tuple[bytes, bytes]:
    """``(domainSeparator, typeHash)`` of the access statements for ``model_id`` at
    ``gateway`` on ``chain_id``: what an AgentWallet's owner allows in one call,
    ``wallet.setSignable(*access_signable(chain_id, gateway, model_id), True)``, so that the
    agent key can sign access statements for the wallet."""
    domain = AccessDomain(chain_id=chain_id, gateway=gateway, model_id=model_id)
    return domain.standard.separator(), AccessStatement.type_hash()


def statement_digest(domain: AccessDomain, statement: AccessStatement) -> bytes:
    """The digest an EOA signs and an ERC-1271 account's ``isValidSignature`` is asked about."""
    return eip712.digest(domain, statement)


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
