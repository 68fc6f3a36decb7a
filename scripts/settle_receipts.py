"""A gateway settles a file of signed receipts in one transaction: ``ape run settle_receipts``.

    ape run settle_receipts receipts.json --account gateway

The file is a JSON list of ``SignedReceipt.to_json()`` entries (channel_id,
cumulative_credits, deadline, signature). Only the highest cumulative receipt per channel is
kept; receipts already settled are dropped, each remaining one is verified off-chain
(``UsageCredits.verifyReceipt``) and the batch is grouped by model so the router is paid once
per model. Re-running with the same file sends nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, account_option

from modelmint.deploy.fork import apply_upstream_env
from modelmint.deploy.operator import acting_account, deployed, deployments_dir, load_record
from modelmint.receipts import SignedReceipt

apply_upstream_env()


def select_receipts(credits, receipts: list[SignedReceipt]) -> list[SignedReceipt]:
    """The highest valid receipt per channel that is above what is settled, ordered by model.

    Signatures are checked first (``verifyReceipt``), so a forged or corrupted entry can never
    displace a valid lower receipt of the same channel."""
    latest: dict[int, SignedReceipt] = {}
    for r in receipts:
        if not credits.verifyReceipt(*r.settle_args()):
            click.echo(
                f"channel {r.receipt.channel_id}: signature does not verify, dropped", err=True
            )
            continue
        held = latest.get(r.receipt.channel_id)
        if held is None or r.receipt.cumulative_credits > held.receipt.cumulative_credits:
            latest[r.receipt.channel_id] = r
    chosen = []
    for channel_id, r in latest.items():
        channel = credits.channel(channel_id)
        if r.receipt.cumulative_credits > channel.settled:
            chosen.append((channel.modelId, channel_id, r))
    return [r for _, _, r in sorted(chosen, key=lambda t: (t[0], t[1]))]


@click.command(cls=ConnectedProviderCommand)
@account_option(prompt=False)
@click.argument("receipts_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--deployments-dir", "dir_opt", type=click.Path(file_okay=False, path_type=Path))
def cli(provider, account, receipts_file, dir_opt):
    """Settle RECEIPTS_FILE as the channels' gateway (--account)."""
    from ape import project

    account = acting_account(provider, account, 5)  # test account 5: the gateway
    record = load_record(deployments_dir(dir_opt), provider)
    credits = deployed(project, record, "credits", "UsageCredits")
    receipts = [SignedReceipt.from_json(e) for e in json.loads(receipts_file.read_text())]
    batch = select_receipts(credits, receipts)
    if not batch:
        click.echo(f"{len(receipts)} receipt(s) read; nothing to settle")
        return
    tx = credits.settle([r.settle_args() for r in batch], sender=account)
    settled = sum(e.credits for e in tx.decode_logs(credits.CreditsSettled))
    click.echo(
        f"{len(receipts)} receipt(s) read; settled {len(batch)} channel(s), {settled} credit(s) "
        f"in one transaction (gas {tx.gas_used}, {tx.gas_used // len(batch)} per channel)"
    )
