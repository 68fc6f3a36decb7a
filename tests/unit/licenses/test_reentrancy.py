"""A payment token that calls back into the LicenseManager mid-payment is stopped by the guard."""

import ape
import pytest


@pytest.fixture(scope="module")
def evil(project, deployer, registry, governance):
    token = project.ReentrantERC20.deploy(sender=deployer)
    registry.setPaymentTokenAllowed(token, True, sender=governance)
    return token


@pytest.fixture(scope="module")
def evil_model(register_model, evil):
    return register_model(evil, weights=b"\x33" * 32, meta="ipfs://m")


@pytest.mark.parametrize("reenter", ["purchase", "renew"])
def test_purchase__token_reenters_manager__reverts_and_changes_nothing(
    manager, router, create_offer, evil, evil_model, licensee, reenter
):
    offer_id = create_offer(evil_model, price=1_000, transferable=False)
    evil.mint(licensee, 10_000, sender=licensee)
    evil.approve(manager, 10_000, sender=licensee)
    first = manager.purchase(offer_id, licensee, 1_000, sender=licensee).return_value
    if reenter == "purchase":
        data = manager.purchase.as_transaction(offer_id, licensee, 1_000, sender=licensee).data
    else:
        data = manager.renew.as_transaction(first, 1_000, sender=licensee).data
    evil.arm(manager, data, sender=licensee)
    before = (
        manager.offer(offer_id),
        manager.license(first),
        evil.balanceOf(licensee),
        evil.balanceOf(router),
        manager.balanceOf(licensee),
    )
    with ape.reverts(manager.ReentrancyGuardReentrantCall):
        manager.purchase(offer_id, licensee, 1_000, sender=licensee)
    after = (
        manager.offer(offer_id),
        manager.license(first),
        evil.balanceOf(licensee),
        evil.balanceOf(router),
        manager.balanceOf(licensee),
    )
    assert after == before
