"""The bad-input matrix: for every state-changing external function in the access table
(tests/security/access_table.py), the bad inputs it must refuse and the custom error it must
refuse each with.

`MATRIX[contract][signature]` is either a list of `Case`s or an `Exempt` with the reason the
function has no bad input that reverts (it acts only on the caller's own state and accepts every
value). A `Case` has a label, the expected error's name and a builder `build(env, draw)` that may
prepare state (it runs inside the example's snapshot) and returns the `Call` to make. `draw` is
Hypothesis' `data.draw`: values that vary (amounts, ids, addresses, callers, msg.value, deadlines)
come from the strategies below.

The cases live per contract in this package (`registry`, `licenses`, `credits`, `router`,
`shares`, `factory`, `payees`, `fractionalizer`, `agent_wallet`, and `tokens` / `governance` for the
shapes several contracts share); `MATRIX` below composes them.

tests/security/test_bad_input_matrix.py runs every case; `TRIED` collects the distinct
(function, bad input) examples and tests/security/conftest.py reports the counts.
"""

from __future__ import annotations

from bad_inputs.agent_wallet import agent_wallet_cases
from bad_inputs.credits import credits_cases
from bad_inputs.factory import factory_cases
from bad_inputs.fractionalizer import fractionalizer_cases
from bad_inputs.governance import governor_cases, timelock_cases
from bad_inputs.helpers import reinit_case
from bad_inputs.licenses import licenses_cases
from bad_inputs.model import TRIED, Call, Case, Env, Exempt, record
from bad_inputs.payees import payees_cases
from bad_inputs.registry import registry_cases
from bad_inputs.router import router_cases
from bad_inputs.shares import shares_cases
from bad_inputs.tokens import erc20_cases
from modelmint.constants import ZERO_ADDRESS as ZERO

__all__ = [
    "Call",
    "Case",
    "Env",
    "Exempt",
    "MATRIX",
    "TRIED",
    "cases",
    "exempt",
    "record",
]


MATRIX: dict[str, dict[str, list[Case] | Exempt]] = {
    "ModelRegistry": registry_cases(),
    "LicenseManager": licenses_cases(),
    "UsageCredits": credits_cases(),
    "RevenueRouter": router_cases(),
    "ModelShares": shares_cases(),
    "ModelSharesFactory": factory_cases(),
    "ModelPayees": payees_cases(),
    "Fractionalizer": fractionalizer_cases(),
    "GovernanceToken": erc20_cases("GovernanceToken", lambda e: e.holder),
    "ProtocolGovernor": governor_cases("ProtocolGovernor"),
    "ProtocolTimelock": timelock_cases("ProtocolTimelock", "ProtocolGovernor"),
    "ModelGovernor": {
        **governor_cases("ModelGovernor"),
        "initialize(address,address,uint48,uint32,uint256,uint256)": [
            reinit_case(
                "ModelGovernor", lambda e: (e.c("ModelShares"), e.c("ModelTimelock"), 1, 1, 0, 1)
            )
        ],
    },
    "ModelTimelock": {
        **timelock_cases("ModelTimelock", "ModelGovernor"),
        "initialize(uint256,address[],address[],address)": [
            reinit_case("ModelTimelock", lambda e: (0, [ZERO], [ZERO], ZERO))
        ],
    },
    "AgentWallet": agent_wallet_cases(),
}


def cases() -> list[tuple[str, str, int]]:
    """(contract, signature, case index) for every case in the matrix."""
    return [
        (c, s, i)
        for c in sorted(MATRIX)
        for s in sorted(MATRIX[c])
        if isinstance(MATRIX[c][s], list)
        for i in range(len(MATRIX[c][s]))
    ]


def exempt() -> list[tuple[str, str, str]]:
    return [
        (c, s, v.reason)
        for c in sorted(MATRIX)
        for s, v in sorted(MATRIX[c].items())
        if isinstance(v, Exempt)
    ]
