"""The Solidity structs callers build, as typed Python (no ape): pass an instance where the
contract takes the struct (ape and web3 encode a tuple positionally)::

    from modelmint.structs import OfferParams
    params = OfferParams(model_id, price=10**15, duration=30 * DAY, terms_uri="ipfs://t",
                         terms_hash=sha256_of_terms)
    licenses.createOffer(params, sender=owner)
"""

from __future__ import annotations

from typing import NamedTuple


class OfferParams(NamedTuple):
    """``ILicenseManager.OfferParams`` (field order is the struct's)."""

    model_id: int
    price: int = 0
    """In the model's payment asset (wei or token units); 0 = free. uint96."""
    duration: int = 0
    """Seconds; 0 = perpetual. uint64."""
    supply_cap: int = 0
    """Max licenses minted from the offer; 0 = unlimited. uint32."""
    sale_ends: int = 0
    """Timestamp after which the offer sells nothing; 0 = no end. uint64."""
    version_pin: int = 0
    """0 = every version; else licenses are valid for that version only. uint32."""
    commercial: bool = False
    transferable: bool = False
    terms_uri: str = ""
    terms_hash: bytes = b""
    """Content hash (sha256) of the terms document; must be non-zero."""
