"""``modelmint``: call a paid model, list and close channels, redeem credits.

    modelmint call /v1/predict --json '{"inputs": [[0, 1, 2]]}'
    modelmint call /v1/predict --input rows.jsonl --budget 1000000000000000 --output json
    modelmint call /v1/predict --license --json '{"inputs": [[0, 1, 2]]}'
    modelmint channels [--output json] [--recover] [--unhalt ID]
    modelmint close ID [--redeem]          # or: modelmint close --expired --redeem
    modelmint redeem --model 1

Settings come from options or the environment: ``MODELMINT_GATEWAY`` (gateway URL),
``MODELMINT_RPC`` (JSON-RPC URL), ``MODELMINT_KEY`` (the signing key, hex),
``MODELMINT_WALLET`` (an AgentWallet that pays; the key is its agent key, which signs
receipts directly and access statements in the wallet's wrapped ERC-1271 form), ``MODELMINT_STATE`` (state directory, default ``~/.modelmint``). Errors print one
line ``error: <code>: <message>`` (or a JSON object with ``--output json``) and exit 2.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from modelmint.client.budget import Budget
from modelmint.client.client import Client
from modelmint.client.errors import ClientError
from modelmint.client.funding import ChannelPolicy
from modelmint.client.signer import Signer


def _client(ctx: click.Context, **overrides: Any) -> Client:
    o = ctx.obj
    if not o["key"]:
        raise click.UsageError("no signing key: pass --key or set MODELMINT_KEY")
    if not o["rpc"]:
        raise click.UsageError("no RPC URL: pass --rpc or set MODELMINT_RPC")
    signer = Signer.smart_wallet(o["wallet"], o["key"]) if o["wallet"] else Signer.eoa(o["key"])
    return Client(
        o["gateway"],
        signer,
        rpc_url=o["rpc"],
        state_dir=o["state"],
        credits_address=o["credits"],
        **overrides,
    )


def _fail(ctx: click.Context, exc: ClientError) -> None:
    if ctx.obj["output"] == "json":
        click.echo(json.dumps({"error": exc.to_json()}))
    else:
        click.echo(f"error: {exc}", err=True)
    ctx.exit(2)


@click.group()
@click.option(
    "--gateway",
    envvar="MODELMINT_GATEWAY",
    default="http://127.0.0.1:8402",
    show_default=True,
    help="Gateway base URL.",
)
@click.option("--rpc", envvar="MODELMINT_RPC", help="JSON-RPC URL of the chain.")
@click.option("--key", envvar="MODELMINT_KEY", help="Signing key (hex). Prefer the env var.")
@click.option(
    "--wallet",
    envvar="MODELMINT_WALLET",
    default=None,
    help="AgentWallet that pays; --key is its agent key (the owner lists the model and "
    "gateway, sets the budget and, for --license, allows access statements).",
)
@click.option(
    "--credits",
    envvar="MODELMINT_CREDITS",
    default=None,
    help="Pin the UsageCredits address the gateway must name.",
)
@click.option(
    "--state",
    envvar="MODELMINT_STATE",
    default="~/.modelmint",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Channel state directory.",
)
@click.option(
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Human text or one JSON document for scripts.",
)
@click.pass_context
def main(ctx: click.Context, **options: Any) -> None:
    """Pay Modelmint gateways for model calls."""
    ctx.obj = options


def _bodies(json_body: str | None, input_file: Path | None) -> list[Any]:
    if json_body is not None:
        return [json.loads(json_body)]
    if input_file is None:
        raise click.UsageError("give --json BODY or --input FILE.jsonl")
    lines = input_file.read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@main.command()
@click.argument("path")
@click.option("--json", "json_body", help="Request body (JSON).")
@click.option(
    "--input",
    "input_file",
    type=click.Path(exists=True, path_type=Path),
    help="JSON Lines file: one request body per line (a batch).",
)
@click.option(
    "--budget",
    type=int,
    default=None,
    help="Most to pay for credits in this run (payment-asset units, e.g. wei).",
)
@click.option(
    "--calls-per-channel",
    type=int,
    default=200,
    show_default=True,
    help="Size new channels for this many calls.",
)
@click.option(
    "--license",
    "--licence",
    "license_mode",
    is_flag=True,
    help="Call as a license holder (no payment).",
)
@click.option("--commercial", is_flag=True, help="Claim a commercial license.")
@click.pass_context
def call(
    ctx: click.Context,
    path: str,
    json_body: str | None,
    input_file: Path | None,
    budget: int | None,
    calls_per_channel: int,
    license_mode: bool,
    commercial: bool,
) -> None:
    """Call PATH on the gateway (one body, or every line of --input), paying as needed."""
    bodies = _bodies(json_body, input_file)
    text = ctx.obj["output"] == "text"
    client = _client(
        ctx,
        budget=Budget(max_value=budget),
        policy=ChannelPolicy(calls_per_channel=calls_per_channel),
        mode="license" if license_mode else "credits",
        commercial=commercial,
    )
    results: list[dict[str, Any]] = []
    error: ClientError | None = None
    with _progress(bodies, show=text and len(bodies) > 1) as items:
        for body in items:
            try:
                result = client.call(path, json=body)
            except ClientError as exc:
                error = exc
                break
            results.append(
                {
                    "status": result.status,
                    "result": result.json(),
                    "charged": result.charged,
                    "channel": result.channel_id,
                    "chargedTotal": result.charged_total,
                }
            )
    charged = sum(r["charged"] for r in results)
    if text:
        for r in results if len(results) == 1 else []:
            click.echo(json.dumps(r["result"]))
        click.echo(
            f"{len(results)} call(s), {charged} credits charged"
            + (f", channel {results[-1]['channel']}" if results and results[-1]["channel"] else ""),
            err=len(results) == 1,
        )
    else:
        out: dict[str, Any] = {"calls": len(results), "charged": charged, "results": results}
        if error is not None:
            out["error"] = error.to_json()
        click.echo(json.dumps(out))
    if error is not None:
        if text:
            click.echo(f"error: {error} (after {len(results)} call(s))", err=True)
        ctx.exit(2)


@main.command()
@click.option(
    "--recover",
    "recover",
    default=None,
    metavar="CREDITS_ADDRESS",
    help="First rebuild missing records from the chain's ChannelOpened logs.",
)
@click.option(
    "--unhalt",
    type=int,
    default=None,
    metavar="ID",
    help="Allow signing on a halted channel again.",
)
@click.pass_context
def channels(ctx: click.Context, recover: str | None, unhalt: int | None) -> None:
    """List this consumer's channels (state directory)."""
    client = _client(ctx)
    try:
        if recover:
            client.recover(recover)
        if unhalt is not None:
            client.unhalt(unhalt)
    except ClientError as exc:
        _fail(ctx, exc)
    records = client.channels()
    if ctx.obj["output"] == "json":
        click.echo(json.dumps([r.to_json() for r in records]))
        return
    if not records:
        click.echo("no channels")
        return
    click.echo(
        f"{'id':>5} {'model':>5} {'status':<7} {'charged':>9} {'deposit':>9} {'calls':>6} "
        f"{'expiry':>11} gateway"
    )
    for r in records:
        click.echo(
            f"{r.channel_id:>5} {r.model_id:>5} {r.status:<7} {r.charged:>9} "
            f"{r.deposit:>9} {r.calls:>6} {r.expiry:>11} {r.gateway}"
            + (f"  ({r.reason})" if r.reason else "")
        )


