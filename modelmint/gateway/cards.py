"""The model card the gateway serves: ``GET /v1/card``, the bytes of the file the operator
points at (setting ``CARD``) exactly as published, ``application/json``.

Checked at start (:func:`load_card`, ``StartupError`` otherwise): the file parses as a
card (:mod:`modelmint.cards`); when the served version's URI (``VersionPublished``), or
else the model's metadata URI (``ModelRegistered``), is ``ipfs://<CID>``, the file's CID
is that CID (``card_mismatch``); when the card names ``weights.sha256`` or
``weights.cid``, they are those of the weights file the gateway loads
(``weights_mismatch``; the CID computed by :mod:`modelmint.cid`, the sha256 already
checked against the registry).

    >>> content = load_card(settings, chain, version=1, served_sha256=digest)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response

from modelmint.cards import CardError, bound_cid, parse_card
from modelmint.cid import cid_of_bytes, cid_of_file
from modelmint.errors import ErrorCode, error_body
from modelmint.gateway.errors import (
    ChainReverted,
    ChainUnavailable,
    GatewayErrorCode,
    StartupError,
)
from modelmint.gateway.onchain import Chain
from modelmint.gateway.settings import GatewaySettings
from modelmint.wire import CHANNEL_CLOSE_PATH, CHANNEL_TOP_UP_PATH, CHANNELS_OPEN_PATH

if TYPE_CHECKING:
    from modelmint.gateway.service import Service

CARD_PATH = "/v1/card"


def recorded_uris(chain: Chain, model_id: int, version: int) -> tuple[str | None, str | None]:
    """``(version URI, metadata URI)`` as the registry emitted them (``None`` if not found)."""
    registry: Any = chain.registry
    published = registry.events.VersionPublished.get_logs(
        from_block=0, argument_filters={"modelId": model_id, "version": version}
    )
    registered = registry.events.ModelRegistered.get_logs(
        from_block=0, argument_filters={"modelId": model_id}
    )
    version_uri = str(published[-1]["args"]["uri"]) if published else None
    metadata_uri = str(registered[-1]["args"]["metadataURI"]) if registered else None
    return version_uri, metadata_uri


def load_card(
    settings: GatewaySettings, chain: Chain, version: int, served_sha256: bytes, weights: Path
) -> bytes | None:
    """The card file's bytes, checked against the chain and the served weights (``None``
    when no card is configured)."""
    if settings.card is None:
        return None
    try:
        content = settings.card.read_bytes()
        card = parse_card(content)
    except OSError as exc:
        raise StartupError(f"cannot read the card {settings.card}: {exc}") from None
    except CardError as exc:
        raise StartupError(
            f"the card {settings.card}: {exc}", GatewayErrorCode.CARD_MISMATCH
        ) from None
    try:
        version_uri, metadata_uri = recorded_uris(chain, settings.model_id, version)
    except (ChainUnavailable, ChainReverted, ValueError) as exc:
        raise StartupError(f"cannot read the card's URI from chain: {exc}") from None
    cid = cid_of_bytes(content)
    for uri in (version_uri, metadata_uri):
        bound = bound_cid(uri or "")
        if bound is not None:
            if bound != cid:
                raise StartupError(
                    f"the card {settings.card} has CID {cid}, the chain records {uri}",
                    GatewayErrorCode.CARD_MISMATCH,
                )
            break
    if card.weights is not None:
        if card.weights.sha256 != "0x" + served_sha256.hex():
            raise StartupError(
                f"the card names weights sha256 {card.weights.sha256}, the served file has "
                f"0x{served_sha256.hex()}",
                GatewayErrorCode.WEIGHTS_MISMATCH,
            )
        served_cid = cid_of_file(weights)
        if card.weights.cid != served_cid:
            raise StartupError(
                f"the card names weights CID {card.weights.cid}, the served file has {served_cid}",
                GatewayErrorCode.WEIGHTS_MISMATCH,
            )
    return content


def register_card(app: FastAPI, service_of: Callable[[], Service]) -> None:
    @app.get(CARD_PATH)
    async def card() -> Response:
        content = service_of().card
        if content is None:
            return JSONResponse(
                error_body(ErrorCode.NOT_FOUND, "this gateway serves no card"), status_code=404
            )
        return Response(content, media_type="application/json")


def extra_routes(s: Service) -> dict[str, str]:
    """The well-known answer's routes for the card and the weights (when served) and the
    relay's gasless channel routes (always served)."""
    from modelmint.gateway.downloads import WEIGHTS_PATH

    routes = {
        "channelOpen": CHANNELS_OPEN_PATH,
        "channelTopUp": CHANNEL_TOP_UP_PATH,
        "channelClose": CHANNEL_CLOSE_PATH,
    }
    if s.card is not None:
        routes["card"] = CARD_PATH
    if s.settings.license_enabled and s.settings.weights_download:
        routes["weights"] = WEIGHTS_PATH
    return routes
