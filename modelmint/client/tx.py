"""Sending one transaction the way every client command does: estimate first (a call that
would revert is refused before anything is signed, with the contract's custom error decoded
by :mod:`modelmint.reverts`), sign locally, send, then wait for the receipt and the asked
confirmations, reporting progress.

    >>> tx = send(w3, account, registry.functions.setGateway(1, gw, True), label="setGateway",
    ...           progress=lambda line: print(line, file=sys.stderr))
    >>> tx.tx_hash, tx.gas_used, tx.block, tx.logs
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError

from modelmint.client.errors import TransactionFailed
from modelmint.reverts import revert_of

Progress = Callable[[str], None]


@dataclass(frozen=True)
class TxResult:
    tx_hash: str
    gas_used: int
    logs: tuple[Any, ...]
    block: int = 0


def estimate(w3: Web3, account: LocalAccount, call: Any, *, label: str, value: int = 0) -> int:
    """The gas ``call`` (as :func:`send` takes it) needs from ``account``;
    :class:`TransactionFailed` with the decoded revert when it would revert."""
    params: dict[str, Any] = {"from": account.address, "value": value}
    try:
        if isinstance(call, dict):
            params.update(call)
            return int(w3.eth.estimate_gas(params))  # type: ignore[arg-type]
        return int(call.estimate_gas(params))
    except (ContractCustomError, ContractLogicError, Web3RPCError) as exc:
        revert = revert_of(exc)
        shown = revert if revert is not None else _message(exc)
        raise TransactionFailed(
            f"{label} would revert: {shown}; nothing sent", revert=revert
        ) from None


def send(
    w3: Web3,
    account: LocalAccount,
    call: Any,
    *,
    label: str,
    value: int = 0,
    progress: Progress | None = None,
    confirmations: int = 1,
    timeout: float = 120.0,
) -> TxResult:
    """Estimates, signs and sends ``call`` (a web3 contract function call, or a plain
    ``{"to": ..., "data": ...}`` transaction dict) from ``account``; returns once mined with
    ``confirmations`` blocks. :class:`TransactionFailed` (with the decoded revert) when the
    estimate or the transaction reverts."""
    params: dict[str, Any] = {"from": account.address, "value": value}
    if isinstance(call, dict):
        params.update(call)
    gas = estimate(w3, account, call, label=label, value=value)
    nonce = w3.eth.get_transaction_count(to_checksum_address(account.address), "pending")
    fields = {**params, "gas": gas + gas // 5, "nonce": nonce}
    if isinstance(call, dict):
        fields.setdefault("chainId", int(w3.eth.chain_id))
        fields.update(_fees(w3))
        tx = fields
    else:
        tx = call.build_transaction(fields)
    raw = account.sign_transaction(tx).raw_transaction
    tx_hash = w3.eth.send_raw_transaction(raw)
    shown_hash = "0x" + bytes(tx_hash).hex()
    if progress:
        progress(f"{label}: sent {shown_hash}, waiting for confirmation")
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout, poll_latency=0.05)
    if receipt["status"] != 1:
        raise TransactionFailed(f"{label} reverted in {shown_hash}", tx=shown_hash)
    block = int(receipt["blockNumber"])
    _await_confirmations(w3, block, confirmations, timeout, label, progress)
    if progress:
        progress(f"{label}: confirmed in block {block} (gas {int(receipt['gasUsed'])})")
    return TxResult(shown_hash, int(receipt["gasUsed"]), tuple(receipt["logs"]), block)


def _await_confirmations(
    w3: Web3, block: int, confirmations: int, timeout: float, label: str, progress: Progress | None
) -> None:
    deadline = time.monotonic() + timeout
    seen = int(w3.eth.block_number) - block + 1
    while seen < confirmations:
        if time.monotonic() > deadline:
            raise TransactionFailed(
                f"{label}: {seen} of {confirmations} confirmations after {timeout:.0f} s"
            )
        if progress:
            progress(f"{label}: {seen}/{confirmations} confirmations")
        time.sleep(1.0)
        seen = int(w3.eth.block_number) - block + 1


def _fees(w3: Web3) -> dict[str, int]:
    base = int(w3.eth.get_block("latest").get("baseFeePerGas") or 0)
    if not base:
        return {"gasPrice": int(w3.eth.gas_price)}
    tip = int(w3.eth.max_priority_fee)
    return {"maxFeePerGas": 2 * base + tip, "maxPriorityFeePerGas": tip}


def _message(exc: BaseException) -> str:
    text = str(exc.args[0]) if exc.args else str(exc)
    return text.splitlines()[0][:200] if text else type(exc).__name__
