"""Gas benchmark of Modelmint's user operations, run by `make gas` (`ape run gas`).

`measure(project, accounts, chain)` deploys the real contracts on the connected (local) chain,
performs each user operation in a steady state (warm contracts, not the first of its kind
unless the name says so) and returns the `reports/gas.json` dict (see modelmint.dev.gasreport).
Figures are full transaction gas (`tx.gas_used`, including the 21,000 base) except the
per-channel and per-call metering figures. `settle_one_channel` is a settle of one receipt
(full transaction), `settle_per_channel_batch10` / `_batch100` one settle of 10 / 100 receipts
divided by 10 / 100 (each a channel's first settlement, one model); settlement records the
charge only, and `sweep_revenue` is the permissionless transaction that pays a model's settled
revenue to the router (once for any number of settlements); `buy_and_open_channel` (ETH) and
`buy_and_open_channel_erc20` (allowance already set) are a NEW consumer's one-transaction
funded channel, `buy_and_top_up_channel` pays more credits straight into it; `gas_per_call_1000` is that per-channel figure divided by 1,000 calls
per receipt (the amortised target); `register_model` is an owner's FIRST model (a fresh
funded account: its ERC-721 balance slot is new, the worse case) and `register_model_repeat` an
owner's later model; the `gas_per_call_by_calls` series settles ONE
receipt covering `calls` calls (one credit each) and divides its gas by `calls`.

`measure(..., scaling=False)` skips the scaling series (1,000-holder and 1,000,000-call runs)
and is what the regression test uses.
"""

from __future__ import annotations

import time
from typing import Any

from eth_utils import keccak

from modelmint.constants import DAY, ETH, HOUR, UNIT
from modelmint.deploy.governance import delegate, deploy_protocol_governance
from modelmint.deploy.protocol import deploy_protocol
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
from modelmint.structs import OfferParams

FEE_BPS = 500
ETH_CREDIT_VALUE = 10**12  # wei per credit; one metered call = one credit
TOKEN_CREDIT_VALUE = 1_000  # token units (6 decimals) per credit
PRICE = 10**16  # license price (wei)

# Targets (full transaction gas; per channel / per call for the metering figures).
TARGETS = {
    "register_model": 120_000,
    "register_model_repeat": 120_000,
    "purchase_license": 95_000,
    "renew_license": 45_000,
    "buy_credits_first": 70_000,
    "buy_credits_topup": 45_000,
    "buy_and_open_channel": 98_000,
    "buy_and_open_channel_erc20": 98_000,
    "settle_one_channel": 72_000,
    "settle_per_channel_batch10": 23_800,
    "settle_per_channel_batch100": 20_341,
    "gas_per_call_1000": 25,
    "route_payment": 55_000,
    "claim_repeat": 45_000,
    "share_transfer": 100_000,
    "fractionalize": 600_000,
}

# operation -> (baseline label, key in the measured baselines)
BASELINES = {
    "register_model": ("OZ ERC-721 mint", "erc721_mint"),
    "purchase_license": ("OZ ERC-721 mint", "erc721_mint"),
    "buy_credits_first": ("OZ ERC-1155 mint (first)", "erc1155_mint_first"),
    "buy_credits_topup": ("OZ ERC-1155 mint (repeat)", "erc1155_mint_repeat"),
    "redeem_credits": ("OZ ERC-1155 burn", "erc1155_burn"),
    "route_payment": ("OZ ERC-20 transfer", "erc20_transfer"),
    "claim_repeat": ("OZ ERC-20 transfer", "erc20_transfer"),
    "share_transfer": ("OZ ERC20Votes transfer", "votes_transfer"),
    "propose": ("OZ Governor propose", "governor_propose"),
    "cast_vote": ("OZ Governor castVote", "governor_cast_vote"),
}

