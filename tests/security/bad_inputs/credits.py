"""UsageCredits' bad inputs: buying, opening channels, settling and the ERC-1155 transfers."""

from __future__ import annotations

from fixtures.channels import ref_of
from hypothesis import strategies as st

from bad_inputs.helpers import head_time, new_model, target_model, wrong_caller
from bad_inputs.model import (
    UINT64,
    UINT96,
    UINT256,
    Call,
    Case,
    Exempt,
    any_address,
    beyond_uint32_expiry,
    garbage_signature,
    small_amount,
    too_big_for_a_channel,
    too_big_for_uint96,
    unknown_id,
    wrong_value,
)
from modelmint.constants import DAY
from modelmint.constants import ZERO_ADDRESS as ZERO

TERMS = "(address,address,uint256,uint256)"


def cr(e):
    return e.c("UsageCredits")


mid = target_model


def cid(e):
    """The consumer's open channel with the gateway (a ChannelRef: `.args` are its terms)."""
    return e.ids["channel"]


NEW_SALT = 1  # the consumer's channel has salt 0: salt 1 names a channel never opened


def unknown_channel(e, d):
    """The terms of a channel never opened: the consumer's channel's under another salt."""
    return ref_of(e.consumer, e.gateway, mid(e), d(unknown_id, label="salt"))


VALUE = 10**12


def amount_cases(method, args_before, args_after, sender, channel=False, value=0):
    def mk(label, error, strategy):
        return Case(
            label,
            error,
            lambda e, d: Call(
                cr(e),
                method,
                (*args_before(e), d(strategy, label="credits"), *args_after(e)),
                sender(e),
                value,
            ),
        )

    if channel:  # a channel's deposit is stored in 64 bits
        return [
            mk("zero credits", "UsageCreditsZeroAmount", st.just(0)),
            mk("credits above uint64", "UsageCreditsAmountTooLarge", too_big_for_a_channel),
        ]
    return [
        mk("zero credits", "UsageCreditsZeroAmount", st.just(0)),
        mk("credits above uint96", "UsageCreditsAmountTooLarge", too_big_for_uint96),
    ]


def opening_amount_cases(method, value=0):
    """`amount_cases` of opening the consumer's channel with the gateway for a day."""
    return amount_cases(
        method,
        lambda e: (mid(e), e.gateway, NEW_SALT),
        lambda e: (e.chain.pending_timestamp + DAY,),
        lambda e: e.consumer,
        channel=True,
        value=value,
    )


def buy_open(label, error, model=mid, gateway=None, credits=3, expiry=None, value=None, salt=None):
    def build(e, d):
        m = model(e) if model is mid else model(e, d)
        n = credits if isinstance(credits, int) else credits(e, d)
        return Call(
            cr(e),
            "buyAndOpenChannel",
            (
                m,
                e.gateway if gateway is None else gateway(e, d),
                NEW_SALT if salt is None else salt(e, d),
                n,
                e.chain.pending_timestamp + DAY if expiry is None else expiry(e, d),
            ),
            e.consumer,
            n * VALUE if value is None else value(e, d),
        )

    return Case(label, error, build)


def buy_top_up(label, error, channel=None, credits=3, expiry=None, value=None, sender=None):
    def build(e, d):
        n = credits if isinstance(credits, int) else credits(e, d)
        return Call(
            cr(e),
            "buyAndTopUpChannel",
            (
                (cid(e) if channel is None else channel(e, d)).args,
                n,
                2**32 - 1 if expiry is None else expiry(e, d),
            ),
            e.consumer if sender is None else sender(e, d),
            n * VALUE if value is None else value(e, d),
        )

    return Case(label, error, build)


def settle(label, error, receipt, sender=lambda e, d: e.gateway):
    return Case(
        label,
        error,
        lambda e, d: Call(cr(e), "settle", ([receipt(e, d)],), sender(e, d)),
        rejected=True,
    )


