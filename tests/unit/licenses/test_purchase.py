"""LicenseManager.purchase: success paths, payment paths, every revert (state untouched)."""

from contextlib import contextmanager

import ape
import pytest
from license_helpers import PERPETUAL, PRICE, jump, license_id_of, split

from modelmint.constants import DAY, ETH

USDC_PRICE = 25 * 10**6


def snapshot(manager, router, offer_id, *accounts, token=None):
    """Everything a failed purchase must leave untouched."""
    bal = (lambda a: token.balanceOf(a)) if token else (lambda a: a.balance)
    return (
        manager.offer(offer_id),
        tuple(bal(a) for a in accounts),
        bal(router),
        bal(manager),
        tuple(manager.balanceOf(a) for a in accounts),
    )


@contextmanager
def unchanged(manager, router, offer_id, *accounts, token=None):
    """Asserts the block leaves the `snapshot` of a failed purchase as it found it."""
    before = snapshot(manager, router, offer_id, *accounts, token=token)
    yield
    assert snapshot(manager, router, offer_id, *accounts, token=token) == before


@pytest.fixture
def refused_until_reopened(manager, router, create_offer, eth_model, licensee, buy):
    """Checks a sales stop on a new offer of `eth_model`: after `close(offer_id, True)` the
    licensee's purchase fails with `refusal(offer_id)` (an `ape.reverts`) and changes nothing;
    after `close(offer_id, False)` the same purchase succeeds."""

    def check(close, refusal):
        offer_id = create_offer(eth_model)
        close(offer_id, True)
        with unchanged(manager, router, offer_id, licensee), refusal(offer_id):
            buy(offer_id, licensee)
        close(offer_id, False)
        buy(offer_id, licensee)

    return check


@pytest.fixture
def token_purchase_refused(manager, router, create_offer, licensee):
    """Checks a refused ERC-20 purchase: a new offer of `model_id` at `price`; the licensee holds
    `minted` tokens and approved `approved` to the manager; buying fails with `refusal` (an
    `ape.reverts`) and changes nothing."""

    def check(token, model_id, price, minted, approved, refusal):
        offer_id = create_offer(model_id, price=price)
        token.mint(licensee, minted, sender=licensee)
        token.approve(manager, approved, sender=licensee)
        with unchanged(manager, router, offer_id, licensee, token=token), refusal:
            manager.purchase(offer_id, licensee, price, sender=licensee, max_priority_fee=0)

    return check


# ------------------------------------------------------------------ success


def test_purchase__eth_for_self__mints_license_pays_router_and_emits(
    manager, router, create_offer, eth_model, licensee, model_owner
):
    offer_id = create_offer(eth_model, duration=30 * DAY, commercial=True)
    before = licensee.balance
    tx = manager.purchase(
        offer_id, licensee, PRICE, value=PRICE, sender=licensee, max_priority_fee=0
    )
    license_id = license_id_of(offer_id, 1)
    assert tx.return_value == license_id
    assert manager.ownerOf(license_id) == licensee
    lic = manager.license(license_id)
    assert (lic.offerId, lic.modelId, lic.expiry) == (offer_id, eth_model, tx.timestamp + 30 * DAY)
    assert (lic.versionPin, lic.commercial, lic.transferable) == (0, True, False)
    assert manager.offer(offer_id).sold == 1
    assert licensee.balance == before - PRICE
    assert router.balance == PRICE
    fee, net = split(PRICE)
    assert router.claimable(eth_model, model_owner) == net
    assert router.feesOwed(ETH) == fee
    assert router.liabilities(ETH) == PRICE
    [paid] = tx.decode_logs(router.PaymentReceived)
    assert (paid.modelId, paid.payer, paid.asset, paid.amount, paid.fee) == (
        eth_model,
        manager.address,
        ETH,
        PRICE,
        fee,
    )
    assert manager.balance == 0
    [ev] = tx.decode_logs(manager.LicensePurchased)
    assert (ev.licenseId, ev.modelId, ev.recipient, ev.offerId) == (
        license_id,
        eth_model,
        licensee.address,
        offer_id,
    )
    assert (ev.payer, ev.price, ev.expiry) == (licensee.address, PRICE, tx.timestamp + 30 * DAY)
    assert manager.hasValidLicense(licensee, eth_model, True, 0)


