"""The index on PostgreSQL (psycopg 3 and its connection pool), in the schema ``indexer``:
one database can hold the gateway's schema ``gateway`` and the index side by side.

The schema is created and migrated by the dashboard when it opens the store (under an
advisory lock, one process at a time); writes take a transaction-scoped advisory lock so two
dashboards on one database never interleave a sync. The pool checks a connection before
lending it: while the server is down every call raises ``DashboardError(store_unavailable)``
(the API answers 503) and the store recovers by itself once the server is back.

    >>> store = PostgresIndexStore("postgresql://dash@db/modelmint")
    >>> store.cursor()
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import psycopg
from psycopg_pool import PoolTimeout

from modelmint.dashboard.errors import DashboardError, DashboardErrorCode
from modelmint.dashboard.store import IndexStore
from modelmint.pgdb import lock_key, open_pool, transaction

SCHEMA = "indexer"
_DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS {SCHEMA}.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS {SCHEMA}.blocks (
    number BIGINT PRIMARY KEY, hash TEXT NOT NULL, timestamp BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS {SCHEMA}.contracts (
    address TEXT PRIMARY KEY, kind TEXT NOT NULL, model_id NUMERIC(78),
    from_block BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS {SCHEMA}.events (
    block_number BIGINT NOT NULL, log_index INTEGER NOT NULL, tx_hash TEXT NOT NULL,
    address TEXT NOT NULL, contract TEXT NOT NULL, event TEXT NOT NULL, model_id NUMERIC(78),
    args TEXT NOT NULL, PRIMARY KEY (block_number, log_index));
CREATE INDEX IF NOT EXISTS events_by_name ON {SCHEMA}.events (event, model_id);
CREATE INDEX IF NOT EXISTS events_by_address ON {SCHEMA}.events (address, event)
"""


_MIGRATION_KEY = lock_key("modelmint-indexer", "migration")
_WRITE_KEY = lock_key("modelmint-indexer", "write")


def _unavailable(exc: BaseException) -> DashboardError:
    return DashboardError(
        DashboardErrorCode.STORE_UNAVAILABLE, f"index database unavailable: {exc}"
    )


class PostgresIndexStore(IndexStore):
    """The index in PostgreSQL (a pool of ``pool_size`` connections). Thread-safe."""

    prefix = f"{SCHEMA}."

    def __init__(self, url: str, pool_size: int = 4, timeout: float = 5.0):
        self.url = url
        try:
            self._pool = open_pool(url, pool_size, timeout, "modelmint-indexer")
        except (psycopg.Error, PoolTimeout) as exc:
            raise _unavailable(exc) from None
        with self._tx() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_KEY,))
            self._migrate(conn, _DDL)

    def _sql(self, text: str) -> str:
        return super()._sql(text).replace("?", "%s")

    def _tx(self) -> AbstractContextManager[psycopg.Connection[Any]]:
        return transaction(self._pool, _unavailable)

    def _lock_writes(self, conn: Any) -> None:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITE_KEY,))

    def close(self) -> None:
        self._pool.close()
