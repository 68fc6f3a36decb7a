"""The server-database store: PostgreSQL through psycopg 3 and its connection pool, for
several gateway processes (workers or replicas) on one key and one database.

Same interface and semantics as :class:`modelmint.gateway.store.SqliteStore`, plus what
replicas need:

- :meth:`PostgresStore.hold` serialises one channel across every process: a transaction
  takes the channel's advisory lock (``pg_advisory_xact_lock``, waiting at most
  ``lock_timeout``, then ``channel_busy``), reads the stored total under it, and the
  charge is written and committed in that same transaction (:meth:`ChannelHold.commit`),
  so no process ever charges on a stale total;
- :meth:`PostgresStore.lead` is the settler's leader lock: a session advisory lock
  (``pg_try_advisory_lock``) on a dedicated connection; it is released by the server when
  the leader dies or loses its connection, and another process takes it on its next pass;
- every failure to reach the database is ``StoreError(store_unavailable)`` (the gateway
  answers 503 and charges nothing); the pool checks a connection before lending it, so
  the gateway recovers by itself once the server is back.

The tables live in the schema ``gateway`` (another component may share the database);
``gateway.schema_version`` holds the schema's version, migrated at start under a lock.

    >>> store = PostgresStore("postgresql://gw@db/modelmint", pool_size=20)
    >>> hold = store.hold(7, lock_timeout=2.0)     # channel 7 locked in every replica
    >>> hold.record.charged if hold.record else None
    >>> hold.commit_now(charge)                    # stored and committed; lock released
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg_pool import ConnectionPool, PoolTimeout

from modelmint import pgdb
from modelmint.errors import ErrorCode
from modelmint.gateway.authstore import POSTGRES_SCHEMA as _AUTH_SCHEMA
from modelmint.gateway.authstore import PostgresAuthorizations
from modelmint.gateway.errors import GatewayErrorCode, StoreError
from modelmint.gateway.schema import CHANNEL_COLUMNS as _CHANNEL_COLUMNS
from modelmint.gateway.schema import POSTGRES_SCHEMA as _SCHEMA
from modelmint.gateway.store import (
    SCHEMA_VERSION,
    Charge,
    Settlement,
    SettlementStatus,
    StoredChannel,
)


def lock_key(name: str) -> int:
    """A signed 64-bit advisory-lock key for ``name`` (the gateway's lock namespace)."""
    return pgdb.lock_key("modelmint-gateway", name)


_MIGRATION_KEY = lock_key("migration")
_LEADER_KEY = lock_key("settler-leader")


def _unavailable(exc: BaseException) -> StoreError:
    return StoreError(ErrorCode.STORE_UNAVAILABLE, f"database unavailable: {exc}")


def _channel(row: Sequence[Any]) -> StoredChannel:
    return StoredChannel(
        int(row[0]), row[1], int(row[2]), int(row[3]), int(row[4]), bytes(row[5]),
        int(row[6]), float(row[7]), int(row[8]), int(row[9]),
    )  # fmt: skip


def _apply(conn: psycopg.Connection[Any], charges: Sequence[Charge]) -> None:
    """Writes ``charges`` in the caller's transaction (compare-and-set on each channel's
    stored total: a charge that does not extend it is ``charge_conflict``)."""
    now = time.time()
    for c in charges:
        before = c.charged_total - c.credits
        moved = conn.execute(
            "UPDATE gateway.channels SET charged = %s, cumulative = %s, deadline = %s,"
            " signature = %s, updated_at = %s WHERE channel_id = %s AND charged = %s",
            (c.charged_total, c.cumulative, c.deadline, c.signature, now, c.channel_id, before),
        ).rowcount
        if not moved:
            moved = conn.execute(
                f"INSERT INTO gateway.channels ({_CHANNEL_COLUMNS})"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (c.channel_id, c.consumer, c.charged_total, c.cumulative, c.deadline,
                 c.signature, before, now, c.model_id, c.salt),
            ).rowcount  # fmt: skip
        if not moved:
            raise StoreError(
                GatewayErrorCode.CHARGE_CONFLICT,
                f"channel {c.channel_id}: charge {c.credits} does not extend the stored "
                f"total to {c.charged_total}",
            )
        conn.execute(
            "INSERT INTO gateway.charges (channel_id, consumer, credits, charged_total,"
            " cumulative, deadline, signature, request_hash, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (c.channel_id, c.consumer, c.credits, c.charged_total, c.cumulative, c.deadline,
             c.signature, c.request_hash, c.created_at or now),
        )  # fmt: skip


