"""LicenseManager.renew: extension arithmetic, who may pay, and every revert."""

import ape
import pytest
from license_helpers import PRICE, jump

from modelmint.constants import DAY, ETH

FREE = {"max_priority_fee": 0}  # no tip: ETH balances change by exactly what is paid


@pytest.fixture
def timed(create_offer, eth_model, buy, licensee):
    """(offerId, licenseId) of a 30-day non-transferable commercial license held by licensee."""
    offer_id = create_offer(eth_model, duration=30 * DAY)
    return offer_id, buy(offer_id, licensee).return_value


def test_renew__active_license__extends_from_expiry_and_emits(manager, router, timed, licensee):
    _, license_id = timed
    expiry = manager.license(license_id).expiry
    before = licensee.balance
    tx = manager.renew(license_id, PRICE, value=PRICE, sender=licensee, **FREE)
    assert tx.return_value == expiry + 30 * DAY
    assert manager.license(license_id).expiry == expiry + 30 * DAY
    assert licensee.balance == before - PRICE
    assert router.liabilities(ETH) == 2 * PRICE
    assert tx.decode_logs(router.PaymentReceived)[0].amount == PRICE
    [ev] = tx.decode_logs(manager.LicenseRenewed)
    assert (ev.licenseId, ev.payer, ev.price) == (license_id, licensee.address, PRICE)
    assert (ev.previousExpiry, ev.newExpiry) == (expiry, expiry + 30 * DAY)


def test_renew__lapsed_license__extends_from_now(manager, timed, licensee, chain, eth_model):
    _, license_id = timed
    expiry = manager.license(license_id).expiry
    jump(chain, 45 * DAY)
    assert not manager.hasValidLicense(licensee, eth_model, False, 0)
    renew_at = expiry + 20 * DAY
    chain.pending_timestamp = renew_at
    tx = manager.renew(license_id, PRICE, value=PRICE, sender=licensee)
    assert tx.timestamp == renew_at
    assert manager.license(license_id).expiry == renew_at + 30 * DAY
    assert manager.hasValidLicense(licensee, eth_model, True, 0)


def test_renew__at_exact_expiry__extends_from_expiry(manager, timed, licensee, chain):
    _, license_id = timed
    expiry = manager.license(license_id).expiry
    chain.pending_timestamp = expiry
    manager.renew(license_id, PRICE, value=PRICE, sender=licensee)
    assert manager.license(license_id).expiry == expiry + 30 * DAY


def test_renew__third_party_pays__holder_keeps_license(manager, timed, licensee, consumer):
    _, license_id = timed
    payer_before, holder_before = consumer.balance, licensee.balance
    tx = manager.renew(license_id, PRICE, value=PRICE, sender=consumer, **FREE)
    assert manager.ownerOf(license_id) == licensee
    assert consumer.balance == payer_before - PRICE
    assert licensee.balance == holder_before
    assert tx.decode_logs(manager.LicenseRenewed)[0].payer == consumer.address


def test_renew__after_price_change__charges_current_price(
    manager, timed, licensee, model_owner, router
):
    offer_id, license_id = timed
    manager.setOfferPrice(offer_id, 2 * PRICE, sender=model_owner)
    manager.renew(license_id, 2 * PRICE, value=2 * PRICE, sender=licensee)
    assert router.balance == 3 * PRICE


def test_renew__erc20__pulls_price(manager, router, create_offer, usdc_model, usdc, licensee):
    offer_id = create_offer(usdc_model, price=1_000)
    usdc.mint(licensee, 2_000, sender=licensee)
    usdc.approve(manager, 2_000, sender=licensee)
    license_id = manager.purchase(offer_id, licensee, 1_000, sender=licensee).return_value
    manager.renew(license_id, 1_000, sender=licensee)
    assert usdc.balanceOf(router) == 2_000
    assert usdc.balanceOf(licensee) == 0


def test_renew__transferable_license__new_holder_benefits(
    manager, create_offer, eth_model, buy, licensee, holder
):
    offer_id = create_offer(eth_model, transferable=True, duration=DAY)
    license_id = buy(offer_id, licensee).return_value
    manager.transferFrom(licensee, holder, license_id, sender=licensee)
    new_expiry = manager.renew(license_id, PRICE, value=PRICE, sender=licensee).return_value
    assert manager.license(license_id).expiry == new_expiry
    assert manager.isLicenseValid(license_id, holder, True, 0)
    assert not manager.hasValidLicense(licensee, eth_model, False, 0)


