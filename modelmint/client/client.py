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

Licence holders (``mode="licence"``) sign a fresh access statement per call instead.
After a crash the client rebuilds missing channel records from the chain
(``ChannelOpened`` logs, ``settled`` as the baseline) and the gateway's corrective 402
brings it to the exact running total. ``close_expired`` closes channels past their grace
period and ``redeem`` turns the refunded credits back into the payment asset.

A Client is not thread-safe: use one per thread (they may share a state directory).
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
from modelmint.client.budget import Budget
from modelmint.client.chain import CreditsChain
from modelmint.client.errors import (
    BudgetExhausted,
    ChannelHalted,
    ChannelNotClosable,
    ClientError,
    GatewayError,
    NoAcceptableRequirement,
    PaymentMismatch,
    ProvenanceInvalid,
    ReceiptSignerNotRegistered,
    ResyncRejected,
)
from modelmint.client.signer import Signer
from modelmint.client.store import CLOSED, HALTED, OPEN, ChannelRecord, ChannelStore
from modelmint.errors import ErrorCode, WireError
from modelmint.provenance import Provenance, ProvenanceDomain, verify_provenance
from modelmint.receipts import Receipt, SignedReceipt, recover_signer
from modelmint.wire import (
    HEADER_ACCESS,
    HEADER_PAYMENT_REQUIRED,
    HEADER_PAYMENT_RESPONSE,
    HEADER_PAYMENT_SIGNATURE,
    HEADER_PROVENANCE,
    PaymentPayload,
    PaymentRequired,
    PaymentRequirements,
    PaymentResponse,
    ReceiptPayload,
    check_payment_response,
    decode_payment_required,
    decode_payment_response,
    encode_payment_payload,
    network_id,
)

DEFAULT_STATE_DIR = Path("~/.modelmint").expanduser()
# 402 codes after which the channel is not usable any more: pick or open another one.
_CHANNEL_GONE = {
    ErrorCode.UNKNOWN_CHANNEL.value,
    ErrorCode.CHANNEL_EXPIRED.value,
    ErrorCode.CHANNEL_IN_GRACE.value,
    ErrorCode.CHANNEL_CLOSED.value,
    ErrorCode.ABOVE_DEPOSIT.value,
}


