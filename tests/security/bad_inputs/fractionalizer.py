"""Fractionalizer's bad inputs."""

from __future__ import annotations

from hypothesis import strategies as st

from bad_inputs.helpers import wrong_caller
from bad_inputs.model import UINT256, Call, Case, any_address, unknown_id
from modelmint.constants import DAY
from modelmint.constants import ZERO_ADDRESS as ZERO


def fractionalizer_cases() -> dict:
    sig = (
        "fractionalize(uint256,(string,string,address,uint256),"
        "(uint48,uint32,uint256,uint256,uint256),(address[],uint32[],uint32),address[])"
    )

    def frac(
        label, error, shares=None, gov=None, split=None, model=None, sender=None, gateways=None
    ):
        def build(e, d):
            s = {"holder": e.holder, "supply": 10**24}
            g = {"delay": 10, "period": 100, "threshold": 0, "quorum": 10, "tl": DAY}
            p = {"recipients": [], "weights": [], "w": 8_000}
            for target, upd in ((s, shares), (g, gov), (p, split)):
                if upd:
                    target.update(upd(e, d))
            model_id = model(e, d) if model else e.ids["model"]
            who = sender(e, d) if sender else e.model_owner
            return Call(
                e.c("Fractionalizer"),
                "fractionalize",
                (
                    model_id,
                    ("S", "S", s["holder"], s["supply"]),
                    (g["delay"], g["period"], g["threshold"], g["quorum"], g["tl"]),
                    (p["recipients"], p["weights"], p["w"]),
                    gateways(e, d) if gateways else [],
                ),
                who,
            )

        return Case(label, error, build)

    return {
        sig: [
            frac("unknown model", "ERC721NonexistentToken", model=lambda e, d: d(unknown_id)),
            frac(
                "wrong caller (not the model owner)",
                "FractionalizerNotModelOwner",
                sender=lambda e, d: wrong_caller(d, e, e.model_owner),
            ),
            frac(
                "zero share holder",
                "FractionalizerZeroHolder",
                shares=lambda e, d: {"holder": ZERO},
            ),
            frac(
                "zero share supply", "FractionalizerZeroSupply", shares=lambda e, d: {"supply": 0}
            ),
            frac(
                "zero shares weight", "FractionalizerZeroSharesWeight", split=lambda e, d: {"w": 0}
            ),
            frac(
                "split lengths differ",
                "FractionalizerSplitLengthMismatch",
                split=lambda e, d: {
                    "recipients": [e.contributor],
                    "weights": [1] * d(st.integers(2, 4), label="n"),
                },
            ),
            frac(
                "quorum 0 or above 100",
                "FractionalizerInvalidQuorum",
                gov=lambda e, d: {
                    "quorum": d(st.sampled_from([0]) | st.integers(101, UINT256), label="quorum")
                },
            ),
            frac(
                "zero voting period",
                "FractionalizerZeroVotingPeriod",
                gov=lambda e, d: {"period": 0},
            ),
            frac(
                "zero voting delay",
                "FractionalizerZeroVotingDelay",
                gov=lambda e, d: {"delay": 0},
            ),
            frac(
                "proposal threshold above supply",
                "FractionalizerThresholdAboveSupply",
                gov=lambda e, d: {"threshold": 10**24 + d(st.integers(1, 10**30), label="excess")},
            ),
            frac(
                "gateway to keep not allowed by the owner",
                "FractionalizerNotGateway",
                gateways=lambda e, d: [d(any_address)],
            ),
        ]
    }
