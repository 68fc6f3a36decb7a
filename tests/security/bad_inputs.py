"""The bad-input matrix: for every state-changing external function in the access table
(tests/security/access_table.py), the bad inputs it must refuse and the custom error it must
refuse each with.

`MATRIX[contract][signature]` is either a list of `Case`s or an `Exempt` with the reason the
function has no bad input that reverts (it acts only on the caller's own state and accepts every
value). A `Case` has a label, the expected error's name and a builder `build(env, draw)` that may
prepare state (it runs inside the example's snapshot) and returns the `Call` to make. `draw` is
Hypothesis' `data.draw`: values that vary (amounts, ids, addresses, callers, msg.value, deadlines)
come from the strategies below.

tests/security/test_bad_input_matrix.py runs every case; `TRIED` collects the distinct
(function, bad input) examples and tests/security/conftest.py reports the counts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eth_utils import keccak, to_checksum_address
from hypothesis import strategies as st

from modelmint.constants import DAY
from modelmint.constants import ZERO_ADDRESS as ZERO
from modelmint.dev.testing import DELEGATION_FIELDS, PERMIT_FIELDS, sign_typed
from modelmint.structs import OfferParams

UINT96 = 2**96 - 1
UINT256 = 2**256 - 1
Z32 = b"\x00" * 32

# ------------------------------------------------------------------------------ strategies

unknown_id = st.integers(min_value=10**6, max_value=UINT256)
too_big_for_uint96 = st.integers(min_value=UINT96 + 1, max_value=UINT256)
UINT64 = 2**64 - 1
UINT32 = 2**32 - 1
too_big_for_a_channel = st.integers(min_value=UINT64 + 1, max_value=UINT256)
beyond_uint32_expiry = st.integers(min_value=UINT32 + 1, max_value=2**40 - 1)
any_address = st.binary(min_size=20, max_size=20).map(to_checksum_address)
nonzero_bytes32 = st.binary(min_size=32, max_size=32).filter(lambda b: b != Z32)
garbage_signature = st.binary(min_size=65, max_size=65)
small_amount = st.integers(min_value=1, max_value=10**6)


def wrong_value(expected: int):
    """msg.value that differs from `expected`."""
    return st.integers(min_value=0, max_value=10**20).filter(lambda v: v != expected)


# ------------------------------------------------------------------------------ the model


@dataclass
class Call:
    target: Any
    method: str
    args: tuple
    sender: Any
    value: int = 0

    def key(self) -> str:
        def plain(a):
            if isinstance(a, list | tuple):
                return [plain(x) for x in a]
            if isinstance(a, bytes):
                return "0x" + a.hex()
            return str(getattr(a, "address", a))

        sender = getattr(self.sender, "address", self.sender)
        return repr((plain(list(self.args)), str(sender), self.value))

    def send(self):
        method = getattr(self.target, self.method)
        kw = {"sender": self.sender, "max_priority_fee": 0}
        if self.value:
            kw["value"] = self.value
        return method(*self.args, **kw)


@dataclass
class Case:
    label: str
    error: str
    build: Callable[[Any, Callable], Call]
    # A per-item refusal inside a batch that must not revert (UsageCredits.settle): the call
    # succeeds, emits ReceiptRejected with the selector of `error`, and changes nothing else.
    rejected: bool = False


@dataclass
class Exempt:
    reason: str


@dataclass
class Env:
    """The protocol (tests/security/conftest.py `protocol`) plus actors and signers."""

    p: dict
    actors: dict
    accounts: Any
    chain: Any
    extra: dict = field(default_factory=dict)

    def __getattr__(self, name):
        if name in self.actors:
            return self.actors[name]
        raise AttributeError(name)

    def c(self, name):
        return self.p[name]

    @property
    def ids(self):
        return self.p["ids"]

    def as_account(self, contract):
        """The contract's address as an impersonated sender (timelocks, governors)."""
        return self.accounts[str(contract.address)]

    def others(self, *allowed):
        """Actors other than `allowed` (by address), for wrong-caller cases."""
        keep = {str(getattr(a, "address", a)) for a in allowed}
        return [a for a in self.actors.values() if str(a.address) not in keep]


# Distinct examples tried: "Contract.signature" -> {case label + inputs}
TRIED: dict[str, set[str]] = defaultdict(set)


def record(contract: str, sig: str, case: Case, call: Call) -> None:
    TRIED[f"{contract}.{sig}"].add(f"{case.label}|{call.key()}")


# ------------------------------------------------------------------------------ helpers


def _model_id(env) -> int:
    """The model every case aims at (ETH-priced, licenses and credits enabled)."""
    return env.ids["model"]


def _governance(env):
    """The protocol timelock as a sender: the governance of the registry and the router."""
    return env.as_account(env.c("ProtocolTimelock"))


def _big_supply_token(env, draw):
    """A fresh ERC-20 whose supply is above the registry's MAX_TOKEN_SUPPLY (2^119)."""
    from ape import project

    token = project.MockERC20.deploy("Big", "BIG", 18, sender=env.deployer)
    excess = draw(st.integers(min_value=1, max_value=2**200), label="supply above the bound")
    token.mint(env.deployer, 2**119 + excess, sender=env.deployer)
    return token


def _head_time(env) -> int:
    """Timestamp of the latest block: a time at or before it is past both for the eth_call that
    reads the revert data (latest block) and for the transaction (mined after it)."""
    return env.chain.blocks.head.timestamp


def _wrong_caller(d, env, *allowed):
    return d(st.sampled_from(env.others(*allowed)), label="caller")


_OFFER_ALIASES = {
    "cap": "supply_cap",
    "ends": "sale_ends",
    "pin": "version_pin",
    "uri": "terms_uri",
    "terms": "terms_hash",
}


def _offer_params(model_id, **kw):
    """``OfferParams``, transferable by default; ``kw`` overrides fields by name (or by the
    matrix's short names: cap, ends, pin, uri, terms)."""
    p = dict(price=10**15, duration=30 * DAY, commercial=True, transferable=True)
    p.update(terms_uri="ipfs://t", terms_hash=b"\x01" * 32)
    p.update({_OFFER_ALIASES.get(k, k): v for k, v in kw.items()})
    return OfferParams(model_id, **p)


def _new_model(env, owner=None):
    reg = env.c("ModelRegistry")
    tx = reg.registerModel(
        ZERO, b"\x11" * 32, "ipfs://v", "ipfs://m", sender=owner or env.model_owner
    )
    return tx.decode_logs(reg.ModelRegistered)[0].modelId


def _new_offer(env, **kw):
    lic = env.c("LicenseManager")
    tx = lic.createOffer(_offer_params(env.ids["model"], **kw), sender=env.model_owner)
    return tx.decode_logs(lic.OfferCreated)[0].offerId


def _buy(env, offer_id, buyer, price=10**15):
    lic = env.c("LicenseManager")
    tx = lic.purchase(offer_id, buyer, price, value=price, sender=buyer)
    return tx.decode_logs(lic.Transfer)[0].tokenId


def _domain(token):
    f = token.eip712Domain()
    return {"name": f[1], "version": f[2], "chainId": int(f[3]), "verifyingContract": str(f[4])}


# ------------------------------------------------------------------------------ ERC-721