def test_purchase__for_another_address__recipient_owns_payer_pays(
    manager, router, create_offer, eth_model, consumer, licensee
):
    offer_id = create_offer(eth_model)
    payer_before, recipient_before = consumer.balance, licensee.balance
    tx = manager.purchase(
        offer_id, licensee, PRICE, value=PRICE, sender=consumer, max_priority_fee=0
    )
    assert manager.ownerOf(tx.return_value) == licensee
    assert consumer.balance == payer_before - PRICE
    assert licensee.balance == recipient_before
    [ev] = tx.decode_logs(manager.LicensePurchased)
    assert (ev.recipient, ev.payer) == (licensee.address, consumer.address)
    assert manager.hasValidLicense(licensee, eth_model, True, 0)
    assert not manager.hasValidLicense(consumer, eth_model, False, 0)


def test_purchase__perpetual__expiry_is_sentinel_and_valid_forever(
    manager, create_offer, eth_model, licensee, buy, chain
):
    offer_id = create_offer(eth_model, duration=0)
    license_id = buy(offer_id, licensee).return_value
    assert manager.license(license_id).expiry == PERPETUAL
    jump(chain, 200 * 365 * DAY)
    assert manager.isLicenseValid(license_id, licensee, True, 0)
    assert manager.hasValidLicense(licensee, eth_model, True, 0)


def test_purchase__serials_count_up_per_offer(
    manager, create_offer, eth_model, licensee, consumer, buy
):
    first = create_offer(eth_model)
    second = create_offer(eth_model)
    assert buy(first, licensee).return_value == license_id_of(first, 1)
    assert buy(second, licensee).return_value == license_id_of(second, 1)
    assert buy(first, consumer).return_value == license_id_of(first, 2)
    assert manager.balanceOf(licensee) == 2


def test_purchase__max_price_above_price__charges_price_only(
    manager, router, create_offer, eth_model, licensee
):
    offer_id = create_offer(eth_model)
    manager.purchase(
        offer_id, licensee, 10 * PRICE, value=PRICE, sender=licensee, max_priority_fee=0
    )
    assert router.balance == PRICE


def test_purchase__free_offer__mints_without_payment(
    manager, router, create_offer, eth_model, licensee
):
    offer_id = create_offer(eth_model, price=0)
    tx = manager.purchase(offer_id, licensee, 0, sender=licensee, max_priority_fee=0)
    assert manager.ownerOf(tx.return_value) == licensee
    assert router.liabilities(ETH) == 0
    assert not tx.decode_logs(router.PaymentReceived)


def test_purchase__free_offer_with_value__reverts(manager, create_offer, eth_model, licensee):
    offer_id = create_offer(eth_model, price=0)
    with ape.reverts(manager.LicenseManagerWrongPayment, expected=0, sent=1):
        manager.purchase(offer_id, licensee, 0, value=1, sender=licensee, max_priority_fee=0)


def test_purchase__erc20__pulls_price_into_router(
    manager, router, create_offer, usdc_model, usdc, licensee, model_owner
):
    offer_id = create_offer(usdc_model, price=USDC_PRICE)
    usdc.mint(licensee, 100 * 10**6, sender=licensee)
    usdc.approve(manager, USDC_PRICE, sender=licensee)
    eth_before = licensee.balance
    tx = manager.purchase(offer_id, licensee, USDC_PRICE, sender=licensee, max_priority_fee=0)
    assert manager.ownerOf(tx.return_value) == licensee
    assert usdc.balanceOf(licensee) == 75 * 10**6
    assert usdc.balanceOf(router) == USDC_PRICE
    assert usdc.balanceOf(manager) == 0
    assert usdc.allowance(manager, router) == 0
    assert usdc.allowance(licensee, manager) == 0
    assert router.liabilities(usdc) == USDC_PRICE
    assert router.claimable(usdc_model, model_owner) == split(USDC_PRICE)[1]
    assert tx.decode_logs(router.PaymentReceived)[0].amount == USDC_PRICE
    assert licensee.balance == eth_before


