"""Transfers, the O(1) validity views, and the no-revocation guarantee."""

import ape
import pytest
from fixtures.asserts import assert_transfers_refused
from license_helpers import HASH_2, PERPETUAL, PRICE, jump, license_id_of

from modelmint.constants import DAY

# ------------------------------------------------------------------ transfer rules


def test_transfer__non_transferable__reverts_every_path(
    manager, create_offer, eth_model, buy, licensee, holder
):
    license_id = buy(create_offer(eth_model, transferable=False), licensee).return_value
    manager.approve(holder, license_id, sender=licensee)
    for call in (
        lambda: manager.transferFrom(licensee, holder, license_id, sender=licensee),
        lambda: manager.safeTransferFrom(licensee, holder, license_id, sender=licensee),
        lambda: manager.transferFrom(licensee, holder, license_id, sender=holder),
        lambda: manager.transferFrom(licensee, licensee, license_id, sender=licensee),
    ):
        with ape.reverts(manager.LicenseManagerNonTransferable, licenseId=license_id):
            call()
    assert manager.ownerOf(license_id) == licensee
    assert manager.balanceOf(holder) == 0
    assert manager.hasValidLicense(licensee, eth_model, True, 0)


def test_transfer__transferable__carries_expiry_terms_and_validity(
    manager, create_offer, eth_model, buy, licensee, holder
):
    offer_id = create_offer(eth_model, transferable=True, commercial=True, version_pin=2)
    license_id = buy(offer_id, licensee).return_value
    record = manager.license(license_id)
    tx = manager.transferFrom(licensee, holder, license_id, sender=licensee)
    [ev] = tx.decode_logs(manager.Transfer)
    assert (ev["from"], ev.to, ev.tokenId) == (licensee.address, holder.address, license_id)
    assert manager.ownerOf(license_id) == holder
    assert manager.license(license_id) == record
    assert manager.isLicenseValid(license_id, holder, True, 2)
    assert manager.hasValidLicense(holder, eth_model, True, 2)
    assert not manager.isLicenseValid(license_id, licensee, False, 2)
    assert not manager.hasValidLicense(licensee, eth_model, False, 2)


def _thirty_and_five_days(create_offer, model_id, buy, long_buyer, short_buyer):
    """Transferable licenses of one class on `model_id`: 30 days bought by `long_buyer`, then 5
    days by `short_buyer`; returns (longer id, shorter id)."""
    long_offer = create_offer(model_id, transferable=True, duration=30 * DAY)
    short_offer = create_offer(model_id, transferable=True, duration=5 * DAY)
    longer = buy(long_offer, long_buyer).return_value
    return longer, buy(short_offer, short_buyer).return_value


def test_transfer__second_transferable_same_class__both_held_longer_recorded(
    manager, create_offer, eth_model, buy, licensee, holder, accounts
):
    longer, shorter = _thirty_and_five_days(create_offer, eth_model, buy, licensee, holder)
    manager.transferFrom(licensee, holder, longer, sender=licensee)
    assert manager.recordedLicense(licensee, eth_model, 0, True) == 0
    assert manager.balanceOf(holder) == 2
    assert manager.recordedLicense(holder, eth_model, 0, True) == longer
    # The recorded one leaves: the slot empties until the remaining license is recorded again.
    other = accounts[9]
    manager.transferFrom(holder, other, longer, sender=holder)
    assert not manager.hasValidLicense(holder, eth_model, True, 0)
    assert manager.isLicenseValid(shorter, holder, True, 0)
    manager.recordLicense(shorter, sender=other)  # anyone may record it
    assert manager.hasValidLicense(holder, eth_model, True, 0)
    assert manager.hasValidLicense(other, eth_model, True, 0)
    assert not manager.hasValidLicense(licensee, eth_model, False, 0)


def test_transfer__two_perpetual_same_class__first_stays_recorded_and_holder_valid(
    manager, create_offer, eth_model, buy, licensee, holder
):
    offer_id = create_offer(eth_model, transferable=True, duration=0)  # perpetual
    first = buy(offer_id, licensee).return_value
    second = buy(offer_id, licensee).return_value
    assert manager.license(first).expiry == manager.license(second).expiry == PERPETUAL
    # equal expiry: the second does not take the slot
    assert manager.recordedLicense(licensee, eth_model, 0, True) == first
    manager.transferFrom(licensee, holder, second, sender=licensee)
    assert manager.recordedLicense(licensee, eth_model, 0, True) == first
    assert manager.hasValidLicense(licensee, eth_model, True, 0)
    assert manager.recordedLicense(holder, eth_model, 0, True) == second
    assert manager.hasValidLicense(holder, eth_model, True, 0)


