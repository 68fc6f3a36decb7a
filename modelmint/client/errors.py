"""Every error the client raises: one base class, one named ``code`` each.

>>> try:
...     client.call("/v1/predict", json={"inputs": rows})
... except BudgetExhausted as exc:
...     print(exc.code, exc)          # "budget_exhausted: ..."
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from modelmint.errors import ErrorCode, ModelmintError
from modelmint.reverts import Revert


class ClientErrorCode(StrEnum):
    """The stable name of each client error (a string enum: scripts may match on the text)."""

    CLIENT_ERROR = "client_error"
    BUDGET_EXHAUSTED = "budget_exhausted"
    PAYMENT_MISMATCH = "payment_mismatch"
    PROVENANCE_INVALID = "provenance_invalid"
    CHANNEL_HALTED = "channel_halted"
    RESYNC_REJECTED = "resync_rejected"
    GATEWAY_ERROR = "gateway_error"
    GATEWAY_UNREACHABLE = "gateway_unreachable"
    NO_ACCEPTABLE_REQUIREMENT = "no_acceptable_requirement"
    RECEIPT_SIGNER_NOT_REGISTERED = "receipt_signer_not_registered"
    TRANSACTION_FAILED = "transaction_failed"
    CHANNEL_NOT_CLOSABLE = "channel_not_closable"
    SETTING_MISSING = "setting_missing"
    PROFILE_INVALID = "profile_invalid"
    ACCOUNT_UNAVAILABLE = "account_unavailable"
    NOT_FOUND = "not_found"
    WEIGHTS_MISMATCH = "weights_mismatch"


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
    cannot verify (bad signature on the returned receipt, or above what it ever signed).
    ``halt`` says why the channel stops (empty: the claim is refused, the channel stays)."""

    code: ClientErrorCode = ClientErrorCode.RESYNC_REJECTED

    def __init__(self, message: str, *, halt: str = "", **details: Any):
        super().__init__(message, **details)
        self.halt = halt


def gateway_code(text: str) -> ErrorCode | None:
    """The :class:`ErrorCode` a gateway named (old spellings included), ``None`` for a code
    outside the vocabulary (a newer gateway's, or none at all)."""
    try:
        return ErrorCode(text)
    except ValueError:
        return None


class GatewayError(ClientError):
    """The gateway answered with an error: ``gateway_code`` is the :class:`ErrorCode` it
    named, ``None`` when the code is not in this client's vocabulary; ``wire_code`` keeps the
    text it sent either way."""

    code: ClientErrorCode = ClientErrorCode.GATEWAY_ERROR

    def __init__(self, status: int, wire_code: ErrorCode | str, message: str, **details: Any):
        self.status = status
        self.gateway_code = gateway_code(wire_code)
        self.wire_code = str(wire_code)
        super().__init__(f"{self._answer()}: {message}", **details)

    def _answer(self) -> str:
        if self.gateway_code is not None:
            return f"HTTP {self.status} {self.wire_code}"
        if self.wire_code:
            return f"HTTP {self.status} unknown code {self.wire_code!r}"
        return f"HTTP {self.status} without an error code" if self.status else "no answer"

    def to_json(self) -> dict[str, Any]:
        unknown = {} if self.gateway_code is not None else {"gatewayCodeUnknown": True}
        return {
            **super().to_json(),
            "status": self.status,
            "gatewayCode": self.wire_code,
            **unknown,
        }


class GatewayUnreachable(GatewayError):
    """No HTTP answer from the gateway (connection refused, timeout): ``status`` 0, no code."""

    code: ClientErrorCode = ClientErrorCode.GATEWAY_UNREACHABLE

    def __init__(self, message: str, **details: Any):
        super().__init__(0, "", message, **details)


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
    """An on-chain transaction reverted or would revert: ``revert`` is the contract's decoded
    custom error (name and arguments; ``None`` when the node gave no revert data)."""

    code: ClientErrorCode = ClientErrorCode.TRANSACTION_FAILED

    def __init__(self, message: str, *, revert: Revert | None = None, **details: Any):
        super().__init__(message, **details)
        self.revert = revert

    def to_json(self) -> dict[str, Any]:
        if self.revert is None:
            return super().to_json()
        shown = {"name": self.revert.name, "args": list(self.revert.args), "text": str(self.revert)}
        return {**super().to_json(), "revert": _plain(shown)}


class ChannelNotClosable(ClientError):
    """The channel is still open or in its grace period, or is not this consumer's."""

    code: ClientErrorCode = ClientErrorCode.CHANNEL_NOT_CLOSABLE


class SettingMissing(ClientError):
    """A command needs a setting nobody gave: the message names the flag, the environment
    variable and the profile key that would give it."""

    code: ClientErrorCode = ClientErrorCode.SETTING_MISSING


class ProfileInvalid(ClientError):
    """The profile file cannot be used: unreadable, an unknown profile, or it holds a secret
    (a private key, mnemonic or passphrase: those never live in a config file)."""

    code: ClientErrorCode = ClientErrorCode.PROFILE_INVALID


class AccountUnavailable(ClientError):
    """The account cannot be loaded: no keystore of that alias or path, a wrong passphrase,
    or no passphrase and no terminal to ask for one."""

    code: ClientErrorCode = ClientErrorCode.ACCOUNT_UNAVAILABLE


class NotFound(ClientError):
    """What a command names is not on chain or in the deployment record (a contract, a
    fractionalized model's governor, a proposal)."""

    code: ClientErrorCode = ClientErrorCode.NOT_FOUND


class WeightsMismatch(ClientError):
    """Downloaded weights whose sha256 is not the registry's ``versionHash``: nothing was
    written in place."""

    code: ClientErrorCode = ClientErrorCode.WEIGHTS_MISMATCH


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    return {key: _plain_value(value) for key, value in details.items()}


def _plain_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, list | tuple):
        return [_plain_value(v) for v in value]
    if isinstance(value, dict):
        return _plain(value)
    if isinstance(value, str | int | float | bool | type(None)):
        return value
    return str(value)
