"""Settling EIP-712 receipts: batches, replay protection, caps, deadlines, grace, rejected
receipts (skipped, never reverting a batch), receipt signers recorded at opening."""

import ape
import pytest
from credits_helpers import (
    ETH_CREDIT_VALUE,
    GRACE,
    ROUTER_FEE_BPS,
    TOKEN_CREDIT_VALUE,
    assert_settle_rejected,
    rejections,
    router_payments,
    settle_args_of,
    verify_args_of,
)
from eth_abi import encode
from eth_account import Account
from eth_utils import keccak
from fixtures.channels import free_salt, opened, ref_of

from modelmint.constants import ETH, HOUR, ZERO_ADDRESS
from modelmint.receipts import (
    SECP256K1_N,
    Receipt,
    ReceiptDomain,
    receipt_digest,
    sign_receipt,
    split_signature,
)

BAD_SIGNATURE = "UsageCreditsInvalidSignature"


def _deadline(chain):
    return chain.pending_timestamp + HOUR


def _high_s(signature: bytes) -> bytes:
    """The malleable twin of a valid signature: s' = n - s, v flipped. Same signer."""
    v, r, s = split_signature(signature)
    return r.to_bytes(32, "big") + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])


def test_settle__eth_receipt__records_delta_then_sweep_pays_router(
    credits, router, eth_model, open_channel, consumer, gateway, holder, model_owner, sign, chain
):
    cid = open_channel(consumer, 100)
    tx = credits.settle([sign(consumer, cid, 30, _deadline(chain))], sender=gateway)
    [ev] = tx.decode_logs(credits.CreditsSettled)
    assert (ev.channelId, ev.modelId, ev.credits, ev.settled) == (cid, eth_model, 30, 30)
    assert credits.channel(cid).settled == 30
    # Settlement records the charge only: the value waits here, nothing reaches the router.
    assert router_payments(router, tx, eth_model) == 0
    assert router.liabilities(ETH) == 0
    assert credits.pendingRevenue(eth_model) == 30 * ETH_CREDIT_VALUE
    assert credits.lockedSupply(eth_model) == 70
    assert credits.modelCredits(eth_model).consumed == 30
    assert credits.escrowOf(eth_model) == 70 * ETH_CREDIT_VALUE
    assert credits.balance == 100 * ETH_CREDIT_VALUE
    # Anyone sweeps: one router payment, the fee and split applied there.
    sweep = credits.sweep(eth_model, sender=holder)
    [swept] = sweep.decode_logs(credits.RevenueSwept)
    assert (swept.modelId, swept.credits, swept.value) == (eth_model, 30, 30 * ETH_CREDIT_VALUE)
    assert router_payments(router, sweep, eth_model) == 1
    assert router.liabilities(ETH) == 30 * ETH_CREDIT_VALUE == router.balance
    # No recipients set: the model owner earns the revenue net of the protocol fee.
    fee = 30 * ETH_CREDIT_VALUE * ROUTER_FEE_BPS // 10_000
    assert router.feesOwed(ETH) == fee
    assert router.claimable(eth_model, model_owner) == 30 * ETH_CREDIT_VALUE - fee
    assert credits.pendingRevenue(eth_model) == 0
    assert credits.escrowOf(eth_model) == 70 * ETH_CREDIT_VALUE == credits.balance


def test_sweep__nothing_pending__returns_zero_no_router_payment(
    credits, router, eth_model, open_channel, consumer, gateway, holder, sign, chain
):
    cid = open_channel(consumer, 10)
    credits.settle([sign(consumer, cid, 4, _deadline(chain))], sender=gateway)
    credits.sweep(eth_model, sender=holder)
    again = credits.sweep(eth_model, sender=holder)
    assert again.return_value == 0
    assert again.decode_logs(credits.RevenueSwept) == []
    assert router_payments(router, again, eth_model) == 0
    assert router.liabilities(ETH) == 4 * ETH_CREDIT_VALUE


def test_sweep__settle_sweep_settle_sweep__second_pays_only_the_new_part(
    credits, router, eth_model, open_channel, consumer, gateway, holder, sign, chain
):
    cid = open_channel(consumer, 100)
    credits.settle([sign(consumer, cid, 30, _deadline(chain))], sender=gateway)
    first = credits.sweep(eth_model, sender=holder)
    assert first.return_value == 30 * ETH_CREDIT_VALUE
    assert credits.balance == credits.escrowOf(eth_model) + credits.pendingRevenue(eth_model)
    credits.settle([sign(consumer, cid, 70, _deadline(chain))], sender=gateway)
    assert credits.pendingRevenue(eth_model) == 40 * ETH_CREDIT_VALUE
    assert credits.escrowOf(eth_model) == 30 * ETH_CREDIT_VALUE
    assert credits.balance == 70 * ETH_CREDIT_VALUE  # escrow 30 + unswept 40
    second = credits.sweep(eth_model, sender=holder)
    [swept] = second.decode_logs(credits.RevenueSwept)
    assert (swept.credits, swept.value) == (40, 40 * ETH_CREDIT_VALUE)
    assert second.return_value == 40 * ETH_CREDIT_VALUE
    assert [ev.amount for ev in second.decode_logs(router.PaymentReceived)] == [
        40 * ETH_CREDIT_VALUE
    ]
    assert router.liabilities(ETH) == 70 * ETH_CREDIT_VALUE == router.balance
    assert credits.pendingRevenue(eth_model) == 0
    assert credits.balance == credits.escrowOf(eth_model) == 30 * ETH_CREDIT_VALUE


