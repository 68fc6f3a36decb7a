"""Fractionalize a model: ``ape run fractionalize``.

    ape run fractionalize MODEL_ID --name "Model 1 Shares" --symbol M1S --supply 1000000 \\
        --shares-weight 70 --recipient 0xCONTRIB:30 [--voting-period 50400 ...]

Creates the model's ModelShares (supply minted to --holder, default the owner), a per-model
governor + timelock, routes --shares-weight of the revenue to the shares (beside the listed
recipients) and hands the model NFT to the timelock, keeping the gateways allowed now (printed;
--drop-gateways lets them lapse). Irreversible except by a shareholder vote.
"""

from __future__ import annotations

import click
from ape.cli import ConnectedProviderCommand

from modelmint.abi import load_abi
from modelmint.client.onchain import allowed_gateways
from modelmint.deploy.fork import apply_upstream_env
from modelmint.deploy.operator import operator_options
from modelmint.deploy.roles import Role

apply_upstream_env()


def _web3_registry(provider, registry):
    return provider.web3.eth.contract(address=registry.address, abi=load_abi("ModelRegistry"))


def _recipient(value: str) -> tuple[str, int]:
    address, _, weight = value.partition(":")
    if not weight.isdigit():
        raise click.BadParameter(f"{value!r}: expected ADDRESS:WEIGHT")
    return address, int(weight)


@click.command(cls=ConnectedProviderCommand)
@operator_options(Role.MODEL_OWNER)
@click.argument("model_id", type=int)
@click.option("--name", required=True)
@click.option("--symbol", required=True)
@click.option("--supply", type=int, required=True, help="Whole shares (18 decimals).")
@click.option("--holder", default=None, help="Receives the shares (default: the owner).")
@click.option("--shares-weight", type=int, required=True)
@click.option("--recipient", "recipients", multiple=True, help="ADDRESS:WEIGHT (repeatable).")
@click.option("--voting-delay", type=int, default=7200, show_default=True, help="Blocks.")
@click.option("--voting-period", type=int, default=50400, show_default=True, help="Blocks.")
@click.option("--proposal-threshold", type=int, default=0, show_default=True, help="Whole shares.")
@click.option("--quorum", type=int, default=10, show_default=True, help="Percent of supply.")
@click.option("--timelock-delay", type=int, default=2 * 86400, show_default=True, help="Seconds.")
@click.option("--drop-gateways", is_flag=True,
              help="Let every gateway grant lapse (default: keep the gateways allowed now).")  # fmt: skip
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def cli(
    provider,
    account,
    model_id,
    name,
    symbol,
    supply,
    holder,
    shares_weight,
    recipients,
    voting_delay,
    voting_period,
    proposal_threshold,
    quorum,
    timelock_delay,
    drop_gateways,
    yes,
    deployment,
):
    """Fractionalize MODEL_ID as its owner (--account)."""
    registry = deployment.contract("registry")
    fractionalizer = deployment.contract("fractionalizer")
    if registry.ownerOf(model_id) != account.address:
        raise click.ClickException(f"{account.address} does not own model {model_id}")
    split = [_recipient(r) for r in recipients]
    gateways = (
        [] if drop_gateways else allowed_gateways(_web3_registry(provider, registry), model_id)
    )
    click.echo(f"keeping gateways: {', '.join(gateways)}" if gateways else "keeping no gateway")
    if not provider.network.is_dev and not yes:
        click.confirm(
            f"Hand model {model_id} to a shareholder timelock (irreversible without a vote)?",
            abort=True,
        )
    registry.approve(fractionalizer, model_id, sender=account)
    tx = fractionalizer.fractionalize(
        model_id,
        (name, symbol, holder or account.address, supply * 10**18),
        (voting_delay, voting_period, proposal_threshold * 10**18, quorum, timelock_delay),
        ([a for a, _ in split], [w for _, w in split], shares_weight),
        gateways,
        sender=account,
    )
    (event,) = tx.decode_logs(fractionalizer.ModelFractionalized)
    click.echo(
        f"model {model_id}: shares {event.shares}, governor {event.governor}, "
        f"timelock {event.timelock} (gas {tx.gas_used})"
    )
