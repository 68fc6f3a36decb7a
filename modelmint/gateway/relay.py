"""Gasless channels through the gateway (docs/GATEWAY.md, "Gasless channels and cooperative
close"): the gateway pays the gas of what its consumers sign.

``POST /v1/channels/open`` takes a consumer's signed :class:`~modelmint.receipts.OpenChannelIntent`
and its ERC-3009 authorization, checks what needs no node (this gateway, this model, credits
above zero, deadline not past), submits ``openChannelWithAuthorization`` from the gateway's key
and answers the new channel's id (the hash of its terms: consumer, gateway, model, salt).
``POST /v1/channels/{id}/top-up`` takes a signed :class:`~modelmint.receipts.TopUpIntent` the
same way (the id must be the id of the intent's terms: ``channel_terms_mismatch``), submits
``topUpChannelWithAuthorization`` and has the ledger see the new deposit and expiry at once.
``POST /v1/channels/{id}/close`` takes the consumer's signed
:class:`~modelmint.receipts.CooperativeClose` with the channel's ``consumer`` and ``salt``
(the id must be theirs with this gateway and model: ``channel_terms_mismatch``); the
gateway submits it only for exactly
the total it charged (never below: ``close_mismatch`` names that total), then records the
channel settled at that total and closed, so no further receipt is accepted. A submission
that would revert is ``409 submission_reverted`` with the decoded revert.

    >>> register_relay(app, service_of)      # in create_app
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import astuple
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from web3.logs import DISCARD

from modelmint.codec import (
    hex0x,
    json_object,
    read_address,
    read_bytes32,
    read_field,
    read_hex,
    read_int,
    read_object,
    read_uint,
)
from modelmint.credits import ChannelTerms
from modelmint.eip712 import members
from modelmint.errors import ErrorCode, WireError, error_body
from modelmint.gateway.errors import ChainReverted, ChainUnavailable, StoreError, chain_failure
from modelmint.receipts import OpenChannelIntent, TopUpIntent
from modelmint.wire import CHANNEL_CLOSE_PATH, CHANNEL_TOP_UP_PATH, CHANNELS_OPEN_PATH

if TYPE_CHECKING:
    from modelmint.gateway.service import Service

SUBMIT_TIMEOUT = 60.0  # seconds the gateway waits for its transaction to be mined
MAX_BODY_BYTES = 4096
SIGNATURE_BYTES = 65


Intent = TypeVar("Intent", OpenChannelIntent, TopUpIntent)
_READERS: dict[str, Callable[[dict[str, Any], str, str], Any]] = {
    "address": read_address,
    "uint256": read_uint,
    "bytes32": read_bytes32,
}


def read_intent(
    body: dict[str, Any], kind: type[Intent]
) -> tuple[Intent, bytes, tuple[int, bytes, bytes]]:
    """The ``kind`` intent (its members under their EIP-712 names), its signature and the
    ``(v, r, s)`` authorization of an open or top-up request."""
    i = read_object(read_field(body, "intent", "body"), "intent")
    intent = kind(*(_READERS[m.type](i, m.name, "intent") for m in members(kind)))
    return intent, read_hex(body, "signature", "body", SIGNATURE_BYTES), read_authorization(body)


def read_authorization(body: dict[str, Any]) -> tuple[int, bytes, bytes]:
    """The ERC-3009 ``(v, r, s)`` of a request's ``authorization``."""
    a = read_object(read_field(body, "authorization", "body"), "authorization")
    return (
        read_int(a, "v", "authorization", 255),
        read_bytes32(a, "r", "authorization"),
        read_bytes32(a, "s", "authorization"),
    )


def check_intent(s: Service, intent: OpenChannelIntent | TopUpIntent) -> None:
    """What the gateway checks before paying gas for an open or a top-up, with no node read."""
    t = s.terms
    if intent.gateway.lower() != s.account.address.lower():
        raise WireError(ErrorCode.WRONG_GATEWAY, f"the intent names gateway {intent.gateway}")
    if intent.model_id != t.model_id:
        raise WireError(ErrorCode.WRONG_MODEL, f"the intent names model {intent.model_id}")
    if intent.credits == 0:
        raise WireError(ErrorCode.INSUFFICIENT_AMOUNT, "the intent buys no credits")
    if intent.deadline <= s.ledger.clock():
        raise WireError(
            ErrorCode.DEADLINE_EXPIRED, f"the intent's deadline {intent.deadline} passed"
        )


async def _submit(s: Service, call: Any) -> dict[str, Any]:
    """Sends ``call`` from the gateway's key within the relay's rate (``relay_rate`` per second,
    ``relay_burst`` at once): the gas the gateway pays for strangers is bounded."""
    if not s.relay_budget.take():
        raise WireError(
            ErrorCode.RELAY_BUSY,
            f"the relay submits at most {s.settings.relay_rate:g} transactions per second",
        )
    try:
        return await asyncio.to_thread(s.chain.submit, s.account, call, SUBMIT_TIMEOUT)
    except ChainReverted as exc:
        raise WireError(
            ErrorCode.SUBMISSION_REVERTED,
            f"the transaction reverts: {exc.message}",
            **exc.details(),
        ) from None
    except ChainUnavailable as exc:
        raise chain_failure("cannot submit", exc) from None


