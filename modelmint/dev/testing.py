"""Test helpers shared by the suites.

`isolated()` replaces ape's `chain.isolate()` inside tests: ape's version swallows every
exception raised in its block (ape 0.8.51 `ChainManager.isolate` has `except Exception: pass`),
so an assertion failing inside it would pass silently. This one restores the snapshot and
lets the exception propagate.

`wait_until()` is how a test waits for something another process or thread does (the node,
a gateway, the settler, the indexer): poll a condition until it holds, with a ceiling generous
enough for a busy machine that names what was awaited. Never sleep, then assert.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, TypeVar

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from modelmint.credits import ChannelTerms, first_free_salt

# EIP-2612 permit and ERC-5805 delegation structs, as (name, type) pairs.
PERMIT_FIELDS = [
    ("owner", "address"),
    ("spender", "address"),
    ("value", "uint256"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
]
DELEGATION_FIELDS = [("delegatee", "address"), ("nonce", "uint256"), ("expiry", "uint256")]
# ERC-3009's TransferWithAuthorization and ReceiveWithAuthorization (same fields).
AUTHORIZATION_FIELDS = [
    ("from", "address"),
    ("to", "address"),
    ("value", "uint256"),
    ("validAfter", "uint256"),
    ("validBefore", "uint256"),
    ("nonce", "bytes32"),
]

# The ceiling of a wait in a test: minutes, not seconds. A wait returns as soon as its
# condition holds, so the ceiling costs nothing on an idle machine and only bounds a hang.
WAIT_CEILING = 300.0

T = TypeVar("T")


def wait_until(
    condition: Callable[[], T],
    what: str,
    timeout: float = WAIT_CEILING,
    interval: float = 0.1,
) -> T:
    """Calls ``condition`` until it returns a truthy value and returns that value; raises
    ``TimeoutError`` naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}")
        time.sleep(interval)


@contextmanager
def isolated(chain) -> Iterator[None]:
    """Run the block against a chain snapshot, revert afterwards, re-raise any failure."""
    snapshot = chain.snapshot()
    pending = chain.pending_timestamp
    try:
        yield
    finally:
        chain.restore(snapshot)
        chain.pending_timestamp = pending


def deployment_revert_data(chain, container, *args, sender) -> str:
    """Revert data of deploying ``container(*args)``, via eth_call (no transaction).

    ape does not decode custom errors raised by a constructor (and sometimes fails while trying),
    so tests compare the raw selector instead."""
    txn = container.constructor.serialize_transaction(*args, sender=sender)
    try:
        chain.provider.web3.eth.call({"from": sender.address, "data": txn.data})
    except Exception as error:  # web3 raises ContractCustomError / ContractLogicError
        data = getattr(error, "data", None) or (error.args[-1] if error.args else "")
        return str(data)
    raise AssertionError("deployment did not revert")


def error_selector(signature: str) -> str:
    return "0x" + keccak(text=signature)[:4].hex()


def assert_deploy_reverts(chain, container, args, error: str, error_args=None, *, sender) -> None:
    """Deploying ``container(*args)`` reverts with the custom error ``error`` of its ABI (and,
    if given, exactly the arguments ``error_args``).

    Compares raw revert data (via eth_call): ape does not decode constructor reverts reliably.
    In a long session it may look up a contract type cached for the would-be address, left there
    by an earlier test whose deployment the snapshot reverted, and fail to decode with it."""
    from eth_abi import encode

    [abi] = [e for e in container.contract_type.errors if e.name == error]
    data = deployment_revert_data(chain, container, *args, sender=sender)
    expected = error_selector(abi.selector)
    if error_args is not None:
        expected += encode([i.canonical_type for i in abi.inputs], list(error_args)).hex()
        assert data == expected, (error, data)
    else:
        assert data.startswith(expected), (error, data)


def sign_typed(signer, domain: dict, primary_type: str, fields, message: dict):
    """EIP-712-signs ``message``, a ``primary_type`` struct with ``fields`` [(name, type)], in
    ``domain`` (name, version, chainId, verifyingContract) with a test account's key. Returns
    (v, r, s) as contracts take them (r and s as 32 bytes)."""
    typed = encode_typed_data(
        domain_data=domain,
        message_types={primary_type: [{"name": n, "type": t} for n, t in fields]},
        message_data=message,
    )
    sig = Account.sign_message(typed, signer.private_key)
    return sig.v, sig.r.to_bytes(32, "big"), sig.s.to_bytes(32, "big")


def send_plain(chain, sender, calls) -> list:
    """Sends each ``(contract method, args)`` of ``calls`` from ``sender`` as a plain JSON-RPC
    transaction (mined at once), checks that each succeeded and returns their web3 receipts.

    For test setup that repeats one call many times: ape's own bookkeeping around each
    transaction (gas estimate, code and nonce lookups, receipt objects) costs several times
    what the chain does."""
    w3 = chain.provider.web3
    hashes = [
        w3.eth.send_transaction(
            {
                "from": str(sender.address),
                "to": str(method.contract.address),
                "data": "0x" + bytes(method.encode_input(*args)).hex(),
            }
        )
        for method, args in calls
    ]
    receipts = [w3.eth.get_transaction_receipt(h) for h in hashes]
    failed = [i for i, receipt in enumerate(receipts) if receipt.status != 1]
    assert not failed, f"plain transactions {failed} of {len(receipts)} reverted"
    return receipts


def event_topic(event) -> bytes:
    """The first log topic of an ape contract event (``contract.EventName``)."""
    return keccak(text=event.abi.selector)


def free_terms(credits: Any, consumer: str, gateway: Any, model_id: int) -> ChannelTerms:
    """The terms of ``consumer``'s lowest salt to ``gateway`` (an address or an account) for
    ``model_id`` whose channel was never opened, read from ``credits`` (UsageCredits: an ape
    contract, or a web3 one through ``.functions``): what a client opens next."""

    def deposit_of(channel_id: int) -> int:
        if hasattr(credits, "functions"):
            return int(credits.functions.channel(channel_id).call()[0])
        return int(credits.channel(channel_id).deposit)

    start = ChannelTerms(consumer, getattr(gateway, "address", gateway), model_id, 0)
    return replace(start, salt=first_free_salt(start, deposit_of))
