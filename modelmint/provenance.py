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
from typing import Any

from modelmint import eip712
from modelmint.codec import SignedStruct, WireStruct, checksum, encode_header_text
from modelmint.eip712 import Address, Bytes32, Uint32, Uint64, Uint256
from modelmint.eip712 import typed_data as typed_data
from modelmint.errors import ErrorCode, WireError
from modelmint.hashing import keccak
from modelmint.signing import DigestSigner, recover_digest, sign_digest

# Channel id, this call's charge and the channel's running total after it.
Charges = tuple[int, int, int]
DOMAIN_NAME = "Modelmint Provenance"
DOMAIN_VERSION = "1"


def body_hash(body: bytes) -> bytes:
    """keccak256 of a request or response body (the exact bytes sent)."""
    return keccak(bytes(body))


@dataclass(frozen=True)
class ProvenanceDomain(eip712.GatewayDomain):
    """The provenance domain of one gateway on one chain (the gateway is the verifying
    contract of the standard four-field domain)."""

    NAME = DOMAIN_NAME
    VERSION = DOMAIN_VERSION


@dataclass(frozen=True)
class Served(eip712.TypedStruct, WireStruct):
    WHERE = "served"

    request_hash: Bytes32
    response_hash: Bytes32
    model_id: Uint256
    version: Uint32
    version_hash: Bytes32
    account: Address
    channel_id: Uint256
    charged: Uint256
    charged_total: Uint256
    served_at: Uint64


SERVED_TYPE = Served.eip712_type()


@dataclass(frozen=True)
class Provenance(SignedStruct):
    WHERE = "provenance"
    MAX_SIGNATURE = 65

    served: Served
    signature: bytes


def served_digest(domain: ProvenanceDomain, served: Served) -> bytes:
    """The EIP-712 digest of ``typed_data(domain, served)``, computed directly (fast)."""
    return eip712.digest(domain, served)


def sign_served(domain: ProvenanceDomain, served: Served, gateway_key: Any) -> Provenance:
    """The gateway's side: sign what was served (key as hex/bytes or a ``LocalAccount``)."""
    return Provenance(served, sign_digest(served_digest(domain, served), gateway_key))


class ServedSigner:
    """The gateway's provenance header for one key, domain and served model version, built
    without intermediate objects: per answer two keccaks of the bodies, the struct hash and
    digest over preassembled words, one signature, and the header text written directly.
    ``header(...)`` equals ``sign_served(domain, make_served(...), key).to_header()``.

        >>> prover = ServedSigner(domain, key, model_id=1, version=2, version_hash=h)
        >>> prover.header(request_hash, content, payer, channel_id, charged, charged_total)
    """

    def __init__(
        self,
        domain: ProvenanceDomain,
        key: DigestSigner,
        *,
        model_id: int,
        version: int,
        version_hash: bytes,
    ):
        self._prefix = domain.standard.prefix()
        self._key = key
        self._type_hash = Served.type_hash()
        self._model_word = model_id.to_bytes(32, "big")
        self._version_words = version.to_bytes(32, "big") + bytes(version_hash)
        # The header's JSON (x402 header encoding: compact, keys sorted) around the values.
        self._model_json = f'"modelId":"{model_id}"'
        self._version_json = f'"version":{version},"versionHash":"0x{bytes(version_hash).hex()}"'

    def header(
        self, request_hash: bytes, response_body: bytes, account: str, charges: Charges = (0, 0, 0)
    ) -> str:
        """The header over one answer; ``charges``: channel id, this call's charge and the
        channel's running total (zeros for a licensed call)."""
        channel_id, charged, charged_total = charges
        response_hash = keccak(response_body)
        served_at = int(time.time())
        words = b"".join(
            (
                self._type_hash,
                request_hash,
                response_hash,
                self._model_word,
                self._version_words,
                bytes.fromhex(account[2:]).rjust(32, b"\x00"),
                channel_id.to_bytes(32, "big"),
                charged.to_bytes(32, "big"),
                charged_total.to_bytes(32, "big"),
                served_at.to_bytes(32, "big"),
            )
        )
        signature = self._key.sign(keccak(self._prefix + keccak(words)))
        return encode_header_text(
            f'{{"served":{{"account":"{checksum(account)}","channelId":"{channel_id}",'
            f'"charged":"{charged}","chargedTotal":"{charged_total}",{self._model_json},'
            f'"requestHash":"0x{request_hash.hex()}","responseHash":"0x{response_hash.hex()}",'
            f'"servedAt":"{served_at}",{self._version_json}}},"signature":"0x{signature.hex()}"}}'
        )


def make_served(
    *,
    request_body: bytes | None = None,
    response_body: bytes,
    model_id: int,
    version: int,
    version_hash: bytes,
    account: str,
    channel_id: int = 0,
    charged: int = 0,
    charged_total: int = 0,
    served_at: int | None = None,
    request_hash: bytes | None = None,
) -> Served:
    """What a gateway signs for one answer; ``request_hash`` stands for ``request_body``
    when the caller hashed it already (the gateway stores it with the charge too)."""
    if request_hash is None:
        if request_body is None:
            raise TypeError("make_served needs request_body or request_hash")
        request_hash = body_hash(request_body)
    return Served(
        request_hash=request_hash,
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
