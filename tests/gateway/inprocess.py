"""Helpers for gateway tests that run the service in the test process: start services on
the module's deployment, charge through the ledger as the predict route does, and read
the error code a call raises."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from payer import Payer

from modelmint.credits import ChannelTerms
from modelmint.deploy.models import register_model
from modelmint.deploy.protocol import deploy_protocol
from modelmint.dev.testing import WAIT_CEILING, wait_until
from modelmint.errors import ErrorCode, WireError
from modelmint.gateway.digits import DEFAULT_PATH as DIGITS_ONNX
from modelmint.gateway.service import Service
from modelmint.gateway.settings import GatewaySettings
from modelmint.weights import weights_hash


class Services:
    """Builder of in-process services on one deployment and key; :meth:`close_all` at the
    end of the module."""

    def __init__(self, workdir: Path, **base):
        self.workdir, self.base, self.started = workdir, base, []

    def __call__(self, **overrides) -> Service:
        settings = dict(self.base, store_path=self.workdir / f"store-{len(self.started)}.sqlite3")
        settings.update(overrides)
        service = Service.start(GatewaySettings(**settings))
        self.started.append(service)
        return service

    def close_all(self) -> None:
        for service in self.started:
            service.close()


def charge(service: Service, payload, cost: int = 1):
    """Verify and charge ``cost`` credits through the ledger (what the predict route does)."""

    async def run():
        payment = await service.ledger.begin(payload, cost)
        try:
            return await payment.charge(cost)
        finally:
            payment.release()

    return asyncio.run(run())


def code_of(call) -> ErrorCode:
    with pytest.raises(WireError) as info:
        call()
    return info.value.code


def payer_for(service: Service, key, channel: ChannelTerms) -> Payer:
    return Payer("http://unused", key, channel, requirements=service.terms.requirements(1))


def until_confirmed(settler) -> list[str]:
    """Settler passes until the settlement in flight is confirmed."""
    return wait_until(lambda: settler.run_once().confirmed, "the settlement to be confirmed")


def lose_the_nonce_race(monkeypatch, service: Service) -> list[int]:
    """Makes the service's next pending-nonce read lose a race with another process on the
    gateway's key: right after the read, a transaction from the key takes that nonce. Returns
    the list that receives the taken nonce (empty until the read happens)."""
    w3, key = service.chain.w3, service.account
    read = w3.eth.get_transaction_count
    taken: list[int] = []

    def read_then_lose_the_race(address, block="latest"):
        nonce = read(address, block)
        if not taken:
            tx = {"to": address, "value": 0, "nonce": nonce, "gas": 21_000,
                  "gasPrice": w3.eth.gas_price, "chainId": w3.eth.chain_id}  # fmt: skip
            w3.eth.send_raw_transaction(key.sign_transaction(tx).raw_transaction)
            taken.append(nonce)
        return nonce

    monkeypatch.setattr(w3.eth, "get_transaction_count", read_then_lose_the_race)
    return taken


def own_gateway(index: int):
    """A module's own `gateway` fixture: test account `index`. A module whose gateway
    settles uses an account of its own: settlements of an earlier module were reverted away
    by its snapshot, and anvil keeps that account's transactions pending with reused
    nonces."""

    @pytest.fixture(scope="module", name="gateway")
    def _gateway(accounts):
        return accounts[index]

    return _gateway


def deploy_token_model(project, deployer, model_owner, gateway, treasury, *, price, fee_bps, only):
    """AuthorizedERC20 ("Modelmint USD", real ERC-3009 and 2612 checks) allow-listed and the
    digits model priced in it, credits enabled at ``price``: ``(deployment, token, model id)``."""
    token = project.AuthorizedERC20.deploy("Modelmint USD", "mmUSD", 18, sender=deployer)
    p = deploy_protocol(
        project, deployer, only=only, treasury=treasury, protocol_fee_bps=fee_bps, tokens=[token]
    )
    model_id, _ = register_model(
        p.registry,
        model_owner,
        weights_hash(DIGITS_ONNX),
        "ipfs://digits",
        "ipfs://meta",
        asset=token,
        gateways=[gateway],
    )
    p.credits.enableCredits(model_id, price, sender=model_owner)
    return p, token, int(model_id)


@contextlib.contextmanager
def served(app) -> Iterator[str]:
    """``app`` served by uvicorn in a thread (no lifespan: the test closes the service);
    yields its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, "the gateway server to start", interval=0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=WAIT_CEILING)
