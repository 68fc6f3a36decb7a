"""The model page: current state from the contracts, history and revenue from the index."""

from __future__ import annotations

from modelmint.dashboard.errors import DashboardError, DashboardErrorCode
from modelmint.dashboard.reads import MAX_MODEL_ID, ZERO, JsonObject, Reads, as_int, model_status
from modelmint.dashboard.views.catalog import Catalog
from modelmint.dashboard.views.governance import proposals


def model_page(reads: Reads, catalog: Catalog, model_id: int) -> JsonObject:
    """One model: current state from the contracts, history and revenue from the index."""
    registry = reads.need("registry")
    if not 0 <= model_id <= MAX_MODEL_ID or not registry.functions.exists(model_id).call():
        raise DashboardError(DashboardErrorCode.UNKNOWN_MODEL, f"no model {model_id}")
    indexed = next((m for m in catalog.models() if m["id"] == model_id), None)
    asset, version_count, status, flagged, registered_at = registry.functions.model(model_id).call()
    latest, weights = registry.functions.latestVersion(model_id).call()
    gateways = [
        g
        for g in (indexed["gateways"] if indexed else [])
        if registry.functions.isGateway(model_id, g).call()
    ]
    uri = indexed["metadataURI"] if indexed else None
    return {
        "id": model_id,
        "owner": registry.functions.ownerOf(model_id).call(),
        "paymentAsset": asset,
        "asset": reads.asset(asset),
        "metadataURI": uri,
        **catalog.cards.resolve(uri, gateways),
        "versionCount": version_count,
        "status": model_status(status),
        "flagged": flagged,
        "registeredAt": registered_at,
        "saleOpen": registry.functions.isSaleOpen(model_id).call(),
        "latestVersion": latest,
        "weightsHash": "0x" + bytes(weights).hex(),
        "versions": _versions(reads, model_id),
        "offers": _offers(reads, model_id),
        "credits": _credits(reads, catalog, model_id, gateways),
        "gateways": gateways,
        "split": _split(reads, model_id),
        "revenue": _revenue(reads, model_id),
        "shares": _shares(reads, model_id),
    }


def _versions(reads: Reads, model_id: int) -> list[JsonObject]:
    return [
        {
            "version": ev.args["version"],
            "weightsHash": ev.args["weightsHash"],
            "uri": ev.args["uri"],
            "block": ev.block_number,
            "timestamp": ev.timestamp,
        }
        for ev in reads.indexer.events(event="VersionPublished", model_id=model_id)
    ]


def _offers(reads: Reads, model_id: int) -> list[JsonObject]:
    """Offers as created (the index) with their live terms (LicenseManager.offer) when deployed."""
    licenses = reads.get("licenses")
    rows = []
    for ev in reads.indexer.events(event="OfferCreated", model_id=model_id):
        offer_id = as_int(ev.args["offerId"])
        o = licenses.functions.offer(offer_id).call() if licenses else None
        rows.append(
            {
                "id": offer_id,
                "price": o[1] if o else as_int(ev.args["price"]),
                "duration": o[2] if o else as_int(ev.args["duration"]),
                "versionPin": o[3] if o else ev.args["versionPin"],
                "supplyCap": o[4] if o else ev.args["supplyCap"],
                "sold": o[5] if o else 0,
                "saleEnds": o[6] if o else ev.args["saleEnds"],
                "commercial": o[7] if o else ev.args["commercial"],
                "transferable": o[8] if o else ev.args["transferable"],
                "paused": o[9] if o else False,
                "termsURI": ev.args["termsURI"],
            }
        )
    return rows


def _credits(
    reads: Reads, catalog: Catalog, model_id: int, gateways: list[str]
) -> JsonObject | None:
    """The model's credits, and what one call of one item costs at its live gateways."""
    credits = reads.get("credits")
    if credits is None:
        return None
    mc = credits.functions.modelCredits(model_id).call()
    per_item = catalog.probe.credits_per_item(gateways)
    return {
        "asset": mc[0],
        "creditValue": mc[1],
        "creditsPerItem": per_item,
        "pricePerCall": mc[1] * (per_item if per_item is not None else 1),
        "minted": mc[2],
        "redeemed": mc[3],
        "channelled": mc[4],
        "consumed": mc[5],
        "enabled": mc[1] > 0,
    }


def _split(reads: Reads, model_id: int) -> list[JsonObject]:
    sets = reads.indexer.events(event="RecipientsSet", model_id=model_id)
    router = reads.get("router")
    if not sets:
        owner = reads.need("registry").functions.ownerOf(model_id).call()
        return [{"recipient": owner, "weight": 1, "share": 1.0, "default": True}]
    last = sets[-1].args
    total = sum(last["weights"]) or 1
    return [
        {
            "recipient": r,
            "weight": router.functions.weightOf(model_id, r).call() if router else w,
            "share": w / total,
            "default": False,
        }
        for r, w in zip(last["recipients"], last["weights"], strict=True)
    ]


def _revenue(reads: Reads, model_id: int) -> JsonObject:
    """Revenue over time from the router's payments (license sales, settlements): per payment
    the gross amount, the protocol fee and the net to the split, cumulated."""
    points, net_total, fee_total = [], 0, 0
    for ev in reads.indexer.events(event="PaymentReceived", model_id=model_id):
        amount, fee = as_int(ev.args["amount"]), as_int(ev.args["fee"])
        net_total += amount - fee
        fee_total += fee
        points.append(
            {
                "block": ev.block_number,
                "timestamp": ev.timestamp,
                "amount": amount,
                "fee": fee,
                "cumulative": net_total,
            }
        )
    settled = sum(
        as_int(ev.args["credits"])
        for ev in reads.indexer.events(event="CreditsSettled", model_id=model_id)
    )
    return {"points": points, "total": net_total, "fees": fee_total, "settledCredits": settled}


def _shares(reads: Reads, model_id: int) -> JsonObject | None:
    """The model's shares, holders and per-model governance, once fractionalized."""
    frac = reads.indexer.events(event="ModelFractionalized", model_id=model_id)
    if not frac:
        return None
    a = frac[-1].args
    shares = reads.contract(a["shares"], "ModelShares")
    holders = {ev.args["to"] for ev in reads.indexer.events(event="Transfer", address=a["shares"])}
    holders.discard(ZERO)
    supply = shares.functions.totalSupply().call()
    rows = []
    for h in sorted(holders):
        balance = shares.functions.balanceOf(h).call()
        if balance:
            rows.append({"holder": h, "balance": balance, "share": balance / supply})
    rows.sort(key=lambda r: -r["balance"])
    governor = reads.contract(a["governor"], "ModelGovernor")
    return {
        "token": a["shares"],
        "symbol": shares.functions.symbol().call(),
        "supply": supply,
        "governor": a["governor"],
        "timelock": a["timelock"],
        "holders": rows,
        "proposals": proposals(reads, governor),
    }
