"""``modelmint``: one command tree for everything a person does with Modelmint (docs/CLI.md).

    modelmint call /v1/predict --json '{"inputs": [[0, 1, 2]]}' --budget 0.001ETH
    modelmint call /v1/predict --license --json '{"inputs": [[0, 1, 2]]}'
    modelmint channels [--recover] [--unhalt ID]     modelmint close ID [--redeem|--now]
    modelmint redeem --model 1
    modelmint model register|show|publish-version|set-gateway|enable-credits|create-offer ...
    modelmint license buy|renew ...     modelmint revenue sweep|show|claim ...
    modelmint shares claim|delegate ... modelmint gateway fund ...
    modelmint gov propose|vote|queue|execute|show [--model N] ...
    modelmint protocol set-fee|set-treasury|allow-token|flag ...    (an admin account)

Settings (network, deployment record, account, gateway...) are given once: flags, then the
environment (``MODELMINT_RPC``, ``MODELMINT_RECORD``, ``MODELMINT_ACCOUNT``,
``MODELMINT_GATEWAY``, ``MODELMINT_BUDGET``...), then a profile file
(:mod:`modelmint.client.settings`). The key: ``MODELMINT_PRIVATE_KEY`` (or ``MODELMINT_KEY``),
or a keystore account (an ape alias or a file), never a profile. ``MODELMINT_WALLET``: an
AgentWallet that pays (the key is its agent key). Errors print one line
``error: <code>: <message>`` (or a JSON object with ``--output json``) and exit 2.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from modelmint.client.budget import Budget
from modelmint.client.client import Client
from modelmint.client.commands import Ops, fail
from modelmint.client.commands.card import card, weights
from modelmint.client.commands.gov import gov
from modelmint.client.commands.owner import (
    gateway,
    license_,
    model,
    protocol,
    revenue,
    shares,
)
from modelmint.client.errors import ClientError
from modelmint.client.funding import ChannelPolicy
from modelmint.client.settings import Settings
from modelmint.client.signer import Signer
from modelmint.client.units import asset_of, format_amount, format_date, parse_amount
from modelmint.errors import ModelmintError


def _client(ctx: click.Context, **overrides: Any) -> Client:
    settings: Settings = ctx.obj["settings"]
    try:
        key = settings.load_account(lambda text: click.prompt(text, hide_input=True))
        rpc, wallet = settings.get("rpc"), settings.values["wallet"]
    except ModelmintError as exc:
        _fail(ctx, exc)
        raise
    signer = Signer.smart_wallet(wallet, key) if wallet else Signer.eoa(key)
    return Client(
        settings.get("gateway"),
        signer,
        rpc_url=rpc,
        state_dir=Path(settings.get("state")),
        credits_address=settings.values["credits"],
        **overrides,
    )


def _fail(ctx: click.Context, exc: ClientError | ModelmintError) -> None:
    fail(ctx.obj["output"], exc)


class _Tree(click.Group):
    """The command tree, whose usage errors are one line too: ``error: usage: <what>
    (see `<command> --help`)``, exit 2."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "modelmint"
            click.echo(f"error: usage: {exc.format_message()} (see `{where} --help`)", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"error: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("error: aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _setting(name: str, help: str, **kw: Any) -> Any:
    return click.option(f"--{name}", name.replace("-", "_"), default=None, help=help, **kw)


@click.group(cls=_Tree)
@_setting("profile", "Profile of the profile file (env MODELMINT_PROFILE; default: default).")
@_setting("rpc", "JSON-RPC URL of the chain (env MODELMINT_RPC).")
@_setting("record", "Deployment record JSON (env MODELMINT_RECORD).")
@_setting("account", "ape keystore alias or keystore file (env MODELMINT_ACCOUNT).")
@click.option("--key", default=None, hidden=True, help="Signing key (hex); prefer the env var.")
@_setting("gateway", "Gateway base URL (env MODELMINT_GATEWAY).")
@_setting("wallet", "AgentWallet that pays; the key is its agent key (env MODELMINT_WALLET).")
@_setting("credits", "Pin the UsageCredits address the gateway must name.")
@_setting("state", "Channel state directory (env MODELMINT_STATE; default ~/.modelmint).")
@_setting("confirmations", "Blocks to wait after a transaction is mined (default 1).", type=int)
@click.option(
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    envvar="MODELMINT_OUTPUT",
    help="Human text or one JSON document for scripts.",
)
@click.pass_context
def main(
    ctx: click.Context, output: str, profile: str | None, key: str | None, **flags: Any
) -> None:
    """Operate Modelmint: call paid models, and every owner, buyer, shareholder and governor
    action on chain."""
    ctx.obj = {"output": output}
    try:
        env = dict(os.environ)
        if key:
            env["MODELMINT_PRIVATE_KEY"] = key
        settings = Settings.resolve(flags, profile=profile, env=env)
    except ModelmintError as exc:
        fail(output, exc)
    ctx.obj.update(settings=settings, ops=Ops(settings, output))


for _group in (model, license_, revenue, shares, gateway, gov, protocol, card, weights):
    main.add_command(_group)


def _budget(ctx: click.Context, given: str | None) -> int:
    """The spending limit (base units), printed to stderr before anything is spent."""
    settings: Settings = ctx.obj["settings"]
    try:
        text = given or settings.get("budget")
        value = int(text) if text.strip().isdigit() else parse_amount(text)
    except ModelmintError as exc:
        _fail(ctx, exc)
        raise
    except ValueError as exc:
        _fail(ctx, ClientError(f"--budget: {exc}"))
        raise
    click.echo(
        f"budget: at most {value} base units of the model's payment asset "
        f"({format_amount(value)} for an ETH model)",
        err=True,
    )
    return value


def _notice(event: str, fields: dict[str, Any]) -> None:
    """Says on stderr what the client did with money or channels."""
    if event == "channel_not_adopted":
        click.echo(
            f"note: channel {fields['channel']} (opened elsewhere with this key, "
            f"{fields['deposit']} credits) not used; pass --adopt to use it",
            err=True,
        )
    elif event in ("channel_opened", "channel_topped_up"):
        click.echo(f"{event.replace('_', ' ')}: {fields}", err=True)


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
    default=None,
    help="Most to pay for credits in this run: base units of the model's payment asset "
    "(wei) or an amount with its unit (0.001ETH). Required to pay (or MODELMINT_BUDGET, or "
    "`budget` in the profile).",
)
@click.option(
    "--adopt",
    is_flag=True,
    help="Also use channels this key opened elsewhere (found on chain, not in --state).",
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
    budget: str | None,
    adopt: bool,
    calls_per_channel: int,
    license_mode: bool,
    commercial: bool,
) -> None:
    """Call PATH on the gateway (one body, or every line of --input), paying as needed but
    never more than --budget; channels opened elsewhere are used only with --adopt."""
    bodies = _bodies(json_body, input_file)
    text = ctx.obj["output"] == "text"
    limit = None if license_mode else _budget(ctx, budget)
    client = _client(
        ctx,
        budget=Budget(max_value=limit),
        policy=ChannelPolicy(calls_per_channel=calls_per_channel),
        mode="license" if license_mode else "credits",
        commercial=commercial,
        adopt=adopt,
        on_event=_notice,
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
                    "channel": str(result.channel_id) if result.channel_id else None,
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


class ChannelIdType(click.ParamType):
    """A channel id (the hash of its terms): a uint256 in decimal or 0x-hex."""

    name = "channel_id"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().lower()
        try:
            number = int(text, 16) if text.startswith("0x") else int(text, 10)
        except ValueError:
            self.fail(f"{value!r} is not a channel id (a decimal or 0x-hex uint256)", param, ctx)
        if not 0 <= number < 2**256:
            self.fail(f"{value!r} is not a uint256", param, ctx)
        return number


CHANNEL_ID = ChannelIdType()


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
    type=CHANNEL_ID,
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
        f"{'model':>5} {'salt':>4} {'status':<7} {'charged':>9} {'deposit':>9} {'calls':>6} "
        f"{'expiry (UTC)':<19} {'gateway':<42} id"
    )
    for r in records:
        click.echo(
            f"{r.model_id:>5} {r.salt:>4} {r.status:<7} {r.charged:>9} {r.deposit:>9} "
            f"{r.calls:>6} {format_date(r.expiry)[:19]:<19} {r.gateway} {r.channel_id}"
            + (f"  ({r.reason})" if r.reason else "")
        )


