"""Fixtures for the gateway tests: one protocol deployment on ape's anvil per module (a
ModelRegistry, RevenueRouter, UsageCredits and LicenseManager; the digits model
registered with the sha256 of the shipped ONNX file, credits enabled, the `gateway`
actor allowed), a deployment record for the gateway process, and builders for
channels and gateway processes (the real ``python -m modelmint.gateway``)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from ape.utils import ZERO_ADDRESS
from eth_account import Account

from modelmint.deploy.models import register_model
from modelmint.deploy.protocol import deploy_protocol
from modelmint.dev.testing import WAIT_CEILING, free_terms
from modelmint.gateway.digits import DEFAULT_PATH as DIGITS_ONNX
from modelmint.receipts import ReceiptDomain
from modelmint.weights import weights_hash

CREDIT_VALUE = 10**12  # wei per credit
ROUTER_FEE_BPS = 500
HOUR = 3600


@pytest.fixture(scope="module")
def protocol(project, deployer, model_owner, gateway, treasury):
    """The deployed contracts and the served model's id."""
    p = deploy_protocol(
        project,
        deployer,
        only=("registry", "router", "credits", "licenses"),
        treasury=treasury,
        protocol_fee_bps=ROUTER_FEE_BPS,
    )
    registry, router, credits, licenses = p.registry, p.router, p.credits, p.licenses
    model_id, _ = register_model(
        registry,
        model_owner,
        weights_hash(DIGITS_ONNX),
        "ipfs://digits",
        "ipfs://meta",
        gateways=[gateway],
    )
    credits.enableCredits(model_id, CREDIT_VALUE, sender=model_owner)
    return {
        "registry": registry,
        "router": router,
        "credits": credits,
        "licenses": licenses,
        "model_id": int(model_id),
        "deployment": p,
    }


@pytest.fixture(scope="module")
def record_path(protocol, tmp_path_factory):
    """The deployment record, as ``ape run deploy`` writes it, that the gateway process reads."""
    path = tmp_path_factory.mktemp("record") / "local.json"
    protocol["deployment"].write_record(path)
    return path


@pytest.fixture(scope="module")
def receipt_domain(protocol):
    return ReceiptDomain.from_contract(protocol["credits"])


@pytest.fixture(scope="module")
def rpc_url(chain):
    return chain.provider.web3.provider.endpoint_uri


@pytest.fixture(scope="module")
def open_channel(protocol, gateway, chain):
    """Builder: `open_channel(account, credits, ttl=HOUR, gw=gateway)` buys and locks
    `credits` for `account` in a channel of the lowest free salt; returns its ChannelTerms."""
    credits = protocol["credits"]
    model_id = protocol["model_id"]

    def _open(account, n, ttl=HOUR, gw=None):
        credits.buyCredits(model_id, n, account, sender=account, value=n * CREDIT_VALUE)
        expiry = chain.pending_timestamp + ttl
        terms = free_terms(credits, account.address, gw or gateway, model_id)
        credits.openChannel(model_id, terms.gateway, terms.salt, n, expiry, sender=account)
        return terms

    return _open


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class GatewayProcess:
    """The real gateway in a subprocess (uvicorn on a free loopback port)."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.env = env
        self.port = int(env["MODELMINT_GATEWAY_PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self, wait: float = WAIT_CEILING) -> GatewayProcess:
        with open(self.log_path, "ab") as log:  # the child keeps its own descriptor
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "modelmint.gateway", "serve"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own process group: with --workers the gateway is a master and its worker
                # processes, and a kill must take all of them (else workers outlive the test).
                start_new_session=True,
            )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gateway exited {self.proc.returncode}: {self.log()}")
            try:
                if httpx.get(self.url + "/readyz", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"gateway not ready (/readyz) after {wait:.0f} s: {self.log()}")

    def kill(self) -> None:
        """``kill -9`` of the gateway and its workers: no shutdown hooks run."""
        if self.proc and self.proc.poll() is None:
            self._kill_group()
            self.proc.wait(timeout=WAIT_CEILING)

    def stop(self) -> int:
        """SIGTERM: graceful shutdown (flushes the store); a worker the master left behind is
        killed with the group."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            code = self.proc.wait(timeout=WAIT_CEILING)
            self._kill_group()
            return code
        return self.proc.returncode if self.proc else 0

    def _kill_group(self) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):  # the group is gone already
            os.killpg(self.proc.pid, signal.SIGKILL)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def gateway_env(rpc_url, record_path, model_id, key, store_path, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELMINT_GATEWAY_")}
    env.update(
        {
            "MODELMINT_GATEWAY_RPC_URL": rpc_url,
            "MODELMINT_GATEWAY_DEPLOYMENT": str(record_path),
            "MODELMINT_GATEWAY_MODEL_ID": str(model_id),
            "MODELMINT_GATEWAY_PRIVATE_KEY": key,
            "MODELMINT_GATEWAY_STORE_PATH": str(store_path),
            "MODELMINT_GATEWAY_PORT": str(free_port()),
            "MODELMINT_GATEWAY_SETTLE_IN_PROCESS": "false",
        }
    )
    env.update({f"MODELMINT_GATEWAY_{k.upper()}": str(v) for k, v in extra.items()})
    return env


@pytest.fixture(scope="module")
def gateway_key(gateway):
    return Account.from_key(gateway.private_key)


@pytest.fixture(scope="module")
def launch(rpc_url, record_path, protocol, gateway_key, tmp_path_factory):
    """Builder: `launch(store_path=None, key=None, model_id=None, **settings)` starts a
    gateway process (of the protocol's model unless `model_id`); all are killed at the end
    of the module."""
    started: list[GatewayProcess] = []
    workdir = tmp_path_factory.mktemp("gateway")

    def _launch(store_path=None, key=None, start=True, model_id=None, **settings):
        store = store_path or workdir / f"store-{len(started)}.sqlite3"
        env = gateway_env(
            rpc_url,
            record_path,
            model_id or protocol["model_id"],
            key or "0x" + bytes(gateway_key.key).hex(),
            store,
            **settings,
        )
        process = GatewayProcess(env, workdir / f"gateway-{len(started)}.log")
        started.append(process)
        return process.start() if start else process

    yield _launch
    for process in started:
        process.kill()


@pytest.fixture
def _function_isolation():
    """No chain snapshot/revert around each test here: the gateway processes and stores
    live for the module, and a revert would hand out channel ids they already know."""
    yield


@pytest.fixture(scope="module")
def consumer_key(consumer):
    return Account.from_key(consumer.private_key)


@pytest.fixture(scope="module")
def services(rpc_url, record_path, protocol, gateway_key, tmp_path_factory):
    """Builder: `services(**settings)` starts an in-process service on the module's
    deployment and gateway key (no in-process settler); all are closed at the end."""
    from inprocess import Services

    built = Services(
        tmp_path_factory.mktemp("services"),
        rpc_url=rpc_url,
        deployment=record_path,
        model_id=protocol["model_id"],
        private_key="0x" + bytes(gateway_key.key).hex(),
        settle_in_process=False,
    )
    yield built
    built.close_all()
