"""A local stand-in for Sepolia, and the switch between it and a real Sepolia RPC.

``ethereum:sepolia-fork:foundry`` makes ape start an anvil that forks the provider
configured as ``node.ethereum.sepolia.uri`` (see ape-config.yaml). That upstream is:

- ``$MODELMINT_SEPOLIA_RPC`` when the variable is set (a real Sepolia RPC URL), else
- ``http://127.0.0.1:8546``: a local anvil with chain id 11155111 seeded with
  pre-existing state by :func:`seed_upstream` (a 6-decimals ``USDC`` and an earlier
  Modelmint deployment with one registered model), whose record is written in the same
  format as ``deployments/sepolia.json``.

Start the local upstream by hand with ``python -m modelmint.deploy.fork`` (it prints the
environment to export and runs until interrupted); the tests start their own on a free
port through :class:`Anvil`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from modelmint.deploy.config import REPO_ROOT
from modelmint.deploy.roles import Role

SEPOLIA_CHAIN_ID = 11155111
RPC_ENV = "MODELMINT_SEPOLIA_RPC"
DEFAULT_UPSTREAM_PORT = 8546
DEFAULT_UPSTREAM_URI = f"http://127.0.0.1:{DEFAULT_UPSTREAM_PORT}"
USDC_DECIMALS = 6
SEED_USDC_SUPPLY = 10_000_000 * 10**USDC_DECIMALS
SEED_WEIGHTS_HASH = bytes.fromhex("5eed" * 16)


def upstream_uri() -> str:
    """The Sepolia upstream URI in force: $MODELMINT_SEPOLIA_RPC or the local default."""
    return os.environ.get(RPC_ENV) or DEFAULT_UPSTREAM_URI


def apply_upstream_env() -> str:
    """Point ape's ``node.ethereum.sepolia.uri`` (the fork's upstream) at
    :func:`upstream_uri`, and ``node.ethereum.local.uri`` at the ``modelmint`` commands' own
    ``rpc`` setting when there is one (:func:`modelmint.deploy.local_node.apply_local_node_env`).
    Call before connecting; scripts do it on import. Returns the upstream URI."""
    from ape import config

    from modelmint.deploy.local_node import apply_local_node_env

    uri = upstream_uri()
    config.get_config("node").ethereum.sepolia["uri"] = uri
    apply_local_node_env()
    return uri


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def anvil_executable() -> str:
    """The anvil binary shipped by the npm package (run directly, so stopping the process
    stops anvil and not only node's launcher), else ``anvil`` on PATH."""
    for binary in sorted((REPO_ROOT / "node_modules" / "@foundry-rs").glob("anvil-*/bin/anvil")):
        return str(binary)
    return "anvil"


class Anvil:
    """An anvil process on 127.0.0.1 (by default with Sepolia's chain id): the seeded
    upstream of a fork, or a standalone chain for tests. A context manager."""

    def __init__(
        self,
        port: int | None = None,
        chain_id: int = SEPOLIA_CHAIN_ID,
        block_time: int = 0,
        state: Path | None = None,
    ):
        self.port = port or free_port()
        self.chain_id = chain_id
        self.block_time = block_time
        self.state = state
        self.uri = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def command(self, silent: bool = True) -> list[str]:
        """The anvil command line. With ``state``, the chain loads that file when it exists,
        saves it every second and on exit (``--state``, ``--state-interval 1``)."""
        cmd = [
            anvil_executable(),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--chain-id",
            str(self.chain_id),
            "--hardfork",
            "cancun",
        ]
        if silent:
            cmd.append("--silent")
        if self.block_time:  # live-like: blocks keep coming, so confirmations arrive
            cmd += ["--block-time", str(self.block_time)]
        if self.state is not None:
            cmd += ["--state", str(self.state), "--state-interval", "1"]
        return cmd

    def start(self, timeout: float = 30.0) -> Anvil:
        self.proc = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"anvil exited early ({self.proc.returncode}): {err}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"anvil did not listen on port {self.port} within {timeout} s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> Anvil:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def seed_plan(holder: str):
    """Pre-existing state of the upstream: a 6-decimals USDC with a funded holder and an
    earlier Modelmint registry (USDC allow-listed) with one registered model."""
    from modelmint.deploy.steps import DEPLOYER, Call, Deploy, Ref

    return [
        Deploy("USDC", "MockERC20", ("USD Coin", "USDC", USDC_DECIMALS)),
        Call(
            "USDC.mint",
            "USDC",
            "mint",
            (holder, SEED_USDC_SUPPLY),
            done=lambda ctx: ctx.contract("USDC").balanceOf(holder) >= SEED_USDC_SUPPLY,
        ),
        Deploy("registry", "ModelRegistry", (DEPLOYER, [Ref("USDC")])),
        Call(
            "registry.registerModel",
            "registry",
            "registerModel",
            (Ref("USDC"), SEED_WEIGHTS_HASH, "ipfs://seed-model/v1", "ipfs://seed-model/meta"),
            done=lambda ctx: ctx.contract("registry").exists(1),
        ),
    ]


def seed_upstream(
    uri: str,
    record_path: Path,
    *,
    deployer: Role = Role.DEPLOYER,
    usdc_holder: Role = Role.MODEL_OWNER,
    log=None,
):
    """Connect to the upstream at ``uri`` as ``ethereum:sepolia:node`` and bring it to the
    seed state as the ``deployer`` test account, the seeded USDC going to ``usdc_holder``'s,
    writing ``record_path``. Idempotent (it is a deployment plan)."""
    from ape import accounts, networks, project

    from modelmint.deploy.engine import Deployment

    account = accounts.test_accounts[deployer]
    with networks.parse_network_choice(
        "ethereum:sepolia:node", provider_settings={"uri": uri}
    ) as provider:
        if provider.chain_id != SEPOLIA_CHAIN_ID:
            raise RuntimeError(f"upstream at {uri} has chain id {provider.chain_id}")
        holder = str(accounts.test_accounts[usdc_holder].address)
        return Deployment(
            seed_plan(holder),
            project=project,
            provider=provider,
            account=account,
            record_path=record_path,
            network="sepolia",
            log=log or (lambda m: None),
            confirmations=0,  # anvil mines on demand: later blocks would never come
        ).run()


def main() -> None:  # pragma: no cover - manual entry point
    import argparse

    parser = argparse.ArgumentParser(description="Run a seeded local Sepolia upstream.")
    parser.add_argument("--port", type=int, default=DEFAULT_UPSTREAM_PORT)
    parser.add_argument(
        "--record", type=Path, default=REPO_ROOT / "deployments" / "upstream" / "sepolia.json"
    )
    args = parser.parse_args()
    # SIGTERM ends like Ctrl-C, so the context manager stops anvil.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with Anvil(args.port) as up:
        seed_upstream(up.uri, args.record, log=print)
        print(f"seeded upstream at {up.uri}; record {args.record}")
        print(f"export {RPC_ENV}={up.uri} MODELMINT_UPSTREAM_RECORD={args.record}")
        print("Ctrl-C to stop.")
        with contextlib.suppress(KeyboardInterrupt):
            if up.proc is not None:
                up.proc.wait()


if __name__ == "__main__":  # pragma: no cover
    main()
