"""The consumer's client: call a model behind a Modelmint gateway and pay for it.

    >>> client = Client("http://127.0.0.1:8402", Signer.eoa(key), rpc_url=rpc,
    ...                 budget=Budget(max_value=10**16), state_dir="~/.modelmint")
    >>> result = client.call("/v1/predict", json={"inputs": [[5.1, 3.5, 1.4, 0.2]]})
    >>> result.json(), result.charged, result.channel_id, result.provenance

What happens behind ``call`` (wire format: docs/CLIENT.md and modelmint.wire):

1. The first request to a route gets a 402; the client keeps our scheme's requirements
   (``modelmint-credits`` on this chain) and pays every later request directly.
2. It picks an open channel to the gateway with room for ``amount`` credits, or tops it
   up / extends it, or buys credits and opens one - never above ``budget``
   (:class:`BudgetExhausted`), using credits it already holds first.
3. It records the ceiling it signs (``signed``) on disk, then sends the receipt
   ``cumulativeCredits = charged + amount``.
4. On success it checks PAYMENT-RESPONSE (charged <= amount, running total moved by
   exactly the charge, same channel) and the gateway's provenance signature over the exact
   request and response bytes and amounts; any mismatch halts the channel and raises
   (:class:`PaymentMismatch`, :class:`ProvenanceInvalid`): no further signing to that
   gateway until the user clears it.
5. A corrective 402 (``cumulative_mismatch``) carries the gateway's channel state and the
   last receipt it holds: the client resyncs only if that receipt is signed by a key the
   channel recorded (its consumer or receipt signer, ECDSA recovered locally) and the state
   covers it, or if the state equals what is settled on chain; else :class:`ResyncRejected`.

Receipts are signed by the key the channel recorded at opening: an EOA's own key, or for a
smart-wallet consumer its agent key (registered by the wallet with
``UsageCredits.setReceiptSigner``), which signs the receipt digest directly. A served
receipt is final: the wallet cannot withdraw it later.

License holders (``mode="license"``) sign a fresh access statement per call instead.
After a crash the client rebuilds missing channel records from the chain (a channel's id is
the hash of consumer, gateway, model and salt: it walks the salts 0, 1, ... of the 402's
gateway and model, ``settled`` as the baseline) and the gateway's corrective 402 brings each
to the exact running total. ``close_expired`` closes channels past their grace
period and ``redeem`` turns the refunded credits back into the payment asset.

A Client is not thread-safe: use one per thread (they may share a state directory).

The call loop lives here; which channel pays and how it is funded is
:mod:`modelmint.client.funding`, and what is checked before an answer is believed is
:mod:`modelmint.client.verify`. ``prepare_payment``, ``accept`` and ``resync`` are the payment
API the x402 adapter (:mod:`modelmint.client.x402_scheme`) drives.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import httpx
from web3 import HTTPProvider, Web3

from modelmint.access import AccessDomain, AccessStatement, SignedStatement
from modelmint.client import verify
from modelmint.client.budget import Budget
from modelmint.client.errors import (
    ClientError,
    GatewayUnreachable,
    PaymentMismatch,
    ProvenanceInvalid,
    ResyncRejected,
    gateway_code,
)
from modelmint.client.funding import ChannelBook, ChannelPolicy
from modelmint.client.onchain import CreditsChain
from modelmint.client.relay import GatewayRelay
from modelmint.client.signer import Signer
from modelmint.client.store import ChannelStore, LocalChannel
from modelmint.errors import ErrorCode, WireError
from modelmint.provenance import Provenance
from modelmint.receipts import Receipt
from modelmint.wire import (
    HEADER_ACCESS,
    HEADER_PAYMENT_SIGNATURE,
    PaymentPayload,
    PaymentRequired,
    PaymentRequirements,
    PaymentResponse,
    ReceiptPayload,
    encode_payment_payload,
)

DEFAULT_STATE_DIR = Path("~/.modelmint").expanduser()
# 402 codes after which the channel is not usable any more: pick or open another one.
_CHANNEL_GONE = {
    ErrorCode.UNKNOWN_CHANNEL,
    ErrorCode.CHANNEL_TERMS_MISMATCH,
    ErrorCode.CHANNEL_EXPIRED,
    ErrorCode.CHANNEL_IN_GRACE,
    ErrorCode.CHANNEL_CLOSED,
    ErrorCode.ABOVE_DEPOSIT,
}
_RELEARN = {ErrorCode.PAYMENT_REQUIRED, ErrorCode.INSUFFICIENT_AMOUNT}  # requirements changed


@dataclass(frozen=True)
class CallResult:
    """One answered call. ``charged`` is what it cost (0 for licensed calls) and
    ``charged_total`` the channel's running total after it."""

    status: int
    content: bytes
    headers: dict[str, str]
    charged: int = 0
    channel_id: int = 0
    charged_total: int = 0
    provenance: Provenance | None = None
    payment: PaymentResponse | None = None

    def json(self) -> Any:
        return jsonlib.loads(self.content)


