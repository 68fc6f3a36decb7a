"""Cooperative close: one transaction settles a channel at the total both parties agreed
(CooperativeClose(channelId, chargedCredits), signed by one and submitted by the other) and
pays the value of the rest to the consumer. The gateway never gets more than the consumer
signed or submitted; the refund is never more than the deposit minus the charge.

    credits.closeChannelCooperatively(cid.args, charged, gateway_signature, sender=consumer)
"""

from contextlib import contextmanager

import ape
import pytest
from credits_helpers import ETH_CREDIT_VALUE, GRACE, TOKEN_CREDIT_VALUE
from fixtures.asserts import one_log
from fixtures.channels import ref_of

from modelmint.constants import HOUR
from modelmint.receipts import CooperativeClose, sign_struct


@pytest.fixture(scope="module")
def close_sig(domain):
    """Builder: `close_sig(signer, channel_id, charged)` -> the 65-byte signature."""

    def _sign(signer, channel_id, charged):
        return sign_struct(domain, CooperativeClose(channel_id, charged), signer)

    return _sign


def _snapshot(credits, model_id, cid):
    """What a refused close could change (the senders' ETH pays for the refused transaction)."""
    m = credits.modelCredits(model_id)
    return (
        credits.channel(cid),
        (m.minted, m.redeemed, m.channelled, m.consumed),
        credits.escrowOf(model_id),
        credits.pendingRevenue(model_id),
        credits.balance,
    )


@contextmanager
def refused(credits, model_id, cid, error, **fields):
    """The block reverts with `error` (carrying `fields`) and changes nothing."""
    before = _snapshot(credits, model_id, cid)
    with ape.reverts(getattr(credits, error), **fields):
        yield
    assert _snapshot(credits, model_id, cid) == before


@pytest.fixture
def refused_close(credits, eth_model):
    """`refused_close(cid, error, **fields)`: `refused` on an ETH-model channel."""

    def _refused(cid, error, **fields):
        return refused(credits, eth_model, cid, error, **fields)

    return _refused


def test_closeChannelCooperatively__consumer_with_gateway_signature__settles_and_refunds(
    credits, eth_model, consumer, gateway, open_channel, sign, close_sig, chain
):
    cid = open_channel(consumer, 100)
    credits.settle([sign(consumer, cid, 20, chain.pending_timestamp + HOUR)], sender=gateway)
    pending, balance = credits.pendingRevenue(eth_model), credits.balance
    tx = credits.closeChannelCooperatively(
        cid.args, 30, close_sig(gateway, cid, 30), sender=consumer
    )
    one_log(tx, credits.CreditsSettled, channelId=cid, modelId=eth_model, credits=10, settled=30)
    one_log(tx, credits.ChannelClosed, channelId=cid, consumer=consumer, refundedCredits=70)
    one_log(
        tx,
        credits.CreditsRedeemed,
        modelId=eth_model,
        holder=consumer,
        to=consumer,
        credits=70,
        value=70 * ETH_CREDIT_VALUE,
    )
    c = credits.channel(cid)
    assert (c.expiry, c.settled, c.deposit) == (0, 30, 100)
    assert credits.pendingRevenue(eth_model) == pending + 10 * ETH_CREDIT_VALUE
    assert credits.balance == balance - 70 * ETH_CREDIT_VALUE
    assert credits.lockedSupply(eth_model) == 0
    assert credits.escrowOf(eth_model) == 0
    assert tx.return_value == 70


def test_closeChannelCooperatively__gateway_with_consumer_signature__erc20_refund(
    credits, token, token_model, consumer, gateway, open_channel, close_sig
):
    cid = open_channel(consumer, 50, model_id=token_model)
    before = token.balanceOf(consumer)
    credits.closeChannelCooperatively(cid.args, 0, close_sig(consumer, cid, 0), sender=gateway)
    assert token.balanceOf(consumer) == before + 50 * TOKEN_CREDIT_VALUE
    assert credits.pendingRevenue(token_model) == 0
    assert token.balanceOf(credits) == credits.escrowOf(token_model)


