"""The wire format between a Modelmint gateway and its callers: x402 v2 with our scheme.

A paid route answers ``402`` with a ``PAYMENT-REQUIRED`` header (and the same object as
the body); the caller retries with ``PAYMENT-SIGNATURE``; a paid answer carries
``PAYMENT-RESPONSE``. Each header value is base64 of a JSON object. The scheme is
``modelmint-credits``: the payment is a cumulative EIP-712 receipt over a UsageCredits
metering channel (see :mod:`modelmint.receipts`).

    >>> required = decode_payment_required(response.headers[HEADER_PAYMENT_REQUIRED])
    >>> req = required.accepts[0]
    >>> payload = PaymentPayload(accepted=req, payload=ReceiptPayload(
    ...     channel_id=7, cumulative_credits=charged + req.amount, deadline=deadline,
    ...     signature=signed.signature))
    >>> headers = {HEADER_PAYMENT_SIGNATURE: encode_payment_payload(payload)}
    >>> paid = decode_payment_response(answer.headers[HEADER_PAYMENT_RESPONSE])

Encoding rules: every on-chain integer (ids, credits, values, deadlines, expiries) is a
decimal string; ``x402Version``, ``maxTimeoutSeconds``, ``version`` and the domain's
``chainId`` are JSON numbers; addresses are 0x-hex (checksummed on output, any case on
input); hashes and signatures are 0x-hex. Decoding is strict: a header above
:data:`MAX_HEADER_BYTES`, bad base64, bad JSON, a missing field or a field of the wrong
type raises :class:`WireError` carrying one :class:`ErrorCode`; nothing else escapes.

Errors that are not a 402 use one JSON body shape, :func:`error_body`:
``{"error": {"code": "<ErrorCode>", "message": "...", ...details}}``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any, ClassVar, Self, get_type_hints

from eth_utils import to_checksum_address

from modelmint.eip712 import Bytes, Uint256, members
from modelmint.receipts import ReceiptDomain

X402_VERSION = 2
SCHEME = "modelmint-credits"

HEADER_PAYMENT_REQUIRED = "PAYMENT-REQUIRED"
HEADER_PAYMENT_SIGNATURE = "PAYMENT-SIGNATURE"
HEADER_PAYMENT_RESPONSE = "PAYMENT-RESPONSE"
# Licence access: base64 JSON of a signed access statement (modelmint.access).
HEADER_ACCESS = "MODELMINT-ACCESS"
# The gateway's signature over the request and the response (modelmint.provenance).
HEADER_PROVENANCE = "MODELMINT-PROVENANCE"

# Largest accepted header value (base64 text). A payload with a 65-byte signature is
# ~1.5 KB; ERC-1271 signatures may be longer, so leave room but bound it.
MAX_HEADER_BYTES = 8 * 1024
# Largest ERC-1271 signature accepted on the wire (bytes).
MAX_SIGNATURE_BYTES = 1024
_UINT256_MAX = 2**256 - 1
_DECIMAL = re.compile(r"^(0|[1-9][0-9]{0,77})$")
_HEX = re.compile(r"^0x([0-9a-fA-F]{2})*$")
_BYTES32 = re.compile(r"^0x[0-9a-fA-F]{64}$")
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


class ErrorCode(StrEnum):
    """Every error a gateway answers with; ``.status`` is its HTTP status."""

    # Payment needed or payment requirements not met (402: the body lists what to pay).
    PAYMENT_REQUIRED = "payment_required"
    WRONG_SCHEME = "wrong_scheme"
    WRONG_NETWORK = "wrong_network"
    WRONG_ASSET = "wrong_asset"
    WRONG_GATEWAY = "wrong_gateway"
    WRONG_MODEL = "wrong_model"
    WRONG_VERSION = "wrong_version"
    UNKNOWN_CHANNEL = "unknown_channel"
    CHANNEL_EXPIRED = "channel_expired"
    CHANNEL_IN_GRACE = "channel_in_grace"
    CHANNEL_CLOSED = "channel_closed"
    BAD_SIGNATURE = "bad_signature"
    HIGH_S_SIGNATURE = "high_s_signature"
    CUMULATIVE_MISMATCH = "cumulative_mismatch"
    INSUFFICIENT_AMOUNT = "insufficient_amount"
    ABOVE_DEPOSIT = "above_deposit"
    DEADLINE_EXPIRED = "deadline_expired"
    # Malformed requests.
    INVALID_PAYLOAD = "invalid_payload"
    UNSUPPORTED_VERSION = "unsupported_version"
    HEADER_TOO_LARGE = "header_too_large"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    INVALID_INPUT = "invalid_input"
    CHANNEL_BUSY = "channel_busy"
    NOT_FOUND = "not_found"
    # Licence access.
    STATEMENT_INVALID = "statement_invalid"
    STATEMENT_STALE = "statement_stale"
    STATEMENT_REPLAYED = "statement_replayed"
    LICENCE_INVALID = "licence_invalid"
    # Server side.
    MODEL_FAILED = "model_failed"
    INTERNAL_ERROR = "internal_error"
    RPC_UNAVAILABLE = "rpc_unavailable"
    STORE_UNAVAILABLE = "store_unavailable"
    NOT_READY = "not_ready"

    @property
    def status(self) -> int:
        return _STATUS[self]

    @property
    def is_payment_error(self) -> bool:
        """Answered as an x402 402 (with requirements) rather than an error body."""
        return _STATUS[self] == 402


_STATUS: dict[ErrorCode, int] = {
    **{
        code: 402
        for code in (
            ErrorCode.PAYMENT_REQUIRED,
            ErrorCode.WRONG_SCHEME,
            ErrorCode.WRONG_NETWORK,
            ErrorCode.WRONG_ASSET,
            ErrorCode.WRONG_GATEWAY,
            ErrorCode.WRONG_MODEL,
            ErrorCode.WRONG_VERSION,
            ErrorCode.UNKNOWN_CHANNEL,
            ErrorCode.CHANNEL_EXPIRED,
            ErrorCode.CHANNEL_IN_GRACE,
            ErrorCode.CHANNEL_CLOSED,
            ErrorCode.BAD_SIGNATURE,
            ErrorCode.HIGH_S_SIGNATURE,
            ErrorCode.CUMULATIVE_MISMATCH,
            ErrorCode.INSUFFICIENT_AMOUNT,
            ErrorCode.ABOVE_DEPOSIT,
            ErrorCode.DEADLINE_EXPIRED,
        )
    },
    ErrorCode.INVALID_PAYLOAD: 400,
    ErrorCode.UNSUPPORTED_VERSION: 400,
    ErrorCode.HEADER_TOO_LARGE: 431,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.INVALID_INPUT: 422,
    ErrorCode.CHANNEL_BUSY: 409,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.STATEMENT_INVALID: 401,
    ErrorCode.STATEMENT_STALE: 401,
    ErrorCode.STATEMENT_REPLAYED: 401,
    ErrorCode.LICENCE_INVALID: 403,
    ErrorCode.MODEL_FAILED: 500,
    ErrorCode.INTERNAL_ERROR: 500,
    ErrorCode.RPC_UNAVAILABLE: 503,
    ErrorCode.STORE_UNAVAILABLE: 503,
    ErrorCode.NOT_READY: 503,
}


class WireError(Exception):
    """A request or answer that breaks the wire format or a payment rule."""

    def __init__(self, code: ErrorCode, message: str, **details: Any):
        super().__init__(f"{code.value}: {message}")
        self.code = code
        self.message = message
        self.details = details

    @property
    def status(self) -> int:
        return self.code.status


def error_body(code: ErrorCode, message: str, **details: Any) -> dict[str, Any]:
    """The JSON body of every non-402 error answer."""
    return {"error": {"code": code.value, "message": message, **details}}


def network_id(chain_id: int) -> str:
    """CAIP-2 id of an EVM chain: ``eip155:<chainId>``."""
    return f"eip155:{int(chain_id)}"


def chain_id_of(network: str) -> int:
    """The chain id of a CAIP-2 ``eip155:<id>`` network; ``WireError`` otherwise."""
    prefix, _, rest = network.partition(":")
    if prefix != "eip155" or not _DECIMAL.match(rest) or rest == "0":
        raise WireError(ErrorCode.WRONG_NETWORK, f"not an eip155 network: {network!r}")
    return int(rest)


# --------------------------------------------------------------------------- field readers
def read_object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"{where} must be an object")
    return value


def read_field(obj: dict[str, Any], key: str, where: str) -> Any:
    if key not in obj:
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"{where}.{key} is missing")
    return obj[key]


def read_uint(obj: dict[str, Any], key: str, where: str) -> int:
    """A decimal-string uint256."""
    value = read_field(obj, key, where)
    if not isinstance(value, str) or not _DECIMAL.match(value):
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"{where}.{key} must be a decimal string")
    number = int(value)
    if number > _UINT256_MAX:
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"{where}.{key} exceeds uint256")
    return number


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
    """EIP-55 form of an address (cached: the same few addresses recur on every request)."""
    return to_checksum_address(address)


def read_address(obj: dict[str, Any], key: str, where: str) -> str:
    value = read_field(obj, key, where)
    if not isinstance(value, str) or not _ADDRESS.match(value):
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"{where}.{key} must be an address")
    return checksum(value)


def read_bytes32(obj: dict[str, Any], key: str, where: str) -> bytes:
    value = read_field(obj, key, where)
    if not isinstance(value, str) or not _BYTES32.match(value):
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"{where}.{key} must be 32 bytes of 0x-hex")
    return bytes.fromhex(value[2:])


def read_hex(obj: dict[str, Any], key: str, where: str, max_bytes: int) -> bytes:
    value = read_field(obj, key, where)
    if not isinstance(value, str) or not _HEX.match(value) or len(value) > 2 + 2 * max_bytes:
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"{where}.{key} must be 0x-hex bytes")
    return bytes.fromhex(value[2:])


def hex0x(data: bytes) -> str:
    return "0x" + bytes(data).hex()


def encode_header(obj: dict[str, Any]) -> str:
    """base64 of compact JSON (the x402 v2 header encoding)."""
    text = json.dumps(obj, separators=(",", ":"), sort_keys=True)
    return base64.b64encode(text.encode()).decode("ascii")


def decode_header(value: str | bytes | None, max_bytes: int = MAX_HEADER_BYTES) -> dict[str, Any]:
    """The JSON object inside a base64 header value; ``WireError`` on anything else."""
    if value is None or len(value) == 0:
        raise WireError(ErrorCode.INVALID_PAYLOAD, "empty header")
    if len(value) > max_bytes:
        raise WireError(
            ErrorCode.HEADER_TOO_LARGE, f"header is {len(value)} bytes, limit {max_bytes}"
        )
    try:
        raw = base64.b64decode(value, validate=True)
        obj = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"header is not base64 JSON: {exc}") from None
    return read_object(obj, "header")


def _version(obj: dict[str, Any], where: str) -> int:
    version = read_int(obj, "x402Version", where)
    if version != X402_VERSION:
        raise WireError(
            ErrorCode.UNSUPPORTED_VERSION, f"x402Version {version} (this gateway speaks 2)"
        )
    return version


# --------------------------------------------------------------------------- value types
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

    @classmethod
    def from_json(cls, obj: Any, where: str = "") -> Self:
        where = where or cls.WHERE
        obj = read_object(obj, where)
        fields = {m.attr: _FROM_JSON[m.type](obj, m.name, where) for m in members(cls)}
        return cls(**fields)


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


def domain_to_json(domain: ReceiptDomain) -> dict[str, Any]:
    return domain.as_dict()


def domain_from_json(obj: Any, where: str = "receiptDomain") -> ReceiptDomain:
    obj = read_object(obj, where)
    return ReceiptDomain(
        chain_id=read_int(obj, "chainId", where),
        verifying_contract=read_address(obj, "verifyingContract", where),
        name=read_str(obj, "name", where),
        version=read_str(obj, "version", where),
    )


@dataclass(frozen=True)
class ChannelState(WireStruct):
    """The gateway's view of a channel: ``charged`` is its running total (never above the
    deposit), ``settled`` the amount settled on chain, ``expiry`` unix seconds."""

    WHERE = "channel"

    channel_id: Uint256
    charged: Uint256
    deposit: Uint256
    settled: Uint256
    expiry: Uint256


@dataclass(frozen=True)
class LastReceipt(WireStruct):
    """The last receipt the gateway holds for a channel (sent in a corrective 402 so a
    client that lost its state can check the signature and resync)."""

    WHERE = "lastReceipt"

    cumulative_credits: Uint256
    deadline: Uint256
    signature: Bytes


@dataclass(frozen=True)
class RequirementsExtra:
    """``extra`` of our scheme's PaymentRequirements."""

    model_id: int
    version: int
    version_hash: bytes
    credit_value: int
    payment_asset: str
    receipt_domain: ReceiptDomain
    credits_per_item: int = 0
    max_batch: int = 0
    channel: ChannelState | None = None
    last_receipt: LastReceipt | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "modelId": str(self.model_id),
            "version": self.version,
            "versionHash": hex0x(self.version_hash),
            "creditValue": str(self.credit_value),
            "paymentAsset": checksum(self.payment_asset),
            "receiptDomain": domain_to_json(self.receipt_domain),
            "creditsPerItem": str(self.credits_per_item),
            "maxBatch": self.max_batch,
        }
        if self.channel is not None:
            out["channel"] = self.channel.to_json()
        if self.last_receipt is not None:
            out["lastReceipt"] = self.last_receipt.to_json()
        return out

    @classmethod
    def from_json(cls, obj: Any, where: str = "extra") -> RequirementsExtra:
        obj = read_object(obj, where)
        return cls(
            model_id=read_uint(obj, "modelId", where),
            version=read_int(obj, "version", where, 2**32 - 1),
            version_hash=read_bytes32(obj, "versionHash", where),
            credit_value=read_uint(obj, "creditValue", where),
            payment_asset=read_address(obj, "paymentAsset", where),
            receipt_domain=domain_from_json(read_field(obj, "receiptDomain", where)),
            credits_per_item=read_uint(obj, "creditsPerItem", where)
            if "creditsPerItem" in obj
            else 0,
            max_batch=read_int(obj, "maxBatch", where) if "maxBatch" in obj else 0,
            channel=ChannelState.from_json(obj["channel"]) if obj.get("channel") else None,
            last_receipt=(
                LastReceipt.from_json(obj["lastReceipt"]) if obj.get("lastReceipt") else None
            ),
        )


