"""`ape run deploy` as a real process against a standalone anvil: dry run, crash, resume,
idempotent re-run, confirmation on live networks; a sample plan SIGKILLed at random."""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from deploy_cli_helpers import (
    ADMIN,
    DEPLOYER,
    HOLDER,
    LOCAL_NODE_CHAIN_ID,
    LOCAL_NODE_RECORD,
    SUB_ENV,
    ape_run,
    creations,
)
from web3 import Web3

from modelmint.deploy.config import CONFIG_DIR, REPO_ROOT
from modelmint.deploy.engine import STOP_AFTER_ENV
from modelmint.deploy.fork import Anvil
from modelmint.dev.testing import WAIT_CEILING

pytestmark = pytest.mark.slow
ANVIL_MNEMONIC = "test test test test test test test test test test test junk"


@pytest.fixture
def node():
    with Anvil(chain_id=LOCAL_NODE_CHAIN_ID) as anvil:
        anvil.w3 = Web3(Web3.HTTPProvider(anvil.uri))
        yield anvil


@pytest.fixture
def config_path(tmp_path):
    data = yaml.safe_load((CONFIG_DIR / "local.yaml").read_text())
    data["admin"] = ADMIN  # so the handover is a real second transaction
    path = tmp_path / "local.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def ape_deploy(node, record_dir, config_path, *extra, network="ethereum:local:node", env=None):
    args = [
        "--account",
        "TEST::0",
        "--deployments-dir",
        str(record_dir),
        "--config",
        str(config_path),
    ]
    return ape_run("deploy", node, *args, *extra, network=network, env=env)


