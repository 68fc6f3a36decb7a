"""Cross-module stateful conservation test: registry + LicenseManager + UsageCredits +
RevenueRouter + ModelShares around one ETH-priced model.

The model sells a 30-day license and usage credits; its revenue split is a ModelShares token
(weight 3, three holders) and a contributor EOA (weight 1); the router takes a 5 % fee.
Rules buy and renew licenses, buy / open / settle / close / redeem credits, pay the router
directly, claim from the router, transfer and claim shares, claim fees and warp time.
Ghost totals in Python are compared with the chain after every step (PROPERTIES.md XMOD-xx).
"""

import pytest
from ape.utils import ZERO_ADDRESS
from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from modelmint.receipts import Receipt, ReceiptDomain, sign_receipt

BPS = 10_000
FEE = 500
HOUR = 3600
DAY = 86_400
GRACE = DAY
MARGIN = 300  # keep time-window decisions away from boundaries (wall clock moves)
CREDIT_VALUE = 10**12
PRICE = 10**16
LICENSE_DURATION = 30 * DAY


@pytest.fixture(scope="module")
def env(project, deployer, model_owner, gateway, treasury, holder, contributor, consumer, licensee):
    registry = project.ModelRegistry.deploy(deployer, [], sender=deployer)
    router = project.RevenueRouter.deploy(registry, treasury, FEE, sender=deployer)
    credits = project.UsageCredits.deploy(registry, router, "", sender=deployer)
    manager = project.LicenseManager.deploy(registry, router, sender=deployer)
    factory = project.ModelSharesFactory.deploy(router, sender=deployer)
    tx = registry.registerModel(ZERO_ADDRESS, b"\x33" * 32, "ipfs://v1", "m", sender=model_owner)
    model_id = tx.decode_logs(registry.ModelRegistered)[0].modelId
    registry.setGateway(model_id, gateway, True, sender=model_owner)
    credits.enableCredits(model_id, CREDIT_VALUE, sender=model_owner)
    offer = (model_id, PRICE, LICENSE_DURATION, 0, 0, 0, True, False, "ipfs://t", b"\x44" * 32)
    offer_id = manager.createOffer(offer, sender=model_owner).return_value
    tx = factory.createShares(model_id, "M Shares", "MS", 3 * 10**18, holder, sender=model_owner)
    shares = project.ModelShares.at(tx.decode_logs(factory.SharesCreated)[0].shares)
    shares.transfer(consumer, 10**18, sender=holder)
    shares.transfer(licensee, 10**18, sender=holder)
    router.setRecipients(model_id, [shares, contributor], [3, 1], sender=model_owner)
    return dict(
        registry=registry,
        router=router,
        credits=credits,
        manager=manager,
        shares=shares,
        model_id=model_id,
        offer_id=offer_id,
        gateway=gateway,
        treasury=treasury,
        contributor=contributor,
        holders=[holder, consumer, licensee],
        users=[consumer, licensee, holder],
        domain=ReceiptDomain.from_contract(credits),
    )


