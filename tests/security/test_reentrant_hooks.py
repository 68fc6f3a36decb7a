"""Re-entry through receiver hooks: ERC-721 (`onERC721Received`), ETH (`receive`) and ERC-1155
(`onERC1155Received` / batch), against every function that sends value or tokens to an address
the caller chooses. The coverage table is in security/README.md.

Two outcomes are accepted, and each test says which one it shows:
- rejected: the re-entry hits a `nonReentrant` guard (`ReentrancyGuardReentrantCall`) or a
  business check, and either the whole call reverts with a named error and changes nothing, or
  (when the attacker swallows the failure) the guard's selector is what the hook got back;
- harmless: the hook runs after the state is final (ERC-721/1155 safe transfers are not guarded),
  so the re-entry is an ordinary call and every balance and holding ends up exact.
"""

import ape
import pytest
from eth_utils import keccak
from fixtures.channels import opened
from security_helpers import deploy_kit, digest, split

from modelmint.constants import DAY, ETH

PRICE = 10**15
CREDIT = 10**12
GUARD = keccak(text="ReentrancyGuardReentrantCall()")[:4]


@pytest.fixture(scope="module")
def kit(project, deployer, treasury):
    return deploy_kit(project, deployer, treasury)


@pytest.fixture(scope="module")
def eth_model(kit, model_owner, gateway):
    model_id = kit.register(model_owner)
    kit.credits.enableCredits(model_id, CREDIT, sender=model_owner)
    kit.registry.setGateway(model_id, gateway, True, sender=model_owner)
    return model_id


@pytest.fixture(scope="module")
def nft_attacker(project, attacker):
    """ReentrantERC721Receiver owned by `attacker`, holding 1 ETH to pay with."""
    r = project.ReentrantERC721Receiver.deploy(attacker, sender=attacker)
    attacker.transfer(r, 10**18)
    return r


@pytest.fixture(scope="module")
def hook_attacker(project, attacker):
    """ReentrantHookReceiver (ETH + ERC-1155 hooks) owned by `attacker`."""
    return project.ReentrantHookReceiver.deploy(attacker, sender=attacker)


@pytest.fixture(scope="module", autouse=True)
def _deploy_first(kit, eth_model, nft_attacker, hook_attacker):
    """Deploy before the first test snapshot (ape isolation)."""


def _data(method, *args) -> bytes:
    return method.encode_input(*args)


def _eth(account) -> int:
    from ape import chain

    return chain.provider.get_balance(getattr(account, "address", account))


# --------------------------------------------------------------- ERC-721: LicenseManager


def _transferable_license(kit, eth_model, model_owner, licensee):
    offer_id = kit.offer(eth_model, model_owner, PRICE, transferable=True)
    tx = kit.licenses.purchase(offer_id, licensee, PRICE, value=PRICE, sender=licensee)
    return offer_id, tx.decode_logs(kit.licenses.Transfer)[0].tokenId


def _license_state(kit, eth_model, accounts, license_ids):
    lic = kit.licenses
    return (
        tuple(lic.balanceOf(a) for a in accounts)
        + tuple(lic.hasValidLicense(a, eth_model, True, 0) for a in accounts)
        + tuple(lic.ownerOf(i) for i in license_ids)
        + tuple(lic.license(i).expiry for i in license_ids)
        + (lic.offerCount(), kit.router.liabilities(ETH))
        + tuple(_eth(a) for a in accounts)
    )


def test_license_safeTransfer__hook_buys_same_class__both_held_and_paid_once(
    kit, eth_model, model_owner, licensee, attacker, nft_attacker
):
    """A receiver buying a second license of the class from inside its ERC-721 hook gets it
    (a held license never blocks a purchase), pays exactly once and holds both."""
    offer_id, lid = _transferable_license(kit, eth_model, model_owner, licensee)
    lic = kit.licenses
    buy = _data(lic.purchase, offer_id, nft_attacker.address, PRICE)
    nft_attacker.arm(lic, PRICE, buy, True, sender=attacker)
    liabilities = kit.router.liabilities(ETH)
    lic.safeTransferFrom(licensee, nft_attacker, lid, sender=licensee, max_priority_fee=0)
    assert lic.balanceOf(nft_attacker) == 2
    assert lic.ownerOf(lid) == nft_attacker
    assert lic.offer(offer_id).sold == 2
    assert kit.router.liabilities(ETH) == liabilities + PRICE
    assert lic.hasValidLicense(nft_attacker, eth_model, True, 0)
    assert not lic.hasValidLicense(licensee, eth_model, False, 0)


