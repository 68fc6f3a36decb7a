"""Register a model from a real weights file: ``ape run register_model``.

    ape run register_model --network ethereum:local:foundry --account TEST::1 \\
        model.safetensors --version-uri ipfs://... --metadata-uri ipfs://... [--asset USDC]

The weights file is hashed (streamed sha256, modelmint.weights); the registry address comes
from deployments/<network>.json. ``--asset`` is ``ETH`` (default), an address, or a name
from the record (e.g. a token deployed or seeded there). Prints the new model id.
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand
from eth_utils import is_address, to_checksum_address

from modelmint.deploy.fork import apply_upstream_env
from modelmint.deploy.models import register_model
from modelmint.deploy.operator import operator_options
from modelmint.deploy.roles import Role
from modelmint.weights import weights_hash

apply_upstream_env()

ZERO_ADDRESS = "0x" + "00" * 20


def _asset(value: str, record: dict) -> str:
    if value.upper() == "ETH":
        return ZERO_ADDRESS
    if is_address(value):
        return to_checksum_address(value)
    entry = record.get("contracts", {}).get(value)
    if entry and entry.get("address"):
        return entry["address"]
    raise click.ClickException(f"payment asset {value!r} is not ETH, an address or in the record")


@click.command(cls=ConnectedProviderCommand)
@operator_options(Role.MODEL_OWNER)
@click.argument("weights", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--version-uri", required=True, help="Where version 1 can be fetched.")
@click.option("--metadata-uri", required=True, help="Model card / metadata location.")
@click.option("--asset", default="ETH", show_default=True, help="ETH, an address or a name.")
def cli(provider, account, weights, version_uri, metadata_uri, asset, deployment):
    """Hash WEIGHTS and register it as a new model owned by --account."""
    registry = deployment.contract("registry")
    payment = _asset(asset, deployment.data)
    digest = weights_hash(weights)
    click.echo(f"weights {weights} ({weights.stat().st_size:,} bytes): sha256 0x{digest.hex()}")
    model_id, tx = register_model(
        registry, account, digest, version_uri, metadata_uri, asset=payment
    )
    click.echo(
        f"registered model {model_id} owned by {account.address} "
        f"(payment asset {payment}, tx {tx.txn_hash}, gas {tx.gas_used})"
    )
