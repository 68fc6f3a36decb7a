"""Malicious ERC-20 payment assets, allow-listed by governance (as a careless vote could):

- FalseReturningERC20: `transfer`/`transferFrom` answer `false` without reverting. Every path
  that pulls or pushes it (router pay/claim/claimFees, license purchase, credit buy/redeem,
  sweep of settled credits) reverts with OpenZeppelin's `SafeERC20FailedOperation(token)` and
  moves nothing; claimants of other assets are untouched.
- RebasingERC20: balances are shares x index. The router and the credits escrow book nominal
  amounts, so a positive rebase leaves an unallocated surplus that nobody can claim, and a
  negative rebase is a shortfall borne first-come-first-served by the claimants of that asset
  (of any model priced in it); other assets are untouched. See security/README.md.
- BalanceFailingERC20: `balanceOf` reverts or returns nothing. A funded open (its
  fee-on-transfer check reads the escrow's balance) reverts with the token's revert data, or
  without data, and opens nothing.
"""

import ape
import pytest
from fixtures.channels import opened
from security_helpers import deploy_kit, digest, split

from modelmint.constants import DAY, ETH, UNIT
from modelmint.dev.testing import isolated
from modelmint.receipts import Receipt, ReceiptDomain, sign_receipt

CREDIT_VALUE = 10**15


@pytest.fixture(scope="module")
def world(project, deployer, treasury, model_owner, contributor, gateway):
    kit = deploy_kit(project, deployer, treasury)
    false_token = project.FalseReturningERC20.deploy(sender=deployer)
    rebasing = project.RebasingERC20.deploy(sender=deployer)
    plain = project.MockERC20.deploy("Plain", "PLN", 18, sender=deployer)
    for tok in (false_token, rebasing, plain):
        kit.allow(tok)
    ids = {
        "false": kit.register(model_owner, false_token),
        "reb_a": kit.register(model_owner, rebasing),
        "reb_b": kit.register(contributor, rebasing),
        "plain": kit.register(contributor, plain),
        "eth": kit.register(contributor, ETH),
    }
    for key in ("false", "reb_a", "eth"):
        kit.credits.enableCredits(ids[key], CREDIT_VALUE, sender=kit.registry.ownerOf(ids[key]))
        kit.registry.setGateway(ids[key], gateway, True, sender=kit.registry.ownerOf(ids[key]))
    return kit, false_token, rebasing, plain, ids


@pytest.fixture(scope="module", autouse=True)
def _world_first(world):
    """Deploy before the first test snapshot (ape isolation)."""


def _fund(token, account, spender, amount):
    token.mint(account, amount, sender=account)
    token.approve(spender, 2**256 - 1, sender=account)


def _other_assets_pay_out(world, contributor, treasury, chain, net, fee):
    """The contributor's claims on the plain-token and ETH models pay `net` in each asset, and
    the treasury's plain-token fees pay `fee`: a bad asset holds up no other."""
    kit, _, _, plain, ids = world
    eth_before = chain.provider.get_balance(contributor.address)
    kit.router.claim([ids["plain"], ids["eth"]], sender=contributor, max_priority_fee=0)
    assert plain.balanceOf(contributor) == net
    assert chain.provider.get_balance(contributor.address) == eth_before + net
    kit.router.claimFees(plain, sender=treasury)
    assert plain.balanceOf(treasury) == fee


# ------------------------------------------------------------------------ false-returning


def test_pay__false_returning_token__reverts_named_error_moves_nothing(world, licensee, treasury):
    kit, bad, _, _, ids = world
    _fund(bad, licensee, kit.router, 1_000)
    bad.setFailing(True, sender=licensee)
    owner = kit.registry.ownerOf(ids["false"])
    views = (
        lambda: kit.router.liabilities(bad),
        lambda: kit.router.claimable(ids["false"], owner),
        lambda: bad.allowance(licensee, kit.router),
    )
    before = digest([bad], [licensee, kit.router, treasury], views)
    with ape.reverts(kit.router.SafeERC20FailedOperation, token=bad.address):
        kit.router.pay(ids["false"], 1_000, sender=licensee)
    assert digest([bad], [licensee, kit.router, treasury], views) == before


def test_purchase__false_returning_token__reverts_no_license_no_sale(world, licensee, model_owner):
    kit, bad, _, _, ids = world
    offer_id = kit.offer(ids["false"], model_owner, price=500)
    _fund(bad, licensee, kit.licenses, 1_000)
    bad.setFailing(True, sender=licensee)
    views = (
        lambda: kit.licenses.offer(offer_id),
        lambda: kit.licenses.balanceOf(licensee),
        lambda: kit.router.liabilities(bad),
    )
    before = digest([bad], [licensee, kit.licenses, kit.router], views)
    with ape.reverts(kit.licenses.SafeERC20FailedOperation, token=bad.address):
        kit.licenses.purchase(offer_id, licensee, 500, sender=licensee)
    assert digest([bad], [licensee, kit.licenses, kit.router], views) == before