def settle_sweep(
    label, error, receipt, model=lambda e, d: mid(e), sender=lambda e, d: e.gateway, rejected=False
):
    return Case(
        label,
        error,
        lambda e, d: Call(cr(e), "settleAndSweep", ([receipt(e, d)], model(e, d)), sender(e, d)),
        rejected=rejected,
    )


def signed(e, d, signer, deadline, cumulative=5):
    from modelmint.receipts import Receipt, ReceiptDomain, sign_receipt

    domain = ReceiptDomain.from_contract(cr(e))
    receipt = Receipt(cid(e), cumulative, deadline)
    return sign_receipt(domain, receipt, signer).settle_args(cid(e).terms)


def signed_by_someone_else(e, d):
    signer = d(st.sampled_from(e.others(e.consumer)), label="signer")
    return signed(e, d, signer, e.chain.pending_timestamp + DAY)


def high_s(e, d):
    from modelmint.receipts import SECP256K1_N, split_signature

    consumer, model, salt, n, dl, sig, charged = signed(
        e, d, e.consumer, e.chain.pending_timestamp + DAY
    )
    v, r, s = split_signature(sig)
    return (
        consumer,
        model,
        salt,
        n,
        dl,
        r.to_bytes(32, "big") + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v]),
        charged,
    )


def fresh_model(e, d):
    return new_model(e)


def close_case(label, error, channel, sender, setup=None):
    def build(e, d):
        if setup:
            setup(e, d)
        return Call(cr(e), "closeChannel", (channel(e, d).args,), sender(e, d))

    return Case(label, error, build)


def expired(e, d):
    e.chain.pending_timestamp += 8 * DAY + d(st.integers(0, 10**6), label="after")
    e.chain.mine()


def _buying() -> dict:
    """Enabling credits, buying and redeeming them."""
    return {
        "enableCredits(uint256,uint256)": [
            Case(
                "unknown model",
                "UsageCreditsUnknownModel",
                lambda e, d: Call(cr(e), "enableCredits", (d(unknown_id), VALUE), e.model_owner),
            ),
            Case(
                "wrong caller (not the model owner)",
                "UsageCreditsNotModelOwner",
                lambda e, d: Call(
                    cr(e), "enableCredits", (mid(e), VALUE), wrong_caller(d, e, e.model_owner)
                ),
            ),
            Case(
                "already enabled",
                "UsageCreditsAlreadyEnabled",
                lambda e, d: Call(
                    cr(e), "enableCredits", (mid(e), d(st.integers(1, UINT96))), e.model_owner
                ),
            ),
            Case(
                "zero credit value",
                "UsageCreditsZeroCreditValue",
                lambda e, d: Call(cr(e), "enableCredits", (fresh_model(e, d), 0), e.model_owner),
            ),
            Case(
                "credit value above uint96",
                "UsageCreditsCreditValueTooLarge",
                lambda e, d: Call(
                    cr(e),
                    "enableCredits",
                    (fresh_model(e, d), d(too_big_for_uint96)),
                    e.model_owner,
                ),
            ),
        ],
        "buyCredits(uint256,uint256,address)": [
            *amount_cases(
                "buyCredits", lambda e: (mid(e),), lambda e: (e.consumer,), lambda e: e.consumer
            ),
            Case(
                "unknown model",
                "UsageCreditsUnknownModel",
                lambda e, d: Call(
                    cr(e), "buyCredits", (d(unknown_id), 1, e.consumer), e.consumer, VALUE
                ),
            ),
            Case(
                "credits not enabled",
                "UsageCreditsNotEnabled",
                lambda e, d: Call(
                    cr(e), "buyCredits", (fresh_model(e, d), 1, e.consumer), e.consumer, VALUE
                ),
            ),
            Case(
                "wrong msg.value",
                "UsageCreditsWrongPayment",
                lambda e, d: Call(
                    cr(e),
                    "buyCredits",
                    (mid(e), 3, e.consumer),
                    e.consumer,
                    d(wrong_value(3 * VALUE), label="value"),
                ),
            ),
            Case(
                "zero recipient",
                "ERC1155InvalidReceiver",
                lambda e, d: Call(cr(e), "buyCredits", (mid(e), 1, ZERO), e.consumer, VALUE),
            ),
            Case(
                "sale closed (model retired)",
                "UsageCreditsSaleClosed",
                lambda e, d: (
                    e.c("ModelRegistry").setStatus(mid(e), 1, sender=e.model_owner),
                    Call(cr(e), "buyCredits", (mid(e), 1, e.consumer), e.consumer, VALUE),
                )[1],
            ),
        ],
        "redeem(uint256,uint256,address)": [
            *amount_cases(
                "redeem", lambda e: (mid(e),), lambda e: (e.consumer,), lambda e: e.consumer
            ),
            Case(
                "zero recipient",
                "UsageCreditsZeroAddress",
                lambda e, d: Call(cr(e), "redeem", (mid(e), 1, ZERO), e.consumer),
            ),
            Case(
                "more than the free balance",
                "UsageCreditsInsufficientCredits",
                lambda e, d: Call(
                    cr(e),
                    "redeem",
                    (mid(e), cr(e).balanceOf(e.consumer, mid(e)) + d(small_amount), e.consumer),
                    e.consumer,
                ),
            ),
            Case(
                "unknown model",
                "UsageCreditsUnknownModel",
                lambda e, d: Call(cr(e), "redeem", (d(unknown_id), 1, e.consumer), e.consumer),
            ),
            Case(
                "credits not enabled",
                "UsageCreditsNotEnabled",
                lambda e, d: Call(cr(e), "redeem", (fresh_model(e, d), 1, e.consumer), e.consumer),
            ),
        ],
    }


