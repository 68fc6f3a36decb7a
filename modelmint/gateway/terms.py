"""What a gateway asks for and how much it remembers: :class:`PaymentTerms` (its model's
offer and where to pay, fixed at start and switched on a version upgrade) and
:class:`LedgerLimits` (the bounds on per-channel memory and on node reads strangers can
cause).

    >>> terms.requirements(amount=3)          # the PaymentRequirements of one 402
    >>> LedgerLimits.of(settings).max_channels
    10000
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from modelmint.errors import ErrorCode
from modelmint.gateway.errors import PaymentRejected
from modelmint.wire import (
    SCHEME,
    ChannelState,
    LastReceipt,
    ModelOffer,
    PaymentRequirements,
    network_id,
)


@dataclass(frozen=True, kw_only=True)
class PaymentTerms(ModelOffer):
    """What this gateway asks for: its model's offer (:class:`ModelOffer`) and where to pay,
    fixed at start from the chain and the settings."""

    chain_id: int
    credits_address: str
    gateway: str
    grace_period: int
    max_timeout_seconds: int = 60
    # A receipt must stay settleable this long after it is accepted (seconds).
    min_deadline_margin: int = 600

    @property
    def network(self) -> str:
        return network_id(self.chain_id)

    def cost(self, items: int) -> int:
        """Credits charged for a batch of ``items``."""
        return self.credits_per_item * items

    def check_ours(self, req: PaymentRequirements) -> None:
        """Refuses (:class:`PaymentRejected`) requirements that are not this gateway's:
        scheme, network, UsageCredits address, receipt domain, payTo, model and version."""
        if req.scheme != SCHEME:
            raise PaymentRejected(ErrorCode.WRONG_SCHEME, f"scheme must be {SCHEME}")
        if req.network != self.network:
            raise PaymentRejected(ErrorCode.WRONG_NETWORK, f"network must be {self.network}")
        domain = req.extra.receipt_domain
        if domain.chain_id != self.chain_id:
            raise PaymentRejected(ErrorCode.WRONG_NETWORK, "receipt domain of another chain")
        if req.asset.lower() != self.credits_address.lower() or (
            domain.verifying_contract.lower() != self.credits_address.lower()
        ):
            raise PaymentRejected(ErrorCode.WRONG_ASSET, "another UsageCredits contract")
        if domain != self.receipt_domain:
            raise PaymentRejected(ErrorCode.WRONG_ASSET, "receipt domain differs")
        if req.pay_to.lower() != self.gateway.lower():
            raise PaymentRejected(ErrorCode.WRONG_GATEWAY, f"payTo must be {self.gateway}")
        if req.extra.model_id != self.model_id:
            raise PaymentRejected(
                ErrorCode.WRONG_MODEL, f"this gateway serves model {self.model_id}"
            )
        if req.extra.version_hash != self.version_hash or req.extra.version != self.version:
            raise PaymentRejected(
                ErrorCode.WRONG_VERSION, f"this gateway serves version {self.version}"
            )

    def requirements(
        self,
        amount: int,
        channel: ChannelState | None = None,
        last_receipt: LastReceipt | None = None,
    ) -> PaymentRequirements:
        """The requirements of one 402 (``amount``: this request's cost), with the channel's
        state and last receipt in a corrective one."""
        extra = self.extra(channel, last_receipt)
        return PaymentRequirements(
            self.network,
            amount,
            self.credits_address,
            self.gateway,
            self.max_timeout_seconds,
            extra,
        )


@dataclass(frozen=True)
class LedgerLimits:
    """Bounds on what strangers can make the ledger remember or read: ``max_channels``
    cached channels, ``rpc_miss_rate``/``rpc_miss_burst`` channel reads per second past the
    cache, ``unknown_channel_ttl`` seconds an id the node answered unknown is answered
    ``unknown_channel`` again without a read."""

    max_channels: int = 10_000
    rpc_miss_rate: float = 50.0
    rpc_miss_burst: int = 200
    unknown_channel_ttl: float = 1.0

    @classmethod
    def of(cls, settings: Any) -> LedgerLimits:
        """The limits of the gateway settings of the same names."""
        return cls(**{f.name: getattr(settings, f.name) for f in fields(cls)})


def describe_terms(terms: PaymentTerms) -> dict[str, Any]:
    """The payment part of the gateway's public info."""
    return {
        "scheme": SCHEME,
        "network": terms.network,
        "usageCredits": terms.credits_address,
        "creditsPerItem": str(terms.credits_per_item),
        "maxBatch": terms.max_batch,
        "creditValue": str(terms.credit_value),
        "paymentAsset": terms.payment_asset,
        "gracePeriod": terms.grace_period,
        "minDeadlineMargin": terms.min_deadline_margin,
    }
