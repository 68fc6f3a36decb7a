"""LicenseManager: deployment, offer creation and offer management."""

import ape
import pytest
from license_helpers import MAX_DURATION, PRICE, TERMS_HASH, now

from modelmint.constants import DAY
from modelmint.dev.testing import assert_deploy_reverts

# ------------------------------------------------------------------ constructor


def test_constructor__wires_registry_and_router(manager, registry, router):
    assert manager.registry() == registry.address
    assert manager.router() == router.address
    assert manager.name() == "Modelmint License"
    assert manager.symbol() == "MMLIC"
    assert manager.offerCount() == 0
    assert manager.PERPETUAL() == 2**64 - 1
    assert manager.MAX_DURATION() == MAX_DURATION
    assert manager.supportsInterface("0x80ac58cd")  # ERC-721


@pytest.mark.parametrize("which", ["registry", "router"])
def test_constructor__zero_address__reverts(project, chain, deployer, registry, router, which):
    args = [registry, router]
    args[["registry", "router"].index(which)] = ape.utils.ZERO_ADDRESS
    assert_deploy_reverts(
        chain, project.LicenseManager, args, "LicenseManagerZeroAddress", sender=deployer
    )


# ------------------------------------------------------------------ createOffer


def test_createOffer__owner__stores_offer_and_emits(
    manager, eth_model, model_owner, offer_params, chain
):
    ends = now(chain) + 10 * DAY
    params = offer_params(
        eth_model,
        price=123,
        duration=7 * DAY,
        supply_cap=5,
        sale_ends=ends,
        version_pin=2,
        commercial=False,
        transferable=True,
        terms_uri="ar://terms-v1",
    )
    tx = manager.createOffer(params, sender=model_owner)
    assert tx.return_value == 1
    assert manager.offerCount() == 1
    o = manager.offer(1)
    assert (o.modelId, o.price, o.duration, o.versionPin) == (eth_model, 123, 7 * DAY, 2)
    assert (o.supplyCap, o.sold, o.saleEnds) == (5, 0, ends)
    assert (o.commercial, o.transferable, o.paused) == (False, True, False)
    assert o.termsHash == TERMS_HASH
    [ev] = tx.decode_logs(manager.OfferCreated)
    assert (ev.offerId, ev.modelId, ev.price, ev.duration, ev.supplyCap) == (
        1,
        eth_model,
        123,
        7 * DAY,
        5,
    )
    assert (ev.saleEnds, ev.versionPin, ev.commercial, ev.transferable) == (ends, 2, False, True)
    assert (ev.termsHash, ev.termsURI) == (TERMS_HASH, "ar://terms-v1")


def test_createOffer__ids_are_sequential_across_models(create_offer, eth_model, usdc_model):
    assert create_offer(eth_model) == 1
    assert create_offer(usdc_model) == 2
    assert create_offer(eth_model, duration=0) == 3


def test_createOffer__perpetual_and_max_duration__accepted(create_offer, manager, eth_model):
    assert manager.offer(create_offer(eth_model, duration=0)).duration == 0
    assert manager.offer(create_offer(eth_model, duration=MAX_DURATION)).duration == MAX_DURATION


def test_createOffer__unknown_model__reverts(manager, model_owner, offer_params):
    for bad in (0, 999, 2**64):
        with ape.reverts(manager.LicenseManagerUnknownModel, modelId=bad):
            manager.createOffer(offer_params(bad), sender=model_owner)
    assert manager.offerCount() == 0


def test_createOffer__non_owner__reverts(manager, eth_model, attacker, governance, offer_params):
    for caller in (attacker, governance):
        with ape.reverts(
            manager.LicenseManagerNotModelOwner, modelId=eth_model, caller=caller.address
        ):
            manager.createOffer(offer_params(eth_model), sender=caller)
    assert manager.offerCount() == 0


def test_createOffer__zero_terms_hash__reverts(manager, eth_model, model_owner, offer_params):
    with ape.reverts(manager.LicenseManagerZeroTermsHash):
        manager.createOffer(offer_params(eth_model, terms_hash=b"\x00" * 32), sender=model_owner)
    assert manager.offerCount() == 0


def test_createOffer__duration_too_long__reverts(manager, eth_model, model_owner, offer_params):
    with ape.reverts(
        manager.LicenseManagerDurationTooLong, duration=MAX_DURATION + 1, maxDuration=MAX_DURATION
    ):
        manager.createOffer(offer_params(eth_model, duration=MAX_DURATION + 1), sender=model_owner)


def test_createOffer__sale_end_not_in_future__reverts(
    manager, eth_model, model_owner, offer_params, chain
):
    # The transaction's block is at least one second after the head.
    past = now(chain) - 1
    with ape.reverts(manager.LicenseManagerInvalidSaleEnd, saleEnds=past):
        manager.createOffer(offer_params(eth_model, sale_ends=past), sender=model_owner)
    assert manager.offerCount() == 0