def _opening() -> dict:
    """Opening and topping up channels from credits already held."""
    return {
        "openChannel(uint256,address,uint256,uint256,uint40)": [
            *opening_amount_cases("openChannel"),
            Case(
                "expiry beyond 32 bits",
                "UsageCreditsExpiryTooLarge",
                lambda e, d: Call(
                    cr(e),
                    "openChannel",
                    (mid(e), e.gateway, NEW_SALT, 1, d(beyond_uint32_expiry, label="expiry")),
                    e.consumer,
                ),
            ),
            Case(
                "expiry not in the future",
                "UsageCreditsInvalidExpiry",
                lambda e, d: Call(
                    cr(e),
                    "openChannel",
                    (
                        mid(e),
                        e.gateway,
                        NEW_SALT,
                        1,
                        d(st.integers(0, head_time(e)), label="expiry"),
                    ),
                    e.consumer,
                ),
            ),
            Case(
                "not a gateway of the model",
                "UsageCreditsNotGateway",
                lambda e, d: Call(
                    cr(e),
                    "openChannel",
                    (
                        mid(e),
                        d(any_address.filter(lambda a: a != e.gateway.address)),
                        NEW_SALT,
                        1,
                        e.chain.pending_timestamp + DAY,
                    ),
                    e.consumer,
                ),
            ),  # fmt: skip
            Case(
                "more than the free balance",
                "UsageCreditsInsufficientCredits",
                lambda e, d: Call(
                    cr(e),
                    "openChannel",
                    (
                        mid(e),
                        e.gateway,
                        NEW_SALT,
                        cr(e).balanceOf(e.attacker, mid(e)) + d(small_amount),
                        e.chain.pending_timestamp + DAY,
                    ),
                    e.attacker,
                ),
            ),  # fmt: skip
            Case(
                "unknown model",
                "UsageCreditsUnknownModel",
                lambda e, d: Call(
                    cr(e),
                    "openChannel",
                    (d(unknown_id), e.gateway, NEW_SALT, 1, e.chain.pending_timestamp + DAY),
                    e.consumer,
                ),
            ),
            Case(
                "a contract caller without a receipt signer",
                "UsageCreditsNoReceiptSigner",
                lambda e, d: Call(
                    cr(e),
                    "openChannel",
                    (
                        mid(e),
                        e.gateway,
                        NEW_SALT,
                        d(small_amount),
                        e.chain.pending_timestamp + DAY,
                    ),
                    e.as_account(
                        e.c(d(st.sampled_from(["RevenueRouter", "LicenseManager"]), label="c"))
                    ),
                ),
            ),
            Case(
                "terms of a channel opened before",
                "UsageCreditsChannelExists",
                lambda e, d: Call(
                    cr(e),
                    "openChannel",
                    (
                        mid(e),
                        e.gateway,
                        cid(e).terms.salt,
                        d(st.integers(1, 50), label="credits"),
                        e.chain.pending_timestamp + DAY,
                    ),
                    e.consumer,
                ),
            ),
        ],
        f"topUpChannel({TERMS},uint256,uint40)": [
            Case(
                "unknown channel",
                "UsageCreditsUnknownChannel",
                lambda e, d: Call(
                    cr(e), "topUpChannel", (unknown_channel(e, d).args, 1, 2**32 - 1), e.consumer
                ),
            ),
            Case(
                "wrong caller (not the consumer)",
                "UsageCreditsNotChannelConsumer",
                lambda e, d: Call(
                    cr(e),
                    "topUpChannel",
                    (cid(e).args, 1, 2**32 - 1),
                    wrong_caller(d, e, e.consumer),
                ),
            ),
            Case(
                "new expiry before the current one",
                "UsageCreditsInvalidExpiry",
                lambda e, d: Call(
                    cr(e),
                    "topUpChannel",
                    (
                        cid(e).args,
                        1,
                        d(st.integers(0, cr(e).channel(cid(e)).expiry - 1), label="expiry"),
                    ),
                    e.consumer,
                ),
            ),
            Case(
                "nothing to add, same expiry",
                "UsageCreditsZeroAmount",
                lambda e, d: Call(
                    cr(e),
                    "topUpChannel",
                    (cid(e).args, 0, cr(e).channel(cid(e)).expiry),
                    e.consumer,
                ),
            ),
            Case(
                "deposit would exceed uint64",
                "UsageCreditsAmountTooLarge",
                lambda e, d: Call(
                    cr(e),
                    "topUpChannel",
                    (cid(e).args, d(st.integers(UINT64 - 49, UINT256), label="credits"), 2**32 - 1),
                    e.consumer,
                ),
            ),
            Case(
                "new expiry beyond 32 bits",
                "UsageCreditsExpiryTooLarge",
                lambda e, d: Call(
                    cr(e),
                    "topUpChannel",
                    (cid(e).args, 1, d(beyond_uint32_expiry, label="expiry")),
                    e.consumer,
                ),
            ),
            Case(
                "more than the free balance",
                "UsageCreditsInsufficientCredits",
                lambda e, d: Call(
                    cr(e),
                    "topUpChannel",
                    (cid(e).args, cr(e).balanceOf(e.consumer, mid(e)) + d(small_amount), 2**32 - 1),
                    e.consumer,
                ),
            ),
            Case(
                "channel expired",
                "UsageCreditsChannelExpired",
                lambda e, d: (
                    expired(e, d),
                    Call(cr(e), "topUpChannel", (cid(e).args, 1, 2**32 - 1), e.consumer),
                )[1],
            ),
        ],
    }


