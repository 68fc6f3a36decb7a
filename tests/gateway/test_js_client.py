"""The JavaScript client of docs/examples/pay.mjs (ethers v6, written from docs/GATEWAY.md
alone) against the real gateway process: it opens a channel with ``buyAndOpenChannel`` at the
lowest free salt (its id the hash of its terms, computed in JS as the contract does),
pays a call with an EIP-712 receipt, checks the PAYMENT-RESPONSE and the provenance, meets
``above_deposit`` (and again after adopting ``charged``), tops up with ``buyAndTopUpChannel``
and is served by sending the same payment again."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from eth_account import Account

from modelmint.credits import ChannelTerms
from modelmint.deploy.config import REPO_ROOT
from modelmint.dev.testing import WAIT_CEILING

PAY_MJS = REPO_ROOT / "docs" / "examples" / "pay.mjs"
CREDIT_VALUE = 10**12  # the gateway fixtures' price of one credit (tests/gateway/conftest.py)


@pytest.fixture(scope="module")
def node():
    found = shutil.which("node")
    if found is None or not (REPO_ROOT / "node_modules" / "ethers").is_dir():
        pytest.skip("node and the npm packages (make setup) are needed for the JS client")
    return found


def _run_pay_mjs(node, gateway_url, rpc_url, key) -> list[dict]:
    done = subprocess.run(
        [node, str(PAY_MJS)],
        env={
            "PATH": "/usr/bin:/bin",
            "MODELMINT_GATEWAY": gateway_url,
            "MODELMINT_RPC": rpc_url,
            "MODELMINT_KEY": key,
        },
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=WAIT_CEILING,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_pay_mjs__open_pay_above_deposit_top_up__served_and_charged_on_chain(
    node, launch, protocol, consumer, gateway, rpc_url
):
    served = launch()
    credits = protocol["credits"]

    steps = _run_pay_mjs(
        node, served.url, rpc_url, "0x" + bytes(Account.from_key(consumer.private_key).key).hex()
    )
    by_step = {}
    for step in steps:
        by_step.setdefault(step["step"], []).append(step)

    assert by_step["payment_required"][0]["body"]["error"] == "payment_required"
    opened = by_step["channel_opened"][0]
    channel_id = int(opened["channelId"])
    assert int(opened["value"]) == 4 * CREDIT_VALUE
    assert by_step["above_deposit"][0]["body"]["error"] == "above_deposit"
    assert by_step["signed_again"][0]["error"] == "above_deposit"
    assert int(by_step["topped_up"][0]["added"]) == 2
    first, second = (s["paymentResponse"] for s in by_step["paid"])
    assert (first["chargedCredits"], first["channel"]["charged"]) == ("3", "3")
    assert (second["chargedCredits"], second["channel"]["charged"]) == ("3", "6")
    terms = ChannelTerms(
        consumer.address, gateway.address, protocol["model_id"], int(opened["salt"])
    )
    assert channel_id == terms.channel_id
    on_chain = credits.channel(channel_id)
    assert on_chain.deposit == 6
    assert by_step["done"][0]["deposit"] == "6"
