"""Provenance: the gateway's signature over what it served and what it charged.

Every paid or licensed answer carries a ``MODELMINT-PROVENANCE`` header: base64 JSON of
the EIP-712 message ``Served(bytes32 requestHash, bytes32 responseHash, uint256 modelId,
uint32 version, bytes32 versionHash, address account, uint256 channelId, uint256 charged,
uint256 chargedTotal, uint64 servedAt)`` and the gateway's signature, under the domain
``{name: "Modelmint Provenance", version: "1", chainId, verifyingContract: <gateway
address>}``. ``requestHash``/``responseHash`` are keccak256 of the exact request and
response body bytes; ``account`` is the payer (channel consumer) or the licensee;
``channelId``, ``charged`` (this call) and ``chargedTotal`` (the channel's running total
after it) are 0 for licensed calls. A consumer keeps the header to prove later what it was
served, by which model version, and for how much.

    >>> proof = Provenance.from_header(answer.headers[HEADER_PROVENANCE])
    >>> verify_provenance(domain, proof, gateway=info_gateway,
    ...                   request_body=sent_bytes, response_body=answer.content)   # raises
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from eth_utils import keccak

from modelmint.receipts import EIP712_DOMAIN_TYPE
from modelmint.signing import (
    domain_separator,
    eip712_digest,
    recover_digest,
    sign_digest,
    struct_hash,
    type_hash,
)
from modelmint.wire import (
    ErrorCode,
    WireError,
    checksum,
    decode_header,
    encode_header,
    hex0x,
    read_address,
    read_bytes32,
    read_field,
    read_hex,
    read_int,
    read_object,
    read_uint,
)

DOMAIN_NAME = "Modelmint Provenance"
DOMAIN_VERSION = "1"

SERVED_TYPE = [
    {"name": "requestHash", "type": "bytes32"},
    {"name": "responseHash", "type": "bytes32"},
    {"name": "modelId", "type": "uint256"},
    {"name": "version", "type": "uint32"},
    {"name": "versionHash", "type": "bytes32"},
    {"name": "account", "type": "address"},
    {"name": "channelId", "type": "uint256"},
    {"name": "charged", "type": "uint256"},
    {"name": "chargedTotal", "type": "uint256"},
    {"name": "servedAt", "type": "uint64"},
]
# The standard four-field domain (name, version, chainId, verifyingContract = the gateway).
DOMAIN_TYPE = EIP712_DOMAIN_TYPE


def body_hash(body: bytes) -> bytes:
    """keccak256 of a request or response body (the exact bytes sent)."""
    return keccak(bytes(body))


@dataclass(frozen=True)
class ProvenanceDomain:
    chain_id: int
    gateway: str
    name: str = DOMAIN_NAME
    version: str = DOMAIN_VERSION

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "chainId": self.chain_id,
            "verifyingContract": checksum(self.gateway),
        }


@dataclass(frozen=True)
class Served:
    request_hash: bytes
    response_hash: bytes
    model_id: int
    version: int
    version_hash: bytes
    account: str
    channel_id: int
    charged: int
    charged_total: int
    served_at: int

    def as_message(self) -> dict[str, Any]:
        return {
            "requestHash": self.request_hash,
            "responseHash": self.response_hash,
            "modelId": self.model_id,
            "version": self.version,
            "versionHash": self.version_hash,
            "account": checksum(self.account),
            "channelId": self.channel_id,
            "charged": self.charged,
            "chargedTotal": self.charged_total,
            "servedAt": self.served_at,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "requestHash": hex0x(self.request_hash),
            "responseHash": hex0x(self.response_hash),
            "modelId": str(self.model_id),
            "version": self.version,
            "versionHash": hex0x(self.version_hash),
            "account": checksum(self.account),
            "channelId": str(self.channel_id),
            "charged": str(self.charged),
            "chargedTotal": str(self.charged_total),
            "servedAt": str(self.served_at),
        }

    @classmethod
    def from_json(cls, obj: Any, where: str = "served") -> Served:
        obj = read_object(obj, where)
        served_at = read_uint(obj, "servedAt", where)
        if served_at >= 2**64:
            raise WireError(ErrorCode.INVALID_PAYLOAD, f"{where}.servedAt must fit uint64")
        return cls(
            request_hash=read_bytes32(obj, "requestHash", where),
            response_hash=read_bytes32(obj, "responseHash", where),
            model_id=read_uint(obj, "modelId", where),
            version=read_int(obj, "version", where, 2**32 - 1),
            version_hash=read_bytes32(obj, "versionHash", where),
            account=read_address(obj, "account", where),
            channel_id=read_uint(obj, "channelId", where),
            charged=read_uint(obj, "charged", where),
            charged_total=read_uint(obj, "chargedTotal", where),
            served_at=served_at,
        )


@dataclass(frozen=True)
class Provenance:
    served: Served
    signature: bytes

    def to_json(self) -> dict[str, Any]:
        return {"served": self.served.to_json(), "signature": hex0x(self.signature)}

    def to_header(self) -> str:
        return encode_header(self.to_json())

    @classmethod
    def from_header(cls, value: str | bytes | None) -> Provenance:
        obj = read_object(decode_header(value), "provenance")
        return cls(
            served=Served.from_json(read_field(obj, "served", "provenance")),
            signature=read_hex(obj, "signature", "provenance", 65),
        )


def typed_data(domain: ProvenanceDomain, served: Served) -> dict[str, Any]:
    return {
        "types": {"EIP712Domain": DOMAIN_TYPE, "Served": SERVED_TYPE},
        "primaryType": "Served",
        "domain": domain.as_dict(),
        "message": served.as_message(),
    }


_SERVED_TYPEHASH = type_hash("Served", SERVED_TYPE)


@lru_cache(maxsize=64)
def _separator(domain: ProvenanceDomain) -> bytes:
    return domain_separator(domain.as_dict(), DOMAIN_TYPE)


def served_digest(domain: ProvenanceDomain, served: Served) -> bytes:
    """The EIP-712 digest of ``typed_data(domain, served)``, computed directly (fast)."""
    return eip712_digest(
        _separator(domain),
        struct_hash(
            _SERVED_TYPEHASH,
            served.request_hash,
            served.response_hash,
            served.model_id,
            served.version,
            served.version_hash,
            served.account,
            served.channel_id,
            served.charged,
            served.charged_total,
            served.served_at,
        ),
    )


def sign_served(domain: ProvenanceDomain, served: Served, gateway_key: Any) -> Provenance:
    """The gateway's side: sign what was served (key as hex/bytes or a ``LocalAccount``)."""
    return Provenance(served, sign_digest(served_digest(domain, served), gateway_key))


