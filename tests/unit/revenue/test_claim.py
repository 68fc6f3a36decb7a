import ape
import pytest
from fixtures.asserts import one_log
from fixtures.revenue import ZERO


@pytest.fixture
def eth_model(register_model, router, model_owner, contributor):
    model_id = register_model()
    router.setRecipients(model_id, [model_owner, contributor], [1, 1], sender=model_owner)
    return model_id


def test_claim__accrued__pays_eth_and_emits(router, eth_model, licensee, contributor):
    router.pay(eth_model, 2_000, value=2_000, sender=licensee)
    before = contributor.balance
    tx = router.claim([eth_model], sender=contributor)
    assert contributor.balance == before + 950 - tx.total_fees_paid
    one_log(
        tx,
        router.RevenueClaimed,
        modelId=eth_model,
        account=contributor,
        to=contributor,
        amount=950,
    )
    assert router.claimable(eth_model, contributor) == 0
    assert router.liabilities(ZERO) == 2_000 - 950
    assert router.balance == 2_000 - 950


def test_claim__twice__second_pays_nothing(router, eth_model, licensee, contributor):
    router.pay(eth_model, 2_000, value=2_000, sender=licensee)
    router.claim([eth_model], sender=contributor)
    before = contributor.balance
    tx = router.claim([eth_model], sender=contributor)
    assert contributor.balance == before - tx.total_fees_paid
    assert tx.decode_logs(router.RevenueClaimed) == []


def test_claim__stranger__gets_nothing(router, eth_model, licensee, attacker):
    router.pay(eth_model, 2_000, value=2_000, sender=licensee)
    before = attacker.balance
    tx = router.claim([eth_model, eth_model, 77], sender=attacker)
    assert attacker.balance == before - tx.total_fees_paid
    assert router.liabilities(ZERO) == 2_000


def test_claim__same_model_listed_twice__paid_once(router, eth_model, licensee, contributor):
    router.pay(eth_model, 2_000, value=2_000, sender=licensee)
    before = contributor.balance
    tx = router.claim([eth_model, eth_model], sender=contributor)
    assert contributor.balance == before + 950 - tx.total_fees_paid


def test_claim__many_models_mixed_assets__pays_each_asset(
    router, register_model, token, fund, model_owner, contributor, licensee
):
    eth_a = register_model()
    eth_b = register_model()
    tok = register_model(token)
    for model_id in (eth_a, eth_b, tok):
        router.setRecipients(model_id, [contributor], [1], sender=model_owner)
    fund(licensee, 10_000)
    router.pay(eth_a, 1_000, value=1_000, sender=licensee)
    router.pay(eth_b, 3_000, value=3_000, sender=licensee)
    router.pay(tok, 10_000, sender=licensee)
    before = contributor.balance
    tx = router.claim([eth_a, tok, eth_b], sender=contributor)
    assert contributor.balance == before + 950 + 2_850 - tx.total_fees_paid
    assert token.balanceOf(contributor) == 9_500
    assert len(tx.decode_logs(router.RevenueClaimed)) == 3
    assert router.liabilities(ZERO) == 200
    assert router.liabilities(token) == 500


def test_claimTo__other_address__sends_there(router, eth_model, licensee, contributor, holder):
    router.pay(eth_model, 2_000, value=2_000, sender=licensee)
    before_holder, before_contrib = holder.balance, contributor.balance
    tx = router.claimTo([eth_model], holder, sender=contributor)
    assert holder.balance == before_holder + 950
    assert contributor.balance == before_contrib - tx.total_fees_paid
    assert tx.decode_logs(router.RevenueClaimed)[0].to == holder


def test_claimTo__zero_address__reverts(router, eth_model, licensee, contributor):
    router.pay(eth_model, 2_000, value=2_000, sender=licensee)
    with ape.reverts(router.RevenueRouterZeroAddress):
        router.claimTo([eth_model], ZERO, sender=contributor)
    assert router.claimable(eth_model, contributor) == 950