def test_license_safeTransfer__hook_buys_for_another_and_renews__harmless_exact(
    kit, eth_model, model_owner, licensee, attacker, nft_attacker
):
    offer_id, lid = _transferable_license(kit, eth_model, model_owner, licensee)
    lic = kit.licenses
    expiry = lic.license(lid).expiry
    liabilities = kit.router.liabilities(ETH)
    r_eth = _eth(nft_attacker)

    # Re-entry 1: renew the license being received (the hook runs after the transfer is final).
    nft_attacker.arm(lic, PRICE, _data(lic.renew, lid, PRICE), True, sender=attacker)
    lic.safeTransferFrom(licensee, nft_attacker, lid, sender=licensee)
    assert nft_attacker.lastOk() and nft_attacker.hooks() == 1
    assert lic.ownerOf(lid) == nft_attacker.address
    assert lic.license(lid).expiry == expiry + 30 * DAY
    assert lic.hasValidLicense(nft_attacker, eth_model, True, 0)
    assert not lic.hasValidLicense(licensee, eth_model, True, 0)

    # Re-entry 2: on the way back, buy a license of the same class for the attacker's EOA.
    nft_attacker.execute(
        lic, 0, _data(lic.transferFrom, nft_attacker.address, licensee.address, lid),
        sender=attacker,
    )  # fmt: skip
    second = kit.offer(eth_model, model_owner, PRICE, transferable=True)
    nft_attacker.arm(
        lic, PRICE, _data(lic.purchase, second, attacker.address, PRICE), True, sender=attacker
    )
    lic.safeTransferFrom(licensee, nft_attacker, lid, sender=licensee)
    assert nft_attacker.lastOk()
    assert lic.offer(second).sold == 1 and lic.balanceOf(attacker) == 1
    assert lic.hasValidLicense(attacker, eth_model, True, 0)
    # Paid exactly twice (renew + one purchase) and the router booked exactly that.
    assert _eth(nft_attacker) == r_eth - 2 * PRICE
    assert kit.router.liabilities(ETH) == liabilities + 2 * PRICE


def test_license_safeTransfer__hook_passes_license_on__holdings_exact(
    kit, eth_model, model_owner, licensee, attacker, nft_attacker
):
    _, lid = _transferable_license(kit, eth_model, model_owner, licensee)
    lic = kit.licenses
    onward = _data(lic.transferFrom, nft_attacker.address, attacker.address, lid)
    nft_attacker.arm(lic, 0, onward, True, sender=attacker)
    lic.safeTransferFrom(licensee, nft_attacker, lid, b"", sender=licensee)
    assert nft_attacker.lastOk()
    assert lic.ownerOf(lid) == attacker.address
    assert [lic.balanceOf(a) for a in (licensee, nft_attacker, attacker)] == [0, 0, 1]
    assert [lic.hasValidLicense(a, eth_model, True, 0) for a in (licensee, nft_attacker)] == [
        False,
        False,
    ]
    assert lic.hasValidLicense(attacker, eth_model, True, 0)
    assert lic.isLicenseValid(lid, attacker, True, 0)


def test_license_safeTransfer__hook_tries_to_take_a_license_it_is_not_approved_for__rejected(
    kit, eth_model, model_owner, licensee, holder, attacker, nft_attacker
):
    _, lid = _transferable_license(kit, eth_model, model_owner, licensee)
    other = kit.offer(eth_model, model_owner, PRICE, transferable=True, duration=0)
    tx = kit.licenses.purchase(other, holder, PRICE, value=PRICE, sender=holder)
    victim = tx.decode_logs(kit.licenses.Transfer)[0].tokenId
    steal = _data(kit.licenses.transferFrom, holder.address, nft_attacker.address, victim)
    nft_attacker.arm(kit.licenses, 0, steal, True, sender=attacker)
    accounts = [licensee, holder, nft_attacker]
    before = _license_state(kit, eth_model, accounts, [lid, victim])
    with ape.reverts(kit.licenses.ERC721InsufficientApproval):
        kit.licenses.safeTransferFrom(
            licensee, nft_attacker, lid, sender=licensee, max_priority_fee=0
        )
    assert _license_state(kit, eth_model, accounts, [lid, victim]) == before


