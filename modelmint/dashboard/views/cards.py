"""A model's card, as the pages show it: only a card its metadata URI binds
(:func:`modelmint.cards.verify_card`, docs/CARDS.md).

- ``data:application/json`` URI: the card is the URI itself (nothing fetched);
- ``ipfs://<CID>``: the bytes a live gateway of the model serves at its ``routes.card``,
  checked against the CID; no gateway serving it means no card (``cardError`` empty);
- anything else (``https://`` served by the owner, ``ipfs://name``) binds nothing
  (``card_unbound``): the pages show the URI.

A card that fails its check is never shown as the card: ``card`` is None and ``cardError``
names the code (``card_mismatch``, ``card_invalid``, ``card_too_large``). A verified card is
cached for good (the URI binds its bytes); a miss is retried after the probe's ttl.
"""

from __future__ import annotations

from typing import Any

from modelmint.cards import Card, CardError, CardErrorCode, bound_cid, verify_card
from modelmint.dashboard.reads import JsonObject
from modelmint.dashboard.views.gateways import GatewayProbe


def card_json(card: Card) -> JsonObject:
    """What a page shows of ``card``."""
    return {
        "name": card.name,
        "description": card.description,
        "task": card.task,
        "labels": list(card.labels),
        "license": card.license_summary,
        "links": [{"title": link.title, "url": link.url} for link in card.links],
        "input": {"schema": card.input_schema, "example": card.input_example},
        "output": {"schema": card.output_schema},
    }


def search_text(card: JsonObject | None) -> str:
    """The lower-cased card text the catalog searches: name, description, task, labels."""
    if card is None:
        return ""
    return " ".join([card["name"], card["description"], card["task"], *card["labels"]]).lower()


class Cards:
    """Cards of metadata URIs, verified and cached."""

    def __init__(self, probe: GatewayProbe):
        self.probe = probe
        self._known: dict[str, JsonObject] = {}  # URI -> resolved answer that cannot change

    def resolve(self, uri: str | None, gateways: list[str]) -> JsonObject:
        """``{"card": {...} | None, "cardError": code | None, "cardSource": ...}`` of ``uri``."""
        if not uri:
            return _answer(None, None, None)
        known = self._known.get(uri)
        if known is not None:
            return known
        if bound_cid(uri) is None:  # a data: URI, or a URI that binds nothing: final
            try:
                answer = _answer(card_json(verify_card(uri)), None, "data")
            except CardError as exc:
                answer = _answer(None, exc.code, None)
            self._known[uri] = answer
            return answer
        error: CardErrorCode | None = None
        for gateway, info in self.probe.live(gateways):
            content = self.probe.card(gateway, info)
            if content is None:
                continue
            try:
                answer = _answer(card_json(verify_card(uri, content)), None, "gateway")
            except CardError as exc:
                error = exc.code  # this gateway serves other bytes: try the next one
                continue
            self._known[uri] = answer
            return answer
        return _answer(None, error, None)


def _answer(card: JsonObject | None, error: CardErrorCode | None, source: Any) -> JsonObject:
    return {"card": card, "cardError": error.value if error else None, "cardSource": source}