def _buying_into_channels() -> dict:
    """Buying credits straight into a new or an open channel."""
    return {
        "buyAndOpenChannel(uint256,address,uint256,uint256,uint40)": [
            *opening_amount_cases("buyAndOpenChannel", value=VALUE),
            buy_open("unknown model", "UsageCreditsUnknownModel", model=lambda e, d: d(unknown_id)),
            buy_open("credits not enabled", "UsageCreditsNotEnabled", model=fresh_model),
            buy_open(
                "terms of a channel opened before",
                "UsageCreditsChannelExists",
                salt=lambda e, d: cid(e).terms.salt,
            ),
            buy_open(
                "wrong msg.value",
                "UsageCreditsWrongPayment",
                value=lambda e, d: d(wrong_value(3 * VALUE), label="value"),
            ),
            buy_open(
                "expiry not in the future",
                "UsageCreditsInvalidExpiry",
                expiry=lambda e, d: d(st.integers(0, head_time(e)), label="expiry"),
            ),
            buy_open(
                "expiry beyond 32 bits",
                "UsageCreditsExpiryTooLarge",
                expiry=lambda e, d: d(beyond_uint32_expiry, label="expiry"),
            ),
            buy_open(
                "not a gateway of the model",
                "UsageCreditsNotGateway",
                gateway=lambda e, d: d(any_address.filter(lambda a: a != e.gateway.address)),
            ),
            Case(
                "sale closed (model retired)",
                "UsageCreditsSaleClosed",
                lambda e, d: (
                    e.c("ModelRegistry").setStatus(mid(e), 1, sender=e.model_owner),
                    buy_open("", "").build(e, d),
                )[1],
            ),
        ],
        f"buyAndTopUpChannel({TERMS},uint256,uint40)": [
            buy_top_up("zero credits", "UsageCreditsZeroAmount", credits=0, value=lambda e, d: 0),
            buy_top_up("unknown channel", "UsageCreditsUnknownChannel", channel=unknown_channel),
            buy_top_up(
                "wrong caller (not the consumer)",
                "UsageCreditsNotChannelConsumer",
                sender=lambda e, d: wrong_caller(d, e, e.consumer),
            ),
            buy_top_up(
                "new expiry before the current one",
                "UsageCreditsInvalidExpiry",
                expiry=lambda e, d: d(
                    st.integers(0, cr(e).channel(cid(e)).expiry - 1), label="expiry"
                ),
            ),
            buy_top_up(
                "new expiry beyond 32 bits",
                "UsageCreditsExpiryTooLarge",
                expiry=lambda e, d: d(beyond_uint32_expiry, label="expiry"),
            ),
            buy_top_up(
                "deposit would exceed uint64",
                "UsageCreditsAmountTooLarge",
                credits=lambda e, d: d(st.integers(UINT64 - 49, UINT256), label="credits"),
                value=lambda e, d: 0,
            ),
            buy_top_up(
                "wrong msg.value",
                "UsageCreditsWrongPayment",
                value=lambda e, d: d(wrong_value(3 * VALUE), label="value"),
            ),
            Case(
                "channel expired",
                "UsageCreditsChannelExpired",
                lambda e, d: (expired(e, d), buy_top_up("", "").build(e, d))[1],
            ),
        ],
    }