@dataclass(frozen=True)
class ChannelPolicy:
    """How channels are sized and kept alive.

    ``calls_per_channel``: a new channel (or a top-up) holds this many times the route's
    ``amount`` (capped by the budget). ``ttl``: seconds a new or extended channel stays
    open. ``min_time_left``: a channel this close to its expiry is extended (or, if it
    cannot be, not used)."""

    calls_per_channel: int = 200
    ttl: int = 7 * 86400
    min_time_left: int = 600


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
    ``recover_from_block``: where the automatic recovery scan of ``ChannelOpened`` logs
    starts (the UsageCredits deployment block on a long chain)."""

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
        mode: Literal["credits", "licence"] = "credits",
        commercial: bool = False,
        credits_address: str | None = None,
        timeout: float = 30.0,
        http: httpx.Client | None = None,
        on_event: Callable[[str, dict[str, Any]], None] | None = None,
        recover_from_block: int = 0,
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
        self.recover_from_block = recover_from_block
        self.chain_id = int(w3.eth.chain_id)
        self.store = ChannelStore(Path(state_dir).expanduser(), self.chain_id, signer.address)
        self._routes: dict[str, _Route] = {}
        self._chains: dict[str, CreditsChain] = {}
        self._scanned: set[str] = set()

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
        if self.mode == "licence":
            return self._call_licensed(method, path, content, base, route)
        return self._call_paid(method, path, content, base, route, _items(json))

    def channels(self) -> list[ChannelRecord]:
        """Every channel this consumer's state directory knows, newest first."""
        return sorted(self.store.all(), key=lambda r: -r.channel_id)

    def chain_for(self, credits_address: str) -> CreditsChain:
        key = credits_address.lower()
        if key not in self._chains:
            self._chains[key] = CreditsChain(self.w3, credits_address)
        return self._chains[key]

    def recover(self, credits_address: str, from_block: int = 0) -> list[ChannelRecord]:
        """Rebuilds the records of this consumer's channels that the state directory lacks,
        from the chain: ``settled`` is the baseline; the gateway's corrective 402 then
        brings each to its exact running total. Returns the records added."""
        chain = self.chain_for(credits_address)
        added = []
        for channel_id in chain.channels_of(self.signer.address, from_block):
            if self.store.get(channel_id) is not None:
                continue
            c = chain.channel(channel_id)
            record = ChannelRecord(
                channel_id=channel_id,
                credits_contract=chain.address,
                model_id=c.model_id,
                gateway=c.gateway,
                consumer=c.consumer,
                deposit=c.deposit,
                expiry=c.expiry,
                charged=c.settled,
                signed=c.settled,
                status=CLOSED if c.closed else OPEN,
                closed=c.closed,
            )
            self.store.put(record)
            added.append(record)
            self._emit("channel_recovered", channel=channel_id, settled=c.settled)
        self._scanned.add(chain.address.lower())
        return added

    def close_expired(self, redeem: bool = False) -> list[dict[str, int]]:
        """Closes every open channel of this consumer past ``expiry + GRACE_PERIOD`` and,
        with ``redeem``, redeems the refunded credits. Returns one summary per channel."""
        out = []
        for record in self.store.all():
            if record.status == CLOSED or record.closed:
                continue
            chain = self.chain_for(record.credits_contract)
            if chain.now() < record.expiry + chain.grace_period:
                continue
            try:
                out.append(self.close(record.channel_id, redeem=redeem))
            except ChannelNotClosable:
                continue
        return out

    def close(self, channel_id: int, redeem: bool = False) -> dict[str, int]:
        """Closes one expired channel (refund to the free balance); ``redeem`` also turns
        the refund into the payment asset."""
        record = self.store.get(channel_id)
        if record is None:
            raise ChannelNotClosable(f"channel {channel_id} is not in this state directory")
        chain = self.chain_for(record.credits_contract)
        on_chain = chain.channel(channel_id)
        if on_chain.consumer.lower() != self.signer.address.lower():
            raise ChannelNotClosable(f"channel {channel_id} belongs to {on_chain.consumer}")
        closable_at = on_chain.expiry + chain.grace_period
        if not on_chain.closed and chain.now() < closable_at:
            raise ChannelNotClosable(
                f"channel {channel_id} can be closed from {closable_at} (expiry + grace)",
                closable_at=closable_at,
            )
        refunded = 0 if on_chain.closed else chain.close_channel(self.signer, channel_id)
        # A halted channel stays halted: closing it must not clear the stop on its gateway.
        status = HALTED if record.status == HALTED else CLOSED
        self.store.put(replace(record, status=status, closed=True, charged=on_chain.settled))
        summary = {"channel": channel_id, "refunded": refunded, "settled": on_chain.settled}
        if redeem and refunded:
            summary["redeemedValue"] = chain.redeem(self.signer, record.model_id, refunded)
        self._emit("channel_closed", **summary)
        return summary

    def redeem(self, credits_address: str, model_id: int, credits: int | None = None) -> int:
        """Redeems ``credits`` free credits (all of them by default); returns the value."""
        chain = self.chain_for(credits_address)
        amount = chain.balance(self.signer.address, model_id) if credits is None else credits
        return chain.redeem(self.signer, model_id, amount) if amount else 0

    def unhalt(self, channel_id: int) -> None:
        """Lets the client sign on a halted channel again (after the user looked into it)."""
        record = self.store.get(channel_id)
        if record is not None and record.status == HALTED:
            self.store.put(replace(record, status=OPEN, reason=""))

    def close_http(self) -> None:
        self.http.close()

    # ------------------------------------------------------------------ requirements
    def _learn(self, path: str, answer: httpx.Response) -> _Route:
        required = self._decode_required(answer)
        requirements = self._choose(required)
        route = _Route(requirements, required)
        self._routes[path] = route
        return route

    def _decode_required(self, answer: httpx.Response) -> PaymentRequired:
        try:
            return decode_payment_required(answer.headers.get(HEADER_PAYMENT_REQUIRED))
        except WireError as exc:
            raise GatewayError(
                402, exc.code.value, f"unreadable PAYMENT-REQUIRED: {exc.message}"
            ) from None

    def _choose(self, required: PaymentRequired) -> PaymentRequirements:
        network = network_id(self.chain_id)
        for req in required.accepts:
            if req.network != network:
                continue
            if self.credits_address and req.asset.lower() != self.credits_address.lower():
                continue
            if req.extra.receipt_domain.verifying_contract.lower() != req.asset.lower():
                continue
            if req.extra.receipt_domain.chain_id != self.chain_id:
                continue
            return req
        offered = [(r.scheme, r.network, r.asset) for r in required.accepts]
        raise NoAcceptableRequirement(
            f"no modelmint-credits requirement on {network}"
            + (f" for {self.credits_address}" if self.credits_address else ""),
            offered=str(offered),
        )

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
            answer = self._send(
                method,
                path,
                content,
                {**headers, HEADER_PAYMENT_SIGNATURE: encode_payment_payload(payload)},
            )
            if 200 <= answer.status_code < 300:
                return self._accept(record, req, content, answer)
            if answer.status_code != 402:
                raise self._error(answer)
            required = self._decode_required(answer)
            code = required.error
            self._emit("payment_refused", channel=record.channel_id, code=code)
            if code == ErrorCode.CUMULATIVE_MISMATCH.value:
                self._resync(record, required)
            elif code in _CHANNEL_GONE:
                self._refresh(record, code)
            elif code in (ErrorCode.PAYMENT_REQUIRED.value, ErrorCode.INSUFFICIENT_AMOUNT.value):
                if _attempt:
                    raise GatewayError(402, code, required.message or code)
                route.requirements = self._choose(required)
                route.required = required
            else:
                raise GatewayError(402, code, required.message or code, channel=record.channel_id)
            last_error = GatewayError(402, code, required.message or code)
        assert last_error is not None
        raise last_error

    def prepare_payment(self, req: PaymentRequirements) -> tuple[ChannelRecord, PaymentPayload]:
        """Picks (or funds) a channel for ``req``, signs ``charged + amount`` and records
        the ceiling on disk; returns the record and the PAYMENT-SIGNATURE payload."""
        record = self._channel_for(req)
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
            payload=ReceiptPayload(record.channel_id, ceiling, deadline, signed.signature),
        )
        return record, payload

    def accept(
        self, record: ChannelRecord, req: PaymentRequirements, content: bytes, answer: Any
    ) -> CallResult:
        """Checks a paid answer (PAYMENT-RESPONSE rules and provenance) and records it."""
        return self._accept(record, req, content, answer)

    def resync(self, record: ChannelRecord, required: PaymentRequired) -> None:
        """Applies a corrective 402 after verifying it (see the module docstring)."""
        self._resync(record, required)

    def _accept(
        self,
        record: ChannelRecord,
        req: PaymentRequirements,
        content: bytes,
        answer: httpx.Response,
    ) -> CallResult:
        try:
            paid = decode_payment_response(answer.headers.get(HEADER_PAYMENT_RESPONSE))
            if paid.channel.channel_id != record.channel_id:
                raise WireError(
                    ErrorCode.CUMULATIVE_MISMATCH,
                    f"response is for channel {paid.channel.channel_id}, paid on {record.channel_id}",
                )
            if paid.payer.lower() != self.signer.address.lower():
                raise WireError(ErrorCode.INVALID_PAYLOAD, f"response names payer {paid.payer}")
            check_payment_response(paid, req, record.charged)
        except WireError as exc:
            self._halt(record, f"payment response: {exc.message}")
            raise PaymentMismatch(
                f"gateway's PAYMENT-RESPONSE breaks the rules: {exc.message}; channel "
                f"{record.channel_id} halted, no more receipts signed",
                channel=record.channel_id,
            ) from None
        proof = self._check_provenance(
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

    def _check_provenance(
        self,
        record: ChannelRecord | None,
        req: PaymentRequirements,
        content: bytes,
        answer: httpx.Response,
        *,
        channel_id: int,
        charged: int,
        charged_total: int,
    ) -> Provenance:
        try:
            proof = Provenance.from_header(answer.headers.get(HEADER_PROVENANCE))
            verify_provenance(
                ProvenanceDomain(self.chain_id, req.pay_to),
                proof,
                gateway=req.pay_to,
                request_body=content,
                response_body=answer.content,
            )
            s = proof.served
            expected = {
                "modelId": (s.model_id, req.extra.model_id),
                "versionHash": (s.version_hash, req.extra.version_hash),
                "account": (s.account.lower(), self.signer.address.lower()),
                "channelId": (s.channel_id, channel_id),
                "charged": (s.charged, charged),
                "chargedTotal": (s.charged_total, charged_total),
            }
            wrong = [k for k, (got, want) in expected.items() if got != want]
            if wrong:
                raise WireError(
                    ErrorCode.INVALID_PAYLOAD, f"provenance states other {', '.join(wrong)}"
                )
        except WireError as exc:
            if record is not None:
                self._halt(record, f"provenance: {exc.message}")
            raise ProvenanceInvalid(
                f"gateway's provenance is invalid: {exc.message}"
                + (f"; channel {record.channel_id} halted" if record is not None else ""),
                channel=channel_id,
            ) from None
        return proof

    def _resync(self, record: ChannelRecord, required: PaymentRequired) -> None:
        extra = required.accepts[0].extra if required.accepts else None
        state = extra.channel if extra else None
        if extra is None or state is None or state.channel_id != record.channel_id:
            self._halt(record, "corrective 402 without this channel's state")
            raise ResyncRejected(f"corrective 402 carries no state for channel {record.channel_id}")
        chain = self.chain_for(record.credits_contract)
        on_chain = chain.channel(record.channel_id)
        last = extra.last_receipt
        if last is not None:
            signed = SignedReceipt(
                Receipt(record.channel_id, last.cumulative_credits, last.deadline), last.signature
            )
            # Settlement accepts exactly the keys the channel recorded: check the same.
            ours = on_chain.signs(recover_signer(chain.domain, signed))
            if not ours or state.charged > last.cumulative_credits:
                self._halt(record, "corrective 402 with a receipt this client did not sign")
                raise ResyncRejected(
                    f"gateway claims {state.charged} on channel {record.channel_id} backed by a "
                    "receipt that is not this consumer's (or below the claim); channel halted",
                    channel=record.channel_id,
                )
            signed_max = max(record.signed, last.cumulative_credits)
        elif state.charged == on_chain.settled:
            signed_max = record.signed
        else:
            self._halt(record, "corrective 402 claims unsettled credits without a receipt")
            raise ResyncRejected(
                f"gateway claims {state.charged} on channel {record.channel_id} with no receipt "
                f"(settled on chain: {on_chain.settled}); channel halted",
                channel=record.channel_id,
            )
        if state.charged < on_chain.settled:
            raise ResyncRejected(
                f"gateway's total {state.charged} is below the settled {on_chain.settled}"
            )
        self.store.put(
            replace(
                record,
                charged=state.charged,
                signed=signed_max,
                deposit=on_chain.deposit,
                expiry=on_chain.expiry,
            )
        )
        self._emit("resynced", channel=record.channel_id, charged=state.charged, was=record.charged)

    def _refresh(self, record: ChannelRecord, code: str) -> None:
        """The gateway will not take this channel (expired, closed, unknown, full): reload it
        from the chain and stop choosing it unless the chain shows room the gateway missed."""
        chain = self.chain_for(record.credits_contract)
        c = chain.channel(record.channel_id)
        if c.closed:
            record = replace(record, status=CLOSED, closed=True, charged=c.settled)
        elif code == ErrorCode.ABOVE_DEPOSIT.value and c.deposit > record.deposit:
            record = replace(record, deposit=c.deposit, expiry=c.expiry)
        else:
            # Unusable from now on; still closable (from the chain's expiry) to get the rest back.
            record = replace(record, expiry=min(c.expiry, chain.now()), reason=code)
        self.store.put(record)

    def _halt(self, record: ChannelRecord, reason: str) -> None:
        self.store.put(record.halted(reason))
        self._emit("halted", channel=record.channel_id, reason=reason)

    # ------------------------------------------------------------------ channels
    def _channel_for(self, req: PaymentRequirements) -> ChannelRecord:
        chain = self.chain_for(req.asset)
        model_id, gateway, amount = req.extra.model_id, req.pay_to, req.amount
        halted = [
            r
            for r in self.store.all()
            if r.status == HALTED
            and r.gateway.lower() == gateway.lower()
            and r.model_id == model_id
        ]
        if halted:
            raise ChannelHalted(
                f"channel {halted[0].channel_id} to {gateway} was halted ({halted[0].reason}); "
                "clear it with `modelmint channels --unhalt ID` after checking",
                channel=halted[0].channel_id,
            )
        if chain.address.lower() not in self._scanned and not self.store.usable(
            chain.address, model_id, gateway
        ):
            try:
                self.recover(chain.address, self.recover_from_block)
            except Exception as exc:  # a node refusing a wide log range must not block calls
                self._scanned.add(chain.address.lower())
                self._emit("recover_failed", error=str(exc)[:200])
        now = chain.now()
        for record in self.store.usable(chain.address, model_id, gateway):
            if record.expiry <= now:
                continue  # expired: closable after its grace period
            if record.remaining >= amount and record.expiry - now >= self.policy.min_time_left:
                return record
            return self._top_up(chain, record, req, now)
        return self._open(chain, req, now)

    def _size(self, chain: CreditsChain, req: PaymentRequirements, have: int) -> tuple[int, int]:
        """(credits to add, credits to buy): aim at ``calls_per_channel * amount`` in the
        channel, use free credits first, cap purchases by the budget."""
        want = max(req.amount * self.policy.calls_per_channel - have, req.amount - have, 0)
        free = chain.balance(self.signer.address, req.extra.model_id)
        buy = max(want - free, 0)
        affordable = self.budget.affordable(req.extra.credit_value)
        if affordable is not None and buy > affordable:
            buy = affordable
        add = min(want, free) + buy
        if have + add < req.amount:
            raise BudgetExhausted(
                f"the next call needs {req.amount} credits; channel holds {have}, free "
                f"credits {free}, budget buys {affordable}",
                needed=req.amount,
                remaining=self.budget.remaining,
            )
        return add, buy

    def _open(self, chain: CreditsChain, req: PaymentRequirements, now: int) -> ChannelRecord:
        terms = chain.terms(req.extra.model_id)
        if terms.credit_value != req.extra.credit_value:
            raise NoAcceptableRequirement(
                f"gateway states credit value {req.extra.credit_value}, chain says {terms.credit_value}"
            )
        if self.signer.is_contract:
            registered = chain.receipt_signer(self.signer.address)
            if registered.lower() != self.signer.sender.lower():
                raise ReceiptSignerNotRegistered(
                    f"wallet {self.signer.address} registers {registered} as its receipt "
                    f"signer, not this client's key {self.signer.sender}",
                    wallet=self.signer.address,
                    registered=registered,
                )
        add, buy = self._size(chain, req, 0)
        expiry = now + self.policy.ttl
        value = self.budget.reserve(buy, terms.credit_value)
        try:
            if buy == add:
                channel_id = chain.buy_and_open(
                    self.signer, req.extra.model_id, req.pay_to, add, expiry
                )
            else:
                if buy:
                    chain.buy_credits(self.signer, req.extra.model_id, buy)
                channel_id = chain.open_channel(
                    self.signer, req.extra.model_id, req.pay_to, add, expiry
                )
        except BaseException:
            self.budget.release(value)
            raise
        record = ChannelRecord(
            channel_id=channel_id,
            credits_contract=chain.address,
            model_id=req.extra.model_id,
            gateway=req.pay_to,
            consumer=self.signer.address,
            deposit=add,
            expiry=expiry,
            spent=value,
        )
        self.store.put(record)
        self._emit("channel_opened", channel=channel_id, deposit=add, bought=buy, paid=value)
        return record

    def _top_up(
        self, chain: CreditsChain, record: ChannelRecord, req: PaymentRequirements, now: int
    ) -> ChannelRecord:
        add = buy = 0
        if record.remaining < req.amount:
            add, buy = self._size(chain, req, record.remaining)
        expiry = max(record.expiry, now + self.policy.ttl)
        value = self.budget.reserve(buy, req.extra.credit_value)
        try:
            if buy and buy == add:
                chain.buy_and_top_up(self.signer, record.model_id, record.channel_id, add, expiry)
            else:
                if buy:
                    chain.buy_credits(self.signer, record.model_id, buy)
                chain.top_up(self.signer, record.channel_id, add, expiry)
        except BaseException:
            self.budget.release(value)
            raise
        record = replace(
            record, deposit=record.deposit + add, expiry=expiry, spent=record.spent + value
        )
        self.store.put(record)
        self._emit(
            "channel_topped_up", channel=record.channel_id, added=add, paid=value, expiry=expiry
        )
        return record

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
        answer = self._send(
            method,
            path,
            content,
            {**headers, HEADER_ACCESS: SignedStatement(statement, signature).to_header()},
        )
        if not 200 <= answer.status_code < 300:
            raise self._error(answer)
        proof = self._check_provenance(
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
            raise GatewayError(0, "unreachable", f"{self.gateway_url}{path}: {exc}") from None

    def _unpaid(self, answer: httpx.Response) -> CallResult:
        if not 200 <= answer.status_code < 300:
            raise self._error(answer)
        return CallResult(answer.status_code, answer.content, dict(answer.headers))

    def _error(self, answer: httpx.Response) -> GatewayError:
        if answer.status_code == 402:
            required = self._decode_required(answer)
            return GatewayError(402, required.error, required.message or required.error)
        try:
            body = answer.json()["error"]
            return GatewayError(
                answer.status_code, str(body.get("code")), str(body.get("message", ""))
            )
        except Exception:
            return GatewayError(answer.status_code, "http_error", answer.text[:200])

    def _emit(self, event: str, **fields: Any) -> None:
        if self.on_event is not None:
            self.on_event(event, fields)


def _items(body: Any) -> int | None:
    """Items in a ``{"inputs": [...]}`` batch (the unit of dynamic pricing), else None."""
    if isinstance(body, dict) and isinstance(body.get("inputs"), list):
        return len(body["inputs"]) or None
    return None
