"""The wire format between a Modelmint gateway and its callers: x402 v2 with our scheme.

A paid route answers ``402`` with a ``PAYMENT-REQUIRED`` header (and the same object as
the body); the caller retries with ``PAYMENT-SIGNATURE``; a paid answer carries
``PAYMENT-RESPONSE``. Each header value is base64 of a JSON object. The scheme is
``modelmint-credits``: the payment is a cumulative EIP-712 receipt over a UsageCredits
metering channel (see :mod:`modelmint.receipts`).

    >>> required = decode_payment_required(response.headers[HEADER_PAYMENT_REQUIRED])
    >>> req = required.accepts[0]
    >>> payload = PaymentPayload(accepted=req, payload=ReceiptPayload(
    ...     channel_id=terms.channel_id, consumer=terms.consumer, salt=terms.salt,
    ...     cumulative_credits=charged + req.amount, deadline=deadline,
    ...     signature=signed.signature))
    >>> headers = {HEADER_PAYMENT_SIGNATURE: encode_payment_payload(payload)}
    >>> paid = decode_payment_response(answer.headers[HEADER_PAYMENT_RESPONSE])

The JSON of each object follows :mod:`modelmint.codec` (decimal-string integers, 0x-hex,
strict decoding); errors are :class:`~modelmint.errors.WireError` with one
:class:`~modelmint.errors.ErrorCode` (:mod:`modelmint.errors`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from modelmint.codec import (
    DECIMAL,
    MAX_HEADER_BYTES,
    ByJson,
    FirstMember,
    WireStruct,
    checksum,
    decode_header,
    encode_header,
    header_bytes,
    hex0x,
    json_object,
    read_address,
    read_bool,
    read_bytes32,
    read_field,
    read_int,
    read_object,
    read_str,
    read_uint,
)
from modelmint.eip712 import Address, Bytes, Uint256
from modelmint.errors import ErrorCode, WireError
from modelmint.receipts import ReceiptDomain

X402_VERSION = 2
SCHEME = "modelmint-credits"

HEADER_PAYMENT_REQUIRED = "PAYMENT-REQUIRED"
HEADER_PAYMENT_SIGNATURE = "PAYMENT-SIGNATURE"
HEADER_PAYMENT_RESPONSE = "PAYMENT-RESPONSE"
# License access: base64 JSON of a signed access statement (modelmint.access).
HEADER_ACCESS = "MODELMINT-ACCESS"
# The gateway's signature over the request and the response (modelmint.provenance).
HEADER_PROVENANCE = "MODELMINT-PROVENANCE"
# The route where a gateway publishes its terms (model, version, prices, domains, routes);
# served by the gateway, probed by the dashboard and read by clients.
WELL_KNOWN_PATH = "/.well-known/modelmint"
# Gasless channels (docs/GATEWAY.md, "Gasless channels and cooperative close"): the gateway
# submits a consumer's signed open or top-up intent, and a consumer's signed cooperative close.
CHANNELS_OPEN_PATH = "/v1/channels/open"
CHANNEL_TOP_UP_PATH = "/v1/channels/{channel_id}/top-up"
CHANNEL_CLOSE_PATH = "/v1/channels/{channel_id}/close"


def network_id(chain_id: int) -> str:
    """CAIP-2 id of an EVM chain: ``eip155:<chainId>``."""
    return f"eip155:{int(chain_id)}"


def chain_id_of(network: str) -> int:
    """The chain id of a CAIP-2 ``eip155:<id>`` network; ``WireError`` otherwise."""
    prefix, _, rest = network.partition(":")
    if prefix != "eip155" or not DECIMAL.match(rest) or rest == "0":
        raise WireError(ErrorCode.WRONG_NETWORK, f"not an eip155 network: {network!r}")
    return int(rest)


def _version(obj: dict[str, Any], where: str) -> int:
    version = read_int(obj, "x402Version", where)
    if version != X402_VERSION:
        raise WireError(
            ErrorCode.UNSUPPORTED_VERSION, f"x402Version {version} (this gateway speaks 2)"
        )
    return version


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
class ModelOffer:
    """What a gateway offers for its model, fixed at start: the part of ``extra`` that is
    the same in every 402 (the gateway's terms extend it)."""

    model_id: int
    version: int
    version_hash: bytes
    credit_value: int
    payment_asset: str
    receipt_domain: ReceiptDomain
    credits_per_item: int = 0
    max_batch: int = 0

    def extra(
        self, channel: ChannelState | None = None, last_receipt: LastReceipt | None = None
    ) -> RequirementsExtra:
        """The ``extra`` of one 402: the offer, with a channel's state for a corrective one."""
        offer = {f.name: getattr(self, f.name) for f in fields(ModelOffer)}
        return RequirementsExtra(**offer, channel=channel, last_receipt=last_receipt)


@dataclass(frozen=True)
class RequirementsExtra(ModelOffer):
    """``extra`` of our scheme's PaymentRequirements."""

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
    consumer's ceiling for the channel after this request) and the channel's terms the
    gateway does not know by itself (``consumer``, ``salt``): the channel id is the hash of
    (consumer, payTo, modelId, salt), and the gateway refuses a ``channel_id`` that is not."""

    WHERE = "payload"

    channel_id: Uint256
    consumer: Address
    salt: Uint256
    cumulative_credits: Uint256
    deadline: Uint256
    signature: Bytes


# A client sends the same accepted requirements with every payment: each is parsed once.
_accepted = ByJson(lambda obj: PaymentRequirements.from_json(obj, "accepted"), "accepted")


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
    def from_json(cls, obj: Any, accepted: PaymentRequirements | None = None) -> PaymentPayload:
        """``accepted``: decoded already (then ``obj``'s is not read)."""
        obj = read_object(obj, "paymentPayload")
        _version(obj, "paymentPayload")
        return cls(
            accepted=accepted or _accepted(read_field(obj, "accepted", "paymentPayload")),
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
    """The ``PAYMENT-SIGNATURE`` header's payload; a client's ``accepted`` text, the same in
    every header, is parsed once (:class:`~modelmint.codec.FirstMember`)."""
    raw = header_bytes(header)
    known = _ACCEPTED_TEXT.split(raw)
    if known is not None:
        return PaymentPayload.from_json(known[1], known[0])
    payment = PaymentPayload.from_json(json_object(raw))
    _ACCEPTED_TEXT.learn(raw, payment.accepted)
    return payment


_ACCEPTED_TEXT: FirstMember[PaymentRequirements] = FirstMember("accepted", "payload")


def encode_payment_response(value: PaymentResponse) -> str:
    return encode_header(value.to_json())


def decode_payment_response(header: str | bytes | None) -> PaymentResponse:
    return PaymentResponse.from_json(decode_header(header))
