"""Human units for the command line: amounts of a model's payment asset (ETH or an ERC-20,
with its symbol and decimals), durations and dates; and their parsing.

    >>> format_amount(1_200_000_000_000_000, ETH_ASSET)          # '0.0012 ETH'
    >>> parse_amount("0.0012", ETH_ASSET)                          # 1200000000000000
    >>> parse_amount("5000wei", ETH_ASSET)                         # 5000
    >>> format_duration(90_000), parse_duration("30d")             # ('1 d 1 h', 2592000)
    >>> format_date(1_800_000_000)                                 # '2027-01-15 08:00:00 UTC'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from eth_utils import to_checksum_address
from web3 import Web3

from modelmint.abi import load_abi

ZERO = "0x0000000000000000000000000000000000000000"


@dataclass(frozen=True)
class Asset:
    """A payment asset: ``address`` (zero for ETH), ``symbol`` and ``decimals``."""

    address: str
    symbol: str
    decimals: int

    @property
    def is_eth(self) -> bool:
        return int(self.address, 16) == 0


ETH_ASSET = Asset(ZERO, "ETH", 18)


def asset_of(w3: Web3, address: str) -> Asset:
    """The asset at ``address`` (ETH for the zero address), read from the token."""
    if int(address, 16) == 0:
        return ETH_ASSET
    token = w3.eth.contract(address=to_checksum_address(address), abi=load_abi("ERC20"))
    return Asset(
        to_checksum_address(address),
        str(token.functions.symbol().call()),
        int(token.functions.decimals().call()),
    )


def format_amount(value: int, asset: Asset = ETH_ASSET) -> str:
    """``value`` base units as a decimal amount with the asset's symbol."""
    text = format(Decimal(value).scaleb(-asset.decimals), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {asset.symbol}"


_AMOUNT = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([A-Za-z]*)\s*$")


def parse_amount(text: str, asset: Asset = ETH_ASSET) -> int:
    """``"0.01"`` or ``"0.01 ETH"`` (the asset's units), ``"10gwei"``, or ``"5000wei"`` (base
    units) as base units. ``ValueError`` for anything else or a fraction of a base unit."""
    match = _AMOUNT.match(text)
    if match is None:
        raise ValueError(f"not an amount: {text!r} (e.g. 0.01, 0.01 {asset.symbol}, 5000wei)")
    number, unit = match.group(1), match.group(2).lower()
    scale = {"wei": 0, "gwei": 9} if asset.is_eth else {"wei": 0}
    scale[asset.symbol.lower()] = asset.decimals
    scale[""] = asset.decimals
    if unit not in scale:
        raise ValueError(f"unknown unit {unit!r} in {text!r} (asset {asset.symbol})")
    try:
        value = Decimal(number).scaleb(scale[unit])
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    if value != value.to_integral_value():
        raise ValueError(f"{text!r} is finer than one base unit of {asset.symbol}")
    return int(value)


_UNITS = (("d", 86400), ("h", 3600), ("min", 60), ("s", 1))
_DURATION = re.compile(r"^\s*(\d+)\s*(d|days?|h|hours?|m|min|minutes?|s|seconds?|w|weeks?)?\s*$")


def format_duration(seconds: int) -> str:
    """``90000`` -> ``'1 d 1 h'`` (the two largest units)."""
    if seconds <= 0:
        return "0 s"
    parts = []
    for name, size in _UNITS:
        if seconds >= size:
            parts.append(f"{seconds // size} {name}")
            seconds %= size
    return " ".join(parts[:2])


def parse_duration(text: str) -> int:
    """``"30d"``, ``"12h"``, ``"90min"``, ``"2w"`` or plain seconds."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"not a duration: {text!r} (e.g. 30d, 12h, 90min, 3600)")
    unit = (match.group(2) or "s")[0]
    size = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}[unit]
    return int(match.group(1)) * size


def format_date(timestamp: int) -> str:
    """A Unix timestamp as a UTC date and time."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def parse_date(text: str) -> int:
    """An ISO date (``2027-01-31``, ``2027-01-31T12:00``, UTC unless it says) or a timestamp."""
    if text.isdigit():
        return int(text)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())
