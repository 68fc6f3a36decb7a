"""Fractionalizing keeps the gateways the owner lists: they keep selling credits under the
model's timelock, the shares' governance can revoke them, and every unlisted grant lapses."""

import ape
import pytest
from fixtures.asserts import one_log
from fixtures.governance import enact
from fixtures.suites import deploy_credits

from modelmint.constants import ETH, HOUR
from modelmint.dev.governance import Proposal, Vote

CREDIT_VALUE = 10**12


@pytest.fixture(scope="module")
def credits(project, deployer, registry, router):
    return deploy_credits(project, deployer, registry, router)


@pytest.fixture(scope="module", autouse=True)
def _credits_first(credits):
    """Deployed before the first test, outside any test's snapshot."""


@pytest.fixture
def on_sale(register_model, credits, model_owner, gateway, licensee):
    """A model selling credits through `gateway` and `licensee` (two gateway grants)."""
    model_id = register_model(ETH, gateways=(gateway, licensee))
    credits.enableCredits(model_id, CREDIT_VALUE, sender=model_owner)
    return model_id


def _open(credits, chain, model_id, gateway, consumer, n=10):
    expiry = chain.pending_timestamp + HOUR
    return credits.buyAndOpenChannel(
        model_id, gateway, 0, n, expiry, value=n * CREDIT_VALUE, sender=consumer
    )


def test_fractionalize__gateway_kept__sells_under_the_timelock(
    registry, credits, chain, on_sale, fractionalize, model_owner, gateway, licensee, consumer
):
    _, _, timelock, tx = fractionalize(on_sale, model_owner, gateways=[gateway])

    assert registry.ownerOf(on_sale) == timelock.address
    one_log(tx, registry.GatewaySet, modelId=on_sale, gateway=gateway, allowed=True)
    assert registry.isGateway(on_sale, gateway)
    assert not registry.isGateway(on_sale, licensee)  # not listed: lapsed with the move
    tx = _open(credits, chain, on_sale, gateway, consumer)
    [ev] = tx.decode_logs(credits.ChannelOpened)
    assert ev.gateway == gateway.address
    assert credits.channel(tx.return_value).deposit == 10


def test_fractionalize__kept_gateway__shares_governance_revokes_it(
    registry, credits, chain, on_sale, fractionalize, model_owner, gateway, consumer
):
    _, governor, _, _ = fractionalize(on_sale, model_owner, gateways=[gateway])
    revoke = Proposal(
        governor, [(registry.setGateway, on_sale, gateway, False)], "Revoke the gateway"
    )
    enact(chain, revoke, model_owner, [(model_owner, Vote.For)])

    assert not registry.isGateway(on_sale, gateway)
    with ape.reverts(credits.UsageCreditsNotGateway, modelId=on_sale, gateway=gateway):
        _open(credits, chain, on_sale, gateway, consumer)


def test_fractionalize__no_gateway_kept__every_grant_lapses(
    registry, credits, chain, on_sale, fractionalize, model_owner, gateway, licensee, consumer
):
    _, _, _, tx = fractionalize(on_sale, model_owner, gateways=[])

    assert not tx.decode_logs(registry.GatewaySet)
    assert not registry.isGateway(on_sale, gateway)
    assert not registry.isGateway(on_sale, licensee)
    with ape.reverts(credits.UsageCreditsNotGateway, modelId=on_sale, gateway=gateway):
        _open(credits, chain, on_sale, gateway, consumer)


def test_fractionalize__gateway_not_allowed__reverts(
    registry, fractionalizer, on_sale, fractionalize, model_owner, attacker
):
    with ape.reverts(
        fractionalizer.FractionalizerNotGateway, modelId=on_sale, gateway=attacker.address
    ):
        fractionalize(on_sale, model_owner, gateways=[attacker])
    assert registry.ownerOf(on_sale) == model_owner
    assert fractionalizer.rounds(on_sale) == 0
