"""Helpers shared by the security suites: a small deployment whose governance is a plain account
(the way the unit fixtures allow-list tokens), and state digests compared before and after a
call that must change nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelmint.constants import BPS, DAY, ETH
from modelmint.deploy.models import register_model
from modelmint.deploy.protocol import deploy_protocol
from modelmint.structs import OfferParams

FEE_BPS = 500  # 5 % protocol fee in the security fixtures
WEIGHTS = b"\x11" * 32
TERMS = b"\x7e" * 32


def split(amount: int) -> tuple[int, int]:
    """(fee, net) of a router payment at FEE_BPS."""
    fee = amount * FEE_BPS // BPS
    return fee, amount - fee


def balance_of(asset, account) -> int:
    """ETH balance when `asset` is None / the zero address, else the ERC-20 balance."""
    from ape import chain

    address = getattr(account, "address", account)
    if asset is None or asset == ETH:
        return chain.provider.get_balance(address)
    return asset.balanceOf(address)


def digest(assets, accounts, views=()) -> tuple:
    """Balances of every (asset, account) pair plus the values of `views` (zero-arg callables).
    Equal digests before and after a call mean the call moved nothing that was looked at."""
    bal = tuple(balance_of(a, acc) for a in assets for acc in accounts)
    return bal + tuple(_plain(v()) for v in views)


def _plain(value: Any) -> Any:
    """Ape structs/tuples to comparable plain values."""
    if hasattr(value, "model_dump"):
        return tuple(sorted(value.model_dump().items()))
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    if hasattr(value, "items") and callable(value.items):
        return tuple(sorted((k, _plain(v)) for k, v in value.items()))
    return value


@dataclass
class Kit:
    """Registry (governance = `governance`, a plain account), router, licenses and credits."""

    registry: Any
    router: Any
    licenses: Any
    credits: Any
    governance: Any

    def allow(self, token) -> None:
        """Allow-lists `token` as a payment asset (as the unit fixtures do: governance call)."""
        self.registry.setPaymentTokenAllowed(token, True, sender=self.governance)

    def register(self, owner, asset=ETH) -> int:
        return register_model(
            self.registry, owner, WEIGHTS, "ipfs://v1", "ipfs://m", asset=asset
        ).model_id

    def offer(self, model_id, owner, price, transferable=False, duration=30 * DAY) -> int:
        params = OfferParams(
            model_id,
            price,
            duration,
            commercial=True,
            transferable=transferable,
            terms_uri="ipfs://t",
            terms_hash=TERMS,
        )
        tx = self.licenses.createOffer(params, sender=owner)
        return tx.decode_logs(self.licenses.OfferCreated)[0].offerId


def deploy_kit(project, deployer, treasury) -> Kit:
    p = deploy_protocol(
        project,
        deployer,
        only=("licenses", "credits"),
        treasury=treasury,
        protocol_fee_bps=FEE_BPS,
    )
    return Kit(p.registry, p.router, p.licenses, p.credits, deployer)
