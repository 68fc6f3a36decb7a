"""Group commit of charges: many concurrent requests, few store transactions.

Each ``await commit(charge)`` returns once its charge is stored in the :class:`Store` (or
raises the store's error, in which case nothing of that group was written); the gateway
sends no paid answer before.

    >>> committer = GroupCommitter(store, inline=True)    # SQLite synchronous=NORMAL
    >>> await committer.commit(charge)
    >>> committer.close()                                  # flushes what is pending
"""

from __future__ import annotations

import asyncio
import threading

from modelmint.errors import ErrorCode
from modelmint.gateway.errors import StoreError
from modelmint.gateway.store import Charge, Store

# Inline commits in a row after which the next charge waits for company again (a probe:
# has the load grown since the last group of one?). A probe that finds no company doubles
# the interval, up to MAX_PROBE_EVERY (a probe costs its request a turn of the event loop,
# several times an inline commit, and a lone caller would pay it for nothing); a group of
# several sets it back.
PROBE_EVERY = 8
MAX_PROBE_EVERY = 256


class GroupCommitter:
    """Commits charges from many concurrent requests in few transactions: each
    ``await commit(charge)`` returns once its charge is stored (or raises the store's
    error, in which case nothing of that group was written).

    ``inline=True`` (for a store whose commit does not wait for the disk, SQLite
    ``synchronous=NORMAL``: ~0.05 ms, most of it the commit's WAL writes) commits on the
    event loop's thread: no thread hop, no wait for the interpreter lock. Alone (the last
    group had one charge) a charge is committed at once (:attr:`inline` true, then
    :meth:`commit_now`); under concurrent load (the last group had several) a charge joins
    the group that the loop commits in one transaction once the requests already ready to
    run have reached their charge (``await commit``), and after ``PROBE_EVERY`` inline
    commits one charge waits for company to see whether load has come (after twice as many
    when the last probe found none, up to ``MAX_PROBE_EVERY``). Otherwise
    (``FULL``: an fsync per commit) a writer thread commits whatever is waiting in one
    transaction."""

    def __init__(self, store: Store, inline: bool = False):
        self._store = store
        self._inline = inline
        self._group: list[tuple[Charge, asyncio.Future[None]]] = []  # the loop's open group
        self._grouping = False  # the next charge waits for company
        self._alone = 0  # inline commits since the last group
        self._probe_every = PROBE_EVERY  # inline commits before the next probe
        self._probing = False  # the open group is a probe's
        self._pending: list[tuple[Charge, asyncio.Future[None]]] = []
        self._wake = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        if not inline:
            self._thread.start()

    @property
    def inline(self) -> bool:
        """True when the next charge is committed at once by :meth:`commit_now`."""
        return self._inline and not self._grouping and not self._group

    def commit_now(self, charge: Charge) -> None:
        """The inline commit (``inline=True`` only)."""
        if self._stopped:
            raise StoreError(ErrorCode.STORE_UNAVAILABLE, "store writer stopped")
        self._alone += 1
        if self._alone >= self._probe_every:
            self._grouping = self._probing = True
        self._store.record_charges([charge])

    async def commit(self, charge: Charge) -> None:
        loop = asyncio.get_running_loop()
        if self._inline:
            if self._stopped:
                raise StoreError(ErrorCode.STORE_UNAVAILABLE, "store writer stopped")
            joined: asyncio.Future[None] = loop.create_future()
            self._group.append((charge, joined))
            if len(self._group) == 1:  # after the callbacks ready now: their charges join
                loop.call_soon(self._commit_group)
            await joined
            return
        future: asyncio.Future[None] = loop.create_future()
        with self._wake:
            if self._stopped:
                raise StoreError(ErrorCode.STORE_UNAVAILABLE, "store writer stopped")
            self._pending.append((charge, future))
            self._wake.notify()
        await future

    def _commit_group(self) -> None:
        """Commits the loop's open group in one transaction (on the loop's thread); if that
        fails, each charge alone, so that one refused charge (a ``charge_conflict``) fails
        only its own request, as an inline commit would."""
        group, self._group = self._group, []
        self._grouping, self._alone = len(group) > 1, 0
        if len(group) > 1:
            self._probe_every = PROBE_EVERY
        elif self._probing:  # a probe found nobody: probe less often
            self._probe_every = min(2 * self._probe_every, MAX_PROBE_EVERY)
        self._probing = False
        try:
            self._store.record_charges([charge for charge, _ in group])
        except Exception:
            for charge, future in group:
                error: BaseException | None = None
                try:
                    self._store.record_charges([charge])
                except Exception as exc:
                    error = exc
                _resolve(future, error)
            return
        for _, future in group:
            _resolve(future, None)

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._pending and not self._stopped:
                    self._wake.wait()
                if not self._pending and self._stopped:
                    return
                group, self._pending = self._pending, []
            error: BaseException | None = None
            try:
                self._store.record_charges([charge for charge, _ in group])
            except BaseException as exc:  # surfaced to every waiter of the group
                error = exc
            for _, future in group:
                loop = future.get_loop()
                loop.call_soon_threadsafe(_resolve, future, error)

    def close(self) -> None:
        """Flushes what is pending and stops the writer thread."""
        if self._group:
            self._commit_group()
        with self._wake:
            self._stopped = True
            self._wake.notify()
        if self._thread.is_alive():
            self._thread.join(timeout=10)


def _resolve(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
