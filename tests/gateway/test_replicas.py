"""Gateway replicas on one key and one PostgreSQL database (real processes, real server):
interleaved requests on one channel are charged once each with a strictly increasing
total; kill -9 of a replica under load loses nothing and settlement matches the stored
charges; a database restarted under load is 503 ``store_unavailable`` while down and
served again without restarting the gateways; a settler leader killed with its
settlement in flight is followed by another, nothing settled twice. Also ``--workers``."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable

import httpx
import psycopg
import pytest
from eth_account import Account
from payer import Payer

from modelmint.dev.testing import WAIT_CEILING, wait_until

OK_REFUSALS = ("cumulative_mismatch", "channel_busy")


@pytest.fixture(scope="module")
def consumer_key(consumer):
    return Account.from_key(consumer.private_key)


def _code(answer: httpx.Response) -> str:
    from modelmint.wire import HEADER_PAYMENT_REQUIRED, decode_payment_required

    if answer.status_code == 402:
        return decode_payment_required(answer.headers[HEADER_PAYMENT_REQUIRED]).error
    return answer.json()["error"]["code"]


def _stored(pg_url: str) -> list[tuple[int, int, int, int]]:
    """Every stored charge: (channel, credits, charged total, signed cumulative), in order."""
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "SELECT channel_id, credits, charged_total, cumulative FROM gateway.charges ORDER BY id"
        ).fetchall()
    return [tuple(int(x) for x in r) for r in rows]  # type: ignore[misc]


def _assert_chain_of_charges(stored: list[tuple[int, int, int, int]], baseline: int = 0) -> None:
    """Per channel: each charge extends the previous total exactly, and both the total and
    the signed cumulative strictly increase (no receipt charged twice)."""
    last: dict[int, tuple[int, int]] = {}
    for channel, credits, total, cumulative in stored:
        before, before_cumulative = last.get(channel, (baseline, baseline))
        assert credits > 0 and total == before + credits, (channel, credits, total, before)
        assert cumulative > before_cumulative and cumulative >= total
        last[channel] = (total, cumulative)


class Load:
    """Threads paying on ``payers``, each call sent to ``pick(thread, call)``'s URL; every
    answer is kept as (channel, status, code, charged total after a 200)."""

    def __init__(self, payers: list[Payer], pick: Callable[[int, int], str]):
        self.payers, self.pick = payers, pick
        self.answers: list[tuple[int, int, str, int]] = []
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(len(payers))
        ]

    def _run(self, i: int) -> None:
        p = self.payers[i]
        calls = 0
        while not self.stop.is_set():
            p.url = self.pick(i, calls)
            calls += 1
            try:
                answer = p.pay(items=1 + calls % 2)
            except httpx.HTTPError:
                continue  # a replica killed meanwhile: the next call goes elsewhere
            code = "ok" if answer.status_code == 200 else _code(answer)
            self.answers.append((p.channel_id, answer.status_code, code, p.charged))

    def delivered(self) -> list[tuple[int, int]]:
        return [(c, total) for c, status, _, total in self.answers if status == 200]

    def __enter__(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=WAIT_CEILING)


def _settle(env: dict[str, str]) -> None:
    settle = [sys.executable, "-m", "modelmint.gateway", "settle", "--once", "--force"]
    for _ in range(2):  # the second pass finds nothing left to settle
        done = subprocess.run(
            settle, env=env, capture_output=True, text=True, timeout=2 * WAIT_CEILING
        )
        assert done.returncode == 0, done.stderr


def _totals(stored: list[tuple[int, int, int, int]]) -> dict[int, int]:
    totals: dict[int, int] = {}
    for channel, credits, _, _ in stored:
        totals[channel] = totals.get(channel, 0) + credits
    return totals


# ----------------------------------------------------------------------------- replicas
def test_replicas__interleaved_on_one_channel__each_answer_charged_once(
    launch, pg_url, consumer, consumer_key, open_channel
):
    replicas = [launch(store=pg_url), launch(store=pg_url)]
    channel = open_channel(consumer, 10_000)
    payers = [Payer(replicas[0].url, consumer_key, channel) for _ in range(6)]
    with Load(payers, lambda i, n: replicas[(i + n) % 2].url) as load:
        wait_until(lambda: len(load.delivered()) >= 30, "30 paid answers from the two replicas")
    stored = _stored(pg_url)
    _assert_chain_of_charges(stored)
    delivered = load.delivered()
    # Every 200 is one stored charge and every stored charge one 200 (no answer lost here).
    assert sorted(t for _, t in delivered) == [total for _, _, total, _ in stored]
    refused = {code for _, status, code, _ in load.answers if status != 200}
    assert refused <= set(OK_REFUSALS), refused


def test_replica_kill_9_under_load__other_serves_and_settlement_matches_charges(
    launch, pg_url, consumer, consumer_key, open_channel, protocol
):
    first, second = launch(store=pg_url), launch(store=pg_url)
    payers = [Payer(first.url, consumer_key, open_channel(consumer, 10_000)) for _ in range(3)]
    alive = [first, second]
    with Load(payers, lambda i, n: alive[(i + n) % len(alive)].url) as load:
        wait_until(lambda: len(load.delivered()) >= 15, "15 paid answers before the kill")
        alive.remove(first)
        first.kill()
        after = len(load.delivered())
        wait_until(lambda: len(load.delivered()) >= after + 15, "15 paid answers from the survivor")
    stored = _stored(pg_url)
    _assert_chain_of_charges(stored)
    assert set(load.delivered()) <= {(c, total) for c, _, total, _ in stored}, (
        "a delivered answer has no stored charge"
    )
    _settle(second.env)
    totals = _totals(stored)
    for p in payers:
        assert protocol["credits"].channel(p.channel_id).settled == totals[p.channel_id]


def test_database_restarted_under_load__503_store_unavailable_then_served(
    launch, pg_url, postgres, consumer, consumer_key, open_channel
):
    replicas = [launch(store=pg_url, store_timeout=1), launch(store=pg_url, store_timeout=1)]
    payers = [
        Payer(replicas[0].url, consumer_key, open_channel(consumer, 10_000)) for _ in range(3)
    ]
    with Load(payers, lambda i, n: replicas[(i + n) % 2].url) as load:
        wait_until(lambda: len(load.delivered()) >= 10, "10 paid answers before the restart")
        postgres.kill()
        down_from = len(load.answers)
        try:
            wait_until(
                lambda: sum(code == "store_unavailable" for *_, code, _ in load.answers) >= 4,
                "4 answers 503 store_unavailable while the database is down",
            )
            down = load.answers[down_from:]
        finally:
            postgres.restart()
        up_from = len(load.answers)
        wait_until(
            lambda: sum(s == 200 for _, s, _, _ in load.answers[up_from:]) >= 10,
            "10 paid answers again after the restart",
        )
    # Fail closed: while the database was down nothing was served (beyond the one request
    # per thread that was stored before the kill), only 503s.
    assert all(s != 200 for _, s, _, _ in down[len(payers) :]), down
    assert {(s, c) for _, s, c, _ in down if s >= 500} == {(503, "store_unavailable")}
    for replica in replicas:  # both recovered by themselves
        assert replica.proc.poll() is None
    stored = _stored(pg_url)
    _assert_chain_of_charges(stored)
    assert set(load.delivered()) <= {(c, total) for c, _, total, _ in stored}


# ----------------------------------------------------------------------------- leader
def _sent_settlements(process) -> int:
    return process.log().count('"settlement sent"')


def test_settler_leader_killed_with_settlement_in_flight__other_takes_over_once(
    launch, pg_url, consumer, consumer_key, open_channel, protocol, chain
):
    settle = {
        "settle_in_process": "true",
        "settle_interval": 0.5,
        "settle_threshold_credits": 1,
        "confirmations": 2,  # a settlement stays in flight until the test mines a block
    }
    replicas = [launch(store=pg_url, **settle), launch(store=pg_url, **settle)]
    payers = [
        Payer(replicas[0].url, consumer_key, open_channel(consumer, 10_000)) for _ in range(2)
    ]
    with Load(payers, lambda i, n: replicas[(i + n) % len(replicas)].url) as load:
        wait_until(lambda: len(load.delivered()) >= 10, "10 paid answers")
        leader = wait_until(
            lambda: next((r for r in replicas if _sent_settlements(r)), None),
            "a replica sending a settlement",
        )
        leader.kill()  # its settlement is pending (one confirmation short)
        follower = next(r for r in replicas if r is not leader)
        replicas[:] = [follower]
        after = len(load.delivered())
        wait_until(lambda: len(load.delivered()) >= after + 5, "5 paid answers after the kill")
    credits = protocol["credits"]

    def all_settled() -> bool:
        chain.mine(1)
        totals = _totals(_stored(pg_url))
        return all(credits.channel(c).settled == t for c, t in totals.items())

    wait_until(all_settled, "the new leader settling every stored charge", timeout=120)
    assert _sent_settlements(follower) >= 1
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT tx_hash, status, channels FROM gateway.settlements").fetchall()
    # The leader's settlement in flight was followed to confirmed, not sent again.
    assert len({tx for tx, _, _ in rows}) == len(rows)
    assert {status for _, status, _ in rows} <= {"confirmed", "pending"}
    _assert_chain_of_charges(_stored(pg_url))


# ----------------------------------------------------------------------------- workers
def test_workers__sqlite_store__refused_with_named_error(launch):
    process = launch(start=False, workers=2)
    with pytest.raises(RuntimeError, match="needs a PostgreSQL store"):
        process.start()
    assert process.proc.returncode == 2


def test_workers__postgresql_store__workers_serve_one_channel_charged_once(
    launch, pg_url, consumer, consumer_key, open_channel
):
    served = launch(store=pg_url, workers=2)
    channel = open_channel(consumer, 1_000)
    payers = [Payer(served.url, consumer_key, channel) for _ in range(4)]
    with Load(payers, lambda i, n: served.url) as load:
        wait_until(lambda: len(load.delivered()) >= 12, "12 paid answers from the workers")
    stored = _stored(pg_url)
    _assert_chain_of_charges(stored)
    assert sorted(t for _, t in load.delivered()) == [total for _, _, total, _ in stored]
