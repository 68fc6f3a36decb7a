"""Protocol-wide constants, one home for the SDK, the deploy code, scripts and tests (no ape)::

from modelmint.constants import DAY, ETH, BPS
fee = amount * fee_bps // BPS
"""

from typing import Final

ZERO_ADDRESS: Final = "0x0000000000000000000000000000000000000000"
"""The zero address."""
ETH: Final = ZERO_ADDRESS
"""The payment asset "ETH" (a model priced in the native currency records the zero address)."""

WAD: Final = 10**18
"""One whole token of 18 decimals (1 ETH in wei, one governance token, one share)."""
UNIT: Final = WAD

BPS: Final = 10_000
"""Basis points in one whole (fees and split weights are out of BPS)."""

MINUTE: Final = 60
HOUR: Final = 60 * MINUTE
DAY: Final = 24 * HOUR