class ProtocolMachine(RuleBasedStateMachine):
    env = None  # set by the test
    chain = None

    def __init__(self):
        super().__init__()
        self.snapshot = self.chain.snapshot()
        self.pending = self.chain.pending_timestamp
        for key, value in self.env.items():
            setattr(self, key, value)
        # ghost totals (wei unless noted)
        self.paid_in = 0  # ETH that reached the router through any path
        self.router_payments = 0  # number of router.pay calls (each may leave < 1 wei per split)
        self.fees = 0
        self.fees_claimed = 0
        self.contributor_claimed = 0
        self.minted = self.consumed = self.redeemed = 0  # credits
        self.free = {u.address: 0 for u in self.users}  # free credits per user
        self.channels = {}  # id -> dict(consumer, deposit, settled, expiry, closed)
        self.licenses = {}  # id -> expected expiry
        self.last_holder_total = {}

    def teardown(self):
        self.chain.restore(self.snapshot)
        self.chain.pending_timestamp = self.pending

    # ------------------------------------------------------------------ helpers

    def _router_paid(self, amount):
        if amount == 0:
            return
        self.paid_in += amount
        self.fees += amount * FEE // BPS
        self.router_payments += 1

    def _now(self):
        return self.chain.pending_timestamp

    def _live(self, predicate):
        return [cid for cid, c in self.channels.items() if not c["closed"] and predicate(c)]

    # ------------------------------------------------------------------ rules

    @initialize()
    def a_user_holds_a_license(self):
        self.buy_license(0)

    @rule(who=st.integers(0, 2))
    def buy_license(self, who):
        buyer = self.users[who]
        tx = self.manager.purchase(self.offer_id, buyer, PRICE, value=PRICE, sender=buyer)
        self.licenses[tx.return_value] = tx.timestamp + LICENSE_DURATION
        self._router_paid(PRICE)

    @rule(data=st.data())
    def renew_license(self, data):
        license_id = data.draw(st.sampled_from(sorted(self.licenses)), label="license")
        payer = data.draw(st.sampled_from(self.users), label="payer")
        tx = self.manager.renew(license_id, PRICE, value=PRICE, sender=payer)
        previous = self.licenses[license_id]
        self.licenses[license_id] = max(tx.timestamp, previous) + LICENSE_DURATION
        assert self.licenses[license_id] > previous  # expiry only ever moves forward
        assert tx.return_value == self.licenses[license_id]
        self._router_paid(PRICE)

    @rule(who=st.integers(0, 2), n=st.integers(1, 100))
    def buy_credits(self, who, n):
        buyer = self.users[who]
        self.credits.buyCredits(self.model_id, n, buyer, value=n * CREDIT_VALUE, sender=buyer)
        self.minted += n
        self.free[buyer.address] += n

    @rule(data=st.data(), ttl=st.sampled_from([HOUR, DAY]))
    def open_channel(self, data, ttl):
        users = [u for u in self.users if self.free[u.address] > 0]
        if not users:
            return
        user = data.draw(st.sampled_from(users), label="consumer")
        n = data.draw(st.integers(1, self.free[user.address]), label="n")
        expiry = self._now() + ttl
        tx = self.credits.openChannel(self.model_id, self.gateway, n, expiry, sender=user)
        cid = tx.decode_logs(self.credits.ChannelOpened)[0].channelId
        self.free[user.address] -= n
        self.channels[cid] = dict(consumer=user, deposit=n, settled=0, expiry=expiry, closed=False)

    @rule(data=st.data(), used=st.integers(0, 60))
    def settle_signed_receipt(self, data, used):
        now = self._now()
        live = self._live(lambda c: now < c["expiry"] + GRACE - MARGIN)
        if not live:
            return
        cid = data.draw(st.sampled_from(live), label="channel")
        c = self.channels[cid]
        cumulative = c["settled"] + used  # may exceed the deposit: capped on chain
        receipt = Receipt(cid, cumulative, c["expiry"] + GRACE + DAY)
        args = sign_receipt(self.domain, receipt, c["consumer"]).settle_args()
        self.credits.settle([args], sender=self.gateway)
        delta = min(cumulative, c["deposit"]) - c["settled"]
        c["settled"] += delta
        self.consumed += delta
        self._router_paid(delta * CREDIT_VALUE)
        assert self.credits.channel(cid).settled == c["settled"]

    @rule(data=st.data())
    def close_channel_after_grace(self, data):
        live = self._live(lambda c: True)
        if not live:
            return
        cid = data.draw(st.sampled_from(live), label="channel")
        c = self.channels[cid]
        if self._now() < c["expiry"] + GRACE:
            self.chain.mine(timestamp=c["expiry"] + GRACE)
        self.credits.closeChannel(cid, sender=c["consumer"])
        self.free[c["consumer"].address] += c["deposit"] - c["settled"]
        c["closed"] = True

    @rule(data=st.data())
    def redeem_credits(self, data):
        users = [u for u in self.users if self.free[u.address] > 0]
        if not users:
            return
        user = data.draw(st.sampled_from(users), label="holder")
        n = data.draw(st.integers(1, self.free[user.address]), label="n")
        before = user.balance
        tx = self.credits.redeem(self.model_id, n, user, sender=user)
        assert user.balance == before + n * CREDIT_VALUE - tx.total_fees_paid
        self.free[user.address] -= n
        self.redeemed += n

    @rule(who=st.integers(0, 2), amount=st.integers(1, 10**18))
    def pay_router_directly(self, who, amount):
        self.router.pay(self.model_id, amount, value=amount, sender=self.users[who])
        self._router_paid(amount)

    @rule()
    def contributor_claims(self):
        tx = self.router.claim([self.model_id], sender=self.contributor)
        self.contributor_claimed += tx.return_value

    @rule()
    def treasury_fees_claimed(self):
        tx = self.router.claimFees(ZERO_ADDRESS, sender=self.users[0])
        self.fees_claimed += tx.return_value

    @rule(frm=st.integers(0, 2), to=st.integers(0, 2), pct=st.integers(0, 100))
    def transfer_shares(self, frm, to, pct):
        sender = self.holders[frm]
        amount = self.shares.balanceOf(sender) * pct // 100
        self.shares.transfer(self.holders[to], amount, sender=sender)

    @rule(who=st.integers(0, 2))
    def holder_claims_shares_revenue(self, who):
        self.shares.claim(sender=self.holders[who])

    @rule(seconds=st.sampled_from([10 * 60, 6 * HOUR, DAY + HOUR, 20 * DAY]))
    def time_passes(self, seconds):
        self.chain.mine(deltatime=seconds)

    # ------------------------------------------------------------------ invariants

    def _holders_total(self):
        return sum(self.shares.claimedOf(h) + self.shares.claimable(h) for h in self.holders)

    @invariant()
    def router_eth_balance_equals_liabilities(self):
        liabilities = self.router.liabilities(ZERO_ADDRESS)
        assert self.router.balance == liabilities
        holders_claimed = sum(self.shares.claimedOf(h) for h in self.holders)
        out = self.fees_claimed + self.contributor_claimed + holders_claimed
        assert liabilities == self.paid_in - out
        assert self.router.feesOwed(ZERO_ADDRESS) == self.fees - self.fees_claimed
        assert self.shares.balance == 0  # the router pays holders directly

    @invariant()
    def credits_escrow_equals_value_of_outstanding_credits(self):
        locked = sum(c["deposit"] - c["settled"] for c in self.channels.values() if not c["closed"])
        outstanding = self.minted - self.consumed - self.redeemed
        assert outstanding == sum(self.free.values()) + locked
        assert self.credits.escrowOf(self.model_id) == outstanding * CREDIT_VALUE
        assert self.credits.balance == outstanding * CREDIT_VALUE
        m = self.credits.modelCredits(self.model_id)
        assert (m.minted, m.consumed, m.redeemed) == (self.minted, self.consumed, self.redeemed)

    @invariant()
    def eth_paid_in_equals_fees_plus_recipients_accrued_plus_shares_plus_bounded_dust(self):
        contributor = self.contributor_claimed + self.router.claimable(
            self.model_id, self.contributor
        )
        to_shares = self.shares.totalRevenue()
        dust = self.paid_in - self.fees - contributor - to_shares
        note(f"in={self.paid_in} fees={self.fees} contrib={contributor} shares={to_shares}")
        assert 0 <= dust <= 2 * self.router_payments + 1
        # The shares never hand out more than they received, and at most one wei per holder
        # and payment less.
        holders = self._holders_total()
        assert to_shares - len(self.holders) * (self.router_payments + 1) <= holders <= to_shares

    @invariant()
    def no_holder_ever_loses_share_revenue(self):
        for h in self.holders:
            total = self.shares.claimedOf(h) + self.shares.claimable(h)
            assert total >= self.last_holder_total.get(h.address, 0)
            self.last_holder_total[h.address] = total

    @invariant()
    def license_expiry_matches_model_and_never_decreases(self):
        for license_id, expiry in self.licenses.items():
            assert self.manager.license(license_id).expiry == expiry


def test_protocol_machine(env, chain):
    ProtocolMachine.env = env
    ProtocolMachine.chain = chain
    run_state_machine_as_test(ProtocolMachine)
