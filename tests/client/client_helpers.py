"""Constants and helpers of the client suites (imported by tests/client/conftest.py and the
test modules)."""

from pathlib import Path
from typing import NamedTuple

CREDIT_VALUE = 10**12  # wei per credit (the gateway suites' deployment)
LICENSE_PRICE = 10**16


class Deployment(NamedTuple):
    registry: object
    router: object
    licenses: object
    credits: object
    model_id: int
    record_path: Path
    rpc_url: str


def key_of(account) -> str:
    return account.private_key
