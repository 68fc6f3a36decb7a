"""Our scheme for the ``x402`` SDK: code written against x402's client pays a Modelmint
gateway.

    >>> from x402.http.clients.httpx import x402HttpxClient
    >>> client = Client(gateway_url, signer, rpc_url=rpc, budget=Budget(max_value=10**16))
    >>> x402 = modelmint_x402_client(client)           # x402Client with our scheme
    >>> async with wrap_httpx(x402, base_url=gateway_url) as http:
    ...     answer = await http.post("/v1/predict", json={"inputs": rows})

``ModelmintCreditsScheme`` implements x402's ``SchemeNetworkClient`` for
``modelmint-credits`` on every ``eip155:*`` network: ``create_payment_payload`` funds or
picks a channel through the :class:`~modelmint.client.client.Client` (same budget, same
on-disk state) and returns the signed receipt. Its ``on_payment_response`` hook applies
a corrective 402 after verifying it and asks x402's transport to retry once. x402's
``SettleResponse`` drops our PAYMENT-RESPONSE fields, so the checks of a paid answer
(charge rules and provenance) run in :class:`VerifyingTransport`, which wraps x402's
transport and raises on any mismatch after halting the channel.

The adapter drives only the client's public payment API (``prepare_payment``, ``accept``,
``resync``, ``channel``). One request at a time per scheme instance (the SDK's transport is
sequential per call).
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

import httpx
from x402 import x402Client
from x402.http.clients.httpx import x402AsyncTransport
from x402.schemas import PaymentResponseContext, RecoveredResponseResult

from modelmint.client.client import Client
from modelmint.client.errors import ClientError, gateway_code
from modelmint.client.store import LocalChannel
from modelmint.errors import ErrorCode
from modelmint.wire import HEADER_PAYMENT_RESPONSE, SCHEME, PaymentRequired, PaymentRequirements

NETWORKS = "eip155:*"
# The scheme registered on each x402 client by `modelmint_x402_client`, for `wrap_httpx`.
_SCHEMES: WeakKeyDictionary[x402Client, ModelmintCreditsScheme] = WeakKeyDictionary()


class ModelmintCreditsScheme:
    """x402 ``SchemeNetworkClient`` for ``modelmint-credits``."""

    scheme = SCHEME

    def __init__(self, client: Client):
        self.client = client
        self.pending: tuple[LocalChannel, PaymentRequirements] | None = None

    def create_payment_payload(self, requirements: Any) -> dict[str, Any]:
        req = PaymentRequirements.from_json(_plain(requirements))
        record, payload = self.client.prepare_payment(req)
        self.pending = (record, req)
        return payload.payload.to_json()

    def on_payment_response(self, ctx: PaymentResponseContext) -> RecoveredResponseResult | None:
        """A 402 after paying: resync from a verified corrective 402 and retry once."""
        if ctx.payment_required is None or self.pending is None:
            return None
        required = PaymentRequired.from_json(_plain(ctx.payment_required))
        record, _ = self.pending
        if gateway_code(required.error) is ErrorCode.CUMULATIVE_MISMATCH:
            self.client.resync(record, required)
            return RecoveredResponseResult()
        return None


class VerifyingTransport(httpx.AsyncBaseTransport):
    """Wraps x402's transport: every paid answer is checked by the Modelmint client
    (PAYMENT-RESPONSE rules, provenance) before the caller sees it."""

    def __init__(self, inner: x402AsyncTransport, scheme: ModelmintCreditsScheme):
        self.inner = inner
        self.scheme = scheme

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.scheme.pending = None
        response = await self.inner.handle_async_request(request)
        if HEADER_PAYMENT_RESPONSE in response.headers and self.scheme.pending is not None:
            await response.aread()
            record, req = self.scheme.pending
            fresh = self.scheme.client.channel(record.channel_id) or record
            self.scheme.client.accept(fresh, req, request.content, response)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def modelmint_x402_client(client: Client, x402: x402Client | None = None) -> x402Client:
    """Registers our scheme (all eip155 networks) on an x402 client (a new one by default)
    and lets it pay our asset: the Modelmint client's budget is the spending limit."""
    x402 = x402 or x402Client()
    scheme = ModelmintCreditsScheme(client)
    x402.register(NETWORKS, scheme)
    x402.on_payment_response(scheme.on_payment_response)
    x402.set_spend_controls({"allowed_assets": True, "max_amount_per_payment": False})
    _SCHEMES[x402] = scheme
    return x402


def wrap_httpx(x402: x402Client, **httpx_kwargs: Any) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` that pays through ``x402`` (made by
    :func:`modelmint_x402_client`) and verifies every paid answer."""
    scheme = _SCHEMES.get(x402)
    if scheme is None:
        raise ValueError("wrap_httpx needs an x402 client made by modelmint_x402_client")
    transport = VerifyingTransport(x402AsyncTransport(x402), scheme)
    return httpx.AsyncClient(transport=transport, **httpx_kwargs)


def _plain(model: Any) -> dict[str, Any]:
    if hasattr(model, "model_dump"):
        dumped: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_none=True)
        return dumped
    return dict(model)


__all__ = [
    "ClientError",
    "ModelmintCreditsScheme",
    "VerifyingTransport",
    "modelmint_x402_client",
    "wrap_httpx",
]