@main.command()
@click.argument("channel_id", type=CHANNEL_ID, required=False)
@click.option("--expired", is_flag=True, help="Close every channel past its grace period.")
@click.option("--redeem", is_flag=True, help="Redeem the refunded credits too.")
@click.option("--now", is_flag=True, help="Close now through the gateway (cooperative, no gas).")
@click.pass_context
def close(
    ctx: click.Context, channel_id: int | None, expired: bool, redeem: bool, now: bool
) -> None:
    """Close a channel after expiry + grace (or --now, through its gateway at the charged
    total: the rest is refunded in the model's asset at once) and get the unused credits back."""
    if channel_id is None and not expired:
        raise click.UsageError("give a CHANNEL_ID or --expired")
    client = _client(ctx)
    try:
        if now and channel_id is not None:
            done = [client.close_cooperatively(channel_id)]
        else:
            done = (
                client.close_expired(redeem=redeem)
                if expired
                else [client.close(channel_id, redeem=redeem)]  # type: ignore[arg-type]
            )
    except ClientError as exc:
        _fail(ctx, exc)
        return
    if ctx.obj["output"] == "json":  # ids as decimal strings, like every JSON id
        click.echo(json.dumps([{**d, "channel": str(d["channel"])} for d in done]))
        return
    if not done:
        click.echo("nothing to close")
    for d in done:
        line = f"channel {d['channel']}: closed, {d['refunded']} credits refunded"
        if "redeemedValue" in d:
            record = client.channel(d["channel"])
            assert record is not None  # closed from this state directory
            shown = _value(client, record.credits_contract, record.model_id, d["redeemedValue"])
            line += f", redeemed for {shown}"
        click.echo(line)


@main.command()
@click.option("--model", "model_id", type=int, required=True)
@click.option("--amount", type=int, default=None, help="Credits to redeem (default: all free).")
@click.pass_context
def redeem(ctx: click.Context, model_id: int, amount: int | None) -> None:
    """Redeem free credits of a model for their value."""
    client = _client(ctx)
    try:
        credits = ctx.obj["settings"].values["credits"]
        credits = credits or ctx.obj["ops"].contract("UsageCredits").address
        value = client.redeem(credits, model_id, amount)
        shown = _value(client, credits, model_id, value)
    except (ClientError, ModelmintError) as exc:
        _fail(ctx, exc)
        return
    if ctx.obj["output"] == "json":
        click.echo(json.dumps({"model": model_id, "value": value}))
    else:
        click.echo(f"redeemed for {shown}")


def _value(client: Client, credits: str, model_id: int, value: int) -> str:
    """``value`` in the model's payment asset, with its symbol and decimals."""
    asset = client.chain_for(credits).terms(model_id).asset
    return format_amount(value, asset_of(client.w3, asset))


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
