"""RevenueRouter's bad inputs."""

from __future__ import annotations

from hypothesis import strategies as st

from bad_inputs import helpers
from bad_inputs.model import UINT256, Call, Case, Exempt, small_amount, unknown_id, wrong_value
from modelmint.constants import ZERO_ADDRESS as ZERO


def rt(e):
    return e.c("RevenueRouter")


mid, gov = helpers.target_model, helpers.governance_sender


def recipients(label, error, make):
    def build(e, d):
        addrs, weights = make(e, d)
        return Call(rt(e), "setRecipients", (mid(e), addrs, weights), e.model_owner)

    return Case(label, error, build)


def accrued(e):
    """The model owner's claimable on the model (pays 2_000 first if none)."""
    if rt(e).claimable(mid(e), e.model_owner) == 0:
        rt(e).pay(mid(e), 2_000, value=2_000, sender=e.licensee)
    return rt(e).claimable(mid(e), e.model_owner)


def router_cases() -> dict:
    return {
        "pay(uint256,uint256)": [
            Case(
                "zero amount",
                "RevenueRouterZeroAmount",
                lambda e, d: Call(rt(e), "pay", (mid(e), 0), e.licensee),
            ),
            Case(
                "msg.value differs from amount",
                "RevenueRouterWrongValue",
                lambda e, d: (
                    lambda a: Call(
                        rt(e), "pay", (mid(e), a), e.licensee, d(wrong_value(a), label="value")
                    )
                )(d(small_amount, label="amount")),
            ),
            Case(
                "unknown model",
                "ModelRegistryUnknownModel",
                lambda e, d: (lambda a: Call(rt(e), "pay", (d(unknown_id), a), e.licensee, a))(
                    d(small_amount)
                ),
            ),
        ],
        "setRecipients(uint256,address[],uint32[])": [
            Case(
                "unknown model",
                "RevenueRouterUnknownModel",
                lambda e, d: Call(
                    rt(e), "setRecipients", (d(unknown_id), [e.contributor], [1]), e.model_owner
                ),
            ),
            Case(
                "wrong caller (not the model owner)",
                "RevenueRouterNotModelOwner",
                lambda e, d: Call(
                    rt(e),
                    "setRecipients",
                    (mid(e), [e.attacker], [1]),
                    helpers.wrong_caller(d, e, e.model_owner),
                ),
            ),
            recipients(
                "lengths differ",
                "RevenueRouterLengthMismatch",
                lambda e, d: ([e.contributor], [1] * d(st.integers(2, 5), label="weights")),
            ),
            recipients(
                "zero recipient",
                "RevenueRouterZeroAddress",
                lambda e, d: ([e.contributor, ZERO], [1, 1]),
            ),
            recipients(
                "zero weight", "RevenueRouterZeroWeight", lambda e, d: ([e.contributor], [0])
            ),
            recipients(
                "duplicate recipient",
                "RevenueRouterDuplicateRecipient",
                lambda e, d: ([e.contributor, e.contributor], [1, d(st.integers(1, 2**32 - 1))]),
            ),
            recipients(
                "total weight above uint32",
                "RevenueRouterTotalWeightTooLarge",
                lambda e, d: (
                    [e.contributor, e.holder],
                    [2**32 - 1, d(st.integers(1, 2**32 - 1), label="w")],
                ),
            ),
            recipients(
                "another model's shares token",
                "RevenueRouterForeignShares",
                lambda e, d: ([e.contributor, e.c("ModelShares").address], [1, 1]),
            ),
            recipients(
                "more than MAX_RECIPIENTS",
                "RevenueRouterTooManyRecipients",
                lambda e, d: ([e.contributor] * 1_001, [1] * 1_001),
            ),
        ],
        "claim(uint256[])": Exempt(
            "pays only the caller's own accrual; unknown ids or nothing owed pay 0 and change "
            "nothing (tests/unit/revenue/test_claim.py)"
        ),
        "claimTo(uint256[],address)": [
            Case(
                "zero recipient",
                "RevenueRouterZeroAddress",
                lambda e, d: Call(rt(e), "claimTo", ([mid(e)], ZERO), e.model_owner),
            )
        ],
        "claimAmount(uint256,uint256,address)": [
            Case(
                "zero recipient",
                "RevenueRouterZeroAddress",
                lambda e, d: Call(rt(e), "claimAmount", (mid(e), 1, ZERO), e.model_owner),
            ),
            Case(
                "zero amount",
                "RevenueRouterZeroAmount",
                lambda e, d: Call(rt(e), "claimAmount", (mid(e), 0, e.model_owner), e.model_owner),
            ),
            Case(
                "more than claimable",
                "RevenueRouterInsufficientClaimable",
                lambda e, d: Call(
                    rt(e),
                    "claimAmount",
                    (
                        mid(e),
                        accrued(e) + d(st.integers(1, UINT256 // 2), label="excess"),
                        e.model_owner,
                    ),
                    e.model_owner,
                ),
            ),
        ],
        "claimFees(address)": Exempt(
            "anyone may trigger it; it always pays the treasury what is owed in that asset, 0 for "
            "an unknown asset"
        ),
        "setFeeBps(uint16)": [
            Case(
                "wrong caller (not governance)",
                "RevenueRouterNotGovernance",
                lambda e, d: Call(
                    rt(e), "setFeeBps", (d(st.integers(0, 1_000)),), helpers.wrong_caller(d, e)
                ),
            ),
            Case(
                "fee above MAX_FEE_BPS (by governance)",
                "RevenueRouterFeeTooHigh",
                lambda e, d: Call(
                    rt(e), "setFeeBps", (d(st.integers(1_001, 2**16 - 1), label="bps"),), gov(e)
                ),
            ),
        ],
        "setTreasury(address)": helpers.governance_sets_address(
            "RevenueRouter", "setTreasury", "treasury"
        ),
    }