@pytest.mark.parametrize("pin", [3, 2**32 - 1])
def test_createOffer__unpublished_version_pin__reverts(
    manager, eth_model, model_owner, offer_params, pin
):
    with ape.reverts(manager.LicenseManagerUnknownVersion, modelId=eth_model, version=pin):
        manager.createOffer(offer_params(eth_model, version_pin=pin), sender=model_owner)


def test_createOffer__retired_model__allowed_but_unsellable(
    manager, registry, eth_model, model_owner, create_offer, buy, licensee
):
    registry.setStatus(eth_model, 1, sender=model_owner)
    offer_id = create_offer(eth_model)
    with ape.reverts(manager.LicenseManagerSalesClosed, modelId=eth_model):
        buy(offer_id, licensee)


def test_createOffer__model_token_transferred__new_owner_only(
    manager, registry, eth_model, model_owner, holder, offer_params
):
    registry.transferFrom(model_owner, holder, eth_model, sender=model_owner)
    with ape.reverts(manager.LicenseManagerNotModelOwner, caller=model_owner.address):
        manager.createOffer(offer_params(eth_model), sender=model_owner)
    manager.createOffer(offer_params(eth_model), sender=holder)
    assert manager.offerCount() == 1


# ------------------------------------------------------------------ setOfferPrice


def test_setOfferPrice__owner__changes_price_and_emits(
    manager, create_offer, eth_model, model_owner
):
    offer_id = create_offer(eth_model, price=PRICE)
    tx = manager.setOfferPrice(offer_id, 5 * PRICE, sender=model_owner)
    assert manager.offer(offer_id).price == 5 * PRICE
    [ev] = tx.decode_logs(manager.OfferPriceChanged)
    assert (ev.offerId, ev.previousPrice, ev.newPrice) == (offer_id, PRICE, 5 * PRICE)


def test_setOfferPrice__non_owner__reverts(manager, create_offer, eth_model, attacker):
    offer_id = create_offer(eth_model)
    with ape.reverts(
        manager.LicenseManagerNotModelOwner, modelId=eth_model, caller=attacker.address
    ):
        manager.setOfferPrice(offer_id, 1, sender=attacker)
    assert manager.offer(offer_id).price == PRICE


def test_setOfferPrice__unknown_offer__reverts(manager, model_owner):
    with ape.reverts(manager.LicenseManagerUnknownOffer, offerId=1):
        manager.setOfferPrice(1, 1, sender=model_owner)


def test_setOfferPrice__after_model_transfer__new_owner_controls(
    manager, registry, create_offer, eth_model, model_owner, holder
):
    offer_id = create_offer(eth_model)
    registry.transferFrom(model_owner, holder, eth_model, sender=model_owner)
    with ape.reverts(manager.LicenseManagerNotModelOwner):
        manager.setOfferPrice(offer_id, 1, sender=model_owner)
    manager.setOfferPrice(offer_id, 1, sender=holder)
    assert manager.offer(offer_id).price == 1


# ------------------------------------------------------------------ setOfferPaused


def test_setOfferPaused__owner__pauses_resumes_and_emits(
    manager, create_offer, eth_model, model_owner
):
    offer_id = create_offer(eth_model)
    tx = manager.setOfferPaused(offer_id, True, sender=model_owner)
    assert manager.offer(offer_id).paused
    [ev] = tx.decode_logs(manager.OfferPausedSet)
    assert (ev.offerId, ev.paused) == (offer_id, True)
    tx = manager.setOfferPaused(offer_id, False, sender=model_owner)
    assert not manager.offer(offer_id).paused
    assert not tx.decode_logs(manager.OfferPausedSet)[0].paused


def test_setOfferPaused__non_owner__reverts(manager, create_offer, eth_model, attacker):
    offer_id = create_offer(eth_model)
    with ape.reverts(manager.LicenseManagerNotModelOwner, caller=attacker.address):
        manager.setOfferPaused(offer_id, True, sender=attacker)
    assert not manager.offer(offer_id).paused


def test_setOfferPaused__unknown_offer__reverts(manager, model_owner):
    with ape.reverts(manager.LicenseManagerUnknownOffer, offerId=3):
        manager.setOfferPaused(3, True, sender=model_owner)


# ------------------------------------------------------------------ views


def test_offer__unknown__reverts(manager):
    with ape.reverts(manager.LicenseManagerUnknownOffer, offerId=0):
        manager.offer(0)


def test_license__unknown__reverts(manager):
    with ape.reverts(manager.LicenseManagerUnknownLicense, licenseId=(1 << 32) | 1):
        manager.license((1 << 32) | 1)
