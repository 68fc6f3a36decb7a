"""``modelmint model|license|revenue|shares|gateway ...``: what a model owner, a license
buyer, a shareholder and a gateway operator do on chain (docs/CLI.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from eth_utils import to_checksum_address

from modelmint.cards import card_uri, parse_card
from modelmint.client.commands import Ops, operation, ops_of
from modelmint.client.commands.actions import ACTIONS, Action
from modelmint.client.errors import NotFound
from modelmint.client.onchain import allowed_gateways
from modelmint.client.units import (
    ZERO,
    Asset,
    format_amount,
    format_date,
    parse_amount,
    parse_duration,
)
from modelmint.credits import CreditTerms
from modelmint.weights import weights_hash

SHARES = Asset(ZERO, "shares", 18)


@click.group()
def model() -> None:
    """Register a model and manage its versions, gateways, credits and offers."""


@model.command()
@click.option("--weights", type=click.Path(exists=True, dir_okay=False), required=True)
@click.option("--version-uri", required=True, help="Where the weights are (e.g. ipfs://...).")
@click.option("--metadata-uri", help="The model's metadata (name, card).")
@click.option("--card", type=click.Path(exists=True, dir_okay=False), help="Or the model's card.")
@click.option("--asset", default=ZERO, help="ERC-20 payment asset (default: ETH).")
@click.pass_context
@operation
def register(
    ctx: click.Context,
    weights: str,
    version_uri: str,
    metadata_uri: str | None,
    card: str | None,
    asset: str,
) -> None:
    """Register a model (mints its NFT to the account); with --card, the metadata URI is
    the card's ``ipfs://`` URI (docs/CARDS.md)."""
    ops = ops_of(ctx)
    if card is not None:
        content = Path(card).read_bytes()
        parse_card(content)
        metadata_uri = card_uri(content)
    if metadata_uri is None:
        raise click.UsageError("give --metadata-uri URI or --card FILE")
    registry = ops.contract("ModelRegistry")
    digest = weights_hash(weights)
    call = registry.functions.registerModel(
        to_checksum_address(asset), digest, version_uri, metadata_uri
    )
    tx = ops.send("registerModel", call)
    model_id = ops.event(registry, "ModelRegistered", tx)["modelId"]
    ops.done(
        f"model {model_id} registered (weights 0x{digest.hex()})",
        model=model_id, weightsHash=digest, metadataURI=metadata_uri, tx=tx.tx_hash,
    )  # fmt: skip


@model.command()
@click.argument("model_id", type=int)
@click.pass_context
@operation
def show(ctx: click.Context, model_id: int) -> None:
    """A model's owner, latest version, payment asset and credit value."""
    ops = ops_of(ctx)
    registry = ops.contract("ModelRegistry")
    if not registry.functions.exists(model_id).call():
        raise NotFound(f"no model {model_id}")
    owner = registry.functions.ownerOf(model_id).call()
    version, digest = registry.functions.latestVersion(model_id).call()
    asset = ops.model_asset(model_id)
    raw = ops.contract("UsageCredits").functions.modelCredits(model_id).call()
    credit_value = CreditTerms.from_call(raw).credit_value
    ops.done(
        f"model {model_id}: owner {owner}, version {version} (0x{bytes(digest).hex()}), "
        f"asset {asset.symbol}"
        + (f", one credit = {format_amount(credit_value, asset)}" if credit_value else ""),
        model=model_id, owner=owner, version=version, weightsHash=bytes(digest),
        asset=asset.address, symbol=asset.symbol,
    )  # fmt: skip


