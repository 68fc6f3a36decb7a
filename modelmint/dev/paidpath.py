"""Per-stage cost of a paid call, measured in process without a profiler: the real objects
of the paid path (the header decoder, the ledger, the store through the group committer,
the provenance signer, the payment response encoder) driven many thousand times on one
channel, each stage timed with ``time.perf_counter_ns``; then the whole predict handler
called through ASGI in process (no HTTP client, no sockets), free and paid with the same
body, in interleaved rounds, its process CPU time per call (``time.process_time_ns``).

cProfile is not used: it slows every Python call, and inflates most the stages made of many
small calls. Each figure is the median over rounds of the mean per call of a round.

    >>> stages = measure_stages(paid_service, free_service, channel, consumer_key, calls=1000)
    >>> stages["added_us"]          # paid minus free CPU of the whole handler, per call
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from modelmint.credits import ChannelTerms
from modelmint.eip712 import digest
from modelmint.gateway.app import create_app
from modelmint.gateway.headers import payment_response_header
from modelmint.gateway.monitor import Monitor
from modelmint.gateway.service import Service
from modelmint.provenance import body_hash
from modelmint.receipts import Receipt
from modelmint.signing import sign_digest
from modelmint.wire import (
    HEADER_PAYMENT_SIGNATURE,
    PaymentPayload,
    ReceiptPayload,
    decode_payment_payload,
    encode_payment_payload,
)

BODY = json.dumps({"inputs": [[float(j % 17) for j in range(64)]]}).encode()
# Stages of the paid path, in the order a paid call runs them.
STAGES = (
    "header decode",
    "ledger.begin: recovery",
    "ledger.begin: lookup and rules",
    "request hash",
    "payment.charge (store write)",
    "provenance header",
    "payment response header",
)


def payment_headers(
    service: Service, channel: ChannelTerms, key: Any, start: int, count: int
) -> list[str]:
    """``count`` ``PAYMENT-SIGNATURE`` values of 1 credit each on ``channel``, the first
    with ``cumulativeCredits`` ``start + 1`` (signed by ``key``, the consumer)."""
    terms = service.terms
    accepted = terms.requirements(1)
    deadline = int(time.time()) + 24 * 3600
    cid = channel.channel_id
    out = []
    for k in range(start + 1, start + count + 1):
        signature = sign_digest(digest(terms.receipt_domain, Receipt(cid, k, deadline)), key)
        receipt = ReceiptPayload(cid, channel.consumer, channel.salt, k, deadline, signature)
        out.append(encode_payment_payload(PaymentPayload(accepted=accepted, payload=receipt)))
    return out


async def _stage_round(service: Service, headers: list[str]) -> dict[str, float]:
    """One round of the paid path stage by stage; mean ns per call of each stage."""
    ledger, prover, clock = service.ledger, service.prover(), time.perf_counter_ns
    content = b'{"outputs":{"label":[3]}}'
    totals = dict.fromkeys(STAGES, 0)
    for header in headers:
        t0 = clock()
        payload = decode_payment_payload(header)
        t1 = clock()
        ledger._recover_signer(payload)
        t2 = clock()
        payment = await ledger.begin(payload, 1)
        t3 = clock()
        request_hash = body_hash(BODY)
        t4 = clock()
        try:
            paid = await payment.charge(1, request_hash)
        finally:
            payment.release()
        t5 = clock()
        prover.header(request_hash, content, payment.payer, (payload.payload.channel_id, 1, 1))
        t6 = clock()
        payment_response_header(paid)
        t7 = clock()
        for stage, ns in zip(
            STAGES,
            (t1 - t0, t2 - t1, t3 - t2 - (t2 - t1), t4 - t3, t5 - t4, t6 - t5, t7 - t6),
            strict=True,
        ):
            totals[stage] += ns
    return {stage: ns / len(headers) for stage, ns in totals.items()}


async def asgi_post(app: Any, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """``POST /v1/predict`` through ``app``'s ASGI interface in process: status and body."""
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/predict",
        "raw_path": b"/v1/predict",
        "query_string": b"",
        "root_path": "",
        "headers": raw,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 8402),
    }
    sent = False
    status, chunks = 0, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def _handler_round(
    call: Callable[[dict[str, str]], Awaitable[tuple[int, bytes]]], headers: list[dict[str, str]]
) -> float:
    """Process CPU ns per call of ``call`` over ``headers`` (each answered 200)."""
    start = time.process_time_ns()
    for h in headers:
        status, body = await call(h)
        if status != 200:
            raise RuntimeError(f"predict answered {status}: {body[:300]!r}")
    return (time.process_time_ns() - start) / len(headers)


def measure_stages(
    paid: Service, free: Service, channel: ChannelTerms, key: Any, calls: int, rounds: int = 5
) -> dict[str, Any]:
    """The ``stages_us`` block of the gateway report: per-stage us per paid call, and the
    whole predict handler's CPU per call free and paid (``paid`` serves ``channel``, open
    with at least ``(2 * rounds + 2) * calls`` credits not yet charged, and charged
    by nothing but ``paid``; ``free`` has
    payments off)."""
    state = paid.ledger.channel_state(channel.channel_id)
    start = 0 if state is None else state.charged
    headers = payment_headers(paid, channel, key, start, (2 * rounds + 2) * calls)
    stage_headers, handler_headers = (
        headers[: (rounds + 1) * calls],
        headers[(rounds + 1) * calls :],
    )
    paid_app, free_app = create_app(paid.settings, paid), create_app(free.settings, free)
    for service in (paid, free):  # the chain clock, as the app's lifespan sets it
        monitor = Monitor(service)
        monitor.poll()
        monitor.apply()

    async def run() -> dict[str, Any]:
        stage_rounds = []
        for r in range(rounds + 1):  # the first round warms up
            stage_rounds.append(
                await _stage_round(paid, stage_headers[r * calls : (r + 1) * calls])
            )
        per_stage = {
            stage: round(statistics.median(r[stage] for r in stage_rounds[1:]) / 1000, 1)
            for stage in STAGES
        }

        def free_call(_: dict[str, str]) -> Awaitable[tuple[int, bytes]]:
            return asgi_post(free_app, BODY, {})

        def paid_call(h: dict[str, str]) -> Awaitable[tuple[int, bytes]]:
            return asgi_post(paid_app, BODY, h)

        signed = [{HEADER_PAYMENT_SIGNATURE: h} for h in handler_headers]
        free_ns, paid_ns = [], []
        for r in range(rounds + 1):  # interleaved: load drift falls on both alike
            f = await _handler_round(free_call, signed[r * calls : (r + 1) * calls])
            p = await _handler_round(paid_call, signed[r * calls : (r + 1) * calls])
            if r:
                free_ns.append(f)
                paid_ns.append(p)
        free_us = statistics.median(free_ns) / 1000
        paid_us = statistics.median(paid_ns) / 1000
        added = statistics.median(p - f for p, f in zip(paid_ns, free_ns, strict=True)) / 1000
        return {
            "calls_per_round": calls,
            "rounds": rounds,
            "statistic": "median over rounds of the mean per call (us)",
            "stages": per_stage,
            "stages_sum": round(sum(per_stage.values()), 1),
            "handler_free_cpu_us": round(free_us, 1),
            "handler_paid_cpu_us": round(paid_us, 1),
            "added_us": round(added, 1),
        }

    return asyncio.run(run())