# ------------------------------------------------------------------ reverts


def _unchanged(manager, router, license_id, payer):
    return manager.license(license_id), payer.balance, router.balance


def test_renew__perpetual__reverts(manager, router, create_offer, eth_model, buy, licensee):
    offer_id = create_offer(eth_model, duration=0)
    license_id = buy(offer_id, licensee).return_value
    before = _unchanged(manager, router, license_id, licensee)
    with ape.reverts(manager.LicenseManagerPerpetual, licenseId=license_id):
        manager.renew(license_id, PRICE, value=PRICE, sender=licensee, **FREE)
    assert _unchanged(manager, router, license_id, licensee) == before


@pytest.mark.parametrize("license_id", [0, 1, (1 << 32) | 2])
def test_renew__unknown_license__reverts(manager, router, timed, licensee, license_id):
    before = licensee.balance
    with ape.reverts(manager.LicenseManagerUnknownLicense, licenseId=license_id):
        manager.renew(license_id, PRICE, value=PRICE, sender=licensee, **FREE)
    assert licensee.balance == before
    assert router.balance == PRICE


def test_renew__paused_offer__reverts(manager, router, timed, licensee, model_owner):
    offer_id, license_id = timed
    manager.setOfferPaused(offer_id, True, sender=model_owner)
    before = _unchanged(manager, router, license_id, licensee)
    with ape.reverts(manager.LicenseManagerOfferPaused, offerId=offer_id):
        manager.renew(license_id, PRICE, value=PRICE, sender=licensee, **FREE)
    assert _unchanged(manager, router, license_id, licensee) == before


def test_renew__sale_window_closed__reverts(
    manager, router, create_offer, eth_model, buy, licensee, chain
):
    ends = chain.blocks.head.timestamp + 10 * DAY
    offer_id = create_offer(eth_model, sale_ends=ends)
    license_id = buy(offer_id, licensee).return_value
    chain.pending_timestamp = ends
    before = _unchanged(manager, router, license_id, licensee)
    with ape.reverts(manager.LicenseManagerOfferEnded, offerId=offer_id, saleEnds=ends):
        manager.renew(license_id, PRICE, value=PRICE, sender=licensee, **FREE)
    assert _unchanged(manager, router, license_id, licensee) == before


@pytest.mark.parametrize("how", ["retired", "flagged"])
def test_renew__sales_closed__reverts_and_license_runs_to_expiry(
    manager, router, registry, timed, licensee, model_owner, governance, eth_model, chain, how
):
    _, license_id = timed
    if how == "retired":
        registry.setStatus(eth_model, 1, sender=model_owner)
    else:
        registry.setFlagged(eth_model, True, sender=governance)
    before = _unchanged(manager, router, license_id, licensee)
    with ape.reverts(manager.LicenseManagerSalesClosed, modelId=eth_model):
        manager.renew(license_id, PRICE, value=PRICE, sender=licensee, **FREE)
    assert _unchanged(manager, router, license_id, licensee) == before
    # The paid period is untouched by the status change.
    assert manager.isLicenseValid(license_id, licensee, True, 0)
    chain.mine(1, timestamp=manager.license(license_id).expiry - 1)
    assert manager.hasValidLicense(licensee, eth_model, True, 0)


def test_renew__price_above_max__reverts(manager, router, timed, licensee, model_owner):
    offer_id, license_id = timed
    manager.setOfferPrice(offer_id, PRICE + 1, sender=model_owner)
    before = _unchanged(manager, router, license_id, licensee)
    with ape.reverts(
        manager.LicenseManagerPriceAboveMax, offerId=offer_id, price=PRICE + 1, maxPrice=PRICE
    ):
        manager.renew(license_id, PRICE, value=PRICE + 1, sender=licensee, **FREE)
    assert _unchanged(manager, router, license_id, licensee) == before


@pytest.mark.parametrize("value", [0, PRICE - 1, PRICE + 1])
def test_renew__wrong_eth_amount__reverts(manager, router, timed, licensee, value):
    _, license_id = timed
    before = _unchanged(manager, router, license_id, licensee)
    with ape.reverts(manager.LicenseManagerWrongPayment, expected=PRICE, sent=value):
        manager.renew(license_id, 2 * PRICE, value=value, sender=licensee, **FREE)
    assert _unchanged(manager, router, license_id, licensee) == before
