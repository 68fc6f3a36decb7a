"""Enabling credits, buying, transferring and redeeming free credits."""

import ape
import pytest
from credits_helpers import ETH_CREDIT_VALUE, TOKEN_CREDIT_VALUE, UINT96_MAX, insufficient_credits
from fixtures.asserts import one_log

from modelmint.constants import ETH
from modelmint.dev.testing import assert_deploy_reverts

# ------------------------------------------------------------------ enableCredits


def test_enableCredits__owner__stores_terms_and_emits(credits, register_model, model_owner, token):
    model_id = register_model(token.address)
    tx = credits.enableCredits(model_id, 777, sender=model_owner)
    terms = credits.modelCredits(model_id)
    assert (terms.asset, terms.creditValue) == (token.address, 777)
    [ev] = tx.decode_logs(credits.CreditsEnabled)
    assert (ev.modelId, ev.asset, ev.creditValue) == (model_id, token.address, 777)


def test_enableCredits__not_owner__reverts(credits, register_model, attacker):
    model_id = register_model()
    with ape.reverts(credits.UsageCreditsNotModelOwner, modelId=model_id, caller=attacker):
        credits.enableCredits(model_id, 1, sender=attacker)
    assert credits.modelCredits(model_id).creditValue == 0


def test_enableCredits__unknown_model__reverts(credits, model_owner):
    with ape.reverts(credits.UsageCreditsUnknownModel, modelId=999):
        credits.enableCredits(999, 1, sender=model_owner)


def test_enableCredits__twice__reverts_value_immutable(credits, eth_model, model_owner):
    with ape.reverts(
        credits.UsageCreditsAlreadyEnabled, modelId=eth_model, creditValue=ETH_CREDIT_VALUE
    ):
        credits.enableCredits(eth_model, 1, sender=model_owner)
    assert credits.modelCredits(eth_model).creditValue == ETH_CREDIT_VALUE


def test_enableCredits__zero_value__reverts(credits, register_model, model_owner):
    model_id = register_model()
    with ape.reverts(credits.UsageCreditsZeroCreditValue, modelId=model_id):
        credits.enableCredits(model_id, 0, sender=model_owner)


def test_enableCredits__value_above_uint96__reverts(credits, register_model, model_owner):
    model_id = register_model()
    with ape.reverts(credits.UsageCreditsCreditValueTooLarge, creditValue=UINT96_MAX + 1):
        credits.enableCredits(model_id, UINT96_MAX + 1, sender=model_owner)


def test_constructor__zero_address__reverts(project, chain, deployer, registry):
    assert_deploy_reverts(
        chain, project.UsageCredits, (registry, ETH, ""), "UsageCreditsZeroAddress", sender=deployer
    )


# ------------------------------------------------------------------ buyCredits


def test_buyCredits__eth__mints_and_escrows(credits, eth_model, consumer):
    before = credits.balance
    tx = credits.buyCredits(eth_model, 50, consumer, sender=consumer, value=50 * ETH_CREDIT_VALUE)
    assert credits.balanceOf(consumer, eth_model) == 50
    assert credits.balance - before == 50 * ETH_CREDIT_VALUE
    assert credits.escrowOf(eth_model) == 50 * ETH_CREDIT_VALUE
    assert credits.totalSupply(eth_model) == 50
    assert credits.modelCredits(eth_model).minted == 50
    paid = 50 * ETH_CREDIT_VALUE
    one_log(tx, credits.CreditsBought, modelId=eth_model, to=consumer, credits=50, paid=paid)
    one_log(tx, credits.TransferSingle, operator=consumer, to=consumer, id=eth_model, value=50)


def test_buyCredits__erc20_for_another_address__pulls_exact_amount(
    credits, token_model, token, consumer, holder
):
    paid = 30 * TOKEN_CREDIT_VALUE
    token.mint(consumer, paid, sender=consumer)
    token.approve(credits, paid, sender=consumer)
    credits.buyCredits(token_model, 30, holder, sender=consumer)
    assert credits.balanceOf(holder, token_model) == 30
    assert credits.balanceOf(consumer, token_model) == 0
    assert token.balanceOf(credits) == paid == credits.escrowOf(token_model)
    assert token.balanceOf(consumer) == 0


