"""Builders' shared steps: the target model, governance as a sender, a wrong caller, fresh
models, offers and licenses, and the case shapes several contracts share (re-initializing a
clone, a governance-only address setter)."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st

from bad_inputs.model import Call, Case, Env, any_address
from modelmint.constants import DAY
from modelmint.constants import ZERO_ADDRESS as ZERO
from modelmint.deploy.models import register_model
from modelmint.structs import OfferParams


def target_model(env) -> int:
    """The model every case aims at (ETH-priced, licenses and credits enabled)."""
    return env.ids["model"]


def governance_sender(env):
    """The protocol timelock as a sender: the governance of the registry and the router."""
    return env.as_account(env.c("ProtocolTimelock"))


def big_supply_token(env, draw):
    """A fresh ERC-20 whose supply is above the registry's MAX_TOKEN_SUPPLY (2^119)."""
    from ape import project

    token = project.MockERC20.deploy("Big", "BIG", 18, sender=env.deployer)
    excess = draw(st.integers(min_value=1, max_value=2**200), label="supply above the bound")
    token.mint(env.deployer, 2**119 + excess, sender=env.deployer)
    return token


def head_time(env) -> int:
    """Timestamp of the latest block: a time at or before it is past both for the eth_call that
    reads the revert data (latest block) and for the transaction (mined after it)."""
    return env.chain.blocks.head.timestamp


def wrong_caller(d, env, *allowed):
    return d(st.sampled_from(env.others(*allowed)), label="caller")


_OFFER_ALIASES = {
    "cap": "supply_cap",
    "ends": "sale_ends",
    "pin": "version_pin",
    "uri": "terms_uri",
    "terms": "terms_hash",
}


def offer_params(model_id, **kw):
    """``OfferParams``, transferable by default; ``kw`` overrides fields by name (or by the
    matrix's short names: cap, ends, pin, uri, terms)."""
    p = dict(price=10**15, duration=30 * DAY, commercial=True, transferable=True)
    p.update(terms_uri="ipfs://t", terms_hash=b"\x01" * 32)
    p.update({_OFFER_ALIASES.get(k, k): v for k, v in kw.items()})
    return OfferParams(model_id, **p)


def new_model(env, owner=None):
    """A fresh ETH-priced model of `owner` (default: the model owner)."""
    owner = owner or env.model_owner
    return register_model(
        env.c("ModelRegistry"), owner, b"\x11" * 32, "ipfs://v", "ipfs://m"
    ).model_id


def new_offer(env, **kw):
    lic = env.c("LicenseManager")
    tx = lic.createOffer(offer_params(env.ids["model"], **kw), sender=env.model_owner)
    return tx.decode_logs(lic.OfferCreated)[0].offerId


def buy_license(env, offer_id, buyer, price=10**15):
    lic = env.c("LicenseManager")
    tx = lic.purchase(offer_id, buyer, price, value=price, sender=buyer)
    return tx.decode_logs(lic.Transfer)[0].tokenId


def eip712_domain(token):
    f = token.eip712Domain()
    return {"name": f[1], "version": f[2], "chainId": int(f[3]), "verifyingContract": str(f[4])}


def reinit_case(name: str, args: Callable[[Env], tuple]) -> Case:
    return Case(
        "initialize an initialized clone",
        "InvalidInitialization",
        lambda e, d: Call(
            e.c(name), "initialize", args(e), d(st.sampled_from(list(e.actors.values())))
        ),
    )


def governance_sets_address(contract: str, method: str, what: str, **more) -> list[Case]:
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
            call(lambda d: d(any_address), lambda e, d: wrong_caller(d, e)),
        ),
        Case(
            f"zero {what} (by governance)",
            f"{contract}ZeroAddress",
            call(lambda d: ZERO, lambda e, d: governance_sender(e)),
        ),
    ]
