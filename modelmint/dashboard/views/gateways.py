"""Whether a model's gateway answers: the only view that calls out over HTTP."""

from __future__ import annotations

import httpx
from eth_utils import to_checksum_address

from modelmint.dashboard.reads import JsonObject, address


class GatewayProbe:
    """Live/dead of gateways whose URLs the operator configured."""

    def __init__(self, urls: dict[str, str] | None = None, info_path: str = "/info"):
        self.urls = {to_checksum_address(k): v for k, v in (urls or {}).items()}
        self.info_path = info_path

    def status(self, gateway: str, timeout: float = 1.5) -> JsonObject:
        """Live/dead from the gateway's info route; ``unknown`` when no URL is configured."""
        gateway = address(gateway)
        url = self.urls.get(gateway)
        if url is None:
            return {"gateway": gateway, "url": None, "status": "unknown"}
        target = url.rstrip("/") + self.info_path
        try:
            response = httpx.get(target, timeout=timeout)
            status = "live" if response.status_code == 200 else "dead"
        except httpx.HTTPError:
            status = "dead"
        return {"gateway": gateway, "url": url, "status": status}
