"""Deployments and builders shared by the revenue, shares and revenue-machine suites.

Imported with ``from tests.unit.conftest_revenue import *`` by each suite's conftest.py.
Deployments are module-scoped: with session scope, a deployment first requested from a later
module was reverted away by ape's per-module snapshot while pytest kept the cached value
(seen as RevenueRouterUnknownModel when the licenses suite ran first). ape reverts chain
state after every test.
"""

import pytest
from suite_deployments import ETH, deployment_fixtures, register

ZERO = ETH
FEE_BPS = 500  # 5 %

__all__ = [
    "ZERO",
    "FEE_BPS",
    "token",
    "fot_token",
    "registry",
    "router",
    "deployed_erc20",
    "deployed_fot",
    "register_model",
    "fund",
    "shares_factory",
    "create_shares",
]

# MockERC20 "Mock USD" (18 decimals) and a fee-on-transfer token, both allow-listed by a
# registry the deployer governs (the timelock in a full deployment), and the router.
token, fot_token, registry, router, deployed_erc20, deployed_fot = deployment_fixtures(
    "token", fot_name="fot_token", fee_bps=FEE_BPS
)


@pytest.fixture(scope="module")
def register_model(registry, model_owner):
    """Builder: registers a model priced in `asset` (ETH by default) and returns its id."""

    def _register(asset=ZERO, owner=None):
        return register(registry, owner or model_owner, asset)[0]

    return _register


@pytest.fixture(scope="module")
def fund(token, router):
    """Builder: mints `amount` of the mock token to `account` and approves the router."""

    def _fund(account, amount, erc20=None):
        erc20 = erc20 or token
        erc20.mint(account, amount, sender=account)
        erc20.approve(router, 2**256 - 1, sender=account)

    return _fund


@pytest.fixture(scope="module")
def shares_factory(project, deployer, router):
    return project.ModelSharesFactory.deploy(router, sender=deployer)


@pytest.fixture(scope="module")
def create_shares(project, shares_factory, router, register_model, model_owner):
    """Builder: a model (ETH by default) whose whole split (weight 1) goes to a new ModelShares
    token with `supply` minted to `holder_`. Returns (model_id, shares)."""

    def _create(supply=100, holder_=None, asset=ZERO, route=True):
        model_id = register_model(asset)
        tx = shares_factory.createShares(
            model_id, "Model 1 Shares", "M1S", supply, holder_ or model_owner, sender=model_owner
        )
        shares = project.ModelShares.at(tx.decode_logs(shares_factory.SharesCreated)[0].shares)
        if route:
            router.setRecipients(model_id, [shares], [1], sender=model_owner)
        return model_id, shares

    return _create