def test_transfer__unrecorded_shorter_license_leaves__recorded_stays_and_holder_valid(
    chain, manager, create_offer, eth_model, buy, licensee, holder
):
    longer, shorter = _thirty_and_five_days(create_offer, eth_model, buy, licensee, licensee)
    assert manager.recordedLicense(licensee, eth_model, 0, True) == longer
    manager.transferFrom(licensee, holder, shorter, sender=licensee)
    assert manager.recordedLicense(licensee, eth_model, 0, True) == longer
    assert manager.hasValidLicense(licensee, eth_model, True, 0)
    jump(chain, 10 * DAY)  # past the 5-day one: the 30-day one still answers
    assert manager.hasValidLicense(licensee, eth_model, True, 0)
    assert not manager.hasValidLicense(holder, eth_model, True, 0)


def test_purchase__unsolicited_free_license_held__purchase_succeeds_and_is_valid(
    chain, manager, router, model_owner, create_offer, eth_model, buy, licensee, attacker
):
    """License slot griefing: a free one-second license minted to the victim used to occupy its
    class and make every later purchase of that class revert."""
    free = create_offer(eth_model, transferable=True, price=0, duration=1)
    paid = create_offer(eth_model, transferable=True, duration=30 * DAY)
    junk = buy(free, attacker, recipient=licensee).return_value
    jump(chain, 10)
    router_before = router.balance
    bought = buy(paid, licensee).return_value
    assert router.balance == router_before + PRICE
    assert manager.ownerOf(bought) == manager.ownerOf(junk) == licensee
    assert manager.recordedLicense(licensee, eth_model, 0, True) == bought
    assert manager.hasValidLicense(licensee, eth_model, True, 0)


def test_transfer__expired_license_pushed_to_victim__later_transfer_and_purchase_succeed(
    chain, manager, create_offer, eth_model, buy, licensee, holder, attacker
):
    short = create_offer(eth_model, transferable=True, price=0, duration=DAY)
    paid = create_offer(eth_model, transferable=True, duration=30 * DAY)
    expired = buy(short, attacker).return_value
    jump(chain, 2 * DAY)
    manager.transferFrom(attacker, licensee, expired, sender=attacker)
    gift = buy(paid, holder).return_value
    manager.transferFrom(holder, licensee, gift, sender=holder)  # incoming transfer
    jump(chain, 10)
    bought = buy(paid, licensee).return_value  # purchase of the same class
    assert manager.balanceOf(licensee) == 3
    assert manager.hasValidLicense(licensee, eth_model, True, 0)
    # the bought one expires last (same duration, later): it is the recorded one
    assert manager.recordedLicense(licensee, eth_model, 0, True) == bought
    assert not manager.isLicenseValid(expired, licensee, False, 0)


def test_purchase__contract_victim_with_unsolicited_license__purchases_keep_working(
    manager, registry, create_offer, eth_model, buy, licensee, attacker
):
    """A contract that can never move licenses (here: the registry) is not blocked for good."""
    free = create_offer(eth_model, transferable=True, price=0, duration=DAY)
    paid = create_offer(eth_model, transferable=True, duration=30 * DAY)
    buy(free, attacker, recipient=registry)
    bought = buy(paid, licensee, recipient=registry).return_value
    assert manager.ownerOf(bought) == registry
    assert manager.recordedLicense(registry, eth_model, 0, True) == bought


def test_renew__unrecorded_license_outlasts_recorded__becomes_recorded(
    chain, manager, create_offer, eth_model, buy, licensee
):
    offer_id = create_offer(eth_model, transferable=True, duration=10 * DAY)
    first = buy(offer_id, licensee).return_value
    jump(chain, DAY)
    second = buy(offer_id, licensee).return_value
    assert manager.recordedLicense(licensee, eth_model, 0, True) == second
    manager.renew(first, PRICE, value=PRICE, sender=licensee)
    assert manager.recordedLicense(licensee, eth_model, 0, True) == first


def test_recordLicense__non_transferable_or_unknown__reverts(
    manager, create_offer, eth_model, buy, licensee
):
    bound = buy(create_offer(eth_model, transferable=False), licensee).return_value
    with ape.reverts(manager.LicenseManagerNonTransferable, licenseId=bound):
        manager.recordLicense(bound, sender=licensee)
    with ape.reverts(manager.LicenseManagerUnknownLicense, licenseId=bound + 1):
        manager.recordLicense(bound + 1, sender=licensee)


def test_transfer__different_class__both_held(
    manager, create_offer, eth_model, buy, licensee, holder
):
    commercial = create_offer(eth_model, transferable=True, commercial=True)
    personal = create_offer(eth_model, transferable=True, commercial=False)
    pinned = create_offer(eth_model, transferable=True, commercial=True, version_pin=1)
    ids = [buy(o, licensee).return_value for o in (commercial, personal, pinned)]
    buy(commercial, holder)
    assert manager.balanceOf(licensee) == 3
    manager.transferFrom(licensee, holder, ids[1], sender=licensee)
    manager.transferFrom(licensee, holder, ids[2], sender=licensee)
    assert manager.balanceOf(holder) == 3


