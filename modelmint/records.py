"""Deployment records: ``deployments/<network>.json``, written by ``ape run deploy``.

Read without ape by gateways, clients and the indexer:

    >>> from modelmint.records import Record
    >>> record = Record.load("deployments/local.json")
    >>> record.address("credits")               # by plan step; None unless deployed
    >>> record.address_of("UsageCredits")       # by Solidity name

The keys are documented in docs/DEPLOYMENT.md. The deploy engine
(``modelmint.deploy.engine``) writes the file; ``save`` is an atomic replace.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from enum import StrEnum
from pathlib import Path
from typing import Any

RECORD_VERSION = 1


class EntryStatus(StrEnum):
    """The state of a record entry (stored as its value): a contract is ``pending`` until
    its deployment is mined, then ``deployed``; a wiring call is ``done`` once mined."""

    PENDING = "pending"
    DEPLOYED = "deployed"
    DONE = "done"


class Record:
    """``deployments/<network>.json``; every ``save`` is an atomic replace."""

    def __init__(self, path: Path, data: dict[str, Any] | None = None):
        self.path = Path(path)
        self.data = data or {"version": RECORD_VERSION, "contracts": {}, "calls": {}}

    @classmethod
    def load(cls, path: Path) -> Record:
        path = Path(path)
        if not path.exists():
            return cls(path)
        data: dict[str, Any] = json.loads(path.read_text())
        data.setdefault("contracts", {})
        data.setdefault("calls", {})
        return cls(path, data)

    @property
    def contracts(self) -> dict[str, dict[str, Any]]:
        contracts: dict[str, dict[str, Any]] = self.data["contracts"]
        return contracts

    @property
    def calls(self) -> dict[str, dict[str, Any]]:
        calls: dict[str, dict[str, Any]] = self.data["calls"]
        return calls

    def address(self, name: str) -> str | None:
        entry = self.contracts.get(name)
        if entry and entry.get("status") == EntryStatus.DEPLOYED:
            return str(entry["address"])
        return None

    def address_of(self, contract: str) -> str | None:
        """The address of the one deployed contract whose Solidity name is ``contract``
        (entries are keyed by plan step: ``credits`` is a ``UsageCredits``); ``None`` if there
        is none. Raises ``ValueError`` if the record holds several."""
        found = [
            entry["address"]
            for entry in self.contracts.values()
            if entry.get("status") == EntryStatus.DEPLOYED and entry.get("contract") == contract
        ]
        if len(found) > 1:
            raise ValueError(f"{self.path} holds {len(found)} deployed {contract} contracts")
        return found[0] if found else None

    def save(self) -> None:
        self.data["updated_at"] = int(time.time())
        write_json(self.path, self.data, indent=2)


def write_json(path: Path, data: Any, *, indent: int) -> None:
    """Writes ``data`` as JSON (sorted keys, a final newline) to ``path`` atomically: a
    temporary file in the same folder, flushed to disk, then renamed over ``path``; a crash
    leaves the old file or the new one, never half of one. Creates the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(data, fh, indent=indent, sort_keys=True)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
