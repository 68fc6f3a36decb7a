"""Charged settlement (dynamic pricing): the consumer signs a ceiling, the gateway settles its
actual cumulative charge; deadline inclusiveness; skipped receipts in a batch.

    credits.settle([signed.settle_args(terms, charged=740)], sender=gateway)  # ceiling 1,000
"""

from typing import NamedTuple

import pytest
from credits_helpers import ETH_CREDIT_VALUE, rejections, settle_args_of
from hypothesis import given, settings
from hypothesis import strategies as st

from modelmint.constants import ETH, HOUR
from modelmint.credits import ChannelTerms
from modelmint.dev.testing import isolated
from modelmint.receipts import Receipt, SignedReceipt, sign_receipt


class _Signed(NamedTuple):
    """A signed receipt with the terms of its channel (`cid`, a ChannelRef)."""

    signed: SignedReceipt
    terms: ChannelTerms

    def settle_args(self, charged=None):
        return self.signed.settle_args(self.terms, charged)


def _receipt(domain, consumer, cid, ceiling, deadline):
    return _Signed(sign_receipt(domain, Receipt(int(cid), ceiling, deadline), consumer), cid.terms)


def test_settle__charge_above_ceiling__rejected_named_error_nothing_moves(
    credits, router, eth_model, open_channel, consumer, gateway, domain, chain
):
    cid = open_channel(consumer, 100)
    signed = _receipt(domain, consumer, cid, 40, chain.pending_timestamp + HOUR)
    args = signed.settle_args()[:6] + (41,)
    tx = credits.settle([args], sender=gateway)
    assert rejections(credits, tx) == [(cid, "UsageCreditsChargeAboveCeiling")]
    assert tx.return_value == 0
    assert credits.channel(cid).settled == 0
    assert credits.pendingRevenue(eth_model) == 0 == router.liabilities(ETH)
    assert credits.escrowOf(eth_model) == 100 * ETH_CREDIT_VALUE == credits.balance


def test_settle_args__charge_above_ceiling__python_rejects_before_sending(
    domain, consumer, gateway
):
    terms = ChannelTerms(str(consumer), str(gateway), 1, 5)
    signed = sign_receipt(domain, Receipt(terms.channel_id, 40, 2**40), consumer)
    with pytest.raises(ValueError, match="ceiling"):
        signed.settle_args(terms, charged=41)
    assert signed.settle_args(terms) == (terms.consumer, 1, 5, 40, 2**40, signed.signature, 40)
    assert signed.settle_args(terms, charged=7)[6] == 7


def test_settle_args__terms_of_another_channel__python_rejects_before_sending(
    domain, consumer, gateway
):
    terms = ChannelTerms(str(consumer), str(gateway), 1, 5)
    signed = sign_receipt(domain, Receipt(terms.channel_id, 40, 2**40), consumer)
    with pytest.raises(ValueError, match="is not the id of its terms"):
        signed.settle_args(ChannelTerms(str(consumer), str(gateway), 1, 6))


def test_settle__charge_below_ceiling__settles_exactly_the_charge(
    credits, eth_model, open_channel, consumer, gateway, domain, chain
):
    cid = open_channel(consumer, 100)
    signed = _receipt(domain, consumer, cid, 60, chain.pending_timestamp + HOUR)
    tx = credits.settle([signed.settle_args(charged=37)], sender=gateway)
    [ev] = tx.decode_logs(credits.CreditsSettled)
    assert (ev.credits, ev.settled) == (37, 37)
    assert credits.channel(cid).settled == 37
    assert credits.modelCredits(eth_model).consumed == 37
    # The same signed ceiling later covers a higher charge, up to the ceiling.
    tx = credits.settle([signed.settle_args(charged=60)], sender=gateway)
    assert tx.decode_logs(credits.CreditsSettled)[0].credits == 23
    assert credits.channel(cid).settled == 60


def test_settle__charge_at_or_below_settled__moves_nothing_never_decreases(
    credits, eth_model, open_channel, consumer, gateway, domain, chain
):
    cid = open_channel(consumer, 100)
    deadline = chain.pending_timestamp + HOUR
    credits.settle([_receipt(domain, consumer, cid, 50, deadline).settle_args()], sender=gateway)
    higher = _receipt(domain, consumer, cid, 90, deadline)
    for charged in (50, 10, 0):
        tx = credits.settle([higher.settle_args(charged=charged)], sender=gateway)
        assert tx.decode_logs(credits.CreditsSettled) == []
        assert credits.channel(cid).settled == 50
    assert credits.modelCredits(eth_model).consumed == 50


