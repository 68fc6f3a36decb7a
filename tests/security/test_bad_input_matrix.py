"""Bad-input matrix: every state-changing external function of every contract in the access
table is called with each of its bad inputs (tests/security/bad_inputs/); every example must
revert with the named custom error and leave the state digest (balances of the protocol's
contracts and of the caller, key views of the touched contract) unchanged. A per-receipt refusal
inside `UsageCredits.settle` does not revert the batch by design: it must emit ReceiptRejected
naming the error instead, and change nothing else.

Each example runs in its own chain snapshot (`modelmint.dev.testing.isolated`): the builder may
prepare state (pause an offer, move time), then the call. The call is an eth_call of the
transaction against the state the builder left: a reverted call changes no state, so the revert
data is the whole check. One case per contract (`MINED`; every case under the `ci` and `deep`
profiles) also sends the transaction for real: it must be mined, revert, and leave the state
digest (balances of the protocol's contracts and of the caller, key views of the touched
contract, taken after the builder ran) unchanged, so a path that writes state and then reverts
runs on every contract. Batch refusals (`Case.rejected`) are always mined.
Counts of distinct (function, bad input) examples go to reports/bad-input-matrix.json and the
terminal summary (tests/security/conftest.py). Examples per case: HYPOTHESIS_PROFILE dev 3,
ci 8 (cases whose inputs do not vary run once: Hypothesis sees the space is exhausted).
"""

import os

import pytest
from access_table import TABLE
from bad_inputs import MATRIX, Env, cases, exempt, record
from eth_utils import keccak
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from modelmint.constants import ZERO_ADDRESS
from modelmint.dev.testing import isolated

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
EXAMPLES = {"dev": 3, "ci": 8, "deep": 40}.get(PROFILE, 3)
MINE_EVERY_CASE = PROFILE in ("ci", "deep")
ACTORS = (
    "deployer",
    "model_owner",
    "contributor",
    "licensee",
    "consumer",
    "gateway",
    "attacker",
    "treasury",
    "holder",
    "agent",
)


@pytest.mark.parametrize("name", sorted(TABLE))
def test_matrix__has_an_entry_for_every_state_changing_function(name):
    assert set(MATRIX[name]) == set(TABLE[name]), (
        f"{name}: add bad inputs (or an Exempt with a reason) for "
        f"{sorted(set(TABLE[name]) - set(MATRIX[name]))}; drop {sorted(set(MATRIX[name]) - set(TABLE[name]))}"
    )


def test_matrix__exemptions_give_a_reason():
    for contract, sig, reason in exempt():
        assert len(reason) > 30, (contract, sig)


@pytest.fixture(scope="module")
def env(protocol, accounts, chain, request):
    actors = {name: request.getfixturevalue(name) for name in ACTORS}
    return Env(protocol, actors, accounts, chain)


