"""Gas budgets of the metering path (the targets in docs/GAS.md), measured with tx.gas_used.

Run with `-s` to see the figures. Settlement pays the real RevenueRouter (5 % fee, no recipient
set, so revenue accrues to the model owner); the router is called once per model per batch, so
its cost is amortised over the batch.
"""

import pytest
from credits_helpers import ETH_CREDIT_VALUE, TOKEN_CREDIT_VALUE
from fixtures.channels import opened, ref_of

from modelmint.constants import HOUR
from modelmint.dev.testing import event_topic, send_plain

BATCH = 100
CALLS_PER_RECEIPT = 1_000


def _report(label, gas):
    print(f"GAS {label:<48} {gas:>10,}")


def test_gas__buy_credits__within_budget(
    credits, eth_model, token_model, token, buy, holder, accounts
):
    # Steady state: the models already have credits outstanding (their totals are non-zero).
    buy(holder, 1, eth_model)
    buy(holder, 1, token_model)
    fresh = accounts.generate_test_account()
    accounts[0].transfer(fresh, 10**18)
    first = credits.buyCredits(eth_model, 100, fresh, sender=fresh, value=100 * ETH_CREDIT_VALUE)
    again = credits.buyCredits(eth_model, 50, fresh, sender=fresh, value=50 * ETH_CREDIT_VALUE)
    _report("buyCredits ETH, first (fresh balance)", first.gas_used)
    _report("buyCredits ETH, top-up (existing balance)", again.gas_used)
    token.mint(fresh, 10**9, sender=fresh)
    token.approve(credits, 10**9, sender=fresh)
    first20 = credits.buyCredits(token_model, 100, fresh, sender=fresh)
    again20 = credits.buyCredits(token_model, 100, fresh, sender=fresh)
    _report("buyCredits ERC-20, first", first20.gas_used)
    _report("buyCredits ERC-20, top-up", again20.gas_used)
    assert first.gas_used <= 70_000
    assert again.gas_used <= 45_000
    assert first20.gas_used <= 90_000  # two token balance reads + transferFrom on top


def test_gas__channel_lifecycle__reported(credits, eth_model, buy, consumer, gateway, sign, chain):
    buy(consumer, 301)
    expiry = chain.pending_timestamp + HOUR
    # Steady state: not the model's first channel.
    credits.openChannel(eth_model, gateway, 0, 1, expiry, sender=consumer)
    opening = credits.openChannel(eth_model, gateway, 1, 100, expiry, sender=consumer)
    cid = opened(credits, opening)
    topped = credits.topUpChannel(cid.args, 100, expiry + HOUR, sender=consumer)
    extended = credits.topUpChannel(cid.args, 0, expiry + 2 * HOUR, sender=consumer)
    first = credits.settle([sign(consumer, cid, 10, expiry)], sender=gateway)
    single = credits.settle([sign(consumer, cid, 20, expiry)], sender=gateway)
    chain.pending_timestamp = expiry + 2 * HOUR + 86_400
    closed = credits.closeChannel(cid.args, sender=consumer)
    redeemed = credits.redeem(eth_model, 50, consumer, sender=consumer)
    _report("openChannel", opening.gas_used)
    _report("topUpChannel (add credits + extend)", topped.gas_used)
    _report("topUpChannel (extend only)", extended.gas_used)
    _report("settle, one receipt, model's first revenue", first.gas_used)
    _report("settle, one receipt, steady state", single.gas_used)
    _report("closeChannel (refund to existing balance)", closed.gas_used)
    _report("redeem ETH", redeemed.gas_used)
    assert opening.gas_used <= 125_000


@pytest.mark.parametrize("model", ["eth", "erc20"])
def test_gas__settle_batch_of_100__per_channel_within_budget(
    credits, eth_model, token_model, buy, consumer, gateway, sign, chain, model
):
    model_id = eth_model if model == "eth" else token_model
    buy(consumer, BATCH * 10, model_id)
    expiry = chain.pending_timestamp + HOUR
    # Setup, not measured: plain transactions (each checked), ape's bookkeeping is the cost.
    openings = send_plain(
        chain,
        consumer,
        [(credits.openChannel, (model_id, gateway, salt, 10, expiry)) for salt in range(BATCH)],
    )
    topic = event_topic(credits.ChannelOpened)
    ids = [
        int.from_bytes(log["topics"][1], "big")
        for receipt in openings
        for log in receipt.logs
        if log["address"] == credits.address and bytes(log["topics"][0]) == topic
    ]
    assert ids == [ref_of(consumer, gateway, model_id, salt) for salt in range(BATCH)]
    ids = [ref_of(consumer, gateway, model_id, salt) for salt in range(BATCH)]
    # Each receipt covers 1,000 metered calls at 1/200 credit each (5 credits).
    batch = [sign(consumer, cid, 5, expiry) for cid in ids]
    tx = credits.settle(batch, sender=gateway)
    assert len(tx.decode_logs(credits.CreditsSettled)) == BATCH
    per_channel = tx.gas_used / BATCH
    per_call = per_channel / CALLS_PER_RECEIPT
    _report(f"settle batch of {BATCH} ({model}) total", tx.gas_used)
    _report(f"settle batch of {BATCH} ({model}) per channel", round(per_channel))
    _report(f"metering per call at {CALLS_PER_RECEIPT} calls/receipt ({model})", round(per_call, 2))
    value = ETH_CREDIT_VALUE if model == "eth" else TOKEN_CREDIT_VALUE
    assert credits.modelCredits(model_id).consumed == 5 * BATCH
    assert credits.escrowOf(model_id) == 5 * BATCH * value
    assert per_channel <= 22_000
    assert per_call <= 25
