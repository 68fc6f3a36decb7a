"""Where the dashboard's index lives: one interface, :class:`IndexStore`, over an SQLite file
(the embedded default) or a PostgreSQL database (:mod:`modelmint.dashboard.pgstore`), chosen
by :func:`open_index_store` from ``--db``: a plain path or ``sqlite:///path``, or a
``postgresql://`` URL.

Both stores hold the same four tables (``meta``, ``blocks``, ``contracts``, ``events``) and a
``schema_version`` table; each creates and migrates its schema itself when it opens. On
PostgreSQL the tables live in the schema ``indexer``, so the gateway's ``gateway`` schema and
the index share one database. Every write is one transaction: a synced block range (its
events, discovered contracts, block headers and the new cursor) is stored whole or not at
all, so a restart resumes from a cursor whose events are all there.

    >>> store = open_index_store("postgresql://dash@db/modelmint")
    >>> store.claim("31337:0xabc...")    # False: the index was built for this deployment
    >>> store.cursor()                   # None on a fresh index

A store that cannot reach its database raises ``DashboardError(store_unavailable)`` (503).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from modelmint.dashboard.errors import DashboardError, DashboardErrorCode
from modelmint.pgdb import SchemaTooNew, migrate_version

SCHEMA_VERSION = 1  # the index layout; version 1 is the first
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


@dataclass(frozen=True)
class Event:
    """One decoded, stored event."""

    block_number: int
    log_index: int
    tx_hash: str
    address: str
    contract: str
    event: str
    model_id: int | None
    args: dict[str, Any]
    timestamp: int


@dataclass(frozen=True)
class Contract:
    """A contract found while indexing (a share token or model governor)."""

    address: str
    kind: str
    model_id: int | None
    from_block: int


@dataclass(frozen=True)
class Block:
    number: int
    hash: str
    timestamp: int


@dataclass
class Batch:
    """One synced block range, stored in one transaction by :meth:`IndexStore.store`."""

    cursor: int
    events: list[Event]
    contracts: list[Contract]
    blocks: list[Block]


class IndexStore(ABC):
    """The index's storage. The SQL is shared; a store gives the connection (a transaction
    per call), the placeholder and its table prefix. Thread-safe."""

    prefix = ""  # the tables' schema, with its dot

    # ------------------------------------------------------------------ per store
    @abstractmethod
    def _tx(self) -> AbstractContextManager[Any]:
        """A connection in a transaction: committed on exit, rolled back on an error."""

    def _sql(self, text: str) -> str:
        """``text`` in the store's dialect: ``{t}`` is the table prefix, ``?`` a parameter."""
        return text.replace("{t}", self.prefix)

    def _lock_writes(self, conn: Any) -> None:  # noqa: B027 (a hook: SQLite needs none)
        """Serialises writers sharing the database (SQLite's file lock already does)."""

    @abstractmethod
    def close(self) -> None: ...

    # ------------------------------------------------------------------ shared SQL
    def _q(self, conn: Any, text: str, params: Sequence[Any] = ()) -> Any:
        return conn.execute(self._sql(text), tuple(params))

    def _migrate(self, conn: Any, ddl: str) -> None:
        """Creates the tables and records :data:`SCHEMA_VERSION` (refuses a newer index)."""
        for statement in filter(str.strip, ddl.split(";")):
            conn.execute(statement)
        placeholder = self._sql("?")
        try:  # version 1 is the first: nothing to migrate yet
            migrate_version(
                conn, self._sql("{t}schema_version"), SCHEMA_VERSION, "dashboard", placeholder
            )
        except SchemaTooNew as exc:
            raise DashboardError(DashboardErrorCode.STORE_UNAVAILABLE, str(exc)) from None

    def schema_version(self) -> int:
        with self._tx() as conn:
            row = self._q(conn, "SELECT max(version) FROM {t}schema_version").fetchone()
        return int(row[0])

    def _meta(self, conn: Any, key: str) -> str | None:
        row = self._q(conn, "SELECT value FROM {t}meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def _set_meta(self, conn: Any, key: str, value: object) -> None:
        self._q(
            conn,
            "INSERT INTO {t}meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, str(value)),
        )

    def claim(self, identity: str) -> bool:
        """Records whose index this is (chain and deployment); an index built for another
        identity is discarded first, never mixed. True when something was discarded."""
        with self._tx() as conn:
            self._lock_writes(conn)
            stored = self._meta(conn, "identity")
            discard = stored not in (None, identity)
            if discard:
                for table in ("meta", "blocks", "contracts", "events"):
                    self._q(conn, f"DELETE FROM {{t}}{table}")  # noqa: S608 (fixed names)
            self._set_meta(conn, "identity", identity)
        return discard

    def cursor(self) -> int | None:
        """The last block whose events are all stored; None for an empty index."""
        with self._tx() as conn:
            value = self._meta(conn, "cursor")
        return int(value) if value is not None else None

    def store(self, batch: Batch) -> None:
        """Stores one synced range and moves the cursor, in one transaction."""
        with self._tx() as conn:
            self._lock_writes(conn)
            cur = conn.cursor()
            cur.executemany(
                self._sql(
                    "INSERT INTO {t}contracts (address, kind, model_id, from_block)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (address) DO NOTHING"
                ),
                [(c.address, c.kind, c.model_id, c.from_block) for c in batch.contracts],
            )
            cur.executemany(
                self._sql(
                    "INSERT INTO {t}events (block_number, log_index, tx_hash, address, contract,"
                    " event, model_id, args) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (block_number, log_index) DO NOTHING"
                ),
                [
                    (e.block_number, e.log_index, e.tx_hash, e.address, e.contract, e.event,
                     e.model_id, json.dumps(e.args))
                    for e in batch.events
                ],
            )  # fmt: skip
            cur.executemany(
                self._sql(
                    "INSERT INTO {t}blocks (number, hash, timestamp) VALUES (?, ?, ?)"
                    " ON CONFLICT (number) DO UPDATE SET hash = excluded.hash,"
                    " timestamp = excluded.timestamp"
                ),
                [(b.number, b.hash, b.timestamp) for b in batch.blocks],
            )
            self._set_meta(conn, "cursor", batch.cursor)

    def rollback(self, to_block: int) -> None:
        """Forgets everything above ``to_block`` and moves the cursor there."""
        with self._tx() as conn:
            self._lock_writes(conn)
            self._q(conn, "DELETE FROM {t}events WHERE block_number > ?", (to_block,))
            self._q(conn, "DELETE FROM {t}blocks WHERE number > ?", (to_block,))
            self._q(conn, "DELETE FROM {t}contracts WHERE from_block > ?", (to_block,))
            self._set_meta(conn, "cursor", to_block)

    def blocks(self, up_to: int) -> list[tuple[int, str]]:
        """Stored (number, hash) at or below ``up_to``, highest first."""
        with self._tx() as conn:
            rows = self._q(
                conn,
                "SELECT number, hash FROM {t}blocks WHERE number <= ? ORDER BY number DESC",
                (up_to,),
            ).fetchall()
        return [(int(r[0]), str(r[1])) for r in rows]

    def contracts(self) -> list[Contract]:
        with self._tx() as conn:
            rows = self._q(
                conn, "SELECT address, kind, model_id, from_block FROM {t}contracts"
            ).fetchall()
        return [Contract(r[0], r[1], _int(r[2]), int(r[3])) for r in rows]

    def events(
        self,
        names: Iterable[str] | None = None,
        model_id: int | None = None,
        address: str | None = None,
    ) -> list[Event]:
        """Stored events in chain order, filtered by name(s), model and emitting address."""
        clauses: list[str] = []
        params: list[Any] = []
        if names is not None:
            listed = list(names)
            clauses.append(f"e.event IN ({','.join('?' * len(listed))})")
            params += listed
        if model_id is not None:
            clauses.append("e.model_id = ?")
            params.append(model_id)
        if address is not None:
            clauses.append("e.address = ?")
            params.append(address)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = (
            "SELECT e.block_number, e.log_index, e.tx_hash, e.address, e.contract, e.event,"
            " e.model_id, e.args, COALESCE(b.timestamp, 0) FROM {t}events e"
            f" LEFT JOIN {{t}}blocks b ON b.number = e.block_number {where}"
            " ORDER BY e.block_number, e.log_index"
        )
        with self._tx() as conn:
            rows = self._q(conn, sql, params).fetchall()
        return [
            Event(int(r[0]), int(r[1]), r[2], r[3], r[4], r[5], _int(r[6]), json.loads(r[7]),
                  int(r[8]))
            for r in rows
        ]  # fmt: skip


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


_SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (
    number INTEGER PRIMARY KEY, hash TEXT NOT NULL, timestamp INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS contracts (
    address TEXT PRIMARY KEY, kind TEXT NOT NULL, model_id INTEGER, from_block INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    block_number INTEGER NOT NULL, log_index INTEGER NOT NULL, tx_hash TEXT NOT NULL,
    address TEXT NOT NULL, contract TEXT NOT NULL, event TEXT NOT NULL, model_id INTEGER,
    args TEXT NOT NULL, PRIMARY KEY (block_number, log_index));
CREATE INDEX IF NOT EXISTS events_by_name ON events (event, model_id);
CREATE INDEX IF NOT EXISTS events_by_address ON events (address, event)
"""


class SqliteIndexStore(IndexStore):
    """The index in one SQLite file (one connection, serialised by a lock)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        with self._tx() as conn:
            self._migrate(conn, _SQLITE_SCHEMA)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()


def open_index_store(db: str | Path, *, timeout: float = 5.0) -> IndexStore:
    """The store ``db`` names: a ``postgresql://`` (or ``postgres://``) URL, ``sqlite:///path``
    or a plain path (the SQLite file, its directory created)."""
    text = str(db)
    if text.startswith(POSTGRES_SCHEMES):
        from modelmint.dashboard.pgstore import PostgresIndexStore

        return PostgresIndexStore(text, timeout=timeout)
    if "://" in text and not text.startswith("sqlite:///"):
        raise DashboardError(
            DashboardErrorCode.STORE_UNAVAILABLE,
            f"index URL {text.split(':')[0]}:// is not sqlite:/// or postgresql://",
        )
    path = Path(text.removeprefix("sqlite:///"))
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteIndexStore(path)