@dataclass(frozen=True)
class PaymentRequirements:
    """One way to pay: ``amount`` is the most credits this request may charge; ``asset`` is
    the UsageCredits contract; ``pay_to`` the gateway (an allowed gateway of the model)."""

    network: str
    amount: int
    asset: str
    pay_to: str
    max_timeout_seconds: int
    extra: RequirementsExtra
    scheme: str = SCHEME

    @property
    def chain_id(self) -> int:
        return chain_id_of(self.network)

    def to_json(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "network": self.network,
            "amount": str(self.amount),
            "asset": checksum(self.asset),
            "payTo": checksum(self.pay_to),
            "maxTimeoutSeconds": self.max_timeout_seconds,
            "extra": self.extra.to_json(),
        }

    @classmethod
    def from_json(cls, obj: Any, where: str = "requirements") -> PaymentRequirements:
        obj = read_object(obj, where)
        scheme = read_str(obj, "scheme", where, 64)
        if scheme != SCHEME:
            raise WireError(ErrorCode.WRONG_SCHEME, f"scheme {scheme!r}, expected {SCHEME!r}")
        network = read_str(obj, "network", where, 64)
        chain_id_of(network)
        return cls(
            scheme=scheme,
            network=network,
            amount=read_uint(obj, "amount", where),
            asset=read_address(obj, "asset", where),
            pay_to=read_address(obj, "payTo", where),
            max_timeout_seconds=read_int(obj, "maxTimeoutSeconds", where),
            extra=RequirementsExtra.from_json(read_field(obj, "extra", where), f"{where}.extra"),
        )


