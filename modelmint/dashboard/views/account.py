"""The account page: licenses, credits, channels, claimable revenue, shares and votes of one
account, each section read by its own function."""

from __future__ import annotations

from typing import Any

from eth_typing import ChecksumAddress
from web3.exceptions import ContractLogicError

from modelmint.credits import Channel, ChannelTerms
from modelmint.dashboard.reads import ETH_ASSET, JsonObject, Reads, address, as_int
from modelmint.dashboard.views.catalog import Catalog

PERPETUAL = 2**64 - 1  # LicenseManager's expiry of a perpetual license


def account_page(reads: Reads, catalog: Catalog, account: str) -> JsonObject:
    """Licenses, credits, channels, claimable revenue, delegation and votes of ``account``;
    a section whose contract the deployment lacks is empty."""
    who = address(account)
    now = reads.chain_time()
    licenses, credits, router = (reads.get(step) for step in ("licenses", "credits", "router"))
    claimable = [] if router is None else _router_claimable(reads, router, catalog, who)
    holdings = []
    for token, model_id in _share_tokens(reads):
        claim, holding = _shares_of(reads, token, model_id, who)
        if claim is not None:
            claimable.append(claim)
        if holding is not None:
            holdings.append(holding)
    assets = {m["id"]: reads.asset(m["paymentAsset"]) for m in catalog.models()}
    return {
        "account": who,
        "chainTime": now,
        # each row's modelId -> its payment asset's symbol and decimals, for human units
        "assets": {str(mid): asset for mid, asset in assets.items()},
        "eth": ETH_ASSET,
        "balance": reads.w3.eth.get_balance(who),
        "licenses": [] if licenses is None else _licenses(reads, licenses, who, now),
        "credits": [] if credits is None else _credits(reads, credits, who),
        "channels": [] if credits is None else _channels(reads, credits, who, now),
        "claimable": claimable,
        "shares": holdings,
        "governance": _governance(reads, who),
    }


def _licenses(reads: Reads, licenses: Any, who: ChecksumAddress, now: int) -> list[JsonObject]:
    """Licenses ``who`` received and still owns, with their terms and renewal price."""
    ids = {
        int(ev.args["tokenId"])
        for ev in reads.indexer.events(event="Transfer", address=licenses.address)
        if ev.args["to"] == who
    }
    rows = []
    for lid in sorted(ids):
        try:
            if licenses.functions.ownerOf(lid).call() != who:
                continue
        except ContractLogicError:  # indexed from blocks a reorg has just removed
            continue
        offer_id, model_id, expiry, _pin, commercial, _transferable = licenses.functions.license(
            lid
        ).call()
        rows.append(
            {
                "id": lid,
                "offerId": offer_id,
                "modelId": model_id,
                "expiry": expiry,
                "perpetual": expiry == PERPETUAL,
                "valid": expiry > now,
                "commercial": commercial,
                "renewPrice": licenses.functions.offer(offer_id).call()[1],
            }
        )
    return rows


def _credits(reads: Reads, credits: Any, who: ChecksumAddress) -> list[JsonObject]:
    """Free credit balances of ``who`` for every model with credits enabled (one batch call)."""
    enabled = reads.indexer.events(event="CreditsEnabled")
    model_ids = [int(ev.args["modelId"]) for ev in enabled]
    if not model_ids:
        return []
    balances = credits.functions.balanceOfBatch([who] * len(model_ids), model_ids).call()
    return [
        {"modelId": ev.model_id, "balance": balance, "creditValue": as_int(ev.args["creditValue"])}
        for ev, balance in zip(enabled, balances, strict=True)
        if balance
    ]


def _channels(reads: Reads, credits: Any, who: ChecksumAddress, now: int) -> list[JsonObject]:
    """Channels ``who`` opened, with their live state and when they can be closed."""
    grace = credits.functions.GRACE_PERIOD().call()
    values = {
        int(ev.args["modelId"]): as_int(ev.args["creditValue"])
        for ev in reads.indexer.events(event="CreditsEnabled")
    }
    rows = []
    for ev in reads.indexer.events(event="ChannelOpened"):
        if ev.args["consumer"] != who:
            continue
        model_id = int(ev.args["modelId"])
        terms = ChannelTerms(who, ev.args["gateway"], model_id, int(ev.args["salt"]))
        ch = Channel.from_state(terms, credits.functions.channel(terms.channel_id).call())
        expiry, deposit, settled = ch.expiry, ch.deposit, ch.settled
        rows.append(
            {
                # The id is the hash of the terms: a decimal string, like the salt.
                "id": str(terms.channel_id),
                "modelId": model_id,
                "gateway": terms.gateway,
                "salt": str(terms.salt),
                "deposit": deposit,
                "settled": settled,
                "creditValue": values.get(model_id),
                "expiry": expiry or int(ev.args["expiry"]),
                "closed": not ch.exists or ch.closed,
                "closable": not ch.closed and ch.exists and now >= expiry + grace,
                "closableAt": expiry + grace if expiry else None,
            }
        )
    return rows


def _router_claimable(
    reads: Reads, router: Any, catalog: Catalog, who: ChecksumAddress
) -> list[JsonObject]:
    """Router balances of ``who``: models naming it a recipient, or owned by it (one batch)."""
    models = {
        int(ev.args["modelId"])
        for ev in reads.indexer.events(event="RecipientsSet")
        if who in ev.args["recipients"]
    }
    models |= {m["id"] for m in catalog.models() if m["owner"] == who}
    ordered = sorted(models)
    amounts = reads.batch([router.functions.claimable(mid, who) for mid in ordered])
    return [
        {"kind": "router", "modelId": mid, "amount": amount}
        for mid, amount in zip(ordered, amounts, strict=True)
        if amount
    ]


def _share_tokens(reads: Reads) -> list[tuple[str, int | None]]:
    return [(token, mid) for token, _kind, mid in reads.indexer.contracts("ModelShares")]


def _shares_of(
    reads: Reads, token: str, model_id: int | None, who: ChecksumAddress
) -> tuple[JsonObject | None, JsonObject | None]:
    """(claimable row, holding row) of ``who`` in one model's shares; None where nothing."""
    shares: Any = reads.contract(token, "ModelShares")
    balance = shares.functions.balanceOf(who).call()
    amount = shares.functions.claimable(who).call()
    claim = (
        {"kind": "shares", "modelId": model_id, "token": token, "amount": amount}
        if amount
        else None
    )
    holding = (
        {
            "modelId": model_id,
            "token": token,
            "balance": balance,
            "symbol": shares.functions.symbol().call(),
            "delegate": shares.functions.delegates(who).call(),
            "votes": shares.functions.getVotes(who).call(),
            # revenue still unlocking for whoever holds the shares meanwhile
            "lockedRevenue": str(shares.functions.lockedRevenue().call()),
            "unlockEnd": shares.functions.unlockEnd().call(),
        }
        if balance
        else None
    )
    return claim, holding


def _governance(reads: Reads, who: ChecksumAddress) -> JsonObject | None:
    token = reads.get("gov_token")
    if token is None:
        return None
    return {
        "token": token.address,
        "symbol": token.functions.symbol().call(),
        "balance": str(token.functions.balanceOf(who).call()),
        "delegate": token.functions.delegates(who).call(),
        "votes": str(token.functions.getVotes(who).call()),
    }
