"""What a deployment run would do, without sending: one :class:`Action` per plan step
(``Deployment.preview``, ``ape run deploy --dry-run``) and the table :func:`format_actions`
prints, with gas estimates and their cost."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelmint.deploy import steps
from modelmint.deploy.errors import describe
from modelmint.deploy.states import ActionKind, EntryStatus, Verdict
from modelmint.deploy.steps import Call, Deploy, Step

if TYPE_CHECKING:
    from modelmint.deploy.engine import Deployment


@dataclass
class Action:
    """What a run would do for one step."""

    step: Step
    kind: ActionKind
    detail: str = ""
    gas: int | None = None
    address: str | None = None


def preview(d: Deployment, estimate_gas: bool = False) -> list[Action]:
    """What ``d.run()`` would do, without sending. Contracts still to deploy get their
    predicted CREATE addresses so later steps can be estimated against them."""
    actions: list[Action] = []
    addresses: dict[str, str] = {steps.DEPLOYER.name: d.deployer}
    nonce = d.provider.get_nonce(d.deployer)
    fresh: set[str] = set()
    for step in d.plan:
        if isinstance(step, Deploy):
            action = _preview_deploy(d, step, addresses, nonce, estimate_gas)
            if action.kind.sends:
                nonce += 1
                fresh.add(step.name)
            actions.append(action)
        else:
            action = _preview_call(d, step, addresses, fresh, estimate_gas)
            if action.kind.sends:
                nonce += 1
            actions.append(action)
    return actions


def _preview_deploy(
    d: Deployment, step: Deploy, addresses: dict[str, str], nonce: int, estimate_gas: bool
) -> Action:
    args = d.args(step, addresses)
    entry = d.record.contracts.get(step.name)
    verdict, reason = Verdict.NEW, ""
    if entry and entry.get("status") == EntryStatus.DEPLOYED:
        verdict, reason = d.verify(step, entry, steps.to_jsonable(args))
    elif entry and entry.get("status") == EntryStatus.PENDING:
        reason = "pending in the record; resolved when run"
    if entry and verdict is Verdict.OK:
        addresses[step.name] = entry["address"]
        return Action(step, ActionKind.SKIP, "unchanged", address=entry["address"])
    if entry and verdict is Verdict.MISMATCH and not d.redeploy:
        addresses[step.name] = entry["address"]
        return Action(step, ActionKind.MISMATCH, reason, address=entry["address"])
    address = steps.create_address(d.deployer, nonce)
    addresses[step.name] = address
    gas = None
    if estimate_gas:
        gas = _estimate(d, lambda: d.container(step.contract)(*args, sender=d.account))
    kind = ActionKind.REDEPLOY if verdict is Verdict.MISMATCH else ActionKind.DEPLOY
    return Action(step, kind, reason, gas=gas, address=address)


def _preview_call(
    d: Deployment, step: Call, addresses: dict[str, str], fresh: set[str], estimate_gas: bool
) -> Action:
    if step.target in fresh or any(r.name in fresh for r in steps.refs(step.args)):
        return Action(step, ActionKind.CALL, "unless already in effect once deployed")
    if step.done(steps.PlanContext(d.deployer, addresses.__getitem__, d.contract_at)):
        return Action(step, ActionKind.DONE, "already in effect on chain")
    gas = None
    if estimate_gas:
        args = d.args(step, addresses)
        contract = d.container(d.deploy_steps[step.target].contract).at(addresses[step.target])
        method = getattr(contract, step.method)
        gas = _estimate(d, lambda: method.as_transaction(*args, sender=d.account, value=step.value))
    return Action(step, ActionKind.CALL, "", gas=gas)


def _estimate(d: Deployment, make_txn: Callable[[], Any]) -> int | None:
    try:
        txn = make_txn()
        txn.gas_limit = None
        return d.provider.estimate_gas_cost(txn)
    except Exception as err:  # noqa: BLE001 - an estimate that cannot be made is reported
        d.log(f"   (gas estimate failed: {describe(err)[:120]})")
        return None


def format_actions(
    actions: Sequence[Action], *, estimated: bool = False, gas_price: int | None = None
) -> str:
    """A table of ``preview`` actions; with ``estimated``, gas per step and a total
    (and its cost at ``gas_price``)."""
    sends = [a for a in actions if a.kind.sends]
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
