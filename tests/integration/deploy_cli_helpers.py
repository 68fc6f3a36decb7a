"""Helpers for tests that run `ape run <script>` as a real process against an anvil."""

import json
import os
import select
import subprocess
import sys
from pathlib import Path

from modelmint.deploy.config import REPO_ROOT
from modelmint.dev.testing import WAIT_CEILING

APE = str(Path(sys.executable).parent / "ape")
# ape's test accounts come from anvil's default mnemonic.
DEPLOYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # TEST::0
MODEL_OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # TEST::1
ADMIN = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"  # TEST::7
HOLDER = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f"  # TEST::8
LOCAL_NODE_CHAIN_ID = 31337  # `ethereum:local:node` (ape-config.yaml): anvil's default
LOCAL_NODE_RECORD = "local-node.json"  # its deployment record (modelmint.deploy.operator)
# Subprocesses import this work tree's modelmint (the shared venv's editable install may
# point at another checkout) and the shared test fixtures (tests/fixtures).
SUB_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join((str(REPO_ROOT), str(REPO_ROOT / "tests")))}


def _run_args(script, node, args, network):
    return [
        "run",
        script,
        "--network",
        network,
        "--provider-settings",
        json.dumps({"uri": node.uri}),
        *args,
    ]


def ape_run(script, node, *args, network="ethereum:local:node", env=None, timeout=2 * WAIT_CEILING):
    """`ape run <script> --network <network> --provider-settings {uri} <args>`."""
    cmd = [APE, *_run_args(script, node, args, network)]
    return subprocess.run(
        cmd,
        cwd=REPO_ROOT,
        env={**SUB_ENV, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def creations(w3, sender):
    """Contract-creating transactions sent by ``sender`` on the whole chain."""
    count = 0
    for number in range(w3.eth.block_number + 1):
        for txn in w3.eth.get_block(number, full_transactions=True).transactions:
            count += txn["from"] == sender and txn["to"] is None
    return count


class ApeSession:
    """One ape process (tests/integration/ape_session_driver.py) for several `ape run` commands:
    `run` takes `ape_run`'s arguments and returns the same CompletedProcess, without paying
    ape's start-up each time. Tests about a script's logic use it; the CLI wiring of a real
    `ape run` process keeps its own tests (`ape_run`)."""

    def __init__(self, log_path: Path):
        self._log = open(log_path, "w")  # noqa: SIM115 - closed by close()
        driver = Path(__file__).with_name("ape_session_driver.py")
        pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": self._log}
        self._proc = subprocess.Popen(
            [sys.executable, str(driver)], cwd=REPO_ROOT, env=SUB_ENV, text=True, **pipes
        )

    def run(self, script, node, *args, network="ethereum:local:node", timeout=2 * WAIT_CEILING):
        cmd = _run_args(script, node, args, network)
        self._proc.stdin.write(json.dumps(cmd) + "\n")
        self._proc.stdin.flush()
        ready, _, _ = select.select([self._proc.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError(
                f"`ape {' '.join(cmd)}` in the shared ape process: no answer in {timeout} s"
            )
        line = self._proc.stdout.readline()
        assert line, f"the shared ape process exited ({self._proc.poll()}); see {self._log.name}"
        answer = json.loads(line)
        return subprocess.CompletedProcess(
            [APE, *cmd], answer["returncode"], answer["stdout"], answer["stderr"]
        )

    def close(self):
        self._proc.stdin.close()
        try:
            self._proc.wait(timeout=WAIT_CEILING)
        finally:
            if self._proc.poll() is None:
                self._proc.kill()
            self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