# ---------------------------------------------------------------- ERC-721: ModelRegistry


def test_model_safeTransfer__hook_claims_and_republishes__accrued_revenue_stays_with_seller(
    kit, model_owner, licensee, attacker, nft_attacker
):
    reg, router = kit.registry, kit.router
    model_id = kit.register(model_owner)
    router.pay(model_id, 2_000, value=2_000, sender=licensee)  # no recipients: accrues to owner
    _, net = split(2_000)
    nft_attacker.arm(router, 0, _data(router.claim, [model_id]), True, sender=attacker)
    reg.safeTransferFrom(model_owner, nft_attacker, model_id, sender=model_owner)
    # The new owner's re-entrant claim got nothing: revenue accrued before belongs to the seller.
    assert nft_attacker.lastOk()
    assert router.claimable(model_id, model_owner) == net
    assert router.claimable(model_id, nft_attacker) == 0
    assert router.liabilities(ETH) == 2_000

    # Re-entering the registry as the new owner is just the owner acting: versions append.
    back = _data(reg.publishVersion, model_id, b"\x44" * 32, "ipfs://v2")
    nft_attacker.execute(
        reg, 0, _data(reg.safeTransferFrom, nft_attacker.address, attacker.address, model_id),
        sender=attacker,
    )  # fmt: skip
    assert reg.ownerOf(model_id) == attacker.address
    nft_attacker.arm(reg, 0, back, True, sender=attacker)
    reg.safeTransferFrom(attacker, nft_attacker, model_id, sender=attacker)
    assert reg.latestVersion(model_id) == (2, b"\x44" * 32)
    router.claim([model_id], sender=model_owner)
    assert router.claimable(model_id, model_owner) == 0


def test_model_safeTransfer__hook_transfers_someone_elses_model__rejected_nothing_moves(
    kit, model_owner, contributor, attacker, nft_attacker
):
    reg = kit.registry
    mine, theirs = kit.register(model_owner), kit.register(contributor)
    steal = _data(reg.transferFrom, contributor.address, nft_attacker.address, theirs)
    nft_attacker.arm(reg, 0, steal, True, sender=attacker)
    before = (reg.ownerOf(mine), reg.ownerOf(theirs), reg.balanceOf(nft_attacker))
    with ape.reverts(reg.ERC721InsufficientApproval):
        reg.safeTransferFrom(model_owner, nft_attacker, mine, sender=model_owner)
    assert (reg.ownerOf(mine), reg.ownerOf(theirs), reg.balanceOf(nft_attacker)) == before


# ----------------------------------------------------------------- ETH: RevenueRouter


@pytest.mark.parametrize("entry", ["claimTo", "claimAmount"])
def test_router_claim_to_contract__receive_reenters__rejected_whole_claim_reverts(
    kit, eth_model, licensee, model_owner, attacker, hook_attacker, entry
):
    router = kit.router
    router.pay(eth_model, 2_000, value=2_000, sender=licensee)
    _, net = split(2_000)
    hook_attacker.arm(router, _data(router.claim, [eth_model]), True, sender=attacker)
    views = (lambda: router.claimable(eth_model, model_owner), lambda: router.liabilities(ETH))
    before = digest([ETH], [router, hook_attacker, model_owner], views)
    # The guard stops the re-entry; the router reports the failed ETH send by name.
    with ape.reverts(router.RevenueRouterEthTransferFailed, to=hook_attacker.address, amount=net):
        if entry == "claimTo":
            router.claimTo([eth_model], hook_attacker, sender=model_owner, max_priority_fee=0)
        else:
            router.claimAmount(
                eth_model, net, hook_attacker, sender=model_owner, max_priority_fee=0
            )
    assert digest([ETH], [router, hook_attacker, model_owner], views) == before


