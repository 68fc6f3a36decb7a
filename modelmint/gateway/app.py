"""The gateway's HTTP app: thin routes over :mod:`ledger`, :mod:`license`, :mod:`model`.

Routes:
- ``POST /v1/predict``: ``{"inputs": [item, ...]}``; paid (``PAYMENT-SIGNATURE``),
  licensed (``MODELMINT-ACCESS``) or answered ``402`` with the payment requirements;
- ``GET /v1/weights``, ``/v1/card``; ``POST /v1/channels/open``, ``/{id}/close`` (:mod:`relay`);
- ``GET /.well-known/modelmint``: model, version hash, prices, gateway address, domains;
- ``GET /healthz`` (alive), ``/readyz`` (serving, node reachable), ``/metrics`` (Prometheus).

Every error but a 402 is answered with :func:`modelmint.errors.error_body` (FastAPI's own
included); a 402 keeps x402's ``PaymentRequired`` shape.

    >>> app = create_app(GatewaySettings(deployment="deployments/local.json", model_id=1))
    >>> uvicorn.run(app, host="127.0.0.1", port=8402)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from enum import StrEnum
from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException
from starlette.routing import Route

from modelmint.codec import MAX_HEADER_BYTES, encode_header, hex0x
from modelmint.errors import ErrorCode, WireError, error_body
from modelmint.gateway.cards import extra_routes, register_card
from modelmint.gateway.cors import register_cors
from modelmint.gateway.downloads import register_downloads
from modelmint.gateway.errors import (
    ChainReverted,
    ChainUnavailable,
    InputError,
    ModelError,
    PaymentRejected,
    chain_failure,
    log_fields,
)
from modelmint.gateway.exact import EXACT, is_exact
from modelmint.gateway.headers import payment_response_header
from modelmint.gateway.monitor import Monitor
from modelmint.gateway.relay import register_relay
from modelmint.gateway.service import Service
from modelmint.gateway.settings import GatewaySettings
from modelmint.gateway.terms import describe_terms
from modelmint.provenance import Charges, body_hash
from modelmint.wire import (
    HEADER_ACCESS,
    HEADER_PAYMENT_REQUIRED,
    HEADER_PAYMENT_RESPONSE,
    HEADER_PAYMENT_SIGNATURE,
    HEADER_PROVENANCE,
    SCHEME,
    WELL_KNOWN_PATH,
    X402_VERSION,
    PaymentRequired,
    PaymentRequirements,
    Resource,
    decode_payment_payload,
)

log = logging.getLogger("modelmint.gateway")
PREDICT_PATH = "/v1/predict"


class AccessMode(StrEnum):
    """How a predict request was served (the ``mode`` label of the metrics)."""

    FREE = "free"
    PAID = "paid"
    EXACT = "exact"
    LICENSED = "licensed"


# The outcome label of a request answered without error (errors are labelled by code).
OK = "ok"
# FastAPI's own errors (routing, request validation) by HTTP status.
_HTTP_CODES: dict[int, ErrorCode] = {
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    422: ErrorCode.INVALID_INPUT,
    431: ErrorCode.HEADER_TOO_LARGE,
}


def create_app(settings: GatewaySettings, service: Service | None = None) -> FastAPI:
    """The app; the service (chain checks, model, store) starts in the lifespan unless
    given, and the in-process settler runs when ``settings.settle_in_process``."""
    state: dict[str, Any] = {"service": service, "ready_at": 0.0, "monitor": None}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = state["service"] or await asyncio.to_thread(Service.start, settings)
        state["service"] = svc
        monitor = state["monitor"] = Monitor(svc)
        stop = asyncio.Event()
        with contextlib.suppress(ChainUnavailable, ChainReverted):
            await asyncio.to_thread(monitor.poll)  # the first refresh before serving
            monitor.apply()
        monitor_task = asyncio.create_task(monitor.run_forever(stop, settings.refresh_interval))
        settler_task = None
        if settings.settle_in_process:
            settler_task = asyncio.create_task(
                svc.settler.run_forever(stop, settings.settle_interval)
            )
        forward_task = None
        if svc.exact is not None and settings.forward_interval > 0:
            forward_task = asyncio.create_task(
                svc.exact.forward_forever(stop, settings.forward_interval)
            )
        try:
            yield
        finally:
            stop.set()
            await monitor_task
            for task in (settler_task, forward_task):
                if task is not None:
                    await task
            svc.close()
            log.info("gateway stopped; store flushed")

    app = FastAPI(title="Modelmint gateway", lifespan=lifespan, docs_url=None, redoc_url=None)
    _answer_framework_errors(app)
    register_cors(app, settings.cors_origins)
    register_card(app, lambda: state["service"])
    register_downloads(app, lambda: state["service"])
    register_relay(app, lambda: state["service"])

    def svc() -> Service:
        service: Service = state["service"]
        return service

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> Response:
        s = svc()
        if s is None:
            return _error(WireError(ErrorCode.NOT_READY, "starting"))
        if time.monotonic() - state["ready_at"] > 2.0:
            try:
                await asyncio.to_thread(s.chain.block_number)
            except (ChainUnavailable, ChainReverted) as exc:
                return _error(chain_failure("node unreachable", exc))
            state["ready_at"] = time.monotonic()
        monitor: Monitor | None = state["monitor"]
        if monitor is None:
            return _error(WireError(ErrorCode.NOT_READY, "starting"))
        failing = monitor.not_ready()
        if failing is not None:
            return _error(WireError(ErrorCode.NOT_READY, failing[1], reason=failing[0].value))
        body: dict[str, Any] = {"status": "ready", "version": s.terms.version}
        if monitor.pending_version is not None:
            version, digest = monitor.pending_version
            body["upgradePending"] = {"version": version, "versionHash": hex0x(digest)}
        return JSONResponse(body)

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(svc().metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get(WELL_KNOWN_PATH)
    async def info() -> dict[str, Any]:
        s = svc()
        t = s.terms
        return {
            "x402Version": X402_VERSION,
            "gateway": s.account.address,
            "modelId": str(t.model_id),
            "version": t.version,
            "versionHash": hex0x(t.version_hash),
            "chainId": t.chain_id,
            "input": s.model.spec.describe(),
            "routes": {"predict": PREDICT_PATH, **extra_routes(s)},
            "payments": describe_terms(t) if s.settings.payments_enabled else None,
            "license": {
                "enabled": s.settings.license_enabled,
                "commercialRequired": s.settings.commercial_required,
                "licenseManager": s.chain.licenses.address if s.chain.licenses else None,
            },
            "headers": {
                "paymentRequired": HEADER_PAYMENT_REQUIRED,
                "paymentSignature": HEADER_PAYMENT_SIGNATURE,
                "paymentResponse": HEADER_PAYMENT_RESPONSE,
                "access": HEADER_ACCESS,
                "provenance": HEADER_PROVENANCE,
            },
            "domains": {
                "receipt": t.receipt_domain.as_dict(),
                "access": s.access_domain.as_dict(),
                "provenance": s.provenance_domain.as_dict(),
            },
        }

    async def predict(request: Request) -> Response:
        s = svc()
        started = time.perf_counter()
        mode = AccessMode.FREE
        cost = 0
        try:
            body = await _read_body(request, s.settings.max_body_bytes)
            # The model and terms of this request, fixed: a version switch (Monitor.apply)
            # between its awaits does not mix versions within one answer.
            s = s.snapshot()
            _check_depth(body)
            try:
                parsed = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                raise WireError(ErrorCode.INVALID_INPUT, "the body is not JSON") from None
            except RecursionError:  # 100,000 nested "[": refused, not a 500
                raise WireError(ErrorCode.INVALID_INPUT, "the body is nested too deeply") from None
            try:
                batch = s.model.prepare(parsed)
            except InputError as exc:
                raise WireError(ErrorCode.INVALID_INPUT, exc.message) from None
            cost = s.terms.cost(len(batch))
            payment_header = request.headers.get(HEADER_PAYMENT_SIGNATURE)
            access_header = (
                request.headers.get(HEADER_ACCESS) if s.settings.license_enabled else None
            )
            if payment_header is not None and s.exact is not None and is_exact(payment_header):
                mode = AccessMode.EXACT
                response = await _exact(s, body, batch, cost, payment_header, str(request.url))
            elif payment_header is not None and s.settings.payments_enabled:
                mode = AccessMode.PAID
                response = await _paid(s, request, body, batch, cost, payment_header)
            elif access_header is not None:
                mode = AccessMode.LICENSED
                response = await _licensed(s, body, batch, access_header)
            elif not s.settings.payments_enabled:
                response = Response(_render(_run(s, batch)), media_type="application/json")
            else:
                offered = f"{SCHEME} or {EXACT}" if s.exact is not None else SCHEME
                raise WireError(ErrorCode.PAYMENT_REQUIRED, f"pay with {offered}")
            code = OK
        except WireError as err:
            response = _error(err, s, cost, str(request.url), state["monitor"])
            code = err.code.value
        s.metrics.count(mode, code, time.perf_counter() - started)
        return response

    # A plain Starlette route, matched first: FastAPI's dependency solving and response
    # handling would run on every predict call and add nothing here (same middleware,
    # same error handlers, 405 for another method).
    app.router.routes.insert(0, Route(PREDICT_PATH, predict, methods=["POST"]))
    return app


def _answer_framework_errors(app: FastAPI) -> None:
    """FastAPI's own errors (unknown route, wrong method, invalid request) and anything
    unexpected answered with the one error body."""

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        fallback = ErrorCode.INTERNAL_ERROR if exc.status_code >= 500 else ErrorCode.INVALID_PAYLOAD
        code = _HTTP_CODES.get(exc.status_code, fallback)
        return JSONResponse(
            error_body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        err = WireError(ErrorCode.INVALID_INPUT, "invalid request", errors=_jsonable(exc.errors()))
        return _error(err)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return _error(WireError(ErrorCode.INTERNAL_ERROR, "internal error"))


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise WireError(ErrorCode.PAYLOAD_TOO_LARGE, f"body above {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise WireError(ErrorCode.PAYLOAD_TOO_LARGE, f"body above {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


# Deepest JSON nesting a body may have: the parser recurses once per level, and 100,000
# nested "[" would exhaust the stack. A body with fewer brackets cannot be deeper.
MAX_JSON_DEPTH = 256


def _check_depth(body: bytes) -> None:
    """Refuses a body nested deeper than ``MAX_JSON_DEPTH`` before it is parsed (brackets
    inside strings count too: an input holds numbers only)."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return
    brackets = np.frombuffer(body.translate(None, _NOT_BRACKETS), dtype=np.uint8)
    if int(np.cumsum(_STEP[brackets], dtype=np.int32).max()) > MAX_JSON_DEPTH:
        raise WireError(ErrorCode.INVALID_INPUT, f"the body is nested deeper than {MAX_JSON_DEPTH}")


