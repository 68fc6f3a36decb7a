"""Opening, topping up and closing metering channels."""

import ape
import pytest
from credits_helpers import ETH_CREDIT_VALUE, GRACE, TOKEN_CREDIT_VALUE, insufficient_credits

from modelmint.constants import DAY, HOUR


def test_openChannel__free_credits__locks_them_out_of_balance(
    credits, eth_model, buy, consumer, gateway, chain
):
    buy(consumer, 100)
    expiry = chain.pending_timestamp + HOUR
    expected_id = credits.nextChannelId()
    tx = credits.openChannel(eth_model, gateway, 60, expiry, sender=consumer)
    [ev] = tx.decode_logs(credits.ChannelOpened)
    assert ev.channelId == expected_id
    assert (ev.modelId, ev.consumer, ev.gateway, ev.credits, ev.expiry) == (
        eth_model,
        consumer,
        gateway,
        60,
        expiry,
    )
    c = credits.channel(expected_id)
    assert (c.consumer, c.expiry, c.gateway, c.deposit, c.modelId, c.settled) == (
        consumer,
        expiry,
        gateway,
        60,
        eth_model,
        0,
    )
    assert credits.balanceOf(consumer, eth_model) == 40
    assert credits.totalSupply(eth_model) == 40
    assert credits.lockedSupply(eth_model) == 60
    assert credits.escrowOf(eth_model) == 100 * ETH_CREDIT_VALUE == credits.balance
    assert credits.nextChannelId() == expected_id + 1


def test_openChannel__locked_credits__cannot_be_transferred_or_redeemed(
    credits, eth_model, open_channel, consumer, holder
):
    open_channel(consumer, 10)
    with ape.reverts(credits.ERC1155InsufficientBalance):
        credits.safeTransferFrom(consumer, holder, eth_model, 1, b"", sender=consumer)
    with ape.reverts(credits.UsageCreditsInsufficientCredits, balance=0, needed=1):
        credits.redeem(eth_model, 1, consumer, sender=consumer)
    assert credits.lockedSupply(eth_model) == 10


def test_openChannel__insufficient_free_credits__reverts(
    credits, eth_model, buy, consumer, gateway, chain
):
    buy(consumer, 5)
    with insufficient_credits(credits, consumer, eth_model, balance=5, needed=6):
        credits.openChannel(eth_model, gateway, 6, chain.pending_timestamp + HOUR, sender=consumer)
    assert credits.balanceOf(consumer, eth_model) == 5
    assert credits.lockedSupply(eth_model) == 0


def test_openChannel__not_a_gateway__reverts(credits, eth_model, buy, consumer, attacker, chain):
    buy(consumer, 5)
    with ape.reverts(credits.UsageCreditsNotGateway, modelId=eth_model, gateway=attacker):
        credits.openChannel(eth_model, attacker, 5, chain.pending_timestamp + HOUR, sender=consumer)
    assert credits.balanceOf(consumer, eth_model) == 5


def test_openChannel__expiry_not_in_future__reverts(
    credits, eth_model, buy, consumer, gateway, chain
):
    buy(consumer, 5)
    now = chain.pending_timestamp
    with ape.reverts(credits.UsageCreditsInvalidExpiry):
        credits.openChannel(eth_model, gateway, 5, now - 1, sender=consumer)
    assert credits.balanceOf(consumer, eth_model) == 5


def test_openChannel__zero_credits__reverts(credits, eth_model, consumer, gateway, chain):
    with ape.reverts(credits.UsageCreditsZeroAmount):
        credits.openChannel(eth_model, gateway, 0, chain.pending_timestamp + HOUR, sender=consumer)


def test_openChannel__not_enabled__reverts(credits, register_model, consumer, gateway, chain):
    model_id = register_model()
    with ape.reverts(credits.UsageCreditsNotEnabled, modelId=model_id):
        credits.openChannel(model_id, gateway, 1, chain.pending_timestamp + HOUR, sender=consumer)


