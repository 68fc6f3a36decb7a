"""Cross-module stateful conservation test: registry + LicenseManager + UsageCredits +
RevenueRouter + ModelShares around one model, priced in ETH (ProtocolMachine, XMOD-01..06) or in
an allow-listed 6-decimal ERC-20 (TokenProtocolMachine, XMOD-07).

The model sells a 30-day license and usage credits; its revenue split is a ModelShares token
(weight 3, three holders) and a contributor EOA (weight 1); the router takes a 5 % fee.
Rules buy and renew licenses, buy / open (from held credits, paid in one transaction, or
gasless: the gateway relays the consumer's signed intent and ERC-3009 authorization, token
model) / settle (charged) / sweep / close (after grace, or cooperatively at once) / redeem
credits, pay the router directly, claim from the router, transfer and
claim and sync shares (share revenue unlocks over a day), claim fees and warp time.
Ghost totals in Python are compared with the chain after every step (PROPERTIES.md XMOD-xx).
Both machines share every rule and check (`_ProtocolRules`); they differ only in the payment
asset, the amounts, and the invariant names, which state the sentence for their asset.
"""

import pytest
from ape.utils import ZERO_ADDRESS
from channel_ghosts import GRACE, ChannelGhosts
from eth_account import Account
from fixtures.channels import opened
from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from modelmint.client.gasless import gasless_open, token_domain
from modelmint.deploy.models import register_model
from modelmint.deploy.protocol import deploy_protocol
from modelmint.receipts import (
    CooperativeClose,
    Receipt,
    ReceiptDomain,
    sign_receipt,
    sign_struct,
)
from modelmint.structs import OfferParams

BPS = 10_000
FEE = 500
HOUR = 3600
DAY = 86_400
CREDIT_VALUE = 10**12
PRICE = 10**16
LICENSE_DURATION = 30 * DAY


def _wire_model(project, registry, router, factory, asset, price, credit_value, actors):
    """Registers a model priced in `asset` and connects it to every module: a 30-day offer at
    `price`, credits worth `credit_value` each, a gateway, and a split of shares (weight 3, three
    holders of 1e18 each) and a contributor (weight 1). Returns the machine's environment."""
    a = actors
    p = deploy_protocol(
        project,
        a["deployer"],
        only=("licenses", "credits"),
        deployed={"registry": registry, "router": router},
    )
    credits, manager = p.credits, p.licenses
    model_id, _ = register_model(
        registry,
        a["model_owner"],
        b"\x33" * 32,
        "ipfs://v1",
        "m",
        asset=asset,
        gateways=[a["gateway"]],
    )
    credits.enableCredits(model_id, credit_value, sender=a["model_owner"])
    offer = OfferParams(
        model_id,
        price,
        LICENSE_DURATION,
        commercial=True,
        terms_uri="ipfs://t",
        terms_hash=b"\x44" * 32,
    )
    offer_id = manager.createOffer(offer, sender=a["model_owner"]).return_value
    holder, consumer, licensee = a["holder"], a["consumer"], a["licensee"]
    tx = factory.createShares(
        model_id, "M Shares", "MS", 3 * 10**18, holder, sender=a["model_owner"]
    )
    shares = project.ModelShares.at(tx.decode_logs(factory.SharesCreated)[0].shares)
    shares.transfer(consumer, 10**18, sender=holder)
    shares.transfer(licensee, 10**18, sender=holder)
    router.setRecipients(model_id, [shares, a["contributor"]], [3, 1], sender=a["model_owner"])
    return dict(
        asset=asset,
        registry=registry,
        router=router,
        credits=credits,
        manager=manager,
        shares=shares,
        model_id=model_id,
        offer_id=offer_id,
        gateway=a["gateway"],
        treasury=a["treasury"],
        contributor=a["contributor"],
        holders=[holder, consumer, licensee],
        users=[consumer, licensee, holder],
        domain=ReceiptDomain.from_contract(credits),
    )


@pytest.fixture(scope="module")
def actors(deployer, model_owner, gateway, treasury, holder, contributor, consumer, licensee):
    return dict(
        deployer=deployer,
        model_owner=model_owner,
        gateway=gateway,
        treasury=treasury,
        holder=holder,
        contributor=contributor,
        consumer=consumer,
        licensee=licensee,
    )


