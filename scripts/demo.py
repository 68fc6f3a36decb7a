"""`ape run demo`: the whole Modelmint lifecycle on an embedded anvil chain.

1. deploy the protocol with the same plan as `ape run deploy` (admin handed to the timelock)
2. a model owner registers a model from a real weights file
3. a buyer purchases a license
4. a consumer buys credits, opens a channel, a gateway serves N calls against signed
   cumulative receipts and settles them in one transaction
5. revenue is split: contributors claim, the model is fractionalized and a share holder claims
6. a governance proposal changes the protocol fee through the timelock

Prints who paid what and the gas of every step; exits non-zero if any check fails.
"""

import os
import tempfile
from pathlib import Path

from ape import accounts, chain, project

from modelmint.deploy.config import load_config
from modelmint.deploy.engine import Deployment
from modelmint.deploy.governance import Proposal, Vote, delegate
from modelmint.deploy.plan import PlanInputs, protocol_plan
from modelmint.receipts import Receipt, ReceiptDomain, channel_id_from_tx, sign_receipt
from modelmint.weights import weights_hash

ETH = 10**18
ZERO = "0x0000000000000000000000000000000000000000"
CALLS = 250  # metered calls served through the channel
CREDIT_VALUE = 10**12  # wei per credit (one credit = one call)

_gas_rows: list[tuple[str, int]] = []


def step(label, tx):
    _gas_rows.append((label, tx.gas_used))
    print(f"  {label:<46} gas {tx.gas_used:>10,}")
    return tx


def check(condition, message):
    if not condition:
        raise SystemExit(f"demo check failed: {message}")


def eth(wei):
    return f"{wei / ETH:.6f} ETH"