def test_openChannel__unknown_model__reverts(credits, consumer, gateway, chain):
    with ape.reverts(credits.UsageCreditsUnknownModel, modelId=31337):
        credits.openChannel(31337, gateway, 1, chain.pending_timestamp + HOUR, sender=consumer)


@pytest.mark.parametrize("how", ["retired", "flagged"])
def test_openChannel__sale_closed__reverts(
    credits, registry, eth_model, buy, consumer, gateway, model_owner, deployer, chain, how
):
    buy(consumer, 5)
    if how == "retired":
        registry.setStatus(eth_model, 1, sender=model_owner)
    else:
        registry.setFlagged(eth_model, True, sender=deployer)
    with ape.reverts(credits.UsageCreditsSaleClosed, modelId=eth_model):
        credits.openChannel(eth_model, gateway, 5, chain.pending_timestamp + HOUR, sender=consumer)
    assert credits.balanceOf(consumer, eth_model) == 5


# ------------------------------------------------------------------ topUpChannel


def test_topUpChannel__credits_and_expiry__adds_and_extends(
    credits, eth_model, open_channel, buy, consumer, chain
):
    cid = open_channel(consumer, 10)
    buy(consumer, 7)
    new_expiry = credits.channel(cid).expiry + DAY
    tx = credits.topUpChannel(cid, 7, new_expiry, sender=consumer)
    c = credits.channel(cid)
    assert (c.deposit, c.expiry) == (17, new_expiry)
    assert credits.balanceOf(consumer, eth_model) == 0
    assert credits.lockedSupply(eth_model) == 17
    [ev] = tx.decode_logs(credits.ChannelToppedUp)
    assert (ev.channelId, ev.addedCredits, ev.deposit, ev.expiry) == (cid, 7, 17, new_expiry)


def test_topUpChannel__extend_only__keeps_deposit(credits, open_channel, consumer):
    cid = open_channel(consumer, 10)
    new_expiry = credits.channel(cid).expiry + 5
    credits.topUpChannel(cid, 0, new_expiry, sender=consumer)
    assert (credits.channel(cid).deposit, credits.channel(cid).expiry) == (10, new_expiry)


def test_topUpChannel__nothing_changes__reverts(credits, open_channel, consumer):
    cid = open_channel(consumer, 10)
    with ape.reverts(credits.UsageCreditsZeroAmount):
        credits.topUpChannel(cid, 0, credits.channel(cid).expiry, sender=consumer)


def test_topUpChannel__shorter_expiry__reverts(credits, open_channel, consumer):
    cid = open_channel(consumer, 10)
    expiry = credits.channel(cid).expiry
    with ape.reverts(credits.UsageCreditsInvalidExpiry, expiry=expiry - 1, minimum=expiry):
        credits.topUpChannel(cid, 0, expiry - 1, sender=consumer)
    assert credits.channel(cid).expiry == expiry


def test_topUpChannel__not_consumer__reverts(credits, open_channel, buy, consumer, attacker):
    cid = open_channel(consumer, 10)
    buy(attacker, 5)
    with ape.reverts(credits.UsageCreditsNotChannelConsumer, channelId=cid, caller=attacker):
        credits.topUpChannel(cid, 5, credits.channel(cid).expiry, sender=attacker)


def test_topUpChannel__expired__reverts(credits, open_channel, buy, consumer, chain):
    cid = open_channel(consumer, 10)
    buy(consumer, 5)
    expiry = credits.channel(cid).expiry
    chain.pending_timestamp = expiry
    with ape.reverts(credits.UsageCreditsChannelExpired, channelId=cid, expiry=expiry):
        credits.topUpChannel(cid, 5, expiry + DAY, sender=consumer)
    assert credits.channel(cid).deposit == 10


def test_topUpChannel__insufficient_free_credits__reverts(
    credits, eth_model, open_channel, consumer
):
    cid = open_channel(consumer, 10)
    with ape.reverts(credits.UsageCreditsInsufficientCredits, balance=0, needed=1):
        credits.topUpChannel(cid, 1, credits.channel(cid).expiry, sender=consumer)


