"""ModelPayees' bad inputs."""

from __future__ import annotations

from hypothesis import strategies as st

from bad_inputs.helpers import target_model, wrong_caller
from bad_inputs.model import Call, Case, unknown_id
from modelmint.constants import ZERO_ADDRESS as ZERO

# Any non-zero address: never the payment asset of the (ETH-priced) target model.
other_asset = st.integers(min_value=1, max_value=2**160 - 1).map(lambda n: f"0x{n:040x}")


def payees_cases() -> dict:
    def call(method, args, caller):
        """A builder calling ModelPayees.`method` with `args(e, d)` from `caller(e, d)`."""
        return lambda e, d: Call(e.c("ModelPayees"), method, args(e, d), caller(e, d))

    def owner(e, d):
        return e.model_owner

    def consumer(e, d):
        return e.consumer

    def stray(e):  # a token the target model is not priced in
        return e.c("LicenseManager")

    forward = {
        "unknown model": (
            "ModelPayeesUnknownModel",
            lambda e, d: (d(unknown_id), ZERO),
        ),
        "not the model's payment asset": (
            "ModelPayeesNotPaymentAsset",
            lambda e, d: (target_model(e), d(other_asset, label="asset")),
        ),
    }
    recover = {
        "unknown model": (
            "ModelPayeesUnknownModel",
            lambda e, d: (d(unknown_id), stray(e), e.holder),
            owner,
        ),
        "wrong caller (not the model owner)": (
            "ModelPayeesNotModelOwner",
            lambda e, d: (target_model(e), stray(e), e.holder),
            lambda e, d: wrong_caller(d, e, e.model_owner),
        ),
        "zero recipient": (
            "ModelPayeesZeroAddress",
            lambda e, d: (target_model(e), stray(e), ZERO),
            owner,
        ),
        "the model's payment asset": (
            "ModelPayeesPaymentAssetNotRecoverable",
            lambda e, d: (target_model(e), ZERO, e.holder),
            owner,
        ),
    }
    return {
        "forward(uint256,address)": [
            Case(label, error, call("forward", args, consumer))
            for label, (error, args) in forward.items()
        ],
        "recover(uint256,address,address)": [
            Case(label, error, call("recover", args, who))
            for label, (error, args, who) in recover.items()
        ],
    }