OPERATIONS = [
    "register_model",
    "register_model_repeat",
    "publish_version",
    "create_offer",
    "purchase_license",
    "renew_license",
    "buy_credits_first",
    "buy_credits_topup",
    "open_channel",
    "buy_and_open_channel",
    "buy_and_open_channel_erc20",
    "buy_and_top_up_channel",
    "settle_one_channel",
    "settle_per_channel_batch10",
    "settle_per_channel_batch100",
    "gas_per_call_1000",
    "sweep_revenue",
    "close_channel",
    "redeem_credits",
    "route_payment",
    "claim_repeat",
    "share_transfer",
    "fractionalize",
    "propose",
    "cast_vote",
    "queue",
    "execute",
]

SCALING_X = {
    "route_payment_by_recipients": [1, 10, 100, 1_000],
    "claim_by_holders": [1, 10, 100, 1_000],
    "settle_per_channel_by_batch": [1, 10, 100],
    "gas_per_call_by_calls": [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000],
}


def _addr(i: int) -> str:
    return f"0x{0x10000 + i:040x}"


class Bench:
    """The deployed protocol plus actors; one method per group of measured operations."""

    def __init__(self, project, accounts, chain, log=print):
        self.project, self.chain, self.log = project, chain, log
        acc = accounts
        self.deployer, self.owner, self.user = acc[DEPLOYER], acc[MODEL_OWNER], acc[LICENSEE]
        self.consumer, self.gateway, self.treasury = acc[CONSUMER], acc[GATEWAY], acc[TREASURY]
        self.holder, self.voter, self.contributor = acc[HOLDER], acc[OUTSIDER], acc[CONTRIBUTOR]
        self.accounts = accounts
        self.gas: dict[str, float] = {}
        self.base: dict[str, int] = {}
        d = self.deployer
        self.gov = deploy_protocol_governance(
            project,
            d,
            self.holder,
            1_000_000 * UNIT,
            voting_delay=DAY,
            voting_period=7 * DAY,
            proposal_threshold=1_000 * UNIT,
            quorum_numerator=4,
            timelock_delay=2 * DAY,
        )
        self.gov.token.transfer(self.voter, 300_000 * UNIT, sender=self.holder)
        for who in (self.holder, self.voter):
            delegate(self.gov.token, who, sender=who)
        self.token = project.MockERC20.deploy("Mock USD", "mUSD", 6, sender=d)
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
            tokens=[self.token],
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
        self._deploy_baselines()

    # ------------------------------------------------------------------ helpers
    def register(self, owner=None, asset=ETH):
        tx = self.registry.registerModel(
            asset, b"\x11" * 32, "ipfs://v1", "ipfs://meta", sender=owner or self.owner
        )
        return tx.decode_logs(self.registry.ModelRegistered)[0].modelId

    def fresh(self):
        account = self.accounts.generate_test_account()
        self.deployer.transfer(account, 10 * UNIT)
        return account

    def sign(self, channel_id: int, cumulative: int, deadline: int):
        receipt = Receipt(channel_id, cumulative, deadline)
        return sign_receipt(self.domain, receipt, self.consumer).settle_args()

    def open_channel(self, credits: int, model=None):
        model = self.model if model is None else model
        expiry = self.chain.pending_timestamp + HOUR
        tx = self.credits.openChannel(model, self.gateway, credits, expiry, sender=self.consumer)
        return tx, tx.decode_logs(self.credits.ChannelOpened)[0].channelId, expiry

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

    # ------------------------------------------------------------------ operations
    def registry_and_licenses(self):
        # An owner's first model: a fresh account, so its ERC-721 balance slot is new.
        newcomer = self.fresh()
        self.gas["register_model"] = self.registry.registerModel(
            ETH, b"\x22" * 32, "ipfs://v1", "ipfs://meta", sender=newcomer
        ).gas_used
        reg = self.registry.registerModel(
            ETH, b"\x22" * 32, "ipfs://v1", "ipfs://meta", sender=self.owner
        )
        self.gas["register_model_repeat"] = reg.gas_used
        model = reg.decode_logs(self.registry.ModelRegistered)[0].modelId
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
        self.gas["close_channel"] = self.credits.closeChannel(cid, sender=self.consumer).gas_used

    def funded_channels(self):
        """A consumer's first paid step: one transaction from nothing to a funded channel."""
        expiry = self.chain.pending_timestamp + HOUR
        value = 10 * ETH_CREDIT_VALUE
        # Not the model's first one-transaction channel (a live model).
        self.credits.buyAndOpenChannel(
            self.model, self.gateway, 10, expiry, value=value, sender=self.user
        )
        newcomer = self.fresh()
        tx = self.credits.buyAndOpenChannel(
            self.model, self.gateway, 100, expiry, value=100 * ETH_CREDIT_VALUE, sender=newcomer
        )
        self.gas["buy_and_open_channel"] = tx.gas_used
        cid = tx.decode_logs(self.credits.ChannelOpened)[0].channelId
        self.gas["buy_and_top_up_channel"] = self.credits.buyAndTopUpChannel(
            cid, 50, expiry, value=50 * ETH_CREDIT_VALUE, sender=newcomer
        ).gas_used
        # ERC-20: the contract already holds the token (earlier buyers); the newcomer holds
        # tokens and has set its allowance (a separate, one-off approve).
        warm = self.fresh()
        for who in (warm, newcomer):
            self.token.mint(who, 10**12, sender=who)
            self.token.approve(self.credits, 2**256 - 1, sender=who)
        self.credits.buyAndOpenChannel(self.token_model, self.gateway, 10, expiry, sender=warm)
        tx = self.credits.buyAndOpenChannel(
            self.token_model, self.gateway, 100, expiry, sender=newcomer
        )
        self.gas["buy_and_open_channel_erc20"] = tx.gas_used

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