def test_topUpChannel__deposit_above_uint64__reverts(credits, open_channel, consumer):
    cid = open_channel(consumer, 10)
    too_many = 2**64 - 10  # deposit 10 + this = 2**64: one above a channel's 64-bit deposit
    with ape.reverts(credits.UsageCreditsAmountTooLarge, credits=too_many):
        credits.topUpChannel(cid, too_many, credits.channel(cid).expiry, sender=consumer)


def test_topUpChannel__to_exactly_uint64_max__succeeds_and_one_more_reverts(
    credits, token_model, open_channel, buy, consumer
):
    # Token-priced so the 2^64 credits cost only minted test tokens.
    cid = open_channel(consumer, 10, token_model)
    expiry = credits.channel(cid).expiry
    buy(consumer, 2**64 - 11, token_model)
    tx = credits.topUpChannel(cid, 2**64 - 11, expiry, sender=consumer)
    assert tx.decode_logs(credits.ChannelToppedUp)[0].deposit == 2**64 - 1
    assert credits.channel(cid).deposit == 2**64 - 1
    assert credits.lockedSupply(token_model) == 2**64 - 1
    assert credits.balanceOf(consumer, token_model) == 0
    buy(consumer, 1, token_model)
    with ape.reverts(credits.UsageCreditsAmountTooLarge, credits=1):
        credits.topUpChannel(cid, 1, expiry, sender=consumer)
    assert credits.channel(cid).deposit == 2**64 - 1
    assert credits.balanceOf(consumer, token_model) == 1
    assert credits.escrowOf(token_model) == 2**64 * TOKEN_CREDIT_VALUE


def test_topUpChannel__amount_near_uint256_max__reverts_with_named_error(
    credits, open_channel, consumer
):
    cid = open_channel(consumer, 10)
    with ape.reverts(credits.UsageCreditsAmountTooLarge, credits=2**256 - 1):
        credits.topUpChannel(cid, 2**256 - 1, credits.channel(cid).expiry, sender=consumer)


def test_topUpChannel__unknown_channel__reverts(credits, consumer):
    with ape.reverts(credits.UsageCreditsUnknownChannel, channelId=777):
        credits.topUpChannel(777, 1, 2**40 - 1, sender=consumer)


def test_topUpChannel__flagged_model__reverts(
    credits, registry, eth_model, open_channel, consumer, deployer
):
    cid = open_channel(consumer, 10)
    registry.setFlagged(eth_model, True, sender=deployer)
    with ape.reverts(credits.UsageCreditsSaleClosed, modelId=eth_model):
        credits.topUpChannel(cid, 0, credits.channel(cid).expiry + 1, sender=consumer)


def test_topUpChannel__closed_channel__reverts(credits, open_channel, consumer, chain):
    cid = open_channel(consumer, 10)
    chain.pending_timestamp = credits.channel(cid).expiry + GRACE
    credits.closeChannel(cid, sender=consumer)
    with ape.reverts(credits.UsageCreditsChannelClosed, channelId=cid):
        credits.topUpChannel(cid, 0, 2**40 - 1, sender=consumer)


# ------------------------------------------------------------------ closeChannel


@pytest.mark.parametrize("settled", [4, 10])  # partly settled; fully settled: nothing back
def test_closeChannel__after_grace__returns_unsettled_credits(
    credits, eth_model, open_channel, consumer, gateway, sign, chain, settled
):
    cid = open_channel(consumer, 10)
    expiry = credits.channel(cid).expiry
    credits.settle([sign(consumer, cid, settled, expiry)], sender=gateway)
    chain.pending_timestamp = expiry + GRACE
    tx = credits.closeChannel(cid, sender=consumer)
    [ev] = tx.decode_logs(credits.ChannelClosed)
    unsettled = 10 - settled
    assert (ev.channelId, ev.consumer, ev.refundedCredits) == (cid, consumer, unsettled)
    assert credits.balanceOf(consumer, eth_model) == unsettled
    assert credits.lockedSupply(eth_model) == 0
    assert credits.channel(cid).expiry == 0
    assert credits.escrowOf(eth_model) == unsettled * ETH_CREDIT_VALUE
    assert credits.pendingRevenue(eth_model) == settled * ETH_CREDIT_VALUE
    assert credits.balance == 10 * ETH_CREDIT_VALUE  # escrow + revenue not yet swept


