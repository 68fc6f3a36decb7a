"""Modelmint's error vocabulary: one root exception and the named codes of the wire.

Every error the SDK raises on purpose derives from :class:`ModelmintError`, which carries a
named ``code`` (an enum member, compared by identity, never as free text) and a ``message``.
:class:`ErrorCode` names every error a gateway answers with, each with its HTTP status;
:class:`WireError` is a request or answer that breaks the wire format or a payment rule.
Errors that are not a 402 use one JSON body shape, :func:`error_body`:
``{"error": {"code": "<ErrorCode>", "message": "...", ...details}}``.
"""

from __future__ import annotations

from enum import Enum, StrEnum
from typing import Any


class ModelmintError(Exception):
    """The root of Modelmint's errors: ``code`` names what went wrong (a member of the raising
    layer's code enum: :class:`ErrorCode` on the wire, ``ClientErrorCode`` in the client,
    the dashboard's ``DashboardErrorCode``), ``message`` says it."""

    def __init__(self, code: Enum, message: str):
        super().__init__(f"{code.value}: {message}")
        self.code = code
        self.message = message


class ErrorCode(StrEnum):
    """Every error a gateway answers with; ``.status`` is its HTTP status."""

    # Payment needed or payment requirements not met (402: the body lists what to pay).
    PAYMENT_REQUIRED = "payment_required"
    WRONG_SCHEME = "wrong_scheme"
    WRONG_NETWORK = "wrong_network"
    WRONG_ASSET = "wrong_asset"
    WRONG_GATEWAY = "wrong_gateway"
    WRONG_MODEL = "wrong_model"
    WRONG_VERSION = "wrong_version"
    UNKNOWN_CHANNEL = "unknown_channel"
    # The payload's channelId is not the id of its terms (consumer, payTo, modelId, salt).
    CHANNEL_TERMS_MISMATCH = "channel_terms_mismatch"
    CHANNEL_EXPIRED = "channel_expired"
    CHANNEL_IN_GRACE = "channel_in_grace"
    CHANNEL_CLOSED = "channel_closed"
    BAD_SIGNATURE = "bad_signature"
    HIGH_S_SIGNATURE = "high_s_signature"
    CUMULATIVE_MISMATCH = "cumulative_mismatch"
    INSUFFICIENT_AMOUNT = "insufficient_amount"
    ABOVE_DEPOSIT = "above_deposit"
    DEADLINE_EXPIRED = "deadline_expired"
    # x402 `exact` payments (one ERC-3009 transfer to the model's payee).
    WRONG_PAYEE = "wrong_payee"
    AUTHORIZATION_EXPIRED = "authorization_expired"
    AUTHORIZATION_USED = "authorization_used"
    AUTHORIZATION_INVALID = "authorization_invalid"
    SETTLEMENT_FAILED = "settlement_failed"
    # Malformed requests.
    INVALID_PAYLOAD = "invalid_payload"
    UNSUPPORTED_VERSION = "unsupported_version"
    HEADER_TOO_LARGE = "header_too_large"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    INVALID_INPUT = "invalid_input"
    CHANNEL_BUSY = "channel_busy"
    # Gasless opens and cooperative closes the gateway submits (modelmint.gateway.relay).
    CLOSE_MISMATCH = "close_mismatch"
    SUBMISSION_REVERTED = "submission_reverted"
    RELAY_BUSY = "relay_busy"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    # License access.
    STATEMENT_INVALID = "statement_invalid"
    STATEMENT_STALE = "statement_stale"
    STATEMENT_REPLAYED = "statement_replayed"
    LICENSE_INVALID = "license_invalid"
    # Server side.
    MODEL_FAILED = "model_failed"
    INTERNAL_ERROR = "internal_error"
    RPC_UNAVAILABLE = "rpc_unavailable"
    STORE_UNAVAILABLE = "store_unavailable"
    FACILITATOR_UNAVAILABLE = "facilitator_unavailable"
    NOT_READY = "not_ready"

    @classmethod
    def _missing_(cls, value: object) -> ErrorCode | None:
        """Wire codes renamed in this release, still understood from older gateways."""
        return _RENAMED.get(str(value))

    @property
    def status(self) -> int:
        return _STATUS[self]

    @property
    def is_payment_error(self) -> bool:
        """Answered as an x402 402 (with requirements) rather than an error body."""
        return _STATUS[self] == 402


_STATUS: dict[ErrorCode, int] = {
    **{
        code: 402
        for code in (
            ErrorCode.PAYMENT_REQUIRED,
            ErrorCode.WRONG_SCHEME,
            ErrorCode.WRONG_NETWORK,
            ErrorCode.WRONG_ASSET,
            ErrorCode.WRONG_GATEWAY,
            ErrorCode.WRONG_MODEL,
            ErrorCode.WRONG_VERSION,
            ErrorCode.UNKNOWN_CHANNEL,
            ErrorCode.CHANNEL_TERMS_MISMATCH,
            ErrorCode.CHANNEL_EXPIRED,
            ErrorCode.CHANNEL_IN_GRACE,
            ErrorCode.CHANNEL_CLOSED,
            ErrorCode.BAD_SIGNATURE,
            ErrorCode.HIGH_S_SIGNATURE,
            ErrorCode.CUMULATIVE_MISMATCH,
            ErrorCode.INSUFFICIENT_AMOUNT,
            ErrorCode.ABOVE_DEPOSIT,
            ErrorCode.DEADLINE_EXPIRED,
            ErrorCode.WRONG_PAYEE,
            ErrorCode.AUTHORIZATION_EXPIRED,
            ErrorCode.AUTHORIZATION_USED,
            ErrorCode.AUTHORIZATION_INVALID,
            ErrorCode.SETTLEMENT_FAILED,
        )
    },
    ErrorCode.INVALID_PAYLOAD: 400,
    ErrorCode.UNSUPPORTED_VERSION: 400,
    ErrorCode.HEADER_TOO_LARGE: 431,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.INVALID_INPUT: 422,
    ErrorCode.CHANNEL_BUSY: 409,
    ErrorCode.CLOSE_MISMATCH: 409,
    ErrorCode.SUBMISSION_REVERTED: 409,
    ErrorCode.RELAY_BUSY: 429,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.STATEMENT_INVALID: 401,
    ErrorCode.STATEMENT_STALE: 401,
    ErrorCode.STATEMENT_REPLAYED: 401,
    ErrorCode.LICENSE_INVALID: 403,
    ErrorCode.MODEL_FAILED: 500,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.RPC_UNAVAILABLE: 503,
    ErrorCode.STORE_UNAVAILABLE: 503,
    ErrorCode.FACILITATOR_UNAVAILABLE: 503,
    ErrorCode.NOT_READY: 503,
}


# Old wire code -> its current name; accepted when parsing for one release.
_RENAMED: dict[str, ErrorCode] = {"licence_invalid": ErrorCode.LICENSE_INVALID}


class WireError(ModelmintError):
    """A request or answer that breaks the wire format or a payment rule."""

    def __init__(self, code: ErrorCode, message: str, **details: Any):
        super().__init__(code, message)
        self.code: ErrorCode = code
        self.details = details

    @property
    def status(self) -> int:
        return self.code.status


def error_body(code: StrEnum, message: str, **details: Any) -> dict[str, Any]:
    """The JSON body of every non-402 error answer: ``code`` is an :class:`ErrorCode` for a
    gateway, a member of the dashboard's code enum for the dashboard."""
    return {"error": {"code": code.value, "message": message, **details}}