def _net(credits_):
    value = credits_ * ETH_CREDIT_VALUE
    return value - value * ROUTER_FEE_BPS // 10_000


@pytest.fixture
def settle_usage(credits, open_channel, consumer, gateway, sign, chain):
    """Builder: settles the consumer's use of one 100-credit channel (opened on the first call)
    up to `cumulative` credits, leaving the revenue unswept."""
    channel = []

    def _settle(cumulative):
        if not channel:
            channel.append(open_channel(consumer, 100))
        receipt = sign(consumer, channel[0], cumulative, _deadline(chain))
        credits.settle([receipt], sender=gateway)

    return _settle


def test_transfer__model_with_settled_unswept_credits__swept_to_the_seller_first(
    credits, router, registry, eth_model, settle_usage, holder, model_owner
):
    # Settled before the sale, not swept: it is the seller's (no split: the owner earns), not
    # the buyer's, whenever anyone sweeps.
    settle_usage(30)
    tx = registry.transferFrom(model_owner, holder, eth_model, sender=model_owner)
    [swept] = tx.decode_logs(credits.RevenueSwept)
    assert (swept.modelId, swept.credits) == (eth_model, 30)
    assert credits.pendingRevenue(eth_model) == 0
    assert router.claimable(eth_model, model_owner) == _net(30)
    # Usage settled after the sale is the buyer's.
    settle_usage(50)
    assert credits.sweep(eth_model, sender=model_owner).return_value == 20 * ETH_CREDIT_VALUE
    assert router.claimable(eth_model, holder) == _net(20)
    assert router.claimable(eth_model, model_owner) == _net(30)


def test_setRecipients__settled_unswept_credits__swept_to_the_old_split_first(
    credits, router, eth_model, settle_usage, holder, model_owner, contributor
):
    router.setRecipients(eth_model, [contributor], [1], sender=model_owner)
    settle_usage(40)
    tx = router.setRecipients(eth_model, [holder], [1], sender=model_owner)
    assert [ev.credits for ev in tx.decode_logs(credits.RevenueSwept)] == [40]
    assert router.claimable(eth_model, contributor) == _net(40)
    assert router.claimable(eth_model, holder) == 0
    settle_usage(50)
    credits.sweep(eth_model, sender=holder)
    assert router.claimable(eth_model, holder) == _net(10)
    assert router.claimable(eth_model, contributor) == _net(40)


def test_transfer__model_without_credits__transfer_not_blocked(
    credits, registry, register_model, model_owner, holder
):
    model_id = register_model()  # credits never enabled: the sweep reverts and is skipped
    tx = registry.transferFrom(model_owner, holder, model_id, sender=model_owner)
    assert registry.ownerOf(model_id) == holder
    assert tx.decode_logs(credits.RevenueSwept) == []


def test_sweep__model_without_credits__reverts(credits, register_model, holder):
    model_id = register_model()
    with ape.reverts(credits.UsageCreditsNotEnabled, modelId=model_id):
        credits.sweep(model_id, sender=holder)


def test_settle__erc20_receipt__sweep_router_pulls_tokens(
    credits, router, token, token_model, open_channel, consumer, gateway, holder, sign, chain
):
    cid = open_channel(consumer, 50, token_model)
    credits.settle([sign(consumer, cid, 20, _deadline(chain))], sender=gateway)
    assert token.balanceOf(router) == 0
    assert token.balanceOf(credits) == 50 * TOKEN_CREDIT_VALUE
    assert credits.pendingRevenue(token_model) == 20 * TOKEN_CREDIT_VALUE
    credits.sweep(token_model, sender=holder)
    assert token.balanceOf(router) == 20 * TOKEN_CREDIT_VALUE == router.liabilities(token)
    assert token.balanceOf(credits) == 30 * TOKEN_CREDIT_VALUE == credits.escrowOf(token_model)
    assert token.allowance(credits, router) == 0