def test_buyCredits__wrong_eth_value__reverts(credits, eth_model, consumer):
    with ape.reverts(credits.UsageCreditsWrongPayment, expected=10 * ETH_CREDIT_VALUE, sent=1):
        credits.buyCredits(eth_model, 10, consumer, sender=consumer, value=1)
    assert credits.balanceOf(consumer, eth_model) == 0
    assert credits.balance == 0


def test_buyCredits__eth_sent_to_erc20_model__reverts(credits, token_model, token, consumer):
    token.mint(consumer, TOKEN_CREDIT_VALUE, sender=consumer)
    token.approve(credits, TOKEN_CREDIT_VALUE, sender=consumer)
    with ape.reverts(credits.UsageCreditsWrongPayment, expected=0, sent=5):
        credits.buyCredits(token_model, 1, consumer, sender=consumer, value=5)
    assert token.balanceOf(consumer) == TOKEN_CREDIT_VALUE


def test_buyCredits__fee_on_transfer_token__reverts(
    credits, register_model, fee_token, model_owner, consumer
):
    model_id = register_model(fee_token.address)
    credits.enableCredits(model_id, 10_000, sender=model_owner)
    fee_token.mint(consumer, 10**6, sender=consumer)
    fee_token.approve(credits, 10**6, sender=consumer)
    with ape.reverts(
        credits.UsageCreditsFeeOnTransfer, token=fee_token.address, expected=10**6, received=990_000
    ):
        credits.buyCredits(model_id, 100, consumer, sender=consumer)
    assert fee_token.balanceOf(consumer) == 10**6
    assert credits.totalSupply(model_id) == 0


@pytest.mark.parametrize("how", ["retired", "flagged"])
def test_buyCredits__sale_closed__reverts(
    credits, registry, eth_model, model_owner, deployer, consumer, how
):
    if how == "retired":
        registry.setStatus(eth_model, 1, sender=model_owner)
    else:
        registry.setFlagged(eth_model, True, sender=deployer)
    with ape.reverts(credits.UsageCreditsSaleClosed, modelId=eth_model):
        credits.buyCredits(eth_model, 1, consumer, sender=consumer, value=ETH_CREDIT_VALUE)


def test_buyCredits__not_enabled__reverts(credits, register_model, consumer):
    model_id = register_model()
    with ape.reverts(credits.UsageCreditsNotEnabled, modelId=model_id):
        credits.buyCredits(model_id, 1, consumer, sender=consumer, value=0)


def test_buyCredits__unknown_model__reverts(credits, consumer):
    with ape.reverts(credits.UsageCreditsUnknownModel, modelId=4242):
        credits.buyCredits(4242, 1, consumer, sender=consumer)


def test_buyCredits__zero_credits__reverts(credits, eth_model, consumer):
    with ape.reverts(credits.UsageCreditsZeroAmount):
        credits.buyCredits(eth_model, 0, consumer, sender=consumer)


def test_buyCredits__above_uint96__reverts(credits, eth_model, consumer):
    with ape.reverts(credits.UsageCreditsAmountTooLarge, credits=UINT96_MAX + 1):
        credits.buyCredits(eth_model, UINT96_MAX + 1, consumer, sender=consumer)


def test_buyCredits__zero_recipient__reverts(credits, eth_model, consumer):
    with ape.reverts(credits.ERC1155InvalidReceiver, receiver=ETH):
        credits.buyCredits(eth_model, 1, ETH, sender=consumer, value=ETH_CREDIT_VALUE)
    assert credits.escrowOf(eth_model) == 0


def test_buyCredits__to_contract_that_rejects_erc1155__reverts(
    credits, eth_model, router, consumer
):
    # The RevenueRouter has no onERC1155Received: the mint's acceptance check fails, nothing moves.
    with ape.reverts(credits.ERC1155InvalidReceiver, receiver=router.address):
        credits.buyCredits(eth_model, 1, router, sender=consumer, value=ETH_CREDIT_VALUE)
    assert credits.escrowOf(eth_model) == 0


# ------------------------------------------------------------------ transfer / redeem


