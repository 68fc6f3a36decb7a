"""The operator side of the ``modelmint`` command tree: one context (:class:`Ops`) that every
command shares (settings resolved once, the chain, the deployment record's contracts, the
account, sending with progress) and the output/failure conventions.

Every command prints human text (amounts with their symbol, durations, dates) or, with
``--output json``, one JSON document on stdout; progress goes to stderr; any failure is one
line (``error: <code>: <message>``, or ``{"error": {...}}`` on stdout with ``--output json``)
and exit status 2.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar, cast

import click
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from requests.exceptions import RequestException
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.logs import DISCARD

from modelmint.abi import load_abi
from modelmint.client.errors import ClientError, NotFound, TransactionFailed
from modelmint.client.settings import Settings
from modelmint.client.tx import TxResult, estimate, send
from modelmint.client.units import Asset, asset_of, format_amount
from modelmint.errors import ModelmintError
from modelmint.records import Record

F = TypeVar("F", bound=Callable[..., Any])
# What an ERC-20 payment reverts with before its approval (ERC-6093, OpenZeppelin's tokens).
_NO_ALLOWANCE = "ERC20InsufficientAllowance"


class Ops:
    """What a command needs, built lazily from the resolved :class:`Settings`."""

    def __init__(self, settings: Settings, output: str = "text"):
        self.settings = settings
        self.output = output

    @cached_property
    def w3(self) -> Web3:
        return Web3(HTTPProvider(self.settings.get("rpc"), request_kwargs={"timeout": 30}))

    @cached_property
    def record(self) -> Record:
        path = Path(self.settings.get("record")).expanduser()
        if not path.is_file():
            raise NotFound(f"no deployment record at {path} (setting `record`)")
        return Record.load(path)

    @cached_property
    def account(self) -> LocalAccount:
        return self.settings.load_account(lambda text: click.prompt(text, hide_input=True))

    def contract(self, name: str) -> Contract:
        """The deployed contract ``name`` (Solidity name) of the deployment record."""
        address = self.record.address_of(name)
        if address is None:
            raise NotFound(f"{self.record.path} has no deployed {name}")
        return self.at(name, address)

    def at(self, abi: str, address: str) -> Contract:
        return self.w3.eth.contract(address=to_checksum_address(address), abi=load_abi(abi))

    def send(self, label: str, call: Any, value: int = 0) -> TxResult:
        return send(
            self.w3,
            self.account,
            call,
            label=label,
            value=value,
            progress=lambda line: click.echo(line, err=True),
            confirmations=int(self.settings.get("confirmations")),
        )

    def event(self, contract: Contract, name: str, tx: TxResult) -> dict[str, Any]:
        """The arguments of the first ``name`` event ``contract`` emitted in ``tx``."""
        found = getattr(contract.events, name)().process_receipt(
            {"logs": list(tx.logs)}, errors=DISCARD
        )
        if not found:
            raise NotFound(f"no {name} event in {tx.tx_hash}")
        return dict(found[0]["args"])

    def model_asset(self, model_id: int) -> Asset:
        registry = self.contract("ModelRegistry")
        return asset_of(self.w3, registry.functions.paymentAsset(model_id).call())

    def pay_value(self, asset: Asset, amount: int, spender: str, label: str, call: Any) -> int:
        """The ETH to send with ``call`` (labelled ``label``), a payment of ``amount``. For an
        ERC-20, approves ``spender`` for ``amount`` unless it already may spend it, and only
        once ``call`` is known to fail for nothing but that allowance: a payment that would
        revert anyway (or exceed the balance) sends nothing, not even the approval."""
        if asset.is_eth:
            return amount
        token = self.at("ERC20", asset.address)
        owner, spender = self.account.address, to_checksum_address(spender)
        if token.functions.allowance(owner, spender).call() >= amount:
            return 0
        balance = int(token.functions.balanceOf(owner).call())
        if balance < amount:
            raise ClientError(
                f"{label} needs {format_amount(amount, asset)}; the account holds "
                f"{format_amount(balance, asset)}; nothing sent"
            )
        try:
            estimate(self.w3, self.account, call, label=label)
        except TransactionFailed as exc:
            if exc.revert is None or not exc.revert.is_(_NO_ALLOWANCE):
                raise
        self.send("approve", token.functions.approve(spender, amount))
        return 0

    def done(self, text: str, **data: Any) -> None:
        """The command's result: ``text`` for people, ``data`` as JSON for scripts."""
        if self.output == "json":
            click.echo(json.dumps(_plain(data)))
        else:
            click.echo(text)


def ops_of(ctx: click.Context) -> Ops:
    return cast(Ops, ctx.find_object(Ops) or ctx.obj["ops"])


def fail(output: str, exc: ClientError | ModelmintError) -> None:
    """Prints ``exc`` as one line (or one JSON error document) and exits 2."""
    if output == "json":
        body = exc.to_json() if isinstance(exc, ClientError) else {"message": str(exc)}
        click.echo(json.dumps({"error": body}))
    else:
        click.echo(f"error: {exc}".splitlines()[0], err=True)
    sys.exit(2)


def operation(fn: F) -> F:
    """Runs a command with the shared failure convention (one line, exit 2)."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context()
        output = ctx.obj["output"] if isinstance(ctx.obj, dict) else "text"
        try:
            return fn(*args, **kwargs)
        except (ClientError, ModelmintError) as exc:
            fail(output, exc)
        except ValueError as exc:  # a bad amount, duration or date
            fail(output, ClientError(str(exc).splitlines()[0]))
        except (RequestException, OSError) as exc:
            fail(output, ClientError(f"cannot reach the chain: {type(exc).__name__}: {exc}"))

    return cast(F, run)


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
