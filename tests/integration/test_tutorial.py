"""docs/TUTORIAL.md cannot drift from the code: its `bash tutorial` blocks, extracted from the
markdown itself, run in order as one shell script on an anvil on a free port (with a gateway
on another), and the chain then shows the owner's claimed revenue and the version the
shareholders published."""

import os
import re
import subprocess
import sys
from pathlib import Path

from deploy_cli_helpers import SUB_ENV
from web3 import HTTPProvider, Web3

from modelmint.abi import load_abi
from modelmint.deploy.config import REPO_ROOT
from modelmint.deploy.fork import free_port
from modelmint.deploy.local_node import local_chain
from modelmint.records import Record
from modelmint.weights import weights_hash

DOC = REPO_ROOT / "docs" / "TUTORIAL.md"
BLOCK = re.compile(r"^```bash tutorial\n(.*?)^```$", re.S | re.M)
MODEL_OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # test account 1 (Role.MODEL_OWNER)
RUN_CEILING = 600  # seconds the whole tutorial may take on a loaded 2-core machine


def tutorial_script(text: str) -> str:
    return "\n".join(BLOCK.findall(text))


def test_tutorial__bash_tutorial_blocks__every_step_in_order():
    script = tutorial_script(DOC.read_text())
    steps = ["ape run deploy", "train_wine.py", "model register", "create-offer",
             "enable-credits", "set-gateway", "gateway fund", "modelmint.gateway serve",
             "call /v1/predict", "modelmint.gateway settle", "revenue sweep", "revenue claim",
             "model fractionalize", "gov propose", "gov vote", "gov queue", "gov execute"]  # fmt: skip
    positions = [script.find(step) for step in steps]
    assert -1 not in positions, [s for s, p in zip(steps, positions, strict=True) if p < 0]
    assert positions == sorted(positions)


def test_tutorial__run_on_a_fresh_chain__revenue_claimed_and_version_upgraded(tmp_path):
    script = tutorial_script(DOC.read_text())
    work, records = tmp_path / "wine", tmp_path / "deployments"
    with local_chain(free_port(), tmp_path / "anvil-state.json") as node:
        env = {
            **SUB_ENV,
            "CHAIN_PORT": str(node.port),
            "GATEWAY_PORT": str(free_port()),
            "MODELMINT_DEPLOYMENTS_DIR": str(records),
            "WORK": str(work),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        }
        ran = subprocess.run(
            ["bash", "-c", script],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=RUN_CEILING,
        )
        log = work / "gateway.log"
        gateway_log = log.read_text()[-2000:] if log.exists() else ""
        assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:] + gateway_log

        w3 = Web3(HTTPProvider(node.uri))
        record = Record.load(records / "local-node.json")

        def contract(name):
            return w3.eth.contract(address=record.address_of(name), abi=load_abi(name))

        router, registry = contract("RevenueRouter"), contract("ModelRegistry")
        claims = router.events.RevenueClaimed().get_logs(
            from_block=0, argument_filters={"modelId": 1, "account": MODEL_OWNER}
        )
        assert claims and sum(c["args"]["amount"] for c in claims) > 0
        version, digest = registry.functions.latestVersion(1).call()
        assert (version, bytes(digest)) == (2, weights_hash(work / "wine-v2.onnx"))
        assert registry.functions.ownerOf(1).call() != MODEL_OWNER  # the model's timelock