def test_purchase__erc20_free_offer__no_transfer(
    manager, router, create_offer, usdc_model, usdc, licensee
):
    offer_id = create_offer(usdc_model, price=0)
    tx = manager.purchase(offer_id, licensee, 0, sender=licensee, max_priority_fee=0)
    assert manager.ownerOf(tx.return_value) == licensee
    assert router.liabilities(usdc) == 0
    assert not tx.decode_logs(router.PaymentReceived)


def test_purchase__last_unit_of_capped_offer__succeeds(
    manager, create_offer, eth_model, licensee, buy
):
    offer_id = create_offer(eth_model, supply_cap=2)
    buy(offer_id, licensee)
    buy(offer_id, licensee)
    assert manager.offer(offer_id).sold == 2


def test_purchase__just_before_sale_end__succeeds(
    manager, create_offer, eth_model, licensee, buy, chain
):
    ends = chain.blocks.head.timestamp + 100
    offer_id = create_offer(eth_model, sale_ends=ends)
    chain.pending_timestamp = ends - 1
    tx = buy(offer_id, licensee)
    assert tx.timestamp == ends - 1


# ------------------------------------------------------------------ reverts


def test_purchase__zero_recipient__reverts(manager, router, create_offer, eth_model, licensee):
    offer_id = create_offer(eth_model)
    with (
        unchanged(manager, router, offer_id, licensee),
        ape.reverts(manager.LicenseManagerZeroAddress),
    ):
        manager.purchase(
            offer_id,
            ape.utils.ZERO_ADDRESS,
            PRICE,
            value=PRICE,
            sender=licensee,
            max_priority_fee=0,
        )


@pytest.mark.parametrize("offer_id", [0, 2, 2**32])
def test_purchase__unknown_offer__reverts(
    manager, router, create_offer, eth_model, licensee, offer_id
):
    create_offer(eth_model)
    before = licensee.balance
    with ape.reverts(manager.LicenseManagerUnknownOffer, offerId=offer_id):
        manager.purchase(
            offer_id, licensee, PRICE, value=PRICE, sender=licensee, max_priority_fee=0
        )
    assert licensee.balance == before
    assert router.balance == 0


def test_purchase__paused_offer__reverts(manager, model_owner, refused_until_reopened):
    refused_until_reopened(
        lambda offer_id, paused: manager.setOfferPaused(offer_id, paused, sender=model_owner),
        lambda offer_id: ape.reverts(manager.LicenseManagerOfferPaused, offerId=offer_id),
    )


def test_purchase__sale_ended__reverts(
    manager, router, create_offer, eth_model, licensee, buy, chain
):
    ends = chain.blocks.head.timestamp + 100
    offer_id = create_offer(eth_model, sale_ends=ends)
    chain.pending_timestamp = ends  # the purchase lands at `ends`
    with (
        unchanged(manager, router, offer_id, licensee),
        ape.reverts(manager.LicenseManagerOfferEnded, offerId=offer_id, saleEnds=ends),
    ):
        buy(offer_id, licensee)


def test_purchase__supply_exhausted__reverts(
    manager, router, create_offer, eth_model, licensee, consumer, buy
):
    offer_id = create_offer(eth_model, supply_cap=1)
    buy(offer_id, licensee)
    with (
        unchanged(manager, router, offer_id, consumer),
        ape.reverts(manager.LicenseManagerSupplyExhausted, offerId=offer_id, supplyCap=1),
    ):
        buy(offer_id, consumer)


