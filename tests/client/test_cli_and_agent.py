"""The `modelmint` CLI through its installed entry point, and the autonomous agent as its own
process, both against the real gateway process on anvil."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from client_helpers import CREDIT_VALUE

from modelmint.client.errors import ClientErrorCode
from modelmint.client.onchain import CreditsChain
from modelmint.client.signer import Signer
from modelmint.constants import ETH
from modelmint.credits import ChannelTerms
from modelmint.deploy.agent_wallet import deploy_agent_wallet
from modelmint.dev.testing import WAIT_CEILING

ROW = [0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0] * 8
CLI = str(Path(sys.executable).parent / "modelmint")


@pytest.fixture(scope="module", autouse=True)
def _started(deployment, gateway_process, fund):
    """Deploys and starts the gateway before the first test."""


@pytest.fixture
def cli(gateway_process, deployment, tmp_path):
    def _run(account, *args):
        env = {
            **os.environ,
            "MODELMINT_GATEWAY": gateway_process.url,
            "MODELMINT_RPC": deployment.rpc_url,
            "MODELMINT_KEY": account.key.hex(),
            "MODELMINT_STATE": str(tmp_path / "state"),
            "MODELMINT_CREDITS": deployment.credits.address,
        }
        return subprocess.run(
            [CLI, *args], env=env, capture_output=True, text=True, timeout=WAIT_CEILING
        )

    return _run


def test_cli_call__json_output__one_paid_call(cli, fund):
    consumer = fund()
    body = json.dumps({"inputs": [ROW, ROW]})
    done = cli(consumer, "--output", "json", "call", "/v1/predict", "--json", body,
               "--budget", str(10 * CREDIT_VALUE))  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert (out["calls"], out["charged"]) == (1, 2)
    assert len(out["results"][0]["result"]["outputs"]["label"]) == 2
    listed = json.loads(cli(consumer, "--output", "json", "channels").stdout)
    assert [(c["channel_id"], c["charged"]) for c in listed] == [(out["results"][0]["channel"], 2)]


def test_cli_call__batch_beyond_budget__stops_with_named_error_and_exit_2(cli, fund, tmp_path):
    consumer = fund()
    rows = tmp_path / "rows.jsonl"
    rows.write_text("\n".join(json.dumps({"inputs": [ROW]}) for _ in range(5)) + "\n")
    done = cli(consumer, "--output", "json", "call", "/v1/predict", "--input", str(rows),
               "--budget", str(3 * CREDIT_VALUE))  # fmt: skip
    assert done.returncode == 2
    out = json.loads(done.stdout)
    assert out["calls"] == 3 and out["error"]["code"] == ClientErrorCode.BUDGET_EXHAUSTED


def test_cli_call__text_batch__progress_and_summary(cli, fund, tmp_path):
    rows = tmp_path / "rows.jsonl"
    rows.write_text("\n".join(json.dumps({"inputs": [ROW]}) for _ in range(4)) + "\n")
    done = cli(fund(), "call", "/v1/predict", "--input", str(rows), "--budget", "0.00001ETH")
    assert done.returncode == 0, done.stderr
    assert "calls" in done.stderr  # the progress bar's label
    assert "4 call(s), 4 credits charged" in done.stdout


def test_cli_call__no_budget__refused_before_anything_is_spent(cli, fund, deployment, w3):
    consumer = fund()
    done = cli(consumer, "call", "/v1/predict", "--json", json.dumps({"inputs": [ROW]}))
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: setting_missing: no budget: pass --budget, set MODELMINT_BUDGET")
    assert w3.eth.get_transaction_count(consumer.address) == 0


def test_cli_call__budget__printed_before_spending_and_caps_the_channel(cli, fund, deployment, w3):
    consumer = fund()
    done = cli(consumer, "--output", "json", "call", "/v1/predict", "--json",
               json.dumps({"inputs": [ROW]}), "--budget", "0.00001ETH")  # fmt: skip
    assert done.returncode == 0, done.stderr
    first = done.stderr.splitlines()[0]
    assert (
        first.startswith(f"budget: at most {10 * CREDIT_VALUE} base units")
        and "0.00001 ETH" in first
    )
    channel = deployment.credits.channel(int(json.loads(done.stdout)["results"][0]["channel"]))
    assert channel.deposit == 10  # the budget, not 200 calls


def _foreign_channel(w3, deployment, gateway, consumer):
    """A channel `consumer`'s key opened with another tool (not in the CLI's state)."""
    chain = CreditsChain(w3, deployment.credits.address)
    expiry = chain.now() + 7200
    terms = chain.buy_and_open(
        Signer.eoa(consumer.key), deployment.model_id, gateway.address, 20, expiry
    )
    return str(terms.channel_id)  # as the CLI's JSON and notices name it


def test_cli_call__channel_opened_elsewhere__not_adopted_without_flag(
    cli, fund, deployment, gateway, w3
):
    consumer = fund()
    foreign = _foreign_channel(w3, deployment, gateway, consumer)
    done = cli(consumer, "--output", "json", "call", "/v1/predict", "--json",
               json.dumps({"inputs": [ROW]}), "--budget", str(5 * CREDIT_VALUE))  # fmt: skip
    assert done.returncode == 0, done.stderr
    used = json.loads(done.stdout)["results"][0]["channel"]
    assert used != foreign
    assert f"channel {foreign} (opened elsewhere with this key, 20 credits) not used" in done.stderr
    assert "--adopt" in done.stderr


def test_cli_call__adopt__uses_channel_opened_elsewhere_buys_nothing(
    cli, fund, deployment, gateway, w3
):
    consumer = fund()
    foreign = _foreign_channel(w3, deployment, gateway, consumer)
    sent = w3.eth.get_transaction_count(consumer.address)
    done = cli(consumer, "--output", "json", "call", "/v1/predict", "--json",
               json.dumps({"inputs": [ROW]}), "--budget", str(5 * CREDIT_VALUE),
               "--adopt")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"][0]["channel"] == foreign
    assert w3.eth.get_transaction_count(consumer.address) == sent


def test_cli_redeem__free_credits__value_in_eth(cli, fund, deployment, w3):
    consumer = fund()
    CreditsChain(w3, deployment.credits.address).buy_credits(
        Signer.eoa(consumer.key), deployment.model_id, 10
    )
    done = cli(consumer, "redeem", "--model", str(deployment.model_id))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "redeemed for 0.00001 ETH"
    assert deployment.credits.balanceOf(consumer.address, deployment.model_id) == 0


def test_cli_close__open_channel_unknown_here__readable_error(cli, fund):
    done = cli(fund(), "close", "424242")
    assert done.returncode == 2
    assert done.stderr.startswith("error: channel_not_closable: channel 424242")


def test_cli_close_now__paid_channel__closed_through_the_gateway_at_its_charge(
    cli, fund, deployment
):
    consumer = fund()
    body = json.dumps({"inputs": [ROW]})
    called = cli(consumer, "--output", "json", "call", "/v1/predict", "--json", body,
                 "--budget", str(10 * CREDIT_VALUE))  # fmt: skip
    assert called.returncode == 0, called.stderr
    channel = json.loads(called.stdout)["results"][0]["channel"]
    done = cli(consumer, "--output", "json", "close", "--now", str(channel))
    assert done.returncode == 0, done.stderr
    [closed] = json.loads(done.stdout)
    assert (closed["channel"], closed["settled"]) == (channel, 1)
    on_chain = deployment.credits.channel(int(channel))
    assert on_chain.expiry == 0 and on_chain.settled == 1


def test_agent__budget_in_wallet__classifies_until_budget_then_stops_cleanly(
    project, deployment, gateway_process, holder, gateway, fund, w3, tmp_path
):
    from sklearn.datasets import load_digits

    rows = load_digits().data[:200].tolist()
    dataset = tmp_path / "digits.jsonl"
    dataset.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    agent_key = fund(eth=1)  # gas only: the agent's spending comes from the wallet
    budget = 60 * CREDIT_VALUE
    wallet = deploy_agent_wallet(project, holder, agent_key.address, deployment.credits,
                                 budgets={ETH: budget}, models=[deployment.model_id],
                                 gateways=[gateway])  # fmt: skip
    holder.transfer(wallet, 10**17)
    log = tmp_path / "agent.jsonl"
    env = {**os.environ, "MODELMINT_KEY": agent_key.key.hex()}
    done = subprocess.run(
        [sys.executable, "-m", "modelmint.client.agent", "--gateway", gateway_process.url,
         "--rpc", deployment.rpc_url, "--wallet", wallet.address, "--dataset", str(dataset),
         "--batch", "8", "--state", str(tmp_path / "state"), "--log", str(log)],
        env=env, capture_output=True, text=True, timeout=WAIT_CEILING,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout
    report = json.loads(done.stdout.strip().splitlines()[-1])
    # 60 credits buy 7 batches of 8; the 8th would go above the budget.
    assert report["stopped"] == "budget"
    assert (report["calls"], report["items"], report["charged"]) == (7, 56, 56)
    assert report["wallet_spent"] == wallet.spentOf(ETH) == budget
    events = [json.loads(line)["event"] for line in log.read_text().splitlines()]
    assert events[0] == "agent_started" and events[-2:] == ["budget_reached", "agent_finished"]
    assert events.count("paid") == 7
    [channel_id] = report["channels"]
    terms = ChannelTerms(wallet.address, gateway.address, deployment.model_id, 0)
    assert channel_id == str(terms.channel_id)  # the wallet's first channel: salt 0
    on_chain = CreditsChain(w3, deployment.credits.address).channel(terms)
    assert on_chain.consumer == wallet.address and on_chain.deposit == 60
    # The agent key holds no credits and spent nothing of its own but gas.
    assert deployment.credits.balanceOf(agent_key.address, deployment.model_id) == 0