@dataclass
class _Route:
    requirements: PaymentRequirements
    required: PaymentRequired


class Client:
    """Pays a Modelmint gateway for calls; see the module docstring. ``budget`` is a
    :class:`Budget` or a value limit (``None``: unlimited); give ``rpc_url`` or ``w3``.
    ``recover_from_block``: where :meth:`recover`'s scan of ``ChannelOpened`` logs starts
    (the UsageCredits deployment block on a long chain). ``adopt``: use channels of
    this consumer that the state directory did not open (found on chain); with ``False``
    they are only reported (event ``channel_not_adopted``) and a new channel is opened."""

    def __init__(
        self,
        gateway_url: str,
        signer: Signer,
        *,
        rpc_url: str | None = None,
        w3: Web3 | None = None,
        budget: Budget | int | None = None,
        state_dir: Path | str = DEFAULT_STATE_DIR,
        policy: ChannelPolicy | None = None,
        mode: Literal["credits", "license"] = "credits",
        commercial: bool = False,
        credits_address: str | None = None,
        timeout: float = 30.0,
        http: httpx.Client | None = None,
        on_event: Callable[[str, dict[str, Any]], None] | None = None,
        recover_from_block: int = 0,
        adopt: bool = True,
    ) -> None:
        if w3 is None:
            if rpc_url is None:
                raise ValueError("Client needs rpc_url or w3")
            w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": 30}))
        self.gateway_url = gateway_url
        self.signer = signer
        self.w3: Web3 = w3
        self.budget: Budget = budget if isinstance(budget, Budget) else Budget(max_value=budget)
        self.policy = policy or ChannelPolicy()
        self.mode = mode
        self.commercial = commercial
        self.credits_address = credits_address
        self.http: httpx.Client = http or httpx.Client(
            base_url=gateway_url.rstrip("/"), timeout=timeout
        )
        self.on_event = on_event
        self.chain_id = int(w3.eth.chain_id)
        self.store = ChannelStore(Path(state_dir).expanduser(), self.chain_id, signer.address)
        self.book = ChannelBook(
            w3, signer, self.store, self.budget, self.policy, self._emit, recover_from_block, adopt
        )
        self.book.relay = GatewayRelay(self.http, signer)
        self._routes: dict[str, _Route] = {}

    # ------------------------------------------------------------------ public API
    def call(
        self,
        path: str,
        json: Any = None,
        *,
        content: bytes | None = None,
        method: str = "POST",
        headers: dict[str, str] | None = None,
    ) -> CallResult:
        """Calls ``path`` on the gateway, paying as needed. Raises a :class:`ClientError`."""
        if content is None:
            content = b"" if json is None else jsonlib.dumps(json, separators=(",", ":")).encode()
        base = {"content-type": "application/json", **(headers or {})}
        route = self._routes.get(path)
        if route is None:
            answer = self._send(method, path, content, base)
            if answer.status_code != 402:
                return self._unpaid(answer)
            route = self._learn(path, answer)
        if self.mode == "license":
            return self._call_licensed(method, path, content, base, route)
        return self._call_paid(method, path, content, base, route, _items(json))

    def channels(self) -> list[LocalChannel]:
        """Every channel this consumer's state directory knows, newest first."""
        return self.book.all()

    def channel(self, channel_id: int) -> LocalChannel | None:
        """This consumer's record of channel ``channel_id``, as last stored."""
        return self.book.get(channel_id)

    def chain_for(self, credits_address: str) -> CreditsChain:
        return self.book.chain_for(credits_address)

    def recover(self, credits_address: str, from_block: int = 0) -> list[LocalChannel]:
        """Rebuilds missing channel records from the chain (see :meth:`ChannelBook.recover`)."""
        return self.book.recover(credits_address, from_block)

    def close_expired(self, redeem: bool = False) -> list[dict[str, int]]:
        """Closes every channel past its grace period (see :meth:`ChannelBook.close_expired`)."""
        return self.book.close_expired(redeem)

    def close(self, channel_id: int, redeem: bool = False) -> dict[str, int]:
        """Closes one expired channel (see :meth:`ChannelBook.close`)."""
        return self.book.close(channel_id, redeem)

    def close_cooperatively(self, channel_id: int) -> dict[str, int]:
        """Closes a channel now through its gateway (refund at once; ChannelBook)."""
        return self.book.close_cooperatively(channel_id)

    def redeem(self, credits_address: str, model_id: int, credits: int | None = None) -> int:
        """Redeems ``credits`` free credits (all of them by default); returns the value."""
        return self.book.redeem(credits_address, model_id, credits)

    def unhalt(self, channel_id: int) -> None:
        """Lets the client sign on a halted channel again (after the user looked into it)."""
        self.book.unhalt(channel_id)

    def close_http(self) -> None:
        self.http.close()

    # ------------------------------------------------------------------ payment API
    def prepare_payment(self, req: PaymentRequirements) -> tuple[LocalChannel, PaymentPayload]:
        """Picks (or funds) a channel for ``req``, signs ``charged + amount`` and records
        the ceiling on disk; returns the record and the PAYMENT-SIGNATURE payload."""
        record = self.book.for_payment(req)
        chain = self.chain_for(req.asset)
        ceiling = record.charged + req.amount
        deadline = record.expiry + chain.grace_period
        signed = self.signer.sign_receipt(
            chain.domain, Receipt(record.channel_id, ceiling, deadline)
        )
        record = replace(record, signed=max(record.signed, ceiling))
        self.store.put(record)  # durable before the request leaves
        payload = PaymentPayload(
            accepted=req,
            payload=ReceiptPayload(
                record.channel_id, record.consumer, record.salt, ceiling, deadline, signed.signature
            ),
        )
        return record, payload

    def accept(
        self, record: LocalChannel, req: PaymentRequirements, content: bytes, answer: Any
    ) -> CallResult:
        """Checks a paid answer (PAYMENT-RESPONSE rules and provenance) and records it; a
        broken rule halts the channel and raises :class:`PaymentMismatch` or
        :class:`ProvenanceInvalid`."""
        try:
            paid = verify.paid_answer(record, req, answer.headers, self.signer.address)
        except WireError as exc:
            self.book.halt(record, f"payment response: {exc.message}")
            raise PaymentMismatch(
                f"gateway's PAYMENT-RESPONSE breaks the rules: {exc.message}; channel "
                f"{record.channel_id} halted, no more receipts signed",
                channel=record.channel_id,
            ) from None
        proof = self._provenance(
            record,
            req,
            content,
            answer,
            channel_id=record.channel_id,
            charged=paid.charged_credits,
            charged_total=paid.channel.charged,
        )
        record = replace(record, charged=paid.channel.charged, calls=record.calls + 1)
        self.store.put(record)
        self._emit(
            "paid", channel=record.channel_id, charged=paid.charged_credits, total=record.charged
        )
        return CallResult(
            status=answer.status_code,
            content=answer.content,
            headers=dict(answer.headers),
            charged=paid.charged_credits,
            channel_id=record.channel_id,
            charged_total=paid.channel.charged,
            provenance=proof,
            payment=paid,
        )

    def resync(self, record: LocalChannel, required: PaymentRequired) -> None:
        """Applies a corrective 402 after verifying it (see the module docstring); a claim
        the client cannot verify halts the channel and raises :class:`ResyncRejected`."""
        chain = self.chain_for(record.credits_contract)
        on_chain = chain.channel(record.terms)
        try:
            moved = verify.corrective_claim(record, required, on_chain, chain.domain)
        except ResyncRejected as exc:
            if exc.halt:
                self.book.halt(record, exc.halt)
            raise
        self.store.put(moved)
        self._emit("resynced", channel=record.channel_id, charged=moved.charged, was=record.charged)

    # ------------------------------------------------------------------ requirements
    def _learn(self, path: str, answer: httpx.Response) -> _Route:
        required = verify.required(answer)
        requirements = verify.requirements_for(required, self.chain_id, self.credits_address)
        route = _Route(requirements, required)
        self._routes[path] = route
        return route

    # ------------------------------------------------------------------ paid calls
    def _call_paid(
        self,
        method: str,
        path: str,
        content: bytes,
        headers: dict[str, str],
        route: _Route,
        items: int | None = None,
    ) -> CallResult:
        last_error: ClientError | None = None
        for _attempt in range(4):
            req = route.requirements
            per_item = req.extra.credits_per_item
            if items and per_item:
                # Sign for exactly this request's work: the ceiling leaves no slack.
                req = replace(req, amount=per_item * items)
            record, payload = self.prepare_payment(req)
            paying = {HEADER_PAYMENT_SIGNATURE: encode_payment_payload(payload)}
            answer = self._send(method, path, content, {**headers, **paying})
            if 200 <= answer.status_code < 300:
                return self.accept(record, req, content, answer)
            if answer.status_code != 402:
                raise verify.gateway_error(answer)
            required = verify.required(answer)
            code = gateway_code(required.error)
            self._emit("payment_refused", channel=record.channel_id, code=required.error)
            last_error = verify.refusal(required, channel=record.channel_id)
            if code is ErrorCode.CUMULATIVE_MISMATCH:
                self.resync(record, required)
            elif code is not None and code in _CHANNEL_GONE:
                self.book.refresh(record, code)
            elif code in _RELEARN and not _attempt:
                route.requirements = verify.requirements_for(
                    required, self.chain_id, self.credits_address
                )
                route.required = required
            else:
                raise last_error
        assert last_error is not None
        raise last_error

    def _provenance(
        self,
        record: LocalChannel | None,
        req: PaymentRequirements,
        content: bytes,
        answer: httpx.Response,
        *,
        channel_id: int,
        charged: int,
        charged_total: int,
    ) -> Provenance:
        try:
            return verify.provenance(
                self.chain_id,
                req,
                content,
                answer.headers,
                answer.content,
                account=self.signer.address,
                channel_id=channel_id,
                charged=charged,
                charged_total=charged_total,
            )
        except WireError as exc:
            if record is not None:
                self.book.halt(record, f"provenance: {exc.message}")
            raise ProvenanceInvalid(
                f"gateway's provenance is invalid: {exc.message}"
                + (f"; channel {record.channel_id} halted" if record is not None else ""),
                channel=channel_id,
            ) from None

    # ------------------------------------------------------------------ licensed calls
    def _call_licensed(
        self, method: str, path: str, content: bytes, headers: dict[str, str], route: _Route
    ) -> CallResult:
        req = route.requirements
        domain = AccessDomain(self.chain_id, req.pay_to, req.extra.model_id)
        statement = AccessStatement.new(
            account=self.signer.address,
            model_id=req.extra.model_id,
            version=req.extra.version,
            commercial=self.commercial,
        )  # issued now by the wall clock, which is what the gateway judges freshness by
        signature = self.signer.sign_struct(domain, statement)
        access = {HEADER_ACCESS: SignedStatement(statement, signature).to_header()}
        answer = self._send(method, path, content, {**headers, **access})
        if not 200 <= answer.status_code < 300:
            raise verify.gateway_error(answer)
        proof = self._provenance(
            None, req, content, answer, channel_id=0, charged=0, charged_total=0
        )
        self._emit("licensed", model=req.extra.model_id)
        return CallResult(
            status=answer.status_code,
            content=answer.content,
            headers=dict(answer.headers),
            provenance=proof,
        )

    # ------------------------------------------------------------------ HTTP
    def _send(
        self, method: str, path: str, content: bytes, headers: dict[str, str]
    ) -> httpx.Response:
        try:
            return self.http.request(method, path, content=content, headers=headers)
        except httpx.HTTPError as exc:
            raise GatewayUnreachable(f"{self.gateway_url}{path}: {exc}") from None

    def _unpaid(self, answer: httpx.Response) -> CallResult:
        if not 200 <= answer.status_code < 300:
            raise verify.gateway_error(answer)
        return CallResult(answer.status_code, answer.content, dict(answer.headers))

    def _emit(self, event: str, **fields: Any) -> None:
        if self.on_event is not None:
            self.on_event(event, fields)


def _items(body: Any) -> int | None:
    """Items in a ``{"inputs": [...]}`` batch (the unit of dynamic pricing), else None."""
    if isinstance(body, dict) and isinstance(body.get("inputs"), list):
        return len(body["inputs"]) or None
    return None
