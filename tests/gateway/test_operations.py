"""What an operator must notice without reading the chain by hand: a gateway whose grant
lapsed says so within one refresh (``/readyz``, its 402s, its log) and recovers when the
grant is restored; a second gateway process on the same store file is refused; and a second
ledger on the same key (another process with its own store) is detected from the chain and
reported loudly."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from inprocess import charge, own_gateway, payer_for, until_confirmed
from payer import digits

from modelmint.dev.testing import wait_until
from modelmint.gateway.app import create_app
from modelmint.wire import HEADER_PAYMENT_REQUIRED, decode_payment_required

gateway = own_gateway(9)


def _readyz(url: str) -> httpx.Response:
    return httpx.get(url + "/readyz", timeout=5.0)


def _offer(url: str) -> tuple:
    answer = httpx.post(url + "/v1/predict", json=digits(), timeout=5.0)
    assert answer.status_code == 402, answer.text
    return decode_payment_required(answer.headers[HEADER_PAYMENT_REQUIRED]).accepts


# ----------------------------------------------------------------------------- grant
def test_grant__revoked_then_restored__readyz_402_and_log_follow(
    launch, protocol, gateway, model_owner
):
    registry, model_id = protocol["registry"], protocol["model_id"]
    process = launch(refresh_interval=0.3)
    assert _offer(process.url)
    registry.setGateway(model_id, gateway, False, sender=model_owner)
    try:
        lapsed = wait_until(
            lambda: (r := _readyz(process.url)).status_code == 503 and r.json(),
            "/readyz to fail after the grant was revoked",
        )
        assert lapsed["error"]["code"] == "not_ready"
        assert lapsed["error"]["reason"] == "gateway_not_allowed"
        assert _offer(process.url) == ()  # no channel offered
        assert "no longer allowed" in process.log()
    finally:
        registry.setGateway(model_id, gateway, True, sender=model_owner)
    wait_until(lambda: _readyz(process.url).status_code == 200, "/readyz to recover")
    assert _offer(process.url)[0].pay_to == gateway.address


# ----------------------------------------------------------------------------- two processes
def test_start__second_process_on_same_store__refused(launch, tmp_path):
    store = tmp_path / "shared.sqlite3"
    launch(store_path=store)
    with pytest.raises(RuntimeError, match="already runs the serve role"):
        launch(store_path=store)


def test_two_ledgers_one_key__settled_beyond_charges__readyz_log_metric_report(
    services, consumer, consumer_key, open_channel, protocol, caplog
):
    first, second = services(), services()  # one key, two stores: two ledgers
    channel = open_channel(consumer, 10)
    first_payer = payer_for(first, consumer_key, channel)
    assert charge(first, first_payer.payload(amount=3), cost=3).charged_credits == 3
    second_payer = payer_for(second, consumer_key, channel)
    assert charge(second, second_payer.payload(amount=1)).charged_credits == 1
    # The second settles its 1 credit, then the first its 3: the chain moves without it.
    second.settler.run_once(force=True)
    until_confirmed(second.settler)
    first.settler.run_once(force=True)
    until_confirmed(first.settler)
    assert protocol["credits"].channel(channel.channel_id).settled == 3
    second.settler.run_once()  # re-reads its recently settled channels
    app = create_app(second.settings, second)

    async def run():
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                return await client.get("/readyz"), await client.get("/metrics")

    with caplog.at_level(logging.ERROR, logger="modelmint.gateway.monitor"):
        readyz, metrics = asyncio.run(run())
    services.started.remove(second)  # the app's lifespan closed it
    assert readyz.status_code == 503
    assert readyz.json()["error"]["reason"] == "foreign_settlement"
    assert "modelmint_gateway_foreign_settled_channels 1.0" in metrics.text
    assert any("another ledger" in r.getMessage() for r in caplog.records)
