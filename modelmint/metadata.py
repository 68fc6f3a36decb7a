"""Token metadata: decode the on-chain JSON that the model NFT and license NFTs return from
``tokenURI`` (``data:application/json;base64,<json>``, the shape wallets and marketplaces read).

    >>> from modelmint.metadata import decode_token_uri, traits
    >>> meta = decode_token_uri(registry.functions.tokenURI(model_id).call())
    >>> meta["name"]                     # "Modelmint Model #1"
    >>> traits(meta)["version hash"]     # "0x..." weights hash of the latest version
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

JSON_DATA_PREFIX = "data:application/json;base64,"


class MetadataError(ValueError):
    """The URI is not base64 on-chain JSON metadata (named error for callers to catch)."""


def decode_token_uri(uri: str) -> dict[str, Any]:
    """Returns the JSON object of a ``data:application/json;base64,`` token URI."""
    if not uri.startswith(JSON_DATA_PREFIX):
        raise MetadataError(f"not an on-chain JSON token URI: {uri[:40]!r}")
    try:
        meta = json.loads(base64.b64decode(uri[len(JSON_DATA_PREFIX) :], validate=True))
    except (binascii.Error, ValueError) as exc:
        raise MetadataError(f"undecodable token URI: {exc}") from exc
    if not isinstance(meta, dict):
        raise MetadataError("token metadata is not a JSON object")
    return meta


def traits(meta: dict[str, Any]) -> dict[str, Any]:
    """The ``attributes`` list of ERC-721 metadata as ``{trait_type: value}``."""
    return {a["trait_type"]: a["value"] for a in meta.get("attributes", [])}
