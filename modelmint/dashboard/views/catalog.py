"""The catalog page: every registered model folded from the index alone.

One pass over the registry's, licenses' and credits' events, cached until the index
changes, so the catalog stays fast with thousands of models. Each page row adds what is not
in the index: the model's card (``views.cards``, verified and cached), its payment asset's
symbol and decimals, and the price of one call of one item (credit value x the credits per
item its live gateway publishes, else the credit value).
"""

from __future__ import annotations

from modelmint.dashboard.errors import DashboardError, DashboardErrorCode
from modelmint.dashboard.indexer import Indexer
from modelmint.dashboard.reads import JsonObject, Reads, as_int, model_status
from modelmint.dashboard.store import Event
from modelmint.dashboard.views.cards import Cards, search_text
from modelmint.dashboard.views.gateways import GatewayProbe

SORT_KEYS = ("id", "name", "owner", "price", "creditValue", "version", "registeredAt")
# Events the catalog folds, in the order the index returns them (chain order).
CATALOG_EVENTS = (
    "ModelRegistered",
    "VersionPublished",
    "ModelStatusChanged",
    "ModelFlagged",
    "GatewaySet",
    "Transfer",
    "OfferCreated",
    "OfferPriceChanged",
    "OfferPausedSet",
    "CreditsEnabled",
    "ModelFractionalized",
)


def _registered(ev: Event) -> JsonObject:
    a = ev.args
    return {
        "id": a["modelId"],
        "owner": a["owner"],
        "paymentAsset": a["paymentAsset"],
        "metadataURI": a["metadataURI"],
        "registeredAt": ev.timestamp,
        "version": 0,
        "weightsHash": None,
        "versionURI": None,
        "status": "Active",
        "flagged": False,
        "gateways": [],
        "offers": [],
        "creditValue": None,
        "fractionalized": False,
    }


def _offer(ev: Event) -> JsonObject:
    a = ev.args
    return {
        "id": as_int(a["offerId"]),
        "price": as_int(a["price"]),
        "duration": as_int(a["duration"]),
        "commercial": a["commercial"],
        "paused": False,
        "termsURI": a["termsURI"],
    }


def _apply(m: JsonObject, ev: Event) -> JsonObject | None:
    """Folds one model event into ``m``; returns a new offer when ``ev`` created one."""
    a = ev.args
    if ev.event == "VersionPublished":
        if a["version"] >= m["version"]:
            m.update(version=a["version"], weightsHash=a["weightsHash"], versionURI=a["uri"])
    elif ev.event == "ModelStatusChanged":
        m["status"] = model_status(a["status"])
    elif ev.event == "ModelFlagged":
        m["flagged"] = a["flagged"]
    elif ev.event == "GatewaySet":
        gateways = [g for g in m["gateways"] if g != a["gateway"]]
        m["gateways"] = gateways + [a["gateway"]] if a["allowed"] else gateways
    elif ev.event == "OfferCreated":
        offer = _offer(ev)
        m["offers"].append(offer)
        return offer
    elif ev.event == "CreditsEnabled":
        m["creditValue"] = as_int(a["creditValue"])
    elif ev.event == "ModelFractionalized":
        m["fractionalized"] = True
    return None


class Catalog:
    """Models from the index, searched, sorted and paged."""

    def __init__(self, reads: Reads, indexer: Indexer, probe: GatewayProbe | None = None):
        self.reads = reads
        self.indexer = indexer
        self.probe = probe or GatewayProbe()
        self.cards = Cards(self.probe)
        self._cache: tuple[int, list[JsonObject]] | None = None

    def models(self) -> list[JsonObject]:
        """Every registered model folded from the index; cached per index generation."""
        generation = self.indexer.generation
        if self._cache and self._cache[0] == generation:
            return self._cache[1]
        registry = self.reads.get("registry")
        models: dict[int, JsonObject] = {}
        offers: dict[int, JsonObject] = {}
        for ev in self.indexer.events(event=CATALOG_EVENTS):
            a = ev.args
            if ev.event == "ModelRegistered":
                models[a["modelId"]] = _registered(ev)
            elif ev.event == "Transfer":
                if (
                    registry is not None
                    and ev.address == registry.address
                    and a["tokenId"] in models
                ):
                    models[a["tokenId"]]["owner"] = a["to"]
            elif ev.event in ("OfferPriceChanged", "OfferPausedSet"):
                known = offers.get(as_int(a["offerId"]))
                if known is not None:
                    known.update(
                        {"price": as_int(a["newPrice"])}
                        if ev.event == "OfferPriceChanged"
                        else {"paused": a["paused"]}
                    )
            elif ev.model_id is not None and ev.model_id in models:
                created = _apply(models[ev.model_id], ev)
                if created is not None:
                    offers[created["id"]] = created
        result = sorted(models.values(), key=lambda m: m["id"])
        for m in result:
            live = [o["price"] for o in m["offers"] if not o["paused"]]
            m["minPrice"] = min(live) if live else None
        self._cache = (generation, result)
        return result

    def page(
        self,
        *,
        query: str = "",
        sort: str = "id",
        descending: bool = False,
        offset: int = 0,
        limit: int = 100,
    ) -> JsonObject:
        """Models matching ``query`` (id, metadata URI, owner, weights hash, card name,
        description, task or labels), sorted, paged."""
        if sort not in SORT_KEYS:
            raise DashboardError(
                DashboardErrorCode.BAD_QUERY, f"sort must be one of {', '.join(SORT_KEYS)}"
            )
        if not (offset >= 0 and 1 <= limit <= 1000):
            raise DashboardError(DashboardErrorCode.BAD_QUERY, "offset >= 0 and 1 <= limit <= 1000")
        rows = [self._row(m) for m in self.models()]
        needle = query.strip().lower()
        if needle:
            rows = [
                m
                for m in rows
                if needle == str(m["id"])
                or needle in m["metadataURI"].lower()
                or needle in m["owner"].lower()
                or needle in (m["weightsHash"] or "")
                or needle in search_text(m["card"])
            ]
        field = {"name": "name", "price": "minPrice"}.get(sort, sort)
        missing = float("inf") if not descending else float("-inf")
        rows = sorted(
            rows,
            key=lambda m: missing if m[field] is None else m[field],
            reverse=descending,
        )
        return {
            "total": len(rows),
            "offset": offset,
            "models": rows[offset : offset + limit],
            "indexedTo": self.indexer.cursor,
        }

    def _row(self, m: JsonObject) -> JsonObject:
        """An indexed model with its card, asset and price per call."""
        card = self.cards.resolve(m["metadataURI"], m["gateways"])
        per_item = self.probe.credits_per_item(m["gateways"]) if m["creditValue"] else None
        value = m["creditValue"]
        return {
            **m,
            **card,
            "name": (card["card"] or {}).get("name") or m["metadataURI"],
            "task": (card["card"] or {}).get("task"),
            "asset": self.reads.asset(m["paymentAsset"]),
            "creditsPerItem": per_item,
            "pricePerCall": None
            if value is None
            else value * (1 if per_item is None else per_item),
        }
