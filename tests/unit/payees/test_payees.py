"""ModelPayees / ModelPayee: deterministic per-model pay-to addresses forwarded into the router."""

from contextlib import contextmanager

import ape
import pytest
from fixtures.revenue import FEE_BPS, ZERO

from modelmint.constants import BPS
from modelmint.dev.testing import assert_deploy_reverts
from modelmint.payees import payee_address

AMOUNT = 10**18


@pytest.fixture
def token_model(register_model, router, model_owner, contributor, token):
    model_id = register_model(token)
    router.setRecipients(model_id, [model_owner, contributor], [3, 1], sender=model_owner)
    return model_id


@pytest.fixture
def eth_model(register_model):
    return register_model()


def _split(amount):
    fee = amount * FEE_BPS // BPS
    return fee, amount - fee


@contextmanager
def unchanged(router, payees, model_id, *assets):
    """Asserts the block leaves the payee's balances, the router's books and the model's state
    as it found them."""

    def state():
        payee = payees.payeeOf(model_id)
        out = [router.modelState(model_id), ape.chain.provider.get_code(payee)]
        for a in assets:
            bal = ape.chain.provider.get_balance(payee) if a == ZERO else a.balanceOf(payee)
            out += [bal, router.liabilities(a), router.feesOwed(a)]
        return out

    before = state()
    yield
    assert state() == before


# ------------------------------------------------------------------ addresses


def test_payeeOf__before_deployment__matches_off_chain_address_and_has_no_code(
    payees, token_model, chain
):
    payee = payees.payeeOf(token_model)
    assert payee == payee_address(str(payees.address), token_model, payees.PAYEE_CODE_HASH())
    assert chain.provider.get_code(payee) == b""
    assert payees.payeeOf(token_model + 1) != payee


def test_constructor__zero_router__reverts(project, chain, deployer):
    assert_deploy_reverts(
        chain, project.ModelPayees, (ZERO,), "ModelPayeesZeroAddress", sender=deployer
    )


# ------------------------------------------------------------------ forward


def test_forward__token_transfers__deploys_payee_and_routes_everything_split(
    payees, router, token, token_model, consumer, attacker, model_owner, contributor
):
    payee = payees.payeeOf(token_model)
    token.mint(consumer, 3 * AMOUNT, sender=consumer)
    for _ in range(3):  # three `exact` payments, one forward
        token.transfer(payee, AMOUNT, sender=consumer)
    liabilities = router.liabilities(token)
    tx = payees.forward(token_model, token, sender=attacker)  # permissionless

    assert tx.decode_logs(payees.PayeeDeployed)[0].payee == payee
    forwarded = tx.decode_logs(payees.Forwarded)[0]
    assert (forwarded.modelId, forwarded.amount, forwarded.caller) == (
        token_model,
        3 * AMOUNT,
        attacker,
    )
    paid = tx.decode_logs(router.PaymentReceived)[0]
    fee, net = _split(3 * AMOUNT)
    assert (paid.payer, paid.amount, paid.fee) == (payee, 3 * AMOUNT, fee)
    assert token.balanceOf(payee) == 0
    assert router.liabilities(token) == liabilities + 3 * AMOUNT
    assert router.claimable(token_model, model_owner) == net * 3 // 4
    assert router.claimable(token_model, contributor) == net // 4


def test_forward__twice__second_routes_nothing(payees, router, token, token_model, consumer):
    payee = payees.payeeOf(token_model)
    token.mint(consumer, AMOUNT, sender=consumer)
    token.transfer(payee, AMOUNT, sender=consumer)
    payees.forward(token_model, token, sender=consumer)
    liabilities = router.liabilities(token)

    tx = payees.forward(token_model, token, sender=consumer)

    assert not tx.decode_logs(payees.Forwarded)
    assert not tx.decode_logs(payees.PayeeDeployed)
    assert router.liabilities(token) == liabilities


def test_forward__eth_sent_before_and_after_deployment__routes_all(
    payees, router, eth_model, consumer, model_owner, chain
):
    payee = payees.payeeOf(eth_model)
    consumer.transfer(payee, AMOUNT)  # before the payee exists
    payees.forward(eth_model, ZERO, sender=consumer)
    consumer.transfer(payee, 2 * AMOUNT)  # to the deployed payee
    owed = router.claimable(eth_model, model_owner)

    tx = payees.forward(eth_model, ZERO, sender=consumer)

    assert tx.decode_logs(payees.Forwarded)[0].amount == 2 * AMOUNT
    assert chain.provider.get_balance(payee) == 0
    assert router.claimable(eth_model, model_owner) == owed + _split(2 * AMOUNT)[1]