def test_claim__reverting_recipient__blocks_only_itself(
    project, router, register_model, model_owner, contributor, licensee, deployer
):
    bad = project.RevertingRecipient.deploy(sender=deployer)
    model_id = register_model()
    router.setRecipients(model_id, [bad, contributor], [1, 1], sender=model_owner)
    router.pay(model_id, 2_000, value=2_000, sender=licensee)
    with ape.reverts(router.RevenueRouterEthTransferFailed, to=bad.address, amount=950):
        bad.claimFrom(router, [model_id], sender=deployer)
    assert router.claimable(model_id, bad) == 950
    # others are unaffected, and new payments still flow
    before = contributor.balance
    tx = router.claim([model_id], sender=contributor)
    assert contributor.balance == before + 950 - tx.total_fees_paid
    router.pay(model_id, 2_000, value=2_000, sender=licensee)
    # the reverting recipient can redirect its claim
    before = deployer.balance
    tx = bad.claimFromTo(router, [model_id], deployer, sender=deployer)
    assert deployer.balance == before + 1_900 - tx.total_fees_paid


def test_claim__reentrant_recipient__reverts_whole_claim(
    project, router, register_model, model_owner, licensee, deployer
):
    model_id = register_model()
    attacker = project.ReentrantClaimer.deploy(router, model_id, sender=deployer)
    router.setRecipients(model_id, [attacker], [1], sender=model_owner)
    router.pay(model_id, 2_000, value=2_000, sender=licensee)
    with ape.reverts():
        attacker.attack(sender=deployer)
    assert router.claimable(model_id, attacker) == 1_900
    assert router.balance == 2_000


def test_claimFees__accrued__pays_treasury_anyone_may_call(
    router, eth_model, token, register_model, fund, model_owner, licensee, treasury, attacker
):
    router.pay(eth_model, 2_000, value=2_000, sender=licensee)
    before = treasury.balance
    tx = router.claimFees(ZERO, sender=attacker)
    assert treasury.balance == before + 100
    [log] = tx.decode_logs(router.FeesClaimed)
    assert (log.asset, log.treasury, log.amount) == (ZERO, treasury, 100)
    assert router.feesOwed(ZERO) == 0
    assert router.liabilities(ZERO) == 1_900
    # erc20 fees
    tok = register_model(token)
    fund(licensee, 1_000)
    router.pay(tok, 1_000, sender=licensee)
    router.claimFees(token, sender=attacker)
    assert token.balanceOf(treasury) == 50


def test_claimFees__nothing_owed__pays_nothing(router, treasury, attacker):
    before = treasury.balance
    tx = router.claimFees(ZERO, sender=attacker)
    assert treasury.balance == before
    assert tx.decode_logs(router.FeesClaimed) == []


def test_claimFees__reverting_treasury__blocks_nobody(
    project, router, deployer, eth_model, licensee, contributor
):
    bad = project.RevertingRecipient.deploy(sender=deployer)
    router.setTreasury(bad, sender=deployer)
    router.pay(eth_model, 2_000, value=2_000, sender=licensee)
    with ape.reverts(router.RevenueRouterEthTransferFailed, to=bad.address, amount=100):
        router.claimFees(ZERO, sender=contributor)
    assert router.feesOwed(ZERO) == 100
    before = contributor.balance
    tx = router.claim([eth_model], sender=contributor)
    assert contributor.balance == before + 950 - tx.total_fees_paid
    bad.setAccept(True, sender=deployer)
    router.claimFees(ZERO, sender=contributor)
    assert bad.balance == 100


def test_claim__owner_with_unassigned_revenue_then_recipient__pays_both_once(
    router, register_model, model_owner, licensee
):
    model_id = register_model()
    router.pay(model_id, 1_000, value=1_000, sender=licensee)  # no recipients: owner earns 950
    router.setRecipients(model_id, [model_owner], [1], sender=model_owner)
    router.pay(model_id, 1_000, value=1_000, sender=licensee)
    assert router.claimable(model_id, model_owner) == 1_900
    tx = router.claim([model_id], sender=model_owner)
    assert tx.decode_logs(router.RevenueClaimed)[0].amount == 1_900
    assert router.claimable(model_id, model_owner) == 0
    router.pay(model_id, 1_000, value=1_000, sender=licensee)
    assert router.claimable(model_id, model_owner) == 950
    assert router.liabilities(ZERO) == 3_000 - 1_900