def test_closeChannel__settled_total_crosses_2_pow_32__totals_and_refund_exact(
    credits, token_model, open_channel, consumer, gateway, sign, chain
):
    # The settled counter must hold more than 32 bits: settle 3 x 2^32, then 2^34 in all.
    deposit = 2**34 + 5
    cid = open_channel(consumer, deposit, token_model)
    expiry = credits.channel(cid).expiry
    credits.settle([sign(consumer, cid, 3 * 2**32, expiry)], sender=gateway)
    assert credits.channel(cid).settled == 3 * 2**32
    assert credits.modelCredits(token_model).consumed == 3 * 2**32
    tx = credits.settle([sign(consumer, cid, 2**34, expiry)], sender=gateway)
    [ev] = tx.decode_logs(credits.CreditsSettled)
    assert (ev.credits, ev.settled) == (2**32, 2**34)
    assert credits.channel(cid).settled == 2**34
    assert credits.channel(cid).deposit == deposit
    assert credits.modelCredits(token_model).consumed == 2**34
    assert credits.pendingRevenue(token_model) == 2**34 * TOKEN_CREDIT_VALUE
    chain.pending_timestamp = expiry + GRACE
    close = credits.closeChannel(cid, sender=consumer)
    assert close.decode_logs(credits.ChannelClosed)[0].refundedCredits == 5
    assert credits.balanceOf(consumer, token_model) == 5
    assert credits.lockedSupply(token_model) == 0
    assert credits.escrowOf(token_model) == 5 * TOKEN_CREDIT_VALUE


@pytest.mark.parametrize("offset", [-60, 0, GRACE - 1])
def test_closeChannel__before_grace_end__reverts(credits, open_channel, consumer, chain, offset):
    cid = open_channel(consumer, 10)
    expiry = credits.channel(cid).expiry
    chain.pending_timestamp = expiry + offset
    with ape.reverts(
        credits.UsageCreditsChannelNotExpired, channelId=cid, closableAt=expiry + GRACE
    ):
        credits.closeChannel(cid, sender=consumer)
    assert credits.channel(cid).expiry == expiry


def test_closeChannel__not_consumer__reverts(credits, open_channel, consumer, gateway, chain):
    cid = open_channel(consumer, 10)
    chain.pending_timestamp = credits.channel(cid).expiry + GRACE
    with ape.reverts(credits.UsageCreditsNotChannelConsumer, channelId=cid, caller=gateway):
        credits.closeChannel(cid, sender=gateway)


def test_closeChannel__twice__reverts(credits, eth_model, open_channel, consumer, chain):
    cid = open_channel(consumer, 10)
    chain.pending_timestamp = credits.channel(cid).expiry + GRACE
    credits.closeChannel(cid, sender=consumer)
    with ape.reverts(credits.UsageCreditsChannelClosed, channelId=cid):
        credits.closeChannel(cid, sender=consumer)
    assert credits.balanceOf(consumer, eth_model) == 10


def test_closeChannel__unknown_channel__reverts(credits, consumer):
    with ape.reverts(credits.UsageCreditsUnknownChannel, channelId=999):
        credits.closeChannel(999, sender=consumer)


@pytest.mark.parametrize("how", ["retired", "flagged"])
def test_closeChannel__retired_or_flagged_model__still_refunds(
    credits, registry, eth_model, open_channel, consumer, model_owner, deployer, chain, how
):
    cid = open_channel(consumer, 10)
    if how == "retired":
        registry.setStatus(eth_model, 1, sender=model_owner)
    else:
        registry.setFlagged(eth_model, True, sender=deployer)
    chain.pending_timestamp = credits.channel(cid).expiry + GRACE
    credits.closeChannel(cid, sender=consumer)
    credits.redeem(eth_model, 10, consumer, sender=consumer)
    assert credits.escrowOf(eth_model) == 0