@dataclass(frozen=True)
class Resource:
    url: str
    description: str = ""
    mime_type: str = "application/json"

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "description": self.description, "mimeType": self.mime_type}

    @classmethod
    def from_json(cls, obj: Any, where: str = "resource") -> Resource:
        obj = read_object(obj, where)
        return cls(
            url=read_str(obj, "url", where, 2048),
            description=read_str(obj, "description", where, 1024) if "description" in obj else "",
            mime_type=read_str(obj, "mimeType", where, 128) if "mimeType" in obj else "",
        )


@dataclass(frozen=True)
class PaymentRequired:
    """The 402 answer (header ``PAYMENT-REQUIRED`` and body): ``error`` is an
    :class:`ErrorCode` value, ``message`` its explanation."""

    error: str
    accepts: tuple[PaymentRequirements, ...]
    resource: Resource
    message: str = ""
    x402_version: int = X402_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "x402Version": self.x402_version,
            "error": self.error,
            "message": self.message,
            "resource": self.resource.to_json(),
            "accepts": [req.to_json() for req in self.accepts],
        }

    @classmethod
    def from_json(cls, obj: Any) -> PaymentRequired:
        obj = read_object(obj, "paymentRequired")
        _version(obj, "paymentRequired")
        accepts = read_field(obj, "accepts", "paymentRequired")
        if not isinstance(accepts, list) or len(accepts) > 16:
            raise WireError(ErrorCode.INVALID_PAYLOAD, "accepts must be a list (at most 16)")
        ours = []
        for entry in accepts:
            # Other schemes may be offered next to ours; keep only ours.
            if isinstance(entry, dict) and entry.get("scheme") == SCHEME:
                ours.append(PaymentRequirements.from_json(entry, "accepts[]"))
        return cls(
            error=read_str(obj, "error", "paymentRequired") if obj.get("error") is not None else "",
            message=read_str(obj, "message", "paymentRequired", 1024) if "message" in obj else "",
            accepts=tuple(ours),
            resource=Resource.from_json(read_field(obj, "resource", "paymentRequired")),
        )


