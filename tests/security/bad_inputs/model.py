"""The matrix's vocabulary: a `Case` (label, expected error, builder) makes a `Call` in an
`Env` (the protocol, actors, signers); `Exempt` says why a function has no bad input;
`TRIED` collects the distinct examples; the Hypothesis strategies the builders draw from."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eth_utils import to_checksum_address
from hypothesis import strategies as st

UINT96 = 2**96 - 1


UINT256 = 2**256 - 1


Z32 = b"\x00" * 32


unknown_id = st.integers(min_value=10**6, max_value=UINT256)


too_big_for_uint96 = st.integers(min_value=UINT96 + 1, max_value=UINT256)


UINT64 = 2**64 - 1


UINT32 = 2**32 - 1


too_big_for_a_channel = st.integers(min_value=UINT64 + 1, max_value=UINT256)


beyond_uint32_expiry = st.integers(min_value=UINT32 + 1, max_value=2**40 - 1)


any_address = st.binary(min_size=20, max_size=20).map(to_checksum_address)


nonzero_bytes32 = st.binary(min_size=32, max_size=32).filter(lambda b: b != Z32)


garbage_signature = st.binary(min_size=65, max_size=65)


small_amount = st.integers(min_value=1, max_value=10**6)


def wrong_value(expected: int):
    """msg.value that differs from `expected`."""
    return st.integers(min_value=0, max_value=10**20).filter(lambda v: v != expected)


@dataclass
class Call:
    target: Any
    method: str
    args: tuple
    sender: Any
    value: int = 0

    def key(self) -> str:
        def plain(a):
            if isinstance(a, list | tuple):
                return [plain(x) for x in a]
            if isinstance(a, bytes):
                return "0x" + a.hex()
            return str(getattr(a, "address", a))

        sender = getattr(self.sender, "address", self.sender)
        return repr((plain(list(self.args)), str(sender), self.value))

    def send(self):
        method = getattr(self.target, self.method)
        kw = {"sender": self.sender, "max_priority_fee": 0}
        if self.value:
            kw["value"] = self.value
        return method(*self.args, **kw)


@dataclass
class Case:
    label: str
    error: str
    build: Callable[[Any, Callable], Call]
    # A per-item refusal inside a batch that must not revert (UsageCredits.settle): the call
    # succeeds, emits ReceiptRejected with the selector of `error`, and changes nothing else.
    rejected: bool = False


@dataclass
class Exempt:
    reason: str


@dataclass
class Env:
    """The protocol (tests/security/conftest.py `protocol`) plus actors and signers."""

    p: dict
    actors: dict
    accounts: Any
    chain: Any
    extra: dict = field(default_factory=dict)

    def __getattr__(self, name):
        if name in self.actors:
            return self.actors[name]
        raise AttributeError(name)

    def c(self, name):
        return self.p[name]

    @property
    def ids(self):
        return self.p["ids"]

    def as_account(self, contract):
        """The contract's address as an impersonated sender (timelocks, governors)."""
        return self.accounts[str(contract.address)]

    def others(self, *allowed):
        """Actors other than `allowed` (by address), for wrong-caller cases."""
        keep = {str(getattr(a, "address", a)) for a in allowed}
        return [a for a in self.actors.values() if str(a.address) not in keep]


# Distinct examples tried: "Contract.signature" -> {case label + inputs}
TRIED: dict[str, set[str]] = defaultdict(set)


def record(contract: str, sig: str, case: Case, call: Call) -> None:
    TRIED[f"{contract}.{sig}"].add(f"{case.label}|{call.key()}")