class ChannelHold:
    """One channel locked across every gateway process, in an open transaction:
    ``record`` is what the store held when the lock was taken. :meth:`commit_now` stores a
    charge and commits; :meth:`release` gives the channel back without charging."""

    inline = False  # for the ledger: commit off the event loop

    def __init__(
        self,
        pool: ConnectionPool[psycopg.Connection[Any]],
        conn: psycopg.Connection[Any],
        record: StoredChannel | None,
    ):
        self._pool, self.record = pool, record
        self._conn: psycopg.Connection[Any] | None = conn
        self._lock = threading.Lock()

    def commit_now(self, charge: Charge) -> None:
        with self._lock:
            conn = self._conn
            if conn is None:
                raise StoreError(ErrorCode.STORE_UNAVAILABLE, "the channel hold was released")
            try:
                _apply(conn, [charge])
                conn.execute("COMMIT")
            except psycopg.Error as exc:
                raise _unavailable(exc) from None
            finally:
                self._finish()

    async def commit(self, charge: Charge) -> None:
        await asyncio.to_thread(self.commit_now, charge)

    def release(self) -> None:
        with self._lock:
            self._finish()

    def _finish(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(psycopg.Error):
            if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                conn.execute("ROLLBACK")
        self._pool.putconn(conn)


class PostgresStore(PostgresAuthorizations):
    """The PostgreSQL store (a pool of ``pool_size`` connections; a request on a paid
    route holds one while its channel is locked). Thread-safe."""

    shared = True  # several processes may use one database

    def __init__(self, url: str, pool_size: int = 20, timeout: float = 5.0):
        self.url = url
        self._timeout = timeout
        self._leader: psycopg.Connection[Any] | None = None
        self._leader_lock = threading.Lock()
        try:
            self._pool = pgdb.open_pool(url, pool_size, timeout, "modelmint-gateway")
        except (psycopg.Error, PoolTimeout) as exc:
            raise _unavailable(exc) from None
        self.migrate()

    def _tx(self) -> contextlib.AbstractContextManager[psycopg.Connection[Any]]:
        return pgdb.transaction(self._pool, _unavailable)

    def migrate(self) -> int:
        """Creates or migrates the schema to :data:`SCHEMA_VERSION` (one process at a time)."""
        with self._tx() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_KEY,))
            conn.execute(_SCHEMA + _AUTH_SCHEMA)
            try:  # version 2's columns are added by the schema itself (IF NOT EXISTS)
                pgdb.migrate_version(conn, "gateway.schema_version", SCHEMA_VERSION, "gateway")
            except pgdb.SchemaTooNew as exc:
                raise StoreError(ErrorCode.STORE_UNAVAILABLE, str(exc)) from None
        return SCHEMA_VERSION

    # ------------------------------------------------------------------ channels / charges
    def hold(self, channel_id: int, lock_timeout: float) -> ChannelHold:
        """Locks the channel across processes (``channel_busy`` after ``lock_timeout``)."""
        try:
            conn = self._pool.getconn(timeout=self._timeout)
        except (psycopg.Error, PoolTimeout) as exc:
            raise _unavailable(exc) from None
        try:
            # One round trip (integers only, formatted here: the simple query protocol).
            cursor = conn.execute(
                f"BEGIN; SET LOCAL lock_timeout = '{max(1, int(lock_timeout * 1000))}ms';"
                f" SELECT pg_advisory_xact_lock({lock_key(f'channel:{int(channel_id)}')});"
                f" SELECT {_CHANNEL_COLUMNS} FROM gateway.channels"
                f" WHERE channel_id = {int(channel_id)}"
            )
            while cursor.nextset():  # the last statement's rows
                pass
            row = cursor.fetchone()
        except pgerrors.LockNotAvailable:
            ChannelHold(self._pool, conn, None).release()
            raise StoreError(
                ErrorCode.CHANNEL_BUSY, f"channel {channel_id} is serving another request"
            ) from None
        except psycopg.Error as exc:
            ChannelHold(self._pool, conn, None).release()
            raise _unavailable(exc) from None
        return ChannelHold(self._pool, conn, _channel(row) if row else None)

    def channel(self, channel_id: int) -> StoredChannel | None:
        with self._tx() as conn:
            row = conn.execute(
                f"SELECT {_CHANNEL_COLUMNS} FROM gateway.channels WHERE channel_id = %s",
                (channel_id,),
            ).fetchone()
        return _channel(row) if row else None

    def record_charges(self, charges: Sequence[Charge]) -> None:
        if not charges:
            return
        with self._tx() as conn:
            _apply(conn, charges)

    def unsettled(self) -> list[StoredChannel]:
        return [c for c in self.all_channels() if c.charged > c.settled]

    def all_channels(self) -> list[StoredChannel]:
        with self._tx() as conn:
            rows = conn.execute(f"SELECT {_CHANNEL_COLUMNS} FROM gateway.channels").fetchall()
        return [_channel(r) for r in rows]

    def set_settled(self, channel_id: int, settled: int) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE gateway.channels SET settled = %s WHERE channel_id = %s",
                (settled, channel_id),
            )

    def charges(self, channel_id: int | None = None) -> list[Charge]:
        with self._tx() as conn:  # every channel's when channel_id is None
            rows = conn.execute(
                "SELECT channel_id, consumer, credits, charged_total, cumulative, deadline,"
                " signature, request_hash, created_at FROM gateway.charges"
                " WHERE %s::numeric IS NULL OR channel_id = %s ORDER BY id",
                (channel_id, channel_id),
            ).fetchall()
        return [
            Charge(int(r[0]), r[1], int(r[2]), int(r[3]), int(r[4]), int(r[5]), bytes(r[6]),
                   bytes(r[7]), float(r[8]))
            for r in rows
        ]  # fmt: skip

    # ------------------------------------------------------------------ access nonces
    def use_nonce(self, account: str, nonce: int, expires_at: int) -> bool:
        with self._tx() as conn:
            conn.execute(
                "DELETE FROM gateway.nonces WHERE expires_at < %s", (int(time.time()) - 60,)
            )
            return (
                conn.execute(
                    "INSERT INTO gateway.nonces (account, nonce, expires_at) VALUES (%s, %s, %s)"
                    " ON CONFLICT DO NOTHING",
                    (account.lower(), nonce, expires_at),
                ).rowcount
                == 1
            )

    # ------------------------------------------------------------------ settlements
    def add_settlement(self, settlement: Settlement) -> None:
        channels = json.dumps({str(k): str(v) for k, v in settlement.channels.items()})
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO gateway.settlements (tx_hash, channels, status, nonce, created_at,"
                " updated_at) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (tx_hash) DO UPDATE"
                " SET channels = EXCLUDED.channels, status = EXCLUDED.status,"
                " nonce = EXCLUDED.nonce, updated_at = EXCLUDED.updated_at",
                (settlement.tx_hash, channels, str(settlement.status), settlement.nonce,
                 settlement.created_at, time.time()),
            )  # fmt: skip

    def set_settlement_status(self, tx_hash: str, status: SettlementStatus) -> None:
        with self._tx() as conn:
            conn.execute(
                "UPDATE gateway.settlements SET status = %s, updated_at = %s WHERE tx_hash = %s",
                (str(status), time.time(), tx_hash),
            )

    def settlements(self, status: SettlementStatus | None = None) -> list[Settlement]:
        query = "SELECT tx_hash, channels, status, created_at, nonce FROM gateway.settlements"
        args: tuple[str, ...] = ()
        if status is not None:
            query, args = query + " WHERE status = %s", (str(status),)
        with self._tx() as conn:
            rows = conn.execute(query + " ORDER BY created_at", args).fetchall()
        return [
            Settlement(
                r[0], {int(k): int(v) for k, v in json.loads(r[1]).items()},
                SettlementStatus(r[2]), float(r[3]), int(r[4]),
            )
            for r in rows
        ]  # fmt: skip

    def record_bad_receipt(self, channel_id: int, cumulative: int, reason: str) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO gateway.bad_receipts (channel_id, cumulative, reason, created_at)"
                " VALUES (%s, %s, %s, %s)",
                (channel_id, cumulative, reason[:500], time.time()),
            )

    def bad_receipts(self) -> list[tuple[int, int, str]]:
        with self._tx() as conn:
            rows = conn.execute(
                "SELECT channel_id, cumulative, reason FROM gateway.bad_receipts"
                " ORDER BY created_at"
            ).fetchall()
        return [(int(r[0]), int(r[1]), r[2]) for r in rows]

    # ------------------------------------------------------------------ settler leader
    def lead(self) -> bool:
        """True while this process holds the settler's leader lock (taken if free)."""
        with self._leader_lock:
            if self._leader is not None:
                try:
                    self._leader.execute("SELECT 1")
                    return True
                except psycopg.Error:  # the session and its lock are gone
                    self._drop_leader()
            try:
                conn = psycopg.connect(
                    self.url, autocommit=True, connect_timeout=max(1, int(self._timeout))
                )
            except psycopg.Error:
                return False
            try:
                row = conn.execute("SELECT pg_try_advisory_lock(%s)", (_LEADER_KEY,)).fetchone()
            except psycopg.Error:
                conn.close()
                return False
            if row and row[0]:
                self._leader = conn
                return True
            conn.close()
            return False

    def _drop_leader(self) -> None:
        conn, self._leader = self._leader, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.close()

    def close(self) -> None:
        with self._leader_lock:
            self._drop_leader()
        self._pool.close()
