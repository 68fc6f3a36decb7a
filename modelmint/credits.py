"""What a UsageCredits deployment says about a channel and a model's credit terms, as typed
values: one reading of the contract's answers, shared by the gateway and the consumer client.
Both call the contract through web3.py with the exported ABI; this module only reads the
answers, so it needs neither web3 nor ape.

    >>> credits = w3.eth.contract(address=address, abi=load_abi("UsageCredits"))
    >>> terms = ChannelTerms(consumer, gateway, model_id, salt=0)
    >>> raw = credits.functions.channel(terms.channel_id).call()
    >>> channel = Channel.from_state(terms, raw)
    >>> channel.exists, channel.closed, channel.settled
    >>> channel.phase(now, grace_period)                 # ChannelPhase.OPEN, IN_GRACE, ...
    >>> credit_terms = CreditTerms.from_call(credits.functions.modelCredits(model_id).call())
    >>> domain = ReceiptDomain.from_fields(credits.functions.eip712Domain().call())
    >>> rejection_reason(log["args"]["reason"])          # a ReceiptRejected event's reason
    'UsageCreditsInvalidSignature'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cached_property
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
class ChannelTerms:
    """The immutable terms that name a channel: ``UsageCredits.ChannelTerms``. Its id is
    ``uint256(keccak256(abi.encode(consumer, gateway, modelId, salt)))``, as the contract's
    ``channelIdOf`` computes it."""

    consumer: str
    gateway: str
    model_id: int
    salt: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "consumer", to_checksum_address(self.consumer))
        object.__setattr__(self, "gateway", to_checksum_address(self.gateway))
        object.__setattr__(self, "model_id", int(self.model_id))
        object.__setattr__(self, "salt", int(self.salt))

    @cached_property
    def channel_id(self) -> int:
        # abi.encode of two addresses and two uint256 is four 32-byte words; built by hand
        # (the generic encoder costs ~10x more, and an unknown id costs one of these per request).
        for value in (self.model_id, self.salt):
            if not 0 <= value < 2**256:
                raise ValueError(f"channel term out of uint256 range: {value}")
        encoded = b"".join(
            (
                bytes(12) + bytes.fromhex(self.consumer[2:]),
                bytes(12) + bytes.fromhex(self.gateway[2:]),
                self.model_id.to_bytes(32, "big"),
                self.salt.to_bytes(32, "big"),
            )
        )
        return int.from_bytes(keccak(encoded), "big")

    def as_args(self) -> tuple[str, str, int, int]:
        """The ``ChannelTerms`` tuple the contract's functions take."""
        return (self.consumer, self.gateway, self.model_id, self.salt)

    def mismatch(self, channel_id: int) -> str | None:
        """Why ``channel_id`` is not the id of these terms, or None when it is: the one wording
        of ``channel_terms_mismatch`` (gateway ledger and relay) and of the client's check."""
        if self.channel_id == channel_id:
            return None
        return (
            f"channel {channel_id} is not the id of its terms (consumer {self.consumer}, "
            f"gateway {self.gateway}, model {self.model_id}, salt {self.salt}): that is "
            f"{self.channel_id}"
        )


@dataclass(frozen=True)
class Channel:
    """A channel's terms and its state from ``UsageCredits.channel(id)``: ``deposit`` is 0
    for a channel that was never opened and ``expiry`` is 0 once closed. ``signer`` is the
    key the channel fixed at opening to sign its receipts (the consumer when it named no
    other: the contract answers the zero address then); a receipt is valid when its ECDSA
    signature recovers to the consumer or to ``signer``, for the channel's whole life."""

    channel_id: int
    consumer: str
    expiry: int
    gateway: str
    deposit: int
    model_id: int
    settled: int
    signer: str = ZERO_ADDRESS
    salt: int = 0

    @classmethod
    def from_state(cls, terms: ChannelTerms, raw: Sequence[Any]) -> Channel:
        """From the channel's terms and the ``(deposit, settled, expiry, signer)`` answer of
        ``channel(terms.channel_id)``."""
        deposit, settled, expiry, signer = raw
        recorded = to_checksum_address(signer)
        return cls(
            channel_id=terms.channel_id,
            consumer=terms.consumer,
            expiry=int(expiry),
            gateway=terms.gateway,
            deposit=int(deposit),
            model_id=terms.model_id,
            settled=int(settled),
            signer=terms.consumer if recorded == ZERO_ADDRESS else recorded,
            salt=terms.salt,
        )

    @property
    def terms(self) -> ChannelTerms:
        return ChannelTerms(self.consumer, self.gateway, self.model_id, self.salt)

    def signs(self, address: str | bytes | None) -> bool:
        """Whether a signature recovered to ``address`` is a valid receipt signer of the
        channel (its consumer or its recorded signer)."""
        if address is None or not self.exists:
            return False
        a = address.hex() if isinstance(address, bytes) else address.lower().removeprefix("0x")
        return a.lower() in self._signers

    @cached_property
    def _signers(self) -> tuple[str, str]:
        """The consumer and the recorded signer, lowercase hex without ``0x`` (read once: a
        gateway checks every receipt of the channel against them)."""
        return (self.consumer[2:].lower(), self.signer[2:].lower())

    @property
    def exists(self) -> bool:
        return self.deposit != 0

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


def first_free_salt(terms: ChannelTerms, deposit_of: Callable[[int], int]) -> int:
    """The lowest salt s >= ``terms.salt`` whose channel (``terms`` with salt s) was never
    opened, ``deposit_of(channel_id)`` reading ``channel(id).deposit`` (0: never opened; a
    closed channel keeps its deposit, so its terms cannot open again). Clients open with it,
    and rebuild the channels they lost by walking s = 0, 1, ... the same way."""
    salt = terms.salt
    while deposit_of(replace(terms, salt=salt).channel_id) != 0:
        salt += 1
    return salt


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
