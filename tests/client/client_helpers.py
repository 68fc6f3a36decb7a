"""Helpers of the client suites (imported by tests/client/conftest.py and the test modules):
the protocol deployment a gateway process can read, and starting/stopping that process."""

import json
from pathlib import Path
from typing import NamedTuple

from ape.utils import ZERO_ADDRESS

from modelmint.weights import weights_hash

CREDIT_VALUE = 10**12  # wei per credit
LICENCE_PRICE = 10**16
FEE_BPS = 500
WEIGHTS = Path(__file__).resolve().parents[2] / "modelmint" / "gateway" / "models" / "digits.onnx"


class Protocol(NamedTuple):
    registry: object
    router: object
    licenses: object
    credits: object
    model_id: int
    record_path: Path
    rpc_url: str


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