@model.command()
@click.option("--model", "model_id", type=int, required=True)
@click.option("--name", required=True, help="Share token name.")
@click.option("--symbol", required=True, help="Share token symbol.")
@click.option("--supply", default="1000000", show_default=True, help="Shares (18 decimals).")
@click.option("--holder", default=None, help="Who gets the shares (default: the account).")
@click.option("--voting-delay", type=int, default=7200, show_default=True, help="Blocks.")
@click.option("--voting-period", type=int, default=50400, show_default=True, help="Blocks.")
@click.option("--threshold", default="0", show_default=True, help="Shares needed to propose.")
@click.option("--quorum", type=int, default=4, show_default=True, help="Percent of supply.")
@click.option("--timelock-delay", default="2d", show_default=True, help="e.g. 2d, 3600.")
@click.option("--shares-weight", type=int, default=10_000, show_default=True,
              help="Weight of the shares in the revenue split (other recipients: set-recipients).")  # fmt: skip
@click.option("--drop-gateways", is_flag=True,
              help="Let every gateway grant lapse (default: keep the gateways allowed now).")  # fmt: skip
@click.pass_context
@operation
def fractionalize(ctx: click.Context, model_id: int, drop_gateways: bool, **p: Any) -> None:
    """Hand the model to its shareholders: a share token, a governor and a timelock that
    then owns the model NFT (two transactions: approve, fractionalize). The gateways allowed
    now keep selling under the timelock (printed; its governance can revoke them), unless
    --drop-gateways."""
    ops = ops_of(ctx)
    registry, fractionalizer = ops.contract("ModelRegistry"), ops.contract("Fractionalizer")
    gateways = [] if drop_gateways else allowed_gateways(registry, model_id)
    click.echo(
        f"keeping gateways: {', '.join(gateways)}" if gateways else "keeping no gateway",
        err=True,
    )
    holder = to_checksum_address(p["holder"] or ops.account.address)
    supply, threshold = parse_amount(p["supply"], SHARES), parse_amount(p["threshold"], SHARES)
    governance = (p["voting_delay"], p["voting_period"], threshold, p["quorum"],
                  parse_duration(p["timelock_delay"]))  # fmt: skip
    ops.send("approve", registry.functions.approve(fractionalizer.address, model_id))
    call = fractionalizer.functions.fractionalize(
        model_id,
        (p["name"], p["symbol"], holder, supply),
        governance,
        ([], [], p["shares_weight"]),
        gateways,
    )
    tx = ops.send("fractionalize", call)
    e = ops.event(fractionalizer, "ModelFractionalized", tx)
    ops.done(
        f"model {model_id} fractionalized: shares {e['shares']} ({format_amount(supply, SHARES)} "
        f"to {holder}), governor {e['governor']}, timelock {e['timelock']} (owns the model now; "
        f"{len(gateways)} gateway(s) kept)",
        model=model_id, shares=e["shares"], governor=e["governor"], timelock=e["timelock"],
        gateways=gateways, tx=tx.tx_hash,
    )  # fmt: skip


def direct(action: Action) -> click.Command:
    """``action`` as a command that sends it from the account."""

    @click.pass_context
    @operation
    def run(ctx: click.Context, **params: Any) -> None:
        ops = ops_of(ctx)
        built = action.build(ops, params)
        tx = ops.send(built.label, built.call, built.value)
        if built.report is not None:
            text, data = built.report(ops, tx)
        else:
            text, data = f"{built.label}: done in {tx.tx_hash}", {"tx": tx.tx_hash}
        ops.done(text, **data)

    return click.Command(action.name, callback=run, params=list(action.params), help=action.help)


@click.group()
def protocol() -> None:
    """The protocol's bounded admin powers, sent directly by an admin account (once the
    timelock holds them, propose them instead: `modelmint gov propose ACTION`)."""


for _action in ACTIONS:
    (protocol if _action.protocol else model).add_command(direct(_action))


@click.group(name="license")
def license_() -> None:
    """Buy and renew licenses."""