def main():
    (deployer, model_owner, contributor, licensee, consumer, gateway, holder, treasury) = (
        accounts.test_accounts[i] for i in range(8)
    )

    print("\n== 1. deploy the protocol (same plan as `ape run deploy`)")
    cfg = load_config("local")
    inputs = PlanInputs.from_config(cfg, str(deployer.address), [])
    with tempfile.TemporaryDirectory() as tmp:
        d = Deployment(
            protocol_plan(inputs),
            project=project,
            provider=chain.provider,
            account=deployer,
            record_path=Path(tmp) / "local.json",
            network="local",
            log=lambda m: None,
        )
        d.run()
        addr = {name: d.record.address(name) for name in d.record.data["contracts"]}
    print(f"  {d.sent} transactions; every admin power now belongs to the timelock")
    registry = project.ModelRegistry.at(addr["registry"])
    router = project.RevenueRouter.at(addr["router"])
    licenses = project.LicenseManager.at(addr["licenses"])
    credits = project.UsageCredits.at(addr["credits"])
    fractionalizer = project.Fractionalizer.at(addr["fractionalizer"])
    gov_token = project.GovernanceToken.at(addr["gov_token"])
    governor = project.ProtocolGovernor.at(addr["governor"])
    timelock = project.ProtocolTimelock.at(addr["timelock"])
    check(registry.governance() == timelock.address, "registry governed by the timelock")
    for name, c in addr.items():
        print(f"  {name:<22} {c}")

    print("\n== 2. register a model from a real weights file")
    with tempfile.NamedTemporaryFile(suffix=".safetensors", delete=False) as f:
        f.write(os.urandom(4 << 20))  # a 4 MiB weights file
    digest = weights_hash(f.name)
    os.unlink(f.name)
    tx = step(
        "registerModel (ETH-priced)",
        registry.registerModel(
            ZERO, digest, "ipfs://weights-v1", "ipfs://card", sender=model_owner
        ),
    )
    model_id = tx.decode_logs(registry.ModelRegistered)[0].modelId
    check(registry.versionHash(model_id, 1) == digest, "stored weights hash")
    print(f"  model {model_id}: sha256 {digest.hex()}")
    step(
        "setGateway",
        registry.setGateway(model_id, gateway, True, sender=model_owner),
    )
    step(
        "setRecipients (owner 70 / contributor 30)",
        router.setRecipients(model_id, [model_owner, contributor], [70, 30], sender=model_owner),
    )

    print("\n== 3. a buyer purchases a license")
    price = ETH // 10
    offer = (model_id, price, 30 * 86400, 0, 0, 0, True, True, "ipfs://terms", b"\x01" * 32)
    tx = step("createOffer (30 days, commercial)", licenses.createOffer(offer, sender=model_owner))
    offer_id = tx.decode_logs(licenses.OfferCreated)[0].offerId
    tx = step(
        "purchase",
        licenses.purchase(offer_id, licensee, price, value=price, sender=licensee),
    )
    check(licenses.hasValidLicense(licensee, model_id, True, 0), "license valid")
    print(f"  licensee {licensee.address} paid {eth(price)}; valid commercial license")

    print(f"\n== 4. usage credits: {CALLS} metered calls, one settlement")
    step("enableCredits", credits.enableCredits(model_id, CREDIT_VALUE, sender=model_owner))
    bought = 1_000
    step(
        "buyCredits",
        credits.buyCredits(
            model_id, bought, consumer, value=bought * CREDIT_VALUE, sender=consumer
        ),
    )
    expiry = chain.pending_timestamp + 7 * 86400
    tx = step(
        "openChannel",
        credits.openChannel(model_id, gateway, bought, expiry, sender=consumer),
    )
    channel_id = channel_id_from_tx(credits, tx)
    domain = ReceiptDomain.from_contract(credits)
    deadline = chain.pending_timestamp + 3600
    # The gateway keeps only the latest cumulative receipt; each call the consumer signs anew.
    latest = None
    for used in range(1, CALLS + 1):
        latest = sign_receipt(domain, Receipt(channel_id, used, deadline), consumer)
    tx = step(
        "settle (1 receipt covering all calls)",
        credits.settle([latest.settle_args()], sender=gateway),
    )
    print(f"  gas per metered call: {tx.gas_used / CALLS:,.1f}")
    check(credits.channel(channel_id).settled == CALLS, "settled cumulative")

    print("\n== 5. revenue: contributors claim, then shares")
    fee_bps = router.feeBps()
    revenue = price + CALLS * CREDIT_VALUE
    contributor_due = router.claimable(model_id, contributor)
    before = contributor.balance
    tx = step("claim (contributor)", router.claim([model_id], sender=contributor))
    check(contributor.balance - before + tx.total_fees_paid == contributor_due, "contributor paid")
    print(
        f"  revenue {eth(revenue)}: fee {fee_bps / 100:.2f}% -> treasury {eth(router.feesOwed(ZERO))},"
        f" contributor claimed {eth(contributor_due)}"
    )

    registry.approve(fractionalizer, model_id, sender=model_owner)
    tx = step(
        "fractionalize (shares + governor + timelock)",
        fractionalizer.fractionalize(
            model_id,
            ("Model 1 Shares", "M1S", model_owner, 1_000_000 * ETH),
            (1, 50, 0, 10, 3600),
            ([contributor], [30], 70),
            sender=model_owner,
        ),
    )
    event = tx.decode_logs(fractionalizer.ModelFractionalized)[0]
    shares = project.ModelShares.at(event.shares)
    check(registry.ownerOf(model_id) == event.timelock, "model NFT held by its timelock")
    step(
        "share transfer (25% to a holder)",
        shares.transfer(holder, 250_000 * ETH, sender=model_owner),
    )
    tip = ETH
    step("pay (a 1 ETH tip to the model)", router.pay(model_id, tip, value=tip, sender=licensee))
    due = shares.claimable(holder)
    before = holder.balance
    tx = step("claim (share holder)", shares.claim(sender=holder))
    check(holder.balance - before + tx.total_fees_paid == due and due > 0, "holder paid")
    print(f"  holder with 25% of shares claimed {eth(due)} of the 1 ETH tip")

    print("\n== 6. governance changes the protocol fee through the timelock")
    delegate(gov_token, deployer, sender=deployer)
    chain.mine(1)
    new_fee = fee_bps + 50
    proposal = Proposal(
        governor, [(router.setFeeBps, new_fee)], f"Set protocol fee to {new_fee} bps"
    )
    step("propose", proposal.propose(deployer))
    proposal.wait_until_voting_starts(chain)
    step("castVote", proposal.vote(deployer, Vote.For))
    proposal.wait_until_voting_ends(chain)
    step("queue", proposal.queue(deployer))
    proposal.wait_until_executable(chain)
    step("execute", proposal.execute(deployer))
    check(router.feeBps() == new_fee, "fee changed by governance")
    print(f"  protocol fee {fee_bps} -> {router.feeBps()} bps")

    total = sum(g for _, g in _gas_rows)
    print(f"\nDemo complete: {len(_gas_rows)} user transactions, {total:,} gas in all.")
