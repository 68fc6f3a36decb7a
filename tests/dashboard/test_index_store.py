"""The index's stores: one PostgreSQL database shared with a gateway, the API on a dead
database (503, the one JSON error body, recovery), schema versions and refused URLs."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from fastapi.testclient import TestClient
from web3 import Web3

from modelmint.dashboard.app import DashboardSettings, create_app
from modelmint.dashboard.errors import DashboardError, DashboardErrorCode
from modelmint.dashboard.indexer import Indexer
from modelmint.dashboard.store import SCHEMA_VERSION, open_index_store
from modelmint.dev.postgres import PostgresServer
from modelmint.dev.testing import wait_until
from modelmint.errors import error_body
from modelmint.gateway.pgstore import PostgresStore
from modelmint.gateway.store import SCHEMA_VERSION as GATEWAY_SCHEMA_VERSION
from modelmint.gateway.store import Charge
from modelmint.records import Record


def _tables(url: str) -> dict[str, set[str]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_schema IN ('gateway', 'indexer')"
        ).fetchall()
    found: dict[str, set[str]] = {}
    for schema, table in rows:
        found.setdefault(schema, set()).add(table)
    return found


def test_index_store__database_shared_with_a_gateway__both_schemas_kept_apart(market, pg_url):
    gateway = PostgresStore(pg_url, pool_size=2)
    charge = Charge(7, "0x" + "11" * 20, 3, 3, 5, 2**40, b"\x01" * 65, b"\x02" * 32, 1.0)
    gateway.record_charges([charge])
    indexer = Indexer(
        Web3(Web3.HTTPProvider(market.rpc)), Record.load(market.record_path), pg_url,
        confirmations=0,
    )  # fmt: skip
    result = indexer.sync()
    gateway.record_charges([Charge(7, charge.consumer, 2, 5, 5, 2**40, b"\x03" * 65)])

    tables = _tables(pg_url)
    assert {"schema_version", "channels", "charges", "settlements"} <= tables["gateway"]
    assert tables["indexer"] == {"schema_version", "meta", "blocks", "contracts", "events"}
    assert gateway.migrate() == GATEWAY_SCHEMA_VERSION == 2
    assert indexer.store.schema_version() == SCHEMA_VERSION
    assert [c.credits for c in gateway.charges(7)] == [3, 2]
    assert gateway.channel(7).charged == 5
    assert result.events > 0 and len(indexer.events()) == result.events
    indexer.close()
    gateway.close()


@pytest.fixture(scope="module")
def own_server():
    """A PostgreSQL server of this module alone: its tests kill and restart it."""
    server = PostgresServer.start()
    yield server
    server.stop()


def test_api__index_database_killed__store_unavailable_503_then_recovers(market, own_server):
    settings = DashboardSettings(
        record=market.record_path, rpc=market.rpc, db=own_server.url, confirmations=0
    )
    app = create_app(settings, follow=False)
    with TestClient(app) as client:
        app.state.indexer.sync()
        before = client.get("/api/status")
        assert before.status_code == 200

        own_server.kill()
        try:
            down = client.get("/api/status")
            catalog = client.get("/api/models")
            with pytest.raises(DashboardError) as failed:
                app.state.indexer.sync()
        finally:
            own_server.restart()
        back = wait_until(
            lambda: (r := client.get("/api/status")).status_code == 200 and r,
            "the dashboard to answer again once its database is back",
        )

    for response in (down, catalog):
        assert response.status_code == 503
        body = response.json()
        assert body == error_body(DashboardErrorCode.STORE_UNAVAILABLE, body["error"]["message"])
    assert failed.value.code == DashboardErrorCode.STORE_UNAVAILABLE
    assert back.json()["indexedTo"] == before.json()["indexedTo"]  # nothing lost
    assert app.state.indexer.sync().rolled_back_from is None
    app.state.indexer.close()


def test_open_index_store__newer_schema__refused(tmp_path):
    path = tmp_path / "index.sqlite"
    open_index_store(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))

    with pytest.raises(DashboardError) as refused:
        open_index_store(path)

    assert refused.value.code == DashboardErrorCode.STORE_UNAVAILABLE
    assert f"version {SCHEMA_VERSION + 1}" in refused.value.message


def test_open_index_store__unknown_scheme__refused(tmp_path):
    with pytest.raises(DashboardError) as refused:
        open_index_store("mysql://db/index")

    assert refused.value.code == DashboardErrorCode.STORE_UNAVAILABLE
    assert "mysql://" in refused.value.message


def test_open_index_store__unreachable_database__store_unavailable(own_server):
    dead = own_server.url.replace(f":{own_server.port}/", ":1/")

    with pytest.raises(DashboardError) as refused:
        open_index_store(dead, timeout=1)

    assert refused.value.code == DashboardErrorCode.STORE_UNAVAILABLE


def test_index_store__256_bit_channel_id_in_event_args__stored_as_decimal_text(tmp_path):
    from modelmint.dashboard.indexer import _jsonable
    from modelmint.dashboard.store import Batch, Block, Event

    store = open_index_store(tmp_path / "index.sqlite3")
    big = 2**256 - 11
    args = {k: _jsonable(v) for k, v in {"channelId": big, "salt": 2**255, "modelId": 3}.items()}
    event = Event(5, 0, "0xaa", "0x" + "11" * 20, "UsageCredits", "ChannelOpened", 3, args, 7)
    store.store(Batch(5, [event], [], [Block(5, "0xbb", 7)]))
    [back] = store.events(["ChannelOpened"])
    assert back.args == {"channelId": str(big), "salt": str(2**255), "modelId": 3}
    assert int(back.args["channelId"]) == big
    store.close()