@pytest.fixture(scope="module")
def env(project, actors, deployer, treasury):
    p = deploy_protocol(
        project, deployer, only=("shares_factory",), treasury=treasury, protocol_fee_bps=FEE
    )
    registry, router, factory = p.registry, p.router, p.shares_factory
    return _wire_model(
        project, registry, router, factory, ZERO_ADDRESS, PRICE, CREDIT_VALUE, actors
    )


class _ProtocolRules(ChannelGhosts, RuleBasedStateMachine):
    """Rules, ghost state and checks shared by the ETH and the ERC-20 machine. Subclasses set the
    amounts and state the invariants (PROPERTIES.md cites them by name)."""

    env = None  # set by the test
    chain = None
    PRICE = PRICE
    CREDIT_VALUE = CREDIT_VALUE
    MAX_PAYMENT = 10**18  # largest direct router payment

    def __init__(self):
        super().__init__()
        self.snapshot = self.chain.snapshot()
        self.pending = self.chain.pending_timestamp
        for key, value in self.env.items():
            setattr(self, key, value)
        self.token = None if self.asset == ZERO_ADDRESS else self.env["token"]
        # ghost totals (smallest asset unit unless noted)
        self.paid_in = 0  # value that reached the router through any path
        self.router_payments = 0  # number of router.pay calls (each may leave < 1 unit per split)
        self.fees = 0
        self.fees_claimed = 0
        self.contributor_claimed = 0
        self.minted = self.consumed = self.redeemed = self.swept = 0  # credits
        self.free = {u.address: 0 for u in self.users}  # free credits per user
        self.channels = {}  # id -> dict(consumer, deposit, settled, expiry, closed)
        self.salts = {}  # consumer address -> the salt of its next channel
        self.licenses = {}  # id -> expected expiry
        self.last_holder_total = {}
        # every account that pays in or is paid out: expected asset balance (token machine only;
        # ETH balances also move by gas)
        self.actors = [*self.users, self.contributor, self.treasury]
        self.expected = {a.address: self._balance_of(a) for a in self.actors}
        self.initial_total = sum(self.expected.values())

    def teardown(self):
        self.chain.restore(self.snapshot)
        self.chain.pending_timestamp = self.pending

    # ------------------------------------------------------------------ helpers

    def _balance_of(self, account):
        return account.balance if self.token is None else self.token.balanceOf(account)

    def _value(self, amount):
        """Call kwargs that pay `amount`: msg.value for ETH, nothing for a token (pulled)."""
        return {"value": amount} if self.token is None else {}

    def _gas(self, tx):
        """What a transaction cost its sender in the model's asset."""
        return tx.total_fees_paid if self.token is None else 0

    def _moved(self, account, amount):
        self.expected[account.address] += amount

    def _router_paid(self, amount):
        if amount == 0:
            return
        self.paid_in += amount
        self.fees += amount * FEE // BPS
        self.router_payments += 1

    def _locked(self, account=None):
        return sum(
            c["deposit"] - c["settled"]
            for c in self.channels.values()
            if not c["closed"] and (account is None or c["consumer"].address == account.address)
        )

    # ------------------------------------------------------------------ rules

    @initialize()
    def a_user_holds_a_license(self):
        self.buy_license(0)

    @initialize(who=st.integers(0, 2), n=st.integers(1, 100), ttl=st.sampled_from([HOUR, DAY]))
    def a_user_holds_credits_and_an_open_channel(self, who, n, ttl):
        # Without a live channel at the start, short runs rarely reach a settlement.
        self.buy_credits(who, n)
        user = self.users[who]
        self._open(user, self.free[user.address], ttl)

    @rule(who=st.integers(0, 2))
    def buy_license(self, who):
        buyer = self.users[who]
        price = self.PRICE
        tx = self.manager.purchase(self.offer_id, buyer, price, sender=buyer, **self._value(price))
        self.licenses[tx.return_value] = tx.timestamp + LICENSE_DURATION
        self._moved(buyer, -price)
        self._router_paid(price)

    @rule(data=st.data())
    def renew_license(self, data):
        license_id = data.draw(st.sampled_from(sorted(self.licenses)), label="license")
        payer = data.draw(st.sampled_from(self.users), label="payer")
        price = self.PRICE
        tx = self.manager.renew(license_id, price, sender=payer, **self._value(price))
        previous = self.licenses[license_id]
        self.licenses[license_id] = max(tx.timestamp, previous) + LICENSE_DURATION
        assert self.licenses[license_id] > previous  # expiry only ever moves forward
        assert tx.return_value == self.licenses[license_id]
        self._moved(payer, -price)
        self._router_paid(price)

    @rule(who=st.integers(0, 2), n=st.integers(1, 100))
    def buy_credits(self, who, n):
        buyer = self.users[who]
        cost = n * self.CREDIT_VALUE
        self.credits.buyCredits(self.model_id, n, buyer, sender=buyer, **self._value(cost))
        self.minted += n
        self.free[buyer.address] += n
        self._moved(buyer, -cost)

    def _next_salt(self, user):
        salt = self.salts.get(user.address, 0)
        self.salts[user.address] = salt + 1
        return salt

    def _open(self, user, n, ttl, paid=False):
        expiry = self._now() + ttl
        salt = self._next_salt(user)
        if paid:  # pays the asset straight into the channel (one transaction)
            cost = n * self.CREDIT_VALUE
            tx = self.credits.buyAndOpenChannel(
                self.model_id, self.gateway, salt, n, expiry, sender=user, **self._value(cost)
            )
            self.minted += n
            self._moved(user, -cost)
        else:
            tx = self.credits.openChannel(self.model_id, self.gateway, salt, n, expiry, sender=user)
            self.free[user.address] -= n
        self._opened(tx, user, n, expiry)

    def _opened(self, tx, user, n, expiry):
        cid = opened(self.credits, tx)
        assert cid.terms.consumer == user.address
        self.channels[cid] = dict(consumer=user, deposit=n, settled=0, expiry=expiry, closed=False)

    @rule(who=st.integers(0, 2), n=st.integers(1, 100), ttl=st.sampled_from([HOUR, DAY]))
    def buy_and_open_channel(self, who, n, ttl):
        self._open(self.users[who], n, ttl, paid=True)

    def _token_priced(self):
        return self.token is not None

    @precondition(_token_priced)
    @rule(who=st.integers(0, 2), n=st.integers(1, 100), ttl=st.sampled_from([HOUR, DAY]))
    def gateway_relays_gasless_open(self, who, n, ttl):
        """The gateway submits the consumer's signed intent and ERC-3009 authorization: the
        consumer pays, the channel is the consumer's, and the pair opens it once."""
        user = self.users[who]
        opening = gasless_open(
            self.domain,
            token_domain(self.chain.chain_id, self.token.address, self.token.name()),
            Account.from_key(user.private_key),
            model_id=self.model_id,
            gateway=self.gateway.address,
            credits=n,
            credit_value=self.CREDIT_VALUE,
            expiry=self._now() + ttl,
            deadline=self._now() + HOUR,
            salt=self._next_salt(user),
        )
        tx = self.credits.openChannelWithAuthorization(*opening.call_args(), sender=self.gateway)
        self.minted += n
        self._moved(user, -n * self.CREDIT_VALUE)
        self._opened(tx, user, n, opening.intent.expiry)

    def _has_free_credits(self):
        return any(self.free.values())

    def _has_live_channel(self):
        return any(not c["closed"] for c in self.channels.values())

    @precondition(_has_free_credits)
    @rule(data=st.data(), ttl=st.sampled_from([HOUR, DAY]))
    def open_channel(self, data, ttl):
        users = [u for u in self.users if self.free[u.address] > 0]
        user = data.draw(st.sampled_from(users), label="consumer")
        n = data.draw(st.integers(1, self.free[user.address]), label="n")
        self._open(user, n, ttl)

    @precondition(_has_live_channel)
    @rule(data=st.data(), used=st.integers(0, 60))
    def settle_signed_receipt(self, data, used):
        if not (drawn := self._draw_settleable(data)):
            return
        cid, c = drawn
        cumulative = c["settled"] + used  # may exceed the deposit: capped on chain
        receipt = Receipt(cid, cumulative, c["expiry"] + GRACE + DAY)
        # Dynamic pricing: the gateway charges anything up to the signed ceiling.
        charged = data.draw(st.integers(0, cumulative), label="charged")
        signed = sign_receipt(self.domain, receipt, c["consumer"])
        args = signed.settle_args(cid.terms, charged=charged)
        self.credits.settle([args], sender=self.gateway)
        delta = max(min(charged, c["deposit"]) - c["settled"], 0)
        c["settled"] += delta
        self.consumed += delta  # recorded only: the value reaches the router with a sweep
        assert self.credits.channel(cid).settled == c["settled"]

    @rule(who=st.integers(0, 2))
    def anyone_sweeps_settled_revenue(self, who):
        tx = self.credits.sweep(self.model_id, sender=self.users[who])
        amount = (self.consumed - self.swept) * self.CREDIT_VALUE
        assert tx.return_value == amount
        self.swept = self.consumed
        self._router_paid(amount)

    @precondition(_has_live_channel)
    @rule(data=st.data())
    def close_channel_after_grace(self, data):
        live = self._live(lambda c: True)
        cid = data.draw(st.sampled_from(live), label="channel")
        c = self.channels[cid]
        if self._now() < c["expiry"] + GRACE:
            self.chain.mine(timestamp=c["expiry"] + GRACE)
        self.credits.closeChannel(cid.args, sender=c["consumer"])
        self.free[c["consumer"].address] += c["deposit"] - c["settled"]
        c["closed"] = True

    @precondition(_has_live_channel)
    @rule(data=st.data())
    def close_channel_cooperatively(self, data):
        """One party submits the other's CooperativeClose at a charge between what is settled
        and the deposit: the charge settles, the rest is paid to the consumer at once."""
        live = self._live(lambda c: True)
        cid = data.draw(st.sampled_from(live), label="channel")
        c = self.channels[cid]
        charged = data.draw(st.integers(c["settled"], c["deposit"]), label="charged")
        consumer = c["consumer"]
        by_gateway = data.draw(st.booleans(), label="the gateway submits")
        signer, sender = (consumer, self.gateway) if by_gateway else (self.gateway, consumer)
        signature = sign_struct(self.domain, CooperativeClose(cid, charged), signer)
        before = self._balance_of(consumer)
        tx = self.credits.closeChannelCooperatively(cid.args, charged, signature, sender=sender)
        refund = c["deposit"] - charged
        assert tx.return_value == refund
        gas = 0 if by_gateway else self._gas(tx)
        assert self._balance_of(consumer) == before + refund * self.CREDIT_VALUE - gas
        self.consumed += charged - c["settled"]
        self.redeemed += refund
        self._moved(consumer, refund * self.CREDIT_VALUE)
        c["settled"] = charged
        c["closed"] = True

    @precondition(_has_free_credits)
    @rule(data=st.data())
    def redeem_credits(self, data):
        users = [u for u in self.users if self.free[u.address] > 0]
        user = data.draw(st.sampled_from(users), label="holder")
        n = data.draw(st.integers(1, self.free[user.address]), label="n")
        before = self._balance_of(user)
        tx = self.credits.redeem(self.model_id, n, user, sender=user)
        assert self._balance_of(user) == before + n * self.CREDIT_VALUE - self._gas(tx)
        self.free[user.address] -= n
        self.redeemed += n
        self._moved(user, n * self.CREDIT_VALUE)

    @rule(who=st.integers(0, 2), data=st.data())
    def pay_router_directly(self, who, data):
        amount = data.draw(st.integers(1, self.MAX_PAYMENT), label="amount")
        payer = self.users[who]
        self.router.pay(self.model_id, amount, sender=payer, **self._value(amount))
        self._moved(payer, -amount)
        self._router_paid(amount)

    @rule()
    def contributor_claims(self):
        tx = self.router.claim([self.model_id], sender=self.contributor)
        self.contributor_claimed += tx.return_value
        self._moved(self.contributor, tx.return_value)

    @rule()
    def treasury_fees_claimed(self):
        tx = self.router.claimFees(self.asset, sender=self.users[0])
        self.fees_claimed += tx.return_value
        self._moved(self.treasury, tx.return_value)

    @rule(frm=st.integers(0, 2), to=st.integers(0, 2), pct=st.integers(0, 100))
    def transfer_shares(self, frm, to, pct):
        sender = self.holders[frm]
        amount = self.shares.balanceOf(sender) * pct // 100
        self.shares.transfer(self.holders[to], amount, sender=sender)

    @rule(who=st.integers(0, 2))
    def holder_claims_shares_revenue(self, who):
        holder = self.holders[who]
        tx = self.shares.claim(sender=holder)
        self._moved(holder, tx.return_value)

    @rule(who=st.integers(0, 2))
    def anyone_syncs_shares_revenue(self, who):
        self.shares.sync(sender=self.users[who])  # starts unlocking what waits at the router

    @rule(seconds=st.sampled_from([10 * 60, 6 * HOUR, DAY + HOUR, 20 * DAY]))
    def time_passes(self, seconds):
        self.chain.mine(deltatime=seconds)

    # ------------------------------------------------------------------ checks

    def _holders_total(self):
        return sum(self.shares.claimedOf(h) + self.shares.claimable(h) for h in self.holders)

    def _shares_not_unlocked(self):
        """Share revenue the holders get as it unlocks: still locked, or at the router and not
        observed by the token yet."""
        unobserved = self.shares.totalRevenue() - self.shares.observedRevenue()
        return self.shares.lockedRevenue() + unobserved

    def _check_router_balance_equals_liabilities(self):
        liabilities = self.router.liabilities(self.asset)
        assert self._balance_of(self.router) == liabilities
        holders_claimed = sum(self.shares.claimedOf(h) for h in self.holders)
        out = self.fees_claimed + self.contributor_claimed + holders_claimed
        assert liabilities == self.paid_in - out
        assert self.router.feesOwed(self.asset) == self.fees - self.fees_claimed
        assert self._balance_of(self.shares) == 0  # the router pays holders directly
        assert self._balance_of(self.manager) == 0  # license payments are forwarded at once

    def _check_credits_escrow_equals_value_of_outstanding_credits(self):
        outstanding = self.minted - self.consumed - self.redeemed
        assert outstanding == sum(self.free.values()) + self._locked()
        assert self.credits.escrowOf(self.model_id) == outstanding * self.CREDIT_VALUE
        pending = (self.consumed - self.swept) * self.CREDIT_VALUE
        assert self.credits.pendingRevenue(self.model_id) == pending
        assert self._balance_of(self.credits) == outstanding * self.CREDIT_VALUE + pending
        m = self.credits.modelCredits(self.model_id)
        assert (m.minted, m.consumed, m.redeemed) == (self.minted, self.consumed, self.redeemed)

    def _check_paid_in_equals_fees_plus_recipients_accrued_plus_shares_plus_bounded_dust(self):
        contributor = self.contributor_claimed + self.router.claimable(
            self.model_id, self.contributor
        )
        to_shares = self.shares.totalRevenue()
        dust = self.paid_in - self.fees - contributor - to_shares
        note(f"in={self.paid_in} fees={self.fees} contrib={contributor} shares={to_shares}")
        assert 0 <= dust <= 2 * self.router_payments + 1
        # The shares never hand out more than they received, and at most one unit per holder
        # and payment less: what is not the holders' yet is still locked or not observed yet.
        holders = self._holders_total() + self._shares_not_unlocked()
        assert to_shares - len(self.holders) * (self.router_payments + 1) <= holders <= to_shares

    def _check_no_holder_ever_loses_share_revenue(self):
        for h in self.holders:
            total = self.shares.claimedOf(h) + self.shares.claimable(h)
            assert total >= self.last_holder_total.get(h.address, 0)
            self.last_holder_total[h.address] = total

    def _check_license_expiry_matches_model(self):
        for license_id, expiry in self.licenses.items():
            assert self.manager.license(license_id).expiry == expiry


