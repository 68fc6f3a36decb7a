"""The SQLite store: charges extend the running total exactly, survive a reopen, and
group commits from concurrent requests are all durable."""

import asyncio

import pytest

from modelmint.gateway.committer import MAX_PROBE_EVERY, PROBE_EVERY, GroupCommitter
from modelmint.gateway.errors import GatewayErrorCode, StoreError
from modelmint.gateway.store import Charge, Settlement, SettlementStatus, SqliteStore

# A channel id is the keccak of its terms: anything up to 2**256 - 1.
BIG_ID = 2**256 - 1 - 7
SALT = 2**255 + 3


def charge(
    channel_id: int, credits: int, total: int, cumulative: int | None = None, **terms: int
) -> Charge:
    return Charge(
        channel_id=channel_id,
        consumer="0x" + "ab" * 20,
        credits=credits,
        charged_total=total,
        cumulative=total if cumulative is None else cumulative,
        deadline=1_900_000_000,
        signature=b"\x01" * 65,
        **terms,
    )


def check_256_bit_ids(first, second) -> None:
    """``second`` (another handle on ``first``'s database) reads back a 256-bit channel id,
    its terms, charges, settlement and bad receipt exactly."""
    first.record_charges([charge(BIG_ID, 2, 2, model_id=2**200, salt=SALT)])
    first.record_charges([charge(BIG_ID, 3, 5, model_id=2**200, salt=SALT)])
    record = second.channel(BIG_ID)
    assert (record.channel_id, record.model_id, record.salt, record.charged) == (
        BIG_ID, 2**200, SALT, 5,
    )  # fmt: skip
    assert second.channel(BIG_ID - 1) is None
    assert [c.channel_id for c in second.charges(BIG_ID)] == [BIG_ID, BIG_ID]
    assert [c.channel_id for c in second.unsettled()] == [BIG_ID]
    second.set_settled(BIG_ID, 5)
    assert first.unsettled() == []
    first.add_settlement(Settlement("0xcd", {BIG_ID: 5}, SettlementStatus.PENDING, 1.0, 1))
    assert second.settlements()[0].channels == {BIG_ID: 5}
    first.record_bad_receipt(BIG_ID, 5, "why")
    assert second.bad_receipts() == [(BIG_ID, 5, "why")]


def test_record_charges__reopened__totals_and_receipt_kept(tmp_path):
    store = SqliteStore(tmp_path / "s.sqlite3")
    store.record_charges([charge(7, 2, 2), charge(7, 3, 5, cumulative=6)])
    store.close()
    again = SqliteStore(tmp_path / "s.sqlite3")
    record = again.channel(7)
    assert (record.charged, record.cumulative, record.settled) == (5, 6, 0)
    assert [c.credits for c in again.charges(7)] == [2, 3]
    assert [c.channel_id for c in again.unsettled()] == [7]
    again.set_settled(7, 5)
    assert again.unsettled() == []


def test_record_charges__256_bit_channel_id__id_terms_and_totals_kept(tmp_path):
    store = SqliteStore(tmp_path / "s.sqlite3")
    check_256_bit_ids(store, store)
    store.close()
    assert SqliteStore(tmp_path / "s.sqlite3").channel(BIG_ID).salt == SALT


def test_init__version_1_file__migrated_to_terms_columns(tmp_path):
    import sqlite3

    from modelmint.gateway.store import SCHEMA_VERSION

    path = tmp_path / "s.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE channels (channel_id TEXT PRIMARY KEY, consumer TEXT NOT NULL,"
        " charged TEXT NOT NULL, cumulative TEXT NOT NULL, deadline TEXT NOT NULL,"
        " signature BLOB NOT NULL, settled TEXT NOT NULL DEFAULT '0', updated_at REAL NOT NULL);"
        "CREATE TABLE schema_version (version INTEGER NOT NULL);"
        "INSERT INTO schema_version VALUES (1);"
        "INSERT INTO channels VALUES ('7', '0xab', '5', '6', '9', x'01', '0', 1.0);"
    )
    old.close()
    store = SqliteStore(path)
    record = store.channel(7)
    assert (record.charged, record.model_id, record.salt) == (5, 0, 0)
    store.set_settled(7, 5)
    check_256_bit_ids(store, store)
    store.close()
    rows = sqlite3.connect(path).execute("SELECT version FROM schema_version").fetchall()
    assert rows == [(SCHEMA_VERSION,)] and SCHEMA_VERSION == 2


def test_init__file_of_a_newer_gateway__store_unavailable(tmp_path):
    import sqlite3

    SqliteStore(tmp_path / "s.sqlite3").close()
    db = sqlite3.connect(tmp_path / "s.sqlite3")
    with db:
        db.execute("UPDATE schema_version SET version = 99")
    db.close()
    with pytest.raises(StoreError) as refused:
        SqliteStore(tmp_path / "s.sqlite3")
    assert refused.value.code.value == "store_unavailable"


