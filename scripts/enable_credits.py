"""Enable usage credits for a model and allow its gateways: ``ape run enable_credits``.

    ape run enable_credits MODEL_ID --credit-value 1000000000000 --gateway 0xGATEWAY ...

The credit value is fixed forever once set. Gateways already allowed are left as they are,
so the script is safe to re-run.
"""

from __future__ import annotations

import click
from ape.cli import ConnectedProviderCommand

from modelmint.deploy.fork import apply_upstream_env
from modelmint.deploy.operator import operator_options
from modelmint.deploy.roles import Role

apply_upstream_env()


@click.command(cls=ConnectedProviderCommand)
@operator_options(Role.MODEL_OWNER)
@click.argument("model_id", type=int)
@click.option("--credit-value", type=int, required=True, help="Payment-asset units per credit.")
@click.option("--gateway", "gateways", multiple=True, help="Gateway address to allow (repeatable).")
def cli(provider, account, model_id, credit_value, gateways, deployment):
    """Enable credits on MODEL_ID as its owner (--account)."""
    registry = deployment.contract("registry")
    credits = deployment.contract("credits")
    current = credits.modelCredits(model_id).creditValue
    if current == 0:
        tx = credits.enableCredits(model_id, credit_value, sender=account)
        click.echo(f"credits enabled at {credit_value} per credit (gas {tx.gas_used})")
    elif current != credit_value:
        raise click.ClickException(f"credits already enabled at {current}; the value is fixed")
    else:
        click.echo(f"credits already enabled at {current}")
    for gw in gateways:
        if registry.isGateway(model_id, gw):
            click.echo(f"gateway {gw} already allowed")
            continue
        tx = registry.setGateway(model_id, gw, True, sender=account)
        click.echo(f"gateway {gw} allowed (gas {tx.gas_used})")