@dataclass(frozen=True)
class ReceiptPayload(WireStruct):
    """The scheme payload: a signed cumulative receipt (``cumulative_credits`` is the
    consumer's ceiling for the channel after this request)."""

    WHERE = "payload"

    channel_id: Uint256
    cumulative_credits: Uint256
    deadline: Uint256
    signature: Bytes


# Decoded requirements by their canonical JSON: a client sends the same accepted
# requirements with every payment, so each distinct one is parsed and checked once.
_ACCEPTED: dict[str, PaymentRequirements] = {}
_ACCEPTED_LIMIT = 1024


def _accepted(obj: Any) -> PaymentRequirements:
    try:
        key = json.dumps(obj, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        raise WireError(ErrorCode.INVALID_PAYLOAD, "accepted is not JSON") from None
    cached = _ACCEPTED.get(key)
    if cached is None:
        cached = PaymentRequirements.from_json(obj, "accepted")
        if len(_ACCEPTED) >= _ACCEPTED_LIMIT:
            _ACCEPTED.clear()
        _ACCEPTED[key] = cached
    return cached


@dataclass(frozen=True)
class PaymentPayload:
    """The client's ``PAYMENT-SIGNATURE``: the requirements it accepted and its receipt."""

    accepted: PaymentRequirements
    payload: ReceiptPayload
    resource: Resource | None = None
    x402_version: int = X402_VERSION

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "x402Version": self.x402_version,
            "accepted": self.accepted.to_json(),
            "payload": self.payload.to_json(),
        }
        if self.resource is not None:
            out["resource"] = self.resource.to_json()
        return out

    @classmethod
    def from_json(cls, obj: Any) -> PaymentPayload:
        obj = read_object(obj, "paymentPayload")
        _version(obj, "paymentPayload")
        return cls(
            accepted=_accepted(read_field(obj, "accepted", "paymentPayload")),
            payload=ReceiptPayload.from_json(read_field(obj, "payload", "paymentPayload")),
            resource=Resource.from_json(obj["resource"]) if obj.get("resource") else None,
        )


