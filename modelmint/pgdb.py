"""What every PostgreSQL store of the project shares (the gateway's and the dashboard's index,
each in its own schema of possibly one database): its connection pool, advisory-lock keys and
the schema version table.

    >>> pool = open_pool("postgresql://app@db/modelmint", size=20, timeout=5.0, name="gateway")
    >>> key = lock_key("modelmint-gateway", "migration")      # signed 64-bit
    >>> with pool.connection() as conn, conn.transaction():
    ...     stored = migrate_version(conn, "gateway.schema_version", 1, "gateway")

Callers turn ``psycopg.Error``, ``PoolTimeout`` and :class:`SchemaTooNew` into their own named
error (``store_unavailable``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from modelmint.errors import ModelmintError


class PgErrorCode(StrEnum):
    SCHEMA_TOO_NEW = "schema_too_new"


class SchemaTooNew(ModelmintError):
    """The database's schema is newer than this program's: upgrade the program."""

    def __init__(self, message: str):
        super().__init__(PgErrorCode.SCHEMA_TOO_NEW, message)


def lock_key(namespace: str, name: str) -> int:
    """A signed 64-bit advisory-lock key for ``name`` in ``namespace``."""
    digest = hashlib.blake2b(f"{namespace}:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def open_pool(
    url: str, size: int, timeout: float, name: str
) -> ConnectionPool[psycopg.Connection[Any]]:
    """An open pool of at most ``size`` autocommit connections, each checked before it is lent
    (so the pool recovers by itself once a restarted server is back); raises ``psycopg.Error``
    or ``PoolTimeout`` when the server cannot be reached within ``timeout`` seconds."""
    pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
        url,
        min_size=1,
        max_size=size,
        open=False,
        timeout=timeout,
        check=ConnectionPool.check_connection,
        kwargs={"autocommit": True, "connect_timeout": max(1, int(timeout))},
        name=name,
    )
    try:
        pool.open(wait=True, timeout=timeout)
    except BaseException:
        pool.close()
        raise
    return pool


@contextmanager
def transaction(
    pool: ConnectionPool[psycopg.Connection[Any]],
    unavailable: Callable[[BaseException], Exception],
) -> Iterator[psycopg.Connection[Any]]:
    """A pooled connection in a transaction (committed on exit, rolled back on an error);
    a failure to reach the database is raised as ``unavailable(exc)``."""
    try:
        with pool.connection() as conn, conn.transaction():
            yield conn
    except (psycopg.Error, PoolTimeout) as exc:
        raise unavailable(exc) from None


def migrate_version(
    conn: Any, table: str, version: int, program: str, placeholder: str = "%s"
) -> int:
    """Records ``version`` in ``table`` (a ``version`` column) in the caller's transaction and
    returns the version stored before (0 on a fresh database), from which the caller migrates;
    :class:`SchemaTooNew` when the stored one is newer. Any DB-API connection with
    ``execute`` (``placeholder`` ``?`` for SQLite)."""
    row = conn.execute(f"SELECT max(version) FROM {table}").fetchone()  # noqa: S608 (fixed)
    stored = int(row[0]) if row and row[0] is not None else 0
    if stored > version:
        raise SchemaTooNew(
            f"the database's {program} schema is version {stored}, newer than this "
            f"{program}'s {version}: upgrade the {program}"
        )
    if stored < version:
        conn.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed name)
        conn.execute(f"INSERT INTO {table} VALUES ({placeholder})", (version,))  # noqa: S608
    return stored
