"""The gas benchmark's world: the protocol deployed from the plan, governance with two
delegated voters, a warm ETH model and a warm ERC-20 model, and the OpenZeppelin baseline
contracts measured for comparison. The operations measured on it are in
:mod:`modelmint.dev.gasbench_ops`; the report in :mod:`modelmint.dev.gasbench`.
"""

from __future__ import annotations

from eth_utils import keccak

from modelmint.constants import DAY, ETH, HOUR, UNIT
from modelmint.credits import ChannelTerms
from modelmint.deploy.governance import GovernanceParams
from modelmint.deploy.models import register_model
from modelmint.deploy.protocol import deploy_protocol
from modelmint.dev.governance import delegate, deploy_protocol_governance
from modelmint.dev.roles import (
    CONSUMER,
    CONTRIBUTOR,
    DEPLOYER,
    GATEWAY,
    HOLDER,
    LICENSEE,
    MODEL_OWNER,
    OUTSIDER,
    TREASURY,
)
from modelmint.receipts import Receipt, ReceiptDomain, sign_receipt

FEE_BPS = 500
ETH_CREDIT_VALUE = 10**12  # wei per credit; one metered call = one credit
TOKEN_CREDIT_VALUE = 1_000  # token units (6 decimals) per credit
PRICE = 10**16  # license price (wei)


def _addr(i: int) -> str:
    return f"0x{0x10000 + i:040x}"


