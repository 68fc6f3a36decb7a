"""The gateway's errors, all under :class:`modelmint.errors.ModelmintError`.

Errors a request can meet carry an :class:`~modelmint.errors.ErrorCode` (the wire code it is
answered with); errors that never reach the wire (a revert, a refused start, a store
conflict) carry a :class:`GatewayErrorCode`. A contract revert is decoded once
(:func:`modelmint.reverts.revert_of`): :class:`ChainReverted` carries the
:class:`~modelmint.reverts.Revert`, its name and arguments, never free text.

    >>> try:
    ...     chain.simulate_settle(sender, args)
    ... except ChainReverted as exc:
    ...     exc.revert.name, exc.revert.args       # ("UsageCreditsChannelClosed", (7,))
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from modelmint.credits import ChannelPhase
from modelmint.errors import ErrorCode, ModelmintError, WireError
from modelmint.reverts import Revert
from modelmint.wire import ChannelState, LastReceipt


class GatewayErrorCode(StrEnum):
    """What went wrong inside the gateway, where no wire code applies."""

    # A contract call reverted (the decoded error is on the exception).
    CHAIN_REVERTED = "chain_reverted"
    # The gateway must not serve: weights, key, deployment record or chain state.
    STARTUP_REFUSED = "startup_refused"
    # A charge that does not extend the channel's stored total.
    CHARGE_CONFLICT = "charge_conflict"
    # The ONNX model's input is of a type or shape the gateway cannot validate.
    MODEL_UNSUPPORTED = "model_unsupported"
    # The card file is not a card, or its CID is not the one the chain records.
    CARD_MISMATCH = "card_mismatch"
    # The card's weights.sha256 / weights.cid are not those of the served file.
    WEIGHTS_MISMATCH = "weights_mismatch"


class ChainUnavailable(ModelmintError):
    """The node could not be reached or answered garbage (answered ``503 rpc_unavailable``:
    entitlement checks fail closed)."""

    def __init__(self, message: str):
        super().__init__(ErrorCode.RPC_UNAVAILABLE, message)


class ChainReverted(ModelmintError):
    """A call reverted; ``revert`` is the decoded error (name and arguments)."""

    def __init__(self, revert: Revert):
        super().__init__(GatewayErrorCode.CHAIN_REVERTED, str(revert))
        self.revert = revert

    def details(self) -> dict[str, Any]:
        """The revert as JSON details of an answer or a log line."""
        return revert_details(self.revert)


def revert_details(revert: Revert) -> dict[str, Any]:
    """``{"revert": {"name": ..., "args": [...]}}``: a decoded revert for JSON answers and
    logs (arguments as text: bytes in hex, integers in decimal)."""
    return {"revert": {"name": revert.name, "args": [_text(a) for a in revert.args]}}


def _text(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, (list, tuple)):
        return [_text(v) for v in value]
    if isinstance(value, bool):
        return value
    return str(value)


class StartupError(ModelmintError):
    """The gateway must not serve (the message says why)."""

    def __init__(self, message: str, code: GatewayErrorCode = GatewayErrorCode.STARTUP_REFUSED):
        super().__init__(code, message)


class InputError(ModelmintError):
    """The request's input does not fit the model (shape, type, range or batch size):
    answered ``422 invalid_input``, nothing charged."""

    def __init__(self, message: str):
        super().__init__(ErrorCode.INVALID_INPUT, message)


class ModelError(ModelmintError):
    """The model raised while running a valid input (``500 model_failed``)."""

    def __init__(self, message: str):
        super().__init__(ErrorCode.MODEL_FAILED, message)


class StoreError(ModelmintError):
    """The store refused or could not take a write: ``store_unavailable`` (the writer
    stopped) or ``charge_conflict`` (a charge that does not extend the stored total)."""

    def __init__(self, code: ErrorCode | GatewayErrorCode, message: str):
        super().__init__(code, message)


def chain_failure(doing: str, exc: ChainUnavailable | ChainReverted) -> WireError:
    """The ``503 rpc_unavailable`` answer of a chain read that failed while ``doing``
    something (entitlement checks fail closed); a revert keeps its name and arguments."""
    details = exc.details() if isinstance(exc, ChainReverted) else {}
    return WireError(ErrorCode.RPC_UNAVAILABLE, f"{doing}: {exc.message}", **details)


def log_fields(exc: ModelmintError) -> dict[str, Any]:
    """A log line's fields for an error: its code, and a revert's name and arguments."""
    details = exc.details() if isinstance(exc, ChainReverted) else {}
    return {"error": exc.code.value, **details}


class PaymentRejected(WireError):
    """A payment that breaks a rule; ``channel``/``last_receipt`` are set for the
    corrective 402 (cumulative mismatch, above deposit)."""

    channel: ChannelState | None = None
    last_receipt: LastReceipt | None = None

    @classmethod
    def corrective(
        cls, code: ErrorCode, message: str, state: ChannelState, last: LastReceipt | None
    ) -> PaymentRejected:
        """A rejection whose 402 tells the client the channel's state and last receipt."""
        rejected = cls(code, message)
        rejected.channel, rejected.last_receipt = state, last
        return rejected


# The answer to a payment on a channel that is not open, by phase.
NOT_OPEN: dict[ChannelPhase, tuple[ErrorCode, str]] = {
    ChannelPhase.UNKNOWN: (ErrorCode.UNKNOWN_CHANNEL, "no such channel"),
    ChannelPhase.CLOSED: (ErrorCode.CHANNEL_CLOSED, "the channel is closed"),
    ChannelPhase.EXPIRED: (ErrorCode.CHANNEL_EXPIRED, "the channel has expired"),
    ChannelPhase.IN_GRACE: (
        ErrorCode.CHANNEL_IN_GRACE,
        "the channel is in its grace period: no new charges",
    ),
}
