"""Settlement: the latest receipt of each channel, in batches, before it is too late.

One settler runs at a time: a pass first takes or keeps the store's leader lock
(:meth:`Store.lead`: a PostgreSQL session advisory lock, or a lock file next to the SQLite
store) and does nothing (``leader=False``) where another process holds it. A leader that
dies releases it and the next pass elsewhere takes over; what it left is safe: the chain's
``settled`` is read before anything is sent, a settlement it sent but did not record only
makes the contract skip what is settled, and a pending one it recorded is followed.

One pass (:meth:`Settler.run_once`):

1. follow the settlement in flight: confirmed after ``confirmations`` blocks, ``reverted``
   (its channels come back in the next pass), or ``dropped`` when the node no longer
   knows the transaction after ``drop_timeout`` (re-settled). ``settle`` never reverts
   because of one receipt: it skips a bad one with ``ReceiptRejected(channelId, reason)``.
   The rejections of a confirmed settlement are reported and dropped (``dropped``, and the
   store's bad receipts, as ``rejected on chain: <error name>``), and that receipt is not
   sent again: only a newer receipt of the channel is;
2. read ``settled`` on chain for every channel with charges not yet settled (this is the
   truth: a settlement that vanished from the chain leaves the channel unsettled, and it
   is settled again; settling twice is harmless, the contract skips what is settled);
3. choose the due channels: unsettled value above ``threshold``, the oldest charge older
   than ``max_age``, a receipt deadline or the channel's ``expiry + GRACE_PERIOD`` within
   ``margin`` seconds, or ``force``; receipts already past their deadline or the grace end
   are reported and dropped (nothing can settle them any more);
4. build at most ``batch_size`` ``SettleArgs`` (the charged total, never the ceiling),
   simulate the batch (a whole-call failure), drop and report receipts that fail alone,
   and send one transaction: ``settle``, or with ``policy.sweep`` (``SETTLE_SWEEP``,
   ``settle --sweep``) ``settleAndSweep``, which also pays the batch's model's settled
   revenue to the router in the same transaction.

    >>> settler = Settler(chain, store, gateway_account, grace_period=3600)
    >>> report = settler.run_once(force=True)
    >>> report.sent, report.dropped
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from modelmint.credits import ChannelTerms, rejection_reason
from modelmint.gateway.errors import ChainReverted, ChainUnavailable, log_fields
from modelmint.gateway.ledger import Ledger
from modelmint.gateway.metrics import Metrics
from modelmint.gateway.onchain import Chain
from modelmint.gateway.settings import GatewaySettings
from modelmint.gateway.store import Settlement, SettlementStatus, Store, StoredChannel

log = logging.getLogger("modelmint.gateway.settler")


class DropReason(StrEnum):
    """Why a receipt was dropped from settlement (stored in the store's bad receipts as its
    value; the two prefixes are followed by the error's name, and its arguments for a
    simulation)."""

    DEADLINE_PASSED = "receipt deadline passed"
    GRACE_OVER = "channel grace period over"
    CHANNEL_CLOSED = "channel closed"
    REJECTED = "rejected on chain: "
    SIMULATION_REVERTED = "simulation reverted: "


@dataclass
class SettleReport:
    confirmed: list[str] = field(default_factory=list)
    reverted: list[str] = field(default_factory=list)
    dropped_tx: list[str] = field(default_factory=list)
    sent: str | None = None
    channels: dict[int, int] = field(default_factory=dict)  # channel -> charged total sent
    dropped: list[tuple[int, str]] = field(default_factory=list)  # bad receipts
    unsettled_credits: int = 0
    lag_seconds: float = 0.0
    pending: bool = False
    leader: bool = True  # False: another process settles


@dataclass(frozen=True)
class SettlePolicy:
    """When the settler settles and how it follows a settlement (the ``SETTLE_*`` settings)."""

    threshold: int = 10_000  # unsettled credits that make the channels due
    margin: int = 900  # seconds before a deadline or grace end: urgent
    max_age: float = 3600.0  # an unsettled charge this old (seconds) makes the channels due
    batch_size: int = 100  # receipts per settle transaction
    confirmations: int = 1  # blocks until a settlement is confirmed
    drop_timeout: float = 120.0  # seconds until an unmined settlement counts as dropped
    recheck_window: float = 900.0  # seconds a confirmed settlement's channels are read again
    sweep: bool = False  # also sweep the batch's model to the router (settleAndSweep)

    @classmethod
    def of(cls, s: GatewaySettings) -> SettlePolicy:
        """The policy the gateway's settings set."""
        return cls(
            s.settle_threshold_credits,
            s.settle_margin_seconds,
            s.settle_max_age,
            s.settle_batch_size,
            s.confirmations,
            s.settle_drop_timeout,
            sweep=s.settle_sweep,
        )