def make_served(
    *,
    request_body: bytes,
    response_body: bytes,
    model_id: int,
    version: int,
    version_hash: bytes,
    account: str,
    channel_id: int = 0,
    charged: int = 0,
    charged_total: int = 0,
    served_at: int | None = None,
) -> Served:
    return Served(
        request_hash=body_hash(request_body),
        response_hash=body_hash(response_body),
        model_id=model_id,
        version=version,
        version_hash=bytes(version_hash),
        account=account,
        channel_id=channel_id,
        charged=charged,
        charged_total=charged_total,
        served_at=int(time.time()) if served_at is None else served_at,
    )


def verify_provenance(
    domain: ProvenanceDomain,
    proof: Provenance,
    *,
    gateway: str,
    request_body: bytes | None = None,
    response_body: bytes | None = None,
) -> None:
    """The consumer's check: signed by ``gateway`` under ``domain``, and (when given) over
    exactly these bodies. ``WireError(BAD_SIGNATURE)`` or ``(INVALID_PAYLOAD)`` otherwise."""
    signer = recover_digest(served_digest(domain, proof.served), proof.signature)
    if signer is None or signer.lower() != gateway.lower():
        raise WireError(ErrorCode.BAD_SIGNATURE, "provenance is not signed by the gateway")
    if request_body is not None and body_hash(request_body) != proof.served.request_hash:
        raise WireError(ErrorCode.INVALID_PAYLOAD, "provenance covers another request")
    if response_body is not None and body_hash(response_body) != proof.served.response_hash:
        raise WireError(ErrorCode.INVALID_PAYLOAD, "provenance covers another response")
