"""ModelSharesFactory's bad inputs."""

from __future__ import annotations

from hypothesis import strategies as st

from bad_inputs.helpers import new_model, wrong_caller
from bad_inputs.model import UINT256, Call, Case, small_amount, unknown_id
from modelmint.constants import ZERO_ADDRESS as ZERO


def factory_cases() -> dict:
    def f(e):
        return e.c("ModelSharesFactory")

    def fresh(e):
        return new_model(e)

    return {
        "createShares(uint256,string,string,uint256,address)": [
            Case(
                "unknown model",
                "ModelSharesFactoryUnknownModel",
                lambda e, d: Call(
                    f(e), "createShares", (d(unknown_id), "S", "S", 1, e.holder), e.model_owner
                ),
            ),
            Case(
                "wrong caller (not the model owner)",
                "ModelSharesFactoryNotModelOwner",
                lambda e, d: Call(
                    f(e),
                    "createShares",
                    (e.ids["model"], "S", "S", 1, e.holder),
                    wrong_caller(d, e, e.model_owner),
                ),
            ),
            Case(
                "zero supply",
                "ModelSharesZeroSupply",
                lambda e, d: Call(
                    f(e), "createShares", (fresh(e), "S", "S", 0, e.holder), e.model_owner
                ),
            ),
            Case(
                "zero initial holder",
                "ModelSharesZeroAddress",
                lambda e, d: Call(
                    f(e), "createShares", (fresh(e), "S", "S", d(small_amount), ZERO), e.model_owner
                ),
            ),
            Case(
                "supply above 2^96 - 1",
                "ModelSharesSupplyTooLarge",
                lambda e, d: Call(
                    f(e),
                    "createShares",
                    (fresh(e), "S", "S", d(st.integers(2**96, UINT256), label="supply"), e.holder),
                    e.model_owner,
                ),
            ),
            Case(
                "name longer than 255 bytes",
                "ModelSharesFactoryNameTooLong",
                lambda e, d: Call(
                    f(e),
                    "createShares",
                    (fresh(e), "x" * d(st.integers(256, 600), label="length"), "S", 1, e.holder),
                    e.model_owner,
                ),
            ),
        ]
    }