def _views(env, contract: str):
    """(address, calldata) pairs of the key views of `contract`."""
    p, ids, a = env.p, env.ids, env.actors
    c = p[contract]

    def v(target, method, *args):
        return (str(target.address), getattr(target, method).encode_input(*args))

    reg, lic, cred, router = (
        p["ModelRegistry"],
        p["LicenseManager"],
        p["UsageCredits"],
        p["RevenueRouter"],
    )
    common = [
        v(router, "liabilities", "0x" + "00" * 20),
        v(router, "claimable", ids["model"], a["model_owner"]),
        v(reg, "ownerOf", ids["model"]),
        v(reg, "ownerOf", ids["frac_model"]),
    ]
    per = {
        "ModelRegistry": lambda: [
            v(reg, "model", ids["model"]),
            v(reg, "governance"),
            v(reg, "getApproved", ids["model"]),
            v(reg, "isGateway", ids["model"], a["gateway"]),
            v(reg, "balanceOf", a["model_owner"]),
        ],
        "LicenseManager": lambda: [
            v(lic, "offerCount"),
            v(lic, "offer", ids["offer"]),
            v(lic, "license", ids["license"]),
            v(lic, "ownerOf", ids["license"]),
            v(lic, "getApproved", ids["license"]),
            v(lic, "balanceOf", a["licensee"]),
        ],
        "UsageCredits": lambda: [
            v(cred, "channel", ids["channel"]),
            v(cred, "modelCredits", ids["model"]),
            v(cred, "lockedSupply", ids["model"]),
            v(cred, "pendingRevenue", ids["model"]),
            v(cred, "balanceOf", a["consumer"], ids["model"]),
            v(cred, "balanceOf", a["attacker"], ids["model"]),
        ],
        "RevenueRouter": lambda: [
            v(router, "feeBps"),
            v(router, "treasury"),
            v(router, "modelState", ids["model"]),
            v(router, "feesOwed", "0x" + "00" * 20),
        ],
        "ModelSharesFactory": lambda: [],
        "ModelPayees": lambda: [v(c, "payeeOf", ids["model"])],
        "Fractionalizer": lambda: [v(c, "rounds", ids["model"])],
        "AgentWallet": lambda: [
            v(c, "agent"),
            v(c, "budgetOf", ZERO_ADDRESS),
            v(c, "spentOf", ZERO_ADDRESS),
            v(c, "isModelAllowed", ids["model"]),
            v(c, "isGatewayAllowed", a["gateway"]),
            v(cred, "balanceOf", c, ids["model"]),
            v(cred, "lockedSupply", ids["model"]),
        ],
    }
    if contract in ("ModelShares", "GovernanceToken"):
        owner = a["model_owner"] if contract == "ModelShares" else a["holder"]
        per[contract] = lambda: [
            v(c, "totalSupply"),
            v(c, "balanceOf", owner),
            v(c, "balanceOf", a["attacker"]),
            v(c, "nonces", owner),
            v(c, "allowance", owner, a["attacker"]),
            v(c, "delegates", owner),
            v(c, "getVotes", owner),
        ]
    elif contract.endswith("Governor"):
        key = "gov_proposal" if contract == "ProtocolGovernor" else "model_proposal"
        per[contract] = lambda: [
            v(c, "state", ids[key].proposalId),
            v(c, "proposalVotes", ids[key].proposalId),
            v(c, "proposalThreshold"),
            v(c, "votingDelay"),
            v(c, "votingPeriod"),
            v(c, "quorumNumerator"),
            v(c, "timelock"),
        ]
    elif contract.endswith("Timelock"):
        gov = p["ProtocolGovernor" if contract == "ProtocolTimelock" else "ModelGovernor"]
        role = c.PROPOSER_ROLE()
        per[contract] = lambda: [
            v(c, "getMinDelay"),
            v(c, "hasRole", role, gov),
            v(c, "hasRole", role, a["attacker"]),
            v(c, "hasRole", c.DEFAULT_ADMIN_ROLE(), a["attacker"]),
        ]
    return common + per[contract]()


def _rpc_batch(env, requests: list[tuple[str, list]]) -> list:
    """One JSON-RPC batch straight to the node (no web3 formatters): each response's result,
    or its error object (a view that reverts must revert the same way before and after)."""
    responses = env.chain.provider.web3.provider.make_batch_request(requests)
    assert isinstance(responses, list), f"the node refused the batch: {responses}"
    return [r["result"] if "result" in r else r["error"] for r in responses]


def _digest(env, contract, call) -> tuple:
    """Key views of `contract` and ETH balances of the caller, the target and the contracts
    that hold value, read in one JSON-RPC batch."""
    if contract not in env.extra:
        env.extra[contract] = _views(env, contract)
    p = env.p
    holders = {
        str(getattr(x, "address", x))
        for x in (
            call.sender,
            call.target,
            p["RevenueRouter"],
            p["UsageCredits"],
            p["LicenseManager"],
            env.treasury,
        )
    }
    requests = [
        ("eth_call", [{"to": to, "data": _hex(data)}, "latest"]) for to, data in env.extra[contract]
    ]
    requests += [("eth_getBalance", [h, "latest"]) for h in sorted(holders)]
    return tuple(repr(r) for r in _rpc_batch(env, requests))


def _hex(data) -> str:
    return data if isinstance(data, str) else "0x" + bytes(data).hex()


def _canonical(param: dict) -> str:
    if param["type"].startswith("tuple"):
        return "(" + ",".join(_canonical(c) for c in param["components"]) + ")" + param["type"][5:]
    return param["type"]


@pytest.fixture(scope="module")
def error_selectors(project):
    """Custom-error name -> 4-byte selector, from every contract type of the project (the
    protocol's ABIs include the OpenZeppelin errors they can raise)."""
    out: dict[str, set[bytes]] = {}
    for name in project.contracts:
        abi = project.get_contract(name).contract_type.model_dump(mode="json")["abi"]
        for item in abi:
            if item["type"] == "error":
                sig = f"{item['name']}({','.join(_canonical(i) for i in item['inputs'])})"
                out.setdefault(item["name"], set()).add(keccak(text=sig)[:4])
    return out


