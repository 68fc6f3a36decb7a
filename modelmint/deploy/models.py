"""Registering a model: the one helper every script, bench, fixture and test uses.

model_id, receipt = register_model(
    registry, owner, weights_hash(path), "ipfs://v1", "ipfs://card", asset=usdc,
    gateways=[gateway],
)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from modelmint.constants import ETH


class Registration(NamedTuple):
    """A registered model: its id and the ``registerModel`` receipt."""

    model_id: int
    receipt: Any


def register_model(
    registry: Any,
    owner: Any,
    weights_hash: bytes,
    version_uri: str,
    metadata_uri: str,
    *,
    asset: Any = ETH,
    gateways: Iterable[Any] = (),
) -> Registration:
    """Registers a model priced in ``asset`` (ETH by default; an allow-listed ERC-20 or its
    address) with its first version (``weights_hash``, ``version_uri``) as ``owner``, then
    allows each of ``gateways`` on it. Returns the model id (from ``ModelRegistered``) and
    the registration receipt."""
    receipt = registry.registerModel(asset, weights_hash, version_uri, metadata_uri, sender=owner)
    model_id = int(receipt.decode_logs(registry.ModelRegistered)[0].modelId)
    for gateway in gateways:
        registry.setGateway(model_id, gateway, True, sender=owner)
    return Registration(model_id, receipt)
