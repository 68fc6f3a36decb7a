"""Constants shared by the UsageCredits unit tests (imported by conftest and test modules)."""

from ape.utils import ZERO_ADDRESS

ETH = ZERO_ADDRESS
ETH_CREDIT_VALUE = 10**12  # wei per credit
TOKEN_CREDIT_VALUE = 10_000  # 0.01 mUSD (6 decimals) per credit
HOUR = 3600
DAY = 86_400
GRACE = DAY
UINT96_MAX = 2**96 - 1
ROUTER_FEE_BPS = 500  # protocol fee of the RevenueRouter in the unit fixtures


def router_payments(router, tx, model_id):
    """Number of RevenueRouter payments for `model_id` made by `tx`."""
    return sum(1 for ev in tx.decode_logs(router.PaymentReceived) if ev.modelId == model_id)
