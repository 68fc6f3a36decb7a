"""ModelRegistry's bad inputs."""

from __future__ import annotations

from hypothesis import strategies as st

from bad_inputs.helpers import (
    big_supply_token,
    governance_sender,
    governance_sets_address,
    target_model,
    wrong_caller,
)
from bad_inputs.model import Z32, Call, Case, any_address, unknown_id
from bad_inputs.tokens import erc721_cases
from modelmint.constants import ZERO_ADDRESS as ZERO


def reg(e):
    return e.c("ModelRegistry")


mid, gov = target_model, governance_sender


def not_owner(method, args):
    return Case(
        "wrong caller (not the model owner)",
        "ModelRegistryNotModelOwner",
        lambda e, d: Call(reg(e), method, args(e, d), wrong_caller(d, e, e.model_owner)),
    )


def unknown(method, args, sender=None):
    return Case(
        "unknown model id",
        "ModelRegistryUnknownModel",
        lambda e, d: Call(
            reg(e),
            method,
            (d(unknown_id), *args(e, d)),
            (sender or (lambda e: e.model_owner))(e),
        ),
    )


def not_gov(method, args):
    return Case(
        "wrong caller (not governance)",
        "ModelRegistryNotGovernance",
        lambda e, d: Call(reg(e), method, args(e, d), wrong_caller(d, e)),
    )


def registry_cases() -> dict:
    return {
        "registerModel(address,bytes32,string,string)": [
            Case(
                "zero weights hash",
                "ModelRegistryZeroWeightsHash",
                lambda e, d: Call(reg(e), "registerModel", (ZERO, Z32, "u", "m"), e.model_owner),
            ),
            Case(
                "payment token not allow-listed",
                "ModelRegistryTokenNotAllowed",
                lambda e, d: Call(
                    reg(e),
                    "registerModel",
                    (
                        d(any_address.filter(lambda a: int(a, 16) != 0), label="token"),
                        b"\x11" * 32,
                        "u",
                        "m",
                    ),
                    e.model_owner,
                ),
            ),
        ],
        "publishVersion(uint256,bytes32,string)": [
            unknown("publishVersion", lambda e, d: (b"\x22" * 32, "u")),
            not_owner("publishVersion", lambda e, d: (mid(e), b"\x22" * 32, "u")),
            Case(
                "zero weights hash",
                "ModelRegistryZeroWeightsHash",
                lambda e, d: Call(reg(e), "publishVersion", (mid(e), Z32, "u"), e.model_owner),
            ),
        ],
        "setGateway(uint256,address,bool)": [
            unknown("setGateway", lambda e, d: (e.gateway, True)),
            not_owner("setGateway", lambda e, d: (mid(e), d(any_address), True)),
            Case(
                "zero gateway",
                "ModelRegistryZeroAddress",
                lambda e, d: Call(
                    reg(e), "setGateway", (mid(e), ZERO, d(st.booleans())), e.model_owner
                ),
            ),
        ],
        "transferWithGateways(address,uint256,address[])": [
            Case(
                "unknown model id",
                "ModelRegistryUnknownModel",
                lambda e, d: Call(
                    reg(e), "transferWithGateways", (e.gateway, d(unknown_id), []), e.model_owner
                ),
            ),
            not_owner("transferWithGateways", lambda e, d: (d(any_address), mid(e), [])),
            Case(
                "zero recipient",
                "ERC721InvalidReceiver",
                lambda e, d: Call(
                    reg(e), "transferWithGateways", (ZERO, mid(e), []), e.model_owner
                ),
            ),
            Case(
                "zero gateway",
                "ModelRegistryZeroAddress",
                lambda e, d: Call(
                    reg(e), "transferWithGateways", (e.gateway, mid(e), [ZERO]), e.model_owner
                ),
            ),
        ],
        "setStatus(uint256,uint8)": [
            unknown("setStatus", lambda e, d: (1,)),
            not_owner("setStatus", lambda e, d: (mid(e), 1)),
            Case(
                "status unchanged",
                "ModelRegistryStatusUnchanged",
                lambda e, d: Call(reg(e), "setStatus", (mid(e), 0), e.model_owner),
            ),
        ],
        "setFlagged(uint256,bool)": [
            not_gov("setFlagged", lambda e, d: (mid(e), True)),
            unknown("setFlagged", lambda e, d: (True,), sender=gov),
        ],
        "setPaymentTokenAllowed(address,bool)": [
            *governance_sets_address(
                "ModelRegistry", "setPaymentTokenAllowed", "token", allowed=st.booleans()
            ),
            Case(
                "token supply above MAX_TOKEN_SUPPLY (by governance)",
                "ModelRegistryTokenSupplyTooLarge",
                lambda e, d: Call(
                    reg(e), "setPaymentTokenAllowed", (big_supply_token(e, d), True), gov(e)
                ),
            ),
        ],
        "setUsageCredits(address)": governance_sets_address(
            "ModelRegistry", "setUsageCredits", "credits"
        ),
        "transferGovernance(address)": governance_sets_address(
            "ModelRegistry", "transferGovernance", "address"
        ),
        **erc721_cases("ModelRegistry", "model", lambda e: e.model_owner),
    }