def _erc721(name: str, token_key: str, owner_of: Callable[[Env], Any], extra=()) -> dict:
    """Bad inputs shared by the two ERC-721s (registry models, licenses)."""

    def tok(e):
        return e.c(name)

    def tid(e):
        return e.ids[token_key]

    def transfer_cases(method, n_args):
        tail = (b"",) if n_args == 4 else ()
        cases = [
            Case(
                "to zero address",
                "ERC721InvalidReceiver",
                lambda e, d: Call(tok(e), method, (owner_of(e), ZERO, tid(e), *tail), owner_of(e)),
            ),
            Case(
                "unknown token id",
                "ERC721NonexistentToken",
                lambda e, d: Call(
                    tok(e), method, (owner_of(e), e.attacker, d(unknown_id), *tail), owner_of(e)
                ),
            ),
            Case(
                "wrong caller (not owner, approved or operator)",
                "ERC721InsufficientApproval",
                lambda e, d: Call(
                    tok(e),
                    method,
                    (owner_of(e), e.attacker, tid(e), *tail),
                    _wrong_caller(d, e, owner_of(e)),
                ),
            ),
            *[c(method, tail) for c in extra],
        ]
        if name == "ModelRegistry":  # licenses: the non-transferable check comes first
            cases.append(
                Case(
                    "wrong `from` (not the owner)",
                    "ERC721IncorrectOwner",
                    lambda e, d: Call(
                        tok(e), method, (e.attacker, e.holder, tid(e), *tail), owner_of(e)
                    ),
                )
            )
        if method == "safeTransferFrom" and name == "ModelRegistry":
            cases.append(
                Case(
                    "to a contract that is no ERC-721 receiver",
                    "ERC721InvalidReceiver",
                    lambda e, d: Call(
                        tok(e),
                        method,
                        (owner_of(e), e.c("RevenueRouter"), tid(e), *tail),
                        owner_of(e),
                    ),
                )
            )
        return cases

    return {
        "approve(address,uint256)": [
            Case(
                "unknown token id",
                "ERC721NonexistentToken",
                lambda e, d: Call(tok(e), "approve", (e.attacker, d(unknown_id)), owner_of(e)),
            ),
            Case(
                "wrong caller (not owner or operator)",
                "ERC721InvalidApprover",
                lambda e, d: Call(
                    tok(e), "approve", (e.attacker, tid(e)), _wrong_caller(d, e, owner_of(e))
                ),
            ),
        ],
        "setApprovalForAll(address,bool)": [
            Case(
                "zero operator",
                "ERC721InvalidOperator",
                lambda e, d: Call(
                    tok(e),
                    "setApprovalForAll",
                    (ZERO, d(st.booleans(), label="approved")),
                    d(st.sampled_from(list(e.actors.values())), label="caller"),
                ),
            )
        ],
        "transferFrom(address,address,uint256)": transfer_cases("transferFrom", 3),
        "safeTransferFrom(address,address,uint256)": transfer_cases("safeTransferFrom", 3),
        "safeTransferFrom(address,address,uint256,bytes)": transfer_cases("safeTransferFrom", 4),
    }


def _non_transferable(method, tail):
    return Case(
        "holder moves a non-transferable license",
        "LicenseManagerNonTransferable",
        lambda e, d: Call(
            e.c("LicenseManager"),
            method,
            (e.licensee, e.holder, e.ids["license"], *tail),
            e.licensee,
        ),
    )


# ------------------------------------------------------------------------------ ERC-20


def _erc20(name: str, holder: Callable[[Env], Any]) -> dict:
    def tok(e):
        return e.c(name)

    def permit_args(e, d, signer, deadline):
        t = tok(e)
        owner = holder(e)
        value = d(small_amount, label="value")
        nonce = t.nonces(owner)
        msg = {
            "owner": str(owner.address),
            "spender": str(e.attacker.address),
            "value": value,
            "nonce": nonce,
            "deadline": deadline,
        }
        v, r, s = sign_typed(signer, _domain(t), "Permit", PERMIT_FIELDS, msg)
        return (owner, e.attacker, value, deadline, v, r, s)

    def delegation_args(e, d, nonce, expiry):
        t = tok(e)
        msg = {"delegatee": str(e.attacker.address), "nonce": nonce, "expiry": expiry}
        v, r, s = sign_typed(holder(e), _domain(t), "Delegation", DELEGATION_FIELDS, msg)
        return (e.attacker, nonce, expiry, v, r, s)

    def now(e):
        return _head_time(e)

    return {
        "approve(address,uint256)": [
            Case(
                "zero spender",
                "ERC20InvalidSpender",
                lambda e, d: Call(tok(e), "approve", (ZERO, d(small_amount)), holder(e)),
            )
        ],
        "transfer(address,uint256)": [
            Case(
                "to zero address",
                "ERC20InvalidReceiver",
                lambda e, d: Call(tok(e), "transfer", (ZERO, d(small_amount)), holder(e)),
            ),
            Case(
                "amount above balance",
                "ERC20InsufficientBalance",
                lambda e, d: Call(
                    tok(e),
                    "transfer",
                    (e.holder, tok(e).balanceOf(e.attacker) + d(small_amount)),
                    e.attacker,
                ),
            ),
        ],
        "transferFrom(address,address,uint256)": [
            Case(
                "to zero address (with an allowance)",
                "ERC20InvalidReceiver",
                lambda e, d: (
                    tok(e).approve(e.attacker, UINT256, sender=holder(e)),
                    Call(tok(e), "transferFrom", (holder(e), ZERO, d(small_amount)), e.attacker),
                )[1],
            ),
            Case(
                "no allowance",
                "ERC20InsufficientAllowance",
                lambda e, d: Call(
                    tok(e), "transferFrom", (holder(e), e.attacker, d(small_amount)), e.attacker
                ),
            ),
        ],
        "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)": [
            Case(
                "expired deadline",
                "ERC2612ExpiredSignature",
                lambda e, d: Call(
                    tok(e),
                    "permit",
                    permit_args(e, d, holder(e), now(e) - d(st.integers(1, 10**6), label="ago")),
                    e.attacker,
                ),
            ),
            Case(
                "signed by someone else",
                "ERC2612InvalidSigner",
                lambda e, d: Call(
                    tok(e),
                    "permit",
                    permit_args(e, d, e.attacker, now(e) + d(st.integers(60, 10**6), label="ttl")),
                    e.attacker,
                ),
            ),
        ],
        "delegate(address)": Exempt(
            "delegates only the caller's own votes; every address (zero = self in ModelShares) "
            "is a valid delegatee"
        ),
        "delegateBySig(address,uint256,uint256,uint8,bytes32,bytes32)": [
            Case(
                "expired signature",
                "VotesExpiredSignature",
                lambda e, d: Call(
                    tok(e),
                    "delegateBySig",
                    delegation_args(e, d, 0, now(e) - d(st.integers(1, 10**6), label="ago")),
                    e.attacker,
                ),
            ),
            Case(
                "wrong nonce (replay)",
                "InvalidAccountNonce",
                lambda e, d: Call(
                    tok(e),
                    "delegateBySig",
                    delegation_args(
                        e,
                        d,
                        tok(e).nonces(holder(e)) + d(st.integers(1, 2**64), label="skip"),
                        now(e) + DAY,
                    ),
                    e.attacker,
                ),
            ),
        ],
    }


# ------------------------------------------------------------------------------ governance


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