@license_.command()
@click.argument("offer_id", type=int)
@click.option("--recipient", default=None, help="Who gets the license (default: the account).")
@click.option("--max-price", default=None, help="Refuse above this (default: the offer's price).")
@click.pass_context
@operation
def buy(ctx: click.Context, offer_id: int, recipient: str | None, max_price: str | None) -> None:
    """Buy a license from an offer."""
    ops = ops_of(ctx)
    licenses = ops.contract("LicenseManager")
    offer = licenses.functions.offer(offer_id).call()
    model_id, price = int(offer[0]), int(offer[1])
    asset = ops.model_asset(model_id)
    ceiling = parse_amount(max_price, asset) if max_price else price
    to = to_checksum_address(recipient or ops.account.address)
    purchase = licenses.functions.purchase(offer_id, to, ceiling)
    value = ops.pay_value(asset, price, licenses.address, "purchase", purchase)
    tx = ops.send("purchase", purchase, value)
    e = ops.event(licenses, "LicensePurchased", tx)
    ops.done(
        f"license {e['licenseId']} on model {model_id} for {format_amount(e['price'], asset)}, "
        + ("perpetual" if e["expiry"] >= 2**64 - 1 else f"valid until {format_date(e['expiry'])}"),
        license=e["licenseId"], model=model_id, price=e["price"], expiry=e["expiry"],
        tx=tx.tx_hash,
    )  # fmt: skip


@license_.command()
@click.argument("license_id", type=int)
@click.option("--max-price", default=None, help="Refuse above this (default: the offer's price).")
@click.pass_context
@operation
def renew(ctx: click.Context, license_id: int, max_price: str | None) -> None:
    """Renew a license (extends from max(now, expiry))."""
    ops = ops_of(ctx)
    licenses = ops.contract("LicenseManager")
    held = licenses.functions.license(license_id).call()
    offer = licenses.functions.offer(int(held[1])).call()
    model_id, price = int(offer[0]), int(offer[1])
    asset = ops.model_asset(model_id)
    ceiling = parse_amount(max_price, asset) if max_price else price
    renewal = licenses.functions.renew(license_id, ceiling)
    value = ops.pay_value(asset, price, licenses.address, "renew", renewal)
    tx = ops.send("renew", renewal, value)
    e = ops.event(licenses, "LicenseRenewed", tx)
    ops.done(
        f"license {license_id} renewed for {format_amount(e['price'], asset)}, valid until "
        f"{format_date(e['newExpiry'])}",
        license=license_id, price=e["price"], expiry=e["newExpiry"], tx=tx.tx_hash,
    )  # fmt: skip


@click.group()
def revenue() -> None:
    """Sweep consumed credits into the router and claim revenue."""


@revenue.command()
@click.option("--model", "model_id", type=int, required=True)
@click.pass_context
@operation
def sweep(ctx: click.Context, model_id: int) -> None:
    """Route the value of a model's consumed credits to the RevenueRouter."""
    ops = ops_of(ctx)
    credits = ops.contract("UsageCredits")
    tx = ops.send("sweep", credits.functions.sweep(model_id))
    e = ops.event(credits, "RevenueSwept", tx)
    asset = ops.model_asset(model_id)
    ops.done(
        f"model {model_id}: {e['credits']} credits swept, {format_amount(e['value'], asset)} "
        "routed",
        model=model_id, credits=e["credits"], value=e["value"], tx=tx.tx_hash,
    )  # fmt: skip


def _on_models(fn: Any) -> Any:
    """The shared head of the revenue commands: one or more ``--model``, the context and the
    failure convention."""
    fn = click.pass_context(operation(fn))
    return click.option("--model", "model_ids", type=int, multiple=True, required=True)(fn)


@revenue.command(name="show")
@click.option("--account", "who", default=None, help="Whose balance (default: the account).")
@_on_models
def revenue_show(ctx: click.Context, model_ids: tuple[int, ...], who: str | None) -> None:
    """What an account can claim from each model."""
    ops = ops_of(ctx)
    router = ops.contract("RevenueRouter")
    account = to_checksum_address(who or ops.account.address)
    rows = []
    for model_id in model_ids:
        amount = int(router.functions.claimable(model_id, account).call())
        rows.append((model_id, amount, ops.model_asset(model_id)))
    ops.done(
        "\n".join(f"model {m}: {format_amount(a, s)} claimable by {account}" for m, a, s in rows),
        account=account, claimable={str(m): a for m, a, _ in rows},
    )  # fmt: skip


