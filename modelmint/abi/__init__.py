"""The ABIs of Modelmint's deployed contracts, shipped with the package.

Gateways, clients, agents, the indexer and the web UI read contract ABIs from here, with
no compiler, no ape and no build cache:

    >>> from modelmint.abi import load_abi
    >>> from web3 import Web3
    >>> credits = w3.eth.contract(address=record.address("UsageCredits"),
    ...                           abi=load_abi("UsageCredits"))

The JSON files beside this module are generated from the compiler output by
``python -m modelmint.abi.export`` (run by ``make compile``);
``tests/unit/toolchain/test_abi_export.py`` fails when one is stale. ``ERC20`` is the
standard token interface (the functions a client needs to approve and pay an ERC-20 model).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

ABI_DIR = Path(__file__).resolve().parent

# Every contract a deployment contains, by its Solidity name (= the JSON file's stem).
CONTRACTS: tuple[str, ...] = (
    "ModelRegistry",
    "LicenseManager",
    "UsageCredits",
    "RevenueRouter",
    "ModelShares",
    "ModelSharesFactory",
    "ModelPayees",
    "Fractionalizer",
    "ModelGovernor",
    "ModelTimelock",
    "GovernanceToken",
    "ProtocolGovernor",
    "ProtocolTimelock",
)
# Contracts a user deploys for itself (not part of a protocol deployment).
USER_CONTRACTS: tuple[str, ...] = ("AgentWallet",)
# Standard interfaces exported next to them (derived, not deployed by Modelmint).
INTERFACES: tuple[str, ...] = ("ERC20",)


@cache
def _load(name: str) -> tuple[dict[str, Any], ...]:
    path = ABI_DIR / f"{name}.json"
    if name not in CONTRACTS + USER_CONTRACTS + INTERFACES or not path.is_file():
        raise KeyError(
            f"no exported ABI named {name!r}; known: {', '.join(CONTRACTS + USER_CONTRACTS + INTERFACES)}"
        )
    return tuple(json.loads(path.read_text()))


def load_abi(name: str) -> list[dict[str, Any]]:
    """The ABI of contract ``name`` (a fresh list each call, safe to mutate)."""
    return [dict(entry) for entry in _load(name)]
