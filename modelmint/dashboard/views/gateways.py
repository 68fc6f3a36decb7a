"""What a model's gateways answer: the only view that calls out over HTTP.

A gateway publishes its terms at :data:`modelmint.wire.WELL_KNOWN_PATH` (the route the gateway
itself serves). It is ``live`` when that answer is a JSON object naming the probed gateway
address, ``dead`` otherwise, and ``unknown`` when the operator configured no URL for it. The
answer gives the credits a call costs per item (``payments.creditsPerItem``) and, when the
gateway serves the model's card, its route (``routes.card``). Answers are cached for ``ttl``
seconds, so a catalog page costs no request per row.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
from eth_utils import to_checksum_address

from modelmint.cards import MAX_CARD_BYTES
from modelmint.dashboard.reads import JsonObject, address
from modelmint.wire import WELL_KNOWN_PATH

PROBE_TIMEOUT = 1.5  # seconds a gateway has to answer


class GatewayProbe:
    """Live/dead, terms and card of gateways whose URLs the operator configured."""

    def __init__(self, urls: dict[str, str] | None = None, ttl: float = 10.0):
        self.urls: dict[str, str] = {
            to_checksum_address(k): v.rstrip("/") for k, v in (urls or {}).items()
        }
        self.ttl = ttl
        self._answers: dict[str, tuple[float, str, JsonObject | None]] = {}
        self._lock = threading.Lock()

    def _probe(self, gateway: str, timeout: float) -> tuple[str, JsonObject | None]:
        """(status, well-known answer) of a configured ``gateway``, cached for ``ttl``."""
        now = time.monotonic()
        with self._lock:
            cached = self._answers.get(gateway)
        if cached and now - cached[0] < self.ttl:
            return cached[1], cached[2]
        status, info = "dead", None
        try:
            response = httpx.get(self.urls[gateway] + WELL_KNOWN_PATH, timeout=timeout)
            body: Any = response.json() if response.status_code == 200 else None
            if isinstance(body, dict) and _same(body.get("gateway"), gateway):
                status, info = "live", body
        except (httpx.HTTPError, ValueError):
            pass
        with self._lock:
            self._answers[gateway] = (now, status, info)
        return status, info

    def status(self, gateway: str, timeout: float = PROBE_TIMEOUT) -> JsonObject:
        """Live/dead from the gateway's well-known answer; ``unknown`` without a URL."""
        gateway = address(gateway)
        url = self.urls.get(gateway)
        if url is None:
            return {"gateway": gateway, "url": None, "status": "unknown"}
        status, info = self._probe(gateway, timeout)
        payments = (info or {}).get("payments") or {}
        return {
            "gateway": gateway,
            "url": url,
            "status": status,
            "modelId": (info or {}).get("modelId"),
            "version": (info or {}).get("version"),
            "creditsPerItem": _int(payments.get("creditsPerItem")),
        }

    def live(self, gateways: list[str]) -> list[tuple[str, JsonObject]]:
        """(gateway, answer) of each configured gateway of ``gateways`` that is live."""
        out: list[tuple[str, JsonObject]] = []
        for g in map(to_checksum_address, gateways):
            if g in self.urls:
                status, info = self._probe(g, PROBE_TIMEOUT)
                if status == "live" and info is not None:
                    out.append((g, info))
        return out

    def credits_per_item(self, gateways: list[str]) -> int | None:
        """Credits one item costs at the first live gateway that says so."""
        for _g, info in self.live(gateways):
            value = _int((info.get("payments") or {}).get("creditsPerItem"))
            if value is not None:
                return value
        return None

    def card(self, gateway: str, info: JsonObject) -> bytes | None:
        """The card bytes ``gateway`` serves at its ``routes.card``, or None (unchecked here:
        the caller verifies them against the URI the chain records)."""
        route = (info.get("routes") or {}).get("card")
        if not isinstance(route, str) or not route.startswith("/"):
            return None
        try:
            response = httpx.get(self.urls[gateway] + route, timeout=PROBE_TIMEOUT)
        except httpx.HTTPError:
            return None
        if response.status_code != 200 or len(response.content) > MAX_CARD_BYTES:
            return None
        return response.content


def _same(claimed: Any, gateway: str) -> bool:
    return isinstance(claimed, str) and claimed.lower() == gateway.lower()


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
