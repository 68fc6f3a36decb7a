"""Constants and pure helpers shared by the LicenseManager tests."""

from modelmint.constants import BPS, DAY
from modelmint.dev.testing import isolated  # noqa: F401  (used by the suites)

HASH_1 = b"\x11" * 32
HASH_2 = b"\x22" * 32
TERMS_HASH = b"\x7e" * 32
YEAR = 365 * DAY
MAX_DURATION = 100 * YEAR
PERPETUAL = 2**64 - 1
PRICE = 10**16
FEE_BPS = 500  # protocol fee the test router charges (5 %)


def split(amount: int) -> tuple[int, int]:
    """(fee, net) of a payment through the router."""
    fee = amount * FEE_BPS // BPS
    return fee, amount - fee


def license_id_of(offer_id: int, serial: int) -> int:
    """License ids encode their offer: offerId << 32 | serial (1-based)."""
    return (offer_id << 32) | serial


def now(chain) -> int:
    """The timestamp view calls see: the head block's."""
    return chain.blocks.head.timestamp


def jump(chain, seconds: int) -> int:
    """Mines one block `seconds` after the head; returns its timestamp."""
    target = chain.blocks.head.timestamp + seconds
    chain.mine(1, timestamp=target)
    return target