def test_settle__cumulative_receipts__each_settles_only_the_delta(
    credits, router, eth_model, open_channel, consumer, gateway, sign, chain
):
    cid = open_channel(consumer, 100)
    d = _deadline(chain)
    credits.settle([sign(consumer, cid, 10, d)], sender=gateway)
    tx = credits.settle([sign(consumer, cid, 25, d)], sender=gateway)
    assert tx.decode_logs(credits.CreditsSettled)[0].credits == 15
    assert credits.channel(cid).settled == 25
    assert credits.pendingRevenue(eth_model) == 25 * ETH_CREDIT_VALUE


def test_settle__replayed_receipt__does_nothing(
    credits, router, eth_model, open_channel, consumer, gateway, sign, chain
):
    cid = open_channel(consumer, 100)
    receipt = sign(consumer, cid, 40, _deadline(chain))
    credits.settle([receipt], sender=gateway)
    tx = credits.settle([receipt, receipt], sender=gateway)
    assert tx.decode_logs(credits.CreditsSettled) == []
    assert router_payments(router, tx, eth_model) == 0
    assert credits.channel(cid).settled == 40
    assert credits.pendingRevenue(eth_model) == 40 * ETH_CREDIT_VALUE


def test_settle__older_receipt_after_newer__does_nothing(
    credits, router, eth_model, open_channel, consumer, gateway, sign, chain
):
    cid = open_channel(consumer, 100)
    d = _deadline(chain)
    old, new = sign(consumer, cid, 10, d), sign(consumer, cid, 20, d)
    credits.settle([new, old], sender=gateway)
    assert credits.channel(cid).settled == 20
    credits.settle([old], sender=gateway)
    assert credits.channel(cid).settled == 20
    assert credits.pendingRevenue(eth_model) == 20 * ETH_CREDIT_VALUE


def test_settle__receipt_above_deposit__is_capped_at_deposit(
    credits, router, eth_model, open_channel, buy, consumer, gateway, sign, chain
):
    cid = open_channel(consumer, 10)
    receipt = sign(consumer, cid, 25, _deadline(chain))
    tx = credits.settle([receipt], sender=gateway)
    assert tx.decode_logs(credits.CreditsSettled)[0].credits == 10
    assert credits.channel(cid).settled == 10
    assert credits.lockedSupply(eth_model) == 0
    # After a top-up the same signed receipt covers up to its cumulative amount, never more.
    buy(consumer, 100)
    credits.topUpChannel(cid.args, 100, credits.channel(cid).expiry, sender=consumer)
    credits.settle([receipt], sender=gateway)
    assert credits.channel(cid).settled == 25
    assert credits.pendingRevenue(eth_model) == 25 * ETH_CREDIT_VALUE
    assert credits.lockedSupply(eth_model) == 85


def test_settle__batch_of_two_models__no_router_call_then_one_sweep_per_model(
    credits,
    router,
    token,
    eth_model,
    token_model,
    open_channel,
    consumer,
    holder,
    gateway,
    sign,
    chain,
):
    d = _deadline(chain)
    e1, e2 = open_channel(consumer, 10), open_channel(holder, 10)
    t1, t2 = open_channel(consumer, 10, token_model), open_channel(holder, 10, token_model)
    batch = [
        sign(consumer, e1, 3, d),
        sign(holder, e2, 4, d),
        sign(consumer, t1, 5, d),
        sign(holder, t2, 6, d),
    ]
    tx = credits.settle(batch, sender=gateway)
    assert len(tx.decode_logs(credits.CreditsSettled)) == 4
    assert router_payments(router, tx, eth_model) == router_payments(router, tx, token_model) == 0
    assert credits.modelCredits(eth_model).consumed == 7
    assert credits.modelCredits(token_model).consumed == 11
    for model_id in (eth_model, token_model):
        sweep = credits.sweep(model_id, sender=holder)
        assert router_payments(router, sweep, model_id) == 1
    assert router.liabilities(ETH) == 7 * ETH_CREDIT_VALUE
    assert router.liabilities(token) == 11 * TOKEN_CREDIT_VALUE


def test_settle__receipt_for_another_channel__rejected_settles_nothing(
    credits, router, eth_model, open_channel, consumer, gateway, sign, chain
):
    a, b = open_channel(consumer, 10), open_channel(consumer, 10)
    *_, cumulative, deadline, signature, _ = sign(consumer, a, 5, _deadline(chain))
    bad = settle_args_of(b, cumulative, deadline, signature, cumulative)
    assert_settle_rejected(credits, bad, gateway, b, BAD_SIGNATURE)
    assert credits.channel(b).settled == 0
    assert router.liabilities(ETH) == 0


def test_settle__receipt_for_another_contract__rejected_settles_nothing(
    project,
    credits,
    registry,
    router,
    eth_model,
    open_channel,
    consumer,
    gateway,
    deployer,
    model_owner,
    chain,
):
    # A second deployment with the same channel id: its domain differs, so receipts do not transfer.
    other = project.UsageCredits.deploy(registry, router, "", sender=deployer)
    cid = open_channel(consumer, 10)
    other_domain = ReceiptDomain.from_contract(other)
    foreign = sign_receipt(other_domain, Receipt(cid, 5, _deadline(chain)), consumer).settle_args(
        cid.terms
    )
    assert_settle_rejected(credits, foreign, gateway, cid, BAD_SIGNATURE)
    assert credits.channel(cid).settled == 0


