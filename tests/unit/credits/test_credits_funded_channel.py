"""One-transaction funded channels: `buyAndOpenChannel` pays the model's asset straight into a
new channel, `buyAndTopUpChannel` straight into an existing one; channel storage bounds.

    credits.buyAndOpenChannel(model, gateway, 0, 100, expiry, value=100 * value, sender=consumer)
"""

import ape
from credits_helpers import ETH_CREDIT_VALUE, GRACE, TOKEN_CREDIT_VALUE
from fixtures.asserts import one_log
from fixtures.channels import opened, ref_of

from modelmint.constants import ETH, HOUR


def _totals(credits, model_id):
    m = credits.modelCredits(model_id)
    return (m.minted, m.redeemed, m.channelled, m.consumed)


def test_buyAndOpenChannel__eth__funded_channel_in_one_tx_no_balance_touched(
    credits, eth_model, consumer, gateway, chain
):
    before = _totals(credits, eth_model)
    expiry = chain.pending_timestamp + HOUR
    tx = credits.buyAndOpenChannel(
        eth_model, gateway, 0, 40, expiry, value=40 * ETH_CREDIT_VALUE, sender=consumer
    )
    cid = opened(credits, tx)
    assert cid == tx.return_value == ref_of(consumer, gateway, eth_model, 0)
    paid = 40 * ETH_CREDIT_VALUE
    one_log(tx, credits.CreditsBought, modelId=eth_model, to=consumer, credits=40, paid=paid)
    one_log(
        tx,
        credits.ChannelOpened,
        channelId=cid,
        consumer=consumer,
        modelId=eth_model,
        gateway=gateway,
        salt=0,
        credits=40,
        expiry=expiry,
        signer=ETH,
    )
    c = credits.channel(cid)
    assert (c.deposit, c.settled, c.expiry, c.signer) == (40, 0, expiry, ETH)
    # Minted and locked at once: the free balance never holds them.
    assert credits.balanceOf(consumer, eth_model) == 0
    assert _totals(credits, eth_model) == (before[0] + 40, before[1], before[2] + 40, before[3])
    assert credits.lockedSupply(eth_model) == 40
    assert credits.totalSupply(eth_model) == 0
    assert credits.escrowOf(eth_model) == 40 * ETH_CREDIT_VALUE == credits.balance


def test_buyAndOpenChannel__erc20__pulls_exactly_credits_times_value(
    credits, token, token_model, consumer, gateway, chain
):
    paid = 25 * TOKEN_CREDIT_VALUE
    token.mint(consumer, paid, sender=consumer)
    token.approve(credits, paid, sender=consumer)
    tx = credits.buyAndOpenChannel(
        token_model, gateway, 0, 25, chain.pending_timestamp + HOUR, sender=consumer
    )
    assert credits.channel(tx.return_value).deposit == 25
    assert token.balanceOf(consumer) == 0
    assert token.balanceOf(credits) == paid == credits.escrowOf(token_model)
    assert token.allowance(consumer, credits) == 0


def test_buyAndOpenChannel__eth_sent_to_token_model__reverts(
    credits, token_model, consumer, gateway, chain
):
    with ape.reverts(credits.UsageCreditsWrongPayment, expected=0, sent=1):
        credits.buyAndOpenChannel(
            token_model, gateway, 0, 1, chain.pending_timestamp + HOUR, value=1, sender=consumer
        )


def test_buyAndOpenChannel__fee_on_transfer_token__reverts_nothing_opened(
    credits, register_model, fee_token, model_owner, consumer, gateway, chain
):
    model_id = register_model(fee_token.address)
    credits.enableCredits(model_id, 10_000, sender=model_owner)
    fee_token.mint(consumer, 10**6, sender=consumer)
    fee_token.approve(credits, 10**6, sender=consumer)
    with ape.reverts(credits.UsageCreditsFeeOnTransfer):
        credits.buyAndOpenChannel(
            model_id, gateway, 0, 100, chain.pending_timestamp + HOUR, sender=consumer
        )
    assert credits.channel(ref_of(consumer, gateway, model_id, 0)).deposit == 0  # no channel


