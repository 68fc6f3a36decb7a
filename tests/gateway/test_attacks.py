"""What an outside attacker tried against the gateway, in process against the real chain:
bodies that blow the parser's stack or a float's range, a flood of requests naming channel
ids that do not exist (node calls and memory stay bounded), and a gateway whose own clock
lags the chain (it judges channels by chain time)."""

from __future__ import annotations

import asyncio
import random
import time

import httpx
import pytest
from eth_account import Account
from inprocess import charge, code_of, own_gateway, payer_for

from modelmint.credits import ChannelTerms
from modelmint.dev.testing import wait_until
from modelmint.errors import ErrorCode, WireError
from modelmint.gateway.app import PREDICT_PATH, create_app
from modelmint.gateway.bounds import Lru, TokenBucket
from modelmint.gateway.monitor import ChainClock, Monitor

gateway = own_gateway(8)

GRACE = 24 * 3600


class CountingProvider:
    """Counts every JSON-RPC request the gateway's web3 sends."""

    def __init__(self, provider):
        self.provider, self.calls = provider, 0

    def __getattr__(self, name):
        return getattr(self.provider, name)

    def make_request(self, method, params):
        self.calls += 1
        return self.provider.make_request(method, params)


def _post(service, content: bytes) -> httpx.Response:
    app = create_app(service.settings, service)

    async def run():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            return await client.post(
                PREDICT_PATH, content=content, headers={"content-type": "application/json"}
            )

    return asyncio.run(run())


# ----------------------------------------------------------------------------- bodies
@pytest.mark.parametrize(
    "content",
    [b"[" * 100_000, b'{"inputs": [[' + b",".join([b"1"] * 63 + [b"1" + b"0" * 400]) + b"]]}"],
    ids=["100k-nested-brackets", "integer-10^400"],
)
def test_predict__parser_or_float_overflow__422_invalid_input_json(services, content):
    service = services(payments_enabled=False)
    answer = _post(service, content)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == ErrorCode.INVALID_INPUT.value


# ----------------------------------------------------------------------------- flood
def test_ledger__3000_unknown_channel_ids__bounded_rpc_calls_and_caches(
    services, consumer, consumer_key, open_channel
):
    rate, burst, ttl, max_channels = 5.0, 10, 1.0, 16
    service = services(
        rpc_miss_rate=rate,
        rpc_miss_burst=burst,
        unknown_channel_ttl=ttl,
        max_channels=max_channels,
    )
    counter = CountingProvider(service.chain.w3.provider)
    service.chain.w3.provider = counter
    attacker = Account.create()
    rng = random.Random(7)
    codes: dict[str, int] = {}
    began = time.monotonic()
    model_id = service.terms.model_id
    flood = payer_for(
        service, attacker, ChannelTerms(attacker.address, service.account.address, model_id)
    )
    for i in range(3000):
        # Never-opened terms (a fresh salt, or a salt seen before: answered from the cache of
        # unknown ids), and ids that are not their terms' (refused before any read).
        salt = rng.randrange(2**256) if i % 3 else rng.randrange(8)
        terms = ChannelTerms(attacker.address, service.account.address, model_id, salt)
        payload = flood.payload(
            amount=1, terms=terms, channel_id=None if i % 5 else rng.randrange(2**256)
        )
        code = code_of(lambda p=payload: charge(service, p))
        codes[code.value] = codes.get(code.value, 0) + 1
    elapsed = time.monotonic() - began
    assert set(codes) == {
        ErrorCode.UNKNOWN_CHANNEL.value,
        ErrorCode.RPC_UNAVAILABLE.value,
        ErrorCode.CHANNEL_TERMS_MISMATCH.value,
    }, codes
    assert counter.calls <= burst + rate * elapsed + 2, (counter.calls, elapsed)
    assert counter.calls < 300
    assert service.ledger.cached_channels == 0
    # Real channels fill the per-channel cache up to its bound, not beyond.
    for _ in range(max_channels + 4):
        payer = payer_for(
            service, consumer_key, open_channel(consumer, 5, gw=service.account.address)
        )
        wait_until(lambda p=payer: _try(service, p), "a token for a new channel read")
        assert service.ledger.cached_channels <= max_channels


def _try(service, payer) -> bool:
    try:
        return charge(service, payer.payload(amount=1)).charged_credits == 1
    except WireError as err:
        # Rate-limited, or answered from the cache of unknown ids: a token or the cache's
        # expiry (unknown_channel_ttl) comes within a second.
        if err.code in (ErrorCode.RPC_UNAVAILABLE, ErrorCode.UNKNOWN_CHANNEL):
            return False
        raise


def test_lru_and_bucket__bounds__held():
    now = [0.0]
    cache: Lru[int, int] = Lru(3, ttl=10.0, clock=lambda: now[0], evictable=lambda v: v != 0)
    for key in range(1, 6):
        cache.put(key, key)
    assert len(cache) == 3 and cache.get(1) is None and cache.get(5) == 5
    cache.put(6, 0)  # in use: never evicted, the map holds more until it is released
    cache.put(7, 0)
    assert 6 in cache and 7 in cache
    now[0] = 11.0
    assert cache.get(7) is None  # older than ttl
    bucket = TokenBucket(rate=2.0, burst=2, clock=lambda: now[0])
    assert [bucket.take() for _ in range(3)] == [True, True, False]
    now[0] += 0.5
    assert bucket.take() and not bucket.take()


# ----------------------------------------------------------------------------- clock
@pytest.fixture
def time_travel(chain):
    """Moves the chain's clock forward; the chain (and its clock) are restored afterwards."""
    snapshot = chain.snapshot()
    web3 = chain.provider.web3

    def _travel(seconds: int) -> None:
        web3.provider.make_request("evm_increaseTime", [seconds])
        web3.provider.make_request("evm_mine", [])

    yield _travel
    chain.restore(snapshot)


def test_ledger__gateway_clock_behind_chain__closed_channel_refused(
    services, consumer, consumer_key, open_channel, protocol, chain, time_travel
):
    service = services()
    monitor = Monitor(service, ChainClock(local=time.time))
    channel = open_channel(consumer, 10, gw=service.account.address)
    payer = payer_for(service, consumer_key, channel)
    # The chain's clock, not the wall clock, sets the deadline (the chain may lag the wall).
    deadline = max(int(time.time()), int(chain.pending_timestamp)) + 3600
    assert charge(service, payer.payload(amount=1, deadline=deadline)).charged_credits == 1
    payer.charged = 1
    # The chain moves past expiry + grace (the gateway's own clock stays behind it) and the
    # consumer takes the deposit back.
    time_travel(2 * GRACE)
    protocol["credits"].closeChannel(channel.as_args(), sender=consumer)
    wait_until(lambda: (monitor.poll(), monitor.clock.skew() > GRACE)[1], "chain time read")
    late = payer.payload(amount=1, deadline=int(chain.pending_timestamp) + 3600)
    assert code_of(lambda: charge(service, late)) in (
        ErrorCode.CHANNEL_CLOSED,
        ErrorCode.CHANNEL_EXPIRED,
    )
    assert service.ledger.channel_state(channel.channel_id).charged == 1
