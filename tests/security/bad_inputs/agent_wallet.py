"""AgentWallet's bad inputs."""

from __future__ import annotations

from hypothesis import strategies as st

from bad_inputs.helpers import wrong_caller
from bad_inputs.model import UINT256, Call, Case, Exempt, any_address, small_amount
from modelmint.constants import ZERO_ADDRESS as ZERO


def _above_budget_call(e, d, wallet, credits, above_budget):
    """The agent's over-budget call; a lock of held credits the budget still covers is made
    over-budget first by the owner lowering the budget to what is spent."""
    data, value, over = above_budget(e, d)
    if not over:
        wallet.setBudget(ZERO, wallet.spentOf(ZERO), sender=e.consumer)
    return Call(wallet, "execute", (credits, value, data), e.agent)


def w(e):
    return e.c("AgentWallet")


def cr(e):
    return e.c("UsageCredits")


def not_owner(method, args):
    return Case(
        "wrong caller (not the owner)",
        "AgentWalletNotOwner",
        lambda e, d: Call(w(e), method, args(e, d), wrong_caller(d, e, e.consumer)),
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
    terms = (wallet.address, e.gateway.address, mid, 0)
    full, needed = d(
        st.sampled_from(
            [
                (credits.buyCredits.encode_input(mid, 1, wallet.address), 100),
                (credits.redeem.encode_input(mid, 1, wallet.address), 100),
                (credits.openChannel.encode_input(mid, e.gateway, 0, 1, 2**32 - 1), 164),
                (credits.buyAndOpenChannel.encode_input(mid, e.gateway, 0, 1, 2**32 - 1), 164),
                (credits.topUpChannel.encode_input(terms, 1, 2**32 - 1), 196),
                (credits.buyAndTopUpChannel.encode_input(terms, 1, 2**32 - 1), 196),
                (credits.closeChannel.encode_input(terms), 132),
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
                credits.openChannel.encode_input(mid, e.gateway, 0, 1, 2**32 - 1),
                credits.buyAndOpenChannel.encode_input(mid, e.gateway, 0, 1, 2**32 - 1),
            ]
        ),
        label="data",
    )


def unlisted_gateway(e, d):
    credits, mid = cr(e), e.ids["model"]
    gateway = d(any_address.filter(lambda a: a != e.gateway.address), label="gateway")
    method = d(st.sampled_from(["openChannel", "buyAndOpenChannel"]), label="method")
    return getattr(credits, method).encode_input(mid, gateway, 0, 1, 2**32 - 1)


def foreign_channel(e, d):
    method = d(st.sampled_from(["topUpChannel", "buyAndTopUpChannel"]), label="method")
    return getattr(cr(e), method).encode_input(e.ids["channel"].args, 1, 2**32 - 1)


def above_budget(e, d):
    """An ETH purchase, or a lock of the wallet's held credits, worth more than is left."""
    credits, wallet, mid = cr(e), w(e), e.ids["model"]
    left = wallet.budgetOf(ZERO) - wallet.spentOf(ZERO)
    value = credits.modelCredits(mid).creditValue
    if d(st.booleans(), label="lock held credits"):
        held = credits.balanceOf(wallet, mid)
        return (
            credits.openChannel.encode_input(mid, e.gateway, 0, held, 2**32 - 1),
            0,
            (held * value > left),
        )
    n = left // value + d(st.integers(1, 10**6), label="credits above the budget")
    return credits.buyCredits.encode_input(mid, n, wallet.address), n * value, True


def agent_wallet_cases() -> dict:
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
                    wrong_caller(d, e, e.consumer, e.agent),
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
