"""The deploy on ``ethereum:sepolia-fork:foundry``: allow-lists the upstream's stablecoin,
sees the upstream's earlier state, is idempotent, and leaves the upstream untouched."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from web3 import Web3

from modelmint.deploy.config import REPO_ROOT, load_config
from modelmint.deploy.engine import Deployment
from modelmint.deploy.fork import SEED_USDC_SUPPLY, SEED_WEIGHTS_HASH, SEPOLIA_CHAIN_ID
from modelmint.deploy.plan import PlanInputs, protocol_plan
from modelmint.deploy.roles import Role
from modelmint.dev.testing import WAIT_CEILING

pytestmark = pytest.mark.fork
FORK = "ethereum:sepolia-fork:foundry"
APE = str(Path(sys.executable).parent / "ape")


@pytest.fixture
def seed(upstream):
    if not upstream.local:
        pytest.skip("checks the seeded local upstream; a real RPC was given")
    return json.loads(upstream.record.read_text())["contracts"]


@pytest.mark.use_network(FORK)
def test_deploy__sepolia_fork__allow_lists_seeded_usdc_and_keeps_upstream_state(
    upstream, seed, tmp_path
):
    from ape import accounts, networks, project

    provider = networks.provider
    assert provider.network.name == "sepolia-fork" and provider.chain_id == SEPOLIA_CHAIN_ID
    deployer = accounts.test_accounts[Role.DEPLOYER]
    holder = accounts.test_accounts[Role.MODEL_OWNER]  # seed_upstream's USDC holder
    upstream_w3 = Web3(Web3.HTTPProvider(upstream.uri))
    upstream_nonce = upstream_w3.eth.get_transaction_count(deployer.address)

    cfg = load_config("sepolia-fork")
    tokens = cfg.resolve_tokens(tmp_path)
    assert tokens == (seed["USDC"]["address"],)

    def deployment():
        return Deployment(
            protocol_plan(PlanInputs.from_config(cfg, str(deployer.address), tokens)),
            project=project,
            provider=provider,
            account=deployer,
            record_path=tmp_path / "sepolia-fork.json",
            network="sepolia-fork",
            log=lambda m: None,
        )

    first = deployment()
    first.run()

    registry = project.ModelRegistry.at(first.record.address("registry"))
    usdc = project.MockERC20.at(seed["USDC"]["address"])
    assert registry.isPaymentTokenAllowed(usdc)
    assert usdc.decimals() == 6 and usdc.balanceOf(holder) == SEED_USDC_SUPPLY
    earlier = project.ModelRegistry.at(seed["registry"]["address"])
    assert earlier.address != registry.address
    assert earlier.latestVersion(1) == (1, SEED_WEIGHTS_HASH)  # pre-existing upstream state

    second = deployment()
    second.run()
    assert second.sent == 0
    assert upstream_w3.eth.get_transaction_count(deployer.address) == upstream_nonce


def test_ape_run_deploy__sepolia_fork__forks_the_env_upstream_without_prompt(upstream, tmp_path):
    env = {**os.environ, **upstream.env, "PYTHONPATH": str(REPO_ROOT)}
    cmd = [APE, "run", "deploy", "--network", FORK]  # no --account: a fork uses TEST::0
    cmd += ["--deployments-dir", str(tmp_path)]

    out = subprocess.run(
        cmd, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=2 * WAIT_CEILING,
    )  # fmt: skip

    assert out.returncode == 0, out.stdout + out.stderr
    assert f"(chain {SEPOLIA_CHAIN_ID}, local)" in out.stdout
    record = json.loads((tmp_path / "sepolia-fork.json").read_text())
    assert record["complete"] and record["chain_id"] == SEPOLIA_CHAIN_ID
    tokens = record["contracts"]["registry"]["constructor_args"][1]
    if upstream.local:
        assert tokens == [json.loads(upstream.record.read_text())["contracts"]["USDC"]["address"]]
