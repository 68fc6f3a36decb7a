"""The named actions an owner takes on a model (and governance on the protocol): each one
builds a contract call once, so ``modelmint model publish-version --model 1 ...`` sends it
from the account and ``modelmint gov propose --model 1 publish-version ...`` proposes the
very same calldata to the model's governor.

An :class:`Action` is its click parameters, a ``build(ops, params) -> Built`` and a
``report(ops, tx) -> (text, json)`` for when it is sent directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import click
from eth_utils import to_checksum_address

from modelmint.client.commands import Ops
from modelmint.client.tx import TxResult
from modelmint.client.units import (
    format_amount,
    format_duration,
    parse_amount,
    parse_date,
    parse_duration,
)
from modelmint.weights import weights_hash

PERPETUAL = 0


@dataclass(frozen=True)
class Built:
    """A call ready to send or propose: a web3 contract function call and the ETH it carries."""

    label: str
    call: Any
    value: int = 0
    report: Callable[[Ops, TxResult], tuple[str, dict[str, Any]]] | None = None


@dataclass(frozen=True)
class Action:
    name: str
    help: str
    params: list[click.Parameter]
    build: Callable[[Ops, dict[str, Any]], Built]
    protocol: bool = False  # governed by the protocol governor (not a model's)
    extra: dict[str, Any] = field(default_factory=dict)


def _model() -> click.Option:
    return click.Option(["--model", "model_id"], type=int, default=None, help="Model id.")


def _model_id(params: dict[str, Any]) -> int:
    if params.get("model_id") is None:
        raise click.UsageError("give --model ID")
    return int(params["model_id"])


def _hash(params: dict[str, Any], file_key: str, hash_key: str) -> bytes:
    if params.get(file_key):
        return weights_hash(params[file_key])
    if params.get(hash_key):
        return bytes.fromhex(str(params[hash_key]).removeprefix("0x"))
    raise click.UsageError(
        f"give --{file_key.replace('_', '-')} FILE or --{hash_key.replace('_', '-')} HEX"
    )


def _publish(ops: Ops, p: dict[str, Any]) -> Built:
    model_id, digest = _model_id(p), _hash(p, "weights", "weights_hash")
    registry = ops.contract("ModelRegistry")

    def report(ops: Ops, tx: TxResult) -> tuple[str, dict[str, Any]]:
        e = ops.event(registry, "VersionPublished", tx)
        return (
            f"model {model_id}: version {e['version']} published (weights 0x{digest.hex()})",
            {"model": model_id, "version": e["version"], "weightsHash": digest, "tx": tx.tx_hash},
        )

    call = registry.functions.publishVersion(model_id, digest, p["uri"])
    return Built("publishVersion", call, report=report)


def _set_gateway(ops: Ops, p: dict[str, Any]) -> Built:
    model_id, gateway = _model_id(p), to_checksum_address(p["gateway"])
    allowed = not p["revoke"]
    call = ops.contract("ModelRegistry").functions.setGateway(model_id, gateway, allowed)

    def report(ops: Ops, tx: TxResult) -> tuple[str, dict[str, Any]]:
        verb = "allowed" if allowed else "revoked"
        return (
            f"model {model_id}: gateway {gateway} {verb}",
            {"model": model_id, "gateway": gateway, "allowed": allowed, "tx": tx.tx_hash},
        )

    return Built("setGateway", call, report=report)


def _enable_credits(ops: Ops, p: dict[str, Any]) -> Built:
    model_id = _model_id(p)
    asset = ops.model_asset(model_id)
    value = parse_amount(p["credit_value"], asset)
    call = ops.contract("UsageCredits").functions.enableCredits(model_id, value)

    def report(ops: Ops, tx: TxResult) -> tuple[str, dict[str, Any]]:
        return (
            f"model {model_id}: credits enabled, one credit = {format_amount(value, asset)}",
            {"model": model_id, "creditValue": value, "asset": asset.address, "tx": tx.tx_hash},
        )

    return Built("enableCredits", call, report=report)


def _create_offer(ops: Ops, p: dict[str, Any]) -> Built:
    model_id = _model_id(p)
    asset = ops.model_asset(model_id)
    price = parse_amount(p["price"], asset)
    duration = PERPETUAL if p["duration"] == "perpetual" else parse_duration(p["duration"])
    terms_hash = _hash(p, "terms_file", "terms_hash")
    sale_ends = parse_date(p["sale_ends"]) if p["sale_ends"] else 0
    offer = (model_id, price, duration, p["supply_cap"], sale_ends, p["version_pin"],
             p["commercial"], p["transferable"], p["terms_uri"], terms_hash)  # fmt: skip
    licenses = ops.contract("LicenseManager")

    def report(ops: Ops, tx: TxResult) -> tuple[str, dict[str, Any]]:
        offer_id = ops.event(licenses, "OfferCreated", tx)["offerId"]
        term = "perpetual" if duration == PERPETUAL else format_duration(duration)
        return (
            f"offer {offer_id} on model {model_id}: {format_amount(price, asset)}, {term}",
            {
                "offer": offer_id,
                "model": model_id,
                "price": price,
                "duration": duration,
                "tx": tx.tx_hash,
            },  # fmt: skip
        )

    return Built("createOffer", licenses.functions.createOffer(offer), report=report)


def _set_offer_price(ops: Ops, p: dict[str, Any]) -> Built:
    licenses = ops.contract("LicenseManager")
    offer_id = int(p["offer"])
    model_id = int(licenses.functions.offer(offer_id).call()[0])
    price = parse_amount(p["price"], ops.model_asset(model_id))
    return Built("setOfferPrice", licenses.functions.setOfferPrice(offer_id, price))


def _set_fee(ops: Ops, p: dict[str, Any]) -> Built:
    return Built("setFeeBps", ops.contract("RevenueRouter").functions.setFeeBps(p["bps"]))


def _flag(ops: Ops, p: dict[str, Any]) -> Built:
    call = ops.contract("ModelRegistry").functions.setFlagged(_model_id(p), not p["unflag"])
    return Built("setFlagged", call)


def _set_recipients(ops: Ops, p: dict[str, Any]) -> Built:
    pairs = [entry.rsplit(":", 1) for entry in p["recipient"]]
    if any(len(pair) != 2 for pair in pairs):
        raise click.UsageError("give each --recipient as ADDRESS:WEIGHT")
    recipients = [to_checksum_address(a) for a, _ in pairs]
    weights = [int(w) for _, w in pairs]
    router = ops.contract("RevenueRouter")
    return Built("setRecipients", router.functions.setRecipients(_model_id(p), recipients, weights))


def _allow_token(ops: Ops, p: dict[str, Any]) -> Built:
    registry = ops.contract("ModelRegistry")
    call = registry.functions.setPaymentTokenAllowed(
        to_checksum_address(p["token"]), not p["revoke"]
    )
    return Built("setPaymentTokenAllowed", call)


def _set_treasury(ops: Ops, p: dict[str, Any]) -> Built:
    router = ops.contract("RevenueRouter")
    return Built("setTreasury", router.functions.setTreasury(to_checksum_address(p["treasury"])))


def _opt(*names: str, **kw: Any) -> click.Option:
    return click.Option(list(names), **kw)


WEIGHTS = [
    _opt("--weights", type=click.Path(exists=True, dir_okay=False), help="Weights file."),
    _opt("--weights-hash", help="Or its sha256 (hex)."),
]
ACTIONS: list[Action] = [
    Action("publish-version", "Publish a new version (weights hash + URI).",
           [_model(), *WEIGHTS, _opt("--uri", required=True, help="Version URI.")], _publish),
    Action("set-gateway", "Allow (or --revoke) a gateway key for the model.",
           [_model(), click.Argument(["gateway"]), _opt("--revoke", is_flag=True)], _set_gateway),
    Action("enable-credits", "Enable usage credits at a fixed value per credit.",
           [_model(), _opt("--credit-value", required=True, help="e.g. 0.000001 (ETH).")],
           _enable_credits),
    Action("create-offer", "Create a license offer.", [
        _model(), _opt("--price", required=True, help="e.g. 0.01 (the model's asset)."),
        _opt("--duration", required=True, help="e.g. 30d, 12h, or perpetual."),
        _opt("--terms-uri", required=True),
        _opt("--terms-file", type=click.Path(exists=True, dir_okay=False),
             help="The terms document (its sha256 is recorded)."),
        _opt("--terms-hash", default=None, help="Or the terms' hash (hex)."),
        _opt("--supply-cap", type=int, default=0, help="0: unlimited."),
        _opt("--sale-ends", default=None, help="ISO date or timestamp; none: open-ended."),
        _opt("--version-pin", type=int, default=0, help="0: any version."),
        _opt("--commercial", is_flag=True), _opt("--transferable", is_flag=True),
    ], _create_offer),
    Action("set-offer-price", "Change an offer's price.",
           [click.Argument(["offer"], type=int), _opt("--price", required=True)],
           _set_offer_price),
    Action("set-recipients", "Set the revenue split: --recipient ADDRESS:WEIGHT, repeated.",
           [_model(), _opt("--recipient", multiple=True, required=True)], _set_recipients),
    Action("allow-token", "Allow (or --revoke) an ERC-20 as a payment asset.",
           [click.Argument(["token"]), _opt("--revoke", is_flag=True)], _allow_token,
           protocol=True),
    Action("set-treasury", "Set the protocol treasury.", [click.Argument(["treasury"])],
           _set_treasury, protocol=True),
    Action("set-fee", "Set the protocol fee (basis points).",
           [_opt("--bps", type=int, required=True)], _set_fee, protocol=True),
    Action("flag", "Flag (or --unflag) a model: stops new sales, keeps refunds open.",
           [_model(), _opt("--unflag", is_flag=True)], _flag, protocol=True),
]  # fmt: skip


def by_name(name: str) -> Action:
    return next(a for a in ACTIONS if a.name == name)
