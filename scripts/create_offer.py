"""Create a license offer for a model: ``ape run create_offer``.

    ape run create_offer --network ethereum:local:foundry MODEL_ID --price 100000000000000000 \\
        --days 30 --commercial --transferable --terms-uri ipfs://... --terms-file terms.md

Price is in the model's payment asset's smallest unit. ``--terms-file`` is hashed (sha256)
into the offer's terms hash. Prints the new offer id.
"""

from __future__ import annotations

from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand

from modelmint.constants import DAY
from modelmint.deploy.fork import apply_upstream_env
from modelmint.deploy.operator import operator_options
from modelmint.deploy.roles import Role
from modelmint.structs import OfferParams
from modelmint.weights import weights_hash

apply_upstream_env()


@click.command(cls=ConnectedProviderCommand)
@operator_options(Role.MODEL_OWNER)
@click.argument("model_id", type=int)
@click.option("--price", type=int, required=True, help="Smallest units of the payment asset.")
@click.option("--days", type=int, default=0, show_default=True, help="0 = perpetual.")
@click.option("--supply-cap", type=int, default=0, show_default=True, help="0 = unlimited.")
@click.option("--version-pin", type=int, default=0, show_default=True, help="0 = any version.")
@click.option("--commercial/--non-commercial", default=False)
@click.option("--transferable/--soulbound", default=True)
@click.option("--terms-uri", required=True)
@click.option(
    "--terms-file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True
)
def cli(
    provider,
    account,
    model_id,
    price,
    days,
    supply_cap,
    version_pin,
    commercial,
    transferable,
    terms_uri,
    terms_file,
    deployment,
):
    """Create an offer on MODEL_ID as its owner (--account)."""
    licenses = deployment.contract("licenses")
    params = OfferParams(
        model_id,
        price,
        duration=days * DAY,
        supply_cap=supply_cap,
        version_pin=version_pin,
        commercial=commercial,
        transferable=transferable,
        terms_uri=terms_uri,
        terms_hash=weights_hash(terms_file),
    )
    tx = licenses.createOffer(params, sender=account)
    (event,) = tx.decode_logs(licenses.OfferCreated)
    click.echo(f"offer {event.offerId} on model {model_id} (tx {tx.txn_hash}, gas {tx.gas_used})")
