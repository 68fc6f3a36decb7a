"""The gateway store's tables, for SQLite and PostgreSQL, and how an older layout is migrated.

Channel ids are 256-bit (the hash of a channel's terms): SQLite keeps every uint256 as the
TEXT of its decimal, PostgreSQL as ``NUMERIC(78)``. Each channel row holds the terms the
gateway cannot derive by itself (``consumer``, ``model_id``, ``salt``; the gateway is the
store's own key), so the settler can name the channel in ``SettleArgs``.

Versions (``schema_version``):

1. channels keyed by a sequential id, no terms;
2. ``channels.model_id`` and ``channels.salt`` added (rows of version 1 get 0 for both: a
   channel of the sequential-id contract, which no deployment of the current contract knows,
   so its receipts are rejected as an unknown channel if they are ever sent).

    >>> migrate_sqlite(db)      # in the caller's transaction; returns the version found
"""

from __future__ import annotations

import sqlite3

from modelmint.pgdb import migrate_version

SCHEMA_VERSION = 2

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS channels (
    channel_id TEXT PRIMARY KEY,
    consumer TEXT NOT NULL,
    charged TEXT NOT NULL,
    cumulative TEXT NOT NULL,
    deadline TEXT NOT NULL,
    signature BLOB NOT NULL,
    settled TEXT NOT NULL DEFAULT '0',
    updated_at REAL NOT NULL,
    model_id TEXT NOT NULL DEFAULT '0',
    salt TEXT NOT NULL DEFAULT '0'
);
CREATE TABLE IF NOT EXISTS charges (
    id INTEGER PRIMARY KEY,  -- charges are never deleted: ids only grow
    channel_id TEXT NOT NULL,
    consumer TEXT NOT NULL,
    credits TEXT NOT NULL,
    charged_total TEXT NOT NULL,
    cumulative TEXT NOT NULL,
    deadline TEXT NOT NULL,
    signature BLOB NOT NULL,
    request_hash BLOB NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS nonces (
    account TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (account, nonce)
);
CREATE TABLE IF NOT EXISTS settlements (
    tx_hash TEXT PRIMARY KEY,
    channels TEXT NOT NULL,
    status TEXT NOT NULL,
    nonce INTEGER NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS bad_receipts (
    channel_id TEXT NOT NULL,
    cumulative TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_at REAL NOT NULL
);
"""

# Version 1 -> 2 (SQLite has no ADD COLUMN IF NOT EXISTS: run only on a version-1 file).
_SQLITE_V2 = (
    "ALTER TABLE channels ADD COLUMN model_id TEXT NOT NULL DEFAULT '0'",
    "ALTER TABLE channels ADD COLUMN salt TEXT NOT NULL DEFAULT '0'",
)

POSTGRES_SCHEMA = """
CREATE SCHEMA IF NOT EXISTS gateway;
CREATE TABLE IF NOT EXISTS gateway.schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS gateway.channels (
    channel_id NUMERIC(78) PRIMARY KEY,
    consumer TEXT NOT NULL,
    charged NUMERIC(78) NOT NULL,
    cumulative NUMERIC(78) NOT NULL,
    deadline NUMERIC(78) NOT NULL,
    signature BYTEA NOT NULL,
    settled NUMERIC(78) NOT NULL DEFAULT 0,
    updated_at DOUBLE PRECISION NOT NULL
);
ALTER TABLE gateway.channels
    ADD COLUMN IF NOT EXISTS model_id NUMERIC(78) NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS salt NUMERIC(78) NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS gateway.charges (
    id BIGSERIAL PRIMARY KEY,
    channel_id NUMERIC(78) NOT NULL,
    consumer TEXT NOT NULL,
    credits NUMERIC(78) NOT NULL,
    charged_total NUMERIC(78) NOT NULL,
    cumulative NUMERIC(78) NOT NULL,
    deadline NUMERIC(78) NOT NULL,
    signature BYTEA NOT NULL,
    request_hash BYTEA NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS charges_channel ON gateway.charges (channel_id);
CREATE TABLE IF NOT EXISTS gateway.nonces (
    account TEXT NOT NULL,
    nonce NUMERIC(78) NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (account, nonce)
);
CREATE TABLE IF NOT EXISTS gateway.settlements (
    tx_hash TEXT PRIMARY KEY,
    channels TEXT NOT NULL,
    status TEXT NOT NULL,
    nonce BIGINT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS gateway.bad_receipts (
    channel_id NUMERIC(78) NOT NULL,
    cumulative NUMERIC(78) NOT NULL,
    reason TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);
"""

# The columns of a channel row, in StoredChannel's order.
CHANNEL_COLUMNS = (
    "channel_id, consumer, charged, cumulative, deadline, signature, settled, updated_at,"
    " model_id, salt"
)


def migrate_sqlite(db: sqlite3.Connection) -> int:
    """Creates the tables or migrates them to :data:`SCHEMA_VERSION` in the caller's
    transaction; returns the version found (0: a new file). ``SchemaTooNew`` when the file
    is newer than this gateway."""
    for statement in filter(str.strip, SQLITE_SCHEMA.split(";")):
        db.execute(statement)
    stored = migrate_version(db, "schema_version", SCHEMA_VERSION, "gateway", "?")
    if stored < 2:  # a version-1 file (a new one has the columns already)
        columns = {row[1] for row in db.execute("PRAGMA table_info(channels)")}
        for statement in _SQLITE_V2:
            if statement.split()[5] not in columns:
                db.execute(statement)
    return stored
