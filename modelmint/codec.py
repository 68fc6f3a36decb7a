"""The JSON codec of the wire: strict field readers, the base64 header encoding, and structs
whose JSON follows their Solidity types.

Encoding rules: every on-chain integer (ids, credits, values, deadlines, expiries) is a
decimal string; small counters (``x402Version``, ``maxTimeoutSeconds``, ``version``, a
domain's ``chainId``) are JSON numbers; addresses are 0x-hex (checksummed on output, any case
on input); hashes and signatures are 0x-hex. Decoding is strict: a header above
:data:`MAX_HEADER_BYTES`, bad base64, bad JSON, a missing field or a field of the wrong type
raises :class:`~modelmint.errors.WireError` carrying one
:class:`~modelmint.errors.ErrorCode`; nothing else escapes.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, ClassVar, Generic, Self, TypeVar, get_type_hints

from eth_utils import to_checksum_address

from modelmint.eip712 import members
from modelmint.errors import ErrorCode, WireError

# Largest accepted header value (base64 text). A payload with a 65-byte signature is
# ~1.5 KB; ERC-1271 signatures may be longer, so leave room but bound it.
MAX_HEADER_BYTES = 8 * 1024
# Largest ERC-1271 signature accepted on the wire (bytes).
MAX_SIGNATURE_BYTES = 1024
_UINT256_MAX = 2**256 - 1
DECIMAL = re.compile(r"^(0|[1-9][0-9]{0,77})$")
_BYTES32 = re.compile(r"^0x[0-9a-fA-F]{64}$")
# The readers' patterns, matched whole (``$`` would also match before a final newline): 0x-hex
# of whole bytes is an even-length match of _HEX_DIGITS (one scan; a repeated group of two
# digits costs five times more).
_DECIMAL_MATCH = re.compile(r"0|[1-9][0-9]{0,77}").fullmatch
_ADDRESS_MATCH = re.compile(r"0x[0-9a-fA-F]{40}").fullmatch
_HEX_DIGITS = re.compile(r"0x[0-9a-fA-F]*").fullmatch


# --------------------------------------------------------------------------- field readers
def read_object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"{where} must be an object")
    return value


def read_field(obj: dict[str, Any], key: str, where: str) -> Any:
    value = obj.get(key, _MISSING)
    if value is _MISSING:
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"{where}.{key} is missing")
    return value


# What ``dict.get`` answers for a key a JSON object lacks (no JSON value is this object).
_MISSING: Any = object()


def read_uint(obj: dict[str, Any], key: str, where: str) -> int:
    """A decimal-string uint256."""
    value = obj.get(key, _MISSING)
    if type(value) is str and _DECIMAL_MATCH(value):
        number = int(value)
        if number > _UINT256_MAX:
            raise WireError(ErrorCode.INVALID_PAYLOAD, f"{where}.{key} exceeds uint256")
        return number
    read_field(obj, key, where)  # missing?
    raise WireError(ErrorCode.INVALID_PAYLOAD, f"{where}.{key} must be a decimal string")


def read_int(obj: dict[str, Any], key: str, where: str, maximum: int = 2**64) -> int:
    value = read_field(obj, key, where)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"{where}.{key} must be a small integer")
    return value


def read_str(obj: dict[str, Any], key: str, where: str, max_len: int = 256) -> str:
    value = read_field(obj, key, where)
    if not isinstance(value, str) or len(value) > max_len:
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"{where}.{key} must be a short string")
    return value


def read_bool(obj: dict[str, Any], key: str, where: str) -> bool:
    value = read_field(obj, key, where)
    if not isinstance(value, bool):
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"{where}.{key} must be a boolean")
    return value


@lru_cache(maxsize=4096)
def checksum(address: str) -> str:
    """EIP-55 form of an address (cached, bounded: the same few addresses recur on every
    request, and each costs a keccak)."""
    return to_checksum_address(address)


def read_address(obj: dict[str, Any], key: str, where: str) -> str:
    value = obj.get(key, _MISSING)
    if type(value) is str and _ADDRESS_MATCH(value):
        return checksum(value)
    read_field(obj, key, where)  # missing?
    raise WireError(ErrorCode.INVALID_PAYLOAD, f"{where}.{key} must be an address")


def read_bytes32(obj: dict[str, Any], key: str, where: str) -> bytes:
    value = read_field(obj, key, where)
    if not isinstance(value, str) or not _BYTES32.match(value):
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"{where}.{key} must be 32 bytes of 0x-hex")
    return bytes.fromhex(value[2:])


def read_hex(obj: dict[str, Any], key: str, where: str, max_bytes: int) -> bytes:
    value = obj.get(key, _MISSING)
    if (
        type(value) is str
        and len(value) <= 2 + 2 * max_bytes
        and not len(value) % 2
        and _HEX_DIGITS(value)
    ):
        return bytes.fromhex(value[2:])
    read_field(obj, key, where)  # missing?
    raise WireError(ErrorCode.INVALID_PAYLOAD, f"{where}.{key} must be 0x-hex bytes")


def hex0x(data: bytes) -> str:
    return "0x" + bytes(data).hex()


def encode_header(obj: dict[str, Any]) -> str:
    """base64 of compact JSON (the x402 v2 header encoding)."""
    text = json.dumps(obj, separators=(",", ":"), sort_keys=True)
    return base64.b64encode(text.encode()).decode("ascii")


def encode_header_text(text: str) -> str:
    """base64 of JSON text already written as :func:`encode_header` writes it (compact,
    keys sorted): the header of a hot path that formats its JSON directly."""
    return base64.b64encode(text.encode()).decode("ascii")


def decode_header(value: str | bytes | None, max_bytes: int = MAX_HEADER_BYTES) -> dict[str, Any]:
    """The JSON object inside a base64 header value; ``WireError`` on anything else."""
    return json_object(header_bytes(value, max_bytes))


def header_bytes(value: str | bytes | None, max_bytes: int = MAX_HEADER_BYTES) -> bytes:
    """The bytes a base64 header value carries (:func:`decode_header` before the JSON)."""
    if value is None or len(value) == 0:
        raise WireError(ErrorCode.INVALID_PAYLOAD, "empty header")
    if len(value) > max_bytes:
        raise WireError(
            ErrorCode.HEADER_TOO_LARGE, f"header is {len(value)} bytes, limit {max_bytes}"
        )
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"header is not base64 JSON: {exc}") from None


def json_object(raw: bytes) -> dict[str, Any]:
    """The JSON object of UTF-8 ``raw`` (a header's bytes); ``WireError`` on anything else."""
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"header is not base64 JSON: {exc}") from None
    return read_object(obj, "header")


