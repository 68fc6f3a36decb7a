"""Every error the client raises: one base class, one named ``code`` each.

>>> try:
...     client.call("/v1/predict", json={"inputs": rows})
... except BudgetExhausted as exc:
...     print(exc.code, exc)          # "budget_exhausted: ..."
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from modelmint.errors import ModelmintError


class ClientErrorCode(StrEnum):
    """The stable name of each client error (a string enum: scripts may match on the text)."""

    CLIENT_ERROR = "client_error"
    BUDGET_EXHAUSTED = "budget_exhausted"
    PAYMENT_MISMATCH = "payment_mismatch"
    PROVENANCE_INVALID = "provenance_invalid"
    CHANNEL_HALTED = "channel_halted"
    RESYNC_REJECTED = "resync_rejected"
    GATEWAY_ERROR = "gateway_error"
    NO_ACCEPTABLE_REQUIREMENT = "no_acceptable_requirement"
    RECEIPT_SIGNER_NOT_REGISTERED = "receipt_signer_not_registered"
    TRANSACTION_FAILED = "transaction_failed"
    CHANNEL_NOT_CLOSABLE = "channel_not_closable"


class ClientError(ModelmintError):
    """Base of every client error; ``code`` is a stable name scripts can match on."""

    code: ClientErrorCode = ClientErrorCode.CLIENT_ERROR

    def __init__(self, message: str, **details: Any):
        super().__init__(self.code, message)
        self.details = details

    def __str__(self) -> str:
        return f"{self.code.value}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code.value, "message": self.message, **_plain(self.details)}


class BudgetExhausted(ClientError):
    """Paying for the next call needs more than the budget the user set."""

    code: ClientErrorCode = ClientErrorCode.BUDGET_EXHAUSTED


class PaymentMismatch(ClientError):
    """The gateway's PAYMENT-RESPONSE breaks a rule (charge above the ceiling, running total
    not moved by exactly the charge, wrong channel). The channel is halted: no more signing."""

    code: ClientErrorCode = ClientErrorCode.PAYMENT_MISMATCH


class ProvenanceInvalid(ClientError):
    """The gateway's provenance signature is missing, not the gateway's, or covers other
    bytes or other amounts. The channel is halted."""

    code: ClientErrorCode = ClientErrorCode.PROVENANCE_INVALID


class ChannelHalted(ClientError):
    """A channel was halted after a mismatch; the client refuses to sign on it again."""

    code: ClientErrorCode = ClientErrorCode.CHANNEL_HALTED


class ResyncRejected(ClientError):
    """A corrective 402 asked to move the channel's running total to a state the client
    cannot verify (bad signature on the returned receipt, or above what it ever signed)."""

    code: ClientErrorCode = ClientErrorCode.RESYNC_REJECTED


class GatewayError(ClientError):
    """The gateway answered with an error (``gateway_code`` is its ErrorCode value)."""

    code: ClientErrorCode = ClientErrorCode.GATEWAY_ERROR

    def __init__(self, status: int, gateway_code: str, message: str, **details: Any):
        super().__init__(f"HTTP {status} {gateway_code}: {message}", **details)
        self.status = status
        self.gateway_code = gateway_code

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "status": self.status, "gatewayCode": self.gateway_code}


class NoAcceptableRequirement(ClientError):
    """The 402 offers no ``modelmint-credits`` requirement on this client's chain and
    UsageCredits contract."""

    code: ClientErrorCode = ClientErrorCode.NO_ACCEPTABLE_REQUIREMENT


class ReceiptSignerNotRegistered(ClientError):
    """A smart-wallet consumer's registered receipt signer (``UsageCredits.receiptSigner``)
    is not this client's key: a channel opened now would record another key, and no receipt
    this client signs could settle. The wallet must register the key first."""

    code: ClientErrorCode = ClientErrorCode.RECEIPT_SIGNER_NOT_REGISTERED


class TransactionFailed(ClientError):
    """An on-chain transaction reverted (``error`` names the contract's custom error)."""

    code: ClientErrorCode = ClientErrorCode.TRANSACTION_FAILED


class ChannelNotClosable(ClientError):
    """The channel is still open or in its grace period, or is not this consumer's."""

    code: ClientErrorCode = ClientErrorCode.CHANNEL_NOT_CLOSABLE


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in details.items():
        if isinstance(value, bytes):
            value = "0x" + value.hex()
        elif not isinstance(value, str | int | float | bool | type(None) | list | dict):
            value = str(value)
        out[key] = value
    return out
