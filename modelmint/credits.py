"""What a UsageCredits deployment says about a channel and a model's credit terms, as typed
values: one reading of the contract's answers, shared by the gateway and the consumer client.
Both call the contract through web3.py with the exported ABI; this module only reads the
answers, so it needs neither web3 nor ape.

    >>> credits = w3.eth.contract(address=address, abi=load_abi("UsageCredits"))
    >>> channel = Channel.from_call(7, credits.functions.channel(7).call())
    >>> channel.exists, channel.closed, channel.settled
    >>> terms = CreditTerms.from_call(credits.functions.modelCredits(model_id).call())
    >>> domain = ReceiptDomain.from_fields(credits.functions.eip712Domain().call())
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils import to_checksum_address

from modelmint.constants import ZERO_ADDRESS


@dataclass(frozen=True)
class Channel:
    """``UsageCredits.channel(id)``: ``consumer`` is the zero address for an unknown id and
    ``expiry`` is 0 once closed. ``consumer_is_contract`` is filled in by a reader that
    checks for code at the consumer (the gateway, which then asks ERC-1271)."""

    channel_id: int
    consumer: str
    expiry: int
    gateway: str
    deposit: int
    model_id: int
    settled: int
    consumer_is_contract: bool = False

    @classmethod
    def from_call(cls, channel_id: int, raw: Sequence[Any]) -> Channel:
        """From the ``(consumer, expiry, gateway, deposit, modelId, settled)`` answer."""
        consumer, expiry, gateway, deposit, model_id, settled = raw
        return cls(
            channel_id=channel_id,
            consumer=to_checksum_address(consumer),
            expiry=int(expiry),
            gateway=to_checksum_address(gateway),
            deposit=int(deposit),
            model_id=int(model_id),
            settled=int(settled),
        )

    @property
    def exists(self) -> bool:
        return self.consumer != ZERO_ADDRESS

    @property
    def closed(self) -> bool:
        return self.exists and self.expiry == 0


@dataclass(frozen=True)
class CreditTerms:
    """``UsageCredits.modelCredits(id)``: the payment asset (the zero address for ETH) and
    the value of one credit in it."""

    asset: str
    credit_value: int

    @classmethod
    def from_call(cls, raw: Sequence[Any]) -> CreditTerms:
        return cls(asset=to_checksum_address(raw[0]), credit_value=int(raw[1]))
