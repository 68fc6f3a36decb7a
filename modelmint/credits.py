"""What a UsageCredits deployment says about a channel and a model's credit terms, as typed
values: one reading of the contract's answers, shared by the gateway and the consumer client.
Both call the contract through web3.py with the exported ABI; this module only reads the
answers, so it needs neither web3 nor ape.

    >>> credits = w3.eth.contract(address=address, abi=load_abi("UsageCredits"))
    >>> channel = Channel.from_call(7, credits.functions.channel(7).call())
    >>> channel.exists, channel.closed, channel.settled
    >>> channel.phase(now, grace_period)                 # ChannelPhase.OPEN, IN_GRACE, ...
    >>> terms = CreditTerms.from_call(credits.functions.modelCredits(model_id).call())
    >>> domain = ReceiptDomain.from_fields(credits.functions.eip712Domain().call())
    >>> rejection_reason(log["args"]["reason"])          # a ReceiptRejected event's reason
    'UsageCreditsInvalidSignature'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from eth_utils import keccak, to_checksum_address

from modelmint.abi import load_abi
from modelmint.constants import ZERO_ADDRESS


class ChannelPhase(StrEnum):
    """Where a channel stands at a given time: new charges only while ``open``; its
    receipts settle while ``open`` or ``in_grace`` (past ``expiry``, within the grace
    period); nothing settles once ``expired`` or ``closed``; ``unknown``: never opened."""

    UNKNOWN = "unknown"
    OPEN = "open"
    IN_GRACE = "in_grace"
    EXPIRED = "expired"
    CLOSED = "closed"


@dataclass(frozen=True)
class Channel:
    """``UsageCredits.channel(id)``: ``consumer`` is the zero address for an unknown id and
    ``expiry`` is 0 once closed. ``signer`` is the key the channel fixed at opening to sign
    its receipts (the consumer when it named no other); a receipt is valid when its ECDSA
    signature recovers to the consumer or to ``signer``, for the channel's whole life."""

    channel_id: int
    consumer: str
    expiry: int
    gateway: str
    deposit: int
    model_id: int
    settled: int
    signer: str = ZERO_ADDRESS

    @classmethod
    def from_call(cls, channel_id: int, raw: Sequence[Any]) -> Channel:
        """From the ``(consumer, expiry, gateway, deposit, modelId, settled, signer)``
        answer."""
        consumer, expiry, gateway, deposit, model_id, settled, signer = raw
        return cls(
            channel_id=channel_id,
            consumer=to_checksum_address(consumer),
            expiry=int(expiry),
            gateway=to_checksum_address(gateway),
            deposit=int(deposit),
            model_id=int(model_id),
            settled=int(settled),
            signer=to_checksum_address(signer),
        )

    def signs(self, address: str | bytes | None) -> bool:
        """Whether a signature recovered to ``address`` is a valid receipt signer of the
        channel (its consumer or its recorded signer)."""
        if address is None or not self.exists:
            return False
        a = address.hex() if isinstance(address, bytes) else address.lower().removeprefix("0x")
        return a.lower() in (self.consumer[2:].lower(), self.signer[2:].lower())

    @property
    def exists(self) -> bool:
        return self.consumer != ZERO_ADDRESS

    @property
    def closed(self) -> bool:
        return self.exists and self.expiry == 0

    def phase(self, now: float, grace_period: int) -> ChannelPhase:
        """The channel's phase at ``now`` (unix seconds) under the contract's
        ``GRACE_PERIOD``."""
        if not self.exists:
            return ChannelPhase.UNKNOWN
        if self.closed:
            return ChannelPhase.CLOSED
        if now >= self.expiry + grace_period:
            return ChannelPhase.EXPIRED
        return ChannelPhase.IN_GRACE if now >= self.expiry else ChannelPhase.OPEN


@dataclass(frozen=True)
class CreditTerms:
    """``UsageCredits.modelCredits(id)``: the payment asset (the zero address for ETH) and
    the value of one credit in it."""

    asset: str
    credit_value: int

    @classmethod
    def from_call(cls, raw: Sequence[Any]) -> CreditTerms:
        return cls(asset=to_checksum_address(raw[0]), credit_value=int(raw[1]))


def _error_selectors() -> dict[bytes, str]:
    errors = [e for e in load_abi("UsageCredits") if e.get("type") == "error"]
    return {
        keccak(text=f"{e['name']}({','.join(i['type'] for i in e['inputs'])})")[:4]: e["name"]
        for e in errors
    }


_REASONS = _error_selectors()


def rejection_reason(selector: bytes) -> str:
    """The name of the UsageCredits error a ``ReceiptRejected`` event's ``reason`` selects
    (``UsageCreditsInvalidSignature``, ...); the selector in hex when the ABI has none."""
    raw = bytes(selector)
    return _REASONS.get(raw, "0x" + raw.hex())