T = TypeVar("T")


class ByJson(Generic[T]):
    """``parse(obj)`` remembered by ``obj``'s JSON text (keys as given), at most ``limit``
    texts; ``where`` names ``obj`` in errors.

        >>> accepted = ByJson(lambda obj: PaymentRequirements.from_json(obj), "accepted")
        >>> accepted(obj)      # parsed once per distinct text
    """

    def __init__(self, parse: Callable[[Any], T], where: str, limit: int = 1024):
        self._parse, self._where, self._limit = parse, where, limit
        self._known: dict[str, T] = {}

    def __call__(self, obj: Any) -> T:
        try:
            key = json.dumps(obj, separators=(",", ":"))
        except (TypeError, ValueError):
            raise WireError(ErrorCode.INVALID_PAYLOAD, f"{self._where} is not JSON") from None
        value = self._known.get(key)
        if value is None:
            value = self._parse(obj)
            if len(self._known) >= self._limit:
                self._known.clear()
            self._known[key] = value
        return value


class FirstMember(Generic[T]):
    """What a JSON header's first member decodes to, by its text: a client sends the same
    first member in every header (JSON with sorted keys). Once a header's text is known to be
    ``{"<first>":`` + one complete JSON value + ``,"<second>":`` + the rest of an object
    without another ``<first>``, a later header beginning with the same bytes up to
    ``,"<second>":`` has the same first member, and only its rest needs parsing: the object
    JSON gives for the whole text (a repeated ``<first>`` key, which JSON would let win, takes
    the whole parse). At most ``limit`` texts are remembered.

        >>> known = memo.split(raw)      # (decoded first member, rest object) or None
        >>> memo.learn(raw, decoded)     # after a whole parse of raw
    """

    def __init__(self, first: str, second: str, limit: int = 1024):
        self._head = b'{"' + first.encode() + b'":'
        self._next = b',"' + second.encode() + b'":'
        self._first = first
        self._limit = limit
        self._known: dict[bytes, T] = {}

    def _cut(self, raw: bytes) -> int:
        return raw.find(self._next, len(self._head)) if raw.startswith(self._head) else -1

    def split(self, raw: bytes) -> tuple[T, dict[str, Any]] | None:
        """The remembered first member of ``raw`` and the object of the rest (``WireError``
        when the rest is not JSON), or ``None``: parse ``raw`` whole."""
        cut = self._cut(raw)
        value = self._known.get(raw[:cut]) if cut > 0 else None
        if value is None:
            return None
        rest = json_object(b"{" + raw[cut + 1 :])
        return None if self._first in rest else (value, rest)

    def learn(self, raw: bytes, value: T) -> None:
        """Remembers ``value``, decoded from a whole parse of ``raw``, for ``raw``'s text up
        to ``,"<second>":`` when that text is a complete first member."""
        cut = self._cut(raw)
        if cut <= 0:
            return
        try:
            json.loads(raw[len(self._head) : cut].decode("utf-8"))
            rest = json.loads("{" + raw[cut + 1 :].decode("utf-8"))
        except ValueError:
            return
        if isinstance(rest, dict) and self._first not in rest:
            if len(self._known) >= self._limit:
                self._known.clear()
            self._known[raw[:cut]] = value


def _read_uint64(obj: dict[str, Any], key: str, where: str) -> int:
    value = read_uint(obj, key, where)
    if value >= 2**64:
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"{where}.{key} must fit uint64")
    return value