def test_purchase__price_raised_in_same_block__reverts_without_overcharging(
    manager, router, create_offer, eth_model, model_owner, licensee, chain
):
    offer_id = create_offer(eth_model, price=PRICE)
    # The owner front-runs with a raise; the buyer's transaction carries its maxPrice (and the
    # old price as value): it must fail rather than pay more.
    manager.setOfferPrice(offer_id, 3 * PRICE, sender=model_owner)
    with (
        unchanged(manager, router, offer_id, licensee),
        ape.reverts(
            manager.LicenseManagerPriceAboveMax, offerId=offer_id, price=3 * PRICE, maxPrice=PRICE
        ),
    ):
        manager.purchase(
            offer_id, licensee, PRICE, value=3 * PRICE, sender=licensee, max_priority_fee=0
        )


def test_purchase__retired_model__reverts(
    manager, router, registry, create_offer, eth_model, model_owner, licensee, buy
):
    offer_id = create_offer(eth_model)
    registry.setStatus(eth_model, 1, sender=model_owner)
    with (
        unchanged(manager, router, offer_id, licensee),
        ape.reverts(manager.LicenseManagerSalesClosed, modelId=eth_model),
    ):
        buy(offer_id, licensee)


def test_purchase__flagged_model__reverts_until_unflagged(
    manager, registry, governance, eth_model, refused_until_reopened
):
    refused_until_reopened(
        lambda offer_id, flagged: registry.setFlagged(eth_model, flagged, sender=governance),
        lambda offer_id: ape.reverts(manager.LicenseManagerSalesClosed, modelId=eth_model),
    )


@pytest.mark.parametrize("value", [0, PRICE - 1, PRICE + 1, 2 * PRICE])
def test_purchase__wrong_eth_amount__reverts(
    manager, router, create_offer, eth_model, licensee, value
):
    offer_id = create_offer(eth_model)
    with (
        unchanged(manager, router, offer_id, licensee),
        ape.reverts(manager.LicenseManagerWrongPayment, expected=PRICE, sent=value),
    ):
        manager.purchase(
            offer_id, licensee, 2 * PRICE, value=value, sender=licensee, max_priority_fee=0
        )


def test_purchase__eth_sent_to_erc20_model__reverts(
    manager, router, create_offer, usdc_model, usdc, licensee
):
    offer_id = create_offer(usdc_model, price=USDC_PRICE)
    usdc.mint(licensee, USDC_PRICE, sender=licensee)
    usdc.approve(manager, USDC_PRICE, sender=licensee)
    eth_before = licensee.balance
    with (
        unchanged(manager, router, offer_id, licensee, token=usdc),
        ape.reverts(manager.LicenseManagerWrongPayment, expected=0, sent=1),
    ):
        manager.purchase(
            offer_id, licensee, USDC_PRICE, value=1, sender=licensee, max_priority_fee=0
        )
    assert licensee.balance == eth_before


def test_purchase__erc20_without_allowance__reverts(usdc, usdc_model, token_purchase_refused):
    refusal = ape.reverts(usdc.ERC20InsufficientAllowance)
    token_purchase_refused(
        usdc, usdc_model, USDC_PRICE, minted=USDC_PRICE, approved=USDC_PRICE - 1, refusal=refusal
    )


def test_purchase__erc20_insufficient_balance__reverts(usdc, usdc_model, token_purchase_refused):
    refusal = ape.reverts(usdc.ERC20InsufficientBalance)
    token_purchase_refused(
        usdc, usdc_model, USDC_PRICE, minted=USDC_PRICE - 1, approved=USDC_PRICE, refusal=refusal
    )


def test_purchase__fee_on_transfer_token__reverts(manager, fot, fot_model, token_purchase_refused):
    refusal = ape.reverts(
        manager.LicenseManagerTransferMismatch, token=fot.address, expected=10_000, received=9_900
    )
    token_purchase_refused(fot, fot_model, 10_000, minted=10_000, approved=10_000, refusal=refusal)
