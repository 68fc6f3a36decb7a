"""A minimal paying caller for the gateway tests: the x402 flow over one channel with the
SDK's receipt signer (modelmint.receipts), keeping the client's side of the rules
(check each PAYMENT-RESPONSE, resync from a corrective 402 after checking the last
receipt is its own signature)."""

from __future__ import annotations

import json
import time
from dataclasses import astuple, dataclass, field, replace

import httpx

from modelmint.client.verify import check_payment_response
from modelmint.credits import ChannelTerms
from modelmint.dev.testing import WAIT_CEILING
from modelmint.receipts import Receipt, ReceiptDomain, SignedReceipt, recover_signer, sign_receipt
from modelmint.wire import (
    HEADER_PAYMENT_REQUIRED,
    HEADER_PAYMENT_RESPONSE,
    HEADER_PAYMENT_SIGNATURE,
    PaymentPayload,
    PaymentRequirements,
    PaymentResponse,
    ReceiptPayload,
    decode_payment_required,
    decode_payment_response,
    encode_payment_payload,
)

PREDICT = "/v1/predict"
ZERO_IMAGE = [0.0] * 64


def digits(n: int = 1) -> dict:
    return {"inputs": [[float((i + j) % 17) for j in range(64)] for i in range(n)]}


@dataclass
class Payer:
    url: str
    key: object  # private key / LocalAccount of the channel's consumer
    channel: ChannelTerms  # the channel's terms: its id is their hash
    charged: int = 0
    requirements: PaymentRequirements | None = None
    history: list[PaymentResponse] = field(default_factory=list)
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=WAIT_CEILING))

    @property
    def channel_id(self) -> int:
        return self.channel.channel_id

    def discover(self, body: dict | None = None) -> PaymentRequirements:
        answer = self.client.post(self.url + PREDICT, json=body or digits())
        assert answer.status_code == 402, answer.text
        self.requirements = decode_payment_required(
            answer.headers[HEADER_PAYMENT_REQUIRED]
        ).accepts[0]
        return self.requirements

    def payload(
        self,
        amount: int,
        cumulative: int | None = None,
        deadline: int | None = None,
        channel_id: int | None = None,
        domain: ReceiptDomain | None = None,
        requirements: PaymentRequirements | None = None,
        terms: ChannelTerms | None = None,
    ) -> PaymentPayload:
        """A signed payload for ``amount``; ``terms`` (another channel's) and ``channel_id``
        (an id that need not be the terms') override the payer's channel."""
        req = replace(requirements or self.requirements or self.discover(), amount=amount)
        terms = terms or self.channel
        receipt = Receipt(
            terms.channel_id if channel_id is None else channel_id,
            self.charged + amount if cumulative is None else cumulative,
            int(time.time()) + 3600 if deadline is None else deadline,
        )
        signed = sign_receipt(domain or req.extra.receipt_domain, receipt, self.key)
        return PaymentPayload(
            accepted=req,
            payload=ReceiptPayload(
                receipt.channel_id,
                terms.consumer,
                terms.salt,
                *astuple(receipt)[1:],
                signed.signature,
            ),  # fmt: skip
        )

    def send(
        self, payload: PaymentPayload | None, body: dict | None = None, header: str | None = None
    ):
        headers = {}
        if payload is not None:
            headers[HEADER_PAYMENT_SIGNATURE] = encode_payment_payload(payload)
        if header is not None:
            headers[HEADER_PAYMENT_SIGNATURE] = header
        return self.client.post(
            self.url + PREDICT,
            content=json.dumps(body or digits()).encode(),
            headers={"content-type": "application/json", **headers},
        )

    def pay(self, items: int = 1, spare: int = 0) -> httpx.Response:
        """One paid call for `items` images, signing a ceiling `spare` credits above the
        cost; on a corrective 402 resync once and retry."""
        req = self.requirements or self.discover()
        amount = int(req.extra.credits_per_item) * items + spare
        payload = self.payload(amount)
        answer = self.send(payload, digits(items))
        if answer.status_code == 402 and self.resync(answer):
            payload = self.payload(amount)
            answer = self.send(payload, digits(items))
        if answer.status_code == 200:
            paid = decode_payment_response(answer.headers[HEADER_PAYMENT_RESPONSE])
            check_payment_response(paid, payload.accepted, self.charged)
            self.charged = paid.channel.charged
            self.history.append(paid)
        return answer

    def resync(self, answer: httpx.Response) -> bool:
        """Adopts the gateway's charged total from a corrective 402 after checking that the
        last receipt it holds is this consumer's signature over at least that total."""
        required = decode_payment_required(answer.headers[HEADER_PAYMENT_REQUIRED])
        extra = required.accepts[0].extra
        if required.error != "cumulative_mismatch" or extra.channel is None:
            return False
        last = extra.last_receipt
        if last is not None:
            signed = SignedReceipt(
                Receipt(self.channel_id, last.cumulative_credits, last.deadline), last.signature
            )
            signer = recover_signer(extra.receipt_domain, signed)
            own = self.key.address if hasattr(self.key, "address") else None
            assert own is None or signer == own, "the gateway shows a receipt we did not sign"
            assert last.cumulative_credits >= extra.channel.charged
        self.charged = extra.channel.charged
        return True