@main.command()
@click.argument("channel_id", type=int, required=False)
@click.option("--expired", is_flag=True, help="Close every channel past its grace period.")
@click.option("--redeem", is_flag=True, help="Redeem the refunded credits too.")
@click.pass_context
def close(ctx: click.Context, channel_id: int | None, expired: bool, redeem: bool) -> None:
    """Close a channel after expiry + grace and get the unused credits back."""
    if channel_id is None and not expired:
        raise click.UsageError("give a CHANNEL_ID or --expired")
    client = _client(ctx)
    try:
        done = (
            client.close_expired(redeem=redeem)
            if expired
            else [client.close(channel_id, redeem=redeem)]  # type: ignore[arg-type]
        )
    except ClientError as exc:
        _fail(ctx, exc)
        return
    if ctx.obj["output"] == "json":
        click.echo(json.dumps(done))
        return
    if not done:
        click.echo("nothing to close")
    for d in done:
        line = f"channel {d['channel']}: closed, {d['refunded']} credits refunded"
        if "redeemedValue" in d:
            line += f", redeemed for {d['redeemedValue']}"
        click.echo(line)


@main.command()
@click.option("--model", "model_id", type=int, required=True)
@click.option("--amount", type=int, default=None, help="Credits to redeem (default: all free).")
@click.pass_context
def redeem(ctx: click.Context, model_id: int, amount: int | None) -> None:
    """Redeem free credits of a model for their value."""
    if not ctx.obj["credits"]:
        raise click.UsageError("pass --credits (the UsageCredits address)")
    client = _client(ctx)
    try:
        value = client.redeem(ctx.obj["credits"], model_id, amount)
    except ClientError as exc:
        _fail(ctx, exc)
        return
    if ctx.obj["output"] == "json":
        click.echo(json.dumps({"model": model_id, "value": value}))
    else:
        click.echo(f"redeemed for {value}")


class _progress:
    """click's progress bar on stderr for batches; a plain iterator otherwise."""

    def __init__(self, items: list[Any], show: bool):
        self.items, self.show = items, show
        self.bar: Any = None

    def __enter__(self) -> Iterator[Any]:
        if not self.show:
            return iter(self.items)
        self.bar = click.progressbar(self.items, label="calls", file=sys.stderr, show_pos=True)
        bar: Iterator[Any] = self.bar.__enter__()
        return bar

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


if __name__ == "__main__":
    main()
