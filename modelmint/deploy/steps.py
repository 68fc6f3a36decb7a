"""The plan's vocabulary: steps (:class:`Deploy`, :class:`Call`), :class:`Ref` markers and
what a ``Call.done`` check sees (:class:`PlanContext`).

A *plan* is an ordered list of steps:

- :class:`Deploy` creates a contract. Its constructor arguments may contain :class:`Ref`
  markers, replaced by the address of an earlier ``Deploy`` step.
- :class:`Call` sends one transaction to an earlier contract (wiring, role grants,
  renouncing). Its ``done`` callable reads chain state and returns True when the effect is
  already there, so a call is never sent twice.

The engine (:mod:`modelmint.deploy.engine`) runs a plan with a record;
:mod:`modelmint.deploy.protocol` runs one in process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import rlp
from eth_utils import keccak, to_bytes, to_checksum_address, to_hex

from modelmint.deploy.errors import DeployError, DeployErrorCode


@dataclass(frozen=True)
class Ref:
    """The address of the earlier ``Deploy`` step called ``name``."""

    name: str


@dataclass(frozen=True)
class Deploy:
    """Deploy contract type ``contract`` as step ``name`` with constructor ``args``."""

    name: str
    contract: str
    args: tuple = ()


@dataclass(frozen=True)
class Call:
    """Call ``method(*args)`` on the contract of step ``target`` unless ``done(ctx)``."""

    name: str
    target: str
    method: str
    args: tuple = ()
    done: Callable[[PlanContext], bool] = field(default=lambda ctx: False, compare=False)
    value: int = 0


Step = Deploy | Call

#: The deploying account's address, usable wherever a Ref is.
DEPLOYER = Ref("@deployer")


def validate_plan(plan: Sequence[Step]) -> None:
    """Unique names; every Ref / Call target names an earlier Deploy step."""
    deployed: set[str] = {DEPLOYER.name}
    names: set[str] = set()
    for step in plan:
        if step.name in names:
            raise DeployError(
                f"plan has two steps named {step.name!r}", DeployErrorCode.PLAN_INVALID
            )
        names.add(step.name)
        for ref in refs(step.args):
            if ref.name not in deployed:
                raise DeployError(
                    f"step {step.name!r} refers to {ref.name!r} before it is deployed",
                    DeployErrorCode.PLAN_INVALID,
                )
        if isinstance(step, Call) and step.target not in deployed:
            raise DeployError(
                f"call {step.name!r} targets {step.target!r} before it is deployed",
                DeployErrorCode.PLAN_INVALID,
            )
        if isinstance(step, Deploy):
            deployed.add(step.name)


def refs(value: Any) -> Iterable[Ref]:
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, list | tuple):
        for v in value:
            yield from refs(v)


def substitute(value: Any, addresses: dict[str, str]) -> Any:
    if isinstance(value, Ref):
        return addresses[value.name]
    if isinstance(value, list | tuple):
        return type(value)(substitute(v, addresses) for v in value)
    return value


def to_jsonable(value: Any) -> Any:
    """Constructor / call arguments as JSON (bytes as 0x-hex, tuples as lists)."""
    if isinstance(value, bytes):
        return to_hex(value)
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    if hasattr(value, "address"):
        return str(value.address)
    return str(value)


def create_address(sender: str, nonce: int) -> str:
    """The address a CREATE from ``sender`` at ``nonce`` gets."""
    return to_checksum_address(keccak(rlp.encode([to_bytes(hexstr=sender), nonce]))[12:])


class PlanContext:
    """What a ``Call.done`` sees: the deployer's address, addresses by step name from
    ``address_of``, contracts from ``contract_at(name, address)`` and ``resolve`` (Ref markers
    to addresses). The engine
    reads addresses from the record, a preview from its predictions, an in-process run from
    the contracts it deployed."""

    def __init__(
        self,
        deployer: str,
        address_of: Callable[[str], str],
        contract_at: Callable[[str, str], Any],
    ):
        self._deployer = deployer
        self._address_of = address_of
        self._contract_at = contract_at

    @property
    def deployer(self) -> str:
        return self._deployer

    def address(self, name: str) -> str:
        if name == DEPLOYER.name:
            return self._deployer
        return self._address_of(name)

    def contract(self, name: str) -> Any:
        return self._contract_at(name, self.address(name))

    def resolve(self, value: Any) -> Any:
        """Replace Ref markers in ``value`` by addresses."""
        return substitute(value, {n: self.address(n) for n in {r.name for r in refs(value)}})