def test_closeChannelCooperatively__full_charge__nothing_refunded(
    credits, eth_model, consumer, gateway, open_channel, close_sig
):
    cid = open_channel(consumer, 10)
    tx = credits.closeChannelCooperatively(
        cid.args, 10, close_sig(consumer, cid, 10), sender=gateway
    )
    one_log(tx, credits.ChannelClosed, channelId=cid, refundedCredits=0)
    assert not tx.decode_logs(credits.CreditsRedeemed)
    assert credits.channel(cid).settled == 10


def test_closeChannelCooperatively__charge_above_deposit__reverts(
    credits, eth_model, consumer, gateway, open_channel, close_sig, refused_close
):
    cid = open_channel(consumer, 10)
    with refused_close(cid, "UsageCreditsInvalidFinalCharge", charged=11, settled=0, deposit=10):
        credits.closeChannelCooperatively(
            cid.args, 11, close_sig(gateway, cid, 11), sender=consumer
        )


def test_closeChannelCooperatively__charge_below_settled__reverts(
    credits, eth_model, consumer, gateway, open_channel, sign, close_sig, chain, refused_close
):
    cid = open_channel(consumer, 10)
    credits.settle([sign(consumer, cid, 6, chain.pending_timestamp + HOUR)], sender=gateway)
    with refused_close(cid, "UsageCreditsInvalidFinalCharge", charged=5, settled=6, deposit=10):
        credits.closeChannelCooperatively(cid.args, 5, close_sig(gateway, cid, 5), sender=consumer)


@pytest.mark.parametrize(
    "submitter, signer, signed, submitted",
    [
        # The consumer signed 4: the gateway cannot submit 9 with it.
        ("gateway", "consumer", 4, 9),
        # Each party needs the OTHER's signature: the consumer's own does not do.
        ("consumer", "consumer", 0, 0),
    ],
    ids=["gateway_raises_the_consumers_total", "own_signature"],
)
def test_closeChannelCooperatively__not_the_other_partys_signature_of_the_total__reverts(
    request, credits, open_channel, close_sig, refused_close, submitter, signer, signed, submitted
):
    party = {role: request.getfixturevalue(role) for role in ("consumer", "gateway")}
    expected = party["consumer" if submitter == "gateway" else "gateway"]
    cid = open_channel(party["consumer"], 10)
    with refused_close(
        cid, "UsageCreditsInvalidCloseSignature", channelId=cid, expectedSigner=expected
    ):
        credits.closeChannelCooperatively(
            cid.args, submitted, close_sig(party[signer], cid, signed), sender=party[submitter]
        )


def test_closeChannelCooperatively__signature_for_another_channel__reverts(
    credits, eth_model, consumer, gateway, open_channel, close_sig, refused_close
):
    cid = open_channel(consumer, 10)
    other = open_channel(consumer, 10)
    with refused_close(cid, "UsageCreditsInvalidCloseSignature"):
        credits.closeChannelCooperatively(
            cid.args, 0, close_sig(gateway, other, 0), sender=consumer
        )


def test_closeChannelCooperatively__third_party__reverts_not_channel_party(
    credits, eth_model, consumer, gateway, attacker, open_channel, close_sig, refused_close
):
    cid = open_channel(consumer, 10)
    with refused_close(cid, "UsageCreditsNotChannelParty", channelId=cid, caller=attacker):
        credits.closeChannelCooperatively(cid.args, 0, close_sig(consumer, cid, 0), sender=attacker)


def test_closeChannelCooperatively__unknown_channel__reverts(
    credits, eth_model, consumer, gateway, close_sig
):
    unknown = ref_of(consumer, gateway, eth_model, 10**9)
    with ape.reverts(credits.UsageCreditsUnknownChannel, channelId=unknown):
        credits.closeChannelCooperatively(
            unknown.args, 0, close_sig(consumer, unknown, 0), sender=consumer
        )


def test_closeChannelCooperatively__after_unilateral_close__reverts_closed(
    credits, eth_model, consumer, gateway, open_channel, close_sig, chain, refused_close
):
    cid = open_channel(consumer, 10)
    chain.pending_timestamp += HOUR + GRACE
    credits.closeChannel(cid.args, sender=consumer)
    with refused_close(cid, "UsageCreditsChannelClosed", channelId=cid):
        credits.closeChannelCooperatively(cid.args, 0, close_sig(gateway, cid, 0), sender=consumer)