def test_settle__receipt_for_another_chain__rejected_settles_nothing(
    credits, open_channel, consumer, gateway, domain, chain
):
    cid = open_channel(consumer, 10)
    other_chain = ReceiptDomain(
        chain_id=domain.chain_id + 1, verifying_contract=domain.verifying_contract
    )
    foreign = sign_receipt(other_chain, Receipt(cid, 5, _deadline(chain)), consumer).settle_args(
        cid.terms
    )
    assert_settle_rejected(credits, foreign, gateway, cid, BAD_SIGNATURE)


def test_settle__signed_by_someone_else__rejected_settles_nothing(
    credits, open_channel, consumer, attacker, gateway, sign, chain
):
    cid = open_channel(consumer, 10)
    bad = sign(attacker, cid, 5, _deadline(chain))
    assert_settle_rejected(credits, bad, gateway, cid, BAD_SIGNATURE)


def test_settle__tampered_amount__rejected_settles_nothing(
    credits, open_channel, consumer, gateway, sign, chain
):
    cid = open_channel(consumer, 10)
    *_, deadline, signature, _ = sign(consumer, cid, 2, _deadline(chain))
    bad = settle_args_of(cid, 9, deadline, signature, 9)
    assert_settle_rejected(credits, bad, gateway, cid, BAD_SIGNATURE)


def test_settle__high_s_signature__rejected_settles_nothing(
    credits, open_channel, consumer, gateway, sign, domain, chain
):
    cid = open_channel(consumer, 10)
    *_, cumulative, deadline, signature, _ = sign(consumer, cid, 5, _deadline(chain))
    malleable = _high_s(signature)
    # The twin is a mathematically valid secp256k1 signature by the consumer...
    digest = receipt_digest(domain, Receipt(cid, cumulative, deadline))
    v, r, s = split_signature(malleable)
    assert Account._recover_hash(digest, vrs=(v, r, s)) == consumer.address
    # ...but the contract (OZ ECDSA) rejects high-s.
    assert credits.verifyReceipt(cid.args, cumulative, deadline, signature)
    assert not credits.verifyReceipt(cid.args, cumulative, deadline, malleable)
    bad = settle_args_of(cid, cumulative, deadline, malleable, cumulative)
    assert_settle_rejected(credits, bad, gateway, cid, BAD_SIGNATURE)


def test_settle__malformed_signature__rejected_settles_nothing(
    credits, open_channel, consumer, gateway, chain
):
    cid = open_channel(consumer, 10)
    bad = settle_args_of(cid, 5, _deadline(chain), b"\x01" * 64, 5)
    assert_settle_rejected(credits, bad, gateway, cid, BAD_SIGNATURE)


def test_settle__expired_deadline__rejected_settles_nothing(
    credits, open_channel, consumer, gateway, sign, chain
):
    cid = open_channel(consumer, 10)
    deadline = chain.pending_timestamp + 60
    receipt = sign(consumer, cid, 5, deadline)
    chain.pending_timestamp = deadline + 1
    assert_settle_rejected(credits, receipt, gateway, cid, "UsageCreditsReceiptExpired")
    assert credits.channel(cid).settled == 0


def test_settle__wrong_gateway__rejected_settles_nothing(
    credits, registry, eth_model, open_channel, consumer, attacker, model_owner, sign, chain
):
    # Even another allowed gateway of the same model cannot settle someone else's channel:
    # with the caller as gateway, the channel's other terms name a channel that does not exist.
    registry.setGateway(eth_model, attacker, True, sender=model_owner)
    cid = open_channel(consumer, 10)
    bad = sign(consumer, cid, 5, _deadline(chain))
    as_attacker = ref_of(consumer, attacker, eth_model, cid.terms.salt)
    assert_settle_rejected(credits, bad, attacker, as_attacker, "UsageCreditsUnknownChannel")
    assert credits.channel(cid).settled == 0


@pytest.mark.parametrize("wrong", ["consumer", "model", "salt"])
def test_settle__receipt_with_other_terms__rejected_settles_nothing(
    credits, eth_model, token_model, open_channel, consumer, holder, gateway, sign, chain, wrong
):
    # A receipt submitted with terms other than its channel's names another channel: unknown
    # (nothing settles there), or an open one whose id the signature does not cover.
    cid = open_channel(consumer, 10)
    twin = open_channel(consumer, 10)  # same consumer, gateway and model, the next salt
    *_, ceiling, deadline, signature, charged = sign(consumer, cid, 5, _deadline(chain))
    t = cid.terms
    other = {
        "consumer": (holder, gateway, eth_model, t.salt),
        "model": (consumer, gateway, token_model, t.salt),
        "salt": (consumer, gateway, eth_model, twin.terms.salt),
    }[wrong]
    named = ref_of(*other)
    bad = settle_args_of(named, ceiling, deadline, signature, charged)
    reason = BAD_SIGNATURE if named == twin else "UsageCreditsUnknownChannel"
    assert_settle_rejected(credits, bad, gateway, named, reason)
    assert [credits.channel(c).settled for c in (cid, twin)] == [0, 0]
    assert credits.modelCredits(eth_model).consumed == 0


