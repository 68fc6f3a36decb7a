"""Stateful conservation test of UsageCredits (real ModelRegistry and RevenueRouter).

Random buys, transfers, channel opens (from balances, paid in one transaction, and gasless:
an intent and an ERC-3009 authorization submitted by the gateway), top-ups (from balances and
paid), receipt signing, charged settlements, permissionless sweeps, settlements swept in the
same transaction (`settleAndSweep`), closes (after grace and cooperative), redemptions and time
jumps across an ETH-priced and an ERC-20-priced model. Ghost totals kept
in Python are compared with the chain after every step:

- escrow of each model equals the value of its outstanding credits, and the ETH and token
  balances of UsageCredits equal escrow plus the revenue settled but not yet swept;
- minted = consumed + redeemed + outstanding, per model, on-chain and in the ghost; the value of
  every swept credit (and nothing else) reached the router;
- no consumer loses credits that a receipt it signed does not cover: every channel's settled
  amount is at most the highest cumulative amount its consumer signed, and each consumer's
  credits are all accounted for as free, locked, redeemed, transferred, or settled under a receipt.
"""

import ape
import pytest
from ape.utils import ZERO_ADDRESS
from channel_ghosts import GRACE, MARGIN, ChannelGhosts
from eth_account import Account
from fixtures.channels import opened
from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from modelmint.client.gasless import gasless_open, token_domain
from modelmint.constants import DAY, HOUR
from modelmint.credits import ChannelTerms, rejection_reason
from modelmint.deploy.models import register_model
from modelmint.deploy.protocol import deploy_protocol
from modelmint.receipts import CooperativeClose, Receipt, ReceiptDomain, sign_receipt, sign_struct

ETH_VALUE = 10**12
TOKEN_VALUE = 10_000


@pytest.fixture(scope="module")
def env(project, accounts, deployer, model_owner, gateway, consumer, holder, licensee, treasury):
    # A token that checks ERC-3009 authorizations, for the gasless opens.
    token = project.AuthorizedERC20.deploy("USD Coin", "USDC", 6, sender=deployer)
    p = deploy_protocol(
        project,
        deployer,
        only=("credits",),
        tokens=[token],
        treasury=treasury,
        protocol_fee_bps=500,
    )
    registry, router, credits = p.registry, p.router, p.credits
    models = {}
    for asset, value in ((ZERO_ADDRESS, ETH_VALUE), (token.address, TOKEN_VALUE)):
        model_id, _ = register_model(
            registry,
            model_owner,
            b"\x22" * 32,
            "ipfs://v1",
            "ipfs://m",
            asset=asset,
            gateways=[gateway],
        )
        credits.enableCredits(model_id, value, sender=model_owner)
        models[model_id] = (asset, value)
    actors = [consumer, holder, licensee]
    for actor in actors:
        token.mint(actor, 10**15, sender=actor)
        token.approve(credits, 2**256 - 1, sender=actor)
    return {
        "credits": credits,
        "router": router,
        "token": token,
        "models": models,
        "actors": actors,
        "gateway": gateway,
        "domain": ReceiptDomain.from_contract(credits),
    }


