"""`settleAndSweep`: `settle` then `sweep` in one transaction, leaving exactly the state and the
events of the two transactions (CRD-26)."""

import ape
import pytest
from credits_helpers import ETH_CREDIT_VALUE, TOKEN_CREDIT_VALUE, router_payments

from modelmint.constants import ETH, HOUR
from modelmint.dev.testing import isolated


def _logs(*txs):
    """Every log of `txs`, in order, without block or transaction fields."""
    return [
        (str(log["address"]), [bytes(t) for t in log["topics"]], bytes(log["data"]))
        for tx in txs
        for log in tx.logs
    ]


def _state(credits, router, token, model_id, channels, accounts):
    """What settlement and sweep change: channels, the model's books, the router's books and
    every holder of the model's asset."""
    asset = credits.modelCredits(model_id).asset

    def held(account):
        return ape.chain.provider.get_balance(account) if asset == ETH else token.balanceOf(account)

    return (
        [tuple(credits.channel(int(c))) for c in channels],
        tuple(credits.modelCredits(model_id)),
        credits.pendingRevenue(model_id),
        credits.escrowOf(model_id),
        router.liabilities(asset),
        router.feesOwed(asset),
        [router.claimable(model_id, a) for a in accounts],
        [held(a) for a in (credits.address, router.address)],
        token.allowance(credits, router),
    )


@pytest.mark.parametrize("asset", ["eth", "token"])
def test_settleAndSweep__batch_with_a_rejected_receipt__same_state_and_events_as_settle_then_sweep(
    asset,
    credits,
    router,
    token,
    consumer,
    holder,
    model_owner,
    gateway,
    open_channel,
    sign,
    chain,
    eth_model,
    token_model,
):
    model_id = eth_model if asset == "eth" else token_model
    value = ETH_CREDIT_VALUE if asset == "eth" else TOKEN_CREDIT_VALUE
    first, second = open_channel(consumer, 50, model_id), open_channel(holder, 40, model_id)
    deadline = chain.pending_timestamp + HOUR
    # An earlier settlement left revenue pending: the sweep pays it with the new one.
    credits.settle([sign(consumer, first, 5, deadline)], sender=gateway)
    receipts = [
        sign(consumer, first, 20, deadline),
        sign(holder, second, 30, deadline),
        sign(consumer, second, 35, deadline),  # not the channel's signer: rejected
    ]
    channels, owners = (first, second), (model_owner, holder, consumer)

    with isolated(chain):
        settle = credits.settle(receipts, sender=gateway)
        sweep = credits.sweep(model_id, sender=gateway)
        two_tx = (_state(credits, router, token, model_id, channels, owners), _logs(settle, sweep))
        returned = (settle.return_value, sweep.return_value)

    one = credits.settleAndSweep(receipts, model_id, sender=gateway)

    assert one.return_value == returned == (45, (5 + 45) * value)
    assert (_state(credits, router, token, model_id, channels, owners), _logs(one)) == two_tx
    assert router_payments(router, one, model_id) == 1
    assert credits.pendingRevenue(model_id) == 0


def test_settleAndSweep__nothing_settled_nothing_pending__no_router_payment(
    credits, router, eth_model, open_channel, consumer, gateway, sign, chain
):
    cid = open_channel(consumer, 10)
    # A receipt of the caller's channel signed by another key settles nothing.
    receipt = sign(gateway, cid, 4, chain.pending_timestamp + HOUR)
    tx = credits.settleAndSweep([receipt], eth_model, sender=gateway)
    assert tx.return_value == (0, 0)
    assert tx.decode_logs(credits.RevenueSwept) == []
    assert router_payments(router, tx, eth_model) == 0
    assert credits.channel(int(cid)).settled == 0


def test_settleAndSweep__model_without_credits__reverts_settling_nothing(
    credits, register_model, open_channel, consumer, gateway, sign, chain, eth_model
):
    cid = open_channel(consumer, 10)
    other = register_model()
    receipt = sign(consumer, cid, 4, chain.pending_timestamp + HOUR)
    with ape.reverts(credits.UsageCreditsNotEnabled, modelId=other):
        credits.settleAndSweep([receipt], other, sender=gateway)
    assert credits.channel(int(cid)).settled == 0
    assert credits.modelCredits(eth_model).consumed == 0
