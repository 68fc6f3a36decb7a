"""The PostgreSQL store against a real server: the SQLite store's semantics, a channel
held in one process blocks it in every other, the settler's leader lock is exclusive and
passes on, and a database that goes away is ``store_unavailable`` until it is back."""

import threading

import psycopg
import pytest
from test_store import BIG_ID, charge, check_256_bit_ids

from modelmint.dev.testing import wait_until
from modelmint.errors import ErrorCode
from modelmint.gateway.errors import GatewayErrorCode, StoreError
from modelmint.gateway.pgstore import PostgresStore
from modelmint.gateway.store import SCHEMA_VERSION, Settlement, SettlementStatus


@pytest.fixture
def stores(pg_url):
    """Two stores on one database, as two gateway processes hold them."""
    opened = [PostgresStore(pg_url, pool_size=4, timeout=2.0) for _ in range(2)]
    yield opened
    for store in opened:
        store.close()


def test_init__fresh_database__schema_created_with_version(stores, pg_url):
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT version FROM gateway.schema_version").fetchall()
    assert rows == [(SCHEMA_VERSION,)]
    assert stores[1].migrate() == SCHEMA_VERSION  # idempotent: still one row
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM gateway.schema_version").fetchone() == (1,)


def test_record_charges__totals_receipts_settlements__as_sqlite(stores):
    first, second = stores
    first.record_charges([charge(7, 2, 2), charge(7, 3, 5, cumulative=6)])
    record = second.channel(7)
    assert (record.charged, record.cumulative, record.settled) == (5, 6, 0)
    assert [c.credits for c in second.charges(7)] == [2, 3]
    with pytest.raises(StoreError) as exc:
        second.record_charges([charge(7, 1, 7)])  # gap: does not extend 5
    assert exc.value.code is GatewayErrorCode.CHARGE_CONFLICT
    assert second.channel(7).charged == 5
    second.set_settled(7, 5)
    assert first.unsettled() == []
    first.add_settlement(Settlement("0xab", {7: 5}, SettlementStatus.PENDING, 1.0, 3))
    second.set_settlement_status("0xab", SettlementStatus.CONFIRMED)
    assert first.settlements(SettlementStatus.CONFIRMED)[0].channels == {7: 5}
    assert first.use_nonce("0xA", 1, 2**40) and not second.use_nonce("0xa", 1, 2**40)
    first.record_bad_receipt(7, 6, "why")
    assert second.bad_receipts() == [(7, 6, "why")]


def test_record_charges__256_bit_channel_id__held_and_read_back(stores):
    check_256_bit_ids(*stores)
    held = stores[0].hold(BIG_ID, lock_timeout=2.0)
    assert held.record is not None and held.record.channel_id == BIG_ID
    held.release()


def test_migrate__version_1_database__terms_columns_added(pg_url):
    with psycopg.connect(pg_url) as conn:
        conn.execute(
            "CREATE SCHEMA gateway; CREATE TABLE gateway.schema_version (version INTEGER);"
            " INSERT INTO gateway.schema_version VALUES (1);"
            " CREATE TABLE gateway.channels (channel_id NUMERIC(78) PRIMARY KEY,"
            " consumer TEXT NOT NULL, charged NUMERIC(78) NOT NULL, cumulative NUMERIC(78)"
            " NOT NULL, deadline NUMERIC(78) NOT NULL, signature BYTEA NOT NULL,"
            " settled NUMERIC(78) NOT NULL DEFAULT 0, updated_at DOUBLE PRECISION NOT NULL);"
            " INSERT INTO gateway.channels VALUES (7, '0xab', 5, 6, 9, '\\x01', 0, 1.0)"
        )
    store = PostgresStore(pg_url, pool_size=2, timeout=2.0)
    try:
        record = store.channel(7)
        assert (record.charged, record.model_id, record.salt) == (5, 0, 0)
        with psycopg.connect(pg_url) as conn:
            rows = conn.execute("SELECT version FROM gateway.schema_version").fetchall()
        assert rows == [(SCHEMA_VERSION,)]
    finally:
        store.close()


def test_hold__held_in_another_process__waits_then_reads_its_charge(stores):
    first, second = stores
    held = first.hold(9, lock_timeout=2.0)
    assert held.record is None
    got = []
    waiter = threading.Thread(target=lambda: got.append(second.hold(9, lock_timeout=10.0)))
    waiter.start()
    held.commit_now(charge(9, 4, 4))  # stored, committed, lock released
    waiter.join(timeout=15)
    assert got[0].record.charged == 4  # read under the lock: never a stale total
    got[0].release()


def test_hold__held_past_lock_timeout__channel_busy_and_nothing_stored(stores):
    first, second = stores
    held = first.hold(11, lock_timeout=2.0)
    with pytest.raises(StoreError) as exc:
        second.hold(11, lock_timeout=0.2)
    assert exc.value.code is ErrorCode.CHANNEL_BUSY
    held.release()
    assert second.channel(11) is None
    second.hold(11, lock_timeout=0.2).release()  # free again


def test_lead__two_processes__one_leader_then_the_other_after_close(stores, pg_url):
    first, second = stores
    assert first.lead() and first.lead()
    assert not second.lead()
    first.close()
    assert second.lead()
    stores[0] = PostgresStore(pg_url, pool_size=2, timeout=2.0)
    assert not stores[0].lead()


def test_database_killed__store_unavailable_then_recovers(stores, postgres):
    first, _ = stores
    first.record_charges([charge(13, 1, 1)])
    assert first.lead()
    postgres.kill()
    try:
        with pytest.raises(StoreError) as exc:
            first.channel(13)
        assert exc.value.code is ErrorCode.STORE_UNAVAILABLE
        with pytest.raises(StoreError) as exc:
            first.hold(13, lock_timeout=1.0)
        assert exc.value.code is ErrorCode.STORE_UNAVAILABLE
        assert not first.lead()
    finally:
        postgres.restart()
    record = wait_until(lambda: _channel_or_none(first, 13), "the store reading again")
    assert record.charged == 1
    assert wait_until(first.lead, "the leader lock taken again")


def _channel_or_none(store, channel_id):
    try:
        return store.channel(channel_id)
    except StoreError:
        return None
