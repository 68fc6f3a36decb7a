"""Bounded memory and a bounded rate of node calls for what strangers can make the gateway
remember or ask: an LRU map with a size (and optional age) bound, and a token bucket.

    >>> cache: Lru[str, bool] = Lru(maxsize=10_000, ttl=60.0)
    >>> cache.put("0xabc", True); cache.get("0xabc")
    True
    >>> bucket = TokenBucket(rate=50.0, burst=200)
    >>> bucket.take()           # False once the burst is spent faster than `rate` per second
    True
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Lru(Generic[K, V]):
    """At most ``maxsize`` entries, least recently used evicted first; with ``ttl`` an
    entry older than ``ttl`` seconds reads as absent. ``evictable(value)`` may veto the
    eviction of an entry in use (the map then holds more until it is released)."""

    def __init__(
        self,
        maxsize: int,
        ttl: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        evictable: Callable[[V], bool] | None = None,
    ):
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self.maxsize, self.ttl, self._clock, self._evictable = maxsize, ttl, clock, evictable
        self._data: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        stored_at, value = entry
        if self.ttl is not None and self._clock() - stored_at >= self.ttl:
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._data[key] = (self._clock(), value)
        self._data.move_to_end(key)
        self._trim()

    def pop(self, key: K) -> V | None:
        entry = self._data.pop(key, None)
        return None if entry is None else entry[1]

    def _trim(self) -> None:
        if len(self._data) <= self.maxsize:
            return
        for key in list(self._data)[:-1]:  # never the entry just put
            if len(self._data) <= self.maxsize:
                return
            value = self._data[key][1]
            if self._evictable is None or self._evictable(value):
                del self._data[key]

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def values(self) -> Iterator[V]:
        return (value for _, value in self._data.values())


class TokenBucket:
    """``rate`` tokens per second up to ``burst``; :meth:`take` spends one if there is one."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self._clock = rate, burst, clock
        self._tokens = float(burst)
        self._at = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True
