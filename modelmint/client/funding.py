"""The consumer's channels: which one pays a request, how it is funded (free credits first,
purchases within the budget, top-ups and extensions), and how it is recovered from the chain,
halted and closed. The client's call loop asks :class:`ChannelBook` for a channel and tells it
what the gateway answered; nothing here speaks HTTP."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from web3 import Web3

from modelmint.client.budget import Budget
from modelmint.client.errors import (
    BudgetExhausted,
    ChannelHalted,
    ChannelNotClosable,
    NoAcceptableRequirement,
    ReceiptSignerNotRegistered,
)
from modelmint.client.onchain import CreditsChain
from modelmint.client.signer import Signer
from modelmint.client.store import ChannelStatus, ChannelStore, LocalChannel
from modelmint.credits import Channel, ChannelTerms
from modelmint.errors import ErrorCode
from modelmint.wire import PaymentRequirements

if TYPE_CHECKING:
    from modelmint.client.relay import GatewayRelay


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


Emit = Callable[..., None]


@dataclass
class ChannelBook:
    """One consumer's channels across UsageCredits deployments, kept in ``store``, funded
    by ``signer`` within ``budget``; ``emit`` reports what it did (``emit("channel_opened",
    channel=7, ...)``)."""

    w3: Web3
    signer: Signer
    store: ChannelStore
    budget: Budget
    policy: ChannelPolicy
    emit: Emit
    recover_from_block: int = 0  # where the recovery scan of ChannelOpened logs starts
    # Use channels this state directory did not open (found in ChannelOpened logs): the
    # library's crash recovery does; the CLI only with ``--adopt``.
    adopt: bool = True
    # The gateway's relay: opens and tops up gasless for a token-priced model when the account
    # holds no ETH, and closes cooperatively (modelmint.client.relay).
    relay: GatewayRelay | None = None
    _chains: dict[str, CreditsChain] = field(default_factory=dict, init=False, repr=False)
    # (UsageCredits, model, gateway) whose channels were looked for on chain (salt walk).
    _scanned: set[tuple[str, int, str]] = field(default_factory=set, init=False, repr=False)

    def chain_for(self, credits_address: str) -> CreditsChain:
        key = credits_address.lower()
        if key not in self._chains:
            self._chains[key] = CreditsChain(self.w3, credits_address)
        return self._chains[key]

    def all(self) -> list[LocalChannel]:
        """Every channel the state directory knows, newest first."""
        return self.store.all()[::-1]  # the file keeps the order they were added in

    def get(self, channel_id: int) -> LocalChannel | None:
        return self.store.get(channel_id)

    # ------------------------------------------------------------------ recovery
    def recover(self, credits_address: str, from_block: int = 0) -> list[LocalChannel]:
        """Rebuilds the records of this consumer's channels (to any gateway) that the state
        directory lacks, from the chain's ``ChannelOpened`` logs: ``settled`` is the baseline;
        the gateway's corrective 402 then brings each to its exact running total. Returns the
        records added."""
        chain = self.chain_for(credits_address)
        added = []
        for terms in chain.channels_of(self.signer.address, from_block):
            if self.store.get(terms.channel_id) is None:
                added.append(self._adopt(chain, chain.channel(terms)))
        return added

    def _adopt(self, chain: CreditsChain, c: Channel) -> LocalChannel:
        """Records a channel found on chain (settled as the baseline)."""
        record = LocalChannel(
            channel_id=c.channel_id,
            credits_contract=chain.address,
            model_id=c.model_id,
            gateway=c.gateway,
            consumer=c.consumer,
            deposit=c.deposit,
            expiry=c.expiry,
            salt=c.salt,
            charged=c.settled,
            signed=c.settled,
            status=ChannelStatus.CLOSED if c.closed else ChannelStatus.OPEN,
            closed=c.closed,
        )
        self.store.put(record)
        self.emit("channel_recovered", channel=c.channel_id, settled=c.settled)
        return record

    def _scan(self, chain: CreditsChain, model_id: int, gateway: str) -> None:
        """Looks on chain for this consumer's channels to ``gateway`` for ``model_id`` that
        the state directory lacks, walking the salts from 0 (nothing but the 402 is needed):
        adopted with ``adopt``, otherwise only named (``channel_not_adopted``)."""
        self._scanned.add((chain.address.lower(), model_id, gateway.lower()))
        for c in chain.channels_at(self.signer.address, gateway, model_id):
            if self.store.get(c.channel_id) is not None:
                continue
            if self.adopt:
                self._adopt(chain, c)
            elif not c.closed:
                self.emit("channel_not_adopted", channel=c.channel_id, deposit=c.deposit)

    # ------------------------------------------------------------------ paying
    def for_payment(self, req: PaymentRequirements) -> LocalChannel:
        """A channel to the gateway of ``req`` with room for ``req.amount``: an open one,
        topped up or extended if needed, or a new one (never above the budget)."""
        chain = self.chain_for(req.asset)
        model_id, gateway, amount = req.extra.model_id, req.pay_to, req.amount
        halted = [
            r
            for r in self.store.all()
            if r.status is ChannelStatus.HALTED
            and r.gateway.lower() == gateway.lower()
            and r.model_id == model_id
        ]
        if halted:
            raise ChannelHalted(
                f"channel {halted[0].channel_id} to {gateway} was halted ({halted[0].reason}); "
                "clear it with `modelmint channels --unhalt ID` after checking",
                channel=halted[0].channel_id,
            )
        scanned = (chain.address.lower(), model_id, gateway.lower()) in self._scanned
        if not scanned and not self.store.usable(chain.address, model_id, gateway):
            self._scan(chain, model_id, gateway)
        now = chain.now()
        for record in self.store.usable(chain.address, model_id, gateway):
            if record.expiry <= now:
                continue  # expired: closable after its grace period
            if record.remaining >= amount and record.expiry - now >= self.policy.min_time_left:
                return record
            return self._top_up(chain, record, req, now)
        return self._open(chain, req, now)

    def halt(self, record: LocalChannel, reason: str) -> None:
        """No receipt is signed on ``record``'s channel (nor to its gateway for its model)
        until the user clears it with :meth:`unhalt`."""
        self.store.put(record.halted(reason))
        self.emit("halted", channel=record.channel_id, reason=reason)

    def refresh(self, record: LocalChannel, code: ErrorCode) -> None:
        """The gateway will not take this channel (expired, closed, unknown, full): reload it
        from the chain and stop choosing it unless the chain shows room the gateway missed."""
        chain = self.chain_for(record.credits_contract)
        c = chain.channel(record.terms)
        if c.closed:
            record = replace(record, status=ChannelStatus.CLOSED, closed=True, charged=c.settled)
        elif code is ErrorCode.ABOVE_DEPOSIT and c.deposit > record.deposit:
            record = replace(record, deposit=c.deposit, expiry=c.expiry)
        else:
            # Unusable from now on; still closable (from the chain's expiry) to get the rest back.
            record = replace(record, expiry=min(c.expiry, chain.now()), reason=code.value)
        self.store.put(record)

    def unhalt(self, channel_id: int) -> None:
        """Lets the client sign on a halted channel again (after the user looked into it)."""
        record = self.store.get(channel_id)
        if record is not None and record.status is ChannelStatus.HALTED:
            self.store.put(replace(record, status=ChannelStatus.OPEN, reason=""))

    # ------------------------------------------------------------------ closing
    def close_expired(self, redeem: bool = False) -> list[dict[str, int]]:
        """Closes every open channel of this consumer past ``expiry + GRACE_PERIOD`` and,
        with ``redeem``, redeems the refunded credits. Returns one summary per channel."""
        out = []
        for record in self.store.all():
            if record.status is ChannelStatus.CLOSED or record.closed:
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
        if record.consumer.lower() != self.signer.address.lower():
            raise ChannelNotClosable(f"channel {channel_id} belongs to {record.consumer}")
        on_chain = chain.channel(record.terms)
        closable_at = on_chain.expiry + chain.grace_period
        if not on_chain.closed and chain.now() < closable_at:
            raise ChannelNotClosable(
                f"channel {channel_id} can be closed from {closable_at} (expiry + grace)",
                closable_at=closable_at,
            )
        refunded = 0 if on_chain.closed else chain.close_channel(self.signer, record.terms)
        # A halted channel stays halted: closing it must not clear the stop on its gateway.
        halted = record.status is ChannelStatus.HALTED
        status = ChannelStatus.HALTED if halted else ChannelStatus.CLOSED
        self.store.put(replace(record, status=status, closed=True, charged=on_chain.settled))
        summary = {"channel": channel_id, "refunded": refunded, "settled": on_chain.settled}
        if redeem and refunded:
            summary["redeemedValue"] = chain.redeem(self.signer, record.model_id, refunded)
        self.emit("channel_closed", **summary)
        return summary

    def close_cooperatively(self, channel_id: int) -> dict[str, int]:
        """Closes a channel now, through its gateway, at the charged total this client verified:
        the gateway submits the consumer's signature and the rest of the deposit is refunded in
        the model's asset at once."""
        record = self.store.get(channel_id)
        if record is None or self.relay is None:
            raise ChannelNotClosable(f"channel {channel_id} is not in this state directory")
        chain = self.chain_for(record.credits_contract)
        self.relay.close(chain, record.terms, record.charged)
        halted = record.status is ChannelStatus.HALTED
        status = ChannelStatus.HALTED if halted else ChannelStatus.CLOSED
        self.store.put(replace(record, status=status, closed=True))
        summary = {"channel": channel_id, "refunded": record.deposit - record.charged}
        summary["settled"] = record.charged
        self.emit("channel_closed", cooperative=True, **summary)
        return summary

    def redeem(self, credits_address: str, model_id: int, credits: int | None = None) -> int:
        """Redeems ``credits`` free credits (all of them by default); returns the value."""
        chain = self.chain_for(credits_address)
        amount = chain.balance(self.signer.address, model_id) if credits is None else credits
        return chain.redeem(self.signer, model_id, amount) if amount else 0

    # ------------------------------------------------------------------ funding
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

    def _open(self, chain: CreditsChain, req: PaymentRequirements, now: int) -> LocalChannel:
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
        relay = self.relay if self.relay is not None and buy == add else None
        gasless = relay is not None and relay.applies(chain, terms)
        model_id, gateway = req.extra.model_id, req.pay_to
        known = {
            r.salt
            for r in self.store.all()
            if r.model_id == model_id
            and r.gateway.lower() == gateway.lower()
            and r.credits_contract.lower() == chain.address.lower()
        }
        salt = chain.free_salt(self.signer.address, gateway, model_id, frozenset(known))
        value = self.budget.reserve(buy, terms.credit_value)
        try:
            if relay is not None and gasless:
                opened = relay.open(chain, terms, model_id, gateway, salt, add, expiry)
            elif buy == add:
                opened = chain.buy_and_open(self.signer, model_id, gateway, add, expiry, salt=salt)
            else:
                if buy:
                    chain.buy_credits(self.signer, model_id, buy)
                opening = ChannelTerms(self.signer.address, gateway, model_id, salt)
                opened = chain.open_channel(self.signer, opening, add, expiry)
        except BaseException:
            self.budget.release(value)
            raise
        channel_id = opened.channel_id
        record = LocalChannel(
            channel_id=channel_id,
            credits_contract=chain.address,
            model_id=model_id,
            gateway=opened.gateway,
            consumer=opened.consumer,
            deposit=add,
            expiry=expiry,
            salt=opened.salt,
            spent=value,
        )
        self.store.put(record)
        self.emit(
            "channel_opened",
            channel=channel_id,
            deposit=add,
            bought=buy,
            paid=value,
            gasless=gasless,
        )
        return record

    def _top_up(
        self, chain: CreditsChain, record: LocalChannel, req: PaymentRequirements, now: int
    ) -> LocalChannel:
        add = buy = 0
        if record.remaining < req.amount:
            add, buy = self._size(chain, req, record.remaining)
        expiry = max(record.expiry, now + self.policy.ttl)
        relay = self.relay if self.relay is not None and buy == add > 0 else None
        terms = chain.terms(record.model_id) if relay is not None else None
        gasless = relay is not None and terms is not None and relay.applies(chain, terms)
        value = self.budget.reserve(buy, req.extra.credit_value)
        try:
            if relay is not None and terms is not None and gasless:
                relay.top_up(chain, terms, record.terms, add, expiry)
            elif buy and buy == add:
                chain.buy_and_top_up(self.signer, record.terms, add, expiry)
            else:
                if buy:
                    chain.buy_credits(self.signer, record.model_id, buy)
                chain.top_up(self.signer, record.terms, add, expiry)
        except BaseException:
            self.budget.release(value)
            raise
        record = replace(
            record, deposit=record.deposit + add, expiry=expiry, spent=record.spent + value
        )
        self.store.put(record)
        self.emit(
            "channel_topped_up",
            channel=record.channel_id,
            added=add,
            paid=value,
            expiry=expiry,
            gasless=gasless,
        )
        return record