def _settling() -> dict:
    """Settling receipts, sweeping revenue, closing channels, the receipt signer."""
    return {
        "setReceiptSigner(address)": Exempt(
            "sets only the caller's own receipt signer for its future channels; every address is "
            "valid (zero clears it) and open channels keep the signer they recorded"
        ),
        "sweep(uint256)": [
            Case(
                "unknown model",
                "UsageCreditsUnknownModel",
                lambda e, d: Call(cr(e), "sweep", (d(unknown_id),), e.attacker),
            ),
            Case(
                "credits not enabled",
                "UsageCreditsNotEnabled",
                lambda e, d: Call(cr(e), "sweep", (fresh_model(e, d),), e.attacker),
            ),
        ],
        f"closeChannel({TERMS})": [
            close_case(
                "unknown channel",
                "UsageCreditsUnknownChannel",
                unknown_channel,
                lambda e, d: e.consumer,
            ),
            close_case(
                "wrong caller (not the consumer)",
                "UsageCreditsNotChannelConsumer",
                lambda e, d: cid(e),
                lambda e, d: wrong_caller(d, e, e.consumer),
            ),
            close_case(
                "before expiry + grace",
                "UsageCreditsChannelNotExpired",
                lambda e, d: cid(e),
                lambda e, d: e.consumer,
            ),
        ],
        "settle((address,uint256,uint256,uint256,uint256,bytes,uint256)[])": [
            settle(
                "unknown channel",
                "UsageCreditsUnknownChannel",
                lambda e, d: (e.consumer, mid(e), d(unknown_id), 5, 2**40, b"\x00" * 65, 5),
            ),
            settle(
                # With the caller as gateway, the receipt's terms name an unknown channel.
                "wrong caller (not the gateway)",
                "UsageCreditsUnknownChannel",
                lambda e, d: signed(e, d, e.consumer, e.chain.pending_timestamp + DAY),
                sender=lambda e, d: wrong_caller(d, e, e.gateway),
            ),
            settle(
                "expired deadline",
                "UsageCreditsReceiptExpired",
                lambda e, d: signed(
                    e,
                    d,
                    e.consumer,
                    head_time(e) - d(st.integers(1, 10**6), label="ago"),
                ),
            ),
            settle(
                "signed by someone else",
                "UsageCreditsInvalidSignature",
                signed_by_someone_else,
            ),
            settle(
                "garbage signature",
                "UsageCreditsInvalidSignature",
                lambda e, d: (
                    *signed(e, d, e.consumer, 0)[:3],
                    5,
                    e.chain.pending_timestamp + DAY,
                    d(garbage_signature),
                    5,
                ),
            ),
            settle("high-s twin of a valid signature", "UsageCreditsInvalidSignature", high_s),
            settle(
                "after expiry + grace",
                "UsageCreditsSettlementClosed",
                lambda e, d: (expired(e, d), signed(e, d, e.consumer, 2**40))[1],
            ),
            settle(
                "charge above the signed ceiling",
                "UsageCreditsChargeAboveCeiling",
                lambda e, d: (
                    signed(e, d, e.consumer, e.chain.pending_timestamp + DAY)[:6]
                    + (5 + d(st.integers(1, 2**255), label="excess"),)
                ),
            ),
        ],
        "settleAndSweep((address,uint256,uint256,uint256,uint256,bytes,uint256)[],uint256)": [
            settle_sweep(
                # As settle: with the caller as gateway, the terms name an unknown channel.
                "wrong caller (not the gateway)",
                "UsageCreditsUnknownChannel",
                lambda e, d: signed(e, d, e.consumer, e.chain.pending_timestamp + DAY),
                sender=lambda e, d: wrong_caller(d, e, e.gateway),
                rejected=True,
            ),
            settle_sweep(
                "signed by someone else",
                "UsageCreditsInvalidSignature",
                signed_by_someone_else,
                rejected=True,
            ),
            settle_sweep(
                # The valid receipt's settlement is undone with the sweep's revert.
                "unknown model swept",
                "UsageCreditsUnknownModel",
                lambda e, d: signed(e, d, e.consumer, e.chain.pending_timestamp + DAY),
                model=lambda e, d: d(unknown_id),
            ),
            settle_sweep(
                "credits not enabled on the model swept",
                "UsageCreditsNotEnabled",
                lambda e, d: signed(e, d, e.consumer, e.chain.pending_timestamp + DAY),
                model=fresh_model,
            ),
        ],
    }