def _governor(gname: str) -> dict:
    def g(e):
        return e.c(gname)

    def pid(e):
        return _proposal(e, gname).proposalId

    def only_executor(method, args):
        return Case(
            "wrong caller (not the executor)",
            "GovernorOnlyExecutor",
            lambda e, d: Call(g(e), method, args(e, d), _wrong_caller(d, e)),
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
                    _wrong_caller(d, e, _proposer(e, gname)),
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


def _timelock(tname: str, gname: str) -> dict:
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
                    t(e), "schedule", (e.attacker, 0, b"", Z32, Z32, 10**9), _wrong_caller(d, e)
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
                    _wrong_caller(d, e),
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
                lambda e, d: Call(t(e), "cancel", (d(nonzero_bytes32),), _wrong_caller(d, e)),
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
                lambda e, d: Call(
                    t(e), "grantRole", (role(e), d(any_address)), _wrong_caller(d, e)
                ),
            )
        ],
        "revokeRole(bytes32,address)": [
            Case(
                "wrong caller (not the admin)",
                "AccessControlUnauthorizedAccount",
                lambda e, d: Call(t(e), "revokeRole", (role(e), e.c(gname)), _wrong_caller(d, e)),
            )
        ],
        "renounceRole(bytes32,address)": [
            Case(
                "confirmation is not the caller",
                "AccessControlBadConfirmation",
                lambda e, d: Call(t(e), "renounceRole", (role(e), e.c(gname)), _wrong_caller(d, e)),
            )
        ],
        "updateDelay(uint256)": [
            Case(
                "wrong caller (not the timelock itself)",
                "TimelockUnauthorizedCaller",
                lambda e, d: Call(
                    t(e), "updateDelay", (d(st.integers(0, UINT256)),), _wrong_caller(d, e)
                ),
            )
        ],
        "onERC721Received(address,address,uint256,bytes)": hooks,
        "onERC1155Received(address,address,uint256,uint256,bytes)": hooks,
        "onERC1155BatchReceived(address,address,uint256[],uint256[],bytes)": hooks,
    }


def _reinit(name: str, args: Callable[[Env], tuple]) -> Case:
    return Case(
        "initialize an initialized clone",
        "InvalidInitialization",
        lambda e, d: Call(
            e.c(name), "initialize", args(e), d(st.sampled_from(list(e.actors.values())))
        ),
    )


def _governance_sets_address(contract: str, method: str, what: str, **more) -> list[Case]:
    """A governance-only setter whose first argument is an address (the protocol timelock
    governs): any other caller reverts `<contract>NotGovernance`, the zero address from
    governance reverts `<contract>ZeroAddress`. `more` names strategies for the other arguments."""

    def call(address, sender):
        return lambda e, d: Call(
            e.c(contract),
            method,
            (address(d), *(d(strategy, label=name) for name, strategy in more.items())),
            sender(e, d),
        )

    return [
        Case(
            "wrong caller (not governance)",
            f"{contract}NotGovernance",
            call(lambda d: d(any_address), lambda e, d: _wrong_caller(d, e)),
        ),
        Case(
            f"zero {what} (by governance)",
            f"{contract}ZeroAddress",
            call(lambda d: ZERO, lambda e, d: _governance(e)),
        ),
    ]


# ------------------------------------------------------------------------------ the matrix


def _registry() -> dict:
    def reg(e):
        return e.c("ModelRegistry")

    mid, gov = _model_id, _governance

    def not_owner(method, args):
        return Case(
            "wrong caller (not the model owner)",
            "ModelRegistryNotModelOwner",
            lambda e, d: Call(reg(e), method, args(e, d), _wrong_caller(d, e, e.model_owner)),
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
            lambda e, d: Call(reg(e), method, args(e, d), _wrong_caller(d, e)),
        )

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
            *_governance_sets_address(
                "ModelRegistry", "setPaymentTokenAllowed", "token", allowed=st.booleans()
            ),
            Case(
                "token supply above MAX_TOKEN_SUPPLY (by governance)",
                "ModelRegistryTokenSupplyTooLarge",
                lambda e, d: Call(
                    reg(e), "setPaymentTokenAllowed", (_big_supply_token(e, d), True), gov(e)
                ),
            ),
        ],
        "setUsageCredits(address)": _governance_sets_address(
            "ModelRegistry", "setUsageCredits", "credits"
        ),
        "transferGovernance(address)": _governance_sets_address(
            "ModelRegistry", "transferGovernance", "address"
        ),
        **_erc721("ModelRegistry", "model", lambda e: e.model_owner),
    }


def _licenses() -> dict:
    def lic(e):
        return e.c("LicenseManager")

    def offer(e):
        return e.ids["offer"]

    PRICE = 10**15

    def create(label, error, model=None, sender=None, **kw):
        def build(e, d):
            model_id = model(e, d) if model else e.ids["model"]
            params = {k: (v(e, d) if callable(v) else v) for k, v in kw.items()}
            return Call(
                lic(e),
                "createOffer",
                (_offer_params(model_id, **params),),
                sender(e, d) if sender else e.model_owner,
            )

        return Case(label, error, build)

    def owner_only(method, args):
        return [
            Case(
                "unknown offer",
                "LicenseManagerUnknownOffer",
                lambda e, d: Call(lic(e), method, (d(unknown_id), *args), e.model_owner),
            ),
            Case(
                "wrong caller (not the model owner)",
                "LicenseManagerNotModelOwner",
                lambda e, d: Call(
                    lic(e), method, (offer(e), *args), _wrong_caller(d, e, e.model_owner)
                ),
            ),
        ]

    def renew_case(label, error, setup, max_price=lambda e, d: PRICE, value=lambda e, d: PRICE):
        def build(e, d):
            lid = setup(e, d)
            return Call(lic(e), "renew", (lid, max_price(e, d)), e.licensee, value(e, d))

        return Case(label, error, build)

    def perpetual(e, d):
        return _buy(e, _new_offer(e, duration=0), e.licensee)

    def paused_offer(e, d):
        lic(e).setOfferPaused(offer(e), True, sender=e.model_owner)
        return offer(e)

    def sold_out(e, d):
        o = _new_offer(e, cap=1)
        _buy(e, o, e.holder)
        return o

    def ended(e, d):
        o = _new_offer(e, ends=e.chain.pending_timestamp + 100)
        e.chain.pending_timestamp += 100 + d(st.integers(0, 10**6), label="after")
        e.chain.mine()  # the revert data is read with an eth_call at the latest block
        return o

    def purchase(label, error, offer_of=offer, recipient=None, max_price=None, value=None):
        def build(e, d):
            o = offer_of(e, d) if offer_of is not offer else offer(e)
            to = recipient(e, d) if recipient else e.licensee
            mp = max_price(e, d) if max_price else PRICE
            v = value(e, d) if value else PRICE
            return Call(lic(e), "purchase", (o, to, mp), e.licensee, v)

        return Case(label, error, build)

    return {
        "createOffer((uint256,uint96,uint64,uint32,uint64,uint32,bool,bool,string,bytes32))": [
            create("unknown model", "LicenseManagerUnknownModel", model=lambda e, d: d(unknown_id)),
            create(
                "wrong caller (not the model owner)",
                "LicenseManagerNotModelOwner",
                sender=lambda e, d: _wrong_caller(d, e, e.model_owner),
            ),
            create("zero terms hash", "LicenseManagerZeroTermsHash", terms=Z32),
            create(
                "duration above 100 years",
                "LicenseManagerDurationTooLong",
                duration=lambda e, d: d(
                    st.integers(100 * 365 * DAY + 1, 2**64 - 1), label="duration"
                ),
            ),
            create(
                "sale end in the past",
                "LicenseManagerInvalidSaleEnd",
                ends=lambda e, d: d(st.integers(1, _head_time(e)), label="ends"),
            ),
            create(
                "version pin above the latest version",
                "LicenseManagerUnknownVersion",
                pin=lambda e, d: d(st.integers(2, 2**32 - 1), label="pin"),
            ),
        ],
        "setOfferPrice(uint256,uint96)": owner_only("setOfferPrice", (1,)),
        "setOfferPaused(uint256,bool)": owner_only("setOfferPaused", (True,)),
        "purchase(uint256,address,uint256)": [
            purchase("zero recipient", "LicenseManagerZeroAddress", recipient=lambda e, d: ZERO),
            purchase(
                "unknown offer", "LicenseManagerUnknownOffer", offer_of=lambda e, d: d(unknown_id)
            ),
            purchase(
                "max price below the price",
                "LicenseManagerPriceAboveMax",
                max_price=lambda e, d: d(st.integers(0, PRICE - 1), label="maxPrice"),
            ),
            purchase(
                "wrong msg.value",
                "LicenseManagerWrongPayment",
                value=lambda e, d: d(wrong_value(PRICE), label="value"),
            ),
            purchase("offer paused", "LicenseManagerOfferPaused", offer_of=paused_offer),
            purchase("supply exhausted", "LicenseManagerSupplyExhausted", offer_of=sold_out),
            purchase("sale ended", "LicenseManagerOfferEnded", offer_of=ended),
        ],
        "renew(uint256,uint256)": [
            renew_case(
                "unknown license", "LicenseManagerUnknownLicense", lambda e, d: d(unknown_id)
            ),
            renew_case("perpetual license", "LicenseManagerPerpetual", perpetual),
            renew_case(
                "max price below the price",
                "LicenseManagerPriceAboveMax",
                lambda e, d: e.ids["license"],
                max_price=lambda e, d: d(st.integers(0, PRICE - 1), label="maxPrice"),
            ),
            renew_case(
                "wrong msg.value",
                "LicenseManagerWrongPayment",
                lambda e, d: e.ids["license"],
                value=lambda e, d: d(wrong_value(PRICE), label="value"),
            ),
        ],
        "recordLicense(uint256)": [
            Case(
                "unknown license",
                "LicenseManagerUnknownLicense",
                lambda e, d: Call(lic(e), "recordLicense", (d(unknown_id),), e.attacker),
            ),
            Case(
                "non-transferable license",
                "LicenseManagerNonTransferable",
                lambda e, d: Call(lic(e), "recordLicense", (e.ids["license"],), e.attacker),
            ),
        ],
        **_erc721(
            "LicenseManager",
            "license",
            lambda e: e.licensee,
            extra=(lambda m, tail: _non_transferable(m, tail),),
        ),
    }


