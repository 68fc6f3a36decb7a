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
from enum import StrEnum
from typing import Any

from modelmint.errors import ModelmintError

JSON_DATA_PREFIX = "data:application/json;base64,"


class MetadataErrorCode(StrEnum):
    """Why a token URI is not readable metadata."""

    NOT_ON_CHAIN_JSON = "not_on_chain_json"
    UNDECODABLE = "undecodable"
    NOT_AN_OBJECT = "not_an_object"


class MetadataError(ModelmintError, ValueError):
    """The URI is not base64 on-chain JSON metadata (named error for callers to catch; still
    a ``ValueError`` for callers that caught that)."""

    def __init__(self, code: MetadataErrorCode, message: str):
        super().__init__(code, message)


def decode_token_uri(uri: str) -> dict[str, Any]:
    """Returns the JSON object of a ``data:application/json;base64,`` token URI."""
    if not uri.startswith(JSON_DATA_PREFIX):
        raise MetadataError(
            MetadataErrorCode.NOT_ON_CHAIN_JSON, f"not an on-chain JSON token URI: {uri[:40]!r}"
        )
    try:
        meta = json.loads(base64.b64decode(uri[len(JSON_DATA_PREFIX) :], validate=True))
    except (binascii.Error, ValueError) as exc:
        raise MetadataError(MetadataErrorCode.UNDECODABLE, f"undecodable token URI: {exc}") from exc
    if not isinstance(meta, dict):
        raise MetadataError(MetadataErrorCode.NOT_AN_OBJECT, "token metadata is not a JSON object")
    return meta


def traits(meta: dict[str, Any]) -> dict[str, Any]:
    """The ``attributes`` list of ERC-721 metadata as ``{trait_type: value}``."""
    return {a["trait_type"]: a["value"] for a in meta.get("attributes", [])}