@dataclass(frozen=True)
class PaymentResponse:
    """``PAYMENT-RESPONSE`` of a paid answer. ``charged_credits`` is what this request
    cost (``<= accepted.amount``); ``channel.charged`` the new running total, which moved
    by exactly ``charged_credits``. ``transaction`` is empty: settlement is batched later."""

    success: bool
    network: str
    payer: str
    charged_credits: int
    channel: ChannelState
    transaction: str = ""
    error_reason: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "success": self.success,
            "network": self.network,
            "payer": checksum(self.payer),
            "transaction": self.transaction,
            "chargedCredits": str(self.charged_credits),
            "channel": self.channel.to_json(),
        }
        if self.error_reason:
            out["errorReason"] = self.error_reason
        return out

    @classmethod
    def from_json(cls, obj: Any) -> PaymentResponse:
        obj = read_object(obj, "paymentResponse")
        network = read_str(obj, "network", "paymentResponse", 64)
        chain_id_of(network)
        return cls(
            success=read_bool(obj, "success", "paymentResponse"),
            network=network,
            payer=read_address(obj, "payer", "paymentResponse"),
            transaction=read_str(obj, "transaction", "paymentResponse", 80),
            charged_credits=read_uint(obj, "chargedCredits", "paymentResponse"),
            channel=ChannelState.from_json(read_field(obj, "channel", "paymentResponse")),
            error_reason=(
                read_str(obj, "errorReason", "paymentResponse") if "errorReason" in obj else ""
            ),
        )