def _credits() -> dict:
    def cr(e):
        return e.c("UsageCredits")

    mid = _model_id

    def cid(e):
        return e.ids["channel"]

    VALUE = 10**12

    def amount_cases(method, args_before, args_after, sender, channel=False, value=0):
        def mk(label, error, strategy):
            return Case(
                label,
                error,
                lambda e, d: Call(
                    cr(e),
                    method,
                    (*args_before(e), d(strategy, label="credits"), *args_after(e)),
                    sender(e),
                    value,
                ),
            )

        if channel:  # a channel's deposit is stored in 64 bits
            return [
                mk("zero credits", "UsageCreditsZeroAmount", st.just(0)),
                mk("credits above uint64", "UsageCreditsAmountTooLarge", too_big_for_a_channel),
            ]
        return [
            mk("zero credits", "UsageCreditsZeroAmount", st.just(0)),
            mk("credits above uint96", "UsageCreditsAmountTooLarge", too_big_for_uint96),
        ]

    def opening_amount_cases(method, value=0):
        """`amount_cases` of opening the consumer's channel with the gateway for a day."""
        return amount_cases(
            method,
            lambda e: (mid(e), e.gateway),
            lambda e: (e.chain.pending_timestamp + DAY,),
            lambda e: e.consumer,
            channel=True,
            value=value,
        )

    def buy_open(label, error, model=mid, gateway=None, credits=3, expiry=None, value=None):
        def build(e, d):
            m = model(e) if model is mid else model(e, d)
            n = credits if isinstance(credits, int) else credits(e, d)
            return Call(
                cr(e),
                "buyAndOpenChannel",
                (
                    m,
                    e.gateway if gateway is None else gateway(e, d),
                    n,
                    e.chain.pending_timestamp + DAY if expiry is None else expiry(e, d),
                ),
                e.consumer,
                n * VALUE if value is None else value(e, d),
            )

        return Case(label, error, build)

    def buy_top_up(label, error, channel=None, credits=3, expiry=None, value=None, sender=None):
        def build(e, d):
            n = credits if isinstance(credits, int) else credits(e, d)
            return Call(
                cr(e),
                "buyAndTopUpChannel",
                (
                    cid(e) if channel is None else channel(e, d),
                    n,
                    2**32 - 1 if expiry is None else expiry(e, d),
                ),
                e.consumer if sender is None else sender(e, d),
                n * VALUE if value is None else value(e, d),
            )

        return Case(label, error, build)

    def settle(label, error, receipt, sender=lambda e, d: e.gateway):
        return Case(
            label,
            error,
            lambda e, d: Call(cr(e), "settle", ([receipt(e, d)],), sender(e, d)),
            rejected=True,
        )

    def signed(e, d, signer, deadline, cumulative=5):
        from modelmint.receipts import Receipt, ReceiptDomain, sign_receipt

        domain = ReceiptDomain.from_contract(cr(e))
        return sign_receipt(domain, Receipt(cid(e), cumulative, deadline), signer).settle_args()

    def high_s(e, d):
        from modelmint.receipts import SECP256K1_N, split_signature

        c, n, dl, sig, charged = signed(e, d, e.consumer, e.chain.pending_timestamp + DAY)
        v, r, s = split_signature(sig)
        return (
            c,
            n,
            dl,
            r.to_bytes(32, "big") + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v]),
            charged,
        )

    def fresh_model(e, d):
        return _new_model(e)

    def close_case(label, error, channel, sender, setup=None):
        def build(e, d):
            if setup:
                setup(e, d)
            return Call(cr(e), "closeChannel", (channel(e, d),), sender(e, d))

        return Case(label, error, build)

    def expired(e, d):
        e.chain.pending_timestamp += 8 * DAY + d(st.integers(0, 10**6), label="after")
        e.chain.mine()

    return {
        "enableCredits(uint256,uint256)": [
            Case(
                "unknown model",
                "UsageCreditsUnknownModel",
                lambda e, d: Call(cr(e), "enableCredits", (d(unknown_id), VALUE), e.model_owner),
            ),
            Case(
                "wrong caller (not the model owner)",
                "UsageCreditsNotModelOwner",
                lambda e, d: Call(
                    cr(e), "enableCredits", (mid(e), VALUE), _wrong_caller(d, e, e.model_owner)
                ),
            ),
            Case(
                "already enabled",
                "UsageCreditsAlreadyEnabled",
                lambda e, d: Call(
                    cr(e), "enableCredits", (mid(e), d(st.integers(1, UINT96))), e.model_owner
                ),
            ),
            Case(
                "zero credit value",
                "UsageCreditsZeroCreditValue",
                lambda e, d: Call(cr(e), "enableCredits", (fresh_model(e, d), 0), e.model_owner),
            ),
            Case(
                "credit value above uint96",
                "UsageCreditsCreditValueTooLarge",
                lambda e, d: Call(
                    cr(e),
                    "enableCredits",
                    (fresh_model(e, d), d(too_big_for_uint96)),
                    e.model_owner,
                ),
            ),
        ],
        "buyCredits(uint256,uint256,address)": [
            *amount_cases(
                "buyCredits", lambda e: (mid(e),), lambda e: (e.consumer,), lambda e: e.consumer
            ),
            Case(
                "unknown model",
                "UsageCreditsUnknownModel",
                lambda e, d: Call(
                    cr(e), "buyCredits", (d(unknown_id), 1, e.consumer), e.consumer, VALUE
                ),
            ),
            Case(
                "credits not enabled",
                "UsageCreditsNotEnabled",
                lambda e, d: Call(
                    cr(e), "buyCredits", (fresh_model(e, d), 1, e.consumer), e.consumer, VALUE
                ),
            ),
            Case(
                "wrong msg.value",
                "UsageCreditsWrongPayment",
                lambda e, d: Call(
                    cr(e),
                    "buyCredits",
                    (mid(e), 3, e.consumer),
                    e.consumer,
                    d(wrong_value(3 * VALUE), label="value"),
                ),
            ),
            Case(
                "zero recipient",
                "ERC1155InvalidReceiver",
                lambda e, d: Call(cr(e), "buyCredits", (mid(e), 1, ZERO), e.consumer, VALUE),
            ),
            Case(
                "sale closed (model retired)",
                "UsageCreditsSaleClosed",
                lambda e, d: (
                    e.c("ModelRegistry").setStatus(mid(e), 1, sender=e.model_owner),
                    Call(cr(e), "buyCredits", (mid(e), 1, e.consumer), e.consumer, VALUE),
                )[1],
            ),
        ],
        "redeem(uint256,uint256,address)": [
            *amount_cases(
                "redeem", lambda e: (mid(e),), lambda e: (e.consumer,), lambda e: e.consumer
            ),
            Case(
                "zero recipient",
                "UsageCreditsZeroAddress",
                lambda e, d: Call(cr(e), "redeem", (mid(e), 1, ZERO), e.consumer),
            ),
            Case(
                "more than the free balance",
                "UsageCreditsInsufficientCredits",
                lambda e, d: Call(
                    cr(e),
                    "redeem",
                    (mid(e), cr(e).balanceOf(e.consumer, mid(e)) + d(small_amount), e.consumer),
                    e.consumer,
                ),
            ),
            Case(
                "unknown model",
                "UsageCreditsUnknownModel",
                lambda e, d: Call(cr(e), "redeem", (d(unknown_id), 1, e.consumer), e.consumer),
            ),
            Case(
                "credits not enabled",
                "UsageCreditsNotEnabled",
                lambda e, d: Call(cr(e), "redeem", (fresh_model(e, d), 1, e.consumer), e.consumer),
            ),
        ],
        "openChannel(uint256,address,uint256,uint40)": [
            *opening_amount_cases("openChannel"),
            Case(
                "expiry beyond 32 bits",
                "UsageCreditsExpiryTooLarge",
                lambda e, d: Call(
                    cr(e),
                    "openChannel",
                    (mid(e), e.gateway, 1, d(beyond_uint32_expiry, label="expiry")),
                    e.consumer,
                ),
            ),
            Case(
                "expiry not in the future",
                "UsageCreditsInvalidExpiry",
                lambda e, d: Call(
                    cr(e),
                    "openChannel",
                    (
                        mid(e),
                        e.gateway,
                        1,
                        d(st.integers(0, _head_time(e)), label="expiry"),
                    ),
                    e.consumer,
                ),
            ),
            Case(
                "not a gateway of the model",
                "UsageCreditsNotGateway",
                lambda e, d: Call(
                    cr(e),
                    "openChannel",
                    (
                        mid(e),
                        d(any_address.filter(lambda a: a != e.gateway.address)),
                        1,
                        e.chain.pending_timestamp + DAY,
                    ),
                    e.consumer,
                ),
            ),  # fmt: skip
            Case(
                "more than the free balance",
                "UsageCreditsInsufficientCredits",
                lambda e, d: Call(
                    cr(e),
                    "openChannel",
                    (
                        mid(e),
                        e.gateway,
                        cr(e).balanceOf(e.attacker, mid(e)) + d(small_amount),
                        e.chain.pending_timestamp + DAY,
                    ),
                    e.attacker,
                ),
            ),  # fmt: skip
            Case(
                "unknown model",
                "UsageCreditsUnknownModel",
                lambda e, d: Call(
                    cr(e),
                    "openChannel",
                    (d(unknown_id), e.gateway, 1, e.chain.pending_timestamp + DAY),
                    e.consumer,
                ),
            ),
            Case(
                "a contract caller without a receipt signer",
                "UsageCreditsNoReceiptSigner",
                lambda e, d: Call(
                    cr(e),
                    "openChannel",
                    (mid(e), e.gateway, d(small_amount), e.chain.pending_timestamp + DAY),
                    e.as_account(
                        e.c(d(st.sampled_from(["RevenueRouter", "LicenseManager"]), label="c"))
                    ),
                ),
            ),
        ],
        "topUpChannel(uint256,uint256,uint40)": [
            Case(
                "unknown channel",
                "UsageCreditsUnknownChannel",
                lambda e, d: Call(cr(e), "topUpChannel", (d(unknown_id), 1, 2**32 - 1), e.consumer),
            ),
            Case(
                "wrong caller (not the consumer)",
                "UsageCreditsNotChannelConsumer",
                lambda e, d: Call(
                    cr(e), "topUpChannel", (cid(e), 1, 2**32 - 1), _wrong_caller(d, e, e.consumer)
                ),
            ),
            Case(
                "new expiry before the current one",
                "UsageCreditsInvalidExpiry",
                lambda e, d: Call(
                    cr(e),
                    "topUpChannel",
                    (
                        cid(e),
                        1,
                        d(st.integers(0, cr(e).channel(cid(e)).expiry - 1), label="expiry"),
                    ),
                    e.consumer,
                ),
            ),
            Case(
                "nothing to add, same expiry",
                "UsageCreditsZeroAmount",
                lambda e, d: Call(
                    cr(e), "topUpChannel", (cid(e), 0, cr(e).channel(cid(e)).expiry), e.consumer
                ),
            ),
            Case(
                "deposit would exceed uint64",
                "UsageCreditsAmountTooLarge",
                lambda e, d: Call(
                    cr(e),
                    "topUpChannel",
                    (cid(e), d(st.integers(UINT64 - 49, UINT256), label="credits"), 2**32 - 1),
                    e.consumer,
                ),
            ),
            Case(
                "new expiry beyond 32 bits",
                "UsageCreditsExpiryTooLarge",
                lambda e, d: Call(
                    cr(e),
                    "topUpChannel",
                    (cid(e), 1, d(beyond_uint32_expiry, label="expiry")),
                    e.consumer,
                ),
            ),
            Case(
                "more than the free balance",
                "UsageCreditsInsufficientCredits",
                lambda e, d: Call(
                    cr(e),
                    "topUpChannel",
                    (cid(e), cr(e).balanceOf(e.consumer, mid(e)) + d(small_amount), 2**32 - 1),
                    e.consumer,
                ),
            ),
            Case(
                "channel expired",
                "UsageCreditsChannelExpired",
                lambda e, d: (
                    expired(e, d),
                    Call(cr(e), "topUpChannel", (cid(e), 1, 2**32 - 1), e.consumer),
                )[1],
            ),
        ],
        "buyAndOpenChannel(uint256,address,uint256,uint40)": [
            *opening_amount_cases("buyAndOpenChannel", value=VALUE),
            buy_open("unknown model", "UsageCreditsUnknownModel", model=lambda e, d: d(unknown_id)),
            buy_open("credits not enabled", "UsageCreditsNotEnabled", model=fresh_model),
            buy_open(
                "wrong msg.value",
                "UsageCreditsWrongPayment",
                value=lambda e, d: d(wrong_value(3 * VALUE), label="value"),
            ),
            buy_open(
                "expiry not in the future",
                "UsageCreditsInvalidExpiry",
                expiry=lambda e, d: d(st.integers(0, _head_time(e)), label="expiry"),
            ),
            buy_open(
                "expiry beyond 32 bits",
                "UsageCreditsExpiryTooLarge",
                expiry=lambda e, d: d(beyond_uint32_expiry, label="expiry"),
            ),
            buy_open(
                "not a gateway of the model",
                "UsageCreditsNotGateway",
                gateway=lambda e, d: d(any_address.filter(lambda a: a != e.gateway.address)),
            ),
            Case(
                "sale closed (model retired)",
                "UsageCreditsSaleClosed",
                lambda e, d: (
                    e.c("ModelRegistry").setStatus(mid(e), 1, sender=e.model_owner),
                    buy_open("", "").build(e, d),
                )[1],
            ),
        ],
        "buyAndTopUpChannel(uint256,uint256,uint40)": [
            buy_top_up("zero credits", "UsageCreditsZeroAmount", credits=0, value=lambda e, d: 0),
            buy_top_up(
                "unknown channel", "UsageCreditsUnknownChannel", channel=lambda e, d: d(unknown_id)
            ),
            buy_top_up(
                "wrong caller (not the consumer)",
                "UsageCreditsNotChannelConsumer",
                sender=lambda e, d: _wrong_caller(d, e, e.consumer),
            ),
            buy_top_up(
                "new expiry before the current one",
                "UsageCreditsInvalidExpiry",
                expiry=lambda e, d: d(
                    st.integers(0, cr(e).channel(cid(e)).expiry - 1), label="expiry"
                ),
            ),
            buy_top_up(
                "new expiry beyond 32 bits",
                "UsageCreditsExpiryTooLarge",
                expiry=lambda e, d: d(beyond_uint32_expiry, label="expiry"),
            ),
            buy_top_up(
                "deposit would exceed uint64",
                "UsageCreditsAmountTooLarge",
                credits=lambda e, d: d(st.integers(UINT64 - 49, UINT256), label="credits"),
                value=lambda e, d: 0,
            ),
            buy_top_up(
                "wrong msg.value",
                "UsageCreditsWrongPayment",
                value=lambda e, d: d(wrong_value(3 * VALUE), label="value"),
            ),
            Case(
                "channel expired",
                "UsageCreditsChannelExpired",
                lambda e, d: (expired(e, d), buy_top_up("", "").build(e, d))[1],
            ),
        ],
        "setReceiptSigner(address)": Exempt(
            "sets only the caller's own receipt signer for its future channels; every address is "
            "valid (zero clears it) and open channels keep the signer they recorded"
        ),
        "sweep(uint256)": [
            Case(
                "unknown model",
                "UsageCreditsUnknownModel",
                lambda e, d: Call(cr(e), "sweep", (d(unknown_id),), e.attacker),
            ),
            Case(
                "credits not enabled",
                "UsageCreditsNotEnabled",
                lambda e, d: Call(cr(e), "sweep", (fresh_model(e, d),), e.attacker),
            ),
        ],
        "closeChannel(uint256)": [
            close_case(
                "unknown channel",
                "UsageCreditsUnknownChannel",
                lambda e, d: d(unknown_id),
                lambda e, d: e.consumer,
            ),
            close_case(
                "wrong caller (not the consumer)",
                "UsageCreditsNotChannelConsumer",
                lambda e, d: cid(e),
                lambda e, d: _wrong_caller(d, e, e.consumer),
            ),
            close_case(
                "before expiry + grace",
                "UsageCreditsChannelNotExpired",
                lambda e, d: cid(e),
                lambda e, d: e.consumer,
            ),
        ],
        "settle((uint256,uint256,uint256,bytes,uint256)[])": [
            settle(
                "unknown channel",
                "UsageCreditsUnknownChannel",
                lambda e, d: (d(unknown_id), 5, 2**40, b"\x00" * 65, 5),
            ),
            settle(
                "wrong caller (not the gateway)",
                "UsageCreditsNotChannelGateway",
                lambda e, d: signed(e, d, e.consumer, e.chain.pending_timestamp + DAY),
                sender=lambda e, d: _wrong_caller(d, e, e.gateway),
            ),
            settle(
                "expired deadline",
                "UsageCreditsReceiptExpired",
                lambda e, d: signed(
                    e,
                    d,
                    e.consumer,
                    _head_time(e) - d(st.integers(1, 10**6), label="ago"),
                ),
            ),
            settle(
                "signed by someone else",
                "UsageCreditsInvalidSignature",
                lambda e, d: signed(
                    e,
                    d,
                    d(st.sampled_from(e.others(e.consumer)), label="signer"),
                    e.chain.pending_timestamp + DAY,
                ),
            ),
            settle(
                "garbage signature",
                "UsageCreditsInvalidSignature",
                lambda e, d: (cid(e), 5, e.chain.pending_timestamp + DAY, d(garbage_signature), 5),
            ),
            settle("high-s twin of a valid signature", "UsageCreditsInvalidSignature", high_s),
            settle(
                "after expiry + grace",
                "UsageCreditsSettlementClosed",
                lambda e, d: (expired(e, d), signed(e, d, e.consumer, 2**40))[1],
            ),
            settle(
                "charge above the signed ceiling",
                "UsageCreditsChargeAboveCeiling",
                lambda e, d: (
                    signed(e, d, e.consumer, e.chain.pending_timestamp + DAY)[:4]
                    + (5 + d(st.integers(1, 2**255), label="excess"),)
                ),
            ),
        ],
        "setApprovalForAll(address,bool)": [
            Case(
                "zero operator",
                "ERC1155InvalidOperator",
                lambda e, d: Call(cr(e), "setApprovalForAll", (ZERO, d(st.booleans())), e.consumer),
            )
        ],
        "safeTransferFrom(address,address,uint256,uint256,bytes)": [
            Case(
                "wrong caller (not holder or operator)",
                "ERC1155MissingApprovalForAll",
                lambda e, d: Call(
                    cr(e),
                    "safeTransferFrom",
                    (e.consumer, e.attacker, mid(e), 1, b""),
                    _wrong_caller(d, e, e.consumer),
                ),
            ),
            Case(
                "to zero address",
                "ERC1155InvalidReceiver",
                lambda e, d: Call(
                    cr(e), "safeTransferFrom", (e.consumer, ZERO, mid(e), 1, b""), e.consumer
                ),
            ),
            Case(
                "to a contract that is no ERC-1155 receiver",
                "ERC1155InvalidReceiver",
                lambda e, d: Call(
                    cr(e),
                    "safeTransferFrom",
                    (e.consumer, e.c("RevenueRouter"), mid(e), 1, b""),
                    e.consumer,
                ),
            ),
            Case(
                "amount above balance",
                "ERC1155InsufficientBalance",
                lambda e, d: Call(
                    cr(e),
                    "safeTransferFrom",
                    (
                        e.consumer,
                        e.holder,
                        mid(e),
                        cr(e).balanceOf(e.consumer, mid(e)) + d(small_amount),
                        b"",
                    ),
                    e.consumer,
                ),
            ),
        ],
        "safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)": [
            Case(
                "ids and amounts of different lengths",
                "ERC1155InvalidArrayLength",
                lambda e, d: Call(
                    cr(e),
                    "safeBatchTransferFrom",
                    (e.consumer, e.holder, [mid(e)], [1] * d(st.integers(2, 4), label="n"), b""),
                    e.consumer,
                ),
            ),
            Case(
                "wrong caller (not holder or operator)",
                "ERC1155MissingApprovalForAll",
                lambda e, d: Call(
                    cr(e),
                    "safeBatchTransferFrom",
                    (e.consumer, e.attacker, [mid(e)], [1], b""),
                    _wrong_caller(d, e, e.consumer),
                ),
            ),
            Case(
                "amount above balance",
                "ERC1155InsufficientBalance",
                lambda e, d: Call(
                    cr(e),
                    "safeBatchTransferFrom",
                    (
                        e.consumer,
                        e.holder,
                        [mid(e)],
                        [cr(e).balanceOf(e.consumer, mid(e)) + d(small_amount)],
                        b"",
                    ),
                    e.consumer,
                ),
            ),
        ],
    }


