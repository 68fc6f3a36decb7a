"""Fixtures for the UsageCredits unit tests: a real ModelRegistry, the router stand-in,
an ETH-priced model and an ERC-20-priced model with credits enabled, and builders."""

import pytest
from credits_helpers import ETH_CREDIT_VALUE, ROUTER_FEE_BPS, TOKEN_CREDIT_VALUE
from fixtures.channels import free_salt, opened
from fixtures.suites import deploy_credits, deployment_fixtures

from modelmint.constants import ETH, HOUR
from modelmint.deploy.protocol import deploy_protocol
from modelmint.receipts import Receipt, ReceiptDomain, sign_receipt

# MockERC20 "Mock USD" with 6 decimals and a fee-on-transfer token, both allow-listed by a
# registry the deployer governs, and the real RevenueRouter.
token, fee_token, registry, router, deployed_erc20, deployed_fot = deployment_fixtures(
    "token", ("Mock USD", "mUSD", 6), fot_name="fee_token", fee_bps=ROUTER_FEE_BPS
)


@pytest.fixture(scope="module")
def credits(project, deployer, registry, router):
    credits = deploy_credits(project, deployer, registry, router)
    # As the plan wires it: a model transfer (and a split change) sweeps the model's credits.
    registry.setUsageCredits(credits, sender=deployer)
    return credits


@pytest.fixture(scope="module")
def domain(credits):
    return ReceiptDomain.from_contract(credits)


@pytest.fixture(scope="module")
def model_gateways(gateway):
    """Every model the credits suite registers allows `gateway`."""
    return (gateway,)


@pytest.fixture(scope="module")
def credits_model(register_model, credits, model_owner):
    """Builder: `credits_model(asset, value)` registers a model priced in `asset` and enables
    its credits at `value` per credit; returns its id."""

    def _model(asset, value):
        model_id = register_model(asset)
        credits.enableCredits(model_id, value, sender=model_owner)
        return model_id

    return _model


@pytest.fixture(scope="module")
def eth_model(credits_model):
    return credits_model(ETH, ETH_CREDIT_VALUE)


@pytest.fixture(scope="module")
def token_model(credits_model, token):
    return credits_model(token.address, TOKEN_CREDIT_VALUE)


@pytest.fixture(scope="module")
def buy(credits, eth_model, token_model, token):
    """Builder: `buy(account, n, model_id=eth_model, to=account)` pays and returns the tx."""

    def _buy(account, n, model_id=None, to=None):
        model_id = eth_model if model_id is None else model_id
        terms = credits.modelCredits(model_id)
        paid = n * terms.creditValue
        to = account if to is None else to
        if terms.asset == ETH:
            return credits.buyCredits(model_id, n, to, sender=account, value=paid)
        token.mint(account, paid, sender=account)
        token.approve(credits, paid, sender=account)
        return credits.buyCredits(model_id, n, to, sender=account)

    return _buy


@pytest.fixture(scope="module")
def open_channel(credits, eth_model, gateway, buy, chain):
    """Builder: buys `n` credits for `account` and opens a channel of `n` to `gw` for `ttl`
    seconds under the lowest free salt. Returns the channel (a ChannelRef: id with terms)."""

    def _open(account, n, model_id=None, gw=None, ttl=HOUR, buy_first=True):
        model_id = eth_model if model_id is None else model_id
        gw = gateway if gw is None else gw
        if buy_first:
            buy(account, n, model_id)
        expiry = chain.pending_timestamp + ttl
        salt = free_salt(credits, account, gw, model_id)
        return opened(credits, credits.openChannel(model_id, gw, salt, n, expiry, sender=account))

    return _open


@pytest.fixture(scope="module")
def sign(domain):
    """Builder: `sign(signer, channel, cumulative, deadline)` -> SettleArgs tuple (`channel` a
    ChannelRef)."""

    def _sign(signer, channel, cumulative, deadline):
        receipt = Receipt(int(channel), cumulative, deadline)
        return sign_receipt(domain, receipt, signer).settle_args(channel.terms)

    return _sign


@pytest.fixture(scope="module", autouse=True)
def _credits_deployments(
    credits, router, eth_model, token_model, fee_token, domain, consumer, holder, attacker, gateway
):
    """Deploys everything once per module before the first test snapshot (ape isolation)."""
    return credits