def test_claim__new_recipient_before_any_payment__pays_nothing_then_its_share(
    router, register_model, model_owner, contributor, licensee
):
    model_id = register_model()
    router.setRecipients(model_id, [contributor], [1], sender=model_owner)
    tx = router.claim([model_id], sender=contributor)  # nothing due yet
    assert tx.decode_logs(router.RevenueClaimed) == []
    router.pay(model_id, 1_000, value=1_000, sender=licensee)
    assert router.claimable(model_id, contributor) == 950
    tx = router.claim([model_id], sender=contributor)
    assert tx.decode_logs(router.RevenueClaimed)[0].amount == 950
    assert router.claimable(model_id, contributor) == 0


def test_claim__owner_accrual_while_dropped_then_readded__pays_everything_once(
    router, register_model, model_owner, contributor, licensee
):
    model_id = register_model()
    router.setRecipients(model_id, [model_owner], [1], sender=model_owner)
    router.pay(model_id, 1_000, value=1_000, sender=licensee)  # 950 as a recipient
    router.setRecipients(model_id, [], [], sender=model_owner)
    router.pay(model_id, 1_000, value=1_000, sender=licensee)  # 950 as the owner
    assert router.claimable(model_id, model_owner) == 1_900
    router.setRecipients(model_id, [model_owner, contributor], [1, 1], sender=model_owner)
    router.pay(model_id, 1_000, value=1_000, sender=licensee)  # 475 each
    assert router.claimable(model_id, model_owner) == 2_375
    tx = router.claim([model_id], sender=model_owner)
    assert tx.decode_logs(router.RevenueClaimed)[0].amount == 2_375
    assert router.claimable(model_id, model_owner) == 0
    tx = router.claim([model_id], sender=model_owner)
    assert tx.decode_logs(router.RevenueClaimed) == []
    assert router.liabilities(ZERO) == 3_000 - 2_375


def test_claimAmount__part__pays_it_and_keeps_the_rest(
    router, eth_model, licensee, contributor, holder
):
    router.pay(eth_model, 2_000, value=2_000, sender=licensee)
    before = holder.balance
    tx = router.claimAmount(eth_model, 300, holder, sender=contributor)
    assert holder.balance == before + 300
    [log] = tx.decode_logs(router.RevenueClaimed)
    assert (log.account, log.to, log.amount) == (contributor, holder, 300)
    assert router.claimable(eth_model, contributor) == 650
    router.pay(eth_model, 2_000, value=2_000, sender=licensee)
    assert router.claimable(eth_model, contributor) == 650 + 950
    router.claimAmount(eth_model, 1_600, holder, sender=contributor)
    assert router.claimable(eth_model, contributor) == 0
    assert router.liabilities(ZERO) == 4_000 - 1_900


def test_claimAmount__more_than_claimable__reverts(router, eth_model, licensee, contributor):
    router.pay(eth_model, 2_000, value=2_000, sender=licensee)
    with ape.reverts(
        router.RevenueRouterInsufficientClaimable,
        modelId=eth_model,
        account=contributor.address,
        requested=951,
        available=950,
    ):
        router.claimAmount(eth_model, 951, contributor, sender=contributor)
    assert router.claimable(eth_model, contributor) == 950


def test_claimAmount__zero__reverts(router, eth_model, licensee, contributor):
    router.pay(eth_model, 2_000, value=2_000, sender=licensee)
    with ape.reverts(router.RevenueRouterZeroAmount, modelId=eth_model):
        router.claimAmount(eth_model, 0, contributor, sender=contributor)
    assert router.claimable(eth_model, contributor) == 950


def test_claimAmount__to_zero_address__reverts(router, eth_model, licensee, contributor):
    router.pay(eth_model, 2_000, value=2_000, sender=licensee)
    with ape.reverts(router.RevenueRouterZeroAddress):
        router.claimAmount(eth_model, 1, ZERO, sender=contributor)
    assert router.claimable(eth_model, contributor) == 950


def test_claimAmount__dropped_recipient__rest_stays_claimable(
    router, eth_model, licensee, model_owner, contributor
):
    router.pay(eth_model, 2_000, value=2_000, sender=licensee)
    router.setRecipients(eth_model, [model_owner], [1], sender=model_owner)
    router.claimAmount(eth_model, 100, contributor, sender=contributor)
    assert router.claimable(eth_model, contributor) == 850
    router.pay(eth_model, 2_000, value=2_000, sender=licensee)
    assert router.claimable(eth_model, contributor) == 850