def test_safeTransferFrom__free_credits__move_and_keep_escrow(
    credits, eth_model, buy, consumer, holder
):
    buy(consumer, 10)
    credits.safeTransferFrom(consumer, holder, eth_model, 4, b"", sender=consumer)
    assert credits.balanceOf(holder, eth_model) == 4
    assert credits.balanceOf(consumer, eth_model) == 6
    assert credits.escrowOf(eth_model) == 10 * ETH_CREDIT_VALUE


def test_redeem__eth__burns_and_pays_recipient(credits, eth_model, buy, consumer, holder):
    buy(consumer, 10)
    before = holder.balance
    tx = credits.redeem(eth_model, 4, holder, sender=consumer)
    assert holder.balance - before == 4 * ETH_CREDIT_VALUE
    assert credits.balanceOf(consumer, eth_model) == 6
    assert credits.escrowOf(eth_model) == 6 * ETH_CREDIT_VALUE == credits.balance
    assert credits.modelCredits(eth_model).redeemed == 4
    [ev] = tx.decode_logs(credits.CreditsRedeemed)
    assert (ev.holder, ev.to, ev.credits, ev.value) == (consumer, holder, 4, 4 * ETH_CREDIT_VALUE)


def test_redeem__erc20__pays_tokens(credits, token_model, token, buy, consumer):
    buy(consumer, 10, token_model)
    credits.redeem(token_model, 10, consumer, sender=consumer)
    assert token.balanceOf(consumer) == 10 * TOKEN_CREDIT_VALUE
    assert token.balanceOf(credits) == 0 == credits.escrowOf(token_model)


@pytest.mark.parametrize("how", ["retired", "flagged", "both"])
def test_redeem__retired_or_flagged_model__still_pays(
    credits, registry, eth_model, buy, consumer, holder, model_owner, deployer, how
):
    buy(consumer, 3)
    if how in ("retired", "both"):
        registry.setStatus(eth_model, 1, sender=model_owner)
    if how in ("flagged", "both"):
        registry.setFlagged(eth_model, True, sender=deployer)
    before = holder.balance
    credits.redeem(eth_model, 3, holder, sender=consumer)
    assert holder.balance - before == 3 * ETH_CREDIT_VALUE
    assert credits.escrowOf(eth_model) == 0


def test_redeem__insufficient_free_credits__reverts(credits, eth_model, buy, consumer):
    buy(consumer, 2)
    with insufficient_credits(credits, consumer, eth_model, balance=2, needed=3):
        credits.redeem(eth_model, 3, consumer, sender=consumer)
    assert credits.balanceOf(consumer, eth_model) == 2


def test_redeem__zero__reverts(credits, eth_model, consumer):
    with ape.reverts(credits.UsageCreditsZeroAmount):
        credits.redeem(eth_model, 0, consumer, sender=consumer)


def test_redeem__zero_recipient__reverts(credits, eth_model, buy, consumer):
    buy(consumer, 1)
    with ape.reverts(credits.UsageCreditsZeroAddress):
        credits.redeem(eth_model, 1, ETH, sender=consumer)


def test_redeem__not_enabled__reverts(credits, register_model, consumer):
    model_id = register_model()
    with ape.reverts(credits.UsageCreditsNotEnabled, modelId=model_id):
        credits.redeem(model_id, 1, consumer, sender=consumer)


def test_redeem__recipient_rejects_eth__reverts(credits, eth_model, buy, consumer, registry):
    buy(consumer, 1)
    # The registry has no receive(): the ETH transfer fails and the burn is undone.
    with ape.reverts(
        credits.UsageCreditsEthTransferFailed, to=registry.address, amount=ETH_CREDIT_VALUE
    ):
        credits.redeem(eth_model, 1, registry, sender=consumer)
    assert credits.balanceOf(consumer, eth_model) == 1


def test_buyCredits__receiver_reenters_from_mint_hook__reverts(
    project, credits, eth_model, buy, consumer
):
    receiver = project.ReentrantCreditsReceiver.deploy(credits, sender=consumer)
    buy(consumer, 1, to=receiver)
    receiver.arm(eth_model, sender=consumer)
    with ape.reverts(credits.ReentrancyGuardReentrantCall):
        credits.buyCredits(eth_model, 2, receiver, sender=consumer, value=2 * ETH_CREDIT_VALUE)
    assert credits.balanceOf(receiver, eth_model) == 1
    assert credits.escrowOf(eth_model) == ETH_CREDIT_VALUE == credits.balance
