"""The persistent local chain (``make chain``: ``modelmint.deploy.local_node``) with
``ethereum:local:node``: deploy and operator scripts in separate processes act on one chain,
which keeps its state across a restart; a missing or foreign node is a one-line error."""

import json
import subprocess

import pytest
from deploy_cli_helpers import APE, LOCAL_NODE_RECORD, SUB_ENV, ape_run

from modelmint.deploy.config import REPO_ROOT
from modelmint.deploy.fork import Anvil, free_port
from modelmint.deploy.local_node import LOCAL_CHAIN_ID, local_chain
from modelmint.dev.testing import WAIT_CEILING

pytestmark = pytest.mark.slow


def _ok(out):
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_local_chain__deploy_then_operator_scripts_across_restart__act_on_one_deployment(
    tmp_path,
):
    weights = tmp_path / "model.bin"
    weights.write_bytes(b"weights of a small model\n" * 100)
    terms = tmp_path / "terms.md"
    terms.write_text("Research use.\n")
    records = tmp_path / "deployments"
    state = tmp_path / "chain" / "anvil-state.json"
    state.parent.mkdir()
    port = free_port()

    with local_chain(port, state) as node:
        _ok(ape_run("deploy", node, "--deployments-dir", str(records)))
        _ok(
            ape_run(
                "register_model",
                node,
                str(weights),
                "--version-uri",
                "ipfs://v1",
                "--metadata-uri",
                "ipfs://card",
                "--deployments-dir",
                str(records),
            )
        )
    assert state.is_file()
    record = json.loads((records / LOCAL_NODE_RECORD).read_text())
    assert record["chain_id"] == LOCAL_CHAIN_ID

    with local_chain(port, state) as node:  # restarted from the saved state
        out = _ok(
            ape_run(
                "create_offer",
                node,
                "1",
                "--price",
                "1000",
                "--terms-uri",
                "ipfs://terms",
                "--terms-file",
                str(terms),
                "--deployments-dir",
                str(records),
            )
        )
    assert "offer 1 on model 1" in out


def test_local_node__nothing_listening__one_line_error_naming_make_chain(tmp_path):
    class Closed:
        uri = f"http://127.0.0.1:{free_port()}"

    out = ape_run("deploy", Closed, "--deployments-dir", str(tmp_path))

    assert out.returncode != 0
    output = out.stdout + out.stderr
    assert "make chain" in output
    assert "Traceback" not in output


def test_local_node__other_chain_id__one_line_error_naming_both_ids(tmp_path):
    with Anvil(chain_id=1337) as node:
        out = ape_run("deploy", node, "--deployments-dir", str(tmp_path))

    assert out.returncode != 0
    output = out.stdout + out.stderr
    assert f"has chain id 1337, ethereum:local:node expects {LOCAL_CHAIN_ID}" in output
    assert "Traceback" not in output
    assert not (tmp_path / LOCAL_NODE_RECORD).exists()


def test_local_node__modelmint_rpc_set__scripts_take_it_without_provider_settings(tmp_path):
    closed = f"http://127.0.0.1:{free_port()}"
    out = subprocess.run(
        [APE, "run", "model_addresses", "--network", "ethereum:local:node", "1",
         "--deployments-dir", str(tmp_path)],
        cwd=REPO_ROOT, env={**SUB_ENV, "MODELMINT_RPC": closed}, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=2 * WAIT_CEILING,
    )  # fmt: skip

    assert out.returncode != 0
    assert f"no node answers at {closed}" in out.stdout + out.stderr
