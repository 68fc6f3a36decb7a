"""The deployed protocol as a typed handle, built from the deploy plan in-process.

Test fixtures, the gas bench, the fork seed and the demo deploy through :func:`deploy_protocol`:
the plan (``modelmint.deploy.plan.protocol_plan``) stays the only description of which
contract takes which constructor arguments and how they are wired; callers override parameters
(fee, treasury, tokens, governance numbers) and may deploy a part of it (``only``), reusing
contracts they already have (``deployed``)::

    p = deploy_protocol(project, deployer, treasury=treasury, protocol_fee_bps=500,
                        tokens=[usdc], only=("registry", "router"))
    p.router.pay(model_id, amount, value=amount, sender=payer)

    full = deploy_protocol(project, deployer, admin="timelock")   # everything, wired, handed over

No deployment record is written (that is ``ape run deploy``'s engine); transactions are sent
directly, so this is for the local chain and forks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelmint.deploy.config import load_config
from modelmint.deploy.plan import PlanInputs, protocol_plan
from modelmint.deploy.steps import DEPLOYER, Call, Deploy, PlanContext, Ref, Step, refs
from modelmint.records import Record


@dataclass(frozen=True)
class Protocol:
    """The protocol's contracts by plan step name (None: not deployed by this call)."""

    gov_token: Any = None
    timelock: Any = None
    governor: Any = None
    registry: Any = None
    router: Any = None
    licenses: Any = None
    credits: Any = None
    shares_factory: Any = None
    payees: Any = None
    model_governor_impl: Any = None
    model_timelock_impl: Any = None
    fractionalizer: Any = None

    def write_record(self, path: Path) -> Record:
        """Writes the deployment record off-chain readers take (the gateway, the client, the
        indexer): one deployed entry per contract, keyed by plan step, as the engine writes."""
        record = Record(path)
        for field in dataclasses.fields(self):
            contract = getattr(self, field.name)
            if contract is not None:
                record.contracts[field.name] = {
                    "address": str(contract.address),
                    "contract": contract.contract_type.name,
                    "status": "deployed",
                }
        record.save()
        return record

    @classmethod
    def from_contracts(cls, contracts: Mapping[str, Any]) -> Protocol:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in contracts.items() if k in names})


def plan_inputs(deployer: str, **overrides: Any) -> PlanInputs:
    """The local network's plan parameters (config/networks/local.yaml) for ``deployer``, with
    ``overrides`` (PlanInputs fields; account objects and contracts become addresses;
    ``admin="timelock"`` means the plan's timelock; ``governance`` is a GovernanceParams)."""
    tokens = [_address(t) for t in overrides.pop("tokens", ())]
    base = PlanInputs.from_config(load_config("local"), deployer, tokens)
    fields: dict[str, Any] = {}
    for key, value in overrides.items():
        if key == "admin" and value == "timelock":
            fields[key] = Ref("timelock")
        elif key in ("admin", "treasury"):
            fields[key] = _address(value)
        else:
            fields[key] = value
    if "admin" not in fields:
        fields["admin"] = deployer
    return dataclasses.replace(base, **fields)


def select(plan: list[Step], only: Iterable[str], have: Iterable[str] = ()) -> list[Step]:
    """The ``Deploy`` steps named in ``only`` and those they refer to (transitively), less those
    in ``have``, then every ``Call`` on one of those (arguments among those or ``have``): calls
    on contracts in ``have`` are the caller's business; in plan order."""
    have = set(have)
    deploys = {s.name: s for s in plan if isinstance(s, Deploy)}
    unknown = set(only) - set(deploys)
    if unknown:
        raise KeyError(f"no Deploy step named {sorted(unknown)}")
    needed: set[str] = set()
    todo = list(only)
    while todo:
        name = todo.pop()
        if name in needed or name in have:
            continue
        needed.add(name)
        todo += [r.name for r in refs(deploys[name].args) if r.name != DEPLOYER.name]
    available = needed | have | {DEPLOYER.name}

    def keep(step: Step) -> bool:
        if isinstance(step, Deploy):
            return step.name in needed
        return step.target in needed and all(r.name in available for r in refs(step.args))

    return [s for s in plan if keep(s)]


def run_steps(
    steps: Iterable[Step], project: Any, deployer: Any, deployed: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Runs plan ``steps`` as ``deployer`` (contracts in ``deployed`` are reused, not
    deployed); returns every contract by step name."""
    contracts = dict(deployed or {})
    ctx = PlanContext(
        str(deployer.address),
        lambda name: str(contracts[name].address),
        lambda name, _address: contracts[name],
    )
    for step in steps:
        if isinstance(step, Deploy):
            if step.name not in contracts:
                args = ctx.resolve(step.args)
                contracts[step.name] = getattr(project, step.contract).deploy(
                    *args, sender=deployer
                )
        elif isinstance(step, Call) and not step.done(ctx):
            target = contracts[step.target]
            target.invoke_transaction(
                step.method, *ctx.resolve(step.args), sender=deployer, value=step.value
            )
    return contracts


def deploy_protocol(
    project: Any,
    deployer: Any,
    *,
    only: Iterable[str] | None = None,
    deployed: Mapping[str, Any] | None = None,
    **params: Any,
) -> Protocol:
    """Deploys the protocol plan (all of it, wired and handed over to ``admin``; or the
    ``only`` steps, what they need and the wiring calls among them) with the local network's
    parameters overridden by ``params`` (see :func:`plan_inputs`; default admin: the
    deployer). Returns the typed handle (``deployed`` contracts included)."""
    have = dict(deployed or {})
    plan = protocol_plan(plan_inputs(str(deployer.address), **params))
    steps = plan if only is None else select(plan, only, have)
    return Protocol.from_contracts(run_steps(steps, project, deployer, have))


def _address(value: Any) -> str:
    return str(getattr(value, "address", value))