def test_record_charges__gap_in_total__rejected_atomically(tmp_path):
    store = SqliteStore(tmp_path / "s.sqlite3")
    store.record_charges([charge(1, 2, 2)])
    with pytest.raises(StoreError) as refused:
        store.record_charges([charge(2, 1, 1), charge(1, 1, 4)])  # 2 + 1 != 4
    assert refused.value.code is GatewayErrorCode.CHARGE_CONFLICT
    assert store.channel(2) is None  # nothing of the failed group was written
    assert store.channel(1).charged == 2


@pytest.mark.parametrize("inline", [False, True])
def test_group_committer__concurrent_charges__all_durable(tmp_path, inline):
    store = SqliteStore(tmp_path / "s.sqlite3", "NORMAL" if inline else "FULL")
    committer = GroupCommitter(store, inline=inline)

    async def run():
        await asyncio.gather(*(committer.commit(charge(c, 1, 1)) for c in range(1, 51)))

    asyncio.run(run())
    committer.close()
    assert sorted(c.channel_id for c in store.all_channels()) == list(range(1, 51))


def test_group_committer__one_refused_charge_in_group__only_its_request_fails(tmp_path):
    store = SqliteStore(tmp_path / "s.sqlite3")
    store.record_charges([charge(1, 2, 2)])
    committer = GroupCommitter(store, inline=True)

    async def run():
        charges = (charge(2, 1, 1), charge(1, 1, 4), charge(3, 1, 1))  # 2 + 1 != 4
        return await asyncio.gather(*map(committer.commit, charges), return_exceptions=True)

    stored, refused, other = asyncio.run(run())
    committer.close()
    assert stored is None and other is None
    assert refused.code is GatewayErrorCode.CHARGE_CONFLICT
    assert [(c.channel_id, c.charged) for c in store.all_channels()] == [(1, 2), (2, 1), (3, 1)]


def test_group_committer__alone__inline_with_a_group_probe_every_few_commits(tmp_path):
    store = SqliteStore(tmp_path / "s.sqlite3")
    committer = GroupCommitter(store, inline=True)
    total = 0
    for _ in range(PROBE_EVERY):
        assert committer.inline
        total += 1
        committer.commit_now(charge(1, 1, total))
    assert not committer.inline  # the probe: the next charge waits for company
    asyncio.run(committer.commit(charge(1, 1, total + 1)))
    assert committer.inline  # a group of one: alone again
    committer.close()
    assert store.channel(1).charged == PROBE_EVERY + 1


def test_group_committer__probes_find_nobody__interval_doubles_then_resets_under_load(tmp_path):
    store = SqliteStore(tmp_path / "s.sqlite3")
    committer = GroupCommitter(store, inline=True)
    total = 0

    def alone_until_probe() -> int:
        nonlocal total
        commits = 0
        while committer.inline:
            total += 1
            commits += 1
            committer.commit_now(charge(1, 1, total))
        total += 1
        asyncio.run(committer.commit(charge(1, 1, total)))  # the probe: a group of one
        return commits

    intervals = [alone_until_probe() for _ in range(7)]
    assert intervals == [PROBE_EVERY * 2**k for k in range(5)] + [MAX_PROBE_EVERY] * 2

    async def together():  # load: a group of two
        await asyncio.gather(*(committer.commit(charge(c, 1, 1)) for c in (2, 3)))

    asyncio.run(together())
    assert not committer.inline  # the last group had company: the next charge waits
    total += 1
    asyncio.run(committer.commit(charge(1, 1, total)))  # alone again
    assert alone_until_probe() == PROBE_EVERY
    committer.close()
    assert store.channel(1).charged == total


def test_use_nonce__second_use__replay(tmp_path):
    store = SqliteStore(tmp_path / "s.sqlite3")
    assert store.use_nonce("0xAb", 5, 2_000_000_000)
    assert not store.use_nonce("0xab", 5, 2_000_000_000)
    assert store.use_nonce("0xab", 6, 2_000_000_000)


def test_settlements__status_moves__listed_by_status(tmp_path):
    store = SqliteStore(tmp_path / "s.sqlite3")
    store.add_settlement(Settlement("0x01", {3: 10, 4: 2}, SettlementStatus.PENDING, 1.0, 0))
    store.set_settlement_status("0x01", SettlementStatus.CONFIRMED)
    assert store.settlements(SettlementStatus.PENDING) == []
    assert store.settlements(SettlementStatus.CONFIRMED)[0].channels == {3: 10, 4: 2}


def test_lead__two_stores_on_one_file__one_settler_then_the_other(tmp_path):
    first, second = SqliteStore(tmp_path / "s.sqlite3"), SqliteStore(tmp_path / "s.sqlite3")
    assert first.lead() and first.lead()
    assert not second.lead()
    first.close()  # a dead process releases its lock the same way
    assert second.lead()
    second.close()


def test_init__fresh_file__schema_version_recorded_once(tmp_path):
    import sqlite3

    from modelmint.gateway.store import SCHEMA_VERSION

    SqliteStore(tmp_path / "s.sqlite3").close()
    SqliteStore(tmp_path / "s.sqlite3").close()
    rows = sqlite3.connect(tmp_path / "s.sqlite3").execute("SELECT version FROM schema_version")
    assert rows.fetchall() == [(SCHEMA_VERSION,)]