def test_router_claimTo__receive_reentry_swallowed__guard_rejected_paid_once(
    kit, eth_model, licensee, model_owner, attacker, hook_attacker
):
    router = kit.router
    router.pay(eth_model, 2_000, value=2_000, sender=licensee)
    _, net = split(2_000)
    hook_attacker.arm(
        router, _data(router.claimTo, [eth_model], attacker.address), False, sender=attacker
    )
    router.claimTo([eth_model], hook_attacker, sender=model_owner)
    assert not hook_attacker.lastOk() and hook_attacker.lastReturn()[:4] == GUARD
    assert _eth(hook_attacker) == net
    assert router.claimable(eth_model, model_owner) == 0
    assert router.liabilities(ETH) == 2_000 - net


def test_router_claimFees__treasury_receive_reenters__rejected_fees_kept(
    kit, eth_model, licensee, deployer, attacker, treasury, hook_attacker
):
    router = kit.router
    router.setTreasury(hook_attacker, sender=deployer)  # deployer is governance in the kit
    router.pay(eth_model, 2_000, value=2_000, sender=licensee)
    fee, _ = split(2_000)
    hook_attacker.arm(router, _data(router.claimFees, ETH), True, sender=attacker)
    with ape.reverts(router.RevenueRouterEthTransferFailed, to=hook_attacker.address, amount=fee):
        router.claimFees(ETH, sender=attacker)
    assert router.feesOwed(ETH) == fee and _eth(hook_attacker) == 0
    # The revert undid the disarm; swallowing the re-entry instead, the fees pay out once.
    hook_attacker.arm(router, _data(router.claimFees, ETH), False, sender=attacker)
    router.claimFees(ETH, sender=attacker)
    assert not hook_attacker.lastOk() and hook_attacker.lastReturn()[:4] == GUARD
    assert _eth(hook_attacker) == fee and router.feesOwed(ETH) == 0


# ---------------------------------------------------------------- ETH: ModelShares


def test_shares_claimTo__receive_reenters_shares_and_router__rejected_paid_once(
    project, chain, kit, deployer, model_owner, holder, licensee, attacker, hook_attacker
):
    factory = project.ModelSharesFactory.deploy(kit.router, sender=deployer)
    model_id = kit.register(model_owner)
    tx = factory.createShares(model_id, "S", "S", 100, holder, sender=model_owner)
    shares = project.ModelShares.at(tx.decode_logs(factory.SharesCreated)[0].shares)
    kit.router.setRecipients(model_id, [shares], [1], sender=model_owner)
    _, net = split(2_000)
    reentries = ((shares, _data(shares.claim)), (kit.router, _data(kit.router.claim, [model_id])))
    for i, (target, call) in enumerate(reentries, start=1):
        kit.router.pay(model_id, 2_000, value=2_000, sender=licensee)
        shares.sync(sender=licensee)  # the payment unlocks over the period
        chain.mine(timestamp=chain.blocks.head.timestamp + shares.UNLOCK_PERIOD())
        hook_attacker.arm(target, call, False, sender=attacker)
        shares.claimTo(hook_attacker, sender=holder)
        # Both guards hold during the payout: ModelShares' (claim) and the router's (claimAmount).
        assert not hook_attacker.lastOk() and hook_attacker.lastReturn()[:4] == GUARD
        assert _eth(hook_attacker) == i * net  # each payment paid out exactly once
        assert shares.claimable(holder) == 0 and shares.claimedOf(holder) == i * net
        assert kit.router.liabilities(ETH) == i * (2_000 - net)


# ---------------------------------------------------------- ETH + ERC-1155: UsageCredits


def test_redeem_to_contract__receive_reenters__rejected_nothing_burnt(
    kit, eth_model, consumer, attacker, hook_attacker
):
    cred = kit.credits
    cred.buyCredits(eth_model, 5, consumer, value=5 * CREDIT, sender=consumer)
    hook_attacker.arm(
        cred, _data(cred.redeem, eth_model, 1, consumer.address), True, sender=attacker
    )
    views = (lambda: cred.balanceOf(consumer, eth_model), lambda: cred.modelCredits(eth_model))
    before = digest([ETH], [cred, hook_attacker], views)
    with ape.reverts(
        cred.UsageCreditsEthTransferFailed, to=hook_attacker.address, amount=2 * CREDIT
    ):
        cred.redeem(eth_model, 2, hook_attacker, sender=consumer)
    assert digest([ETH], [cred, hook_attacker], views) == before