@revenue.command()
@click.option("--to", "to", default=None, help="Pay to (default: the account).")
@_on_models
def claim(ctx: click.Context, model_ids: tuple[int, ...], to: str | None) -> None:
    """Claim the account's revenue from one or more models."""
    ops = ops_of(ctx)
    router = ops.contract("RevenueRouter")
    fn = router.functions
    call = fn.claimTo(list(model_ids), to_checksum_address(to)) if to else fn.claim(list(model_ids))
    tx = ops.send("claim", call)
    claimed = router.events.RevenueClaimed().process_receipt({"logs": list(tx.logs)})
    paid = {int(c["args"]["modelId"]): int(c["args"]["amount"]) for c in claimed}
    lines = [f"model {m}: claimed {format_amount(a, ops.model_asset(m))}" for m, a in paid.items()]
    ops.done("\n".join(lines) or "nothing to claim", claimed={str(m): a for m, a in paid.items()},
             tx=tx.tx_hash)  # fmt: skip


@click.group()
def shares() -> None:
    """A fractionalized model's shares: claim revenue, delegate votes."""


def shares_of(ops: Ops, model_id: int) -> tuple[str, str]:
    """(shares, governor) of a fractionalized model, from the Fractionalizer's last event."""
    fractionalizer = ops.contract("Fractionalizer")
    logs = fractionalizer.events.ModelFractionalized().get_logs(
        from_block=0, argument_filters={"modelId": model_id}
    )
    if not logs:
        raise NotFound(f"model {model_id} was never fractionalized (no ModelFractionalized)")
    args = logs[-1]["args"]
    return str(args["shares"]), str(args["governor"])


@shares.command(name="claim")
@click.option("--model", "model_id", type=int, required=True)
@click.pass_context
@operation
def shares_claim(ctx: click.Context, model_id: int) -> None:
    """Claim the account's part of the revenue routed to the model's shares."""
    ops = ops_of(ctx)
    token = ops.at("ModelShares", shares_of(ops, model_id)[0])
    before = int(token.functions.claimable(ops.account.address).call())
    tx = ops.send("claim", token.functions.claim())
    asset = ops.model_asset(model_id)
    ops.done(f"model {model_id}: claimed about {format_amount(before, asset)} as a shareholder",
             model=model_id, claimable=before, tx=tx.tx_hash)  # fmt: skip


@shares.command()
@click.option("--model", "model_id", type=int, required=True)
@click.option("--to", "delegatee", default=None, help="Delegate to (default: the account).")
@click.pass_context
@operation
def delegate(ctx: click.Context, model_id: int, delegatee: str | None) -> None:
    """Delegate the account's share votes (to itself by default: votes count only delegated)."""
    ops = ops_of(ctx)
    token = ops.at("ModelShares", shares_of(ops, model_id)[0])
    to = to_checksum_address(delegatee or ops.account.address)
    tx = ops.send("delegate", token.functions.delegate(to))
    ops.done(f"model {model_id}: share votes delegated to {to}", model=model_id, to=to,
             tx=tx.tx_hash)  # fmt: skip


@click.group()
def gateway() -> None:
    """Fund a gateway key (it pays gas to settle)."""


@gateway.command()
@click.argument("address")
@click.option("--amount", required=True, help="ETH to send, e.g. 0.05.")
@click.pass_context
@operation
def fund(ctx: click.Context, address: str, amount: str) -> None:
    """Send ETH to a gateway key."""
    ops = ops_of(ctx)
    to = to_checksum_address(address)
    value = parse_amount(amount)
    tx = ops.send("fund", {"to": to, "data": b""}, value)
    balance = int(ops.w3.eth.get_balance(to))
    ops.done(f"sent {format_amount(value)} to {to}; balance {format_amount(balance)}",
             to=to, value=value, balance=balance, tx=tx.tx_hash)  # fmt: skip