def test_settle__charge_above_deposit__capped_at_deposit(
    credits, open_channel, consumer, gateway, domain, chain
):
    cid = open_channel(consumer, 30)
    signed = _receipt(domain, consumer, cid, 80, chain.pending_timestamp + HOUR)
    credits.settle([signed.settle_args(charged=45)], sender=gateway)
    assert credits.channel(cid).settled == 30


@pytest.fixture
def due_in_ten_minutes(open_channel, consumer, domain, chain):
    """A 100-credit channel and the consumer's receipt for 10 of them, due 600 s from now:
    `(channel id, deadline, signed receipt)`."""
    cid = open_channel(consumer, 100)
    deadline = chain.pending_timestamp + 600
    return cid, deadline, _receipt(domain, consumer, cid, 10, deadline)


def test_settle__deadline_equals_block_timestamp__settles(
    credits, gateway, chain, due_in_ten_minutes
):
    cid, deadline, signed = due_in_ten_minutes
    chain.pending_timestamp = deadline  # the settling block's timestamp is exactly the deadline
    tx = credits.settle([signed.settle_args()], sender=gateway)
    assert chain.provider.get_block(tx.block_number).timestamp == deadline
    assert credits.channel(cid).settled == 10


def test_settle__one_second_past_deadline__rejected(credits, gateway, chain, due_in_ten_minutes):
    cid, deadline, signed = due_in_ten_minutes
    chain.pending_timestamp = deadline + 1
    tx = credits.settle([signed.settle_args()], sender=gateway)
    assert rejections(credits, tx) == [(cid, "UsageCreditsReceiptExpired")]
    assert credits.channel(cid).settled == 0


def test_settle__junk_signature_on_already_settled_channel__skipped_rest_of_batch_settles(
    credits, open_channel, consumer, gateway, domain, chain
):
    done, fresh = open_channel(consumer, 100), open_channel(consumer, 100)
    deadline = chain.pending_timestamp + HOUR
    credits.settle([_receipt(domain, consumer, done, 40, deadline).settle_args()], sender=gateway)
    junk = settle_args_of(done, 40, deadline, b"\x01" * 65, 40)  # charge == settled: moves nothing
    valid = _receipt(domain, consumer, fresh, 25, deadline).settle_args()
    tx = credits.settle([junk, valid], sender=gateway)
    assert [(e.channelId, e.credits) for e in tx.decode_logs(credits.CreditsSettled)] == [
        (fresh, 25)
    ]
    assert credits.channel(done).settled == 40
    # The same junk signature with a charge that would move credits is checked and rejected.
    tx = credits.settle([settle_args_of(done, 41, deadline, b"\x01" * 65, 41)], sender=gateway)
    assert rejections(credits, tx) == [(done, "UsageCreditsInvalidSignature")]
    assert credits.channel(done).settled == 40


@settings(max_examples=20, deadline=None)
@given(
    deposit=st.integers(1, 1_000),
    ceiling=st.integers(0, 2_000),
    charged=st.integers(0, 2_100),
)
def test_settle__random_ceiling_and_charge__settles_min_of_charge_and_deposit_or_rejected(
    credits, eth_model, open_channel, consumer, gateway, domain, chain, deposit, ceiling, charged
):
    with isolated(chain):
        cid = open_channel(consumer, deposit)
        escrow, pending = credits.escrowOf(eth_model), credits.pendingRevenue(eth_model)
        signed = _receipt(domain, consumer, cid, ceiling, chain.pending_timestamp + HOUR)
        args = signed.settle_args()[:6] + (charged,)
        if charged > ceiling:
            tx = credits.settle([args], sender=gateway)
            assert rejections(credits, tx) == [(cid, "UsageCreditsChargeAboveCeiling")]
            assert credits.channel(cid).settled == 0
            return
        credits.settle([args], sender=gateway)
        settled = min(charged, deposit)
        assert credits.channel(cid).settled == settled
        # Conservation: exactly the settled value moved from escrow to pending revenue.
        assert credits.lockedSupply(eth_model) >= deposit - settled
        assert escrow - credits.escrowOf(eth_model) == settled * ETH_CREDIT_VALUE
        assert credits.pendingRevenue(eth_model) - pending == settled * ETH_CREDIT_VALUE
