"""The dashboard's indexer: contract events of one deployment, followed into its store
(SQLite or PostgreSQL, :mod:`modelmint.dashboard.store`).

The indexer reads ``eth_getLogs`` for every contract of a deployment record (and for the
share tokens and model governors that the Fractionalizer creates later), decodes each log
with the exported ABIs and stores it with its block number and hash. It indexes only
blocks at least ``confirmations`` deep, stores each block range in one transaction, resumes
from its stored cursor after a restart and detects a reorganisation by comparing stored block hashes with the chain's: everything
above the last block both agree on is rolled back and indexed again.

    >>> from web3 import Web3
    >>> from modelmint.records import Record
    >>> from modelmint.dashboard.indexer import Indexer
    >>> indexer = Indexer(Web3(Web3.HTTPProvider(rpc)), Record.load("deployments/local-node.json"),
    ...                   "dashboard.sqlite", confirmations=2)   # or "postgresql://..."
    >>> indexer.sync()            # SyncResult(indexed_to=..., rolled_back_from=None, events=...)
    >>> indexer.events(event="ModelRegistered")

Current state (balances, offer prices, proposal states) is read from the contracts by
``modelmint.dashboard.reads``; the indexer holds history only.
"""

from __future__ import annotations

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
from modelmint.dashboard.store import Batch, Block, Contract, Event, IndexStore, open_index_store
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


@dataclass(frozen=True)
class SyncResult:
    """What one ``Indexer.sync`` did: the new cursor, a rollback if any, events stored."""

    indexed_to: int
    rolled_back_from: int | None
    events: int


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return str(value)
    return value