def _router() -> dict:
    def rt(e):
        return e.c("RevenueRouter")

    mid, gov = _model_id, _governance

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
                    _wrong_caller(d, e, e.model_owner),
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
                    rt(e), "setFeeBps", (d(st.integers(0, 1_000)),), _wrong_caller(d, e)
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
        "setTreasury(address)": _governance_sets_address(
            "RevenueRouter", "setTreasury", "treasury"
        ),
    }


def _shares() -> dict:
    def sh(e):
        return e.c("ModelShares")

    out = _erc20("ModelShares", lambda e: e.model_owner)
    out.update(
        {
            "initialize(uint256,address)": [_reinit("ModelShares", lambda e: (1, e.attacker))],
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


def _factory() -> dict:
    def f(e):
        return e.c("ModelSharesFactory")

    def fresh(e):
        return _new_model(e)

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
                    _wrong_caller(d, e, e.model_owner),
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


def _fractionalizer() -> dict:
    sig = (
        "fractionalize(uint256,(string,string,address,uint256),"
        "(uint48,uint32,uint256,uint256,uint256),(address[],uint32[],uint32))"
    )

    def frac(label, error, shares=None, gov=None, split=None, model=None, sender=None):
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
                sender=lambda e, d: _wrong_caller(d, e, e.model_owner),
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
        ]
    }