class CreditsMachine(ChannelGhosts, RuleBasedStateMachine):
    env = None  # set by the test
    chain = None

    def __init__(self):
        super().__init__()
        self.snapshot = self.chain.snapshot()
        e = self.env
        self.credits, self.router, self.token = e["credits"], e["router"], e["token"]
        self.models, self.actors, self.gateway, self.domain = (
            e["models"],
            e["actors"],
            e["gateway"],
            e["domain"],
        )
        self.model_ids = sorted(self.models)
        self.minted = dict.fromkeys(self.model_ids, 0)
        self.consumed = dict.fromkeys(self.model_ids, 0)
        self.swept = dict.fromkeys(self.model_ids, 0)
        self.redeemed = dict.fromkeys(self.model_ids, 0)
        self.free = {(a.address, m): 0 for a in self.actors for m in self.model_ids}
        # Per consumer and model: credits in (bought for / transferred to them) and out (sent away).
        self.credits_in = dict.fromkeys(self.free, 0)
        self.credits_out = dict.fromkeys(self.free, 0)
        self.channels = {}  # id -> dict(consumer, model, deposit, settled, expiry, closed, signed)
        self.salts = {}  # (consumer, model) -> the salt of its next channel with the gateway

    def teardown(self):
        self.chain.restore(self.snapshot)

    # ------------------------------------------------------------------ helpers

    def _buy_value(self, model, n):
        asset, value = self.models[model]
        return (n * value) if asset == ZERO_ADDRESS else 0

    def _draw_free_credits(self, data, label):
        """`(holder address, model, n)`: free credits some account holds, drawn by Hypothesis,
        n between 1 and all of them; None when nobody holds any."""
        holders = [k for k, v in self.free.items() if v > 0]
        if not holders:
            return None
        who, model = data.draw(st.sampled_from(holders), label=label)
        return who, model, data.draw(st.integers(1, self.free[(who, model)]), label="n")

    # ------------------------------------------------------------------ rules

    @initialize(data=st.data())
    def everyone_buys_credits_and_opens_a_channel(self, data):
        for actor in self.actors:
            for model in self.model_ids:
                value = self._buy_value(model, 50)
                self.credits.buyCredits(model, 50, actor, sender=actor, value=value)
                self.minted[model] += 50
                self.free[(actor.address, model)] += 50
                self.credits_in[(actor.address, model)] += 50
            model = data.draw(st.sampled_from(self.model_ids), label="model")
            ttl = data.draw(st.sampled_from([HOUR, DAY]), label="ttl")
            self._open(actor.address, model, data.draw(st.integers(1, 50), label="deposit"), ttl)

    @rule(data=st.data(), n=st.integers(1, 60))
    def buy(self, data, n):
        buyer = data.draw(st.sampled_from(self.actors), label="buyer")
        to = data.draw(st.sampled_from(self.actors), label="to")
        model = data.draw(st.sampled_from(self.model_ids), label="model")
        self.credits.buyCredits(model, n, to, sender=buyer, value=self._buy_value(model, n))
        self.minted[model] += n
        self.free[(to.address, model)] += n
        self.credits_in[(to.address, model)] += n

    @rule(data=st.data())
    def transfer(self, data):
        if not (drawn := self._draw_free_credits(data, "from")):
            return
        frm, model, n = drawn
        to = data.draw(st.sampled_from(self.actors), label="to")
        self.credits.safeTransferFrom(frm, to, model, n, b"", sender=frm)
        self.free[(frm, model)] -= n
        self.free[(to.address, model)] += n
        self.credits_out[(frm, model)] += n
        self.credits_in[(to.address, model)] += n

    @rule(data=st.data(), ttl=st.sampled_from([HOUR, 6 * HOUR, DAY]))
    def open_channel(self, data, ttl):
        holders = [k for k, v in self.free.items() if v > 0]
        if not holders:
            return
        who, model = data.draw(st.sampled_from(holders), label="consumer")
        self._open(who, model, data.draw(st.integers(1, self.free[(who, model)]), label="n"), ttl)

    @rule(data=st.data(), n=st.integers(1, 60), ttl=st.sampled_from([HOUR, DAY]))
    def buy_and_open_channel(self, data, n, ttl):
        """A consumer pays straight into a new channel (one transaction)."""
        who = data.draw(st.sampled_from(self.actors), label="consumer")
        model = data.draw(st.sampled_from(self.model_ids), label="model")
        self._open(who.address, model, n, ttl, paid=True)

    def _next_salt(self, who, model):
        salt = self.salts.get((who, model), 0)
        self.salts[(who, model)] = salt + 1
        return salt

    def _open(self, who, model, n, ttl, paid=False):
        expiry = self._now() + ttl
        salt = self._next_salt(who, model)
        if paid:
            value = self._buy_value(model, n)
            tx = self.credits.buyAndOpenChannel(
                model, self.gateway, salt, n, expiry, sender=who, value=value
            )
            self.minted[model] += n
            self.credits_in[(who, model)] += n
        else:
            tx = self.credits.openChannel(model, self.gateway, salt, n, expiry, sender=who)
            self.free[(who, model)] -= n
        cid = opened(self.credits, tx)
        assert cid.terms == ChannelTerms(who, self.gateway.address, model, salt)
        self.channels[cid] = dict(
            consumer=who, model=model, deposit=n, settled=0, expiry=expiry, closed=False, signed=[]
        )
        note(f"open #{cid}: {n} credits of model {model} by {who[:8]}")

    @rule(data=st.data(), n=st.integers(1, 60), ttl=st.sampled_from([HOUR, DAY]))
    def gasless_open(self, data, n, ttl):
        """The gateway submits a consumer's signed intent and ERC-3009 authorization: the
        channel is the signer's (never the submitter's); the same authorization submitted
        again changes nothing, and no other intent can open the same terms again."""
        who = data.draw(st.sampled_from(self.actors), label="consumer")
        model = next(m for m in self.model_ids if self.models[m][0] != ZERO_ADDRESS)
        salt = self._next_salt(who.address, model)
        terms = dict(
            model_id=model,
            gateway=self.gateway.address,
            credits=n,
            credit_value=self.models[model][1],
            expiry=self._now() + ttl,
            deadline=self._now() + HOUR,
            salt=salt,
        )
        token = token_domain(self.chain.chain_id, self.token.address, "USD Coin")
        key = Account.from_key(who.private_key)
        opening = gasless_open(self.domain, token, key, **terms)
        intent, args = opening.intent, opening.call_args()
        tx = self.credits.openChannelWithAuthorization(*args, sender=self.gateway)
        cid = opened(self.credits, tx)
        assert cid.terms == ChannelTerms(who.address, self.gateway.address, model, salt)
        assert self.credits.channel(cid).deposit == n
        self.minted[model] += n
        self.credits_in[(who.address, model)] += n
        self.channels[cid] = dict(
            consumer=who.address,
            model=model,
            deposit=n,
            settled=0,
            expiry=intent.expiry,
            closed=False,
            signed=[],
        )
        note(f"gasless open #{cid}: {n} credits of model {model} for {who.address[:8]}")
        with ape.reverts(self.credits.UsageCreditsChannelExists, channelId=cid):
            self.credits.openChannelWithAuthorization(*args, sender=self.gateway)
        again = gasless_open(self.domain, token, key, **terms)  # a fresh nonce
        with ape.reverts(self.credits.UsageCreditsChannelExists, channelId=cid):
            self.credits.openChannelWithAuthorization(*again.call_args(), sender=self.gateway)
        # The spent nonce cannot pay for other terms either.
        reused = gasless_open(
            self.domain, token, key, **{**terms, "salt": salt + 1}, nonce=intent.nonce
        )
        with ape.reverts(self.credits.UsageCreditsAuthorizationUsed):
            self.credits.openChannelWithAuthorization(*reused.call_args(), sender=self.gateway)

    @rule(data=st.data())
    def reopen_closed_terms(self, data):
        """The terms of a closed channel never open again: its receipts can never settle
        against a new deposit."""
        closed = [cid for cid, c in self.channels.items() if c["closed"]]
        if not closed:
            return
        cid = data.draw(st.sampled_from(closed), label="closed channel")
        t = cid.terms
        before = self.credits.channel(cid)
        with ape.reverts(self.credits.UsageCreditsChannelExists, channelId=cid):
            self.credits.buyAndOpenChannel(
                t.model_id,
                self.gateway,
                t.salt,
                1,
                self._now() + HOUR,
                sender=t.consumer,
                value=self._buy_value(t.model_id, 1),
            )
        assert self.credits.channel(cid) == before

    @rule(data=st.data())
    def close_cooperatively(self, data):
        """One party submits the other's CooperativeClose at a charge between what is settled
        and the deposit: the charge settles, the rest is paid to the consumer in the asset.
        The consumer agreed to the charge (signed or submitted it)."""
        live = self._live(lambda c: True)
        if not live:
            return
        cid = data.draw(st.sampled_from(live), label="channel")
        c = self.channels[cid]
        charged = data.draw(st.integers(c["settled"], c["deposit"]), label="charged")
        consumer = next(a for a in self.actors if a.address == c["consumer"])
        by_gateway = data.draw(st.booleans(), label="the gateway submits")
        signer, sender = (consumer, self.gateway) if by_gateway else (self.gateway, consumer)
        signature = sign_struct(self.domain, CooperativeClose(cid, charged), signer)
        tx = self.credits.closeChannelCooperatively(cid.args, charged, signature, sender=sender)
        refund = c["deposit"] - charged
        assert tx.return_value == refund
        c["signed"].append(charged)
        self.consumed[c["model"]] += charged - c["settled"]
        c["settled"] = charged
        self.redeemed[c["model"]] += refund
        self.credits_out[(c["consumer"], c["model"])] += refund
        c["closed"] = True
        note(f"cooperative close #{cid} at {charged}, {refund} refunded")

    @rule(data=st.data(), extend=st.sampled_from([0, HOUR, DAY]))
    def top_up(self, data, extend):
        now = self._now()
        live = self._live(lambda c: now < c["expiry"] - MARGIN)
        if not live:
            return
        cid = data.draw(st.sampled_from(live), label="channel")
        c = self.channels[cid]
        bal = self.free[(c["consumer"], c["model"])]
        n = data.draw(st.integers(0, bal), label="n")
        if n == 0 and extend == 0:
            return
        if n and data.draw(st.booleans(), label="paid"):
            value = self._buy_value(c["model"], n)
            self.credits.buyAndTopUpChannel(
                cid.args, n, c["expiry"] + extend, sender=c["consumer"], value=value
            )
            self.minted[c["model"]] += n
            self.credits_in[(c["consumer"], c["model"])] += n
        else:
            self.credits.topUpChannel(cid.args, n, c["expiry"] + extend, sender=c["consumer"])
            self.free[(c["consumer"], c["model"])] -= n
        c["deposit"] += n
        c["expiry"] += extend

    @rule(data=st.data(), used=st.integers(0, 40))
    def consumer_signs_receipt(self, data, used):
        """The consumer signs a new cumulative receipt (may exceed the deposit)."""
        live = self._live(lambda c: True)
        if not live:
            return
        self._sign(data.draw(st.sampled_from(live), label="channel"), used)

    def _sign(self, cid, used):
        c = self.channels[cid]
        cumulative = max(c["signed"], default=0) + used
        deadline = c["expiry"] + GRACE + DAY
        signer = next(a for a in self.actors if a.address == c["consumer"])
        signed = sign_receipt(self.domain, Receipt(cid, cumulative, deadline), signer)
        c.setdefault("receipts", []).append(signed.settle_args(cid.terms))
        c["signed"].append(cumulative)

    @rule(data=st.data())
    def settle(self, data):
        """The gateway settles a batch holding any (possibly stale or replayed) receipts, each
        with a charge anywhere up to its signed ceiling (the settled amount never decreases),
        and maybe a receipt forged by another actor, which is rejected without reverting."""
        self._settle(data)

    @rule(data=st.data())
    def settle_and_sweep(self, data):
        """The gateway settles a batch as in `settle` and sweeps a model (any, whether the
        batch settled on it or not) in the same transaction (`settleAndSweep`)."""
        self._settle(data, data.draw(st.sampled_from(self.model_ids), label="model swept"))

    def _settle(self, data, sweep=None):
        """Settles a drawn batch (see `settle`); with `sweep`, by `settleAndSweep` of that model."""
        now = self._now()

        def usable(c):
            return [r for r in c.get("receipts", []) if r[4] > now + MARGIN]

        live = self._live(lambda c: now < c["expiry"] + GRACE - MARGIN)
        if not live:
            return
        picks = data.draw(st.lists(st.sampled_from(live), min_size=1, max_size=4), label="channels")
        batch = []
        expected = {}
        for cid in picks:
            c = self.channels[cid]
            if not usable(c) or data.draw(st.booleans(), label=f"fresh receipt for #{cid}"):
                self._sign(cid, data.draw(st.integers(0, 40), label="used"))
            args = data.draw(st.sampled_from(usable(c)), label=f"receipt of #{cid}")
            # Dynamic pricing: the gateway charges at most the signed ceiling.
            charged = data.draw(st.integers(0, args[3]), label=f"charged on #{cid}")
            args = args[:6] + (charged,)
            batch.append((cid, args, True))
        if data.draw(st.booleans(), label="a forged receipt in the batch"):
            cid = data.draw(st.sampled_from(live), label="forged channel")
            c = self.channels[cid]
            forger = next(a for a in self.actors if a.address != c["consumer"])
            ceiling = data.draw(st.integers(1, 80), label="forged ceiling")
            receipt = Receipt(cid, ceiling, c["expiry"] + GRACE + DAY)
            forged = sign_receipt(self.domain, receipt, forger).settle_args(cid.terms)
            batch.insert(data.draw(st.integers(0, len(batch)), label="at"), (cid, forged, False))
        # A forged receipt that would move credits is rejected and settles nothing; one at or
        # below what is settled by then is skipped silently; the batch never reverts.
        rejected = []
        for cid, args, genuine in batch:
            c = self.channels[cid]
            target = min(args[6], c["deposit"])
            before = expected.get(cid, c["settled"])
            if genuine:
                expected[cid] = max(before, target)
            elif target > before:
                rejected.append((cid, "UsageCreditsInvalidSignature"))
        receipts = [args for _, args, _ in batch]
        if sweep is None:
            tx = self.credits.settle(receipts, sender=self.gateway)
        else:
            tx = self.credits.settleAndSweep(receipts, sweep, sender=self.gateway)
        got = [
            (ev.channelId, rejection_reason(ev.reason))
            for ev in tx.decode_logs(self.credits.ReceiptRejected)
        ]
        assert got == rejected
        settled_now = sum(ev.credits for ev in tx.decode_logs(self.credits.CreditsSettled))
        total = 0
        for cid, new in expected.items():
            c = self.channels[cid]
            delta = new - c["settled"]
            total += delta
            self.consumed[c["model"]] += delta
            c["settled"] = new
            assert self.credits.channel(cid).settled == new
        assert settled_now == total
        if sweep is not None:
            assert tx.return_value[0] == total
            self._swept(sweep, tx.return_value[1])

    @rule(data=st.data())
    def anyone_sweeps(self, data):
        """Anyone pays a model's settled revenue to the router."""
        model = data.draw(st.sampled_from(self.model_ids), label="model")
        who = data.draw(st.sampled_from(self.actors), label="sweeper")
        self._swept(model, self.credits.sweep(model, sender=who).return_value)

    def _swept(self, model, paid):
        """Checks a sweep of `model` that paid `paid` to the router: all its settled revenue."""
        _, value = self.models[model]
        assert paid == (self.consumed[model] - self.swept[model]) * value
        self.swept[model] = self.consumed[model]
        assert self.credits.pendingRevenue(model) == 0

    @rule(data=st.data())
    def close_after_grace(self, data):
        """The consumer closes a channel, first waiting (warping time) until its grace ends."""
        live = self._live(lambda c: True)
        if not live:
            return
        cid = data.draw(st.sampled_from(live), label="channel")
        c = self.channels[cid]
        if self._now() < c["expiry"] + GRACE:
            self.chain.mine(timestamp=c["expiry"] + GRACE)
        tx = self.credits.closeChannel(cid.args, sender=c["consumer"])
        refund = c["deposit"] - c["settled"]
        assert tx.decode_logs(self.credits.ChannelClosed)[0].refundedCredits == refund
        self.free[(c["consumer"], c["model"])] += refund
        c["closed"] = True

    @rule(data=st.data())
    def close_too_early(self, data):
        if not (drawn := self._draw_settleable(data)):
            return
        cid, c = drawn
        with ape.reverts(self.credits.UsageCreditsChannelNotExpired, channelId=cid):
            self.credits.closeChannel(cid.args, sender=c["consumer"])

    @rule(data=st.data())
    def redeem(self, data):
        if not (drawn := self._draw_free_credits(data, "holder")):
            return
        who, model, n = drawn
        self.credits.redeem(model, n, who, sender=who)
        self.free[(who, model)] -= n
        self.redeemed[model] += n
        self.credits_out[(who, model)] += n

    @rule(seconds=st.sampled_from([10 * 60, 6 * HOUR, DAY + HOUR, 2 * DAY]))
    def time_jump(self, seconds):
        self.chain.mine(deltatime=seconds)

    # ------------------------------------------------------------------ invariants

    def _locked(self, model):
        return sum(
            c["deposit"] - c["settled"]
            for c in self.channels.values()
            if c["model"] == model and not c["closed"]
        )

    @invariant()
    def invariant_escrow_equals_value_of_outstanding_credits(self):
        by_asset = {}
        for model in self.model_ids:
            asset, value = self.models[model]
            outstanding = self.minted[model] - self.consumed[model] - self.redeemed[model]
            assert outstanding == sum(
                self.free[(a.address, model)] for a in self.actors
            ) + self._locked(model)
            assert self.credits.escrowOf(model) == outstanding * value
            pending = (self.consumed[model] - self.swept[model]) * value
            assert self.credits.pendingRevenue(model) == pending
            by_asset[asset] = by_asset.get(asset, 0) + outstanding * value + pending
        assert self.credits.balance == by_asset[ZERO_ADDRESS]
        assert self.token.balanceOf(self.credits) == by_asset[self.token.address]

    @invariant()
    def invariant_minted_equals_consumed_plus_redeemed_plus_outstanding(self):
        for model in self.model_ids:
            m = self.credits.modelCredits(model)
            free = m.minted - m.redeemed - m.channelled
            locked = m.channelled - m.consumed
            assert m.minted == m.consumed + m.redeemed + free + locked
            assert (m.minted, m.consumed, m.redeemed) == (
                self.minted[model],
                self.consumed[model],
                self.redeemed[model],
            )
            assert locked == self._locked(model)
        # The value of every swept credit reached the router, and nothing else did (one model
        # per asset here, so the router's per-asset liabilities are per model); the rest of the
        # consumed value is pending in UsageCredits (checked with the escrow above).
        for model in self.model_ids:
            asset, value = self.models[model]
            assert self.router.liabilities(asset) == self.swept[model] * value
        assert self.router.balance == self.router.liabilities(ZERO_ADDRESS)
        assert self.token.balanceOf(self.router) == self.router.liabilities(self.token.address)

    @invariant()
    def invariant_no_consumer_loses_credits_not_covered_by_a_signed_receipt(self):
        accounts = [a.address for a in self.actors for _ in self.model_ids]
        ids = [m for _ in self.actors for m in self.model_ids]
        balances = self.credits.balanceOfBatch(accounts, ids)
        for (who, model), bal in zip(zip(accounts, ids, strict=True), balances, strict=True):
            assert bal == self.free[(who, model)]
            mine = [
                c for c in self.channels.values() if c["consumer"] == who and c["model"] == model
            ]
            for c in mine:
                assert c["settled"] <= max(c["signed"], default=0)
                assert c["settled"] <= c["deposit"]
            locked = sum(c["deposit"] - c["settled"] for c in mine if not c["closed"])
            settled = sum(c["settled"] for c in mine)
            # Everything that came in is free, locked, or gone by the holder's own action
            # (transfer, redemption) or under a receipt it signed.
            assert (
                self.credits_in[(who, model)]
                == bal + locked + settled + self.credits_out[(who, model)]
            )


def test_credits_machine(env, chain):
    CreditsMachine.env = env
    CreditsMachine.chain = chain
    run_state_machine_as_test(CreditsMachine)