class Indexer:
    """Follows one deployment's events into an :class:`IndexStore`; thread-safe, resumable.

    ``db`` is the store, or what :func:`open_index_store` opens: an SQLite path or
    ``sqlite:///path``, or a ``postgresql://`` URL."""

    def __init__(
        self,
        w3: Web3,
        record: Record,
        db: str | Path | IndexStore,
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
        self.store = db if isinstance(db, IndexStore) else open_index_store(db)
        self._check_chain()

    # ------------------------------------------------------------------ bookkeeping

    def _check_chain(self) -> None:
        """An index built for another chain or deployment is discarded, never mixed."""
        self.store.claim(f"{self.w3.eth.chain_id}:{','.join(sorted(self.static))}")

    @property
    def cursor(self) -> int:
        """The last block whose events are all stored (``start_block - 1`` when empty)."""
        value = self.store.cursor()
        return value if value is not None else self.start_block - 1

    def _addresses(self) -> dict[str, str]:
        found = dict(self.static)
        found.update({c.address: c.kind for c in self.store.contracts()})
        return found

    # ------------------------------------------------------------------------ sync

    def sync(self, *, max_batches: int | None = None) -> SyncResult:
        """Index every confirmed block past the cursor; roll back first on a reorg."""
        with self._lock:
            rolled = self._rollback_if_reorged()
            target = self.w3.eth.block_number - self.confirmations
            stored = 0
            batches = 0
            cursor = self.cursor
            while cursor < target and (max_batches is None or batches < max_batches):
                end = min(cursor + self.batch_blocks, target)
                try:
                    batch = self._read_range(cursor + 1, end)
                except ReorgDuringSync:
                    break  # nothing stored: the next sync sees the new chain and rolls back
                self.store.store(batch)
                if batch.events:
                    self.generation += 1  # caches stay valid across blocks without events
                stored += len(batch.events)
                cursor = end
                batches += 1
            return SyncResult(self.cursor, rolled, stored)

    def _read_range(self, start: int, end: int) -> Batch:
        """The range's events, new contracts and headers, read from the chain."""
        addresses = self._addresses()
        logs = self._get_logs(list(addresses), start, end)
        found: list[Contract] = []
        new = self._discover(logs, addresses, found)
        while new:  # contracts created in this range: their logs from this range too
            extra = self._get_logs(list(new), start, end)
            logs += extra
            addresses.update(new)
            new = self._discover(extra, addresses, found)
        headers: dict[int, tuple[str, int]] = {}
        for number in sorted({log["blockNumber"] for log in logs} | {end}):
            block = self.w3.eth.get_block(number)
            headers[number] = (block["hash"].to_0x_hex(), block["timestamp"])
        models = {c.address: c.model_id for c in self.store.contracts() + found}
        events: list[Event] = []
        for log in logs:
            number = log["blockNumber"]
            if headers[number][0] != log["blockHash"].to_0x_hex():
                raise ReorgDuringSync(number)
            address = to_checksum_address(log["address"])
            kind = addresses[address]
            abi = self._topics[kind].get(bytes(log["topics"][0])) if log["topics"] else None
            if abi is None or abi["name"] in SKIPPED_EVENTS:
                continue
            decoded = get_event_data(self.w3.codec, abi, log)
            args = {k: _jsonable(v) for k, v in decoded["args"].items()}
            model_id = args.get("modelId")
            if model_id is None:
                model_id = models.get(address)
            events.append(
                Event(
                    number,
                    log["logIndex"],
                    log["transactionHash"].to_0x_hex(),
                    address,
                    kind,
                    abi["name"],
                    int(model_id) if model_id is not None else None,
                    args,
                    headers[number][1],
                )
            )
        blocks = [Block(n, h, t) for n, (h, t) in headers.items()]
        return Batch(end, events, found, blocks)

    def _get_logs(self, addresses: list[str], start: int, end: int) -> list[Any]:
        if not addresses:
            return []
        logs = self.w3.eth.get_logs(
            {"address": cast(Any, addresses), "fromBlock": start, "toBlock": end}
        )
        return sorted(logs, key=lambda log: (log["blockNumber"], log["logIndex"]))

    def _discover(
        self, logs: Iterable[Any], known: dict[str, str], found: list[Contract]
    ) -> dict[str, str]:
        """Share tokens and model governors announced by ``ModelFractionalized`` logs
        (appended to ``found``)."""
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
                    found.append(Contract(address, kind, int(args["modelId"]), log["blockNumber"]))
        return new

    # ---------------------------------------------------------------------- reorgs

    def _rollback_if_reorged(self) -> int | None:
        """Roll back to the highest stored block the chain still has; None if no reorg."""
        previous = self.cursor
        rows = self.store.blocks(previous)
        if not rows:
            return None
        head = self.w3.eth.block_number
        fork_point = self.start_block - 1
        for number, block_hash in rows:
            if number <= head and self.w3.eth.get_block(number)["hash"].to_0x_hex() == block_hash:
                fork_point = number
                break
        if fork_point == rows[0][0]:
            return None
        self.rollback(fork_point)
        return previous

    def rollback(self, to_block: int) -> None:
        """Forget everything above ``to_block`` (it is indexed again on the next sync)."""
        with self._lock:
            self.store.rollback(to_block)
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
        names = [event] if isinstance(event, str) else event
        checksummed = to_checksum_address(address) if address is not None else None
        return self.store.events(names, model_id, checksummed)

    def contracts(self, kind: str | None = None) -> list[tuple[str, str, int | None]]:
        """Contracts found while indexing (share tokens, model governors): (address, kind, model)."""
        return [
            (c.address, c.kind, c.model_id)
            for c in self.store.contracts()
            if kind is None or c.kind == kind
        ]

    def close(self) -> None:
        self.store.close()


class ReorgDuringSync(DashboardError):
    """A log's block hash disagrees with the header read in the same sync: retry later."""

    def __init__(self, block_number: int):
        super().__init__(
            DashboardErrorCode.CHAIN_REORGANIZED,
            f"block {block_number} changed while it was being indexed",
        )
        self.block_number = block_number
