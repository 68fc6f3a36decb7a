"""Resumable, idempotent deployments driven by a plan and a JSON record.

A *plan* is an ordered list of steps:

- :class:`Deploy` creates a contract. Its constructor arguments may contain :class:`Ref`
  markers, replaced by the address of an earlier ``Deploy`` step.
- :class:`Call` sends one transaction to an earlier contract (wiring, role grants,
  renouncing). Its ``done`` callable reads chain state and returns True when the effect is
  already there, so a call is never sent twice.

The *record* ``deployments/<network>.json`` holds, per contract, its address, transaction
hash, block, constructor arguments, the keccak of the code at the address and of the
compiled creation code; per call, its transaction hash. It is rewritten atomically (temp
file + rename) before every transaction is broadcast ("pending", with the deployer's
nonce, the signed transaction's hash and, for a creation, the address it will have) and
after every receipt. A run killed at any instant therefore resumes without duplicates:
a pending entry is resolved by its transaction hash, else by the deployer's nonce and the
code at the predicted CREATE address.

On a re-run a recorded contract is skipped when code is still at its address with the
recorded hash, the compiled creation code is unchanged and the constructor arguments are
the same. Anything else is a *mismatch*: reported, and redeployed only when asked
(``redeploy=True``). A contract whose block is no longer on the chain (a restarted local
node or a fresh fork) is *stale* and simply deployed again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import rlp
from eth_utils import keccak, to_bytes, to_checksum_address, to_hex
from web3.exceptions import TransactionNotFound

from modelmint.records import Record

STOP_AFTER_ENV = "MODELMINT_DEPLOY_STOP_AFTER"


class DeployError(RuntimeError):
    """A deployment cannot proceed; the message says which step and why."""


class MismatchError(DeployError):
    """Recorded contracts differ from the plan and ``redeploy`` was not requested."""


# ---------------------------------------------------------------------------- plan


class PlanContext(Protocol):
    """What a ``Call.done`` sees: the deployer's address, deployed contracts by step name, and
    ``resolve`` (Ref markers to addresses). :class:`Context` is the engine's;
    ``modelmint.deploy.protocol`` has an in-process one."""

    @property
    def deployer(self) -> str: ...

    def contract(self, name: str) -> Any: ...

    def resolve(self, value: Any) -> Any: ...


@dataclass(frozen=True)
class Ref:
    """The address of the earlier ``Deploy`` step called ``name``."""

    name: str


@dataclass(frozen=True)
class Deploy:
    """Deploy contract type ``contract`` as step ``name`` with constructor ``args``."""

    name: str
    contract: str
    args: tuple = ()


@dataclass(frozen=True)
class Call:
    """Call ``method(*args)`` on the contract of step ``target`` unless ``done(ctx)``."""

    name: str
    target: str
    method: str
    args: tuple = ()
    done: Callable[[PlanContext], bool] = field(default=lambda ctx: False, compare=False)
    value: int = 0


Step = Deploy | Call

#: The deploying account's address, usable wherever a Ref is.
DEPLOYER = Ref("@deployer")


def validate_plan(plan: Sequence[Step]) -> None:
    """Unique names; every Ref / Call target names an earlier Deploy step."""
    deployed: set[str] = {DEPLOYER.name}
    names: set[str] = set()
    for step in plan:
        if step.name in names:
            raise DeployError(f"plan has two steps named {step.name!r}")
        names.add(step.name)
        for ref in _refs(step.args):
            if ref.name not in deployed:
                raise DeployError(
                    f"step {step.name!r} refers to {ref.name!r} before it is deployed"
                )
        if isinstance(step, Call) and step.target not in deployed:
            raise DeployError(f"call {step.name!r} targets {step.target!r} before it is deployed")
        if isinstance(step, Deploy):
            deployed.add(step.name)


def _refs(value: Any) -> Iterable[Ref]:
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _refs(v)


def _substitute(value: Any, addresses: dict[str, str]) -> Any:
    if isinstance(value, Ref):
        return addresses[value.name]
    if isinstance(value, list | tuple):
        return type(value)(_substitute(v, addresses) for v in value)
    return value


def to_jsonable(value: Any) -> Any:
    """Constructor / call arguments as JSON (bytes as 0x-hex, tuples as lists)."""
    if isinstance(value, bytes):
        return to_hex(value)
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    if hasattr(value, "address"):
        return str(value.address)
    return str(value)


def _hex(value: Any) -> str:
    return value if isinstance(value, str) else to_hex(value)


def create_address(sender: str, nonce: int) -> str:
    """The address a CREATE from ``sender`` at ``nonce`` gets."""
    return to_checksum_address(keccak(rlp.encode([to_bytes(hexstr=sender), nonce]))[12:])


# ------------------------------------------------------------------------- context


class Context:
    """What ``Call.done`` callables see: contracts by step name, the deployer, Ref lookup."""

    def __init__(self, deployment: Deployment):
        self._d = deployment

    @property
    def deployer(self) -> str:
        return self._d.deployer

    def address(self, name: str) -> str:
        if name == DEPLOYER.name:
            return self._d.deployer
        addr = self._d.record.address(name)
        if addr is None:
            raise DeployError(f"{name!r} is not deployed yet")
        return addr

    def contract(self, name: str):
        step = self._d.deploy_steps[name]
        return self._d.container(step.contract).at(self.address(name))

    def resolve(self, value: Any) -> Any:
        """Replace Ref markers in ``value`` by recorded addresses."""
        return _substitute(value, {n: self.address(n) for n in {r.name for r in _refs(value)}})


# ---------------------------------------------------------------------- deployment


@dataclass
class Action:
    """What a run would do for one step (``dry_run`` / ``preview``)."""

    step: Step
    kind: str  # skip | deploy | redeploy | call | done | mismatch
    detail: str = ""
    gas: int | None = None
    address: str | None = None


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
        self.ctx = Context(self)
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

    def container(self, contract: str):
        if contract not in self._containers:
            container = self.project.get_contract(contract)
            if container is None:
                # ape 0.8.51 outside `ape test` can miss a compiled type whose source it does not
                # list (seen for contracts/test/ in a fresh clone under /tmp); the manifest has it.
                from ape.contracts import ContractContainer

                contract_type = (self.project.manifest.contract_types or {}).get(contract)
                if contract_type is None:
                    raise DeployError(f"contract type {contract!r} is not compiled in this project")
                container = ContractContainer(contract_type)
            self._containers[contract] = container
        return self._containers[contract]

    def _init_code_hash(self, contract: str) -> str:
        code = self.container(contract).contract_type.deployment_bytecode.bytecode
        return to_hex(keccak(hexstr=code))

    def _code(self, address: str) -> bytes:
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
                f"connected to {chain_id}: wrong network or record file"
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

    def _args(self, step: Step, addresses: dict[str, str]) -> tuple:
        return _substitute(step.args, addresses)

    def _verify(self, step: Deploy, entry: dict, args_json: list) -> tuple[str, str]:
        """('ok'|'stale'|'mismatch', reason) for a recorded contract."""
        code = self._code(entry["address"])
        if not code:
            if self._is_stale(entry):
                return "stale", "its block is not on this chain (node restarted or new fork)"
            return "mismatch", f"no code at {entry['address']}"
        if to_hex(keccak(code)) != entry.get("code_hash"):
            return "mismatch", f"code at {entry['address']} differs from the recorded code hash"
        if entry.get("contract") != step.contract:
            return "mismatch", f"recorded as {entry.get('contract')}, plan says {step.contract}"
        if entry.get("init_code_hash") != self._init_code_hash(step.contract):
            return "mismatch", f"compiled {step.contract} differs from the deployed one"
        if entry.get("constructor_args") != args_json:
            return (
                "mismatch",
                f"constructor args differ: recorded {entry.get('constructor_args')}, "
                f"plan {args_json}",
            )
        return "ok", ""

    # ----------------------------------------------------------------- sending

    def _send(self, kind: str, name: str, txn, pending: dict):
        """Prepare, sign, record as pending, broadcast, wait, return the receipt."""
        txn = self.account.prepare_transaction(txn)
        nonce = txn.nonce
        signed = self.account.sign_transaction(txn)
        if signed is None or signed.signature is None:
            raise DeployError(f"{name}: the transaction was not signed")
        tx_hash = to_hex(signed.txn_hash)
        pending = {
            **pending,
            "status": "pending",
            "nonce": nonce,
            "tx_hash": tx_hash,
            "sender": self.deployer,
        }
        if kind == "deploy":
            pending["address"] = create_address(self.deployer, nonce)
        book = self.record.contracts if kind == "deploy" else self.record.calls
        book[name] = pending
        self.record.save()

        self.provider.web3.eth.send_raw_transaction(signed.serialize_transaction())
        self.sent += 1
        if self.on_broadcast is not None:
            self.on_broadcast(self.sent, tx_hash)
        if self.stop_after is not None and self.sent >= self.stop_after:
            self.log(f"!! {STOP_AFTER_ENV}={self.stop_after}: exiting after broadcast of {tx_hash}")
            os._exit(75)
        return self._await(name, tx_hash)

    def _await(self, name: str, tx_hash: str):
        receipt = self.provider.get_receipt(tx_hash, required_confirmations=self.confirmations)
        if receipt.failed:
            raise DeployError(f"{name}: transaction {tx_hash} reverted")
        return receipt

    def _finish_deploy(self, name: str, step: Deploy, args_json: list, receipt) -> str:
        address = to_checksum_address(receipt.contract_address)
        code = self._code(address)
        self.record.contracts[name] = {
            "status": "deployed",
            "contract": step.contract,
            "address": address,
            "tx_hash": _hex(receipt.txn_hash),
            "block_number": receipt.block_number,
            "block_hash": self._block_hash(receipt.block_number),
            "constructor_args": args_json,
            "code_hash": to_hex(keccak(code)),
            "init_code_hash": self._init_code_hash(step.contract),
            "gas_used": receipt.gas_used,
            "deployer": self.deployer,
        }
        self.record.save()
        return address

    def _finish_call(self, name: str, step: Call, args_json: list, receipt) -> None:
        self.record.calls[name] = {
            "status": "done",
            "target": step.target,
            "method": step.method,
            "args": args_json,
            "tx_hash": _hex(receipt.txn_hash),
            "block_number": receipt.block_number,
            "gas_used": receipt.gas_used,
        }
        self.record.save()

    # ------------------------------------------------------------ pending entries

    def _resolve_pending(self) -> None:
        """Settle entries left 'pending' by an interrupted run, without sending."""
        for book_name in ("contracts", "calls"):
            book = self.record.data[book_name]
            for name, entry in list(book.items()):
                if entry.get("status") != "pending":
                    continue
                self._resolve_one(book_name, name, entry)

    def _resolve_one(self, book_name: str, name: str, entry: dict) -> None:
        book = self.record.data[book_name]
        tx_hash = entry.get("tx_hash")
        try:
            known = tx_hash is not None and self.provider.web3.eth.get_transaction(tx_hash)
        except TransactionNotFound:
            known = False
        if known:
            self.log(f".. {name}: resuming: waiting for earlier transaction {tx_hash}")
            try:
                receipt = self._await(name, str(tx_hash))
            except DeployError as err:
                self.log(f".. {name}: {err}; will send again")
                del book[name]
                self.record.save()
                return
            if book_name == "contracts":
                step = self.deploy_steps.get(name)
                if step is None:
                    raise DeployError(f"record has pending contract {name!r} the plan lacks")
                self._finish_deploy(name, step, entry.get("constructor_args", []), receipt)
                self.log(f".. {name}: recovered {receipt.contract_address} from the record")
            else:
                call = next(s for s in self.plan if s.name == name and isinstance(s, Call))
                self._finish_call(name, call, entry.get("args", []), receipt)
                self.log(f".. {name}: recovered call {tx_hash} from the record")
            return
        sender_nonce = self.provider.get_nonce(entry["sender"])
        if sender_nonce <= entry["nonce"]:
            self.log(f".. {name}: earlier transaction never reached the chain; will send again")
            del book[name]
        elif book_name == "contracts" and self._code(entry["address"]):
            self.log(f".. {name}: found code at predicted address {entry['address']}; adopting")
            code = self._code(entry["address"])
            step = self.deploy_steps[name]
            book[name] = {
                **entry,
                "status": "deployed",
                "contract": step.contract,
                "tx_hash": None,
                "block_number": None,
                "block_hash": None,
                "code_hash": to_hex(keccak(code)),
                "init_code_hash": self._init_code_hash(step.contract),
            }
        else:
            self.log(f".. {name}: nonce {entry['nonce']} was used by another transaction")
            del book[name]
        self.record.save()

    # ------------------------------------------------------------------ preview

    def preview(self, estimate_gas: bool = False) -> list[Action]:
        """What ``run`` would do, without sending. Contracts still to deploy get their
        predicted CREATE addresses so later steps can be estimated against them."""
        actions: list[Action] = []
        addresses: dict[str, str] = {DEPLOYER.name: self.deployer}
        nonce = self.provider.get_nonce(self.deployer)
        fresh: set[str] = set()
        for step in self.plan:
            if isinstance(step, Deploy):
                args = self._args(step, addresses)
                args_json = to_jsonable(args)
                entry = self.record.contracts.get(step.name)
                verdict, reason = ("new", "")
                if entry and entry.get("status") == "deployed":
                    verdict, reason = self._verify(step, entry, args_json)
                elif entry and entry.get("status") == "pending":
                    verdict, reason = ("new", "pending in the record; resolved when run")
                if verdict == "ok" and entry:
                    addresses[step.name] = entry["address"]
                    actions.append(Action(step, "skip", "unchanged", address=entry["address"]))
                    continue
                if verdict == "mismatch" and entry and not self.redeploy:
                    addresses[step.name] = entry["address"]
                    actions.append(Action(step, "mismatch", reason, address=entry["address"]))
                    continue
                address = create_address(self.deployer, nonce)
                nonce += 1
                addresses[step.name] = address
                fresh.add(step.name)
                gas = None
                if estimate_gas:
                    gas = self._estimate(
                        lambda s=step, a=args: self.container(s.contract)(*a, sender=self.account)
                    )
                kind = "redeploy" if verdict == "mismatch" else "deploy"
                actions.append(Action(step, kind, reason, gas=gas, address=address))
            else:
                args = self._args(step, addresses)
                if step.target in fresh or any(r.name in fresh for r in _refs(step.args)):
                    nonce += 1
                    actions.append(Action(step, "call", "unless already in effect once deployed"))
                    continue
                if step.done(_PreviewContext(self, addresses)):
                    actions.append(Action(step, "done", "already in effect on chain"))
                    continue
                nonce += 1
                gas = None
                if estimate_gas:
                    contract = self.container(self.deploy_steps[step.target].contract).at(
                        addresses[step.target]
                    )
                    method = getattr(contract, step.method)
                    gas = self._estimate(
                        lambda m=method, a=args, s=step: m.as_transaction(
                            *a, sender=self.account, value=s.value
                        )
                    )
                actions.append(Action(step, "call", "", gas=gas))
        return actions

    def _estimate(self, make_txn) -> int | None:
        try:
            txn = make_txn()
            txn.gas_limit = None
            return self.provider.estimate_gas_cost(txn)
        except Exception as err:  # noqa: BLE001 - an estimate that cannot be made is reported
            self.log(f"   (gas estimate failed: {str(err).splitlines()[0][:120]})")
            return None

    # --------------------------------------------------------------------- run

    def run(self) -> Record:
        """Bring the chain to the plan's state; returns the record (saved)."""
        self._resolve_pending()
        mismatches = [a for a in self.preview() if a.kind == "mismatch"]
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
        args = self._args(step, addresses)
        args_json = to_jsonable(args)
        entry = self.record.contracts.get(step.name)
        if entry and entry.get("status") == "deployed":
            verdict, reason = self._verify(step, entry, args_json)
            if verdict == "ok":
                self.log(f"=  {step.name}: {step.contract} at {entry['address']} (unchanged)")
                return entry["address"]
            if verdict == "mismatch" and not self.redeploy:
                raise MismatchError(f"{step.name}: {reason}")
            self.log(f"~  {step.name}: {reason}; deploying again")
        self.record.data["complete"] = False
        txn = self.container(step.contract)(*args, sender=self.account)
        receipt = self._send(
            "deploy",
            step.name,
            txn,
            {"contract": step.contract, "constructor_args": args_json},
        )
        address = self._finish_deploy(step.name, step, args_json, receipt)
        self.log(
            f"+  {step.name}: {step.contract} at {address} (tx {self.record.contracts[step.name]['tx_hash']}, gas {receipt.gas_used})"
        )
        return address

    def _run_call(self, step: Call, addresses: dict[str, str]) -> None:
        if step.done(self.ctx):
            if self.record.calls.get(step.name, {}).get("status") != "done":
                self.record.calls[step.name] = {
                    "status": "done",
                    "target": step.target,
                    "method": step.method,
                    "args": to_jsonable(self._args(step, addresses)),
                    "tx_hash": None,
                    "note": "already in effect on chain",
                }
                self.record.save()
            self.log(f"=  {step.name}: already done")
            return
        args = self._args(step, addresses)
        args_json = to_jsonable(args)
        self.record.data["complete"] = False
        contract = self.ctx.contract(step.target)
        txn = getattr(contract, step.method).as_transaction(
            *args, sender=self.account, value=step.value
        )
        receipt = self._send(
            "call",
            step.name,
            txn,
            {"target": step.target, "method": step.method, "args": args_json},
        )
        self._finish_call(step.name, step, args_json, receipt)
        if not step.done(self.ctx):
            raise DeployError(f"{step.name}: sent {receipt.txn_hash} but its check still fails")
        self.log(
            f"+  {step.name}: {step.target}.{step.method} (tx {self.record.calls[step.name]['tx_hash']}, gas {receipt.gas_used})"
        )


