"""Bad inputs shared by the token standards: the two ERC-721s (registry models, licenses) and
the two ERC-20s with votes and permit (ModelShares, GovernanceToken)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from bad_inputs.helpers import eip712_domain, head_time, wrong_caller
from bad_inputs.model import UINT256, Call, Case, Env, Exempt, small_amount, unknown_id
from modelmint.constants import DAY
from modelmint.constants import ZERO_ADDRESS as ZERO
from modelmint.dev.testing import DELEGATION_FIELDS, PERMIT_FIELDS, sign_typed


def erc721_cases(name: str, token_key: str, owner_of: Callable[[Env], Any], extra=()) -> dict:
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
                    wrong_caller(d, e, owner_of(e)),
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
                    tok(e), "approve", (e.attacker, tid(e)), wrong_caller(d, e, owner_of(e))
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


def non_transferable_cases(method, tail):
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


def erc20_cases(name: str, holder: Callable[[Env], Any]) -> dict:
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
        v, r, s = sign_typed(signer, eip712_domain(t), "Permit", PERMIT_FIELDS, msg)
        return (owner, e.attacker, value, deadline, v, r, s)

    def delegation_args(e, d, nonce, expiry):
        t = tok(e)
        msg = {"delegatee": str(e.attacker.address), "nonce": nonce, "expiry": expiry}
        v, r, s = sign_typed(holder(e), eip712_domain(t), "Delegation", DELEGATION_FIELDS, msg)
        return (e.attacker, nonce, expiry, v, r, s)

    def now(e):
        return head_time(e)

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