def test_settle__one_bad_receipt_in_batch__good_ones_settle_bad_one_rejected(
    credits, eth_model, open_channel, consumer, attacker, gateway, sign, chain
):
    a, b, c = (open_channel(consumer, 10) for _ in range(3))
    d = _deadline(chain)
    batch = [sign(consumer, a, 5, d), sign(attacker, b, 5, d), sign(consumer, c, 7, d)]
    tx = credits.settle(batch, sender=gateway)
    assert tx.return_value == 12
    assert rejections(credits, tx) == [(b, BAD_SIGNATURE)]
    settled = [(ev.channelId, ev.credits) for ev in tx.decode_logs(credits.CreditsSettled)]
    assert settled == [(a, 5), (c, 7)]
    assert [credits.channel(i).settled for i in (a, b, c)] == [5, 0, 7]
    assert credits.modelCredits(eth_model).consumed == 12
    assert credits.pendingRevenue(eth_model) == 12 * ETH_CREDIT_VALUE


def test_settle__every_rejection_reason_in_one_batch__each_named_good_one_settles(
    credits,
    registry,
    eth_model,
    open_channel,
    consumer,
    attacker,
    gateway,
    model_owner,
    sign,
    chain,
    buy,
):
    """One receipt per reason, in one batch with a good one: the call succeeds, the good
    receipt settles and each bad one is named by its error's selector, in batch order."""
    registry.setGateway(eth_model, attacker, True, sender=model_owner)
    long = 3 * GRACE
    good, expired, above, forged = (open_channel(consumer, 10, ttl=long) for _ in range(4))
    # Opened with the attacker as gateway under a salt no channel of `gateway` has.
    expiry_long = chain.pending_timestamp + long
    buy(consumer, 10)
    other_gw = opened(
        credits,
        credits.openChannel(eth_model, attacker, 500, 10, expiry_long, sender=consumer),
    )
    late, closed = open_channel(consumer, 10, ttl=60), open_channel(consumer, 10, ttl=60)
    start = chain.pending_timestamp
    late_receipt = sign(consumer, late, 3, start + long)
    closed_receipt = sign(consumer, closed, 3, start + long)
    expired_receipt = sign(consumer, expired, 3, start + 30)
    # Past the grace end of `late` and `closed` (then closed), and `expired`'s deadline.
    chain.pending_timestamp = start + 60 + GRACE
    credits.closeChannel(closed.args, sender=consumer)
    d = chain.pending_timestamp + HOUR
    *_, deadline, signature, _ = sign(consumer, above, 4, d)
    unknown = ref_of(consumer, gateway, eth_model, 999_999)
    batch = [
        sign(consumer, unknown, 1, d),
        sign(consumer, other_gw, 3, d),
        closed_receipt,
        late_receipt,
        expired_receipt,
        settle_args_of(above, 4, deadline, signature, 5),
        sign(attacker, forged, 3, d),
        sign(consumer, good, 6, d),
    ]
    tx = credits.settle(batch, sender=gateway)
    assert rejections(credits, tx) == [
        (unknown, "UsageCreditsUnknownChannel"),
        (ref_of(consumer, gateway, eth_model, 500), "UsageCreditsUnknownChannel"),
        (closed, "UsageCreditsChannelClosed"),
        (late, "UsageCreditsSettlementClosed"),
        (expired, "UsageCreditsReceiptExpired"),
        (above, "UsageCreditsChargeAboveCeiling"),
        (forged, BAD_SIGNATURE),
    ]
    settled = [(ev.channelId, ev.credits) for ev in tx.decode_logs(credits.CreditsSettled)]
    assert settled == [(good, 6)]
    assert tx.return_value == 6
    assert [credits.channel(i).settled for i in (other_gw, late, expired, above, forged)] == [0] * 5


def test_settle__unknown_channel__rejected_settles_nothing(
    credits, eth_model, gateway, consumer, sign, chain
):
    unknown = ref_of(consumer, gateway, eth_model, 12345)
    bad = sign(consumer, unknown, 1, _deadline(chain))
    assert_settle_rejected(credits, bad, gateway, unknown, "UsageCreditsUnknownChannel")


