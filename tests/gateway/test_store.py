"""The SQLite store: charges extend the running total exactly, survive a reopen, and
group commits from concurrent requests are all durable."""

import asyncio

import pytest

from modelmint.gateway.committer import PROBE_EVERY, GroupCommitter
from modelmint.gateway.errors import GatewayErrorCode, StoreError
from modelmint.gateway.store import Charge, Settlement, SettlementStatus, SqliteStore


def charge(channel_id: int, credits: int, total: int, cumulative: int | None = None) -> Charge:
    return Charge(
        channel_id=channel_id,
        consumer="0x" + "ab" * 20,
        credits=credits,
        charged_total=total,
        cumulative=total if cumulative is None else cumulative,
        deadline=1_900_000_000,
        signature=b"\x01" * 65,
    )


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
