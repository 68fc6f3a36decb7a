"""Opening, topping up and closing metering channels."""

import ape
import pytest
from credits_helpers import ETH_CREDIT_VALUE, GRACE, TOKEN_CREDIT_VALUE, insufficient_credits
from fixtures.channels import free_salt, opened, ref_of

from modelmint.constants import DAY, HOUR, ZERO_ADDRESS
from modelmint.credits import ChannelTerms


def test_openChannel__free_credits__locks_them_out_of_balance(
    credits, eth_model, buy, consumer, gateway, chain
):
    buy(consumer, 100)
    expiry = chain.pending_timestamp + HOUR
    expected = ref_of(consumer, gateway, eth_model, 3)
    tx = credits.openChannel(eth_model, gateway, 3, 60, expiry, sender=consumer)
    [ev] = tx.decode_logs(credits.ChannelOpened)
    assert ev.channelId == expected == tx.return_value
    assert (ev.consumer, ev.modelId, ev.gateway, ev.salt, ev.credits, ev.expiry, ev.signer) == (
        consumer,
        eth_model,
        gateway,
        3,
        60,
        expiry,
        ZERO_ADDRESS,
    )
    c = credits.channel(expected)
    assert (c.deposit, c.settled, c.expiry, c.signer) == (60, 0, expiry, ZERO_ADDRESS)
    assert credits.balanceOf(consumer, eth_model) == 40
    assert credits.totalSupply(eth_model) == 40
    assert credits.lockedSupply(eth_model) == 60
    assert credits.escrowOf(eth_model) == 100 * ETH_CREDIT_VALUE == credits.balance


@pytest.mark.parametrize("salt", [0, 1, 2**96, 2**256 - 1])
def test_channelIdOf__any_terms__matches_python_channel_terms(
    credits, consumer, gateway, eth_model, salt
):
    terms = ChannelTerms(str(consumer), str(gateway), eth_model, salt)
    assert credits.channelIdOf(terms.as_args()) == terms.channel_id
    assert credits.channel(terms.channel_id).deposit == 0  # never opened


def test_openChannel__same_terms_while_open__reverts_channel_exists(
    credits, eth_model, open_channel, buy, consumer, gateway, chain
):
    cid = open_channel(consumer, 10)
    buy(consumer, 5)
    with ape.reverts(credits.UsageCreditsChannelExists, channelId=cid):
        credits.openChannel(
            eth_model, gateway, cid.terms.salt, 5, chain.pending_timestamp + HOUR, sender=consumer
        )
    assert credits.channel(cid).deposit == 10
    assert credits.balanceOf(consumer, eth_model) == 5


@pytest.mark.parametrize("reopen", ["openChannel", "buyAndOpenChannel"])
def test_openChannel__same_terms_after_close__reverts_channel_exists(
    credits, eth_model, open_channel, buy, consumer, gateway, chain, reopen
):
    # A closed channel keeps its slot: its terms never open again, so none of its receipts
    # can ever settle against a new deposit. The next salt opens a new channel.
    cid = open_channel(consumer, 10)
    chain.pending_timestamp = credits.channel(cid).expiry + GRACE
    credits.closeChannel(cid.args, sender=consumer)
    closed = credits.channel(cid)
    assert (closed.deposit, closed.expiry) == (10, 0)
    expiry = chain.pending_timestamp + HOUR
    salt = cid.terms.salt
    with ape.reverts(credits.UsageCreditsChannelExists, channelId=cid):
        if reopen == "openChannel":
            credits.openChannel(eth_model, gateway, salt, 10, expiry, sender=consumer)
        else:
            value = 10 * ETH_CREDIT_VALUE
            credits.buyAndOpenChannel(
                eth_model, gateway, salt, 10, expiry, sender=consumer, value=value
            )
    assert credits.channel(cid) == closed
    assert credits.balanceOf(consumer, eth_model) == 10
    assert free_salt(credits, consumer, gateway, eth_model) == salt + 1
    again = opened(
        credits,
        credits.openChannel(eth_model, gateway, salt + 1, 10, expiry, sender=consumer),
    )
    assert again != cid and credits.channel(again).deposit == 10


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
        credits.openChannel(
            eth_model, gateway, 0, 6, chain.pending_timestamp + HOUR, sender=consumer
        )
    assert credits.balanceOf(consumer, eth_model) == 5
    assert credits.lockedSupply(eth_model) == 0


def test_openChannel__not_a_gateway__reverts(credits, eth_model, buy, consumer, attacker, chain):
    buy(consumer, 5)
    with ape.reverts(credits.UsageCreditsNotGateway, modelId=eth_model, gateway=attacker):
        credits.openChannel(
            eth_model, attacker, 0, 5, chain.pending_timestamp + HOUR, sender=consumer
        )
    assert credits.balanceOf(consumer, eth_model) == 5


def test_openChannel__expiry_not_in_future__reverts(
    credits, eth_model, buy, consumer, gateway, chain
):
    buy(consumer, 5)
    now = chain.pending_timestamp
    with ape.reverts(credits.UsageCreditsInvalidExpiry):
        credits.openChannel(eth_model, gateway, 0, 5, now - 1, sender=consumer)
    assert credits.balanceOf(consumer, eth_model) == 5