def _transfers() -> dict:
    """The ERC-1155 transfers and approvals."""
    return {
        "setApprovalForAll(address,bool)": [
            Case(
                "zero operator",
                "ERC1155InvalidOperator",
                lambda e, d: Call(cr(e), "setApprovalForAll", (ZERO, d(st.booleans())), e.consumer),
            )
        ],
        "safeTransferFrom(address,address,uint256,uint256,bytes)": [
            Case(
                "wrong caller (not holder or operator)",
                "ERC1155MissingApprovalForAll",
                lambda e, d: Call(
                    cr(e),
                    "safeTransferFrom",
                    (e.consumer, e.attacker, mid(e), 1, b""),
                    wrong_caller(d, e, e.consumer),
                ),
            ),
            Case(
                "to zero address",
                "ERC1155InvalidReceiver",
                lambda e, d: Call(
                    cr(e), "safeTransferFrom", (e.consumer, ZERO, mid(e), 1, b""), e.consumer
                ),
            ),
            Case(
                "to a contract that is no ERC-1155 receiver",
                "ERC1155InvalidReceiver",
                lambda e, d: Call(
                    cr(e),
                    "safeTransferFrom",
                    (e.consumer, e.c("RevenueRouter"), mid(e), 1, b""),
                    e.consumer,
                ),
            ),
            Case(
                "amount above balance",
                "ERC1155InsufficientBalance",
                lambda e, d: Call(
                    cr(e),
                    "safeTransferFrom",
                    (
                        e.consumer,
                        e.holder,
                        mid(e),
                        cr(e).balanceOf(e.consumer, mid(e)) + d(small_amount),
                        b"",
                    ),
                    e.consumer,
                ),
            ),
        ],
        "safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)": [
            Case(
                "ids and amounts of different lengths",
                "ERC1155InvalidArrayLength",
                lambda e, d: Call(
                    cr(e),
                    "safeBatchTransferFrom",
                    (e.consumer, e.holder, [mid(e)], [1] * d(st.integers(2, 4), label="n"), b""),
                    e.consumer,
                ),
            ),
            Case(
                "wrong caller (not holder or operator)",
                "ERC1155MissingApprovalForAll",
                lambda e, d: Call(
                    cr(e),
                    "safeBatchTransferFrom",
                    (e.consumer, e.attacker, [mid(e)], [1], b""),
                    wrong_caller(d, e, e.consumer),
                ),
            ),
            Case(
                "amount above balance",
                "ERC1155InsufficientBalance",
                lambda e, d: Call(
                    cr(e),
                    "safeBatchTransferFrom",
                    (
                        e.consumer,
                        e.holder,
                        [mid(e)],
                        [cr(e).balanceOf(e.consumer, mid(e)) + d(small_amount)],
                        b"",
                    ),
                    e.consumer,
                ),
            ),
        ],
    }


