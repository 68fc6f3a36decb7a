"""An autonomous agent that classifies a dataset through a paid gateway, from a budgeted
smart wallet, and stops cleanly at its budget.

The wallet (``AgentWallet``) holds the funds; its owner set the agent's budget in the
model's asset and listed the model and the gateway on chain. The agent holds only the agent
key: it signs receipts (each channel the wallet opens records the agent key as its receipt
signer) and buys and locks credits through the wallet, which refuses to spend past the
budget. Off chain the agent caps itself at the same remaining budget, so it stops before a
purchase would revert; every spend is an ``AgentSpent`` event of the wallet and a line of
the agent's JSON log.

    python -m modelmint.client.agent --gateway http://127.0.0.1:8402 --rpc http://127.0.0.1:8545 \\
        --wallet 0xWallet --dataset rows.jsonl --batch 8 --log agent.jsonl     # key: MODELMINT_KEY

    >>> report = run_agent(AgentSettings(...), rows)
    >>> report.items, report.charged, report.stopped
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import click
from web3 import HTTPProvider, Web3

from modelmint.abi import load_abi
from modelmint.client.budget import Budget
from modelmint.client.client import CallResult, Client
from modelmint.client.errors import BudgetExhausted, ClientError
from modelmint.client.funding import ChannelPolicy
from modelmint.client.signer import Signer
from modelmint.constants import ETH


@dataclass(frozen=True)
class AgentSettings:
    gateway_url: str
    rpc_url: str
    wallet: str
    agent_key: str
    route: str = "/v1/predict"
    batch: int = 8
    state_dir: Path = Path("~/.modelmint/agent")
    log_path: Path | None = None
    calls_per_channel: int = 50
    max_value: int | None = None  # an extra off-chain cap below the wallet's budget
    asset: str = ETH  # the model's payment asset: the wallet budget the agent spends


@dataclass(frozen=True)
class AgentReport:
    """What the agent did: ``stopped`` is ``"done"``, ``"budget"`` or an error code."""

    calls: int
    items: int
    charged: int
    paid: int
    stopped: str
    labels: list[int] = field(default_factory=list)
    channels: list[int] = field(default_factory=list)
    wallet_spent: int = 0
    wallet_budget: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("labels")
        out["channels"] = [str(c) for c in self.channels]  # ids as decimal strings
        return out


@dataclass
class _Tally:
    """What the agent's calls got so far (the first fields of its report)."""

    calls: int = 0
    items: int = 0
    charged: int = 0
    stopped: str = "done"
    labels: list[int] = field(default_factory=list)
    channels: list[int] = field(default_factory=list)

    def add(self, batch: list[Any], result: CallResult) -> None:
        self.calls += 1
        self.items += len(batch)
        self.charged += result.charged
        self.labels.extend(_labels(result.json()))
        if result.channel_id and result.channel_id not in self.channels:
            self.channels.append(result.channel_id)


class _Log:
    def __init__(self, path: Path | None, echo: Callable[[str], None] | None):
        self.fh = open(path, "a") if path else None  # noqa: SIM115 (closed in close())
        self.echo = echo

    def __call__(self, event: str, fields: dict[str, Any]) -> None:
        if isinstance(fields.get("channel"), int):  # ids as decimal strings
            fields = {**fields, "channel": str(fields["channel"])}
        line = json.dumps({"t": round(time.time(), 3), "event": event, **fields})
        if self.fh:
            self.fh.write(line + "\n")
            self.fh.flush()
        if self.echo and event != "paid":
            self.echo(line)

    def close(self) -> None:
        if self.fh:
            self.fh.close()


def wallet_budget(w3: Web3, wallet: str, asset: str = ETH) -> tuple[int, int]:
    """``(budget, spent)`` of an AgentWallet in ``asset`` (ETH: the zero address), on chain."""
    contract = w3.eth.contract(
        address=Web3.to_checksum_address(wallet), abi=load_abi("AgentWallet")
    )
    asset = Web3.to_checksum_address(asset)
    return (
        int(contract.functions.budgetOf(asset).call()),
        int(contract.functions.spentOf(asset).call()),
    )