async def relay_open(s: Service, body: dict[str, Any]) -> dict[str, Any]:
    intent, signature, auth = read_intent(body, OpenChannelIntent)
    check_intent(s, intent)
    fn = s.chain.credits.functions.openChannelWithAuthorization
    mined = await _submit(s, fn(astuple(intent), signature, auth))
    events = s.chain.credits.events.ChannelOpened().process_receipt(mined, errors=DISCARD)
    return {
        "channelId": str(int(events[0]["args"]["channelId"])),
        "salt": str(intent.salt),
        "txHash": hex0x(bytes(mined["transactionHash"])),
    }


async def relay_top_up(s: Service, channel_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Submits the consumer's signed top-up of ``channel_id``; the ledger sees the new deposit
    and expiry at once (another process sees them when a receipt exceeds its cached deposit)."""
    intent, signature, auth = read_intent(body, TopUpIntent)
    check_intent(s, intent)
    terms = ChannelTerms(intent.consumer, intent.gateway, intent.model_id, intent.salt)
    if (why := terms.mismatch(channel_id)) is not None:
        raise WireError(ErrorCode.CHANNEL_TERMS_MISMATCH, why)
    fn = s.chain.credits.functions.topUpChannelWithAuthorization
    mined = await _submit(s, fn(astuple(intent), signature, auth))
    s.ledger.note_changed(channel_id, intent.expiry, intent.credits)
    return {
        "channelId": str(channel_id),
        "credits": str(intent.credits),
        "expiry": str(intent.expiry),
        "txHash": hex0x(bytes(mined["transactionHash"])),
    }


def charged_total(s: Service, channel_id: int) -> int:
    """What the gateway charged on the channel: its store's total, or the ledger's running
    total when a charge is not written yet."""
    stored = s.store.channel(channel_id)
    state = s.ledger.channel_state(channel_id)
    return max(stored.charged if stored else 0, state.charged if state else 0)


async def relay_close(s: Service, channel_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Submits the consumer's cooperative close of ``channel_id`` at the gateway's charged total,
    holding the channel so that no charge lands meanwhile."""
    if not 0 <= channel_id < 2**256:
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"not a channel id: {channel_id}")
    terms = ChannelTerms(
        read_address(body, "consumer", "body"),
        s.account.address,
        s.terms.model_id,
        read_uint(body, "salt", "body"),
    )
    if (why := terms.mismatch(channel_id)) is not None:
        raise WireError(ErrorCode.CHANNEL_TERMS_MISMATCH, why)
    signed = read_uint(body, "chargedCredits", "body")
    signature = read_hex(body, "signature", "body", SIGNATURE_BYTES)
    lock = s.ledger.channel_lock(channel_id)
    if lock is not None:
        try:
            await asyncio.wait_for(lock.acquire(), timeout=s.settings.lock_timeout)
        except TimeoutError:
            raise WireError(ErrorCode.CHANNEL_BUSY, f"channel {channel_id} is serving") from None
    try:
        return await _close_held(s, terms, signed, signature)
    finally:
        if lock is not None:
            lock.release()


async def _close_held(
    s: Service, terms: ChannelTerms, signed: int, signature: bytes
) -> dict[str, Any]:
    channel_id, hold = terms.channel_id, None
    if s.store.shared:  # several processes: the database serialises the channel
        try:
            hold = await asyncio.to_thread(s.store.hold, channel_id, s.settings.lock_timeout)
        except StoreError as exc:
            raise WireError(ErrorCode(exc.code.value), exc.message) from None
    try:
        charged = charged_total(s, channel_id)
        if signed != charged:
            side = "below" if signed < charged else "above"
            raise WireError(
                ErrorCode.CLOSE_MISMATCH,
                f"the close signs {signed} credits, {side} the {charged} charged",
                charged=str(charged),
            )
        fn = s.chain.credits.functions.closeChannelCooperatively
        mined = await _submit(s, fn(terms.as_args(), charged, signature))
        s.ledger.note_changed(channel_id, 0)
        if s.store.channel(channel_id) is not None:
            s.store.set_settled(channel_id, charged)
    finally:
        if hold is not None:
            hold.release()
    return {
        "channelId": str(channel_id),
        "chargedCredits": str(charged),
        "txHash": hex0x(bytes(mined["transactionHash"])),
    }


def register_relay(app: FastAPI, service_of: Callable[[], Service]) -> None:
    """The three routes of the gateway's relay."""

    @app.post(CHANNELS_OPEN_PATH)
    async def open_channel(request: Request) -> Response:
        try:
            return JSONResponse(await relay_open(service_of(), await _body(request)))
        except WireError as err:
            return _refuse(err)

    @app.post(CHANNEL_TOP_UP_PATH)
    async def top_up_channel(channel_id: int, request: Request) -> Response:
        try:
            return JSONResponse(await relay_top_up(service_of(), channel_id, await _body(request)))
        except WireError as err:
            return _refuse(err)

    @app.post(CHANNEL_CLOSE_PATH)
    async def close_channel(channel_id: int, request: Request) -> Response:
        try:
            answer = await relay_close(service_of(), channel_id, await _body(request))
            return JSONResponse(answer)
        except WireError as err:
            return _refuse(err)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise WireError(ErrorCode.PAYLOAD_TOO_LARGE, f"the body exceeds {MAX_BODY_BYTES} bytes")
    return json_object(raw)


def _refuse(err: WireError) -> Response:
    return JSONResponse(error_body(err.code, err.message, **err.details), status_code=err.status)
