import ape
import pytest
from fixtures.revenue import FEE_BPS, ZERO

from modelmint.constants import BPS
from modelmint.dev.testing import assert_deploy_reverts


@pytest.fixture
def eth_model(register_model, router, model_owner, contributor):
    model_id = register_model()
    router.setRecipients(model_id, [model_owner, contributor], [3, 1], sender=model_owner)
    return model_id


@pytest.fixture
def token_model(register_model, router, model_owner, contributor, token):
    model_id = register_model(token)
    router.setRecipients(model_id, [model_owner, contributor], [3, 1], sender=model_owner)
    return model_id


def test_constructor__fee_above_ceiling__reverts(project, chain, deployer, registry, treasury):
    assert_deploy_reverts(
        chain,
        project.RevenueRouter,
        (registry, treasury, 1_001),
        "RevenueRouterFeeTooHigh",
        (1_001, 1_000),
        sender=deployer,
    )


def test_constructor__zero_treasury__reverts(project, chain, deployer, registry):
    assert_deploy_reverts(
        chain,
        project.RevenueRouter,
        (registry, ZERO, 0),
        "RevenueRouterZeroAddress",
        sender=deployer,
    )


def test_constructor__valid__sets_constants(router, registry, treasury):
    assert router.registry() == registry
    assert router.treasury() == treasury
    assert router.feeBps() == FEE_BPS
    assert router.BPS() == BPS
    assert router.MAX_FEE_BPS() == 1_000
    assert router.ACC_SCALE() == 10**18
    assert router.MAX_RECIPIENTS() == 1_000


def test_pay__eth__fee_to_treasury_rest_split_by_weight(
    router, eth_model, licensee, model_owner, contributor
):
    amount = 10**18
    tx = router.pay(eth_model, amount, value=amount, sender=licensee)
    fee = amount * FEE_BPS // BPS
    net = amount - fee
    [log] = tx.decode_logs(router.PaymentReceived)
    assert (log.modelId, log.payer, log.asset, log.amount, log.fee) == (
        eth_model,
        licensee,
        ZERO,
        amount,
        fee,
    )
    assert router.feesOwed(ZERO) == fee
    assert router.liabilities(ZERO) == amount
    assert router.balance == amount
    assert router.claimable(eth_model, model_owner) == net * 3 // 4
    assert router.claimable(eth_model, contributor) == net // 4


def test_pay__eth_value_differs__reverts_and_changes_nothing(router, eth_model, licensee):
    with ape.reverts(router.RevenueRouterWrongValue, expected=100, sent=99):
        router.pay(eth_model, 100, value=99, sender=licensee)
    assert router.liabilities(ZERO) == 0
    assert router.balance == 0


def test_pay__zero_amount__reverts(router, eth_model, licensee):
    with ape.reverts(router.RevenueRouterZeroAmount, modelId=eth_model):
        router.pay(eth_model, 0, sender=licensee)
    assert router.liabilities(ZERO) == 0


def test_pay__unknown_model__reverts(router, registry, licensee):
    with ape.reverts(registry.ModelRegistryUnknownModel, modelId=99):
        router.pay(99, 1, value=1, sender=licensee)
    assert router.balance == 0


def test_pay__erc20__pulls_exact_amount(router, token_model, token, fund, licensee, model_owner):
    fund(licensee, 1_000)
    tx = router.pay(token_model, 1_000, sender=licensee)
    assert tx.return_value == 1_000 or tx.return_value is None
    assert token.balanceOf(router) == 1_000
    assert token.balanceOf(licensee) == 0
    assert router.liabilities(token) == 1_000
    assert router.feesOwed(token) == 50
    assert router.claimable(token_model, model_owner) == 950 * 3 // 4


def test_pay__liabilities_would_exceed_128_bits__reverts_and_changes_nothing(
    router, register_model, token, fund, licensee
):
    # The asset book keeps liabilities (fees included) in 128 bits; the payment that would
    # carry them past it reverts with SafeCast's error and leaves the book as it was. (No
    # recipients: the owner accrues, so the accumulator's own bound is not what is hit.)
    token_model = register_model(token)
    fund(licensee, 2**128)
    router.pay(token_model, 2**128 - 1, sender=licensee)
    fees = router.feesOwed(token)
    with ape.reverts(router.SafeCastOverflowedUintDowncast, bits=128, value=2**128):
        router.pay(token_model, 1, sender=licensee)
    assert router.liabilities(token) == 2**128 - 1 == token.balanceOf(router)
    assert router.feesOwed(token) == fees
    assert token.balanceOf(licensee) == 1


def test_pay__erc20_with_eth_value__reverts(router, token_model, token, fund, licensee):
    fund(licensee, 1_000)
    with ape.reverts(router.RevenueRouterWrongValue, expected=0, sent=1):
        router.pay(token_model, 1_000, value=1, sender=licensee)
    assert token.balanceOf(licensee) == 1_000
    assert router.liabilities(token) == 0


def test_pay__fee_on_transfer_token__reverts_and_changes_nothing(
    router, register_model, fot_token, fund, licensee
):
    model_id = register_model(fot_token)
    fund(licensee, 10_000, erc20=fot_token)
    with ape.reverts(
        router.RevenueRouterTransferMismatch,
        asset=fot_token.address,
        expected=10_000,
        received=9_900,
    ):
        router.pay(model_id, 10_000, sender=licensee)
    assert fot_token.balanceOf(licensee) == 10_000
    assert fot_token.balanceOf(router) == 0
    assert router.liabilities(fot_token) == 0


def test_pay__erc20_without_allowance__reverts(router, token_model, token, licensee):
    token.mint(licensee, 1_000, sender=licensee)
    with ape.reverts(token.ERC20InsufficientAllowance):
        router.pay(token_model, 1_000, sender=licensee)
    assert router.liabilities(token) == 0


def test_pay__no_recipients__accrues_to_current_owner(
    router, register_model, registry, licensee, model_owner, holder
):
    model_id = register_model()
    router.pay(model_id, 1_000, value=1_000, sender=licensee)
    assert router.claimable(model_id, model_owner) == 950
    registry.transferFrom(model_owner, holder, model_id, sender=model_owner)
    router.pay(model_id, 2_000, value=2_000, sender=licensee)
    assert router.claimable(model_id, model_owner) == 950
    assert router.claimable(model_id, holder) == 1_900


def test_pay__zero_fee__everything_to_recipients(
    router, deployer, eth_model, licensee, model_owner
):
    router.setFeeBps(0, sender=deployer)
    tx = router.pay(eth_model, 400, value=400, sender=licensee)
    assert tx.decode_logs(router.PaymentReceived)[0].fee == 0
    assert router.feesOwed(ZERO) == 0
    assert router.claimable(eth_model, model_owner) == 300


def test_pay__direct_eth_transfer__reverts(router, licensee):
    with ape.reverts():
        licensee.transfer(router, 1)
    assert router.balance == 0