_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# Per byte value: +1 opens a level ("[" or "{"), -1 closes one.
_STEP = np.zeros(256, dtype=np.int8)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1


def _run(s: Service, batch: Any) -> dict[str, Any]:
    try:
        return s.model.run(batch)
    except ModelError as exc:
        log.warning("model failed: %s", exc.message, extra=log_fields(exc))
        raise WireError(ErrorCode.MODEL_FAILED, "the model failed; nothing was charged") from None


def _render(outputs: dict[str, Any]) -> bytes:
    return json.dumps({"outputs": outputs}, separators=(",", ":")).encode()


async def _paid(
    s: Service, request: Request, body: bytes, batch: Any, cost: int, header: str
) -> Response:
    if len(header) > MAX_HEADER_BYTES:
        raise WireError(ErrorCode.HEADER_TOO_LARGE, f"{HEADER_PAYMENT_SIGNATURE} too large")
    payload = decode_payment_payload(header)
    payment = await s.ledger.begin(payload, cost)
    try:
        outputs = _run(s, batch)
        content = _render(outputs)
        charged = cost  # the work done: every item of the batch was served
        request_hash = body_hash(body)  # stored with the charge and signed in the proof
        paid = await payment.charge(charged, request_hash)
    finally:
        payment.release()
    s.metrics.charged.inc(charged)
    proof = _prove(
        s,
        request_hash,
        content,
        payment.payer,
        (payload.payload.channel_id, charged, paid.channel.charged),
    )
    return Response(
        content,
        media_type="application/json",
        headers={
            HEADER_PAYMENT_RESPONSE: payment_response_header(paid),
            HEADER_PROVENANCE: proof,
        },
    )