def test_buyCredits__false_returning_token__reverts_nothing_minted(world, consumer):
    kit, bad, _, _, ids = world
    _fund(bad, consumer, kit.credits, 10 * CREDIT_VALUE)
    bad.setFailing(True, sender=consumer)
    views = (
        lambda: kit.credits.balanceOf(consumer, ids["false"]),
        lambda: kit.credits.modelCredits(ids["false"]),
    )
    before = digest([bad], [consumer, kit.credits], views)
    with ape.reverts(kit.credits.SafeERC20FailedOperation, token=bad.address):
        kit.credits.buyCredits(ids["false"], 10, consumer, sender=consumer)
    assert digest([bad], [consumer, kit.credits], views) == before


@pytest.mark.parametrize("mode", [1, 2], ids=["reverting", "no_return_data"])
def test_buyAndOpenChannel__token_balanceOf_fails__reverts_with_its_data_nothing_opened(
    project, deployer, world, consumer, gateway, model_owner, chain, mode
):
    # The fee-on-transfer check reads the escrow's balance around the pull: a token whose
    # balanceOf reverts fails the open with the token's own revert data, one that returns
    # nothing fails it without data; no channel, no credits, nothing moves.
    kit = world[0]
    token = project.BalanceFailingERC20.deploy(sender=deployer)
    kit.allow(token)
    model_id = kit.register(model_owner, token)
    kit.credits.enableCredits(model_id, CREDIT_VALUE, sender=model_owner)
    kit.registry.setGateway(model_id, gateway, True, sender=model_owner)
    _fund(token, consumer, kit.credits, 10 * CREDIT_VALUE)
    views = (
        lambda: kit.credits.modelCredits(model_id),
        lambda: kit.credits.lockedSupply(model_id),
    )
    before = digest([token], [consumer, kit.credits], views)
    token.setMode(mode, sender=consumer)
    expiry = chain.pending_timestamp + DAY
    if mode == 1:
        with ape.reverts(token.BalanceUnavailable, account=kit.credits.address):
            kit.credits.buyAndOpenChannel(model_id, gateway, 0, 10, expiry, sender=consumer)
    else:
        call = kit.credits.buyAndOpenChannel.encode_input(model_id, gateway, 0, 10, expiry)
        tx = {"from": consumer.address, "to": kit.credits.address, "data": "0x" + call.hex()}
        response = chain.provider.web3.provider.make_request("eth_call", [tx, "latest"])
        assert "error" in response, "the open did not revert"
        assert response["error"].get("data") in (None, "0x"), response["error"]
        with ape.reverts():
            kit.credits.buyAndOpenChannel(model_id, gateway, 0, 10, expiry, sender=consumer)
    token.setMode(0, sender=consumer)
    assert digest([token], [consumer, kit.credits], views) == before


def test_claims__token_turns_false__revert_keep_balances_other_assets_pay_out(
    world, licensee, model_owner, contributor, treasury, chain
):
    kit, bad, _, plain, ids = world
    _fund(bad, licensee, kit.router, 1_000)
    _fund(plain, licensee, kit.router, 1_000)
    kit.router.pay(ids["false"], 1_000, sender=licensee)
    kit.router.pay(ids["plain"], 1_000, sender=licensee)
    kit.router.pay(ids["eth"], 1_000, value=1_000, sender=licensee)
    bad.setFailing(True, sender=licensee)
    fee, net = split(1_000)

    views = (
        lambda: kit.router.claimable(ids["false"], model_owner),
        lambda: kit.router.liabilities(bad),
        lambda: kit.router.feesOwed(bad),
    )
    before = digest([bad], [model_owner, kit.router, treasury], views)
    with ape.reverts(kit.router.SafeERC20FailedOperation, token=bad.address):
        kit.router.claim([ids["false"]], sender=model_owner)
    with ape.reverts(kit.router.SafeERC20FailedOperation, token=bad.address):
        kit.router.claimAmount(ids["false"], net, model_owner, sender=model_owner)
    with ape.reverts(kit.router.SafeERC20FailedOperation, token=bad.address):
        kit.router.claimFees(bad, sender=treasury)
    assert digest([bad], [model_owner, kit.router, treasury], views) == before
    assert kit.router.claimable(ids["false"], model_owner) == net

    # Claimants of other assets are not affected.
    _other_assets_pay_out(world, contributor, treasury, chain, net, fee)

    # Once the token works again, the kept balance pays out exactly.
    bad.setFailing(False, sender=licensee)
    kit.router.claim([ids["false"]], sender=model_owner)
    assert bad.balanceOf(model_owner) == net


