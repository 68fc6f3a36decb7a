"""Bad inputs of the governors (ProtocolGovernor, ModelGovernor) and timelocks
(ProtocolTimelock, ModelTimelock), and the proposal states their cases start from."""

from __future__ import annotations

from eth_utils import keccak
from hypothesis import strategies as st

from bad_inputs.helpers import wrong_caller
from bad_inputs.model import (
    UINT256,
    Z32,
    Call,
    Case,
    Exempt,
    any_address,
    garbage_signature,
    nonzero_bytes32,
    small_amount,
    unknown_id,
)
from modelmint.constants import DAY


def _proposal(e, gname):
    key = "gov_proposal" if gname == "ProtocolGovernor" else "model_proposal"
    return e.ids[key]


def _noop(e):
    return ([str(e.c("ModelRegistry").address)], [0], [b""])


def _proposer(e, gname):
    return e.holder if gname == "ProtocolGovernor" else e.model_owner


def _to_active(e, gname):
    """Moves time/blocks past the voting delay so the pending proposal is Active."""
    if gname == "ProtocolGovernor":
        e.chain.pending_timestamp += DAY + 1
        e.chain.mine()
    else:
        e.chain.mine(12)


def governor_cases(gname: str) -> dict:
    def g(e):
        return e.c(gname)

    def pid(e):
        return _proposal(e, gname).proposalId

    def only_executor(method, args):
        return Case(
            "wrong caller (not the executor)",
            "GovernorOnlyExecutor",
            lambda e, d: Call(g(e), method, args(e, d), wrong_caller(d, e)),
        )

    def unknown(method, extra_args):
        return Case(
            "unknown proposal",
            "GovernorNonexistentProposal",
            lambda e, d: Call(g(e), method, (d(unknown_id), *extra_args), e.holder),
        )

    def not_active(method, extra_args):
        return Case(
            "proposal still pending",
            "GovernorUnexpectedProposalState",
            lambda e, d: Call(g(e), method, (pid(e), *extra_args), e.holder),
        )

    def bad_support(method, extra_args):
        def build(e, d):
            _to_active(e, gname)
            support = d(st.integers(3, 255), label="support")
            return Call(g(e), method, (pid(e), support, *extra_args), e.holder)

        return Case("invalid vote type on an active proposal", "GovernorInvalidVoteType", build)

    def queue_like(method):
        return [
            Case(
                "unknown proposal",
                "GovernorNonexistentProposal",
                lambda e, d: Call(g(e), method, (*_noop(e), d(nonzero_bytes32)), e.attacker),
            ),
            Case(
                "proposal not succeeded (pending)",
                "GovernorUnexpectedProposalState",
                lambda e, d: Call(g(e), method, (*_noop(e), keccak(text="noop")), e.attacker),
            ),
        ]

    def hook_case(method, args):
        return [
            Case(
                "deposit to a governor whose executor is a timelock",
                "GovernorDisabledDeposit",
                lambda e, d: Call(g(e), method, args(e, d), e.attacker),
            )
        ]

    return {
        "propose(address[],uint256[],bytes[],string)": [
            Case(
                "proposer below threshold",
                "GovernorInsufficientProposerVotes",
                lambda e, d: Call(g(e), "propose", (*_noop(e), "x"), e.attacker),
            ),
            Case(
                "empty proposal",
                "GovernorInvalidProposalLength",
                lambda e, d: Call(g(e), "propose", ([], [], [], "empty"), _proposer(e, gname)),
            ),
            Case(
                "length mismatch",
                "GovernorInvalidProposalLength",
                lambda e, d: Call(
                    g(e),
                    "propose",
                    (
                        _noop(e)[0],
                        [0] * d(st.integers(2, 5), label="values"),
                        [b""],
                        "mismatch",
                    ),
                    _proposer(e, gname),
                ),
            ),
            Case(
                "same proposal again",
                "GovernorUnexpectedProposalState",
                lambda e, d: Call(g(e), "propose", (*_noop(e), "noop"), _proposer(e, gname)),
            ),
            Case(
                "description reserved for another proposer",
                "GovernorRestrictedProposer",
                lambda e, d: Call(
                    g(e),
                    "propose",
                    (*_noop(e), f"x#proposer={d(any_address, label='other')}"),
                    _proposer(e, gname),
                ),
            ),
        ],
        "cancel(address[],uint256[],bytes[],bytes32)": [
            Case(
                "not the proposer",
                "GovernorUnableToCancel",
                lambda e, d: Call(
                    g(e),
                    "cancel",
                    (*_noop(e), keccak(text="noop")),
                    wrong_caller(d, e, _proposer(e, gname)),
                ),
            ),
            Case(
                "unknown proposal",
                "GovernorNonexistentProposal",
                lambda e, d: Call(
                    g(e), "cancel", (*_noop(e), d(nonzero_bytes32)), _proposer(e, gname)
                ),
            ),
        ],
        "queue(address[],uint256[],bytes[],bytes32)": queue_like("queue"),
        "execute(address[],uint256[],bytes[],bytes32)": queue_like("execute"),
        "castVote(uint256,uint8)": [
            unknown("castVote", (1,)),
            not_active("castVote", (1,)),
            bad_support("castVote", ()),
        ],
        "castVoteWithReason(uint256,uint8,string)": [
            unknown("castVoteWithReason", (1, "r")),
            not_active("castVoteWithReason", (1, "r")),
            bad_support("castVoteWithReason", ("r",)),
        ],
        "castVoteWithReasonAndParams(uint256,uint8,string,bytes)": [
            unknown("castVoteWithReasonAndParams", (1, "r", b"")),
            not_active("castVoteWithReasonAndParams", (1, "r", b"")),
            bad_support("castVoteWithReasonAndParams", ("r", b"")),
        ],
        "castVoteBySig(uint256,uint8,address,bytes)": [
            Case(
                "garbage signature",
                "GovernorInvalidSignature",
                lambda e, d: Call(
                    g(e),
                    "castVoteBySig",
                    (pid(e), 1, e.holder, d(garbage_signature, label="sig")),
                    e.attacker,
                ),
            )
        ],
        "castVoteWithReasonAndParamsBySig(uint256,uint8,address,string,bytes,bytes)": [
            Case(
                "garbage signature",
                "GovernorInvalidSignature",
                lambda e, d: Call(
                    g(e),
                    "castVoteWithReasonAndParamsBySig",
                    (pid(e), 1, e.holder, "r", b"", d(garbage_signature, label="sig")),
                    e.attacker,
                ),
            )
        ],
        "relay(address,uint256,bytes)": [
            only_executor("relay", lambda e, d: (e.attacker, 0, b"")),
        ],
        "setProposalThreshold(uint256)": [
            only_executor("setProposalThreshold", lambda e, d: (d(st.integers(0, UINT256)),)),
        ],
        "setVotingDelay(uint48)": [
            only_executor("setVotingDelay", lambda e, d: (d(st.integers(0, 2**48 - 1)),)),
        ],
        "setVotingPeriod(uint32)": [
            only_executor("setVotingPeriod", lambda e, d: (d(st.integers(1, 2**32 - 1)),)),
        ],
        "updateQuorumNumerator(uint256)": [
            only_executor("updateQuorumNumerator", lambda e, d: (d(st.integers(0, 100)),)),
        ],
        "updateTimelock(address)": [
            only_executor("updateTimelock", lambda e, d: (d(any_address),)),
        ],
        "onERC721Received(address,address,uint256,bytes)": hook_case(
            "onERC721Received", lambda e, d: (e.attacker, e.attacker, d(unknown_id), b"")
        ),
        "onERC1155Received(address,address,uint256,uint256,bytes)": hook_case(
            "onERC1155Received",
            lambda e, d: (e.attacker, e.attacker, 1, d(small_amount), b""),
        ),
        "onERC1155BatchReceived(address,address,uint256[],uint256[],bytes)": hook_case(
            "onERC1155BatchReceived", lambda e, d: (e.attacker, e.attacker, [1], [1], b"")
        ),
    }


