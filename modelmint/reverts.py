"""Contract reverts decoded once: the custom error's name and arguments, from revert data.

Every wing that sends or calls (gateway, client, CLI, dashboard, scripts) turns a revert
into a :class:`Revert` here, from the exported ABIs, instead of printing web3's free text.
A revert from an :class:`AgentWallet` call is unwrapped: ``AgentWalletCallFailed(bytes)``
carries the target's own revert data, decoded as ``inner``.

    >>> revert = decode_revert("0x3f1b8c0a...")          # revert data, hex or bytes
    >>> revert.name, revert.args                          # ("UsageCreditsNotGateway", (7, "0x..."))
    >>> str(revert)                                       # 'UsageCreditsNotGateway(7, 0x...)'
    >>> revert_of(exc)                                    # from web3's ContractCustomError & co.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import function_abi_to_4byte_selector, is_address, to_checksum_address

from modelmint.abi import CONTRACTS, INTERFACES, USER_CONTRACTS, load_abi

# ``Error(string)`` and ``Panic(uint256)``: Solidity's built-in revert encodings.
_BUILTIN: dict[bytes, tuple[str, tuple[str, ...]]] = {
    bytes.fromhex("08c379a0"): ("Error", ("string",)),
    bytes.fromhex("4e487b71"): ("Panic", ("uint256",)),
}
_WALLET_CALL_FAILED = "AgentWalletCallFailed"


@dataclass(frozen=True)
class Revert:
    """A decoded revert: ``name`` of the error (``"Error"``/``"Panic"`` for the built-in
    ones, ``None`` when the selector is unknown), its ``args`` in ABI order, the raw
    ``data``, and the decoded ``inner`` revert of a wrapped AgentWallet call."""

    name: str | None
    args: tuple[Any, ...]
    data: bytes
    inner: Revert | None = None

    def __str__(self) -> str:
        if self.name is None:
            return f"unknown error 0x{self.data[:4].hex()}" if self.data else "reverted"
        if self.inner is not None:
            return f"{self.name}({self.inner})"
        return f"{self.name}({', '.join(_show(a) for a in self.args)})"

    def is_(self, name: str) -> bool:
        """``name`` is this error or the wrapped call's (``AgentWalletCallFailed`` unwrapped)."""
        return self.name == name or (self.inner is not None and self.inner.is_(name))


def _show(value: Any) -> str:
    if isinstance(value, str) and is_address(value):
        return to_checksum_address(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    return str(value)


@cache
def _errors() -> dict[bytes, tuple[str, tuple[str, ...]]]:
    """Selector -> (name, argument types) over every exported ABI's custom errors (the
    deployed contracts, the AgentWallet, and the standard ERC-20 interface)."""
    out = dict(_BUILTIN)
    for contract in CONTRACTS + USER_CONTRACTS + INTERFACES:
        for entry in load_abi(contract):
            if entry.get("type") == "error":
                types = tuple(_abi_type(i) for i in entry.get("inputs", []))
                out[function_abi_to_4byte_selector(entry)] = (entry["name"], types)  # type: ignore[arg-type]
    return out


def _abi_type(param: dict[str, Any]) -> str:
    kind: str = param["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in param["components"]) + ")" + kind[5:]
    return kind


def decode_revert(data: bytes | str | None) -> Revert:
    """The error that ``data`` (revert data, bytes or ``0x`` hex) encodes."""
    raw = _bytes(data)
    known = _errors().get(raw[:4]) if len(raw) >= 4 else None
    if known is None:
        return Revert(None, (), raw)
    name, types = known
    if len(raw) - 4 < 32 * len(types):  # eth_abi would pad a short head with zeros
        return Revert(name, (), raw)
    try:
        args = tuple(abi_decode(list(types), raw[4:]))
    except Exception:  # noqa: BLE001 - a selector match with malformed arguments
        return Revert(name, (), raw)
    inner = None
    if name == _WALLET_CALL_FAILED and args and isinstance(args[-1], bytes):
        inner = decode_revert(args[-1])
    return Revert(name, args, raw, inner)


def _bytes(data: bytes | str | None) -> bytes:
    if data is None:
        return b""
    if isinstance(data, bytes):
        return data
    text = data[2:] if data.startswith("0x") else data
    try:
        return bytes.fromhex(text)
    except ValueError:
        return b""


def revert_of(exc: BaseException) -> Revert | None:
    """The decoded revert a web3 exception carries (``ContractCustomError``,
    ``ContractLogicError`` with data, ``ContractPanicError``), or ``None`` when it carries no
    revert data (the node was unreachable, the call ran out of gas)."""
    data = getattr(exc, "data", None)
    if isinstance(data, dict):  # some nodes nest it: {"data": "0x..."}
        data = data.get("data")
    if isinstance(data, (bytes, str)) and _bytes(data):
        return decode_revert(data)
    message = getattr(exc, "message", None) or (exc.args[0] if exc.args else None)
    if isinstance(message, str) and message.startswith("execution reverted"):
        return Revert("Error", (message.partition(": ")[2],), b"")
    return None
