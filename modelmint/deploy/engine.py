"""Resumable, idempotent deployments driven by a plan and a JSON record.

The plan is a list of steps (:mod:`modelmint.deploy.steps`). The *record*
``deployments/<network>.json`` holds, per contract, its address, transaction hash, block,
constructor arguments, the keccak of the code at the address and of the compiled creation
code; per call, its transaction hash. It is rewritten atomically (temp file + rename) before
every transaction is broadcast ("pending", with the deployer's nonce, the signed
transaction's hash and, for a creation, the address it will have) and after every receipt.
A run killed at any instant therefore resumes without duplicates
(:mod:`modelmint.deploy.resume`).

On a re-run a recorded contract is skipped when code is still at its address with the
recorded hash, the compiled creation code is unchanged and the constructor arguments are
the same. Anything else is a *mismatch*: reported, and redeployed only when asked
(``redeploy=True``). A contract whose block is no longer on the chain (a restarted local
node or a fresh fork) is *stale* and simply deployed again. ``preview`` says what a run
would do without sending (:mod:`modelmint.deploy.preview`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from eth_utils import keccak, to_checksum_address, to_hex

from modelmint.deploy import preview as _preview
from modelmint.deploy import resume as _resume
from modelmint.deploy.errors import (
    DeployError,
    DeployErrorCode,
    MismatchError,
    replay_revert,
    revert_in,
    reverted,
)
from modelmint.deploy.states import ActionKind, EntryStatus, Verdict
from modelmint.deploy.steps import (
    DEPLOYER,
    Call,
    Deploy,
    PlanContext,
    Step,
    create_address,
    substitute,
    to_jsonable,
    validate_plan,
)
from modelmint.records import Record

STOP_AFTER_ENV = "MODELMINT_DEPLOY_STOP_AFTER"


def _hex(value: Any) -> str:
    return value if isinstance(value, str) else to_hex(value)


class Deployment:
    """Runs ``plan`` with ``account`` on the connected ``provider``, keeping ``record_path``.

    ``log`` receives one human-readable line per event. ``redeploy`` replaces mismatched
    contracts instead of stopping. ``stop_after`` (default from MODELMINT_DEPLOY_STOP_AFTER)
    hard-exits the process right after that many transactions were broadcast and before
    their receipts are recorded: the worst moment for a crash, used by the resume tests.
    ``on_broadcast(count, tx_hash)`` is called at that same moment (tests raise from it).
    ``confirmations`` overrides the network's required confirmations (default).
    """

    def __init__(
        self,
        plan: Sequence[Step],
        *,
        project,
        provider,
        account,
        record_path: Path,
        network: str,
        redeploy: bool = False,
        log: Callable[[str], None] | None = None,
        stop_after: int | None = None,
        on_broadcast: Callable[[int, str], None] | None = None,
        confirmations: int | None = None,
    ):
        validate_plan(plan)
        self.plan = list(plan)
        self.deploy_steps = {s.name: s for s in plan if isinstance(s, Deploy)}
        self.project = project
        self.provider = provider
        self.account = account
        self.deployer = str(account.address)
        self.network = network
        self.redeploy = redeploy
        self.log = log or (lambda msg: print(msg, flush=True))
        env_stop = os.environ.get(STOP_AFTER_ENV)
        self.stop_after = (
            stop_after if stop_after is not None else (int(env_stop) if env_stop else None)
        )
        self.on_broadcast = on_broadcast
        self.confirmations = (
            confirmations if confirmations is not None else provider.network.required_confirmations
        )
        self.sent = 0
        self.record = Record.load(record_path)
        self.ctx = PlanContext(self.deployer, self.recorded_address, self.contract_at)
        self._containers: dict[str, Any] = {}
        self._check_record_chain()

    @classmethod
    def local(
        cls, plan: Sequence[Step], *, project, provider, account, record_path: Path, **options
    ):
        """A deployment on the local network (ape's test chain, in process), quiet unless a
        ``log`` is given in ``options`` (the other keywords of the constructor)."""
        options.setdefault("log", lambda msg: None)
        return cls(
            plan,
            project=project,
            provider=provider,
            account=account,
            record_path=record_path,
            network="local",
            **options,
        )

    # ------------------------------------------------------------------ helpers

    def recorded_address(self, name: str) -> str:
        """The recorded address of step ``name``; a DeployError when it is not deployed."""
        addr = self.record.address(name)
        if addr is None:
            raise DeployError(f"{name!r} is not deployed yet", DeployErrorCode.NOT_DEPLOYED)
        return addr

    def contract_at(self, name: str, address: str) -> Any:
        """Step ``name``'s contract type at ``address``."""
        return self.container(self.deploy_steps[name].contract).at(address)

    def container(self, contract: str):
        if contract not in self._containers:
            container = self.project.get_contract(contract)
            if container is None:
                # ape 0.8.51 outside `ape test` can miss a compiled type whose source it does not
                # list (seen for contracts/test/ in a fresh clone under /tmp); the manifest has it.
                from ape.contracts import ContractContainer

                contract_type = (self.project.manifest.contract_types or {}).get(contract)
                if contract_type is None:
                    raise DeployError(
                        f"contract type {contract!r} is not compiled in this project",
                        DeployErrorCode.NOT_COMPILED,
                    )
                container = ContractContainer(contract_type)
            self._containers[contract] = container
        return self._containers[contract]

    def init_code_hash(self, contract: str) -> str:
        code = self.container(contract).contract_type.deployment_bytecode.bytecode
        return to_hex(keccak(hexstr=code))

    def code(self, address: str) -> bytes:
        return bytes(self.provider.get_code(address))

    def _block_hash(self, number: int) -> str | None:
        try:
            return to_hex(self.provider.get_block(number).hash)
        except Exception:  # noqa: BLE001 - an absent block is the answer we look for
            return None

    def _check_record_chain(self) -> None:
        chain_id = self.provider.chain_id
        data = self.record.data
        if data.get("chain_id") not in (None, chain_id):
            raise DeployError(
                f"{self.record.path} belongs to chain id {data['chain_id']}, "
                f"connected to {chain_id}: wrong network or record file",
                DeployErrorCode.WRONG_CHAIN,
            )
        data["chain_id"] = chain_id
        data["network"] = self.network
        data.setdefault("deployer", self.deployer)

    def _is_stale(self, entry: dict) -> bool:
        """The entry's block is not on this chain any more (restarted node, new fork)."""
        number, recorded = entry.get("block_number"), entry.get("block_hash")
        if number is None or recorded is None:
            return False
        return self._block_hash(number) != recorded

    def args(self, step: Step, addresses: dict[str, str]) -> tuple:
        return substitute(step.args, addresses)

    def verify(self, step: Deploy, entry: dict, args_json: list) -> tuple[Verdict, str]:
        """The verdict on a recorded contract, and the reason."""
        code = self.code(entry["address"])
        if not code:
            if self._is_stale(entry):
                return Verdict.STALE, "its block is not on this chain (node restarted or new fork)"
            return Verdict.MISMATCH, f"no code at {entry['address']}"
        if to_hex(keccak(code)) != entry.get("code_hash"):
            return (
                Verdict.MISMATCH,
                f"code at {entry['address']} differs from the recorded code hash",
            )
        if entry.get("contract") != step.contract:
            return (
                Verdict.MISMATCH,
                f"recorded as {entry.get('contract')}, plan says {step.contract}",
            )
        if entry.get("init_code_hash") != self.init_code_hash(step.contract):
            return Verdict.MISMATCH, f"compiled {step.contract} differs from the deployed one"
        if entry.get("constructor_args") != args_json:
            return (
                Verdict.MISMATCH,
                f"constructor args differ: recorded {entry.get('constructor_args')}, "
                f"plan {args_json}",
            )
        return Verdict.OK, ""

    # ----------------------------------------------------------------- sending

    def _send(self, name: str, txn, pending: dict, *, creates: bool):
        """Prepare, sign, record as pending, broadcast, wait, return the receipt. ``creates``:
        a contract creation (recorded under ``contracts`` with its predicted address)."""
        txn = self._unless_reverts(name, lambda: self.account.prepare_transaction(txn))
        nonce = txn.nonce
        signed = self.account.sign_transaction(txn)
        if signed is None or signed.signature is None:
            raise DeployError(f"{name}: the transaction was not signed", DeployErrorCode.NOT_SIGNED)
        tx_hash = to_hex(signed.txn_hash)
        pending = {
            **pending,
            "status": EntryStatus.PENDING,
            "nonce": nonce,
            "tx_hash": tx_hash,
            "sender": self.deployer,
        }
        if creates:
            pending["address"] = create_address(self.deployer, nonce)
        book = self.record.contracts if creates else self.record.calls
        book[name] = pending
        self.record.save()

        self.provider.web3.eth.send_raw_transaction(signed.serialize_transaction())
        self.sent += 1
        if self.on_broadcast is not None:
            self.on_broadcast(self.sent, tx_hash)
        if self.stop_after is not None and self.sent >= self.stop_after:
            self.log(f"!! {STOP_AFTER_ENV}={self.stop_after}: exiting after broadcast of {tx_hash}")
            os._exit(75)
        return self.await_receipt(name, tx_hash)

    def _unless_reverts(self, name: str, build: Callable[[], Any]) -> Any:
        """``build()`` (a transaction being made or estimated); a revert on the way raises a
        DeployError naming the contract error ``Name(args)``."""
        try:
            return build()
        except Exception as err:
            if revert_in(err) is None:
                raise
            raise reverted(name, err) from err

    def await_receipt(self, name: str, tx_hash: str):
        receipt = self.provider.get_receipt(tx_hash, required_confirmations=self.confirmations)
        if receipt.failed:
            revert = replay_revert(self.provider, receipt)
            why = f": {revert}" if revert is not None else ""
            raise DeployError(f"{name}: transaction {tx_hash} reverted{why}", revert=revert)
        return receipt

    def finish_deploy(self, name: str, step: Deploy, args_json: list, receipt) -> str:
        address = to_checksum_address(receipt.contract_address)
        code = self.code(address)
        self.record.contracts[name] = {
            "status": EntryStatus.DEPLOYED,
            "contract": step.contract,
            "address": address,
            "tx_hash": _hex(receipt.txn_hash),
            "block_number": receipt.block_number,
            "block_hash": self._block_hash(receipt.block_number),
            "constructor_args": args_json,
            "code_hash": to_hex(keccak(code)),
            "init_code_hash": self.init_code_hash(step.contract),
            "gas_used": receipt.gas_used,
            "deployer": self.deployer,
        }
        self.record.save()
        return address

    def finish_call(self, name: str, step: Call, args_json: list, receipt) -> None:
        self.record.calls[name] = {
            "status": EntryStatus.DONE,
            "target": step.target,
            "method": step.method,
            "args": args_json,
            "tx_hash": _hex(receipt.txn_hash),
            "block_number": receipt.block_number,
            "gas_used": receipt.gas_used,
        }
        self.record.save()

    # ------------------------------------------------------------------ preview

    def preview(self, estimate_gas: bool = False) -> list[_preview.Action]:
        """What ``run`` would do, without sending (see :mod:`modelmint.deploy.preview`)."""
        return _preview.preview(self, estimate_gas)

    # --------------------------------------------------------------------- run

    def run(self) -> Record:
        """Bring the chain to the plan's state; returns the record (saved)."""
        _resume.resolve_pending(self)
        mismatches = [a for a in self.preview() if a.kind is ActionKind.MISMATCH]
        if mismatches:
            lines = "\n".join(
                f"  {a.step.name} ({getattr(a.step, 'contract', '')}): {a.detail}"
                for a in mismatches
            )
            raise MismatchError(
                f"recorded contracts differ from the plan:\n{lines}\n"
                "Nothing was sent. Re-run with --redeploy to deploy them again."
            )
        self.record.save()
        addresses: dict[str, str] = {DEPLOYER.name: self.deployer}
        for step in self.plan:
            if isinstance(step, Deploy):
                addresses[step.name] = self._run_deploy(step, addresses)
            else:
                self._run_call(step, addresses)
        self.record.data["complete"] = True
        self.record.save()
        self.log(
            f"== deployment complete: {self.sent} transaction(s) sent; record {self.record.path}"
        )
        return self.record

    def _run_deploy(self, step: Deploy, addresses: dict[str, str]) -> str:
        args = self.args(step, addresses)
        args_json = to_jsonable(args)
        entry = self.record.contracts.get(step.name)
        if entry and entry.get("status") == EntryStatus.DEPLOYED:
            verdict, reason = self.verify(step, entry, args_json)
            if verdict is Verdict.OK:
                self.log(f"=  {step.name}: {step.contract} at {entry['address']} (unchanged)")
                return entry["address"]
            if verdict is Verdict.MISMATCH and not self.redeploy:
                raise MismatchError(f"{step.name}: {reason}")
            self.log(f"~  {step.name}: {reason}; deploying again")
        self.record.data["complete"] = False
        txn = self._unless_reverts(
            step.name, lambda: self.container(step.contract)(*args, sender=self.account)
        )
        receipt = self._send(
            step.name,
            txn,
            {"contract": step.contract, "constructor_args": args_json},
            creates=True,
        )
        address = self.finish_deploy(step.name, step, args_json, receipt)
        self.log(
            f"+  {step.name}: {step.contract} at {address} (tx {self.record.contracts[step.name]['tx_hash']}, gas {receipt.gas_used})"
        )
        return address

    def _run_call(self, step: Call, addresses: dict[str, str]) -> None:
        if step.done(self.ctx):
            if self.record.calls.get(step.name, {}).get("status") != EntryStatus.DONE:
                self.record.calls[step.name] = {
                    "status": EntryStatus.DONE,
                    "target": step.target,
                    "method": step.method,
                    "args": to_jsonable(self.args(step, addresses)),
                    "tx_hash": None,
                    "note": "already in effect on chain",
                }
                self.record.save()
            self.log(f"=  {step.name}: already done")
            return
        args = self.args(step, addresses)
        args_json = to_jsonable(args)
        self.record.data["complete"] = False
        contract = self.ctx.contract(step.target)
        method = getattr(contract, step.method)
        txn = self._unless_reverts(
            step.name,
            lambda: method.as_transaction(*args, sender=self.account, value=step.value),
        )
        receipt = self._send(
            step.name,
            txn,
            {"target": step.target, "method": step.method, "args": args_json},
            creates=False,
        )
        self.finish_call(step.name, step, args_json, receipt)
        if not step.done(self.ctx):
            raise DeployError(
                f"{step.name}: sent {receipt.txn_hash} but its check still fails",
                DeployErrorCode.CHECK_FAILED,
            )
        self.log(
            f"+  {step.name}: {step.target}.{step.method} (tx {self.record.calls[step.name]['tx_hash']}, gas {receipt.gas_used})"
        )