def timelock_cases(tname: str, gname: str) -> dict:
    def t(e):
        return e.c(tname)

    def proposer(e):
        return e.as_account(e.c(gname))

    def role(e):
        return t(e).PROPOSER_ROLE()

    hooks = Exempt("receiver hook: accepts any token, changes no state")
    return {
        "schedule(address,uint256,bytes,bytes32,bytes32,uint256)": [
            Case(
                "wrong caller (no PROPOSER_ROLE)",
                "AccessControlUnauthorizedAccount",
                lambda e, d: Call(
                    t(e), "schedule", (e.attacker, 0, b"", Z32, Z32, 10**9), wrong_caller(d, e)
                ),
            ),
            Case(
                "delay below the minimum (by the proposer)",
                "TimelockInsufficientDelay",
                lambda e, d: Call(
                    t(e),
                    "schedule",
                    (
                        e.attacker,
                        0,
                        b"",
                        Z32,
                        d(nonzero_bytes32, label="salt"),
                        d(st.integers(0, t(e).getMinDelay() - 1), label="delay"),
                    ),
                    proposer(e),
                ),
            ),
        ],
        "scheduleBatch(address[],uint256[],bytes[],bytes32,bytes32,uint256)": [
            Case(
                "length mismatch (by the proposer)",
                "TimelockInvalidOperationLength",
                lambda e, d: Call(
                    t(e),
                    "scheduleBatch",
                    (
                        [e.attacker],
                        [0] * d(st.integers(2, 5), label="values"),
                        [b""],
                        Z32,
                        Z32,
                        10**9,
                    ),
                    proposer(e),
                ),
            ),  # fmt: skip
            Case(
                "wrong caller (no PROPOSER_ROLE)",
                "AccessControlUnauthorizedAccount",
                lambda e, d: Call(
                    t(e),
                    "scheduleBatch",
                    ([e.attacker], [0], [b""], Z32, Z32, 10**9),
                    wrong_caller(d, e),
                ),
            ),
        ],
        "cancel(bytes32)": [
            Case(
                "unknown operation (by the canceller)",
                "TimelockUnexpectedOperationState",
                lambda e, d: Call(t(e), "cancel", (d(nonzero_bytes32),), proposer(e)),
            ),
            Case(
                "wrong caller (no CANCELLER_ROLE)",
                "AccessControlUnauthorizedAccount",
                lambda e, d: Call(t(e), "cancel", (d(nonzero_bytes32),), wrong_caller(d, e)),
            ),
        ],
        "execute(address,uint256,bytes,bytes32,bytes32)": [
            Case(
                "operation not scheduled",
                "TimelockUnexpectedOperationState",
                lambda e, d: Call(
                    t(e), "execute", (e.attacker, 0, b"", Z32, d(nonzero_bytes32)), e.attacker
                ),
            )
        ],
        "executeBatch(address[],uint256[],bytes[],bytes32,bytes32)": [
            Case(
                "length mismatch",
                "TimelockInvalidOperationLength",
                lambda e, d: Call(
                    t(e),
                    "executeBatch",
                    ([e.attacker], [0] * d(st.integers(2, 5), label="values"), [b""], Z32, Z32),
                    e.attacker,
                ),
            ),
            Case(
                "operation not scheduled",
                "TimelockUnexpectedOperationState",
                lambda e, d: Call(
                    t(e),
                    "executeBatch",
                    ([e.attacker], [0], [b""], Z32, d(nonzero_bytes32)),
                    e.attacker,
                ),
            ),
        ],
        "grantRole(bytes32,address)": [
            Case(
                "wrong caller (not the admin)",
                "AccessControlUnauthorizedAccount",
                lambda e, d: Call(t(e), "grantRole", (role(e), d(any_address)), wrong_caller(d, e)),
            )
        ],
        "revokeRole(bytes32,address)": [
            Case(
                "wrong caller (not the admin)",
                "AccessControlUnauthorizedAccount",
                lambda e, d: Call(t(e), "revokeRole", (role(e), e.c(gname)), wrong_caller(d, e)),
            )
        ],
        "renounceRole(bytes32,address)": [
            Case(
                "confirmation is not the caller",
                "AccessControlBadConfirmation",
                lambda e, d: Call(t(e), "renounceRole", (role(e), e.c(gname)), wrong_caller(d, e)),
            )
        ],
        "updateDelay(uint256)": [
            Case(
                "wrong caller (not the timelock itself)",
                "TimelockUnauthorizedCaller",
                lambda e, d: Call(
                    t(e), "updateDelay", (d(st.integers(0, UINT256)),), wrong_caller(d, e)
                ),
            )
        ],
        "onERC721Received(address,address,uint256,bytes)": hooks,
        "onERC1155Received(address,address,uint256,uint256,bytes)": hooks,
        "onERC1155BatchReceived(address,address,uint256[],uint256[],bytes)": hooks,
    }
