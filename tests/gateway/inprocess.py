"""Helpers for gateway tests that run the service in the test process: start services on
the module's deployment, charge through the ledger as the predict route does, and read
the error code a call raises."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from payer import Payer

from modelmint.dev.testing import wait_until
from modelmint.errors import ErrorCode, WireError
from modelmint.gateway.service import Service
from modelmint.gateway.settings import GatewaySettings


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


def payer_for(service: Service, key, channel_id: int) -> Payer:
    return Payer("http://unused", key, channel_id, requirements=service.terms.requirements(1))


def until_confirmed(settler) -> list[str]:
    """Settler passes until the settlement in flight is confirmed."""
    return wait_until(lambda: settler.run_once().confirmed, "the settlement to be confirmed")


def own_gateway(index: int):
    """A module's own `gateway` fixture: test account `index`. A module whose gateway
    settles uses an account of its own: settlements of an earlier module were reverted away
    by its snapshot, and anvil keeps that account's transactions pending with reused
    nonces."""

    @pytest.fixture(scope="module", name="gateway")
    def _gateway(accounts):
        return accounts[index]

    return _gateway