async def _exact(s: Service, body: bytes, batch: Any, cost: int, header: str, url: str) -> Response:
    assert s.exact is not None
    return await s.exact.serve(
        header,
        cost,
        lambda: _render(_run(s, batch)),
        lambda content, payer: _prove(s, body_hash(body), content, payer),
        lambda err: _error(err, s, cost, url),
    )


async def _licensed(s: Service, body: bytes, batch: Any, header: str) -> Response:
    account = await s.licenses.check(header)
    content = _render(_run(s, batch))
    proof = _prove(s, body_hash(body), content, account)
    return Response(content, media_type="application/json", headers={HEADER_PROVENANCE: proof})


def _prove(
    s: Service, request_hash: bytes, content: bytes, account: str, charges: Charges = (0, 0, 0)
) -> str:
    """The gateway's provenance header over one served answer (``request_hash``: of the
    request body; ``charges``: channel id, charge and running total of a paid call, zeros
    for a licensed call)."""
    return s.prover().header(request_hash, content, account, charges)


# The 402s that would invite a new channel: while the gateway is not allowed they list none.
_OFFERS_CHANNEL = (ErrorCode.PAYMENT_REQUIRED, ErrorCode.UNKNOWN_CHANNEL)


def _error(
    err: WireError,
    s: Service | None = None,
    cost: int = 0,
    url: str = "",
    monitor: Monitor | None = None,
) -> Response:
    if err.code.is_payment_error and s is not None:
        channel = err.channel if isinstance(err, PaymentRejected) else None
        last = err.last_receipt if isinstance(err, PaymentRejected) else None
        accepts: tuple[PaymentRequirements, ...] = (
            s.terms.requirements(max(cost, 1), channel, last),
        )
        message = err.message
        if monitor is not None and not monitor.allowed and err.code in _OFFERS_CHANNEL:
            accepts = ()
            message = (
                f"{message}; this gateway is not an allowed gateway of model "
                f"{s.terms.model_id} (its grant lapsed): no channel can be opened to it; "
                "an open channel pays with PAYMENT-SIGNATURE"
            )
        required = PaymentRequired(
            error=err.code.value,
            message=message,
            accepts=accepts,
            resource=Resource(url=url, description=f"model {s.terms.model_id} inference"),
        )
        doc = required.to_json()
        if s.exact is not None:  # x402 `exact` beside our scheme (modelmint.gateway.exact)
            doc["accepts"] += s.exact.accepts(cost)
        return Response(
            json.dumps(doc, separators=(",", ":")).encode(),
            status_code=402,
            media_type="application/json",
            headers={HEADER_PAYMENT_REQUIRED: encode_header(doc)},
        )
    return JSONResponse(error_body(err.code, err.message, **err.details), status_code=err.status)
