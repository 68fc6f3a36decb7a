"""The Modelmint protocol deployment plan, built from a network config.

Adding a contract is one ``Deploy`` entry in ``protocol_plan`` (plus, if it has admin
powers, one idempotent ``Call`` in the handover section). Steps run in list order; a
``Ref("name")`` argument is the address of the earlier step ``name``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from eth_utils import keccak

from modelmint.constants import ZERO_ADDRESS as ZERO
from modelmint.deploy.config import NetworkConfig
from modelmint.deploy.governance import GovernanceParams
from modelmint.deploy.steps import DEPLOYER, Call, Deploy, PlanContext, Ref, Step

DEFAULT_ADMIN_ROLE = b"\x00" * 32


def role(name: str) -> bytes:
    """An OpenZeppelin AccessControl role id: keccak256 of its name."""
    return keccak(text=name)


@dataclass(frozen=True)
class PlanInputs:
    """Everything a plan needs, resolved: no names, no 'deployer' placeholders (the
    governance ``holder`` is an address)."""

    deployer: str
    treasury: str
    protocol_fee_bps: int
    tokens: tuple[str, ...]
    admin: str | Ref
    governance: GovernanceParams
    credits_uri: str = ""

    @classmethod
    def from_config(cls, cfg: NetworkConfig, deployer: str, tokens: Sequence[str]) -> PlanInputs:
        g = cfg.governance
        return cls(
            deployer=deployer,
            treasury=cfg.resolve_address(cfg.treasury, deployer),
            protocol_fee_bps=cfg.protocol_fee_bps,
            tokens=tuple(tokens),
            admin=Ref("timelock")
            if cfg.admin == "timelock"
            else cfg.resolve_address(cfg.admin, deployer),
            governance=replace(g, holder=cfg.resolve_address(g.holder, deployer)),
        )


# ------------------------------------------------------------- reusable call steps


def set_if_different(
    name: str, target: str, method: str, getter: str, value, *, getter_args: tuple = ()
) -> Call:
    """``target.method(value)`` unless ``target.getter(*getter_args) == value`` already."""

    def done(ctx: PlanContext) -> bool:
        current = getattr(ctx.contract(target), getter)(*getter_args)
        return _same(current, ctx.resolve(value))

    return Call(name, target, method, (value,), done=done)


def grant_role(name: str, target: str, role_id: bytes, account) -> Call:
    """AccessControl ``grantRole`` unless ``hasRole`` is already true."""
    return Call(
        name,
        target,
        "grantRole",
        (role_id, account),
        done=lambda ctx: ctx.contract(target).hasRole(role_id, ctx.resolve(account)),
    )


def renounce_role(name: str, target: str, role_id: bytes) -> Call:
    """The deployer renounces ``role_id`` on ``target`` unless it no longer holds it."""
    return Call(
        name,
        target,
        "renounceRole",
        (role_id, DEPLOYER),
        done=lambda ctx: not ctx.contract(target).hasRole(role_id, ctx.deployer),
    )


def _same(a, b) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return a == b


# ----------------------------------------------------------------------- the plan


def protocol_plan(p: PlanInputs) -> list[Step]:
    """Every Modelmint contract, wired, with admin powers handed to ``p.admin``.

    Order: governance (token, timelock, governor), then the protocol modules, then the
    per-model governance implementations and the Fractionalizer. The deployer is the interim
    admin of the registry and the timelock so that wiring can be done in the same run; the
    handover section moves each admin power to governance and is last, so a resumed run
    always finishes with the deployer holding nothing.
    """
    timelock_roles = {name: role(name) for name in ("PROPOSER_ROLE", "CANCELLER_ROLE")}
    g = p.governance
    return [
        # ---- governance ------------------------------------------------------------
        Deploy(
            "gov_token",
            "GovernanceToken",
            (g.token_name, g.token_symbol, g.holder, g.initial_supply_wei),
        ),
        # Open execution (address(0) executor); the deployer is the bootstrap admin only.
        Deploy(
            "timelock", "ProtocolTimelock", (g.timelock_min_delay_seconds, [], [ZERO], DEPLOYER)
        ),
        Deploy(
            "governor",
            "ProtocolGovernor",
            (
                Ref("gov_token"),
                Ref("timelock"),
                g.voting_delay_seconds,
                g.voting_period_seconds,
                g.proposal_threshold_wei,
                g.quorum_percent,
            ),
        ),
        # ---- protocol modules ----------------------------------------------------------
        Deploy("registry", "ModelRegistry", (DEPLOYER, list(p.tokens))),
        Deploy("router", "RevenueRouter", (Ref("registry"), p.treasury, p.protocol_fee_bps)),
        Deploy("licenses", "LicenseManager", (Ref("registry"), Ref("router"))),
        Deploy("credits", "UsageCredits", (Ref("registry"), Ref("router"), p.credits_uri)),
        Deploy("shares_factory", "ModelSharesFactory", (Ref("router"),)),
        # Per-model pay-to addresses (x402 `exact` payments) forwarded into the router.
        Deploy("payees", "ModelPayees", (Ref("router"),)),
        Deploy("model_governor_impl", "ModelGovernor"),
        Deploy("model_timelock_impl", "ModelTimelock"),
        Deploy(
            "fractionalizer",
            "Fractionalizer",
            (Ref("shares_factory"), Ref("model_governor_impl"), Ref("model_timelock_impl")),
        ),
        # ---- wiring: the governor proposes and cancels through the timelock -------------
        grant_role(
            "timelock.grantProposer", "timelock", timelock_roles["PROPOSER_ROLE"], Ref("governor")
        ),
        grant_role(
            "timelock.grantCanceller", "timelock", timelock_roles["CANCELLER_ROLE"], Ref("governor")
        ),
        # ---- wiring: a model transfer sweeps the model's settled credit revenue first -----
        set_if_different(
            "registry.setUsageCredits",
            "registry",
            "setUsageCredits",
            "usageCredits",
            Ref("credits"),
        ),
        # ---- handover: every admin power to governance, deployer keeps none ------
        set_if_different(
            "registry.transferGovernance", "registry", "transferGovernance", "governance", p.admin
        ),
        renounce_role("timelock.renounceAdmin", "timelock", DEFAULT_ADMIN_ROLE),
    ]
