import ape
from fixtures.revenue import FEE_BPS, ZERO


def test_setFeeBps__not_governance__reverts(router, attacker):
    with ape.reverts(router.RevenueRouterNotGovernance, caller=attacker):
        router.setFeeBps(0, sender=attacker)
    assert router.feeBps() == FEE_BPS


def test_setFeeBps__above_ceiling__reverts(router, deployer):
    with ape.reverts(router.RevenueRouterFeeTooHigh, feeBps=1_001, maxFeeBps=1_000):
        router.setFeeBps(1_001, sender=deployer)
    assert router.feeBps() == FEE_BPS


def test_setFeeBps__at_ceiling__applies_to_next_payments(
    router, deployer, register_model, licensee, model_owner
):
    model_id = register_model()
    tx = router.setFeeBps(1_000, sender=deployer)
    [log] = tx.decode_logs(router.FeeBpsSet)
    assert (log.previousFeeBps, log.newFeeBps) == (FEE_BPS, 1_000)
    router.pay(model_id, 1_000, value=1_000, sender=licensee)
    assert router.feesOwed(ZERO) == 100
    assert router.claimable(model_id, model_owner) == 900


def test_setTreasury__not_governance__reverts(router, attacker, treasury):
    with ape.reverts(router.RevenueRouterNotGovernance, caller=attacker):
        router.setTreasury(attacker, sender=attacker)
    assert router.treasury() == treasury


def test_setTreasury__zero__reverts(router, deployer, treasury):
    with ape.reverts(router.RevenueRouterZeroAddress):
        router.setTreasury(ZERO, sender=deployer)
    assert router.treasury() == treasury


def test_setTreasury__new_treasury__receives_accrued_fees(
    router, deployer, register_model, licensee, treasury, holder
):
    model_id = register_model()
    router.pay(model_id, 1_000, value=1_000, sender=licensee)
    tx = router.setTreasury(holder, sender=deployer)
    [log] = tx.decode_logs(router.TreasurySet)
    assert (log.previousTreasury, log.newTreasury) == (treasury, holder)
    before = holder.balance
    router.claimFees(ZERO, sender=licensee)
    assert holder.balance == before + 50


def test_setFeeBps__registry_governance_moved__router_follows(router, registry, deployer, holder):
    registry.transferGovernance(holder, sender=deployer)
    with ape.reverts(router.RevenueRouterNotGovernance, caller=deployer):
        router.setFeeBps(0, sender=deployer)
    router.setFeeBps(0, sender=holder)
    assert router.feeBps() == 0