# How a value of each Solidity type is written to and read from JSON (the encoding rules).
_TO_JSON: dict[str, Any] = {
    "uint256": str,
    "uint64": str,
    "uint32": int,
    "bool": bool,
    "address": checksum,
    "bytes32": hex0x,
    "bytes": hex0x,
}
_FROM_JSON: dict[str, Any] = {
    "uint256": read_uint,
    "uint64": _read_uint64,
    "uint32": lambda obj, key, where: read_int(obj, key, where, 2**32 - 1),
    "bool": read_bool,
    "address": read_address,
    "bytes32": read_bytes32,
    "bytes": lambda obj, key, where: read_hex(obj, key, where, MAX_SIGNATURE_BYTES),
}


# How a value of each Solidity type is written as JSON text (what ``json.dumps`` writes of
# its ``_TO_JSON`` form: decimal strings, numbers, booleans, 0x-hex; nothing to escape).
_TO_TEXT: dict[str, Callable[[Any], str]] = {
    "uint256": lambda v: f'"{int(v)}"',
    "uint64": lambda v: f'"{int(v)}"',
    "uint32": lambda v: str(int(v)),
    "bool": lambda v: "true" if v else "false",
    "address": lambda v: f'"{checksum(v)}"',
    "bytes32": lambda v: f'"0x{bytes(v).hex()}"',
    "bytes": lambda v: f'"0x{bytes(v).hex()}"',
}
_TEXTS: dict[type, tuple[tuple[str, str, Callable[[Any], str]], ...]] = {}
_READERS: dict[type, tuple[tuple[str, Callable[[dict[str, Any], str, str], Any]], ...]] = {}


class WireStruct:
    """Base of a frozen dataclass whose fields carry Solidity types (:mod:`modelmint.eip712`):
    its JSON is one camelCase key per field, each encoded by its type as the rules above say.
    ``WHERE`` names the object in error messages.

        >>> @dataclass(frozen=True)
        ... class ChannelState(WireStruct):
        ...     WHERE = "channel"
        ...     channel_id: Uint256
        >>> ChannelState(7).to_json()                  # {"channelId": "7"}
        >>> ChannelState.from_json({"channelId": "7"})  # WireError on anything else
    """

    WHERE: ClassVar[str]

    def to_json(self) -> dict[str, Any]:
        return {m.name: _TO_JSON[m.type](getattr(self, m.attr)) for m in members(type(self))}

    def json_text(self) -> str:
        """The compact JSON of :meth:`to_json` with keys sorted (as :func:`encode_header`
        writes it), written directly."""
        parts = _TEXTS.get(type(self))
        if parts is None:
            parts = _TEXTS[type(self)] = tuple(
                (f'"{m.name}":', m.attr, _TO_TEXT[m.type])
                for m in sorted(members(type(self)), key=lambda m: m.name)
            )
        return "{" + ",".join([key + text(getattr(self, attr)) for key, attr, text in parts]) + "}"

    @classmethod
    def from_json(cls, obj: Any, where: str = "") -> Self:
        where = where or cls.WHERE
        if type(obj) is not dict:
            obj = read_object(obj, where)
        readers = _READERS.get(cls)
        if readers is None:
            readers = _READERS[cls] = tuple((m.name, _FROM_JSON[m.type]) for m in members(cls))
        # members are the dataclass fields in declaration order: positional arguments
        return cls(*[read(obj, name, where) for name, read in readers])


class SignedStruct:
    """Base of a frozen dataclass of a :class:`WireStruct` and its ``signature``, sent as one
    header: base64 JSON of ``{"<struct field>": {...}, "signature": "0x..."}``. ``WHERE``
    names the object in error messages; ``MAX_SIGNATURE`` bounds the signature (bytes).

        >>> proof = Provenance.from_header(answer.headers[HEADER_PROVENANCE])
        >>> proof.to_header()          # the same header value back
    """

    WHERE: ClassVar[str]
    MAX_SIGNATURE: ClassVar[int] = MAX_SIGNATURE_BYTES
    signature: bytes

    def to_json(self) -> dict[str, Any]:
        key, _ = _signed_struct(type(self))
        return {key: getattr(self, key).to_json(), "signature": hex0x(self.signature)}

    def to_header(self) -> str:
        return encode_header(self.to_json())

    @classmethod
    def from_json(cls, obj: Any) -> Self:
        obj = read_object(obj, cls.WHERE)
        key, struct = _signed_struct(cls)
        return cls(
            **{
                key: struct.from_json(read_field(obj, key, cls.WHERE)),
                "signature": read_hex(obj, "signature", cls.WHERE, cls.MAX_SIGNATURE),
            }
        )

    @classmethod
    def from_header(cls, value: str | bytes | None) -> Self:
        return cls.from_json(decode_header(value))


_SIGNED: dict[type, tuple[str, type[WireStruct]]] = {}


def _signed_struct(cls: type[SignedStruct]) -> tuple[str, type[WireStruct]]:
    """The field of a :class:`SignedStruct` that holds the struct, and the struct's type."""
    found = _SIGNED.get(cls)
    if found is None:
        found = _SIGNED[cls] = next(
            (key, hint)
            for key, hint in get_type_hints(cls).items()
            if isinstance(hint, type) and issubclass(hint, WireStruct)
        )
    return found
