"""The protocol page: fee, treasury, allow-listed tokens, flagged models and proposals."""

from __future__ import annotations

from modelmint.dashboard.reads import JsonObject, Reads
from modelmint.dashboard.views.catalog import Catalog
from modelmint.dashboard.views.governance import proposals


def protocol_page(reads: Reads, catalog: Catalog) -> JsonObject:
    """Fee, treasury, allow-listed tokens, flagged models and protocol proposals."""
    router = reads.need("router")
    registry = reads.need("registry")
    indexer = reads.indexer
    tokens = {ev.args["token"] for ev in indexer.events(event="PaymentTokenAllowed")}
    allowed = sorted(t for t in tokens if registry.functions.isPaymentTokenAllowed(t).call())
    flagged = [m["id"] for m in catalog.models() if m["flagged"]]
    governor = reads.get("governor")
    token = reads.get("gov_token")
    return {
        "feeBps": router.functions.feeBps().call(),
        "maxFeeBps": router.functions.MAX_FEE_BPS().call(),
        "treasury": router.functions.treasury().call(),
        "governance": registry.functions.governance().call(),
        "allowedTokens": allowed,
        "flaggedModels": flagged,
        "governor": governor.address if governor else None,
        "tokenSymbol": token.functions.symbol().call() if token else "",
        "proposals": proposals(reads, governor) if governor else [],
        "chainTime": reads.chain_time(),
    }