def run_agent(
    settings: AgentSettings,
    rows: Sequence[Any],
    *,
    echo: Callable[[str], None] | None = None,
    w3: Web3 | None = None,
) -> AgentReport:
    """Classifies ``rows`` in batches until done or the budget is spent."""
    started = time.monotonic()
    w3 = w3 or Web3(HTTPProvider(settings.rpc_url))
    budget, spent = wallet_budget(w3, settings.wallet, settings.asset)
    remaining = budget - spent
    if settings.max_value is not None:
        remaining = min(remaining, settings.max_value)
    log = _Log(settings.log_path, echo)
    log("agent_started", {"wallet": settings.wallet, "budget": budget, "spent": spent,
                          "rows": len(rows)})  # fmt: skip
    client = Client(
        settings.gateway_url,
        Signer.smart_wallet(settings.wallet, settings.agent_key),
        w3=w3,
        budget=Budget(max_value=remaining),
        state_dir=settings.state_dir,
        policy=ChannelPolicy(calls_per_channel=settings.calls_per_channel),
        on_event=log,
    )
    # Channels past their grace period give their unused credits back first; the client
    # spends credits the wallet holds before buying any.
    client.close_expired()  # each closure is logged as "channel_closed"
    tally = _Tally()
    try:
        for start in range(0, len(rows), settings.batch):
            batch = list(rows[start : start + settings.batch])
            try:
                tally.add(batch, client.call(settings.route, json={"inputs": batch}))
            except BudgetExhausted as exc:
                tally.stopped = "budget"
                log("budget_reached", {"items_done": tally.items, "message": exc.message})
                break
            except ClientError as exc:
                tally.stopped = exc.code.value
                log("stopped", exc.to_json())
                break
    finally:
        client.close_http()
        after_budget, after_spent = wallet_budget(w3, settings.wallet, settings.asset)
        seconds = round(time.monotonic() - started, 2)
        report = AgentReport(**asdict(tally), paid=client.budget.spent, seconds=seconds,
                             wallet_spent=after_spent, wallet_budget=after_budget)  # fmt: skip
        log("agent_finished", report.to_json())
        log.close()
    return report


def _labels(answer: Any) -> list[int]:
    outputs = answer.get("outputs", answer) if isinstance(answer, dict) else None
    if isinstance(outputs, dict):
        for key in ("label", "labels", "predictions"):
            if isinstance(outputs.get(key), list):
                return [int(v) for v in outputs[key]]
    return []


@click.command()
@click.option("--gateway", envvar="MODELMINT_GATEWAY", required=True)
@click.option("--rpc", envvar="MODELMINT_RPC", required=True)
@click.option("--wallet", envvar="MODELMINT_WALLET", required=True, help="The AgentWallet.")
@click.option("--key", envvar="MODELMINT_KEY", required=True, help="The agent key (hex).")
@click.option(
    "--dataset",
    type=click.Path(exists=True, path_type=Path),
    required=True,
    help="JSON Lines: one input row per line.",
)
@click.option("--route", default="/v1/predict", show_default=True)
@click.option("--batch", type=int, default=8, show_default=True)
@click.option("--state", type=click.Path(path_type=Path), default="~/.modelmint/agent")
@click.option("--log", "log_path", type=click.Path(path_type=Path), default=None)
@click.option(
    "--asset", default=ETH, show_default=True, help="The model's payment asset (wallet budget)."
)
def main(gateway: str, rpc: str, wallet: str, key: str, dataset: Path, route: str, batch: int,
         state: Path, log_path: Path | None, asset: str) -> None:  # fmt: skip
    """Classify DATASET through the gateway, paying from the wallet, within its budget."""
    rows = [json.loads(line) for line in dataset.read_text().splitlines() if line.strip()]
    settings = AgentSettings(gateway, rpc, wallet, key, route=route, batch=batch,
                             state_dir=Path(state).expanduser(), log_path=log_path,
                             asset=asset)  # fmt: skip
    report = run_agent(settings, rows, echo=click.echo)
    click.echo(json.dumps(report.to_json()))
    raise SystemExit(0 if report.stopped in ("done", "budget") else 2)


if __name__ == "__main__":
    main()
