"""A gateway settles a file of signed receipts in one transaction: ``ape run settle_receipts``.

    ape run settle_receipts receipts.json --account gateway [--sweep]

The file is a JSON list of ``SignedReceipt.to_json()`` entries (channel_id as a decimal
string, cumulative_credits, deadline, signature) with the channel's terms besides the gateway
(``consumer``, ``model_id``, ``salt``: the channel id is their hash with the gateway, which is
the sender), each optionally with ``charged_credits``: the gateway's cumulative charge for the
channel (at most the signed ceiling; the ceiling when absent). An entry whose terms do not hash
to its channel id is dropped. Only the receipt with the highest charge per channel is kept;
receipts whose charge is already settled are dropped, each remaining one is verified off-chain
(``UsageCredits.verifyReceipt``) and the batch is grouped by model so each model's total is
updated once. Settlement records the charges; the value reaches the router with a sweep
(``--sweep`` sends one per settled model; anyone may sweep later instead). Re-running with the
same file sends nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from ape.cli import ConnectedProviderCommand

from modelmint.credits import ChannelTerms, rejection_reason
from modelmint.deploy.fork import apply_upstream_env
from modelmint.deploy.operator import operator_options
from modelmint.deploy.roles import Role
from modelmint.receipts import SignedReceipt

apply_upstream_env()


def terms_of(entry: dict[str, Any], gateway: str) -> ChannelTerms:
    """The terms of a receipts-file entry's channel, with ``gateway`` (the settling account)."""
    return ChannelTerms(entry["consumer"], gateway, int(entry["model_id"]), int(entry["salt"]))


def select_receipts(
    credits,
    receipts: list[SignedReceipt],
    charges: dict[SignedReceipt, int] | None = None,
    terms: dict[SignedReceipt, ChannelTerms] | None = None,
) -> list[SignedReceipt]:
    """The valid receipt with the highest charge per channel, where that charge is above what
    is settled, ordered by model. ``terms`` maps a receipt to its channel's terms (a receipt
    without them, or whose terms name another channel, is dropped); ``charges`` to the
    gateway's cumulative charge (default: its signed ceiling); settle each with
    ``r.settle_args(terms[r], charges.get(r))``.

    Signatures are checked first (``verifyReceipt``), so a forged or corrupted entry can never
    displace a valid lower receipt of the same channel."""
    charges, terms = charges or {}, terms or {}

    def charge(r: SignedReceipt) -> int:
        return charges.get(r, r.receipt.cumulative_credits)

    latest: dict[int, SignedReceipt] = {}
    for r in receipts:
        t = terms.get(r)
        if t is None or t.channel_id != r.receipt.channel_id:
            click.echo(f"channel {r.receipt.channel_id}: not the channel of its terms, dropped",
                       err=True)  # fmt: skip
            continue
        if not credits.verifyReceipt(*r.verify_args(t)):
            click.echo(
                f"channel {r.receipt.channel_id}: signature does not verify, dropped", err=True
            )
            continue
        held = latest.get(r.receipt.channel_id)
        if held is None or charge(r) > charge(held):
            latest[r.receipt.channel_id] = r
    chosen = []
    for channel_id, r in latest.items():
        channel = credits.channel(channel_id)
        if min(charge(r), channel.deposit) > channel.settled:
            chosen.append((terms[r].model_id, channel_id, r))
    return [r for _, _, r in sorted(chosen, key=lambda t: (t[0], t[1]))]


@click.command(cls=ConnectedProviderCommand)
@operator_options(Role.GATEWAY)
@click.argument("receipts_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--sweep",
    is_flag=True,
    help="Also sweep each settled model's revenue to the router (anyone may; once is enough).",
)
def cli(provider, account, receipts_file, deployment, sweep):
    """Settle RECEIPTS_FILE as the channels' gateway (--account)."""
    credits = deployment.contract("credits")
    entries = json.loads(receipts_file.read_text())
    receipts = [SignedReceipt.from_json(e) for e in entries]
    terms = {r: terms_of(e, account.address) for r, e in zip(receipts, entries, strict=True)}
    charges = {
        r: int(e["charged_credits"])
        for r, e in zip(receipts, entries, strict=True)
        if e.get("charged_credits") is not None
    }
    batch = select_receipts(credits, receipts, charges, terms)
    if not batch:
        click.echo(f"{len(receipts)} receipt(s) read; nothing to settle")
        return
    tx = credits.settle([r.settle_args(terms[r], charges.get(r)) for r in batch], sender=account)
    settled = sum(e.credits for e in tx.decode_logs(credits.CreditsSettled))
    for e in tx.decode_logs(credits.ReceiptRejected):  # skipped by the contract, never reverting
        click.echo(f"channel {e.channelId}: rejected ({rejection_reason(e.reason)})", err=True)
    click.echo(
        f"{len(receipts)} receipt(s) read; settled {len(batch)} channel(s), {settled} credit(s) "
        f"in one transaction (gas {tx.gas_used}, {tx.gas_used // len(batch)} per channel)"
    )
    if sweep:
        for model_id in sorted({terms[r].model_id for r in batch}):
            swept = credits.sweep(model_id, sender=account)
            click.echo(f"model {model_id}: swept {swept.return_value} to the router")