def test_redeem_and_sweep__token_turns_false__revert_credits_and_revenue_unchanged(
    world, consumer, gateway, chain
):
    kit, bad, _, _, ids = world
    model = ids["false"]
    _fund(bad, consumer, kit.credits, 10 * CREDIT_VALUE)
    kit.credits.buyCredits(model, 10, consumer, sender=consumer)
    expiry = chain.pending_timestamp + DAY
    tx = kit.credits.openChannel(model, gateway, 0, 4, expiry, sender=consumer)
    cid = opened(kit.credits, tx)
    receipt = sign_receipt(
        ReceiptDomain.from_contract(kit.credits), Receipt(cid, 3, expiry), consumer
    ).settle_args(cid.terms)
    bad.setFailing(True, sender=consumer)
    # Settlement records the charge and moves no token: it works whatever the token does.
    kit.credits.settle([receipt], sender=gateway)
    assert kit.credits.pendingRevenue(model) == 3 * CREDIT_VALUE

    views = (
        lambda: kit.credits.balanceOf(consumer, model),
        lambda: kit.credits.modelCredits(model),
        lambda: kit.credits.channel(cid),
        lambda: kit.credits.pendingRevenue(model),
        lambda: kit.router.liabilities(bad),
    )
    before = digest([bad], [consumer, kit.credits, kit.router], views)
    with ape.reverts(kit.credits.SafeERC20FailedOperation, token=bad.address):
        kit.credits.redeem(model, 2, consumer, sender=consumer)
    # Raised by the router's pull inside sweep, bubbled through UsageCredits.
    with ape.reverts(kit.credits.SafeERC20FailedOperation, token=bad.address):
        kit.credits.sweep(model, sender=gateway)
    assert digest([bad], [consumer, kit.credits, kit.router], views) == before

    bad.setFailing(False, sender=consumer)
    kit.credits.sweep(model, sender=gateway)
    kit.credits.redeem(model, 2, consumer, sender=consumer)
    assert bad.balanceOf(kit.router) == 3 * CREDIT_VALUE
    assert bad.balanceOf(consumer) == 2 * CREDIT_VALUE


# ----------------------------------------------------------------------------- rebasing


def _pay_all(world, payer, amount):
    """Pays `amount` to both rebasing models, the plain-token model and the ETH model."""
    kit, _, reb, plain, ids = world
    _fund(reb, payer, kit.router, 2 * amount)
    _fund(plain, payer, kit.router, amount)
    kit.router.pay(ids["reb_a"], amount, sender=payer)
    kit.router.pay(ids["reb_b"], amount, sender=payer)
    kit.router.pay(ids["plain"], amount, sender=payer)
    kit.router.pay(ids["eth"], amount, value=amount, sender=payer)


def test_rebase__positive__claims_exact_surplus_unallocated_and_unclaimable(
    world, licensee, model_owner, contributor, treasury, attacker
):
    kit, _, reb, _, ids = world
    _pay_all(world, licensee, 1_000)
    fee, net = split(1_000)
    reb.rebase(2 * UNIT, sender=attacker)  # every holder's balance doubles
    assert reb.balanceOf(kit.router) == 4_000
    assert kit.router.liabilities(reb) == 2_000

    # Claimants get exactly what they were credited, not a share of the rebase.
    assert kit.router.claimable(ids["reb_a"], model_owner) == net
    kit.router.claim([ids["reb_a"]], sender=model_owner)
    kit.router.claim([ids["reb_b"]], sender=contributor)
    kit.router.claimFees(reb, sender=treasury)
    assert reb.balanceOf(model_owner) == net
    assert reb.balanceOf(contributor) == net
    assert reb.balanceOf(treasury) == 2 * fee
    assert kit.router.liabilities(reb) == 0

    # The surplus stays in the router, allocated to nobody, and nobody can take it.
    assert reb.balanceOf(kit.router) == 2_000
    for who in (attacker, model_owner, contributor):
        assert kit.router.claim([ids["reb_a"], ids["reb_b"]], sender=who).return_value == 0
    assert kit.router.claimFees(reb, sender=attacker).return_value == 0
    assert reb.balanceOf(kit.router) == 2_000


