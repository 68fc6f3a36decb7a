"""Access by credits: verify a ``PAYMENT-SIGNATURE`` locally and keep each channel's
running charged total.

The rules (docs/GATEWAY.md, "Per-channel rules"):

- first what needs no node: the accepted requirements must be ours (scheme, network,
  UsageCredits address, gateway, model, version hash, receipt domain), ``amount`` must
  cover this request's cost, the receipt's deadline must leave time to settle (by the
  chain's clock, :class:`modelmint.gateway.monitor.ChainClock`), its signature must be
  low-s and recover to an address;
- the channel is named by its terms: the payload's ``channelId`` must be the id of
  (``consumer``, this gateway, this model, ``salt``) (``channel_terms_mismatch`` otherwise,
  before any node read), so a channel the node knows is this gateway's and model's; it must
  exist (an id the node answered unknown is answered ``unknown_channel`` again without a read
  for ``unknown_channel_ttl`` s), and the receipt must be signed by the channel's consumer or by
  the receipt signer the channel recorded at opening (smart-wallet consumers included: the
  channel fixes the key, so a receipt valid when served stays valid until it settles);
  then the channel must be open (not in grace, expired or closed) by the chain's clock;
- channel reads that miss the cache are rate-limited (a token bucket, ``503
  rpc_unavailable`` with ``reason: rpc_miss_rate_limited`` above it) and the per-channel
  cache is an LRU of at most ``max_channels`` (a channel in use is never evicted);
- requests on one channel are serialised (a per-channel lock, ``channel_busy`` after
  ``lock_timeout``); under the lock ``cumulativeCredits`` must equal ``charged + amount``
  and fit the deposit, otherwise a corrective 402 carries the channel state and the last
  receipt;
- the charge (``<= amount``) is added only after the model succeeded, and is durable in
  the store before the answer leaves (:meth:`Payment.charge`).

    >>> payment = await ledger.begin(payload, cost=3)     # PaymentRejected on any rule
    >>> try:
    ...     outputs = model.run(batch)
    ...     response = await payment.charge(3, request_hash)   # durable, then PAYMENT-RESPONSE
    ... finally:
    ...     payment.release()
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from modelmint.credits import Channel, ChannelPhase, ChannelTerms
from modelmint.errors import ErrorCode, WireError
from modelmint.gateway.bounds import Lru, TokenBucket
from modelmint.gateway.committer import GroupCommitter
from modelmint.gateway.errors import (
    NOT_OPEN,
    ChainReverted,
    ChainUnavailable,
    PaymentRejected,
    StoreError,
    chain_failure,
)
from modelmint.gateway.onchain import Chain
from modelmint.gateway.store import ChannelHold, Charge, Store, StoredChannel
from modelmint.gateway.terms import LedgerLimits, PaymentTerms
from modelmint.gateway.terms import describe_terms as describe_terms
from modelmint.receipts import Receipt, receipt_digest
from modelmint.signing import SignatureFault, recover_well_formed, signature_fault
from modelmint.wire import (
    ChannelState,
    LastReceipt,
    PaymentPayload,
    PaymentRequirements,
    PaymentResponse,
    ReceiptPayload,
)

# Most requirements objects remembered as checked (a client sends the same ones each time).
_ACCEPTED_LIMIT = 1024


@dataclass
class _Slot:
    """In-memory state of one channel; ``charged``/``last`` mirror the store once loaded;
    ``users``: requests holding or waiting for it (never evicted while above 0)."""

    info: Channel
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    charged: int | None = None
    last: LastReceipt | None = None
    users: int = 0


@dataclass(eq=False)
class Ledger:
    """Per-channel verification, serialisation and charging (one per gateway process)."""

    terms: PaymentTerms
    chain: Chain
    store: Store
    committer: GroupCommitter
    clock: Callable[[], float] = time.time
    lock_timeout: float = 2.0
    limits: LedgerLimits = field(default_factory=LedgerLimits)
    _slots: Lru[int, _Slot] = field(init=False)
    _misses: TokenBucket = field(init=False)
    # Ids the node answered unknown, for unknown_channel_ttl seconds.
    _unknown: Lru[int, bool] = field(init=False)
    # Requirements that passed terms.check_ours, by id, with the terms they were checked against.
    _accepted: dict[int, tuple[PaymentRequirements, PaymentTerms]] = field(
        default_factory=dict, init=False
    )

    def __post_init__(self) -> None:
        self._slots = Lru(self.limits.max_channels, evictable=lambda s: s.users == 0)
        self._misses = TokenBucket(self.limits.rpc_miss_rate, self.limits.rpc_miss_burst)
        self._unknown = Lru(self.limits.max_channels, ttl=self.limits.unknown_channel_ttl)

    # ------------------------------------------------------------------ public API
    async def begin(self, payment: PaymentPayload, cost: int) -> Payment:
        """Verifies ``payment`` for a request costing ``cost`` credits and takes the
        channel's lock. Raises :class:`PaymentRejected` (or ``WireError`` for
        ``rpc_unavailable``/``channel_busy``)."""
        self._check_accepted(payment.accepted, cost)
        receipt = payment.payload
        if receipt.deadline < self.clock() + self.terms.min_deadline_margin:
            raise PaymentRejected(
                ErrorCode.DEADLINE_EXPIRED,
                f"deadline {receipt.deadline} leaves less than "
                f"{self.terms.min_deadline_margin} s to settle",
            )
        signer = self._recover_signer(payment)
        slot = await self._slot(receipt)
        slot.users += 1
        try:
            return await self._begin(slot, payment, signer)
        except BaseException:
            slot.users -= 1
            raise

    async def _begin(self, slot: _Slot, payment: PaymentPayload, signer: bytes | None) -> Payment:
        receipt = payment.payload
        if not slot.info.signs(signer):
            raise PaymentRejected(
                ErrorCode.BAD_SIGNATURE,
                "the receipt is not signed by the channel's consumer or receipt signer",
            )
        info = await self._check_open(slot)
        try:
            if slot.lock.locked():  # contended: wait at most lock_timeout
                await asyncio.wait_for(slot.lock.acquire(), timeout=self.lock_timeout)
            else:
                await slot.lock.acquire()
        except TimeoutError:
            raise WireError(
                ErrorCode.CHANNEL_BUSY, f"channel {receipt.channel_id} is serving another request"
            ) from None
        hold: ChannelHold | None = None
        try:
            if self.store.shared:  # several processes: the database serialises the channel
                hold = await self._hold(receipt.channel_id)
            charged, last = await self._charged(slot, info, hold.record if hold else None)
            amount = payment.accepted.amount
            if receipt.cumulative_credits != charged + amount:
                raise PaymentRejected.corrective(
                    ErrorCode.CUMULATIVE_MISMATCH,
                    f"cumulativeCredits must be charged + amount = {charged} + {amount}",
                    self._state(info, charged),
                    last,
                )
            if receipt.cumulative_credits > info.deposit:
                info = await self._refresh(slot)  # a top-up since?
                if receipt.cumulative_credits > info.deposit:
                    raise PaymentRejected.corrective(
                        ErrorCode.ABOVE_DEPOSIT,
                        f"cumulativeCredits {receipt.cumulative_credits} above the deposit "
                        f"{info.deposit}",
                        self._state(info, charged),
                        last,
                    )
        except BaseException:
            if hold is not None:
                hold.release()
            slot.lock.release()
            raise
        return Payment(self, slot, info, payment, charged, hold)

    def note_settled(self, channel_id: int, settled: int) -> None:
        """The settler saw ``settled`` on chain for the channel."""
        slot = self._slots.get(channel_id)
        if slot is not None and settled > slot.info.settled:
            slot.info = _replace_settled(slot.info, settled)

    def channel_lock(self, channel_id: int) -> asyncio.Lock | None:
        """The in-process lock a charge on the channel holds (``None``: none cached here)."""
        slot = self._slots.get(channel_id)
        return None if slot is None else slot.lock

    def note_changed(self, channel_id: int, expiry: int, added: int = 0) -> None:
        """The gateway's relay changed the channel on chain: ``added`` credits more in its deposit
        and its expiry now ``expiry`` (0: closed cooperatively, no further receipt is accepted)."""
        slot = self._slots.get(channel_id)
        if slot is not None:
            slot.info = replace(slot.info, deposit=slot.info.deposit + added, expiry=expiry)

    def channel_state(self, channel_id: int) -> ChannelState | None:
        slot = self._slots.get(channel_id)
        if slot is None or slot.charged is None:
            return None
        return self._state(slot.info, slot.charged)

    @property
    def cached_channels(self) -> int:
        """Channels held in memory (at most ``limits.max_channels`` while none is in use)."""
        return len(self._slots)

    def receipt_digest(self, channel_id: int, cumulative: int, deadline: int) -> bytes:
        return receipt_digest(self.terms.receipt_domain, Receipt(channel_id, cumulative, deadline))

    # ------------------------------------------------------------------ the rules
    def _check_accepted(self, req: PaymentRequirements, cost: int) -> None:
        """The accepted requirements are ours and ``amount`` covers ``cost``. The decoder
        hands the same object for the same requirements, so the comparisons with the terms
        run once per (requirements, terms); the amount is checked on every call."""
        seen = self._accepted.get(id(req))  # the entry holds req: its id is not reused
        if seen is None or seen[0] is not req or seen[1] is not self.terms:
            self.terms.check_ours(req)
            if len(self._accepted) >= _ACCEPTED_LIMIT:
                self._accepted.clear()
            self._accepted[id(req)] = (req, self.terms)
        if req.amount < cost:
            raise PaymentRejected(
                ErrorCode.INSUFFICIENT_AMOUNT, f"amount {req.amount} below the cost {cost}"
            )

    async def _slot(self, receipt: ReceiptPayload) -> _Slot:
        """The channel's cached slot, or one read from the node. The payload's id must be
        the id of its terms with this gateway and model (checked before any read); an id the
        node answered unknown is refused without a read for ``unknown_channel_ttl`` s, and
        reads past the cache are rate-limited."""
        channel_id = receipt.channel_id
        slot = self._slots.get(channel_id)
        if slot is not None and (slot.info.consumer, slot.info.salt) == (
            receipt.consumer,
            receipt.salt,
        ):
            return slot  # the same terms as when the id was derived
        t = self.terms
        terms = ChannelTerms(receipt.consumer, t.gateway, t.model_id, receipt.salt)
        if (why := terms.mismatch(channel_id)) is not None:
            raise PaymentRejected(ErrorCode.CHANNEL_TERMS_MISMATCH, why)
        if slot is not None:
            return slot
        if self._unknown.get(channel_id):
            raise PaymentRejected(ErrorCode.UNKNOWN_CHANNEL, f"no channel {channel_id}")
        self._spend_miss()
        info = await self._read_channel(terms)
        if not info.exists:
            self._unknown.put(channel_id, True)
            raise PaymentRejected(ErrorCode.UNKNOWN_CHANNEL, f"no channel {channel_id}")
        slot = self._slots.get(channel_id)  # another request may have read it meanwhile
        if slot is None:
            slot = _Slot(info)
            self._slots.put(channel_id, slot)
        return slot

    def _spend_miss(self) -> None:
        if not self._misses.take():
            raise WireError(
                ErrorCode.RPC_UNAVAILABLE,
                "too many requests for channels the gateway does not know: retry shortly",
                reason="rpc_miss_rate_limited",
            )

    async def _refresh(self, slot: _Slot) -> Channel:
        fresh = await self._read_channel(slot.info.terms)
        if slot.info.settled > fresh.settled:
            fresh = _replace_settled(fresh, slot.info.settled)
        slot.info = fresh
        return fresh

    async def _read_channel(self, terms: ChannelTerms) -> Channel:
        try:
            return await asyncio.to_thread(self.chain.channel, terms)
        except (ChainUnavailable, ChainReverted) as exc:
            raise chain_failure("cannot read channel", exc) from None

    async def _check_open(self, slot: _Slot) -> Channel:
        grace, info = self.terms.grace_period, slot.info
        phase = info.phase(self.clock(), grace)
        if phase is ChannelPhase.IN_GRACE or phase is ChannelPhase.EXPIRED:
            info = await self._refresh(slot)  # extended since?
            phase = info.phase(self.clock(), grace)
        if phase is not ChannelPhase.OPEN:
            raise PaymentRejected(*NOT_OPEN[phase])
        return info

    def _recover_signer(self, payment: PaymentPayload) -> bytes | None:
        """The receipt's signer, recovered before any node read (``None``: none)."""
        r = payment.payload
        fault = signature_fault(r.signature)
        if fault is SignatureFault.HIGH_S:
            raise PaymentRejected(ErrorCode.HIGH_S_SIGNATURE, "signature s is in the upper half")
        signer = None
        if fault is None:
            digest = self.receipt_digest(r.channel_id, r.cumulative_credits, r.deadline)
            signer = recover_well_formed(digest, r.signature)
        if signer is None:
            raise PaymentRejected(ErrorCode.BAD_SIGNATURE, "the signature recovers to no address")
        return signer

    async def _hold(self, channel_id: int) -> ChannelHold:
        """The channel locked in the shared store (released if the request is cancelled
        meanwhile); ``channel_busy`` or ``store_unavailable`` otherwise."""
        task = asyncio.ensure_future(
            asyncio.to_thread(self.store.hold, channel_id, self.lock_timeout)
        )
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            task.add_done_callback(_release_hold)
            raise
        except StoreError as exc:
            raise WireError(ErrorCode(exc.code.value), exc.message) from None

    async def _charged(
        self, slot: _Slot, info: Channel, held: StoredChannel | None = None
    ) -> tuple[int, LastReceipt | None]:
        """The channel's charged total and last receipt: cached, or read from the store
        (always when the channel is held in a shared store: ``held`` is what it holds)."""
        if slot.charged is None or self.store.shared:
            record = (
                held
                if self.store.shared
                else await asyncio.to_thread(self.store.channel, info.channel_id)
            )
            if record is None:
                # Cold start: both sides take the on-chain settled amount as the baseline.
                slot.charged, slot.last = info.settled, None
            else:
                slot.charged = max(record.charged, info.settled)
                slot.last = LastReceipt(record.cumulative, record.deadline, record.signature)
        return slot.charged, slot.last

    def _state(self, info: Channel, charged: int) -> ChannelState:
        return ChannelState(
            channel_id=info.channel_id,
            charged=charged,
            deposit=info.deposit,
            settled=info.settled,
            expiry=info.expiry,
        )