def test_settle__in_grace_window__still_settles(
    credits, open_channel, consumer, gateway, sign, chain
):
    cid = open_channel(consumer, 10)
    expiry = credits.channel(cid).expiry
    receipt = sign(consumer, cid, 6, expiry + GRACE)
    chain.pending_timestamp = expiry + GRACE - 1
    credits.settle([receipt], sender=gateway)
    assert credits.channel(cid).settled == 6


def _receipt_at_end_of_grace(credits, open_channel, consumer, sign, chain):
    """A 10-credit channel, a receipt for 6 valid long after it, and the chain moved to the end
    of the channel's grace window; returns (channel id, receipt)."""
    cid = open_channel(consumer, 10)
    expiry = credits.channel(cid).expiry
    receipt = sign(consumer, cid, 6, expiry + 10 * GRACE)
    chain.pending_timestamp = expiry + GRACE
    return cid, receipt


def test_settle__after_grace_window__rejected_settles_nothing(
    credits, open_channel, consumer, gateway, sign, chain
):
    cid, receipt = _receipt_at_end_of_grace(credits, open_channel, consumer, sign, chain)
    assert_settle_rejected(credits, receipt, gateway, cid, "UsageCreditsSettlementClosed")


def test_settle__closed_channel__rejected_settles_nothing(
    credits, eth_model, open_channel, consumer, gateway, sign, chain
):
    cid, receipt = _receipt_at_end_of_grace(credits, open_channel, consumer, sign, chain)
    credits.closeChannel(cid.args, sender=consumer)
    assert_settle_rejected(credits, receipt, gateway, cid, "UsageCreditsChannelClosed")
    assert credits.balanceOf(consumer, eth_model) == 10


def test_settle__gateway_delisted_after_open__still_settles_its_channel(
    credits, registry, eth_model, open_channel, consumer, gateway, model_owner, sign, chain
):
    cid = open_channel(consumer, 10)
    registry.setGateway(eth_model, gateway, False, sender=model_owner)
    credits.settle([sign(consumer, cid, 3, _deadline(chain))], sender=gateway)
    assert credits.channel(cid).settled == 3


@pytest.mark.parametrize("how", ["retired", "flagged"])
def test_settle__retired_or_flagged_model__existing_channel_settles(
    credits,
    registry,
    eth_model,
    open_channel,
    consumer,
    gateway,
    model_owner,
    deployer,
    sign,
    chain,
    how,
):
    cid = open_channel(consumer, 10)
    if how == "retired":
        registry.setStatus(eth_model, 1, sender=model_owner)
    else:
        registry.setFlagged(eth_model, True, sender=deployer)
    credits.settle([sign(consumer, cid, 3, _deadline(chain))], sender=gateway)
    assert credits.channel(cid).settled == 3


def test_settle__empty_batch__settles_nothing(credits, gateway):
    tx = credits.settle([], sender=gateway)
    assert tx.decode_logs(credits.CreditsSettled) == []


# ------------------------------------------------------------------ Python <-> chain


def test_receiptDigest__python_digest__matches_chain(credits, domain, chain):
    receipt = Receipt(channel_id=7, cumulative_credits=123_456, deadline=2**40)
    assert bytes(credits.receiptDigest(7, 123_456, 2**40)) == receipt_digest(domain, receipt)


def test_verifyReceipt__python_signed_with_local_account__verifies_on_chain(
    credits, eth_model, register_model, domain, gateway, accounts, chain, model_owner
):
    # A consumer that exists only as an eth_account key: funded, buys, opens, and its
    # Python-signed receipt verifies and settles on-chain.
    local = Account.create()
    ape_account = accounts.generate_test_account()
    assert ape_account.address != local.address
    wallet = accounts[0]
    wallet.transfer(ape_account, 10**18)
    credits.buyCredits(eth_model, 10, ape_account, sender=ape_account, value=10 * ETH_CREDIT_VALUE)
    tx = credits.openChannel(
        eth_model, gateway, 0, 10, chain.pending_timestamp + HOUR, sender=ape_account
    )
    cid = opened(credits, tx)
    # Sign with the raw private key of the ape-generated account (LocalAccount path).
    local_same = Account.from_key(ape_account.private_key)
    signed = sign_receipt(domain, Receipt(cid, 4, _deadline(chain)), local_same)
    assert credits.verifyReceipt(*signed.verify_args(cid.terms))
    # A different key does not verify.
    other = sign_receipt(domain, Receipt(cid, 4, _deadline(chain)), local)
    assert not credits.verifyReceipt(*other.verify_args(cid.terms))
    credits.settle([signed.settle_args(cid.terms)], sender=gateway)
    assert credits.channel(cid).settled == 4


def test_verifyReceipt__unknown_channel__false(credits, eth_model, consumer, gateway, sign, chain):
    unknown = ref_of(consumer, gateway, eth_model, 999)
    assert not credits.verifyReceipt(*verify_args_of(unknown, sign(consumer, unknown, 1, 2**40)))


