"""ModelPayees' bad inputs."""

from __future__ import annotations

from hypothesis import strategies as st

from bad_inputs.helpers import target_model, wrong_caller
from bad_inputs.model import Call, Case, unknown_id
from modelmint.constants import ZERO_ADDRESS as ZERO

# Any non-zero address: never the payment asset of the (ETH-priced) target model.
other_asset = st.integers(min_value=1, max_value=2**160 - 1).map(lambda n: f"0x{n:040x}")


def payees_cases() -> dict:
    def f(e):
        return e.c("ModelPayees")

    return {
        "forward(uint256,address)": [
            Case(
                "unknown model",
                "ModelPayeesUnknownModel",
                lambda e, d: Call(f(e), "forward", (d(unknown_id), ZERO), e.consumer),
            ),
            Case(
                "not the model's payment asset",
                "ModelPayeesNotPaymentAsset",
                lambda e, d: Call(
                    f(e), "forward", (target_model(e), d(other_asset, label="asset")), e.consumer
                ),
            ),
        ],
        "recover(uint256,address,address)": [
            Case(
                "unknown model",
                "ModelPayeesUnknownModel",
                lambda e, d: Call(
                    f(e), "recover", (d(unknown_id), e.c("LicenseManager"), e.holder), e.model_owner
                ),
            ),
            Case(
                "wrong caller (not the model owner)",
                "ModelPayeesNotModelOwner",
                lambda e, d: Call(
                    f(e),
                    "recover",
                    (target_model(e), e.c("LicenseManager"), e.holder),
                    wrong_caller(d, e, e.model_owner),
                ),
            ),
            Case(
                "zero recipient",
                "ModelPayeesZeroAddress",
                lambda e, d: Call(
                    f(e), "recover", (target_model(e), e.c("LicenseManager"), ZERO), e.model_owner
                ),
            ),
            Case(
                "the model's payment asset",
                "ModelPayeesPaymentAssetNotRecoverable",
                lambda e, d: Call(
                    f(e), "recover", (target_model(e), ZERO, e.holder), e.model_owner
                ),
            ),
        ],
    }
