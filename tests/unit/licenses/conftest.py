"""LicenseManager fixtures: registry, the real RevenueRouter, manager, models in ETH and ERC-20,
builders. Models have no recipient set, so the router accrues each payment's net (after the
protocol fee) to the model owner.

Everything is module-scoped on purpose: with session-scoped deployments first requested from a
later module, ape's per-scope snapshots reverted them away while pytest kept the cached
fixture values (ids pointing at models that no longer existed).
"""

import pytest
from fixtures.suites import deployment_fixtures
from license_helpers import FEE_BPS, HASH_1, HASH_2, PRICE, TERMS_HASH

from modelmint.constants import DAY, ETH
from modelmint.deploy.protocol import deploy_protocol
from modelmint.structs import OfferParams


@pytest.fixture(scope="module")
def governance(deployer):
    return deployer


# USDC-like MockERC20 (6 decimals) and a fee-on-transfer token, both allow-listed by a registry
# `governance` (= deployer) governs, and the real RevenueRouter.
usdc, fot, registry, router, deployed_erc20, deployed_fot = deployment_fixtures(
    "usdc", ("USD Coin", "USDC", 6), fot_name="fot", fee_bps=FEE_BPS
)


@pytest.fixture(scope="module")
def manager(project, deployer, registry, router):
    return deploy_protocol(
        project, deployer, only=("licenses",), deployed={"registry": registry, "router": router}
    ).licenses


@pytest.fixture(scope="module")
def eth_model(register_model, registry, model_owner):
    """An ETH-priced model with versions 1 and 2."""
    model_id = register_model(ETH)
    registry.publishVersion(model_id, HASH_2, "ipfs://v2", sender=model_owner)
    return model_id


@pytest.fixture(scope="module")
def usdc_model(register_model, usdc):
    return register_model(usdc)


@pytest.fixture(scope="module")
def fot_model(register_model, fot):
    return register_model(fot)


@pytest.fixture(scope="module")
def offer_params():
    """Builder for ``OfferParams`` with this suite's defaults (a 30-day commercial license)."""

    def _params(model_id, **fields):
        defaults = dict(
            price=PRICE,
            duration=30 * DAY,
            commercial=True,
            terms_uri="ipfs://terms",
            terms_hash=TERMS_HASH,
        )
        return OfferParams(model_id, **{**defaults, **fields})

    return _params


@pytest.fixture(scope="module")
def create_offer(manager, model_owner, offer_params):
    """Builder: creates an offer as the model owner and returns its id."""

    def _create(model_id, sender=None, **kwargs):
        tx = manager.createOffer(offer_params(model_id, **kwargs), sender=sender or model_owner)
        return tx.return_value

    return _create


@pytest.fixture(scope="module")
def buy(manager):
    """Builder: buys from an ETH offer at its current price; returns the receipt."""

    def _buy(offer_id, buyer, recipient=None, max_price=None, value=None):
        price = manager.offer(offer_id).price
        return manager.purchase(
            offer_id,
            recipient or buyer,
            price if max_price is None else max_price,
            value=price if value is None else value,
            sender=buyer,
            max_priority_fee=0,  # no tip: ETH balances change by exactly what is paid
        )

    return _buy