# ------------------------------------------------------------------ contract consumers


@pytest.fixture
def wallet(project, credits, eth_model, consumer):
    """A smart wallet owned by `consumer` holding 20 credits, which registered its owner's key
    as the signer of its receipts."""
    w = project.ERC1271Wallet.deploy(consumer, sender=consumer)
    credits.buyCredits(eth_model, 20, w, sender=consumer, value=20 * ETH_CREDIT_VALUE)
    _wallet_call(credits, w, consumer, credits.setReceiptSigner.encode_input(consumer))
    return w


def _wallet_call(credits, wallet, owner, data):
    return wallet.execute(credits, 0, data, sender=owner)


def _no_signer(consumer: str) -> bytes:
    """The revert data of UsageCreditsNoReceiptSigner(consumer)."""
    return keccak(text="UsageCreditsNoReceiptSigner(address)")[:4] + encode(["address"], [consumer])


def _wallet_open(credits, wallet, owner, model_id, gateway, n, expiry):
    salt = free_salt(credits, wallet, gateway, model_id)
    data = credits.openChannel.encode_input(model_id, gateway, salt, n, expiry)
    return opened(credits, _wallet_call(credits, wallet, owner, data))


def test_settle__contract_consumer_with_registered_signer__settles(
    credits, router, eth_model, wallet, consumer, gateway, sign, chain
):
    cid = _wallet_open(
        credits, wallet, consumer, eth_model, gateway, 20, chain.pending_timestamp + HOUR
    )
    c = credits.channel(cid)
    assert (cid.terms.consumer, c.signer) == (wallet.address, consumer.address)
    # The registered key signs the digest itself; no ERC-1271 call.
    receipt = sign(consumer, cid, 12, _deadline(chain))
    assert credits.verifyReceipt(*verify_args_of(cid, receipt))
    credits.settle([receipt], sender=gateway)
    assert credits.channel(cid).settled == 12
    assert credits.pendingRevenue(eth_model) == 12 * ETH_CREDIT_VALUE


def test_settle__wallet_starts_rejecting_after_served__receipt_still_settles(
    credits, eth_model, wallet, consumer, gateway, sign, chain
):
    """A served receipt is final: the wallet's ERC-1271 answer is never asked."""
    cid = _wallet_open(
        credits, wallet, consumer, eth_model, gateway, 20, chain.pending_timestamp + HOUR
    )
    receipt = sign(consumer, cid, 12, _deadline(chain))
    wallet.setRejectAll(True, sender=consumer)
    assert credits.verifyReceipt(*verify_args_of(cid, receipt))
    tx = credits.settle([receipt], sender=gateway)
    assert rejections(credits, tx) == []
    assert credits.channel(cid).settled == 12
    # After expiry and grace the consumer gets back only what was not used.
    chain.pending_timestamp = credits.channel(cid).expiry + GRACE
    _wallet_call(credits, wallet, consumer, credits.closeChannel.encode_input(cid.args))
    assert credits.balanceOf(wallet, eth_model) == 8


def test_settle__wallet_rotates_signer_after_served__old_key_settles_open_channel(
    credits, eth_model, wallet, consumer, attacker, holder, gateway, sign, chain
):
    cid = _wallet_open(
        credits, wallet, consumer, eth_model, gateway, 10, chain.pending_timestamp + HOUR
    )
    served = sign(consumer, cid, 4, _deadline(chain))
    tx = _wallet_call(credits, wallet, consumer, credits.setReceiptSigner.encode_input(holder))
    assert [(e.account, e.signer) for e in tx.decode_logs(credits.ReceiptSignerSet)] == [
        (wallet.address, holder.address)
    ]
    assert credits.receiptSigner(wallet) == holder.address
    # The open channel keeps the key it recorded: the new key cannot sign for it...
    assert credits.channel(cid).signer == consumer.address
    assert not credits.verifyReceipt(*verify_args_of(cid, sign(holder, cid, 6, _deadline(chain))))
    tx = credits.settle([sign(holder, cid, 6, _deadline(chain))], sender=gateway)
    assert rejections(credits, tx) == [(cid, BAD_SIGNATURE)]
    # ...and the receipt served before the rotation still settles.
    credits.settle([served], sender=gateway)
    assert credits.channel(cid).settled == 4
    # Channels opened from now on record the new key.
    new = _wallet_open(
        credits, wallet, consumer, eth_model, gateway, 10, chain.pending_timestamp + HOUR
    )
    assert credits.channel(new).signer == holder.address
    credits.settle([sign(holder, new, 3, _deadline(chain))], sender=gateway)
    assert credits.channel(new).settled == 3