class BenchWorld:
    """The deployed protocol plus actors and the OpenZeppelin baselines, in the steady state
    the measured operations start from (:class:`modelmint.dev.gasbench_ops.Bench`)."""

    def __init__(self, project, accounts, chain, log=print):
        self.project, self.chain, self.log = project, chain, log
        acc = accounts
        self.deployer, self.owner, self.user = acc[DEPLOYER], acc[MODEL_OWNER], acc[LICENSEE]
        self.consumer, self.gateway, self.treasury = acc[CONSUMER], acc[GATEWAY], acc[TREASURY]
        self.holder, self.voter, self.contributor = acc[HOLDER], acc[OUTSIDER], acc[CONTRIBUTOR]
        self.accounts = accounts
        self.gas: dict[str, float] = {}
        self.base: dict[str, int] = {}
        self.salts: dict[tuple[str, int], int] = {}
        d = self.deployer
        self.gov = deploy_protocol_governance(
            project,
            d,
            GovernanceParams(
                token_name="Modelmint Governance",
                token_symbol="MMGOV",
                initial_supply=1_000_000,
                holder=str(self.holder.address),
                voting_delay_seconds=DAY,
                voting_period_seconds=7 * DAY,
                proposal_threshold=1_000,
                quorum_percent=4,
                timelock_min_delay_seconds=2 * DAY,
            ),
        )
        self.gov.token.transfer(self.voter, 300_000 * UNIT, sender=self.holder)
        for who in (self.holder, self.voter):
            delegate(self.gov.token, who, sender=who)
        self.token = project.MockERC20.deploy("Mock USD", "mUSD", 6, sender=d)
        # A token that checks ERC-3009 authorizations (as USDC), for the gasless channels.
        self.usdc = project.AuthorizedERC20.deploy("USD Coin", "USDC", 6, sender=d)
        # The rest of the protocol from the deploy plan, the registry handed to the timelock.
        p = deploy_protocol(
            project,
            d,
            only=("licenses", "credits", "fractionalizer", "registry"),
            deployed={
                "gov_token": self.gov.token,
                "timelock": self.gov.timelock,
                "governor": self.gov.governor,
            },
            admin="timelock",
            treasury=self.treasury,
            protocol_fee_bps=FEE_BPS,
            credits_uri="ipfs://credits/{id}",
            tokens=[self.token, self.usdc],
        )
        self.protocol = p
        self.registry, self.router, self.licenses = p.registry, p.router, p.licenses
        self.credits, self.shares_factory = p.credits, p.shares_factory
        self.fractionalizer = p.fractionalizer
        self.domain = ReceiptDomain.from_contract(self.credits)
        # Warm-up: a first model so every measured registration is a steady-state one.
        self.model = self.register()
        self.registry.setGateway(self.model, self.gateway, True, sender=self.owner)
        self.credits.enableCredits(self.model, ETH_CREDIT_VALUE, sender=self.owner)
        # The model's first revenue (router state initialised), as on a live model.
        self.router.pay(self.model, 10**15, value=10**15, sender=self.user)
        # An ERC-20-priced model with the same gateway, credits and a first sweep behind it.
        self.token_model = self.register(asset=self.token)
        self.registry.setGateway(self.token_model, self.gateway, True, sender=self.owner)
        self.credits.enableCredits(self.token_model, TOKEN_CREDIT_VALUE, sender=self.owner)
        self.usdc_model = self.register(asset=self.usdc)
        self.registry.setGateway(self.usdc_model, self.gateway, True, sender=self.owner)
        self.credits.enableCredits(self.usdc_model, TOKEN_CREDIT_VALUE, sender=self.owner)
        self._deploy_baselines()

    # ------------------------------------------------------------------ helpers
    def register(self, owner=None, asset=ETH):
        owner = owner or self.owner
        return register_model(
            self.registry, owner, b"\x11" * 32, "ipfs://v1", "ipfs://meta", asset=asset
        ).model_id

    def fresh(self):
        account = self.accounts.generate_test_account()
        self.deployer.transfer(account, 10 * UNIT)
        return account

    def sign(self, terms: ChannelTerms, cumulative: int, deadline: int):
        receipt = Receipt(terms.channel_id, cumulative, deadline)
        return sign_receipt(self.domain, receipt, self.consumer).settle_args(terms)

    def salt(self, consumer, model) -> int:
        """The consumer's next salt with the gateway and `model` (a client takes the lowest
        unused one, 0, 1, ...: small salts keep settle calldata cheap)."""
        key = (str(consumer), model)
        self.salts[key] = self.salts.get(key, -1) + 1
        return self.salts[key]

    def terms(self, consumer, model) -> ChannelTerms:
        """The terms of `consumer`'s next channel with the gateway for `model`."""
        return ChannelTerms(str(consumer), self.gateway.address, model, self.salt(consumer, model))

    def open_channel(self, credits: int, model=None):
        """Opens the consumer's next channel: (tx, its terms, expiry)."""
        model = self.model if model is None else model
        expiry = self.chain.pending_timestamp + HOUR
        terms = self.terms(self.consumer, model)
        tx = self.credits.openChannel(
            model, self.gateway, terms.salt, credits, expiry, sender=self.consumer
        )
        return tx, terms, expiry

    def buy(self, account, n, model=None):
        model = self.model if model is None else model
        value = n * ETH_CREDIT_VALUE
        return self.credits.buyCredits(model, n, account, sender=account, value=value)

    # ------------------------------------------------------------------ baselines
    def _deploy_baselines(self):
        p, d = self.project, self.deployer
        e721 = p.BaselineERC721.deploy(sender=d)
        e721.mint(self.user, sender=d)  # warm the counter
        self.base["erc721_mint"] = e721.mint(self.fresh(), sender=d).gas_used
        e1155 = p.BaselineERC1155.deploy(sender=d)
        e1155.mint(self.user, 1, 10, sender=d)
        first = self.fresh()
        self.base["erc1155_mint_first"] = e1155.mint(first, 1, 100, sender=d).gas_used
        self.base["erc1155_mint_repeat"] = e1155.mint(first, 1, 50, sender=d).gas_used
        self.base["erc1155_burn"] = e1155.burn(first, 1, 50, sender=first).gas_used
        e20 = p.BaselineERC20.deploy(self.holder, 10**24, sender=d)
        e20.transfer(self.voter, 10**18, sender=self.holder)
        self.base["erc20_transfer"] = e20.transfer(self.voter, 10**18, sender=self.holder).gas_used
        votes = p.BaselineVotes.deploy(self.holder, 10**24, sender=d)
        votes.transfer(self.voter, 10**21, sender=self.holder)
        for who in (self.holder, self.voter):
            votes.invoke_transaction("delegate", who, sender=who)
        self.base["votes_transfer"] = votes.transfer(
            self.voter, 10**18, sender=self.holder
        ).gas_used
        governor = p.BaselineGovernor.deploy(votes, sender=d)
        self.chain.mine(2)
        calldata = bytes(votes.transfer.encode_input(self.holder, 0))
        tx = governor.propose([votes.address], [0], [calldata], "baseline", sender=self.holder)
        self.base["governor_propose"] = tx.gas_used
        proposal = governor.hashProposal([votes.address], [0], [calldata], keccak(text="baseline"))
        self.chain.mine(3)
        governor.castVote(proposal, 1, sender=self.holder)  # not the proposal's first vote
        self.base["governor_cast_vote"] = governor.castVote(proposal, 1, sender=self.voter).gas_used