def test_openChannel__zero_credits__reverts(credits, eth_model, consumer, gateway, chain):
    with ape.reverts(credits.UsageCreditsZeroAmount):
        credits.openChannel(
            eth_model, gateway, 0, 0, chain.pending_timestamp + HOUR, sender=consumer
        )


def test_openChannel__not_enabled__reverts(credits, register_model, consumer, gateway, chain):
    model_id = register_model()
    with ape.reverts(credits.UsageCreditsNotEnabled, modelId=model_id):
        credits.openChannel(
            model_id, gateway, 0, 1, chain.pending_timestamp + HOUR, sender=consumer
        )


def test_openChannel__unknown_model__reverts(credits, consumer, gateway, chain):
    with ape.reverts(credits.UsageCreditsUnknownModel, modelId=31337):
        credits.openChannel(31337, gateway, 0, 1, chain.pending_timestamp + HOUR, sender=consumer)


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
        credits.openChannel(
            eth_model, gateway, 0, 5, chain.pending_timestamp + HOUR, sender=consumer
        )
    assert credits.balanceOf(consumer, eth_model) == 5


# ------------------------------------------------------------------ topUpChannel


def test_topUpChannel__credits_and_expiry__adds_and_extends(
    credits, eth_model, open_channel, buy, consumer, chain
):
    cid = open_channel(consumer, 10)
    buy(consumer, 7)
    new_expiry = credits.channel(cid).expiry + DAY
    tx = credits.topUpChannel(cid.args, 7, new_expiry, sender=consumer)
    c = credits.channel(cid)
    assert (c.deposit, c.expiry) == (17, new_expiry)
    assert credits.balanceOf(consumer, eth_model) == 0
    assert credits.lockedSupply(eth_model) == 17
    [ev] = tx.decode_logs(credits.ChannelToppedUp)
    assert (ev.channelId, ev.addedCredits, ev.deposit, ev.expiry) == (cid, 7, 17, new_expiry)


def test_topUpChannel__extend_only__keeps_deposit(credits, open_channel, consumer):
    cid = open_channel(consumer, 10)
    new_expiry = credits.channel(cid).expiry + 5
    credits.topUpChannel(cid.args, 0, new_expiry, sender=consumer)
    assert (credits.channel(cid).deposit, credits.channel(cid).expiry) == (10, new_expiry)


def test_topUpChannel__nothing_changes__reverts(credits, open_channel, consumer):
    cid = open_channel(consumer, 10)
    with ape.reverts(credits.UsageCreditsZeroAmount):
        credits.topUpChannel(cid.args, 0, credits.channel(cid).expiry, sender=consumer)


def test_topUpChannel__shorter_expiry__reverts(credits, open_channel, consumer):
    cid = open_channel(consumer, 10)
    expiry = credits.channel(cid).expiry
    with ape.reverts(credits.UsageCreditsInvalidExpiry, expiry=expiry - 1, minimum=expiry):
        credits.topUpChannel(cid.args, 0, expiry - 1, sender=consumer)
    assert credits.channel(cid).expiry == expiry


def test_topUpChannel__not_consumer__reverts(credits, open_channel, buy, consumer, attacker):
    cid = open_channel(consumer, 10)
    buy(attacker, 5)
    with ape.reverts(credits.UsageCreditsNotChannelConsumer, channelId=cid, caller=attacker):
        credits.topUpChannel(cid.args, 5, credits.channel(cid).expiry, sender=attacker)


def test_topUpChannel__expired__reverts(credits, open_channel, buy, consumer, chain):
    cid = open_channel(consumer, 10)
    buy(consumer, 5)
    expiry = credits.channel(cid).expiry
    chain.pending_timestamp = expiry
    with ape.reverts(credits.UsageCreditsChannelExpired, channelId=cid, expiry=expiry):
        credits.topUpChannel(cid.args, 5, expiry + DAY, sender=consumer)
    assert credits.channel(cid).deposit == 10


def test_topUpChannel__insufficient_free_credits__reverts(
    credits, eth_model, open_channel, consumer
):
    cid = open_channel(consumer, 10)
    with ape.reverts(credits.UsageCreditsInsufficientCredits, balance=0, needed=1):
        credits.topUpChannel(cid.args, 1, credits.channel(cid).expiry, sender=consumer)


def test_topUpChannel__deposit_above_uint64__reverts(credits, open_channel, consumer):
    cid = open_channel(consumer, 10)
    too_many = 2**64 - 10  # deposit 10 + this = 2**64: one above a channel's 64-bit deposit
    with ape.reverts(credits.UsageCreditsAmountTooLarge, credits=too_many):
        credits.topUpChannel(cid.args, too_many, credits.channel(cid).expiry, sender=consumer)