def test_transfer__non_transferable_licenses__any_number_per_class(
    manager, create_offer, eth_model, buy, licensee
):
    offer_id = create_offer(eth_model, transferable=False)
    for _ in range(3):
        buy(offer_id, licensee)
    assert manager.balanceOf(licensee) == 3


def test_transfer__self_transfer__keeps_class_slot(manager, create_offer, eth_model, buy, licensee):
    license_id = buy(create_offer(eth_model, transferable=True), licensee).return_value
    manager.transferFrom(licensee, licensee, license_id, sender=licensee)
    assert manager.hasValidLicense(licensee, eth_model, True, 0)


def test_transfer__back_and_forth__validity_follows_owner(
    manager, create_offer, eth_model, buy, licensee, holder, chain
):
    license_id = buy(
        create_offer(eth_model, transferable=True, duration=DAY), licensee
    ).return_value
    for sender, receiver in ((licensee, holder), (holder, licensee), (licensee, holder)):
        manager.transferFrom(sender, receiver, license_id, sender=sender)
        assert manager.hasValidLicense(receiver, eth_model, True, 0)
        assert not manager.hasValidLicense(sender, eth_model, False, 0)
    jump(chain, DAY)
    assert not manager.hasValidLicense(holder, eth_model, False, 0)


# ------------------------------------------------------------------ isLicenseValid


def test_isLicenseValid__expiry_boundary__valid_until_last_second(
    manager, create_offer, eth_model, buy, licensee, chain
):
    license_id = buy(create_offer(eth_model, duration=1000), licensee).return_value
    expiry = manager.license(license_id).expiry
    chain.mine(1, timestamp=expiry - 1)
    assert manager.isLicenseValid(license_id, licensee, True, 1)
    assert manager.hasValidLicense(licensee, eth_model, True, 1)
    chain.mine(1, timestamp=expiry)
    assert not manager.isLicenseValid(license_id, licensee, True, 1)
    assert not manager.hasValidLicense(licensee, eth_model, False, 1)


def test_isLicenseValid__commercial_requirement(manager, create_offer, eth_model, buy, licensee):
    personal = buy(create_offer(eth_model, commercial=False), licensee).return_value
    assert manager.isLicenseValid(personal, licensee, False, 0)
    assert not manager.isLicenseValid(personal, licensee, True, 0)
    assert manager.hasValidLicense(licensee, eth_model, False, 0)
    assert not manager.hasValidLicense(licensee, eth_model, True, 0)


def test_isLicenseValid__version_pin__only_that_version_and_latest_moves(
    manager, registry, create_offer, eth_model, buy, licensee, model_owner
):
    pinned = buy(create_offer(eth_model, version_pin=2), licensee).return_value
    assert manager.isLicenseValid(pinned, licensee, True, 2)
    assert manager.isLicenseValid(pinned, licensee, True, 0)  # latest is 2
    assert not manager.isLicenseValid(pinned, licensee, True, 1)
    assert manager.hasValidLicense(licensee, eth_model, True, 0)
    assert not manager.hasValidLicense(licensee, eth_model, True, 1)
    registry.publishVersion(eth_model, HASH_2, "v3", sender=model_owner)
    assert not manager.isLicenseValid(pinned, licensee, True, 0)  # latest is 3 now
    assert not manager.hasValidLicense(licensee, eth_model, True, 0)
    assert manager.hasValidLicense(licensee, eth_model, True, 2)


def test_isLicenseValid__unpinned__every_version(manager, create_offer, eth_model, buy, licensee):
    license_id = buy(create_offer(eth_model), licensee).return_value
    for version in (0, 1, 2, 77):
        assert manager.isLicenseValid(license_id, licensee, True, version)
        assert manager.hasValidLicense(licensee, eth_model, True, version)


def test_isLicenseValid__wrong_account_or_unknown_license__false(
    manager, create_offer, eth_model, buy, licensee, attacker
):
    offer_id = create_offer(eth_model)
    license_id = buy(offer_id, licensee).return_value
    assert not manager.isLicenseValid(license_id, attacker, False, 0)
    assert not manager.isLicenseValid(license_id, ape.utils.ZERO_ADDRESS, False, 0)
    assert not manager.isLicenseValid(license_id_of(offer_id, 2), licensee, False, 0)
    assert not manager.isLicenseValid(0, licensee, False, 0)