def _transaction(call) -> dict:
    """The raw JSON-RPC transaction of a matrix call (gas free, a generous gas limit)."""
    method = getattr(call.target, call.method)
    return {
        "from": str(getattr(call.sender, "address", call.sender)),
        "to": str(call.target.address),
        "data": _hex(method.encode_input(*call.args)),
        "value": hex(call.value),
        "gas": hex(20_000_000),
        "maxFeePerGas": "0x0",
        "maxPriorityFeePerGas": "0x0",
    }


def _call(env, tx: dict) -> bytes:
    """The revert data of an eth_call of `tx` at the latest state; fails if it did not revert."""
    response = env.chain.provider.web3.provider.make_request("eth_call", [tx, "latest"])
    if "error" not in response:
        pytest.fail("did not revert")
    data = response["error"].get("data")
    return bytes.fromhex(data[2:]) if isinstance(data, str) and data.startswith("0x") else b""


def _mine(env, tx: dict) -> dict:
    """Sends `tx` as a real transaction and returns its receipt (the node mines each one)."""
    w3 = env.chain.provider.web3
    sent = w3.provider.make_request("eth_sendTransaction", [tx])
    assert "result" in sent, f"the node refused the transaction: {sent.get('error')}"
    return w3.eth.wait_for_transaction_receipt(sent["result"])


def _send(env, call) -> bytes:
    """Reads the call's revert data with an eth_call, then sends it as a real transaction
    (mined, reverted) at the same state and returns that revert data."""
    tx = _transaction(call)
    data = _call(env, tx)
    receipt = _mine(env, tx)
    assert receipt.status == 0, "the eth_call reverted but the transaction did not"
    return data


REJECTED_TOPIC = keccak(text="ReceiptRejected(uint256,bytes4)")


def _send_rejected(env, call) -> list[bytes]:
    """Sends a batch call that must not revert; returns the reasons of its ReceiptRejected
    events (the refused items)."""
    receipt = _mine(env, _transaction(call))
    assert receipt.status == 1, "one refused item reverted the whole batch"
    return [
        bytes(log["data"])[:4]
        for log in receipt.logs
        if log["topics"] and bytes(log["topics"][0]) == REJECTED_TOPIC
    ]


def _mined_cases() -> set[tuple[str, str, int]]:
    """The first reverting case of each contract: sent as a real transaction as well."""
    first: dict[str, tuple[str, str, int]] = {}
    for contract, sig, index in cases():
        if not MATRIX[contract][sig][index].rejected:
            first.setdefault(contract, (contract, sig, index))
    return set(first.values())


MINED = _mined_cases()


def _ids():
    return [f"{c}.{s.split('(')[0]}[{MATRIX[c][s][i].label}]" for c, s, i in cases()]


@pytest.mark.parametrize(("contract", "sig", "index"), cases(), ids=_ids())
def test_bad_input__reverts_with_named_error__state_unchanged(
    env, error_selectors, contract, sig, index
):
    case = MATRIX[contract][sig][index]
    expected = error_selectors.get(case.error)
    assert expected, f"{case.error} is not a custom error of any project contract"
    mined = MINE_EVERY_CASE or (contract, sig, index) in MINED

    # No shrinking: inputs are single draws and a failing example is reported as drawn.
    @settings(max_examples=EXAMPLES, database=None, phases=(Phase.explicit, Phase.generate))
    @given(data=st.data())
    def run(data):
        with isolated(env.chain):
            call = case.build(env, data.draw)
            assert call.method == sig.split("(")[0]
            record(contract, sig, case, call)
            before = _digest(env, contract, call) if case.rejected or mined else None
            if case.rejected:
                reasons = _send_rejected(env, call)
                assert len(reasons) == 1 and reasons[0] in expected, (
                    f"{contract}.{sig} [{case.label}]: expected one ReceiptRejected naming "
                    f"{case.error}, got {[r.hex() for r in reasons]}"
                )
            else:
                revert = _send(env, call) if mined else _call(env, _transaction(call))
                assert revert[:4] in expected, (
                    f"{contract}.{sig} [{case.label}]: expected {case.error}, got revert data "
                    f"0x{revert.hex()[:200]}"
                )
            if before is not None:
                assert _digest(env, contract, call) == before

    run()