class ProtocolMachine(_ProtocolRules):
    """One ETH-priced model (XMOD-01..06)."""

    @invariant()
    def router_eth_balance_equals_liabilities(self):
        self._check_router_balance_equals_liabilities()

    @invariant()
    def credits_escrow_equals_value_of_outstanding_credits(self):
        self._check_credits_escrow_equals_value_of_outstanding_credits()

    @invariant()
    def eth_paid_in_equals_fees_plus_recipients_accrued_plus_shares_plus_bounded_dust(self):
        self._check_paid_in_equals_fees_plus_recipients_accrued_plus_shares_plus_bounded_dust()

    @invariant()
    def no_holder_ever_loses_share_revenue(self):
        self._check_no_holder_ever_loses_share_revenue()

    @invariant()
    def license_expiry_matches_model_and_never_decreases(self):
        self._check_license_expiry_matches_model()


def test_protocol_machine(env, chain):
    ProtocolMachine.env = env
    ProtocolMachine.chain = chain
    run_state_machine_as_test(ProtocolMachine)


# ---------------------------------------------------------------------- ERC-20-priced model

TOKEN_DECIMALS = 6
TOKEN_PRICE = 25 * 10**TOKEN_DECIMALS  # 25 units a license
TOKEN_CREDIT_VALUE = 1_003  # odd on purpose: fee and split rounding leave dust every settle
TOKEN_FUNDING = 10**9 * 10**TOKEN_DECIMALS  # per actor, far above what a run can spend


