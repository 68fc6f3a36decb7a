"""Every error the client raises: one base class, one named ``code`` each.

>>> try:
...     client.call("/v1/predict", json={"inputs": rows})
... except BudgetExhausted as exc:
...     print(exc.code, exc)          # "budget_exhausted: ..."
"""

from __future__ import annotations

from typing import Any


class ClientError(Exception):
    """Base of every client error; ``code`` is a stable name scripts can match on."""

    code = "client_error"

    def __init__(self, message: str, **details: Any):
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **_plain(self.details)}


class BudgetExhausted(ClientError):
    """Paying for the next call needs more than the budget the user set."""

    code = "budget_exhausted"


class PaymentMismatch(ClientError):
    """The gateway's PAYMENT-RESPONSE breaks a rule (charge above the ceiling, running total
    not moved by exactly the charge, wrong channel). The channel is halted: no more signing."""

    code = "payment_mismatch"


class ProvenanceInvalid(ClientError):
    """The gateway's provenance signature is missing, not the gateway's, or covers other
    bytes or other amounts. The channel is halted."""

    code = "provenance_invalid"


class ChannelHalted(ClientError):
    """A channel was halted after a mismatch; the client refuses to sign on it again."""

    code = "channel_halted"


class ResyncRejected(ClientError):
    """A corrective 402 asked to move the channel's running total to a state the client
    cannot verify (bad signature on the returned receipt, or above what it ever signed)."""

    code = "resync_rejected"


class GatewayError(ClientError):
    """The gateway answered with an error (``gateway_code`` is its ErrorCode value)."""

    code = "gateway_error"

    def __init__(self, status: int, gateway_code: str, message: str, **details: Any):
        super().__init__(f"HTTP {status} {gateway_code}: {message}", **details)
        self.status = status
        self.gateway_code = gateway_code

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "status": self.status, "gatewayCode": self.gateway_code}


class NoAcceptableRequirement(ClientError):
    """The 402 offers no ``modelmint-credits`` requirement on this client's chain and
    UsageCredits contract."""

    code = "no_acceptable_requirement"


class ReceiptSignerNotRegistered(ClientError):
    """A smart-wallet consumer's registered receipt signer (``UsageCredits.receiptSigner``)
    is not this client's key: a channel opened now would record another key, and no receipt
    this client signs could settle. The wallet must register the key first."""

    code = "receipt_signer_not_registered"


class TransactionFailed(ClientError):
    """An on-chain transaction reverted (``error`` names the contract's custom error)."""

    code = "transaction_failed"


class ChannelNotClosable(ClientError):
    """The channel is still open or in its grace period, or is not this consumer's."""

    code = "channel_not_closable"


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in details.items():
        if isinstance(value, bytes):
            value = "0x" + value.hex()
        elif not isinstance(value, str | int | float | bool | type(None) | list | dict):
            value = str(value)
        out[key] = value
    return out
