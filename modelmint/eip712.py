"""EIP-712 typed structs and domains, declared once.

A struct is a frozen dataclass whose fields carry their Solidity types; its type string,
message, ``hashStruct`` and digest follow from that declaration (and :mod:`modelmint.codec`
reads and writes its JSON by the same types). The receipts, the access statements and the
provenance records are declared this way.

    >>> @dataclass(frozen=True)
    ... class Receipt(TypedStruct):
    ...     channel_id: Uint256
    ...     cumulative_credits: Uint256
    ...     deadline: Uint256
    >>> Receipt.eip712_type()     # [{"name": "channelId", "type": "uint256"}, ...]
    >>> domain = Eip712Domain(31337, credits_address, "Modelmint UsageCredits", "1")
    >>> typed_data(domain, receipt)    # the eth_signTypedData_v4 document (any Domain)
    >>> digest(domain, receipt)        # keccak256(0x1901 || domainSeparator || hashStruct)

Only static member types (uint, bool, address, bytes32) are supported: the struct hash is
the keccak256 of the type hash and one 32-byte word per member.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Annotated, Any, ClassVar, NamedTuple, get_type_hints

from eth_utils import to_checksum_address

from modelmint.hashing import keccak

# Solidity types of struct members (the annotation's metadata names the EIP-712 type).
Address = Annotated[str, "address"]
Bool = Annotated[bool, "bool"]
Bytes32 = Annotated[bytes, "bytes32"]
Uint32 = Annotated[int, "uint32"]
Uint64 = Annotated[int, "uint64"]
Uint256 = Annotated[int, "uint256"]
# A signature (or other dynamic bytes) on the wire; not an EIP-712 member type here.
Bytes = Annotated[bytes, "bytes"]

EIP712_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
_SALT = {"name": "salt", "type": "bytes32"}


class Member(NamedTuple):
    """One struct member: the dataclass attribute, its EIP-712 name and Solidity type."""

    attr: str
    name: str
    type: str


_MEMBERS: dict[type, tuple[Member, ...]] = {}
_TYPE_HASHES: dict[type, bytes] = {}
_ENCODERS: dict[type, tuple[tuple[str, Callable[[Any], bytes]], ...]] = {}


def members(cls: type) -> tuple[Member, ...]:
    """The members of a dataclass whose fields are annotated with a Solidity type, in
    declaration order; EIP-712 names are the attributes in camelCase. Read once per class."""
    found = _MEMBERS.get(cls)
    if found is None:
        hints = get_type_hints(cls, include_extras=True)
        found = tuple(
            Member(f.name, _camel(f.name), hints[f.name].__metadata__[0]) for f in fields(cls)
        )
        _MEMBERS[cls] = found
    return found


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.capitalize() for part in rest)


def word(value: int | bytes | str) -> bytes:
    """One 32-byte ABI word: a uint, bool, bytes32, or a 0x address."""
    if isinstance(value, bool):
        return int(value).to_bytes(32, "big")
    if isinstance(value, int):
        return value.to_bytes(32, "big")
    if isinstance(value, str):
        return bytes.fromhex(value[2:]).rjust(32, b"\x00")
    return bytes(value).rjust(32, b"\x00")


def _uint_word(value: Any) -> bytes:
    return value.to_bytes(32, "big") if type(value) is int else word(value)


def _address_word(value: Any) -> bytes:
    return bytes.fromhex(value[2:]).rjust(32, b"\x00") if type(value) is str else word(value)


def encoders(cls: type) -> tuple[tuple[str, Callable[[Any], bytes]], ...]:
    """Per member of ``cls``, its attribute and the function writing its value as one ABI
    word (:func:`word`, with the type decided once per class, not per value)."""
    found = _ENCODERS.get(cls)
    if found is None:
        by_type = {"address": _address_word}
        found = _ENCODERS[cls] = tuple(
            (m.attr, _uint_word if m.type.startswith("uint") else by_type.get(m.type, word))
            for m in members(cls)
        )
    return found


def _encode_type(name: str, fields_: list[dict[str, str]]) -> str:
    return f"{name}(" + ",".join(f"{f['type']} {f['name']}" for f in fields_) + ")"


class TypedStruct:
    """Base of a frozen dataclass that is an EIP-712 struct named after its class."""

    @classmethod
    def eip712_type(cls) -> list[dict[str, str]]:
        return [{"name": m.name, "type": m.type} for m in members(cls)]

    @classmethod
    def type_hash(cls) -> bytes:
        """keccak256 of the encoded type, ``Name(type1 name1,...)`` (computed once)."""
        found = _TYPE_HASHES.get(cls)
        if found is None:
            found = _TYPE_HASHES[cls] = keccak(text=_encode_type(cls.__name__, cls.eip712_type()))
        return found

    def as_message(self) -> dict[str, Any]:
        """The ``message`` of the typed-data document (addresses checksummed)."""
        return {
            m.name: to_checksum_address(v) if m.type == "address" else v for m, v in self._values()
        }

    def encode(self) -> bytes:
        """``typeHash || one word per member``: the preimage of ``hashStruct`` (what a smart
        wallet that checks the type it signs, like the AgentWallet, is shown)."""
        words = [self.type_hash()]
        words += [encode(getattr(self, attr)) for attr, encode in encoders(type(self))]
        return b"".join(words)

    def struct_hash(self) -> bytes:
        """``hashStruct``: keccak256(typeHash || one word per member)."""
        return keccak(self.encode())

    def _values(self) -> list[tuple[Member, Any]]:
        return [(m, getattr(self, m.attr)) for m in members(type(self))]


class Domain:
    """Base of a domain type: a frozen dataclass of what identifies the domain, whose
    ``standard`` property is the EIP-712 domain it stands for.

        >>> @dataclass(frozen=True)
        ... class ProvenanceDomain(Domain):
        ...     chain_id: int
        ...     gateway: str
        ...     @property
        ...     def standard(self) -> Eip712Domain:
        ...         return Eip712Domain(self.chain_id, self.gateway, "Modelmint Provenance", "1")
    """

    @property
    def standard(self) -> Eip712Domain:
        raise NotImplementedError

    def as_dict(self) -> dict[str, Any]:
        """The ``domain`` of the typed-data document."""
        return self.standard.as_dict()


@dataclass(frozen=True)
class Eip712Domain(Domain):
    """An EIP-712 domain: the standard four fields, and a ``salt`` when one is given."""

    chain_id: int
    verifying_contract: str
    name: str
    version: str
    salt: bytes | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "version": self.version,
            "chainId": self.chain_id,
            "verifyingContract": to_checksum_address(self.verifying_contract),
        }
        if self.salt is not None:
            out["salt"] = "0x" + self.salt.hex()
        return out

    def eip712_type(self) -> list[dict[str, str]]:
        return EIP712_DOMAIN_TYPE if self.salt is None else [*EIP712_DOMAIN_TYPE, _SALT]

    def separator(self) -> bytes:
        """The domain separator (cached: a gateway hashes the same few domains all day)."""
        return _separator(self)

    def prefix(self) -> bytes:
        """``0x1901 || domainSeparator``: what every digest of the domain starts with (kept
        on the domain object after the first call)."""
        found: bytes | None = self.__dict__.get("_prefix")
        if found is None:
            found = b"\x19\x01" + _separator(self)
            object.__setattr__(self, "_prefix", found)
        return found

    @property
    def standard(self) -> Eip712Domain:
        return self


@dataclass(frozen=True)
class GatewayDomain(Domain):
    """The domain of messages one gateway signs or verifies itself (access statements,
    provenance): the gateway's address is the verifying contract; a subclass names the
    domain (``NAME``, ``VERSION``) and may bind a ``salt``."""

    NAME: ClassVar[str]
    VERSION: ClassVar[str] = "1"

    chain_id: int
    gateway: str

    @property
    def salt(self) -> bytes | None:
        return None

    @property
    def standard(self) -> Eip712Domain:
        # Built once per domain object (a gateway signs under the same domain all day).
        found: Eip712Domain | None = self.__dict__.get("_standard")
        if found is None:
            found = Eip712Domain(self.chain_id, self.gateway, self.NAME, self.VERSION, self.salt)
            object.__setattr__(self, "_standard", found)
        return found


@lru_cache(maxsize=64)
def _separator(domain: Eip712Domain) -> bytes:
    values = domain.as_dict()
    encoded = [
        keccak(text=values[f["name"]]) if f["type"] == "string" else word(values[f["name"]])
        for f in domain.eip712_type()
    ]
    signature = _encode_type("EIP712Domain", domain.eip712_type())
    return keccak(keccak(text=signature) + b"".join(encoded))


def typed_data(domain: Domain, struct: TypedStruct) -> dict[str, Any]:
    """The full typed-data document (``eth_signTypedData_v4`` JSON shape)."""
    standard = domain.standard
    primary = type(struct).__name__
    return {
        "types": {"EIP712Domain": standard.eip712_type(), primary: struct.eip712_type()},
        "primaryType": primary,
        "domain": standard.as_dict(),
        "message": struct.as_message(),
    }


def digest(domain: Domain, struct: TypedStruct) -> bytes:
    """The 32-byte digest a signer signs: keccak256(0x1901 || domainSeparator ||
    hashStruct), computed directly (no typed-data document)."""
    return keccak(domain.standard.prefix() + keccak(struct.encode()))