class _PreviewContext(Context):
    """A Context over addresses known during ``preview`` (recorded or mismatched)."""

    def __init__(self, deployment: Deployment, addresses: dict[str, str]):
        super().__init__(deployment)
        self._addresses = addresses

    def address(self, name: str) -> str:
        if name == DEPLOYER.name:
            return self._d.deployer
        return self._addresses[name]


def format_actions(
    actions: Sequence[Action], *, estimated: bool = False, gas_price: int | None = None
) -> str:
    """A table of ``preview`` actions; with ``estimated``, gas per step and a total
    (and its cost at ``gas_price``)."""
    sends = [a for a in actions if a.kind in ("deploy", "redeploy", "call")]
    width = max([len(a.step.name) for a in actions] + [4]) + 2
    lines = []
    for i, a in enumerate(actions, 1):
        step = a.step
        what = step.contract if isinstance(step, Deploy) else f"{step.target}.{step.method}"
        gas = ""
        if estimated and a in sends:
            gas = f"gas {a.gas:>10,}" if a.gas else "gas          ?"
        addr = f" at {a.address}" if a.address else ""
        detail = f" ({a.detail})" if a.detail else ""
        lines.append(f"{i:>3}. {a.kind:<9}{step.name:<{width}}{what:<30}{gas}{addr}{detail}")
    summary = f"     {len(sends)} transaction(s) to send"
    if estimated:
        total = sum(a.gas or 0 for a in sends)
        unknown = sum(1 for a in sends if not a.gas)
        summary += f"; estimated gas {total:,}"
        if unknown:
            summary += f" + {unknown} step(s) estimable only once the contracts above exist"
        if gas_price is not None:
            summary += f"; at {gas_price / 1e9:.3f} gwei: {total * gas_price / 1e18:.6f} ETH"
    lines.append(summary)
    return "\n".join(lines)
