"""What the dashboard's pages show: indexed history joined with state read from the contracts.

One module per page (``catalog``, ``model``, ``account``, ``protocol``), the governor
proposals they share (``governance``), model cards (``cards``) and the gateway probe
(``gateways``, the only view that calls out over HTTP); chain access lives in ``modelmint.dashboard.reads``. ``Views``
is the one object the web app holds, testable without HTTP:

    >>> views = Views(w3, record, indexer)
    >>> views.catalog.page(query="resnet", sort="price", descending=False)
    >>> views.model(1)["offers"]
    >>> views.account("0xabc...")["licenses"]
    >>> views.protocol()["proposals"]

The catalog is built from the index alone (cached until the index changes) so it stays
fast with thousands of models; the model, account and protocol pages read current state
(prices, balances, proposal states) from the contracts.
"""

from __future__ import annotations

import time

from web3 import Web3

from modelmint.dashboard.errors import DashboardError, DashboardErrorCode
from modelmint.dashboard.indexer import Indexer
from modelmint.dashboard.reads import JsonObject, Reads
from modelmint.dashboard.views.account import account_page
from modelmint.dashboard.views.catalog import SORT_KEYS, Catalog
from modelmint.dashboard.views.gateways import GatewayProbe
from modelmint.dashboard.views.model import model_page
from modelmint.dashboard.views.protocol import protocol_page
from modelmint.records import Record

__all__ = ["SORT_KEYS", "DashboardError", "DashboardErrorCode", "Views"]


class Views:
    """The page queries of one deployment."""

    def __init__(
        self,
        w3: Web3,
        record: Record,
        indexer: Indexer,
        *,
        gateway_urls: dict[str, str] | None = None,
    ):
        self.w3 = w3
        self.indexer = indexer
        self.reads = Reads(w3, record, indexer)
        self._gateways = GatewayProbe(gateway_urls)
        self.catalog = Catalog(self.reads, indexer, self._gateways)

    def addresses(self) -> dict[str, str]:
        """Every recorded contract address by step name (the front-end's wiring)."""
        return {step: contract.address for step, contract in self.reads.contracts.items()}

    def model(self, model_id: int) -> JsonObject:
        """One model: current state from the contracts, history and revenue from the index."""
        return model_page(self.reads, self.catalog, model_id)

    def account(self, account: str) -> JsonObject:
        """Licenses, credits, channels, claimable revenue, delegation and votes of ``account``."""
        return account_page(self.reads, self.catalog, account)

    def protocol(self) -> JsonObject:
        """Fee, treasury, allow-listed tokens, flagged models and protocol proposals."""
        return protocol_page(self.reads, self.catalog)

    def gateway_status(self, gateway: str, timeout: float = 1.5) -> JsonObject:
        """Live/dead from the gateway's well-known route; ``unknown`` without a configured URL."""
        return self._gateways.status(gateway, timeout)

    def status(self) -> JsonObject:
        """Index progress against the chain head."""
        return {
            "chainId": self.w3.eth.chain_id,
            "head": self.w3.eth.block_number,
            "indexedTo": self.indexer.cursor,
            "confirmations": self.indexer.confirmations,
            "time": int(time.time()),
        }