def test_forward__other_token__reverts_and_owner_recovers_it(
    payees, router, token, fot_token, token_model, consumer, model_owner, contributor
):
    payee = payees.payeeOf(token_model)
    fot_token.mint(consumer, AMOUNT, sender=consumer)
    fot_token.transfer(payee, AMOUNT, sender=consumer)
    held = fot_token.balanceOf(payee)

    with (
        unchanged(router, payees, token_model, token, fot_token),
        ape.reverts(
            payees.ModelPayeesNotPaymentAsset,
            modelId=token_model,
            asset=fot_token.address,
            paymentAsset=token.address,
        ),
    ):
        payees.forward(token_model, fot_token, sender=consumer)

    with ape.reverts(
        payees.ModelPayeesNotModelOwner, modelId=token_model, caller=contributor.address
    ):
        payees.recover(token_model, fot_token, contributor, sender=contributor)
    tx = payees.recover(token_model, fot_token, contributor, sender=model_owner)

    assert tx.decode_logs(payees.Recovered)[0].amount == held
    assert fot_token.balanceOf(payee) == 0


def test_forward__eth_to_token_model__reverts_and_owner_recovers_it(
    payees, router, token, token_model, consumer, model_owner, chain
):
    payee = payees.payeeOf(token_model)
    consumer.transfer(payee, AMOUNT)
    with (
        unchanged(router, payees, token_model, ZERO),
        ape.reverts(payees.ModelPayeesNotPaymentAsset),
    ):
        payees.forward(token_model, ZERO, sender=consumer)
    before = chain.provider.get_balance(model_owner.address)

    payees.recover(token_model, ZERO, model_owner, sender=model_owner, gas_price=0)

    assert chain.provider.get_balance(payee) == 0
    assert chain.provider.get_balance(model_owner.address) == before + AMOUNT


def test_recover__payment_asset__reverts(payees, router, token, token_model, consumer, model_owner):
    token.mint(consumer, AMOUNT, sender=consumer)
    token.transfer(payees.payeeOf(token_model), AMOUNT, sender=consumer)
    with (
        unchanged(router, payees, token_model, token),
        ape.reverts(
            payees.ModelPayeesPaymentAssetNotRecoverable, modelId=token_model, asset=token.address
        ),
    ):
        payees.recover(token_model, token, model_owner, sender=model_owner)


def test_recover__zero_recipient__reverts(payees, fot_token, token_model, model_owner):
    with ape.reverts(payees.ModelPayeesZeroAddress):
        payees.recover(token_model, fot_token, ZERO, sender=model_owner)


def test_forward__unknown_model__reverts_and_funds_wait(payees, router, token, consumer):
    unknown = 10**9
    token.mint(consumer, AMOUNT, sender=consumer)
    token.transfer(payees.payeeOf(unknown), AMOUNT, sender=consumer)
    with (
        unchanged(router, payees, unknown, token),
        ape.reverts(payees.ModelPayeesUnknownModel, modelId=unknown),
    ):
        payees.forward(unknown, token, sender=consumer)


def test_route__not_factory__reverts(
    project, payees, router, token, token_model, consumer, attacker
):
    payees.forward(token_model, token, sender=consumer)  # deploys the payee
    payee = project.ModelPayee.at(payees.payeeOf(token_model))
    assert payee.FACTORY() == payees.address
    with ape.reverts(payee.ModelPayeeNotFactory, caller=attacker.address):
        payee.route(router, token_model, token, sender=attacker)
    with ape.reverts(payee.ModelPayeeNotFactory, caller=attacker.address):
        payee.release(token, attacker, sender=attacker)


def test_payee__eth_with_2300_gas_stipend__accepted(project, payees, eth_model, consumer, chain):
    payees.forward(eth_model, ZERO, sender=consumer)  # deployed
    payee = payees.payeeOf(eth_model)
    consumer.transfer(payee, 1, gas_limit=21_000 + 2_300)
    assert chain.provider.get_balance(payee) == 1


def test_forward__interleaved_transfers_and_forwards__routes_each_unit_exactly_once(
    payees, router, token, token_model, consumer, contributor
):
    payee = payees.payeeOf(token_model)
    token.mint(consumer, 100 * AMOUNT, sender=consumer)
    liabilities = router.liabilities(token)
    sent = forwarded = 0
    for i, n in enumerate((1, 3, 0, 7, 2, 0, 5)):
        for _ in range(n):
            token.transfer(payee, AMOUNT + i, sender=consumer)
            sent += AMOUNT + i
        tx = payees.forward(token_model, token, sender=contributor)
        forwarded += sum(e.amount for e in tx.decode_logs(payees.Forwarded))
        assert token.balanceOf(payee) == 0

    assert forwarded == sent
    assert router.liabilities(token) == liabilities + sent