def test_buyAndOpenChannel__settle_sweep_close__refund_reaches_balance_totals_exact(
    credits, router, eth_model, buy, consumer, holder, gateway, sign, chain
):
    # Credits from balances and credits bought straight into channels, side by side.
    buy(holder, 5)
    expiry = chain.pending_timestamp + HOUR
    credits.openChannel(eth_model, gateway, 0, 5, expiry, sender=holder)
    cid = opened(
        credits,
        credits.buyAndOpenChannel(
            eth_model, gateway, 0, 10, expiry, value=10 * ETH_CREDIT_VALUE, sender=consumer
        ),
    )
    credits.settle([sign(consumer, cid, 4, expiry)], sender=gateway)
    credits.sweep(eth_model, sender=holder)
    assert router.liabilities(ETH) == 4 * ETH_CREDIT_VALUE
    chain.pending_timestamp = expiry + GRACE
    # Refund (6) exceeds the balance-funded channelled credits (5): re-booked, views exact.
    assert credits.closeChannel(cid.args, sender=consumer).return_value == 6
    assert credits.balanceOf(consumer, eth_model) == 6
    minted, redeemed, channelled, consumed = _totals(credits, eth_model)
    assert (minted, redeemed, channelled, consumed) == (15, 0, 9, 4)
    assert credits.lockedSupply(eth_model) == 5
    assert credits.totalSupply(eth_model) == 6
    assert credits.escrowOf(eth_model) == 11 * ETH_CREDIT_VALUE == credits.balance
    # The refunded credits are ordinary free credits: redeemable for their value.
    credits.redeem(eth_model, 6, consumer, sender=consumer)
    assert credits.escrowOf(eth_model) == 5 * ETH_CREDIT_VALUE == credits.balance


def test_buyAndTopUpChannel__eth__adds_paid_credits_to_the_deposit(
    credits, eth_model, open_channel, consumer, chain
):
    cid = open_channel(consumer, 10)
    expiry = credits.channel(cid).expiry
    minted = credits.modelCredits(eth_model).minted
    tx = credits.buyAndTopUpChannel(
        cid.args, 15, expiry + HOUR, value=15 * ETH_CREDIT_VALUE, sender=consumer
    )
    [ev] = tx.decode_logs(credits.ChannelToppedUp)
    assert (ev.addedCredits, ev.deposit, ev.expiry) == (15, 25, expiry + HOUR)
    assert tx.decode_logs(credits.CreditsBought)[0].paid == 15 * ETH_CREDIT_VALUE
    assert credits.channel(cid).deposit == 25
    assert credits.modelCredits(eth_model).minted == minted + 15
    assert credits.balanceOf(consumer, eth_model) == 0
    assert credits.lockedSupply(eth_model) == 25
    assert credits.escrowOf(eth_model) == 25 * ETH_CREDIT_VALUE == credits.balance


def test_buyAndTopUpChannel__not_consumer__reverts(
    credits, open_channel, consumer, attacker, chain
):
    cid = open_channel(consumer, 10)
    with ape.reverts(credits.UsageCreditsNotChannelConsumer, channelId=cid, caller=attacker):
        credits.buyAndTopUpChannel(
            cid.args, 1, credits.channel(cid).expiry, value=ETH_CREDIT_VALUE, sender=attacker
        )


def test_openChannel__expiry_beyond_32_bits__reverts(credits, eth_model, buy, consumer, gateway):
    buy(consumer, 1)
    with ape.reverts(credits.UsageCreditsExpiryTooLarge, expiry=2**32, maximum=2**32 - 1):
        credits.openChannel(eth_model, gateway, 0, 1, 2**32, sender=consumer)


def test_buyAndOpenChannel__credits_above_uint64__reverts(
    credits, eth_model, consumer, gateway, chain
):
    with ape.reverts(credits.UsageCreditsAmountTooLarge, credits=2**64):
        credits.buyAndOpenChannel(
            eth_model, gateway, 0, 2**64, chain.pending_timestamp + HOUR, sender=consumer
        )