@pytest.fixture(scope="module")
def usd6(project, deployer):
    """A 6-decimal ERC-20 with ERC-3009 authorizations (USDC-like, for gasless opens), minted
    and approved per actor by `token_env`."""
    return project.AuthorizedERC20.deploy("Mock USD6", "mUSD6", TOKEN_DECIMALS, sender=deployer)


@pytest.fixture(scope="module")
def token_env(project, actors, deployer, registry, router, shares_factory, fund, usd6):
    assert router.feeBps() == FEE  # the ghost fee arithmetic assumes it
    # conftest_revenue's registry allow-lists its own tokens; governance (the deployer) adds ours.
    registry.setPaymentTokenAllowed(usd6, True, sender=deployer)
    env = _wire_model(
        project,
        registry,
        router,
        shares_factory,
        usd6.address,
        TOKEN_PRICE,
        TOKEN_CREDIT_VALUE,
        actors,
    )
    for user in env["users"]:
        fund(user, TOKEN_FUNDING, erc20=usd6)  # mints and approves the router
        usd6.approve(env["manager"], 2**256 - 1, sender=user)
        usd6.approve(env["credits"], 2**256 - 1, sender=user)
    return dict(env, token=usd6)


class TokenProtocolMachine(_ProtocolRules):
    """The same rules on a model priced in an allow-listed 6-decimal ERC-20 (XMOD-07)."""

    PRICE = TOKEN_PRICE
    CREDIT_VALUE = TOKEN_CREDIT_VALUE
    MAX_PAYMENT = 10**4 * 10**TOKEN_DECIMALS

    @invariant()
    def router_token_balance_equals_token_liabilities(self):
        self._check_router_balance_equals_liabilities()

    @invariant()
    def credits_token_balance_equals_value_of_outstanding_credits(self):
        self._check_credits_escrow_equals_value_of_outstanding_credits()

    @invariant()
    def token_paid_in_equals_fees_plus_recipients_accrued_plus_shares_plus_bounded_dust(self):
        self._check_paid_in_equals_fees_plus_recipients_accrued_plus_shares_plus_bounded_dust()

    @invariant()
    def no_holder_ever_loses_token_share_revenue(self):
        self._check_no_holder_ever_loses_share_revenue()

    @invariant()
    def token_license_expiry_matches_model_and_never_decreases(self):
        self._check_license_expiry_matches_model()

    @invariant()
    def every_actor_token_balance_plus_protocol_debt_is_conserved(self):
        """Each actor's token balance is exactly funding - paid in + withdrawn; adding what the
        protocol owes each actor (free and locked credits, router accrual, fees, share revenue)
        gives back the total funding minus rounding dust the router and shares keep, which is
        bounded: no token is created or lost."""
        owed_total = 0
        for a in self.actors:
            balance = self._balance_of(a)
            assert balance == self.expected[a.address], a
            owed = (self.free.get(a.address, 0) + self._locked(a)) * self.CREDIT_VALUE
            owed += self.router.claimable(self.model_id, a)
            if a.address in {h.address for h in self.holders}:
                owed += self.shares.claimable(a)
            if a.address == self.treasury.address:
                owed += self.router.feesOwed(self.asset)
            owed_total += balance + owed
        # Settled revenue not yet swept is owed to the model's revenue recipients, share revenue
        # not unlocked yet to the holders.
        owed_total += self.credits.pendingRevenue(self.model_id) + self._shares_not_unlocked()
        dust = self.initial_total - owed_total
        note(f"initial={self.initial_total} held+owed={owed_total} dust={dust}")
        bound = 2 * self.router_payments + 1 + len(self.holders) * (self.router_payments + 1)
        assert 0 <= dust <= bound


def test_token_protocol_machine(token_env, chain):
    TokenProtocolMachine.env = token_env
    TokenProtocolMachine.chain = chain
    run_state_machine_as_test(TokenProtocolMachine)