def test_hasValidLicense__other_model_or_account__false(
    manager, create_offer, eth_model, usdc_model, buy, licensee, attacker
):
    buy(create_offer(eth_model), licensee)
    assert not manager.hasValidLicense(licensee, usdc_model, False, 1)
    assert not manager.hasValidLicense(attacker, eth_model, False, 1)


def test_hasValidLicense__unknown_model_version_zero__reverts_in_registry(
    manager, registry, licensee
):
    with ape.reverts(registry.ModelRegistryUnknownModel, modelId=99):
        manager.hasValidLicense(licensee, 99, False, 0)
    assert not manager.hasValidLicense(licensee, 99, False, 1)


def test_hasValidLicense__longest_of_several_bound_licenses_counts(
    manager, create_offer, eth_model, buy, licensee, chain
):
    short = create_offer(eth_model, duration=DAY)
    long = create_offer(eth_model, duration=10 * DAY)
    buy(long, licensee)
    buy(short, licensee)  # a shorter purchase later must not lower the aggregate
    jump(chain, 5 * DAY)
    assert manager.hasValidLicense(licensee, eth_model, True, 0)
    jump(chain, 5 * DAY)
    assert not manager.hasValidLicense(licensee, eth_model, True, 0)


def test_hasValidLicense__renewal_of_bound_license_raises_aggregate(
    manager, create_offer, eth_model, buy, licensee, chain
):
    license_id = buy(create_offer(eth_model, duration=DAY, commercial=False), licensee).return_value
    manager.renew(license_id, PRICE, value=PRICE, sender=licensee)
    jump(chain, DAY + 100)
    assert manager.hasValidLicense(licensee, eth_model, False, 0)
    assert not manager.hasValidLicense(licensee, eth_model, True, 0)


# ------------------------------------------------------------------ no revocation


def test_no_revocation__owner_actions_never_shorten_a_paid_license(
    manager,
    registry,
    create_offer,
    eth_model,
    buy,
    licensee,
    model_owner,
    governance,
    holder,
    chain,
):
    offer_id = create_offer(eth_model, duration=30 * DAY)
    license_id = buy(offer_id, licensee).return_value
    record = manager.license(license_id)
    manager.setOfferPrice(offer_id, 2**96 - 1, sender=model_owner)
    manager.setOfferPaused(offer_id, True, sender=model_owner)
    registry.setStatus(eth_model, 1, sender=model_owner)
    registry.setFlagged(eth_model, True, sender=governance)
    registry.transferFrom(model_owner, holder, eth_model, sender=model_owner)
    with ape.reverts(manager.ERC721InsufficientApproval):
        manager.transferFrom(licensee, model_owner, license_id, sender=model_owner)
    assert manager.license(license_id) == record
    assert manager.ownerOf(license_id) == licensee
    chain.mine(1, timestamp=record.expiry - 1)
    assert manager.isLicenseValid(license_id, licensee, True, 0)
    assert manager.hasValidLicense(licensee, eth_model, True, 0)


def test_no_revocation__transferable_license_cannot_be_taken(
    manager, create_offer, eth_model, buy, licensee, model_owner, attacker
):
    license_id = buy(create_offer(eth_model, transferable=True), licensee).return_value
    takes = [("transferFrom", caller, caller) for caller in (model_owner, attacker)]
    refused = manager.ERC721InsufficientApproval
    assert_transfers_refused(manager, license_id, licensee, refused, takes)


# ------------------------------------------------------------------ expiry overflow


def test_purchase__expiry_would_reach_perpetual_sentinel__reverts(
    manager, create_offer, eth_model, buy, licensee, chain
):
    offer_id = create_offer(eth_model, duration=1000)
    chain.pending_timestamp = PERPETUAL - 1000
    with ape.reverts(manager.LicenseManagerExpiryOverflow, licenseId=license_id_of(offer_id, 1)):
        buy(offer_id, licensee)
    assert manager.offer(offer_id).sold == 0


def test_renew__expiry_would_reach_perpetual_sentinel__reverts(
    manager, create_offer, eth_model, buy, licensee, chain
):
    offer_id = create_offer(eth_model, duration=1000)
    chain.pending_timestamp = PERPETUAL - 1500
    license_id = buy(offer_id, licensee).return_value
    expiry = manager.license(license_id).expiry
    with ape.reverts(manager.LicenseManagerExpiryOverflow, licenseId=license_id):
        manager.renew(license_id, PRICE, value=PRICE, sender=licensee)
    assert manager.license(license_id).expiry == expiry


@pytest.mark.parametrize("duration", [1, DAY])
def test_purchase__timed__expiry_is_timestamp_plus_duration(
    manager, create_offer, eth_model, buy, licensee, duration
):
    tx = buy(create_offer(eth_model, duration=duration), licensee)
    assert manager.license(tx.return_value).expiry == tx.timestamp + duration