OPEN_INTENT = "(address,uint256,address,uint256,uint256,uint256,address,bytes32,uint256)"
TOP_UP_INTENT = "(address,address,uint256,uint256,uint256,uint256,bytes32,uint256)"
NO_AUTHORIZATION = (27, bytes(32), bytes(32))


def open_intent(e, d, deadline=None, sign=True):
    """An OpenChannelIntent of the consumer (3 credits, a day), its signature (garbage when
    `sign` is false) and an empty ERC-3009 authorization (the checks under test come first)."""
    from modelmint.receipts import OpenChannelIntent, ReceiptDomain, sign_struct

    intent = OpenChannelIntent(
        e.consumer.address,
        mid(e),
        e.gateway.address,
        NEW_SALT,
        3,
        e.chain.pending_timestamp + DAY,
        ZERO,
        bytes(32),
        e.chain.pending_timestamp + DAY if deadline is None else deadline(e, d),
    )
    domain = ReceiptDomain.from_contract(cr(e))
    sig = sign_struct(domain, intent, e.consumer) if sign else d(garbage_signature)
    args = tuple(getattr(intent, f) for f in intent.__dataclass_fields__)
    return Call(cr(e), "openChannelWithAuthorization", (args, sig, NO_AUTHORIZATION), e.attacker)


def top_up_intent(e, d, channel=None, credits=3, expiry=None, sign=True):
    from modelmint.receipts import ReceiptDomain, TopUpIntent, sign_struct

    terms = (cid(e) if channel is None else channel(e, d)).terms
    intent = TopUpIntent(
        terms.consumer,
        terms.gateway,
        terms.model_id,
        terms.salt,
        credits if isinstance(credits, int) else credits(e, d),
        2**32 - 1 if expiry is None else expiry(e, d),
        bytes(32),
        e.chain.pending_timestamp + DAY,
    )
    domain = ReceiptDomain.from_contract(cr(e))
    sig = sign_struct(domain, intent, e.consumer) if sign else d(garbage_signature)
    args = tuple(getattr(intent, f) for f in intent.__dataclass_fields__)
    return Call(cr(e), "topUpChannelWithAuthorization", (args, sig, NO_AUTHORIZATION), e.attacker)


