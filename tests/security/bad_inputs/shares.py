"""ModelShares' bad inputs (its ERC-20 side is in `tokens`)."""

from __future__ import annotations

from hypothesis import strategies as st

from bad_inputs.helpers import reinit_case
from bad_inputs.model import Call, Case, Exempt, small_amount
from bad_inputs.tokens import erc20_cases
from modelmint.constants import ZERO_ADDRESS as ZERO


def shares_cases() -> dict:
    def sh(e):
        return e.c("ModelShares")

    out = erc20_cases("ModelShares", lambda e: e.model_owner)
    out.update(
        {
            "initialize(uint256,address)": [reinit_case("ModelShares", lambda e: (1, e.attacker))],
            "sync()": Exempt("no arguments; anyone may observe pending revenue, never reverts"),
            "claim()": Exempt("no arguments; pays the caller's own share, 0 when nothing is owed"),
            "claimTo(address)": [
                Case(
                    "zero recipient",
                    "ModelSharesZeroAddress",
                    lambda e, d: Call(
                        sh(e), "claimTo", (ZERO,), d(st.sampled_from(list(e.actors.values())))
                    ),
                )
            ],
            "claimFor(address)": [
                Case(
                    "zero account",
                    "ModelSharesZeroAddress",
                    lambda e, d: Call(
                        sh(e), "claimFor", (ZERO,), d(st.sampled_from(list(e.actors.values())))
                    ),
                )
            ],
            "setPayout(address)": Exempt(
                "sets only the caller's own payout; any address is valid (zero = the caller)"
            ),
            "burn(uint256)": [
                Case(
                    "the whole supply or more",
                    "ModelSharesBurnsLastShares",
                    lambda e, d: Call(
                        sh(e),
                        "burn",
                        (sh(e).totalSupply() + d(st.integers(0, 10**30), label="extra"),),
                        e.model_owner,
                    ),
                ),
                Case(
                    "more than the caller's balance",
                    "ERC20InsufficientBalance",
                    lambda e, d: Call(sh(e), "burn", (d(small_amount),), e.attacker),
                ),
                Case(
                    "zero",
                    "ModelSharesZeroAmount",
                    lambda e, d: Call(
                        sh(e), "burn", (0,), d(st.sampled_from(list(e.actors.values())))
                    ),
                ),
            ],
        }
    )
    return out
