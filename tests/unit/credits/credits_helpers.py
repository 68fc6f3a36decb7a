"""Constants and helpers shared by the UsageCredits unit tests (imported by conftest and test
modules)."""

import ape

from modelmint.constants import DAY
from modelmint.credits import rejection_reason

ETH_CREDIT_VALUE = 10**12  # wei per credit
TOKEN_CREDIT_VALUE = 10_000  # 0.01 mUSD (6 decimals) per credit
GRACE = DAY
UINT96_MAX = 2**96 - 1
ROUTER_FEE_BPS = 500  # protocol fee of the RevenueRouter in the unit fixtures


def insufficient_credits(credits, account, model_id, balance, needed):
    """`ape.reverts` expecting `UsageCreditsInsufficientCredits` with all four of its values."""
    return ape.reverts(
        credits.UsageCreditsInsufficientCredits,
        account=account,
        modelId=model_id,
        balance=balance,
        needed=needed,
    )


def router_payments(router, tx, model_id):
    """Number of RevenueRouter payments for `model_id` made by `tx`."""
    return sum(1 for ev in tx.decode_logs(router.PaymentReceived) if ev.modelId == model_id)


def rejections(credits, tx):
    """`(channelId, error name)` of every receipt `tx`'s settle skipped (ReceiptRejected)."""
    return [
        (ev.channelId, rejection_reason(ev.reason))
        for ev in tx.decode_logs(credits.ReceiptRejected)
    ]


def assert_settle_rejected(credits, receipt, gateway, channel_id, error):
    """Settles the one `receipt` as `gateway` and asserts the contract skipped it with `error`
    (ReceiptRejected for `channel_id`) and settled nothing; returns the transaction."""
    tx = credits.settle([receipt], sender=gateway)
    assert rejections(credits, tx) == [(channel_id, error)]
    assert not tx.decode_logs(credits.CreditsSettled)
    return tx


def settle_args_of(channel, ceiling, deadline, signature, charged):
    """SettleArgs of `channel` (a ChannelRef) carrying any `signature`."""
    t = channel.terms
    return (t.consumer, t.model_id, t.salt, ceiling, deadline, signature, charged)


def verify_args_of(channel, settle_args):
    """`verifyReceipt`'s arguments for the receipt in `settle_args` of `channel` (a
    ChannelRef)."""
    return (channel.args, *settle_args[3:6])
