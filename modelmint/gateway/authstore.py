"""The used x402 ``exact`` authorizations, in the gateway's store (both backends).

An ERC-3009 authorization ``(payer, nonce)`` is claimed atomically before its call is served
(``claimed``), released if the model failed, and finished ``settled`` (with the transaction)
or ``failed`` (with the reason) after the facilitator's settle: a claimed authorization is
never served twice, by any replica sharing the store. Mixed into
:class:`modelmint.gateway.store.SqliteStore` and
:class:`modelmint.gateway.pgstore.PostgresStore` (SQLite creates the table on first use,
PostgreSQL in its migration).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any, Protocol

# (payer, nonce, value, status, tx hash, reason)
Authorization = tuple[str, str, int, str, str, str]

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS exact_authorizations (
    payer TEXT NOT NULL,
    nonce TEXT NOT NULL,
    value TEXT NOT NULL,
    valid_before INTEGER NOT NULL,
    status TEXT NOT NULL,
    tx_hash TEXT NOT NULL,
    reason TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (payer, nonce)
);
"""

POSTGRES_SCHEMA = """
CREATE TABLE IF NOT EXISTS gateway.exact_authorizations (
    payer TEXT NOT NULL,
    nonce TEXT NOT NULL,
    value NUMERIC(78) NOT NULL,
    valid_before BIGINT NOT NULL,
    status TEXT NOT NULL,
    tx_hash TEXT NOT NULL,
    reason TEXT NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (payer, nonce)
);
"""

_CLAIM = (
    "INSERT INTO {t} VALUES ({p}, {p}, {p}, {p}, 'claimed', '', '', {p}) ON CONFLICT DO NOTHING"
)
_RELEASE = "DELETE FROM {t} WHERE payer = {p} AND nonce = {p} AND status = 'claimed'"
_FINISH = (
    "UPDATE {t} SET status = {p}, tx_hash = {p}, reason = {p}, updated_at = {p}"
    " WHERE payer = {p} AND nonce = {p}"
)
_LIST = "SELECT payer, nonce, value, status, tx_hash, reason FROM {t} ORDER BY updated_at"


class AuthorizationStore(Protocol):
    """The part of the gateway's ``Store`` that keeps ``exact`` authorizations."""

    def claim_authorization(
        self, payer: str, nonce: str, value: int, valid_before: int
    ) -> bool: ...
    def release_authorization(self, payer: str, nonce: str) -> None: ...
    def finish_authorization(
        self, payer: str, nonce: str, status: str, tx: str, reason: str
    ) -> None: ...
    def authorizations(self) -> list[Authorization]: ...


class _Authorizations:
    """The four operations over one SQL dialect: ``_auth_sql`` formats a statement,
    ``_auth_run(sql, args, fetch)`` runs it in one transaction and returns the rowcount or
    the rows."""

    _AUTH_TABLE = "exact_authorizations"
    _AUTH_PARAM = "?"

    def _auth_sql(self, template: str) -> str:
        return template.format(t=self._AUTH_TABLE, p=self._AUTH_PARAM)

    def _auth_run(self, sql: str, args: tuple[Any, ...], fetch: bool = False) -> Any:
        raise NotImplementedError

    def claim_authorization(self, payer: str, nonce: str, value: int, valid_before: int) -> bool:
        """Marks ``(payer, nonce)`` claimed; False if it already was (a replay)."""
        amount: Any = str(value) if self._AUTH_PARAM == "?" else value  # SQLite: no uint256
        args = (payer.lower(), nonce.lower(), amount, valid_before, time.time())
        return bool(self._auth_run(self._auth_sql(_CLAIM), args) == 1)

    def release_authorization(self, payer: str, nonce: str) -> None:
        """Forgets a claim whose call failed before anything was submitted."""
        self._auth_run(self._auth_sql(_RELEASE), (payer.lower(), nonce.lower()))

    def finish_authorization(
        self, payer: str, nonce: str, status: str, tx: str, reason: str
    ) -> None:
        """Records the outcome: ``settled`` (with its transaction) or ``failed`` (reason)."""
        args = (status, tx, reason, time.time(), payer.lower(), nonce.lower())
        self._auth_run(self._auth_sql(_FINISH), args)

    def authorizations(self) -> list[Authorization]:
        """Every claimed authorization, oldest first."""
        rows = self._auth_run(self._auth_sql(_LIST), (), fetch=True)
        return [(r[0], r[1], int(r[2]), r[3], r[4], r[5]) for r in rows]


class SqliteAuthorizations(_Authorizations):
    """Creates its table on first use (``CREATE TABLE IF NOT EXISTS``, one file per store)."""

    _db: sqlite3.Connection
    _lock: threading.Lock
    _auth_ready = False

    def _auth_run(self, sql: str, args: tuple[Any, ...], fetch: bool = False) -> Any:
        with self._lock:
            if not self._auth_ready:
                self._db.executescript(SQLITE_SCHEMA)
                self._auth_ready = True
            cursor = self._db.execute(sql, args)
            return cursor.fetchall() if fetch else cursor.rowcount


class PostgresAuthorizations(_Authorizations):
    _AUTH_TABLE = "gateway.exact_authorizations"
    _AUTH_PARAM = "%s"

    def _tx(self) -> Any:
        raise NotImplementedError

    def _auth_run(self, sql: str, args: tuple[Any, ...], fetch: bool = False) -> Any:
        with self._tx() as conn:
            cursor = conn.execute(sql, args)
            return cursor.fetchall() if fetch else cursor.rowcount
