"""modelmint.deploy.plan: the protocol plan built from a network config, run in-process."""

import ape
import yaml

from modelmint.deploy.config import CONFIG_DIR, NetworkConfig
from modelmint.deploy.engine import Deployment
from modelmint.deploy.plan import (
    DEFAULT_ADMIN_ROLE,
    PlanInputs,
    grant_role,
    protocol_plan,
    renounce_role,
    role,
)
from modelmint.deploy.steps import Deploy, validate_plan


def _deployment(plan, project, chain, deployer, tmp_path):
    """A quiet in-process deployment of `plan` recording to tmp_path/local.json."""
    return Deployment.local(
        plan,
        project=project,
        provider=chain.provider,
        account=deployer,
        record_path=tmp_path / "local.json",
    )


def _config(**overrides):
    data = yaml.safe_load((CONFIG_DIR / "local.yaml").read_text())
    data.update(overrides)
    return NetworkConfig.model_validate(data)


def test_protocol_plan__local_config__registry_allow_lists_tokens_and_admin_is_handed_over(
    project, chain, deployer, treasury, tmp_path
):
    usdc = project.MockERC20.deploy("USD Coin", "USDC", 6, sender=deployer)
    cfg = _config(admin=str(treasury.address))
    plan = protocol_plan(PlanInputs.from_config(cfg, str(deployer.address), [usdc.address]))
    d = _deployment(plan, project, chain, deployer, tmp_path)
    d.run()

    registry = project.ModelRegistry.at(d.record.address("registry"))
    assert registry.isPaymentTokenAllowed(usdc)
    assert registry.governance() == treasury.address
    with ape.reverts(registry.ModelRegistryNotGovernance, caller=deployer.address):
        registry.setPaymentTokenAllowed(usdc, False, sender=deployer)
    assert d.sent == len(plan)


def test_protocol_plan__admin_timelock__deployer_keeps_no_power_and_rerun_sends_nothing(
    project, chain, deployer, tmp_path
):
    cfg = _config(admin="timelock")
    plan = protocol_plan(PlanInputs.from_config(cfg, str(deployer.address), []))
    validate_plan(plan)

    def deployment():
        return _deployment(plan, project, chain, deployer, tmp_path)

    d = deployment()
    d.run()
    timelock = project.ProtocolTimelock.at(d.record.address("timelock"))
    governor = d.record.address("governor")
    registry = project.ModelRegistry.at(d.record.address("registry"))
    router = project.RevenueRouter.at(d.record.address("router"))

    assert registry.governance() == timelock.address
    # wired before the hand-over: a model transfer sweeps the model's settled credits first
    assert registry.usageCredits() == d.record.address("credits")
    assert timelock.hasRole(role("PROPOSER_ROLE"), governor)
    assert timelock.hasRole(role("CANCELLER_ROLE"), governor)
    for name in ("DEFAULT_ADMIN_ROLE", "PROPOSER_ROLE", "CANCELLER_ROLE"):
        role_id = DEFAULT_ADMIN_ROLE if name == "DEFAULT_ADMIN_ROLE" else role(name)
        assert not timelock.hasRole(role_id, deployer)
    with ape.reverts(registry.ModelRegistryNotGovernance):
        registry.setFlagged(1, True, sender=deployer)
    with ape.reverts():
        router.setFeeBps(1, sender=deployer)
    assert router.feeBps() == cfg.protocol_fee_bps

    again = deployment()
    again.run()
    assert again.sent == 0


def test_role_helpers__handover__admin_moves_to_governance_and_rerun_sends_nothing(
    project, chain, deployer, holder, treasury, tmp_path
):
    operator = role("OPERATOR_ROLE")
    plan = [
        Deploy("roles", "MockRoles"),
        grant_role("roles.grantOperator", "roles", operator, str(holder.address)),
        grant_role("roles.grantAdmin", "roles", DEFAULT_ADMIN_ROLE, str(treasury.address)),
        renounce_role("roles.renounceAdmin", "roles", DEFAULT_ADMIN_ROLE),
    ]

    def deployment():
        return _deployment(plan, project, chain, deployer, tmp_path)

    first = deployment()
    first.run()
    roles = project.MockRoles.at(first.record.address("roles"))
    assert roles.hasRole(operator, holder) and roles.hasRole(DEFAULT_ADMIN_ROLE, treasury)
    assert not roles.hasRole(DEFAULT_ADMIN_ROLE, deployer)
    assert first.sent == 4

    again = deployment()
    again.run()
    assert again.sent == 0
