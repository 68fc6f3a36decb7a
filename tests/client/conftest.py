"""Fixtures of the client suites: one protocol deployment per module on ape's anvil, written
to a deployment record a gateway process can read, and web3 handles for the ape-free client.

Function isolation is off in this directory: a gateway process runs beside the tests and
keeps its own durable state, which a per-test chain revert would contradict (it would see
channels vanish and their ids reused). Module isolation stays on: everything a module did
is reverted after its gateway has stopped.
"""

import json
from pathlib import Path
from typing import NamedTuple

import pytest
from ape.utils import ZERO_ADDRESS

from modelmint.weights import weights_hash

CREDIT_VALUE = 10**12  # wei per credit
LICENCE_PRICE = 10**16
FEE_BPS = 500
WEIGHTS = Path(__file__).resolve().parents[2] / "modelmint" / "gateway" / "models" / "digits.onnx"


@pytest.fixture
def _function_isolation():
    """No per-test snapshot/revert here (see the module docstring)."""
    yield


class Protocol(NamedTuple):
    registry: object
    router: object
    licenses: object
    credits: object
    model_id: int
    record_path: Path
    rpc_url: str


@pytest.fixture(scope="session")
def agent(accounts):
    """The agent key of an AgentWallet (signs receipts, holds no funds of its own)."""
    return accounts[9]


@pytest.fixture(scope="session")
def w3(chain):
    return chain.provider.web3


def key_of(account) -> str:
    return account.private_key


def deploy_protocol(project, chain, deployer, model_owner, contributor, gateway, treasury, path):
    """Registry, router, licences and credits; one ETH-priced model whose weights are the
    gateway's digits classifier, `gateway` allowed, credits enabled; a record at `path`."""
    registry = project.ModelRegistry.deploy(deployer, [], sender=deployer)
    router = project.RevenueRouter.deploy(registry, treasury, FEE_BPS, sender=deployer)
    licenses = project.LicenseManager.deploy(registry, router, sender=deployer)
    credits = project.UsageCredits.deploy(registry, router, "ipfs://credits/{id}", sender=deployer)
    digest = weights_hash(WEIGHTS) if WEIGHTS.exists() else b"\x11" * 32
    tx = registry.registerModel(
        ZERO_ADDRESS, digest, "ipfs://digits", "ipfs://card", sender=model_owner
    )
    model_id = tx.decode_logs(registry.ModelRegistered)[0].modelId
    registry.setGateway(model_id, gateway, True, sender=model_owner)
    router.setRecipients(model_id, [model_owner, contributor], [70, 30], sender=model_owner)
    credits.enableCredits(model_id, CREDIT_VALUE, sender=model_owner)
    contracts = {}
    for names, c in (
        (("ModelRegistry", "registry"), registry),
        (("RevenueRouter", "router"), router),
        (("LicenseManager", "licenses"), licenses),
        (("UsageCredits", "credits"), credits),
    ):
        for name in names:
            contracts[name] = {"status": "deployed", "address": c.address}
    path.write_text(json.dumps({"version": 1, "contracts": contracts, "calls": {}}))
    return Protocol(registry, router, licenses, credits, model_id, path, chain.provider.uri)


@pytest.fixture(scope="module")
def protocol(
    project, chain, deployer, model_owner, contributor, gateway, treasury, tmp_path_factory
):
    path = tmp_path_factory.mktemp("deployment") / "local.json"
    return deploy_protocol(
        project, chain, deployer, model_owner, contributor, gateway, treasury, path
    )


class GatewayProcess(NamedTuple):
    url: str
    process: object
    store_path: Path
    log_path: Path


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gateway(protocol: Protocol, gateway_account, workdir: Path, **settings) -> GatewayProcess:
    """Starts ``python -m modelmint.gateway serve`` for the protocol's model on the test chain
    and waits until it is ready (``/readyz``). Stop it with :func:`stop_gateway`."""
    import os
    import subprocess
    import sys
    import time

    import httpx

    port = _free_port()
    store = workdir / "gateway.sqlite3"
    log_path = workdir / "gateway.log"
    env = {
        **os.environ,
        "MODELMINT_GATEWAY_PRIVATE_KEY": key_of(gateway_account),
        **{f"MODELMINT_GATEWAY_{k.upper()}": str(v) for k, v in settings.items()},
    }
    cmd = [
        sys.executable, "-m", "modelmint.gateway", "serve",
        "--rpc-url", protocol.rpc_url,
        "--deployment", str(protocol.record_path),
        "--model-id", str(protocol.model_id),
        "--store-path", str(store),
        "--port", str(port),
        "--log-level", "WARNING",
    ]  # fmt: skip
    log = open(log_path, "w")  # noqa: SIM115 (owned by the process)
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gateway exited {proc.returncode}: {log_path.read_text()[-2000:]}")
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return GatewayProcess(url, proc, store, log_path)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_gateway(GatewayProcess(url, proc, store, log_path))
    raise RuntimeError(f"gateway not ready in 60 s: {log_path.read_text()[-2000:]}")


def stop_gateway(gw: GatewayProcess) -> None:
    import subprocess

    proc = gw.process
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def gateway_process(protocol, gateway, tmp_path_factory):
    """One real gateway process for the module, serving the protocol's model."""
    gw = start_gateway(protocol, gateway, tmp_path_factory.mktemp("gateway"))
    yield gw
    stop_gateway(gw)


@pytest.fixture(scope="module")
def fund(deployer):
    """Builder: a fresh funded consumer key (each test that may halt a channel gets its own)."""
    from eth_account import Account

    def _fund(eth=1):
        account = Account.create()
        deployer.transfer(account.address, eth * 10**18)
        return account

    return _fund