def _timed(log, label, fn, *args):
    start = time.monotonic()
    result = fn(*args)
    log(f"  {label}: {result} ({time.monotonic() - start:.1f} s)")
    return result


def measure(project, accounts, chain, scaling: bool = True, log=print) -> dict[str, Any]:
    """Deploy the protocol, measure every operation (and, with `scaling`, the scaling series)
    and return the gas.json dict."""
    bench = Bench(project, accounts, chain, log)
    g = bench.gas
    bench.registry_and_licenses()
    bench.credits_ops()
    bench.funded_channels()
    g["settle_one_channel"] = round(bench.settle_batch(1))
    g["settle_per_channel_batch10"] = round(bench.settle_batch(10))
    g["settle_per_channel_batch100"] = round(_timed(log, "settle 100", bench.settle_batch, 100))
    # Amortised as in the target: a batch-of-100 settle, 1,000 calls per receipt.
    g["gas_per_call_1000"] = round(g["settle_per_channel_batch100"] / 1_000, 2)
    g["route_payment"], g["claim_repeat"] = bench.route(2)
    _, g["share_transfer"] = bench.shares(2)
    bench.fractionalize()
    bench.governance()

    report: dict[str, Any] = {"operations": {}, "scaling": {}}
    for name in OPERATIONS:
        label, key = BASELINES.get(name, (None, None))
        report["operations"][name] = {
            "gas": g[name],
            "baseline": label,
            "baseline_gas": bench.base.get(key) if key else None,
            "target": TARGETS.get(name),
        }
    if scaling:
        s = report["scaling"]
        s["route_payment_by_recipients"] = [
            [x, _timed(log, f"route x{x}", bench.route, x)[0]]
            for x in SCALING_X["route_payment_by_recipients"]
        ]
        s["claim_by_holders"] = [
            [x, _timed(log, f"shares x{x}", bench.shares, x)[0]]
            for x in SCALING_X["claim_by_holders"]
        ]
        s["settle_per_channel_by_batch"] = [
            [x, round(bench.settle_batch(x))] for x in SCALING_X["settle_per_channel_by_batch"]
        ]
        s["gas_per_call_by_calls"] = [
            [x, round(bench.per_call(x), 2)] for x in SCALING_X["gas_per_call_by_calls"]
        ]
    return report
