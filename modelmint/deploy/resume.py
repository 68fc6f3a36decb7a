"""Resuming an interrupted deployment: record entries left ``pending`` by a run that died
between broadcast and receipt are settled without sending anything.

A pending entry holds the deployer's nonce, the signed transaction's hash and, for a
creation, the address it will have. It is resolved by its transaction hash (wait for the
receipt), else by the deployer's nonce (not used yet: send again) and the code at the
predicted CREATE address (there: adopt it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eth_utils import keccak, to_hex
from web3.exceptions import TransactionNotFound

from modelmint.deploy.errors import DeployError, DeployErrorCode
from modelmint.deploy.states import EntryStatus
from modelmint.deploy.steps import Call

if TYPE_CHECKING:
    from modelmint.deploy.engine import Deployment

BOOKS = ("contracts", "calls")


def resolve_pending(d: Deployment) -> None:
    """Settle every entry of ``d``'s record left pending by an interrupted run."""
    for book_name in BOOKS:
        book = d.record.data[book_name]
        for name, entry in list(book.items()):
            if entry.get("status") == EntryStatus.PENDING:
                _resolve_one(d, book_name, name, entry)


def _resolve_one(d: Deployment, book_name: str, name: str, entry: dict) -> None:
    book = d.record.data[book_name]
    tx_hash = entry.get("tx_hash")
    try:
        known = tx_hash is not None and d.provider.web3.eth.get_transaction(tx_hash)
    except TransactionNotFound:
        known = False
    if known:
        _recover(d, book_name, name, entry, str(tx_hash))
        return
    sender_nonce = d.provider.get_nonce(entry["sender"])
    if sender_nonce <= entry["nonce"]:
        d.log(f".. {name}: earlier transaction never reached the chain; will send again")
        del book[name]
    elif book_name == "contracts" and d.code(entry["address"]):
        d.log(f".. {name}: found code at predicted address {entry['address']}; adopting")
        step = d.deploy_steps[name]
        book[name] = {
            **entry,
            "status": EntryStatus.DEPLOYED,
            "contract": step.contract,
            "tx_hash": None,
            "block_number": None,
            "block_hash": None,
            "code_hash": to_hex(keccak(d.code(entry["address"]))),
            "init_code_hash": d.init_code_hash(step.contract),
        }
    else:
        d.log(f".. {name}: nonce {entry['nonce']} was used by another transaction")
        del book[name]
    d.record.save()


def _recover(d: Deployment, book_name: str, name: str, entry: dict, tx_hash: str) -> None:
    """The pending transaction reached the chain: wait for it and record its receipt."""
    d.log(f".. {name}: resuming: waiting for earlier transaction {tx_hash}")
    try:
        receipt = d.await_receipt(name, tx_hash)
    except DeployError as err:
        d.log(f".. {name}: {err.message}; will send again")
        del d.record.data[book_name][name]
        d.record.save()
        return
    if book_name == "contracts":
        step = d.deploy_steps.get(name)
        if step is None:
            raise DeployError(
                f"record has pending contract {name!r} the plan lacks",
                DeployErrorCode.NOT_DEPLOYED,
            )
        d.finish_deploy(name, step, entry.get("constructor_args", []), receipt)
        d.log(f".. {name}: recovered {receipt.contract_address} from the record")
    else:
        call = next(s for s in d.plan if s.name == name and isinstance(s, Call))
        d.finish_call(name, call, entry.get("args", []), receipt)
        d.log(f".. {name}: recovered call {tx_hash} from the record")
