"""The dashboard's indexer: contract events of one deployment, followed into SQLite.

The indexer reads ``eth_getLogs`` for every contract of a deployment record (and for the
share tokens and model governors that the Fractionalizer creates later), decodes each log
with the exported ABIs and stores it with its block number and hash. It indexes only
blocks at least ``confirmations`` deep, resumes from its stored cursor after a restart and
detects a reorganisation by comparing stored block hashes with the chain's: everything
above the last block both agree on is rolled back and indexed again.

    >>> from web3 import Web3
    >>> from modelmint.records import Record
    >>> from modelmint.dashboard.indexer import Indexer
    >>> indexer = Indexer(Web3(Web3.HTTPProvider(rpc)), Record.load("deployments/local-node.json"),
    ...                   "dashboard.sqlite", confirmations=2)
    >>> indexer.sync()            # SyncResult(indexed_to=..., rolled_back_from=None, events=...)
    >>> indexer.events(event="ModelRegistered")

Current state (balances, offer prices, proposal states) is read from the contracts by
``modelmint.dashboard.reads``; the indexer holds history only.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from eth_utils import event_abi_to_log_topic, to_checksum_address
from web3 import Web3
from web3._utils.events import get_event_data

from modelmint.abi import load_abi
from modelmint.dashboard.errors import DashboardError, DashboardErrorCode
from modelmint.records import Record

# Deployment record step name -> exported ABI name, for the contracts whose events matter.
RECORD_CONTRACTS: dict[str, str] = {
    "registry": "ModelRegistry",
    "licenses": "LicenseManager",
    "credits": "UsageCredits",
    "router": "RevenueRouter",
    "shares_factory": "ModelSharesFactory",
    "fractionalizer": "Fractionalizer",
    "governor": "ProtocolGovernor",
    "gov_token": "GovernanceToken",
}


def recorded_contracts(record: Record) -> dict[str, tuple[str, str]]:
    """Plan step -> (checksummed address, exported ABI name) of the :data:`RECORD_CONTRACTS`
    the deployment record holds."""
    found = {step: (record.address(step), kind) for step, kind in RECORD_CONTRACTS.items()}
    return {step: (to_checksum_address(at), kind) for step, (at, kind) in found.items() if at}


# Events that are pure noise for the dashboard (high volume, no page reads them).
SKIPPED_EVENTS = frozenset({"Approval", "ApprovalForAll", "EIP712DomainChanged", "URI"})

SCHEMA = """
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
CREATE INDEX IF NOT EXISTS events_by_address ON events (address, event);
"""


@dataclass(frozen=True)
class SyncResult:
    """What one ``Indexer.sync`` did: the new cursor, a rollback if any, events stored."""

    indexed_to: int
    rolled_back_from: int | None
    events: int


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


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return str(value)
    return value


class Indexer:
    """Follows one deployment's events into an SQLite file; thread-safe, resumable."""

    def __init__(
        self,
        w3: Web3,
        record: Record,
        db_path: str | Path,
        *,
        confirmations: int = 2,
        batch_blocks: int = 2_000,
    ):
        self.w3 = w3
        self.confirmations = confirmations
        self.batch_blocks = batch_blocks
        self.static: dict[str, str] = dict(recorded_contracts(record).values())
        blocks = [
            number
            for entry in record.contracts.values()
            if isinstance(number := entry.get("block_number"), int)
        ]
        self.start_block: int = min(blocks) if blocks else 0
        self._topics: dict[str, dict[bytes, dict[str, Any]]] = {}
        for kind in set(self.static.values()) | {"ModelShares", "ModelGovernor"}:
            self._topics[kind] = {
                event_abi_to_log_topic(cast(Any, e)): e
                for e in load_abi(kind)
                if e["type"] == "event"
            }
        self._lock = threading.RLock()
        self.generation = 0  # bumped when stored events change; readers cache on it
        self.db = sqlite3.connect(str(db_path), check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.executescript(SCHEMA)
        self._check_chain()

    # ------------------------------------------------------------------ bookkeeping

    def _meta(self, key: str) -> str | None:
        with self._lock:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            return row[0] if row else None

    def _set_meta(self, key: str, value: object) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, str(value)))

    def _check_chain(self) -> None:
        """An index built for another chain or deployment is discarded, never mixed."""
        identity = f"{self.w3.eth.chain_id}:{','.join(sorted(self.static))}"
        if self._meta("identity") not in (None, identity):
            for table in ("meta", "blocks", "contracts", "events"):
                self.db.execute(f"DELETE FROM {table}")  # noqa: S608 (fixed names)
        self._set_meta("identity", identity)
        self.db.commit()

    @property
    def cursor(self) -> int:
        """The last block whose events are all stored (``start_block - 1`` when empty)."""
        with self._lock:
            value = self._meta("cursor")
        return int(value) if value is not None else self.start_block - 1

    def _addresses(self) -> dict[str, str]:
        found = dict(self.static)
        for row in self.db.execute("SELECT address, kind FROM contracts"):
            found[row["address"]] = row["kind"]
        return found

    # ------------------------------------------------------------------------ sync

    def sync(self, *, max_batches: int | None = None) -> SyncResult:
        """Index every confirmed block past the cursor; roll back first on a reorg."""
        with self._lock:
            rolled = self._rollback_if_reorged()
            target = self.w3.eth.block_number - self.confirmations
            stored = 0
            batches = 0
            while self.cursor < target and (max_batches is None or batches < max_batches):
                end = min(self.cursor + self.batch_blocks, target)
                try:
                    stored += self._index_range(self.cursor + 1, end)
                except ReorgDuringSync:
                    self.db.rollback()  # the next sync sees the new chain and rolls back
                    break
                batches += 1
            return SyncResult(self.cursor, rolled, stored)

    def _index_range(self, start: int, end: int) -> int:
        addresses = self._addresses()
        logs = self._get_logs(list(addresses), start, end)
        new = self._discover(logs, addresses)
        while new:  # contracts created in this range: their logs from this range too
            extra = self._get_logs(list(new), start, end)
            logs += extra
            addresses.update(new)
            new = self._discover(extra, addresses)
        headers: dict[int, tuple[str, int]] = {}
        for number in sorted({log["blockNumber"] for log in logs} | {end}):
            block = self.w3.eth.get_block(number)
            headers[number] = (block["hash"].to_0x_hex(), block["timestamp"])
        count = 0
        for log in logs:
            block_hash = log["blockHash"].to_0x_hex()
            if headers[log["blockNumber"]][0] != block_hash:
                raise ReorgDuringSync(log["blockNumber"])
            kind = addresses[to_checksum_address(log["address"])]
            abi = self._topics[kind].get(bytes(log["topics"][0])) if log["topics"] else None
            if abi is None or abi["name"] in SKIPPED_EVENTS:
                continue
            decoded = get_event_data(self.w3.codec, abi, log)
            args = {k: _jsonable(v) for k, v in decoded["args"].items()}
            model_id = args.get("modelId")
            if model_id is None:
                model_id = self._model_of(log["address"])
            self.db.execute(
                "INSERT OR REPLACE INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    log["blockNumber"],
                    log["logIndex"],
                    log["transactionHash"].to_0x_hex(),
                    to_checksum_address(log["address"]),
                    kind,
                    abi["name"],
                    int(model_id) if model_id is not None else None,
                    json.dumps(args),
                ),
            )
            count += 1
        self.db.executemany(
            "INSERT OR REPLACE INTO blocks VALUES (?, ?, ?)",
            [(n, h, t) for n, (h, t) in headers.items()],
        )
        self._set_meta("cursor", end)
        self.db.commit()
        if count:
            self.generation += 1  # readers' caches stay valid across blocks without events
        return count

    def _get_logs(self, addresses: list[str], start: int, end: int) -> list[Any]:
        if not addresses:
            return []
        logs = self.w3.eth.get_logs(
            {"address": cast(Any, addresses), "fromBlock": start, "toBlock": end}
        )
        return sorted(logs, key=lambda log: (log["blockNumber"], log["logIndex"]))

    def _discover(self, logs: Iterable[Any], known: dict[str, str]) -> dict[str, str]:
        """Share tokens and model governors announced by ``ModelFractionalized`` logs."""
        events = self._topics.get("Fractionalizer", {})
        topic = next((t for t, e in events.items() if e["name"] == "ModelFractionalized"), None)
        new: dict[str, str] = {}
        for log in logs:
            if topic is None or not log["topics"] or bytes(log["topics"][0]) != topic:
                continue
            decoded = get_event_data(self.w3.codec, self._topics["Fractionalizer"][topic], log)
            args = decoded["args"]
            for address, kind in (
                (args["shares"], "ModelShares"),
                (args["governor"], "ModelGovernor"),
            ):
                address = to_checksum_address(address)
                if address not in known and address not in new:
                    new[address] = kind
                    self.db.execute(
                        "INSERT OR REPLACE INTO contracts VALUES (?, ?, ?, ?)",
                        (address, kind, int(args["modelId"]), log["blockNumber"]),
                    )
        return new

    def _model_of(self, address: str) -> int | None:
        with self._lock:
            row = self.db.execute(
                "SELECT model_id FROM contracts WHERE address = ?", (to_checksum_address(address),)
            ).fetchone()
        return row[0] if row else None

    # ---------------------------------------------------------------------- reorgs

    def _rollback_if_reorged(self) -> int | None:
        """Roll back to the highest stored block the chain still has; None if no reorg."""
        rows = self.db.execute(
            "SELECT number, hash FROM blocks WHERE number <= ? ORDER BY number DESC",
            (self.cursor,),
        ).fetchall()
        if not rows:
            return None
        head = self.w3.eth.block_number
        fork_point = self.start_block - 1
        for row in rows:
            if row["number"] <= head:
                block = self.w3.eth.get_block(row["number"])
                if block["hash"].to_0x_hex() == row["hash"]:
                    fork_point = row["number"]
                    break
        if fork_point == rows[0]["number"]:
            return None
        previous = self.cursor
        self.rollback(fork_point)
        return previous

    def rollback(self, to_block: int) -> None:
        """Forget everything above ``to_block`` (it is indexed again on the next sync)."""
        with self._lock:
            self.db.execute("DELETE FROM events WHERE block_number > ?", (to_block,))
            self.db.execute("DELETE FROM blocks WHERE number > ?", (to_block,))
            self.db.execute("DELETE FROM contracts WHERE from_block > ?", (to_block,))
            self._set_meta("cursor", to_block)
            self.db.commit()
            self.generation += 1

    # ---------------------------------------------------------------------- queries

    def events(
        self,
        *,
        event: str | Iterable[str] | None = None,
        model_id: int | None = None,
        address: str | None = None,
    ) -> list[Event]:
        """Stored events in chain order, filtered by name(s), model and emitting address."""
        clauses: list[str] = []
        params: list[Any] = []
        if event is not None:
            names = [event] if isinstance(event, str) else list(event)
            clauses.append(f"e.event IN ({','.join('?' * len(names))})")
            params += names
        if model_id is not None:
            clauses.append("e.model_id = ?")
            params.append(model_id)
        if address is not None:
            clauses.append("e.address = ?")
            params.append(to_checksum_address(address))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = (
            "SELECT e.*, COALESCE(b.timestamp, 0) AS timestamp FROM events e "
            f"LEFT JOIN blocks b ON b.number = e.block_number {where} "
            "ORDER BY e.block_number, e.log_index"
        )
        with self._lock:
            rows = self.db.execute(sql, params).fetchall()
        return [
            Event(
                r["block_number"],
                r["log_index"],
                r["tx_hash"],
                r["address"],
                r["contract"],
                r["event"],
                r["model_id"],
                json.loads(r["args"]),
                r["timestamp"],
            )
            for r in rows
        ]

    def contracts(self, kind: str | None = None) -> list[tuple[str, str, int | None]]:
        """Contracts found while indexing (share tokens, model governors): (address, kind, model)."""
        with self._lock:
            rows = self.db.execute("SELECT address, kind, model_id FROM contracts").fetchall()
        return [(r[0], r[1], r[2]) for r in rows if kind is None or r[1] == kind]

    def close(self) -> None:
        self.db.close()


class ReorgDuringSync(DashboardError):
    """A log's block hash disagrees with the header read in the same sync: retry later."""

    def __init__(self, block_number: int):
        super().__init__(
            DashboardErrorCode.CHAIN_REORGANIZED,
            f"block {block_number} changed while it was being indexed",
        )
        self.block_number = block_number