def test_rebase__negative__shortfall_hits_last_claimants_of_that_asset_only(
    world, licensee, model_owner, contributor, treasury, attacker, chain
):
    kit, _, reb, plain, ids = world
    _pay_all(world, licensee, 1_000)
    fee, net = split(1_000)
    reb.rebase(UNIT // 2, sender=attacker)  # every holder's balance halves
    assert reb.balanceOf(kit.router) == 1_000
    assert kit.router.liabilities(reb) == 2_000

    # First come, first served: model A's claimant is paid in full...
    kit.router.claim([ids["reb_a"]], sender=model_owner)
    assert reb.balanceOf(model_owner) == net
    assert reb.balanceOf(kit.router) == 1_000 - net

    # ...and model B's claimant (same asset, another model) and the treasury cannot be: their
    # claims revert with the token's error and their balances stay booked.
    views = (
        lambda: kit.router.claimable(ids["reb_b"], contributor),
        lambda: kit.router.liabilities(reb),
        lambda: kit.router.feesOwed(reb),
    )
    before = digest([reb], [contributor, treasury, kit.router], views)
    with ape.reverts(reb.RebasingERC20InsufficientBalance):
        kit.router.claim([ids["reb_b"]], sender=contributor)
    with ape.reverts(reb.RebasingERC20InsufficientBalance):
        kit.router.claimFees(reb, sender=treasury)
    assert digest([reb], [contributor, treasury, kit.router], views) == before
    assert kit.router.claimable(ids["reb_b"], contributor) == net

    # Claimants of every other asset are untouched.
    _other_assets_pay_out(world, contributor, treasury, chain, net, fee)
    kit.router.claimFees(ETH, sender=treasury)

    # The first claimant's gain is the others' loss for good: even when the index returns to
    # its start, the router holds 100 units against 1_050 booked.
    reb.rebase(UNIT, sender=attacker)
    assert reb.balanceOf(kit.router) == 100
    assert kit.router.liabilities(reb) == net + 2 * fee
    with ape.reverts(reb.RebasingERC20InsufficientBalance, balance=100, needed=net):
        kit.router.claim([ids["reb_b"]], sender=contributor)


def test_rebase__amount_not_convertible__pay_and_purchase_revert_mismatch(
    world, licensee, model_owner, attacker
):
    kit, _, reb, _, ids = world
    reb.rebase(2 * UNIT, sender=attacker)
    _fund(reb, licensee, kit.router, 10_000)
    # 1_001 moves 500 shares = 1_000 units: the router sees 1_000, not 1_001.
    with ape.reverts(kit.router.RevenueRouterTransferMismatch, expected=1_001, received=1_000):
        kit.router.pay(ids["reb_a"], 1_001, sender=licensee)
    assert kit.router.liabilities(reb) == 0

    offer_id = kit.offer(ids["reb_a"], model_owner, price=1_001)
    reb.approve(kit.licenses, 2**256 - 1, sender=licensee)
    with ape.reverts(kit.licenses.LicenseManagerTransferMismatch, expected=1_001, received=1_000):
        kit.licenses.purchase(offer_id, licensee, 1_001, sender=licensee)
    assert kit.licenses.balanceOf(licensee) == 0

    # An amount that converts exactly goes through, and the manager keeps nothing.
    even = kit.offer(ids["reb_a"], model_owner, price=1_000)
    kit.licenses.purchase(even, licensee, 1_000, sender=licensee)
    assert reb.balanceOf(kit.licenses) == 0
    assert kit.router.liabilities(reb) == 1_000 == reb.balanceOf(kit.router)


def test_rebase__negative__credits_escrow_shortfall_blocks_only_that_asset(
    world, consumer, holder, gateway, attacker, chain
):
    kit, _, reb, _, ids = world
    model, eth_model = ids["reb_a"], ids["eth"]
    _fund(reb, consumer, kit.credits, 10 * CREDIT_VALUE)
    _fund(reb, holder, kit.credits, 10 * CREDIT_VALUE)
    kit.credits.buyCredits(model, 10, consumer, sender=consumer)
    kit.credits.buyCredits(model, 10, holder, sender=holder)
    kit.credits.buyCredits(eth_model, 10, consumer, value=10 * CREDIT_VALUE, sender=consumer)
    reb.rebase(UNIT // 2, sender=attacker)
    assert reb.balanceOf(kit.credits) == 10 * CREDIT_VALUE  # escrow books 20 credits' worth

    kit.credits.redeem(model, 10, consumer, sender=consumer)  # first redeemer: paid in full
    assert reb.balanceOf(consumer) == 10 * CREDIT_VALUE
    views = (lambda: kit.credits.balanceOf(holder, model), lambda: kit.credits.modelCredits(model))
    before = digest([reb], [holder, kit.credits], views)
    with ape.reverts(reb.RebasingERC20InsufficientBalance):
        kit.credits.redeem(model, 1, holder, sender=holder)
    assert digest([reb], [holder, kit.credits], views) == before

    # ETH credits of the same consumer are untouched.
    with isolated(chain):
        eth_before = chain.provider.get_balance(consumer.address)
        kit.credits.redeem(eth_model, 10, consumer, sender=consumer, max_priority_fee=0)
        assert chain.provider.get_balance(consumer.address) == eth_before + 10 * CREDIT_VALUE
