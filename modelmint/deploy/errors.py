"""The deploy wing's errors: each a :class:`modelmint.errors.ModelmintError` with a named
:class:`DeployErrorCode`, and contract reverts shown as ``Name(args)`` through the core
decoder (:mod:`modelmint.reverts`).

    try:
        Deployment(plan, ...).run()
    except MismatchError as err:        # err.code is DeployErrorCode.MISMATCH
        ...
    except DeployError as err:          # err.revert: the decoded revert, when one caused it
        print(err.code, err.message)
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from modelmint.errors import ModelmintError
from modelmint.reverts import Revert, decode_revert, revert_of


class DeployErrorCode(StrEnum):
    """What stopped a deployment or an operator script."""

    CONFIG_INVALID = "config_invalid"  # a network config file is missing or invalid
    PLAN_INVALID = "plan_invalid"  # two steps share a name, a Ref points forward
    WRONG_CHAIN = "wrong_chain"  # the record belongs to another chain
    MISMATCH = "mismatch"  # recorded contracts differ from the plan
    NOT_DEPLOYED = "not_deployed"  # a step or record entry the run needs is missing
    NOT_COMPILED = "not_compiled"  # a contract type the plan names is not compiled
    NOT_SIGNED = "not_signed"  # the account returned no signature
    REVERTED = "reverted"  # a transaction reverted (``revert`` says with which error)
    CHECK_FAILED = "check_failed"  # a call was mined but its effect is not on chain


class DeployError(ModelmintError):
    """A deployment cannot proceed; the message says which step and why. ``revert`` is the
    decoded contract error when a revert caused it."""

    def __init__(
        self, message: str, code: DeployErrorCode = DeployErrorCode.REVERTED, *, revert=None
    ):
        super().__init__(code, message)
        self.code: DeployErrorCode = code
        self.revert: Revert | None = revert


class MismatchError(DeployError):
    """Recorded contracts differ from the plan and ``redeploy`` was not requested."""

    def __init__(self, message: str):
        super().__init__(message, DeployErrorCode.MISMATCH)


class ConfigError(DeployError):
    """A network config file is missing or invalid; the message names the file and field."""

    def __init__(self, message: str):
        super().__init__(message, DeployErrorCode.CONFIG_INVALID)


def revert_in(exc: BaseException) -> Revert | None:
    """The contract revert an ape or web3 exception carries, decoded by the core decoder:
    web3's own exceptions directly, ape's through the web3 error it wraps (``base_err``), its
    hex revert data, or the custom error it already decoded (``name`` and ``inputs``)."""
    for candidate in (exc, getattr(exc, "base_err", None), exc.__cause__):
        if candidate is not None and (found := revert_of(candidate)) is not None:
            return found
    message = getattr(exc, "message", None) or (exc.args[0] if exc.args else None)
    if isinstance(message, str) and message.startswith("0x") and len(message) >= 10:
        return decode_revert(message)
    abi, inputs = getattr(exc, "abi", None), getattr(exc, "inputs", None)
    if abi is not None and isinstance(inputs, dict):
        return Revert(str(abi.name), tuple(inputs.values()), b"")
    return None


def describe(exc: BaseException) -> str:
    """One line for an exception a transaction raised: the decoded revert ``Name(args)`` when
    there is one, else the exception's first line."""
    revert = revert_in(exc)
    if revert is not None:
        return str(revert)
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def reverted(what: str, exc: BaseException) -> DeployError:
    """A :class:`DeployError` for ``what`` that reverted with ``exc``, shown as ``Name(args)``."""
    revert = revert_in(exc)
    return DeployError(f"{what}: reverted: {describe(exc)}", revert=revert)


def replay_revert(provider: Any, receipt: Any) -> Revert | None:
    """The revert of a mined, failed transaction, found by replaying it as a call at its block
    (None when the node gives no revert data)."""
    txn = receipt.transaction
    call = {
        "from": receipt.sender,
        "to": getattr(txn, "receiver", None) or None,
        "data": "0x" + bytes(txn.data).hex(),
        "value": int(getattr(txn, "value", 0) or 0),
        "gas": int(getattr(txn, "gas_limit", 0) or 0) or None,
    }
    call = {k: v for k, v in call.items() if v is not None}
    try:
        provider.web3.eth.call(call, receipt.block_number)
    except Exception as err:  # noqa: BLE001 - the revert is what we want from it
        return revert_in(err)
    return None
