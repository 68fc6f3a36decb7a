"""The operations the gas benchmark measures, each group a method of :class:`Bench` that
records full transaction gas (or gas per channel / per call) in ``self.gas``."""

from __future__ import annotations

from eth_account import Account
from eth_utils import keccak

from modelmint.client.gasless import close_signature, gasless_open, token_domain
from modelmint.constants import DAY, HOUR, UNIT
from modelmint.deploy.models import register_model
from modelmint.dev.gasbench_world import (
    ETH_CREDIT_VALUE,
    PRICE,
    TOKEN_CREDIT_VALUE,
    BenchWorld,
    _addr,
)
from modelmint.receipts import Receipt, sign_struct
from modelmint.structs import OfferParams


class Bench(BenchWorld):
    """The benchmark world plus one method per group of measured operations."""

    # ------------------------------------------------------------------ operations
    def registry_and_licenses(self):
        # An owner's first model: a fresh account, so its ERC-721 balance slot is new.
        newcomer = self.fresh()
        first = register_model(self.registry, newcomer, b"\x22" * 32, "ipfs://v1", "ipfs://meta")
        self.gas["register_model"] = first.receipt.gas_used
        model, reg = register_model(
            self.registry, self.owner, b"\x22" * 32, "ipfs://v1", "ipfs://meta"
        )
        self.gas["register_model_repeat"] = reg.gas_used
        self.gas["publish_version"] = self.registry.publishVersion(
            model, b"\x33" * 32, "ipfs://v2", sender=self.owner
        ).gas_used
        params = OfferParams(
            model,
            PRICE,
            30 * DAY,
            commercial=True,
            terms_uri="ipfs://terms",
            terms_hash=b"\x44" * 32,
        )
        self.licenses.createOffer(params, sender=self.owner)  # first offer: warm
        tx = self.licenses.createOffer(params, sender=self.owner)
        self.gas["create_offer"] = tx.gas_used
        offer = tx.return_value
        self.licenses.purchase(offer, self.user, PRICE, value=PRICE, sender=self.user)  # warm
        buyer = self.fresh()
        tx = self.licenses.purchase(offer, buyer, PRICE, value=PRICE, sender=buyer)
        self.gas["purchase_license"] = tx.gas_used
        license_id = tx.return_value
        self.gas["renew_license"] = self.licenses.renew(
            license_id, PRICE, value=PRICE, sender=buyer
        ).gas_used

    def credits_ops(self):
        self.buy(self.user, 1)  # the model already has credits outstanding
        fresh = self.fresh()
        self.gas["buy_credits_first"] = self.buy(fresh, 100).gas_used
        self.gas["buy_credits_topup"] = self.buy(fresh, 50).gas_used
        self.gas["redeem_credits"] = self.credits.redeem(
            self.model, 50, fresh, sender=fresh
        ).gas_used
        self.buy(self.consumer, 1_000)
        self.open_channel(1)  # not the model's first channel
        tx, cid, expiry = self.open_channel(100)
        self.gas["open_channel"] = tx.gas_used
        self.credits.settle([self.sign(cid, 10, expiry)], sender=self.gateway)
        self.credits.sweep(self.model, sender=self.user)  # the model's first sweep
        # Settled credits from earlier settlements wait for the next sweep (anyone may send it).
        self.credits.settle([self.sign(cid, 20, expiry)], sender=self.gateway)
        self.gas["sweep_revenue"] = self.credits.sweep(self.model, sender=self.user).gas_used
        self.chain.pending_timestamp = expiry + DAY + 1  # past expiry and grace
        self.gas["close_channel"] = self.credits.closeChannel(
            cid.as_args(), sender=self.consumer
        ).gas_used

    def funded_channels(self):
        """A consumer's first paid step: one transaction from nothing to a funded channel."""
        expiry = self.chain.pending_timestamp + HOUR
        value = 10 * ETH_CREDIT_VALUE
        # Not the model's first one-transaction channel (a live model).
        salt = self.salt(self.user, self.model)
        self.credits.buyAndOpenChannel(
            self.model, self.gateway, salt, 10, expiry, value=value, sender=self.user
        )
        newcomer = self.fresh()
        terms = self.terms(newcomer, self.model)  # salt 0: its first channel
        tx = self.credits.buyAndOpenChannel(
            self.model,
            self.gateway,
            terms.salt,
            100,
            expiry,
            value=100 * ETH_CREDIT_VALUE,
            sender=newcomer,
        )
        self.gas["buy_and_open_channel"] = tx.gas_used
        self.gas["buy_and_top_up_channel"] = self.credits.buyAndTopUpChannel(
            terms.as_args(), 50, expiry, value=50 * ETH_CREDIT_VALUE, sender=newcomer
        ).gas_used
        # ERC-20: the contract already holds the token (earlier buyers); the newcomer holds
        # tokens and has set its allowance (a separate, one-off approve).
        warm = self.fresh()
        for who in (warm, newcomer):
            self.token.mint(who, 10**12, sender=who)
            self.token.approve(self.credits, 2**256 - 1, sender=who)
        for who, credits in ((warm, 10), (newcomer, 100)):  # the newcomer's is measured
            salt = self.salt(who, self.token_model)
            tx = self.credits.buyAndOpenChannel(
                self.token_model, self.gateway, salt, credits, expiry, sender=who
            )
        self.gas["buy_and_open_channel_erc20"] = tx.gas_used

    def gasless_channels(self):
        """A consumer holding only USDC (no ETH): the gateway submits its signed intent and
        ERC-3009 authorization (a NEW consumer, the contract already holds USDC), settles one
        receipt, then submits the consumer's cooperative close (the rest refunded in USDC)."""
        warm, agent = Account.create(), Account.create()
        for who in (warm, agent):
            self.usdc.mint(who.address, 10**12, sender=self.deployer)
        self._open_gasless(warm, 10)
        tx, terms = self._open_gasless(agent, 100)
        self.gas["open_channel_gasless"] = tx.gas_used
        cid = terms.channel_id
        deadline = self.chain.pending_timestamp + HOUR
        signed = sign_struct(self.domain, Receipt(cid, 40, deadline), agent.key)
        settle = (terms.consumer, terms.model_id, terms.salt, 40, deadline, signed, 30)
        self.credits.settle([settle], sender=self.gateway)
        close = close_signature(self.domain, cid, 40, agent)
        self.gas["close_channel_cooperative"] = self.credits.closeChannelCooperatively(
            terms.as_args(), 40, close, sender=self.gateway
        ).gas_used

    def _open_gasless(self, agent, credits: int):
        now = self.chain.pending_timestamp
        opening = gasless_open(
            self.domain,
            token_domain(self.chain.chain_id, self.usdc.address, "USD Coin"),
            agent,
            model_id=self.usdc_model,
            gateway=self.gateway.address,
            credits=credits,
            credit_value=TOKEN_CREDIT_VALUE,
            expiry=now + HOUR,
            deadline=now + HOUR,
            salt=self.salt(agent.address, self.usdc_model),
        )
        tx = self.credits.openChannelWithAuthorization(*opening.call_args(), sender=self.gateway)
        return tx, opening.terms

    def settle_and_sweep(self) -> tuple[int, int]:
        """(one transaction, two transactions): one channel's receipt settled and the model's
        sweep of it by the gateway's `settleAndSweep` (one transaction), then the same on a
        second channel as `settle` followed by `sweep` (two transactions, their gas summed);
        each sweep pays only that settlement."""
        self.buy(self.consumer, 20)
        _, cid, expiry = self.open_channel(10)
        one = self.credits.settleAndSweep(
            [self.sign(cid, 5, expiry)], self.model, sender=self.gateway
        )
        _, cid, expiry = self.open_channel(10)
        settle = self.credits.settle([self.sign(cid, 5, expiry)], sender=self.gateway)
        sweep = self.credits.sweep(self.model, sender=self.user)
        return one.gas_used, settle.gas_used + sweep.gas_used

    def settle_batch(self, n: int) -> float:
        """Gas per channel of one settle of `n` receipts (each channel's first settle)."""
        self.buy(self.consumer, n * 10)
        ids, expiry = [], 0
        for _ in range(n):
            _, cid, expiry = self.open_channel(10)
            ids.append(cid)
        tx = self.credits.settle([self.sign(c, 5, expiry) for c in ids], sender=self.gateway)
        return tx.gas_used / n

    def per_call(self, calls: int) -> float:
        """Gas per metered call: one settle of a receipt covering `calls` calls (credits)."""
        self.buy(self.consumer, calls)
        _, cid, expiry = self.open_channel(calls)
        tx = self.credits.settle([self.sign(cid, calls, expiry)], sender=self.gateway)
        return tx.gas_used / calls

    def route(self, n_recipients: int) -> tuple[int, int]:
        """(pay gas, repeat claim gas) on a model with `n_recipients` equal-weight recipients."""
        model = self.register()
        others = [_addr(i) for i in range(n_recipients - 1)]
        recipients = [self.contributor.address, *others]
        self.router.setRecipients(model, recipients, [1] * n_recipients, sender=self.owner)
        self.router.pay(model, UNIT, value=UNIT, sender=self.user)  # warm-up
        self.router.claim([model], sender=self.contributor)
        pay = self.router.pay(model, UNIT, value=UNIT, sender=self.user)
        claim = self.router.claim([model], sender=self.contributor)
        return pay.gas_used, claim.gas_used

    def shares(self, n_holders: int) -> tuple[int, int]:
        """(repeat claim gas of a holder, quiet transfer gas) with `n_holders` share holders."""
        model = self.register()
        tx = self.shares_factory.createShares(
            model, "Model Shares", "MS", 10**24, self.holder, sender=self.owner
        )
        shares = self.project.ModelShares.at(
            tx.decode_logs(self.shares_factory.SharesCreated)[0].shares
        )
        self.router.setRecipients(model, [shares], [1], sender=self.owner)
        if n_holders > 1:
            shares.transfer(self.contributor, 10**21, sender=self.holder)
        for i in range(n_holders - 2):
            shares.transfer(_addr(i), 10**21, sender=self.holder)
        # Share revenue unlocks over UNLOCK_PERIOD once a claim observes it: two rounds of
        # pay, claim, wait bring the holder to the steady state the measured claim is in (it
        # pays the unlocked revenue and observes the new payment).
        for _ in range(2):
            self.router.pay(model, UNIT, value=UNIT, sender=self.user)
            shares.claim(sender=self.holder)
            self.chain.mine(timestamp=self.chain.blocks.head.timestamp + shares.UNLOCK_PERIOD())
        self.router.pay(model, UNIT, value=UNIT, sender=self.user)
        claim = shares.claim(sender=self.holder)
        recipient = self.contributor if n_holders > 1 else self.voter
        shares.transfer(recipient, 10**18, sender=self.holder)
        quiet = shares.transfer(recipient, 10**18, sender=self.holder)
        return claim.gas_used, quiet.gas_used

    def fractionalize(self):
        model = self.register()
        self.registry.approve(self.fractionalizer, model, sender=self.owner)
        tx = self.fractionalizer.fractionalize(
            model,
            ("Model Shares", "MS", self.owner, 1_000_000 * UNIT),
            (10, 100, 0, 10, DAY),
            ([], [], 8_000),
            [],
            sender=self.owner,
        )
        self.gas["fractionalize"] = tx.gas_used

    def governance(self):
        """A protocol proposal (flag a model in the registry) through the ProtocolGovernor."""
        governor, chain = self.gov.governor, self.chain
        chain.mine(timestamp=chain.blocks.head.timestamp + 2)
        target = self.register()  # a throwaway model: the benchmark model stays on sale
        calldata = bytes(self.registry.setFlagged.encode_input(target, True))
        args = ([self.registry.address], [0], [calldata])
        desc = "Flag model for the gas benchmark"
        tx = governor.propose(*args, desc, sender=self.holder)
        self.gas["propose"] = tx.gas_used
        pid = governor.hashProposal(*args, keccak(text=desc))
        chain.mine(timestamp=governor.proposalSnapshot(pid) + 1)
        governor.castVote(pid, 1, sender=self.holder)  # not the proposal's first vote
        self.gas["cast_vote"] = governor.castVote(pid, 1, sender=self.voter).gas_used
        chain.mine(timestamp=governor.proposalDeadline(pid) + 1)
        self.gas["queue"] = governor.queue(*args, keccak(text=desc), sender=self.user).gas_used
        chain.mine(timestamp=governor.proposalEta(pid) + 1)
        self.gas["execute"] = governor.execute(*args, keccak(text=desc), sender=self.user).gas_used