def close_coop(e, d, channel=None, charged=0, sender=None, signer=None):
    from modelmint.receipts import CooperativeClose, ReceiptDomain, sign_struct

    c = cid(e) if channel is None else channel(e, d)
    n = charged if isinstance(charged, int) else charged(e, d)
    domain = ReceiptDomain.from_contract(cr(e))
    sig = (
        d(garbage_signature)
        if signer is False
        else sign_struct(domain, CooperativeClose(c, n), signer(e) if signer else e.gateway)
    )
    return Call(
        cr(e),
        "closeChannelCooperatively",
        (c.args, n, sig),
        e.consumer if sender is None else sender(e, d),
    )


def signed_intent_cases(build) -> list[Case]:
    """A garbage intent signature, and a well-signed intent on the (ETH-priced) target model."""
    return [
        Case(
            "intent signature not the consumer's",
            "UsageCreditsInvalidIntentSignature",
            lambda e, d: build(e, d, sign=False),
        ),
        Case("ETH-priced model", "UsageCreditsNotTokenPriced", lambda e, d: build(e, d)),
    ]


def _gasless() -> dict:
    """Opening and topping up channels by signed intent, closing them by agreement."""
    return {
        f"openChannelWithAuthorization({OPEN_INTENT},bytes,(uint8,bytes32,bytes32))": [
            Case(
                "intent past its deadline",
                "UsageCreditsIntentExpired",
                lambda e, d: open_intent(
                    e, d, deadline=lambda e, d: d(st.integers(0, head_time(e)), label="deadline")
                ),
            ),
            *signed_intent_cases(open_intent),
        ],
        f"topUpChannelWithAuthorization({TOP_UP_INTENT},bytes,(uint8,bytes32,bytes32))": [
            Case(
                "unknown channel",
                "UsageCreditsUnknownChannel",
                lambda e, d: top_up_intent(e, d, channel=unknown_channel),
            ),
            Case(
                "zero credits",
                "UsageCreditsZeroAmount",
                lambda e, d: top_up_intent(e, d, credits=0),
            ),
            Case(
                "new expiry beyond 32 bits",
                "UsageCreditsExpiryTooLarge",
                lambda e, d: top_up_intent(
                    e, d, expiry=lambda e, d: d(beyond_uint32_expiry, label="expiry")
                ),
            ),
            *signed_intent_cases(top_up_intent),
        ],
        f"closeChannelCooperatively({TERMS},uint256,bytes)": [
            Case(
                "unknown channel",
                "UsageCreditsUnknownChannel",
                lambda e, d: close_coop(e, d, channel=unknown_channel),
            ),
            Case(
                "charge above the deposit",
                "UsageCreditsInvalidFinalCharge",
                lambda e, d: close_coop(
                    e,
                    d,
                    charged=lambda e, d: (
                        cr(e).channel(cid(e)).deposit + d(small_amount, label="excess")
                    ),
                ),
            ),
            Case(
                "signature not the gateway's",
                "UsageCreditsInvalidCloseSignature",
                lambda e, d: close_coop(e, d, signer=False),
            ),
            Case(
                "wrong caller (neither consumer nor gateway)",
                "UsageCreditsNotChannelParty",
                lambda e, d: close_coop(
                    e, d, sender=lambda e, d: wrong_caller(d, e, e.consumer, e.gateway)
                ),
            ),
        ],
    }


def credits_cases() -> dict:
    return {
        **_buying(),
        **_gasless(),
        **_opening(),
        **_buying_into_channels(),
        **_settling(),
        **_transfers(),
    }
