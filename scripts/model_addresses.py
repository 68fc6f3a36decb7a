"""Print a fractionalized model's shares, governor and timelock: ``ape run model_addresses``.

    ape run model_addresses --network ethereum:local:node 1

Reads views only (modelmint.deploy.operator.model_addresses); prints one JSON object.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import click
from ape.cli import ConnectedProviderCommand

from modelmint.deploy.fork import apply_upstream_env
from modelmint.deploy.operator import model_addresses, operator_options

apply_upstream_env()


@click.command(cls=ConnectedProviderCommand)
@click.argument("model_id", type=int)
@operator_options()
def cli(provider, model_id, deployment):
    """The contracts of MODEL_ID's latest fractionalization."""
    fractionalizer = deployment.contract("fractionalizer")
    found = model_addresses(fractionalizer, model_id)
    if found is None:
        raise click.ClickException(f"model {model_id} was never fractionalized")
    click.echo(json.dumps(asdict(found)))