def test_topUpChannel__to_exactly_uint64_max__succeeds_and_one_more_reverts(
    credits, token_model, open_channel, buy, consumer
):
    # Token-priced so the 2^64 credits cost only minted test tokens.
    cid = open_channel(consumer, 10, token_model)
    expiry = credits.channel(cid).expiry
    buy(consumer, 2**64 - 11, token_model)
    tx = credits.topUpChannel(cid.args, 2**64 - 11, expiry, sender=consumer)
    assert tx.decode_logs(credits.ChannelToppedUp)[0].deposit == 2**64 - 1
    assert credits.channel(cid).deposit == 2**64 - 1
    assert credits.lockedSupply(token_model) == 2**64 - 1
    assert credits.balanceOf(consumer, token_model) == 0
    buy(consumer, 1, token_model)
    with ape.reverts(credits.UsageCreditsAmountTooLarge, credits=1):
        credits.topUpChannel(cid.args, 1, expiry, sender=consumer)
    assert credits.channel(cid).deposit == 2**64 - 1
    assert credits.balanceOf(consumer, token_model) == 1
    assert credits.escrowOf(token_model) == 2**64 * TOKEN_CREDIT_VALUE


def test_topUpChannel__amount_near_uint256_max__reverts_with_named_error(
    credits, open_channel, consumer
):
    cid = open_channel(consumer, 10)
    with ape.reverts(credits.UsageCreditsAmountTooLarge, credits=2**256 - 1):
        credits.topUpChannel(cid.args, 2**256 - 1, credits.channel(cid).expiry, sender=consumer)


@pytest.mark.parametrize("wrong", ["gateway", "model", "salt"])
def test_topUpChannel__unknown_channel__reverts(
    credits, eth_model, token_model, open_channel, consumer, gateway, holder, wrong
):
    # Terms that differ from an open channel's in one field name another, unknown channel.
    cid = open_channel(consumer, 10)
    terms = {
        "gateway": (consumer, holder, eth_model, cid.terms.salt),
        "model": (consumer, gateway, token_model, cid.terms.salt),
        "salt": (consumer, gateway, eth_model, cid.terms.salt + 777),
    }[wrong]
    unknown = ref_of(*terms)
    with ape.reverts(credits.UsageCreditsUnknownChannel, channelId=unknown):
        credits.topUpChannel(unknown.args, 0, 2**32 - 1, sender=consumer)
    assert credits.channel(cid).deposit == 10


def test_topUpChannel__flagged_model__reverts(
    credits, registry, eth_model, open_channel, consumer, deployer
):
    cid = open_channel(consumer, 10)
    registry.setFlagged(eth_model, True, sender=deployer)
    with ape.reverts(credits.UsageCreditsSaleClosed, modelId=eth_model):
        credits.topUpChannel(cid.args, 0, credits.channel(cid).expiry + 1, sender=consumer)


def test_topUpChannel__closed_channel__reverts(credits, open_channel, consumer, chain):
    cid = open_channel(consumer, 10)
    chain.pending_timestamp = credits.channel(cid).expiry + GRACE
    credits.closeChannel(cid.args, sender=consumer)
    with ape.reverts(credits.UsageCreditsChannelClosed, channelId=cid):
        credits.topUpChannel(cid.args, 0, 2**40 - 1, sender=consumer)


# ------------------------------------------------------------------ closeChannel


@pytest.mark.parametrize("settled", [4, 10])  # partly settled; fully settled: nothing back
def test_closeChannel__after_grace__returns_unsettled_credits(
    credits, eth_model, open_channel, consumer, gateway, sign, chain, settled
):
    cid = open_channel(consumer, 10)
    expiry = credits.channel(cid).expiry
    credits.settle([sign(consumer, cid, settled, expiry)], sender=gateway)
    chain.pending_timestamp = expiry + GRACE
    tx = credits.closeChannel(cid.args, sender=consumer)
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
    close = credits.closeChannel(cid.args, sender=consumer)
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
        credits.closeChannel(cid.args, sender=consumer)
    assert credits.channel(cid).expiry == expiry


def test_closeChannel__not_consumer__reverts(credits, open_channel, consumer, gateway, chain):
    cid = open_channel(consumer, 10)
    chain.pending_timestamp = credits.channel(cid).expiry + GRACE
    with ape.reverts(credits.UsageCreditsNotChannelConsumer, channelId=cid, caller=gateway):
        credits.closeChannel(cid.args, sender=gateway)


def test_closeChannel__twice__reverts(credits, eth_model, open_channel, consumer, chain):
    cid = open_channel(consumer, 10)
    chain.pending_timestamp = credits.channel(cid).expiry + GRACE
    credits.closeChannel(cid.args, sender=consumer)
    with ape.reverts(credits.UsageCreditsChannelClosed, channelId=cid):
        credits.closeChannel(cid.args, sender=consumer)
    assert credits.balanceOf(consumer, eth_model) == 10


def test_closeChannel__unknown_channel__reverts(credits, eth_model, consumer, gateway):
    unknown = ref_of(consumer, gateway, eth_model, 999)
    with ape.reverts(credits.UsageCreditsUnknownChannel, channelId=unknown):
        credits.closeChannel(unknown.args, sender=consumer)


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
    credits.closeChannel(cid.args, sender=consumer)
    credits.redeem(eth_model, 10, consumer, sender=consumer)
    assert credits.escrowOf(eth_model) == 0
