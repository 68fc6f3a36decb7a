"""The client's durable channel state: one JSON file per (chain, consumer), atomic writes.

    >>> store = ChannelStore(Path("~/.modelmint").expanduser(), chain_id=31337,
    ...                      consumer="0x...")
    >>> channel = store.usable(credits, model_id, gateway)[0]   # open channels, newest first
    >>> store.put(replace(channel, signed=channel.charged + 10))

Every signature is recorded (``signed``: the highest ceiling ever signed) before the
request leaves, and every verified PAYMENT-RESPONSE moves ``charged``. After a crash the
file says how far the client may have committed; a corrective 402 from the gateway is
accepted only up to ``signed`` (see :mod:`modelmint.client.client`).
"""

from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from eth_utils import to_checksum_address

from modelmint.credits import ChannelTerms
from modelmint.records import write_json


class ChannelStatus(StrEnum):
    """Whether the client signs on a channel: ``OPEN`` (it may), ``HALTED`` (a gateway broke
    a rule: not until the user clears it), ``CLOSED`` (closed on chain)."""

    OPEN = "open"
    HALTED = "halted"
    CLOSED = "closed"


@dataclass(frozen=True)
class LocalChannel:
    """The client's own record of one channel, as kept in its state directory. ``charged``
    is the gateway's running total as last verified; ``signed`` the highest cumulative
    ceiling the client signed; ``spent`` the payment-asset value this client paid to fund
    the channel. ``channel_id`` is the hash of the terms (``consumer``, ``gateway``,
    ``model_id``, ``salt``); the JSON holds it as a decimal string."""

    channel_id: int
    credits_contract: str
    model_id: int
    gateway: str
    consumer: str
    deposit: int
    expiry: int
    salt: int = 0
    charged: int = 0
    signed: int = 0
    status: ChannelStatus = ChannelStatus.OPEN
    reason: str = ""
    calls: int = 0
    spent: int = 0
    closed: bool = False  # closed on chain (a halted channel stays halted once closed)

    @property
    def remaining(self) -> int:
        return self.deposit - self.charged

    @property
    def terms(self) -> ChannelTerms:
        """The terms that name the channel on chain (its id is their hash)."""
        return ChannelTerms(self.consumer, self.gateway, self.model_id, self.salt)

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "channel_id": str(self.channel_id),
            "salt": str(self.salt),
            "status": self.status.value,
        }

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> LocalChannel:
        return cls(
            **{
                **obj,
                "channel_id": int(obj["channel_id"]),
                "salt": int(obj.get("salt", 0)),
                "status": ChannelStatus(obj.get("status", ChannelStatus.OPEN)),
            }
        )

    def halted(self, reason: str) -> LocalChannel:
        return replace(self, status=ChannelStatus.HALTED, reason=reason)


class ChannelStore:
    """The local channels of one consumer on one chain, in ``<root>/channels-<chain>-<consumer>.json``."""

    def __init__(self, root: Path | str, chain_id: int, consumer: str):
        self.root = Path(root)
        self.path = self.root / f"channels-{chain_id}-{to_checksum_address(consumer)}.json"
        self._lock = threading.Lock()

    def all(self) -> list[LocalChannel]:
        return [LocalChannel.from_json(v) for v in self._read().values()]

    def get(self, channel_id: int) -> LocalChannel | None:
        entry = self._read().get(str(channel_id))
        return LocalChannel.from_json(entry) if entry else None

    def put(self, record: LocalChannel) -> None:
        with self._lock:
            data = self._read()
            data[str(record.channel_id)] = record.to_json()
            self._write(data)

    def usable(self, credits_contract: str, model_id: int, gateway: str) -> list[LocalChannel]:
        """Open channels to ``gateway`` for ``model_id``, newest (highest salt) first."""
        out = [
            r
            for r in self.all()
            if r.status is ChannelStatus.OPEN
            and not r.closed
            and r.model_id == model_id
            and r.gateway.lower() == gateway.lower()
            and r.credits_contract.lower() == credits_contract.lower()
        ]
        return sorted(out, key=lambda r: -r.salt)

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {}
        data: dict[str, Any] = json.loads(self.path.read_text())
        return data

    def _write(self, data: dict[str, Any]) -> None:
        write_json(self.path, data, indent=1)
