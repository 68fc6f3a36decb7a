"""Channels without ETH: what a consumer holding only an ERC-3009 token (USDC) signs so that
someone else (the gateway) opens or tops up its channel, and what it signs to close a channel
cooperatively (docs/GATEWAY.md, "Gasless channels and cooperative close").

    >>> opening = gasless_open(receipt_domain, token_domain, key, model_id=1, gateway=gw, salt=0,
    ...                        credits=100, credit_value=10_000, expiry=t + 3600, deadline=t + 600)
    >>> usage_credits.openChannelWithAuthorization(*opening.call_args())   # sent by anyone
    >>> opening.terms.channel_id                                            # the channel it opens
    >>> close = close_signature(receipt_domain, channel_id, charged, key)   # to the gateway

Each payment is a pair of signatures by the consumer's key: the EIP-712 intent in the
UsageCredits domain, and the token's ``ReceiveWithAuthorization`` (to = UsageCredits, value =
``credits x credit_value``, validAfter 0, validBefore = the intent's deadline, nonce = the
intent's nonce), which the token consumes so the pair pays once.
"""

from __future__ import annotations

import os
from dataclasses import astuple, dataclass
from typing import Any

from modelmint.constants import ZERO_ADDRESS
from modelmint.credits import ChannelTerms
from modelmint.eip712 import Address, Bytes32, Eip712Domain, TypedStruct, Uint256, digest
from modelmint.receipts import (
    CooperativeClose,
    OpenChannelIntent,
    ReceiptDomain,
    TopUpIntent,
)
from modelmint.signing import sign_digest, split_signature


@dataclass(frozen=True)
class ReceiveWithAuthorization(TypedStruct):
    """ERC-3009's ``ReceiveWithAuthorization`` (``from_`` is the EIP-712 member ``from``)."""

    from_: Address
    to: Address
    value: Uint256
    valid_after: Uint256
    valid_before: Uint256
    nonce: Bytes32


@dataclass(frozen=True)
class SignedIntent:
    """An intent, the consumer's signature of it and the token authorization paying it."""

    intent: OpenChannelIntent | TopUpIntent
    signature: bytes
    authorization: tuple[int, bytes, bytes]  # (v, r, s)

    def call_args(self) -> tuple[tuple[Any, ...], bytes, tuple[int, bytes, bytes]]:
        """The arguments of ``openChannelWithAuthorization`` / ``topUpChannelWithAuthorization``."""
        return astuple(self.intent), self.signature, self.authorization

    @property
    def terms(self) -> ChannelTerms:
        """The terms of the channel the intent opens or tops up."""
        i = self.intent
        return ChannelTerms(i.consumer, i.gateway, i.model_id, i.salt)


def token_domain(chain_id: int, token: str, name: str, version: str = "1") -> Eip712Domain:
    """The token's EIP-712 domain (USDC: its name, version "2" on mainnet; OpenZeppelin's
    ERC3009: its name, version "1")."""
    return Eip712Domain(chain_id, token, name, version)


def _authorize(
    domain: Eip712Domain, key: Any, consumer: str, to: str, value: int, deadline: int, nonce: bytes
) -> tuple[int, bytes, bytes]:
    message = ReceiveWithAuthorization(consumer, to, value, 0, deadline, nonce)
    v, r, s = split_signature(sign_digest(digest(domain, message), key))
    return v, r.to_bytes(32, "big"), s.to_bytes(32, "big")


def gasless_open(
    domain: ReceiptDomain,
    token: Eip712Domain,
    key: Any,
    *,
    model_id: int,
    gateway: str,
    credits: int,
    credit_value: int,
    expiry: int,
    deadline: int,
    salt: int = 0,
    receipt_signer: str = ZERO_ADDRESS,
    nonce: bytes | None = None,
) -> SignedIntent:
    """The consumer ``key``'s signed OpenChannelIntent and its authorization of
    ``credits x credit_value`` (a fresh random nonce unless one is given) for the channel
    of terms (the key's address, ``gateway``, ``model_id``, ``salt``): pick the lowest salt
    whose channel does not exist."""
    consumer = key.address
    intent = OpenChannelIntent(
        consumer,
        model_id,
        gateway,
        salt,
        credits,
        expiry,
        receipt_signer,
        nonce or os.urandom(32),
        deadline,
    )
    authorization = _authorize(
        token,
        key,
        consumer,
        domain.verifying_contract,
        credits * credit_value,
        deadline,
        intent.nonce,
    )
    return SignedIntent(intent, sign_digest(digest(domain, intent), key), authorization)


def gasless_top_up(
    domain: ReceiptDomain,
    token: Eip712Domain,
    key: Any,
    *,
    terms: ChannelTerms,
    credits: int,
    credit_value: int,
    expiry: int,
    deadline: int,
    nonce: bytes | None = None,
) -> SignedIntent:
    """The channel consumer ``key``'s signed TopUpIntent of the channel of ``terms`` (whose
    consumer is the key's address) and its authorization."""
    intent = TopUpIntent(
        terms.consumer,
        terms.gateway,
        terms.model_id,
        terms.salt,
        credits,
        expiry,
        nonce or os.urandom(32),
        deadline,
    )
    authorization = _authorize(
        token,
        key,
        key.address,
        domain.verifying_contract,
        credits * credit_value,
        deadline,
        intent.nonce,
    )
    return SignedIntent(intent, sign_digest(digest(domain, intent), key), authorization)


def close_signature(domain: ReceiptDomain, channel_id: int, charged: int, key: Any) -> bytes:
    """``key``'s signature of CooperativeClose(channel_id, charged): the consumer's lets the
    gateway submit the close; the gateway's lets the consumer submit it."""
    return sign_digest(digest(domain, CooperativeClose(channel_id, charged)), key)