def test_ape_run_deploy__killed_mid_plan__resumes_and_then_sends_nothing(
    node, tmp_path, config_path
):
    records = tmp_path / "deployments"
    dry = ape_deploy(node, records, config_path, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Dry run: nothing was sent." in dry.stdout and "estimated gas" in dry.stdout
    assert node.w3.eth.get_transaction_count(DEPLOYER) == 0 and not records.exists()

    # The plan is 12 deployments + 5 calls; the 4th transaction creates the registry.
    crashed = ape_deploy(node, records, config_path, env={STOP_AFTER_ENV: "4"})
    assert crashed.returncode == 75, crashed.stdout + crashed.stderr
    record = json.loads((records / LOCAL_NODE_RECORD).read_text())
    assert record["contracts"]["registry"]["status"] == "pending"
    assert node.w3.eth.get_transaction_count(DEPLOYER) == 4  # it did reach the chain

    resumed = ape_deploy(node, records, config_path)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "recovered" in resumed.stdout
    assert "13 transaction(s) sent" in resumed.stdout

    again = ape_deploy(node, records, config_path)
    assert again.returncode == 0, again.stderr
    assert "0 transaction(s) sent" in again.stdout

    assert node.w3.eth.get_transaction_count(DEPLOYER) == 17
    assert creations(node.w3, DEPLOYER) == 12
    record = json.loads((records / LOCAL_NODE_RECORD).read_text())
    registry = record["contracts"]["registry"]
    assert record["complete"] and registry["status"] == "deployed"
    assert record["calls"]["registry.transferGovernance"]["tx_hash"].startswith("0x")
    code = node.w3.eth.get_code(registry["address"])
    assert Web3.to_hex(Web3.keccak(code)) == registry["code_hash"]


def test_ape_run_deploy__config_changed__reports_mismatch_and_sends_nothing(
    node, tmp_path, config_path
):
    records = tmp_path / "deployments"
    assert ape_deploy(node, records, config_path).returncode == 0
    # Allow-list a token after deployment: the registry's constructor args change. Any
    # address with code passes the script's check; the registry itself is one.
    registry = json.loads((records / LOCAL_NODE_RECORD).read_text())["contracts"]["registry"]
    data = yaml.safe_load(config_path.read_text())
    data["allowed_tokens"] = [registry["address"]]
    config_path.write_text(yaml.safe_dump(data))
    nonce = node.w3.eth.get_transaction_count(DEPLOYER)

    out = ape_deploy(node, records, config_path)

    assert out.returncode != 0
    assert "constructor args differ" in out.stderr + out.stdout
    assert "--redeploy" in out.stderr + out.stdout
    assert node.w3.eth.get_transaction_count(DEPLOYER) == nonce


def _keyfile_account(data_folder, alias, passphrase, index):
    """An ape keyfile account (encrypted JSON) for test key ``index`` in ``data_folder``."""
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    key = Account.from_mnemonic(ANVIL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
    (data_folder / "accounts").mkdir(parents=True)
    keyfile = Account.encrypt(key.key, passphrase)
    (data_folder / "accounts" / f"{alias}.json").write_text(json.dumps(keyfile))
    return key.address


# Heavy (a 1-second-block chain, 17 transactions each waiting for confirmations: over two
# minutes on 2 cores): `make test-ci` runs it. The default suite runs the same script on the
# local network (killed mid-plan, config changed); the live prompt and ape's keyfile account
# are checked here only.
@pytest.mark.ci
def test_ape_run_deploy__live_network__confirms_then_signs_with_keyfile_account(
    tmp_path, config_path
):
    # chain id 11155111 and a block every second: `ethereum:sepolia` is a live network and
    # waits for confirmations.
    with Anvil(block_time=1) as sepolia_like:
        w3 = Web3(Web3.HTTPProvider(sepolia_like.uri))
        records = tmp_path / "deployments"
        out = ape_deploy(sepolia_like, records, config_path, network="ethereum:sepolia:node")
        assert out.returncode != 0  # no answer on stdin: aborted
        assert "LIVE" in out.stdout and "Send these transactions to sepolia?" in out.stdout
        assert "estimated gas" in out.stdout and "ETH" in out.stdout  # live: always estimated
        assert w3.eth.get_transaction_count(DEPLOYER) == 0 and not records.exists()

        # A real deployer's account: an encrypted keyfile, unlocked from the environment.
        data_folder = tmp_path / "ape-data"
        ops = _keyfile_account(data_folder, "ops", "correct horse", index=2)
        env = {"APE_DATA_FOLDER": str(data_folder), "APE_ACCOUNTS_ops_PASSPHRASE": "correct horse"}
        args = ["--account", "ops", "--yes", "--deployments-dir", str(records)]
        args += ["--config", str(config_path)]
        yes = ape_run("deploy", sepolia_like, *args, network="ethereum:sepolia:node", env=env)

        assert yes.returncode == 0, yes.stdout + yes.stderr
        assert w3.eth.get_transaction_count(ops) == 17  # the whole plan: 12 deployments + 5 calls
        record = json.loads((records / "sepolia.json").read_text())
        assert record["chain_id"] == 11155111 and record["deployer"] == ops


def _progress(record_file):
    """Entries in the record plus those already final: grows at every broadcast and receipt."""
    try:
        data = json.loads(record_file.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return 0
    entries = [*data.get("contracts", {}).values(), *data.get("calls", {}).values()]
    return len(entries) + sum(e.get("status") != "pending" for e in entries)


# Heavy (up to six runner processes, SIGKILLed at random); the same resume property is checked
# by default in-process (tests/unit/deploy/test_deploy_lib.py: crash after broadcast, pending
# never sent, adopted contract) and on the real script above (killed mid-plan): `make test-ci`.
@pytest.mark.ci
def test_sample_plan__sigkill_at_random_moments__each_contract_deployed_once(node, tmp_path):
    seed = int(os.environ.get("MODELMINT_KILL_SEED", time.time_ns() % 10_000))
    rng = random.Random(seed)
    record = tmp_path / "local.json"
    runner = [
        sys.executable,
        str(Path(__file__).with_name("deploy_sample_runner.py")),
        node.uri,
        str(record),
    ]
    kills = midway = 0
    for _ in range(6):
        proc = subprocess.Popen(
            runner,
            cwd=REPO_ROOT,
            env=SUB_ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if kills < 3:
            # Once this run has made progress (a broadcast or a receipt recorded), SIGKILL
            # it at a random instant: before, during or after its next transaction.
            start = _progress(record)
            deadline = time.monotonic() + WAIT_CEILING
            while (
                proc.poll() is None and _progress(record) <= start and time.monotonic() < deadline
            ):
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.25))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                kills += 1
                midway += not json.loads(record.read_text()).get("complete", False)
        out, _ = proc.communicate(timeout=2 * WAIT_CEILING)
        if proc.returncode == 0:
            break
    else:
        pytest.fail(f"sample plan never completed (seed {seed})")
    assert midway >= 1, f"no run was killed half-way (seed {seed}, {kills} kills)"
    print(f"seed {seed}: {kills} SIGKILLs, {midway} half-way")

    final = subprocess.run(
        runner, cwd=REPO_ROOT, env=SUB_ENV, capture_output=True, text=True, timeout=2 * WAIT_CEILING
    )
    assert final.returncode == 0, final.stdout + final.stderr
    assert "0 transaction(s) sent" in final.stdout, f"seed {seed}"

    data = json.loads(record.read_text())
    assert data["complete"], f"seed {seed}"
    assert node.w3.eth.get_transaction_count(DEPLOYER) == 5, f"seed {seed}"
    assert creations(node.w3, DEPLOYER) == 3, f"seed {seed}"
    usdc = data["contracts"]["USDC"]["address"]
    balance = node.w3.eth.call(
        {"to": usdc, "data": "0x70a08231" + HOLDER[2:].lower().rjust(64, "0")}
    )
    assert int.from_bytes(balance, "big") == 1_000 * 10**6, f"seed {seed}"