def encode_payment_required(value: PaymentRequired) -> str:
    return encode_header(value.to_json())


def decode_payment_required(header: str | bytes | None) -> PaymentRequired:
    return PaymentRequired.from_json(decode_header(header, max_bytes=4 * MAX_HEADER_BYTES))


def encode_payment_payload(value: PaymentPayload) -> str:
    return encode_header(value.to_json())


def decode_payment_payload(header: str | bytes | None) -> PaymentPayload:
    return PaymentPayload.from_json(decode_header(header))


def encode_payment_response(value: PaymentResponse) -> str:
    return encode_header(value.to_json())


def decode_payment_response(header: str | bytes | None) -> PaymentResponse:
    return PaymentResponse.from_json(decode_header(header))


def check_payment_response(
    response: PaymentResponse, accepted: PaymentRequirements, previous_charged: int
) -> None:
    """The client's rule before signing again: the charge is within the ceiling and the
    channel's running total moved by exactly the charge. ``WireError`` otherwise."""
    if not response.success:
        raise WireError(ErrorCode.INVALID_PAYLOAD, "payment response reports failure")
    if response.charged_credits > accepted.amount:
        raise WireError(
            ErrorCode.CUMULATIVE_MISMATCH,
            f"charged {response.charged_credits} above the ceiling {accepted.amount}",
        )
    if response.channel.charged != previous_charged + response.charged_credits:
        raise WireError(
            ErrorCode.CUMULATIVE_MISMATCH,
            f"running total moved from {previous_charged} to {response.channel.charged}, "
            f"not by {response.charged_credits}",
        )