@dataclass(eq=False)
class Settler:
    """Settles the store's receipts through ``chain`` with the gateway's ``account``; tells
    the ``ledger`` what settled and keeps the ``metrics``."""

    chain: Chain
    store: Store
    account: Any
    grace_period: int
    policy: SettlePolicy = field(default_factory=SettlePolicy)
    ledger: Ledger | None = None
    metrics: Metrics | None = None
    _expiry: dict[int, int] = field(default_factory=dict, init=False)
    # Consecutive dropped settlements: the next one tips more.
    _drops: int = field(default=0, init=False)

    # ------------------------------------------------------------------ one pass
    def run_once(self, force: bool = False) -> SettleReport:
        report = SettleReport()
        if not self.store.lead():
            report.leader = False
            return report
        self._follow_pending(report)
        unsettled = self._refresh_settled()
        now = self.chain.now()
        report.unsettled_credits = sum(c.charged - c.settled for c in unsettled)
        report.lag_seconds = max((time.time() - c.updated_at for c in unsettled), default=0.0)
        if self.metrics is not None:
            self.metrics.unsettled.set(report.unsettled_credits)
            self.metrics.settlement_lag.set(report.lag_seconds)
        if report.pending:
            return report
        due = self._due(unsettled, now, force, report)
        if due:
            self._send(due[: self.policy.batch_size], report)
        return report

    def _follow_pending(self, report: SettleReport) -> None:
        for s in self.store.settlements(SettlementStatus.PENDING):
            receipt = self.chain.receipt(s.tx_hash)
            if receipt is None:
                if (
                    time.time() - s.created_at > self.policy.drop_timeout
                    or not self.chain.transaction_known(s.tx_hash)
                ):
                    self._final(s, SettlementStatus.DROPPED, report.dropped_tx)
                    self._drops += 1
                else:
                    report.pending = True
                continue
            if int(receipt["status"]) != 1:
                self._final(s, SettlementStatus.REVERTED, report.reverted)
                continue
            depth = self.chain.block_number() - int(receipt["blockNumber"]) + 1
            if depth >= self.policy.confirmations:
                self._final(s, SettlementStatus.CONFIRMED, report.confirmed)
                self._drops = 0
                self._rejected(s, receipt, report)
            else:
                report.pending = True

    def _rejected(self, s: Settlement, receipt: dict[str, Any], report: SettleReport) -> None:
        """Reports and drops the receipts a confirmed settlement skipped (ReceiptRejected)."""
        for channel_id, selector in self.chain.rejected_receipts(receipt):
            if channel_id not in s.channels:
                continue
            reason = f"{DropReason.REJECTED}{rejection_reason(selector)}"
            record = self.store.channel(channel_id)
            if record is not None and record.charged == s.channels[channel_id]:
                self._drop(record, reason, report)
            else:  # charged again since: the newer receipt is sent in a later pass
                report.dropped.append((channel_id, reason))
                log.warning("receipt dropped", extra={"channel": channel_id, "reason": reason})

    def _final(self, s: Settlement, status: SettlementStatus, into: list[str]) -> None:
        self.store.set_settlement_status(s.tx_hash, status)
        into.append(s.tx_hash)
        log.info("settlement %s", status, extra={"tx": s.tx_hash, "channels": len(s.channels)})
        if self.metrics is not None:
            self.metrics.settlements.labels(status=status).inc()

    def _refresh_settled(self) -> list[StoredChannel]:
        still: list[StoredChannel] = []
        records = {r.channel_id: r for r in self.store.unsettled()}
        # Channels of recent confirmed settlements are read again: a settlement that
        # vanished from the chain (reorg) leaves them unsettled, and they are settled again.
        horizon = time.time() - self.policy.recheck_window
        for s in self.store.settlements(SettlementStatus.CONFIRMED):
            if s.created_at >= horizon:
                for channel_id in s.channels:
                    if channel_id not in records:
                        record = self.store.channel(channel_id)
                        if record is not None:
                            records[channel_id] = record
        for record in records.values():
            info = self.chain.channel(self._terms(record))
            self._expiry[record.channel_id] = info.expiry
            if info.settled != record.settled:
                self.store.set_settled(record.channel_id, info.settled)
            if self.ledger is not None:
                self.ledger.note_settled(record.channel_id, info.settled)
            if info.settled < record.charged:
                still.append(replace(record, settled=info.settled))
        return still

    def _due(
        self, unsettled: list[StoredChannel], now: int, force: bool, report: SettleReport
    ) -> list[StoredChannel]:
        settleable = []
        # A receipt the contract rejected is never sent again (a newer one of its channel is).
        rejected = {
            (cid, cumulative)
            for cid, cumulative, reason in self.store.bad_receipts()
            if reason.startswith(DropReason.REJECTED)
        }
        for c in unsettled:
            expiry = self._expiry.get(c.channel_id, 0)
            if (c.channel_id, c.cumulative) in rejected:
                continue
            if c.deadline <= now:
                self._drop(c, DropReason.DEADLINE_PASSED, report)
            elif expiry and now >= expiry + self.grace_period:
                self._drop(c, DropReason.GRACE_OVER, report)
            elif expiry == 0:
                self._drop(c, DropReason.CHANNEL_CLOSED, report)
            else:
                settleable.append(c)
        if not settleable:
            return []
        urgent = [
            c
            for c in settleable
            if c.deadline - now <= self.policy.margin
            or self._expiry.get(c.channel_id, 0) + self.grace_period - now <= self.policy.margin
        ]
        total = sum(c.charged - c.settled for c in settleable)
        oldest = max(time.time() - c.updated_at for c in settleable)
        if force or urgent or total >= self.policy.threshold or oldest >= self.policy.max_age:
            # Most urgent first (nearest deadline or grace end), then largest value.
            return sorted(
                settleable,
                key=lambda c: (
                    min(c.deadline, self._expiry.get(c.channel_id, 0) + self.grace_period),
                    -(c.charged - c.settled),
                ),
            )
        return []

    def _drop(self, c: StoredChannel, reason: str, report: SettleReport) -> None:
        known = set(self.store.bad_receipts())
        if (c.channel_id, c.cumulative, reason) not in known:
            self.store.record_bad_receipt(c.channel_id, c.cumulative, reason)
            if self.metrics is not None:
                self.metrics.bad_receipts.inc()
            log.warning("receipt dropped", extra={"channel": c.channel_id, "reason": reason})
        report.dropped.append((c.channel_id, reason))

    def _terms(self, c: StoredChannel) -> ChannelTerms:
        """The terms the channel was stored with; the gateway is this settler's account.
        (A row stored before the store kept terms names no channel of this contract: it
        reads as closed and is dropped.)"""
        return ChannelTerms(c.consumer, self.account.address, c.model_id, c.salt)

    def _args(self, c: StoredChannel) -> tuple[Any, ...]:
        return self.chain.settle_args(
            self._terms(c), c.cumulative, c.deadline, c.signature, c.charged
        )

    def _model_to_sweep(self, batch: list[StoredChannel]) -> int | None:
        """With ``policy.sweep``, the model whose settled revenue the settlement also sends to
        the router: the batch's (a gateway serves one model); in a batch of several, the one
        settling the most credits (the others wait for anyone's ``sweep``)."""
        if not self.policy.sweep or not batch:
            return None
        value: dict[int, int] = {}
        for c in batch:
            value[c.model_id] = value.get(c.model_id, 0) + c.charged - c.settled
        return max(value, key=lambda m: value[m])

    def _send(self, batch: list[StoredChannel], report: SettleReport) -> None:
        good = [(c, self._args(c)) for c in batch]
        sender = self.account.address
        sweep = self._model_to_sweep(batch)
        try:
            self.chain.simulate_settle(sender, [a for _, a in good], sweep)
        except ChainReverted:
            kept = []
            for c, a in good:
                try:
                    self.chain.simulate_settle(sender, [a], sweep)
                    kept.append((c, a))
                except ChainReverted as exc:
                    self._drop(c, f"{DropReason.SIMULATION_REVERTED}{exc.revert}", report)
            good = kept
        if not good:
            return
        tx_hash, nonce = self.chain.send_settle(
            self.account, [a for _, a in good], bump=self._drops, sweep=sweep
        )
        channels = {c.channel_id: c.charged for c, _ in good}
        self.store.add_settlement(
            Settlement(tx_hash, channels, SettlementStatus.PENDING, time.time(), nonce)
        )
        report.sent, report.channels, report.pending = tx_hash, channels, True
        log.info("settlement sent", extra={"tx": tx_hash, "channels": len(channels)})

    # ------------------------------------------------------------------ loop
    async def run_forever(self, stop: asyncio.Event, interval: float) -> None:
        """Passes every ``interval`` seconds (sooner while a settlement is in flight);
        node failures back off exponentially with jitter, up to 60 s."""
        backoff = 1.0
        while not stop.is_set():
            delay = interval
            try:
                report = await asyncio.to_thread(self.run_once)
                backoff = 1.0
                if report.pending:
                    delay = min(interval, 1.0)
            except (ChainUnavailable, ChainReverted) as exc:
                log.warning("settlement pass failed: %s", exc, extra=log_fields(exc))
                delay = backoff * (1 + random.random() / 2)
                backoff = min(backoff * 2, 60.0)
            except Exception:
                log.exception("settlement pass crashed")
                delay = backoff
                backoff = min(backoff * 2, 60.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
