"""What the client checks before it believes a gateway: the requirements of a 402 (this chain,
this UsageCredits, its receipt domain), the paid answer's PAYMENT-RESPONSE, the provenance
signature over the exact bytes and amounts, and a corrective 402's claim.

Plain functions of their inputs (no HTTP, no store): each returns what it verified or raises
:class:`~modelmint.errors.WireError` (which the client turns into a halted channel and a named
client error) or a client error (:class:`ResyncRejected` says whether the channel halts).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from modelmint.client.errors import GatewayError, NoAcceptableRequirement, ResyncRejected
from modelmint.client.store import LocalChannel
from modelmint.credits import Channel
from modelmint.errors import ErrorCode, WireError
from modelmint.provenance import Provenance, ProvenanceDomain, verify_provenance
from modelmint.receipts import Receipt, ReceiptDomain, SignedReceipt, recover_signer
from modelmint.wire import (
    HEADER_PAYMENT_REQUIRED,
    HEADER_PAYMENT_RESPONSE,
    HEADER_PROVENANCE,
    PaymentRequired,
    PaymentRequirements,
    PaymentResponse,
    decode_payment_required,
    decode_payment_response,
    network_id,
)


def required(answer: Any) -> PaymentRequired:
    """The PAYMENT-REQUIRED of a 402 answer; an unreadable one is a :class:`GatewayError`."""
    try:
        return decode_payment_required(answer.headers.get(HEADER_PAYMENT_REQUIRED))
    except WireError as exc:
        raise GatewayError(402, exc.code, f"unreadable PAYMENT-REQUIRED: {exc.message}") from None


def requirements_for(
    offered: PaymentRequired, chain_id: int, credits_address: str | None = None
) -> PaymentRequirements:
    """The first ``modelmint-credits`` requirement on this chain (and, if given, this
    UsageCredits) whose receipt domain is that contract on this chain."""
    network = network_id(chain_id)
    for req in offered.accepts:
        if req.network != network:
            continue
        if credits_address and req.asset.lower() != credits_address.lower():
            continue
        if req.extra.receipt_domain.verifying_contract.lower() != req.asset.lower():
            continue
        if req.extra.receipt_domain.chain_id != chain_id:
            continue
        return req
    listed = [(r.scheme, r.network, r.asset) for r in offered.accepts]
    raise NoAcceptableRequirement(
        f"no modelmint-credits requirement on {network}"
        + (f" for {credits_address}" if credits_address else ""),
        offered=str(listed),
    )


def refusal(offered: PaymentRequired, **details: Any) -> GatewayError:
    """The named error of a 402 the client does not get past."""
    return GatewayError(402, offered.error, offered.message or offered.error, **details)


def gateway_error(answer: Any) -> GatewayError:
    """The named error of a refused answer: a 402's code, or the error body's code (an answer
    without an error body keeps its status, with no code)."""
    if answer.status_code == 402:
        return refusal(required(answer))
    try:
        body = answer.json()["error"]
        return GatewayError(answer.status_code, str(body["code"]), str(body.get("message", "")))
    except Exception:
        return GatewayError(answer.status_code, "", answer.text[:200])


def paid_answer(
    record: LocalChannel, req: PaymentRequirements, headers: Any, payer: str
) -> PaymentResponse:
    """The PAYMENT-RESPONSE of a paid answer on ``record``'s channel, checked: same channel,
    this payer, charge within the ceiling, running total moved by exactly the charge."""
    paid = decode_payment_response(headers.get(HEADER_PAYMENT_RESPONSE))
    if paid.channel.channel_id != record.channel_id:
        raise WireError(
            ErrorCode.CUMULATIVE_MISMATCH,
            f"response is for channel {paid.channel.channel_id}, paid on {record.channel_id}",
        )
    if paid.payer.lower() != payer.lower():
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"response names payer {paid.payer}")
    check_payment_response(paid, req, record.charged)
    return paid


def provenance(
    chain_id: int,
    req: PaymentRequirements,
    request_body: bytes,
    headers: Any,
    response_body: bytes,
    *,
    account: str,
    channel_id: int,
    charged: int,
    charged_total: int,
) -> Provenance:
    """The gateway's provenance of an answer, checked: signed by ``req.pay_to`` over the exact
    request and response bytes, stating the model, version, account, channel and amounts the
    client expects."""
    proof = Provenance.from_header(headers.get(HEADER_PROVENANCE))
    verify_provenance(
        ProvenanceDomain(chain_id, req.pay_to),
        proof,
        gateway=req.pay_to,
        request_body=request_body,
        response_body=response_body,
    )
    s = proof.served
    expected = {
        "modelId": (s.model_id, req.extra.model_id),
        "versionHash": (s.version_hash, req.extra.version_hash),
        "account": (s.account.lower(), account.lower()),
        "channelId": (s.channel_id, channel_id),
        "charged": (s.charged, charged),
        "chargedTotal": (s.charged_total, charged_total),
    }
    wrong = [k for k, (got, want) in expected.items() if got != want]
    if wrong:
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"provenance states other {', '.join(wrong)}")
    return proof


def corrective_claim(
    record: LocalChannel, required: PaymentRequired, on_chain: Channel, domain: ReceiptDomain
) -> LocalChannel:
    """``record`` moved to the running total a corrective 402 claims (deposit and expiry as on
    chain), accepted only when the last receipt it returns was signed by a key the channel
    recorded (settlement accepts exactly those) and covers the claim, or when the claim equals
    what is settled on chain."""
    extra = required.accepts[0].extra if required.accepts else None
    state = extra.channel if extra else None
    if extra is None or state is None or state.channel_id != record.channel_id:
        raise ResyncRejected(
            f"corrective 402 carries no state for channel {record.channel_id}",
            halt="corrective 402 without this channel's state",
            channel=record.channel_id,
        )
    last = extra.last_receipt
    if last is not None:
        signed = SignedReceipt(
            Receipt(record.channel_id, last.cumulative_credits, last.deadline), last.signature
        )
        if not on_chain.signs(recover_signer(domain, signed)) or (
            state.charged > last.cumulative_credits
        ):
            raise ResyncRejected(
                f"gateway claims {state.charged} on channel {record.channel_id} backed by a "
                "receipt that is not this consumer's (or below the claim); channel halted",
                halt="corrective 402 with a receipt this client did not sign",
                channel=record.channel_id,
            )
        signed_max = max(record.signed, last.cumulative_credits)
    elif state.charged == on_chain.settled:
        signed_max = record.signed
    else:
        raise ResyncRejected(
            f"gateway claims {state.charged} on channel {record.channel_id} with no receipt "
            f"(settled on chain: {on_chain.settled}); channel halted",
            halt="corrective 402 claims unsettled credits without a receipt",
            channel=record.channel_id,
        )
    if state.charged < on_chain.settled:
        raise ResyncRejected(
            f"gateway's total {state.charged} is below the settled {on_chain.settled}",
            channel=record.channel_id,
        )
    synced = replace(record, deposit=on_chain.deposit, expiry=on_chain.expiry)
    return replace(synced, charged=state.charged, signed=signed_max)


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