@dataclass(eq=False)
class Payment:
    """A verified payment holding its channel's lock until :meth:`release`;
    ``charged_before`` is the channel's total before this payment."""

    _ledger: Ledger
    _slot: _Slot
    info: Channel
    payment: PaymentPayload
    charged_before: int
    _hold: ChannelHold | None = None  # the channel's lock in a shared store
    _released: bool = field(default=False, init=False)
    _committing: bool = field(default=False, init=False)

    @property
    def payer(self) -> str:
        return self.info.consumer

    async def charge(self, credits: int, request_hash: bytes = b"") -> PaymentResponse:
        """Adds ``credits`` (``<= amount``) to the channel's total, durably."""
        amount = self.payment.accepted.amount
        if not 0 <= credits <= amount:
            raise ValueError(f"charge {credits} outside [0, {amount}]")
        receipt = self.payment.payload
        total = self.charged_before + credits
        charge = Charge(
            channel_id=receipt.channel_id,
            consumer=self.info.consumer,
            model_id=self.info.model_id,
            salt=self.info.salt,
            credits=credits,
            charged_total=total,
            cumulative=receipt.cumulative_credits,
            deadline=receipt.deadline,
            signature=receipt.signature,
            request_hash=request_hash,
            created_at=time.time(),
        )
        slot = self._slot
        last = LastReceipt(receipt.cumulative_credits, receipt.deadline, receipt.signature)
        committer = self._hold or self._ledger.committer
        if committer.inline:  # stored before this returns; nothing to wait for
            try:
                committer.commit_now(charge)
            except Exception as exc:
                raise WireError(ErrorCode.STORE_UNAVAILABLE, f"charge not stored: {exc}") from None
            slot.charged, slot.last = total, last
            return self._response(credits, total)
        commit = asyncio.ensure_future(committer.commit(charge))

        def committed(task: asyncio.Future[None]) -> None:
            # Runs even if the request is cancelled meanwhile: the in-memory total follows
            # the store, and only then may the next request of the channel go.
            if not task.cancelled() and task.exception() is None:
                slot.charged, slot.last = total, last
            self._committing = False
            self.release()

        self._committing = True
        commit.add_done_callback(committed)
        try:
            await asyncio.shield(commit)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            raise WireError(ErrorCode.STORE_UNAVAILABLE, f"charge not stored: {exc}") from None
        return self._response(credits, total)

    def _response(self, credits: int, total: int) -> PaymentResponse:
        return PaymentResponse(
            success=True,
            network=self._ledger.terms.network,
            payer=self.info.consumer,
            charged_credits=credits,
            channel=self._ledger._state(self._slot.info, total),
        )

    def release(self) -> None:
        """Releases the channel (deferred while a charge is being stored)."""
        if not self._released and not self._committing:
            self._released = True
            self._slot.users -= 1
            if self._hold is not None:
                self._hold.release()
            self._slot.lock.release()


def _release_hold(task: asyncio.Future[ChannelHold]) -> None:
    """Gives back a hold taken for a request that was cancelled meanwhile."""
    if not task.cancelled() and task.exception() is None:
        task.result().release()


def _replace_settled(info: Channel, settled: int) -> Channel:
    return replace(info, settled=settled)