def _above_budget_call(e, d, wallet, credits, above_budget):
    """The agent's over-budget call; a lock of held credits the budget still covers is made
    over-budget first by the owner lowering the budget to what is spent."""
    data, value, over = above_budget(e, d)
    if not over:
        wallet.setBudget(ZERO, wallet.spentOf(ZERO), sender=e.consumer)
    return Call(wallet, "execute", (credits, value, data), e.agent)


def _agent_wallet() -> dict:
    """The consumer's AgentWallet (tests/security/conftest.py): owner `consumer`, agent `agent`,
    funded with ETH and holding 10 credits of the model that its agent bought."""

    def w(e):
        return e.c("AgentWallet")

    def cr(e):
        return e.c("UsageCredits")

    def not_owner(method, args):
        return Case(
            "wrong caller (not the owner)",
            "AgentWalletNotOwner",
            lambda e, d: Call(w(e), method, args(e, d), _wrong_caller(d, e, e.consumer)),
        )

    def by_agent(label, error, data, target=lambda e, d: cr(e), value=lambda e, d: 0):
        """The agent calls `target` with calldata `data(e, d)` through the wallet."""
        return Case(
            label,
            error,
            lambda e, d: Call(w(e), "execute", (target(e, d), value(e, d), data(e, d)), e.agent),
        )

    def outside_allow_list(e, d):
        credits, wallet, mid = cr(e), w(e), e.ids["model"]
        return d(
            st.sampled_from(
                [
                    credits.safeTransferFrom.encode_input(wallet, e.agent, mid, 1, b""),
                    credits.setApprovalForAll.encode_input(e.agent, True),
                    credits.enableCredits.encode_input(mid, 1),
                    credits.settle.encode_input([]),
                ]
            ),
            label="data",
        )

    def for_another_account(e, d):
        method = d(st.sampled_from(["buyCredits", "redeem"]), label="method")
        to = d(any_address.filter(lambda a: a != w(e).address), label="to")
        return getattr(cr(e), method).encode_input(e.ids["model"], 1, to)

    def cut_short(e, d):
        """A call of the agent's allow-list cut before its last needed argument word."""
        credits, wallet, mid = cr(e), w(e), e.ids["model"]
        full, needed = d(
            st.sampled_from(
                [
                    (credits.buyCredits.encode_input(mid, 1, wallet.address), 100),
                    (credits.redeem.encode_input(mid, 1, wallet.address), 100),
                    (credits.openChannel.encode_input(mid, e.gateway, 1, 2**32 - 1), 132),
                    (credits.buyAndOpenChannel.encode_input(mid, e.gateway, 1, 2**32 - 1), 132),
                    (credits.topUpChannel.encode_input(1, 1, 2**32 - 1), 100),
                    (credits.buyAndTopUpChannel.encode_input(1, 1, 2**32 - 1), 100),
                    (credits.closeChannel.encode_input(1), 36),
                ]
            ),
            label="call",
        )
        return full[: d(st.integers(4, needed - 1), label="bytes kept")]

    def unlisted_model(e, d):
        credits, wallet = cr(e), w(e)
        mid = d(st.integers(0, 2**64).filter(lambda m: m != e.ids["model"]), label="model")
        return d(
            st.sampled_from(
                [
                    credits.buyCredits.encode_input(mid, 1, wallet.address),
                    credits.openChannel.encode_input(mid, e.gateway, 1, 2**32 - 1),
                    credits.buyAndOpenChannel.encode_input(mid, e.gateway, 1, 2**32 - 1),
                ]
            ),
            label="data",
        )

    def unlisted_gateway(e, d):
        credits, mid = cr(e), e.ids["model"]
        gateway = d(any_address.filter(lambda a: a != e.gateway.address), label="gateway")
        method = d(st.sampled_from(["openChannel", "buyAndOpenChannel"]), label="method")
        return getattr(credits, method).encode_input(mid, gateway, 1, 2**32 - 1)

    def foreign_channel(e, d):
        method = d(st.sampled_from(["topUpChannel", "buyAndTopUpChannel"]), label="method")
        return getattr(cr(e), method).encode_input(e.ids["channel"], 1, 2**32 - 1)

    def above_budget(e, d):
        """An ETH purchase, or a lock of the wallet's held credits, worth more than is left."""
        credits, wallet, mid = cr(e), w(e), e.ids["model"]
        left = wallet.budgetOf(ZERO) - wallet.spentOf(ZERO)
        value = credits.modelCredits(mid).creditValue
        if d(st.booleans(), label="lock held credits"):
            held = credits.balanceOf(wallet, mid)
            return (
                credits.openChannel.encode_input(mid, e.gateway, held, 2**32 - 1),
                0,
                (held * value > left),
            )
        n = left // value + d(st.integers(1, 10**6), label="credits above the budget")
        return credits.buyCredits.encode_input(mid, n, wallet.address), n * value, True

    return {
        "setAgent(address)": [
            not_owner("setAgent", lambda e, d: (d(any_address),)),
            Case(
                "zero agent (by the owner)",
                "AgentWalletZeroAddress",
                lambda e, d: Call(w(e), "setAgent", (ZERO,), e.consumer),
            ),
        ],
        "setBudget(address,uint256)": [
            not_owner(
                "setBudget",
                lambda e, d: (d(any_address), d(st.integers(0, UINT256), label="budget")),
            ),
            Case(
                "budget above 2^128 - 1 (by the owner)",
                "AgentWalletBudgetTooLarge",
                lambda e, d: Call(
                    w(e),
                    "setBudget",
                    (d(any_address), d(st.integers(2**128, UINT256), label="budget")),
                    e.consumer,
                ),
            ),
        ],
        "setModelAllowed(uint256,bool)": [
            not_owner(
                "setModelAllowed",
                lambda e, d: (d(st.integers(0, UINT256), label="model"), d(st.booleans())),
            ),
        ],
        "setGatewayAllowed(address,bool)": [
            not_owner("setGatewayAllowed", lambda e, d: (d(any_address), d(st.booleans()))),
            Case(
                "zero gateway (by the owner)",
                "AgentWalletZeroAddress",
                lambda e, d: Call(w(e), "setGatewayAllowed", (ZERO, d(st.booleans())), e.consumer),
            ),
        ],
        "setSignable(bytes32,bytes32,bool)": [
            not_owner(
                "setSignable",
                lambda e, d: (
                    d(st.binary(min_size=32, max_size=32), label="domain separator"),
                    d(st.binary(min_size=32, max_size=32), label="type hash"),
                    d(st.booleans()),
                ),
            ),
        ],
        "withdraw(address,uint256)": [
            not_owner("withdraw", lambda e, d: (d(any_address), d(small_amount))),
            Case(
                "zero recipient (by the owner)",
                "AgentWalletZeroAddress",
                lambda e, d: Call(w(e), "withdraw", (ZERO, d(small_amount)), e.consumer),
            ),
            Case(
                "more than the wallet holds",
                "AgentWalletEthTransferFailed",
                lambda e, d: Call(
                    w(e),
                    "withdraw",
                    (e.consumer, w(e).balance + d(st.integers(1, 10**20), label="excess")),
                    e.consumer,
                ),
            ),
            Case(
                "to a contract that refuses ETH",
                "AgentWalletEthTransferFailed",
                lambda e, d: Call(
                    w(e), "withdraw", (e.c("ModelRegistry"), d(small_amount)), e.consumer
                ),
            ),
        ],
        "execute(address,uint256,bytes)": [
            Case(
                "wrong caller (neither the owner nor the agent)",
                "AgentWalletNotAuthorised",
                lambda e, d: Call(
                    w(e),
                    "execute",
                    (cr(e), 0, cr(e).buyCredits.encode_input(e.ids["model"], 1, w(e).address)),
                    _wrong_caller(d, e, e.consumer, e.agent),
                ),
            ),
            by_agent(
                "agent targets another contract",
                "AgentWalletTargetNotAllowed",
                lambda e, d: b"",
                target=lambda e, d: d(
                    any_address.filter(lambda a: a != cr(e).address), label="target"
                ),
            ),
            by_agent(
                "agent calldata shorter than a selector",
                "AgentWalletCalldataTooShort",
                lambda e, d: d(st.binary(max_size=3), label="data"),
            ),
            by_agent(
                "agent calls a function outside its allow-list",
                "AgentWalletCallNotAllowed",
                outside_allow_list,
            ),
            by_agent(
                "agent buys or redeems for another account",
                "AgentWalletRecipientNotWallet",
                for_another_account,
            ),
            by_agent(
                "agent call without its whole argument words",
                "AgentWalletCalldataTooShort",
                cut_short,
            ),
            by_agent(
                "agent names a model the owner did not list",
                "AgentWalletModelNotAllowed",
                unlisted_model,
            ),
            by_agent(
                "agent locks credits to a gateway the owner did not list",
                "AgentWalletGatewayNotAllowed",
                unlisted_gateway,
            ),
            by_agent(
                "agent tops up a channel that is not the wallet's",
                "AgentWalletNotWalletChannel",
                foreign_channel,
            ),
            Case(
                "agent spends above the budget (purchase, or lock of held credits)",
                "AgentWalletBudgetExceeded",
                lambda e, d: _above_budget_call(e, d, w(e), cr(e), above_budget),
            ),
            Case(
                "the credits call reverts (redeems more than the wallet holds)",
                "AgentWalletCallFailed",
                lambda e, d: Call(
                    w(e),
                    "execute",
                    (
                        cr(e),
                        0,
                        cr(e).redeem.encode_input(
                            e.ids["model"],
                            cr(e).balanceOf(w(e), e.ids["model"]) + d(small_amount, label="excess"),
                            w(e).address,
                        ),
                    ),
                    d(st.sampled_from([e.consumer, e.agent]), label="caller"),
                ),
            ),
        ],
        "onERC1155Received(address,address,uint256,uint256,bytes)": Exempt(
            "ERC-1155 receiver hook: accepts every transfer by returning its selector and "
            "changes no state"
        ),
        "onERC1155BatchReceived(address,address,uint256[],uint256[],bytes)": Exempt(
            "ERC-1155 batch receiver hook: accepts every transfer by returning its selector and "
            "changes no state"
        ),
    }


MATRIX: dict[str, dict[str, list[Case] | Exempt]] = {
    "ModelRegistry": _registry(),
    "LicenseManager": _licenses(),
    "UsageCredits": _credits(),
    "RevenueRouter": _router(),
    "ModelShares": _shares(),
    "ModelSharesFactory": _factory(),
    "Fractionalizer": _fractionalizer(),
    "GovernanceToken": _erc20("GovernanceToken", lambda e: e.holder),
    "ProtocolGovernor": _governor("ProtocolGovernor"),
    "ProtocolTimelock": _timelock("ProtocolTimelock", "ProtocolGovernor"),
    "ModelGovernor": {
        **_governor("ModelGovernor"),
        "initialize(address,address,uint48,uint32,uint256,uint256)": [
            _reinit(
                "ModelGovernor", lambda e: (e.c("ModelShares"), e.c("ModelTimelock"), 1, 1, 0, 1)
            )
        ],
    },
    "ModelTimelock": {
        **_timelock("ModelTimelock", "ModelGovernor"),
        "initialize(uint256,address[],address[],address)": [
            _reinit("ModelTimelock", lambda e: (0, [ZERO], [ZERO], ZERO))
        ],
    },
    "AgentWallet": _agent_wallet(),
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