def test_closeChannel__refund_hook_reenters__guard_rejected_refund_exact(
    kit, eth_model, gateway, attacker, hook_attacker, chain
):
    cred = kit.credits
    r = hook_attacker
    cred.buyCredits(eth_model, 10, r, value=10 * CREDIT, sender=attacker)
    expiry = chain.pending_timestamp + DAY
    # A contract consumer names the key that signs its receipts before opening.
    r.execute(cred, 0, _data(cred.setReceiptSigner, attacker.address), sender=attacker)
    cid = opened(
        cred,
        r.execute(
            cred,
            0,
            _data(cred.openChannel, eth_model, gateway.address, 0, 6, expiry),
            sender=attacker,
        ),
    )
    chain.pending_timestamp = expiry + DAY + 1
    r.arm(cred, _data(cred.redeem, eth_model, 4, r.address), False, sender=attacker)
    r.execute(cred, 0, _data(cred.closeChannel, cid.args), sender=attacker)
    assert not r.lastOk() and r.lastReturn()[:4] == GUARD
    assert cred.balanceOf(r, eth_model) == 10
    assert cred.channel(cid).expiry == 0
    assert cred.escrowOf(eth_model) == 10 * CREDIT == _eth(cred)


@pytest.mark.parametrize("batch", [False, True])
def test_credits_safeTransfer__hook_redeems_received_credits__harmless_exact(
    kit, eth_model, consumer, attacker, hook_attacker, batch
):
    cred = kit.credits
    cred.buyCredits(eth_model, 10, consumer, value=10 * CREDIT, sender=consumer)
    r = hook_attacker
    r.arm(cred, _data(cred.redeem, eth_model, 4, attacker.address), True, sender=attacker)
    attacker_eth = _eth(attacker)
    if batch:
        cred.safeBatchTransferFrom(consumer, r, [eth_model], [4], b"", sender=consumer)
    else:
        cred.safeTransferFrom(consumer, r, eth_model, 4, b"", sender=consumer)
    assert r.lastOk()
    assert cred.balanceOf(r, eth_model) == 0 and cred.balanceOf(consumer, eth_model) == 6
    assert _eth(attacker) == attacker_eth + 4 * CREDIT
    terms = cred.modelCredits(eth_model)
    assert (terms.minted, terms.redeemed) == (10, 4)
    assert cred.escrowOf(eth_model) == 6 * CREDIT == _eth(cred)


# ------------------------------------------------ ERC-20 hook: router pay, credits buy


def test_router_pay__token_hook_reenters_router__rejected_nothing_moves(
    project, kit, model_owner, licensee
):
    evil = project.ReentrantERC20.deploy(sender=licensee)
    kit.allow(evil)
    model_id = kit.register(model_owner, evil)
    evil.mint(licensee, 10_000, sender=licensee)
    evil.approve(kit.router, 10_000, sender=licensee)
    evil.arm(kit.router, _data(kit.router.claim, [model_id]), sender=licensee)
    views = (
        lambda: kit.router.liabilities(evil),
        lambda: kit.router.claimable(model_id, model_owner),
    )
    before = digest([evil], [licensee, kit.router], views)
    with ape.reverts(kit.router.ReentrancyGuardReentrantCall):
        kit.router.pay(model_id, 1_000, sender=licensee)
    assert digest([evil], [licensee, kit.router], views) == before


def test_buyCredits__token_hook_reenters_credits__rejected_nothing_minted(
    project, kit, model_owner, consumer
):
    evil = project.ReentrantERC20.deploy(sender=consumer)
    kit.allow(evil)
    model_id = kit.register(model_owner, evil)
    kit.credits.enableCredits(model_id, 10, sender=model_owner)
    evil.mint(consumer, 10_000, sender=consumer)
    evil.approve(kit.credits, 10_000, sender=consumer)
    kit.credits.buyCredits(model_id, 5, consumer, sender=consumer)
    evil.arm(kit.credits, _data(kit.credits.redeem, model_id, 5, consumer.address), sender=consumer)
    views = (
        lambda: kit.credits.balanceOf(consumer, model_id),
        lambda: kit.credits.modelCredits(model_id),
    )
    before = digest([evil], [consumer, kit.credits], views)
    with ape.reverts(kit.credits.ReentrancyGuardReentrantCall):
        kit.credits.buyCredits(model_id, 5, consumer, sender=consumer)
    assert digest([evil], [consumer, kit.credits], views) == before
