"""`make chain` and `make dashboard` take their ports (CHAIN_PORT, DASHBOARD_PORT,
DASHBOARD_RPC), the local chain's state file follows its port, and ethereum:local:node takes
its URI from the `modelmint` commands' `rpc` setting (environment or profile)."""

import subprocess

from modelmint.deploy.config import REPO_ROOT
from modelmint.deploy.local_node import LOCAL_CHAIN_STATE, local_node_uri, state_path


def _make_n(*args):
    out = subprocess.run(
        ["make", "-n", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.replace("\\\n", " ")


def test_make_chain__chain_port__anvil_on_that_port():
    assert "-m modelmint.deploy.local_node 8545" in _make_n("chain")
    assert "-m modelmint.deploy.local_node 8555" in _make_n("chain", "CHAIN_PORT=8555")


def test_make_dashboard__ports__rpc_follows_chain_port_and_dashboard_port():
    default = " ".join(_make_n("dashboard").split())
    assert "--rpc http://127.0.0.1:8545" in default and "--port 8700" in default
    moved = " ".join(_make_n("dashboard", "CHAIN_PORT=8555", "DASHBOARD_PORT=8777").split())
    assert "--rpc http://127.0.0.1:8555" in moved and "--port 8777" in moved
    remote = " ".join(_make_n("dashboard", "DASHBOARD_RPC=http://node:9000").split())
    assert "--rpc http://node:9000" in remote


def test_state_path__port__one_state_file_per_port():
    assert state_path(8545) == LOCAL_CHAIN_STATE
    assert state_path(8555) == LOCAL_CHAIN_STATE.with_name("anvil-state-8555.json")


def test_local_node_uri__env_then_profile__the_commands_rpc_setting(tmp_path):
    profile = tmp_path / "modelmint.toml"
    profile.write_text('[default]\nrpc = "http://127.0.0.1:8600"\n')
    env = {"MODELMINT_PROFILES": str(profile)}
    assert local_node_uri(env, tmp_path) == "http://127.0.0.1:8600"
    env["MODELMINT_RPC"] = "http://127.0.0.1:8601"
    assert local_node_uri(env, tmp_path) == "http://127.0.0.1:8601"