def test_settle__wallet_top_up__channel_keeps_its_signer(
    credits, eth_model, wallet, consumer, holder, gateway, sign, chain
):
    expiry = chain.pending_timestamp + HOUR
    cid = _wallet_open(credits, wallet, consumer, eth_model, gateway, 10, expiry)
    _wallet_call(credits, wallet, consumer, credits.setReceiptSigner.encode_input(holder))
    _wallet_call(credits, wallet, consumer, credits.topUpChannel.encode_input(cid.args, 10, expiry))
    assert credits.channel(cid).signer == consumer.address
    credits.settle([sign(consumer, cid, 15, _deadline(chain))], sender=gateway)
    assert credits.channel(cid).settled == 15


def test_settle__wallet_signature_by_unregistered_key__rejected_settles_nothing(
    credits, eth_model, wallet, consumer, attacker, gateway, sign, chain
):
    cid = _wallet_open(
        credits, wallet, consumer, eth_model, gateway, 20, chain.pending_timestamp + HOUR
    )
    tx = credits.settle([sign(attacker, cid, 12, _deadline(chain))], sender=gateway)
    assert rejections(credits, tx) == [(cid, BAD_SIGNATURE)]
    assert credits.channel(cid).settled == 0


def test_openChannel__contract_consumer_without_signer__reverts(
    project, credits, eth_model, consumer, gateway, chain
):
    bare = project.ERC1271Wallet.deploy(consumer, sender=consumer)
    credits.buyCredits(eth_model, 10, bare, sender=consumer, value=10 * ETH_CREDIT_VALUE)
    expiry = chain.pending_timestamp + HOUR
    # The wallet's revert carries the contract's error, naming the consumer.
    with ape.reverts(bare.ERC1271WalletCallFailed, reason=_no_signer(bare.address)):
        _wallet_open(credits, bare, consumer, eth_model, gateway, 10, expiry)
    assert credits.channel(ref_of(bare, gateway, eth_model, 0)).deposit == 0
    assert credits.balanceOf(bare, eth_model) == 10


def test_receiptSigner__eoa_registers_another_key__its_own_key_alone_signs_its_channels(
    credits, open_channel, consumer, holder, gateway, sign, chain
):
    """An account without code signs its own receipts: opening reads no registration (the
    cheap path every EOA takes), so a key an EOA registered signs none of its channels."""
    credits.setReceiptSigner(holder, sender=consumer)
    assert credits.receiptSigner(consumer) == holder.address
    cid = open_channel(consumer, 10)
    assert credits.channel(cid).signer == ZERO_ADDRESS  # the consumer signs
    tx = credits.settle([sign(holder, cid, 3, _deadline(chain))], sender=gateway)
    assert rejections(credits, tx) == [(cid, BAD_SIGNATURE)]
    credits.settle([sign(consumer, cid, 5, _deadline(chain))], sender=gateway)
    assert credits.channel(cid).settled == 5


def test_receiptSigner__eoa_names_itself__no_signer_slot_same_as_none(
    credits, open_channel, consumer, gateway, sign, chain
):
    credits.setReceiptSigner(consumer, sender=consumer)
    cid = open_channel(consumer, 10)
    assert credits.channel(cid).signer == ZERO_ADDRESS  # the consumer signs
    credits.settle([sign(consumer, cid, 2, _deadline(chain))], sender=gateway)
    assert credits.channel(cid).settled == 2


def test_buyAndOpenChannel__contract_consumer__records_registered_signer(
    project, credits, eth_model, consumer, holder, gateway, sign, chain
):
    w = project.ERC1271Wallet.deploy(consumer, sender=consumer)
    consumer.transfer(w, 10 * ETH_CREDIT_VALUE)
    expiry = chain.pending_timestamp + HOUR
    buy_open = credits.buyAndOpenChannel.encode_input(eth_model, gateway, 0, 10, expiry)
    with ape.reverts(w.ERC1271WalletCallFailed, reason=_no_signer(w.address)):
        w.execute(credits, 10 * ETH_CREDIT_VALUE, buy_open, sender=consumer)
    _wallet_call(credits, w, consumer, credits.setReceiptSigner.encode_input(holder))
    tx = w.execute(credits, 10 * ETH_CREDIT_VALUE, buy_open, sender=consumer)
    cid = opened(credits, tx)
    assert credits.channel(cid).signer == holder.address
    credits.settle([sign(holder, cid, 4, _deadline(chain))], sender=gateway)
    assert credits.channel(cid).settled == 4


def test_closeChannel__contract_consumer__gets_credits_back(
    credits, eth_model, wallet, consumer, gateway, sign, chain
):
    cid = _wallet_open(
        credits, wallet, consumer, eth_model, gateway, 20, chain.pending_timestamp + HOUR
    )
    credits.settle([sign(consumer, cid, 5, _deadline(chain))], sender=gateway)
    chain.pending_timestamp = credits.channel(cid).expiry + GRACE
    _wallet_call(credits, wallet, consumer, credits.closeChannel.encode_input(cid.args))
    assert credits.balanceOf(wallet, eth_model) == 15
