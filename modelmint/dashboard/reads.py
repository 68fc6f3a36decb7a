"""Data access for the dashboard's views: the deployment's contracts and batched chain reads.

The views never build a web3 contract or a JSON-RPC batch themselves; they ask ``Reads``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from eth_typing import ChecksumAddress
from eth_utils import is_address, to_checksum_address
from web3 import Web3
from web3.exceptions import BadFunctionCallOutput, ContractLogicError

from modelmint.abi import load_abi
from modelmint.dashboard.errors import DashboardError, DashboardErrorCode
from modelmint.dashboard.indexer import Indexer, recorded_contracts
from modelmint.records import Record

ZERO = "0x0000000000000000000000000000000000000000"
MODEL_STATUS = ("Active", "Retired")  # IModelRegistry.ModelStatus
MAX_MODEL_ID = 2**64 - 1  # model ids are uint64 in the contracts' packed records
# A page's JSON object (the app turns integers past 2^53 into strings for JavaScript).
JsonObject = dict[str, Any]


ETH_ASSET: dict[str, Any] = {"address": ZERO, "symbol": "ETH", "decimals": 18}
CLOCK_SAMPLE = 100  # blocks over which the average block time is measured


@dataclass(frozen=True)
class Head:
    """The chain head and the recent average block time, to date block-number timepoints."""

    number: int
    timestamp: int
    seconds_per_block: float

    def date_of(self, block: int) -> int:
        """The (estimated, for a future block) timestamp of ``block``."""
        return self.timestamp + round((block - self.number) * self.seconds_per_block)


def address(value: str) -> ChecksumAddress:
    """``value`` as a checksummed address, or ``bad_address``."""
    if not isinstance(value, str) or not is_address(value):
        raise DashboardError(DashboardErrorCode.BAD_ADDRESS, f"not an address: {value!r}")
    return to_checksum_address(value)


def model_status(value: int) -> str:
    return MODEL_STATUS[value] if 0 <= value < len(MODEL_STATUS) else str(value)


def as_int(value: Any) -> int:
    return int(value) if value is not None else 0


class Reads:
    """The contracts of one deployment record, the index, and batched view calls."""

    def __init__(self, w3: Web3, record: Record, indexer: Indexer):
        self.w3 = w3
        self.indexer = indexer
        self._assets: dict[str, dict[str, Any]] = {}
        self.contracts: dict[str, Any] = {
            step: self.contract(at, kind) for step, (at, kind) in recorded_contracts(record).items()
        }
        timelock = record.address("timelock")
        if timelock:
            self.contracts["timelock"] = self.contract(timelock, "ProtocolTimelock")

    def contract(self, at: str, kind: str) -> Any:
        """A web3 contract for the exported ABI ``kind`` at ``at``."""
        return self.w3.eth.contract(address=to_checksum_address(at), abi=cast(Any, load_abi(kind)))

    def get(self, step: str) -> Any | None:
        """The recorded contract of plan step ``step``, or None when not deployed."""
        return self.contracts.get(step)

    def need(self, step: str) -> Any:
        """The recorded contract of plan step ``step``, or ``not_deployed``."""
        if step not in self.contracts:
            raise DashboardError(
                DashboardErrorCode.NOT_DEPLOYED, f"{step} is not in the deployment record"
            )
        return self.contracts[step]

    def chain_time(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def head(self) -> Head:
        """The latest block and the average block time over the last ``CLOCK_SAMPLE`` blocks."""
        latest = self.w3.eth.get_block("latest")
        number, timestamp = int(latest["number"]), int(latest["timestamp"])
        back = min(CLOCK_SAMPLE, number)
        spb = 12.0
        if back > 0:
            earlier = int(self.w3.eth.get_block(number - back)["timestamp"])
            spb = max((timestamp - earlier) / back, 0.0)
        return Head(number, timestamp, spb)

    def asset(self, token: str) -> dict[str, Any]:
        """Symbol and decimals of a payment asset (ETH for the zero address), read once."""
        if not token or int(token, 16) == 0:
            return ETH_ASSET
        key = to_checksum_address(token)
        if key not in self._assets:
            erc20 = self.contract(key, "ERC20")
            try:
                symbol = str(erc20.functions.symbol().call())
                decimals = int(erc20.functions.decimals().call())
            except (ContractLogicError, BadFunctionCallOutput):  # not an ERC-20: base units
                symbol, decimals = key[:8], 0
            self._assets[key] = {"address": key, "symbol": symbol, "decimals": decimals}
        return self._assets[key]

    def batch(self, calls: list[Any], size: int = 200) -> list[Any]:
        """Results of view ``calls`` sent as JSON-RPC batches (one round trip per ``size``)."""
        results: list[Any] = []
        for start in range(0, len(calls), size):
            with self.w3.batch_requests() as batch:
                for call in calls[start : start + size]:
                    batch.add(call)
                results += batch.execute()
        return results
