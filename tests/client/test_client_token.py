"""The client's on-chain purchases for a model priced in an ERC-20 token, from an EOA: the
approval it sends before paying, and a re-run after a purchase that failed once approved."""

import pytest
from client_helpers import key_of

from modelmint.client import CreditsChain, Signer
from modelmint.client.errors import TransactionFailed
from modelmint.deploy.models import register_model
from modelmint.deploy.protocol import deploy_protocol

HOUR = 3600
PRICE = 10**6  # token units per credit


@pytest.fixture(scope="module")
def token_world(project, deployer, model_owner, gateway, treasury, consumer, w3):
    """A token allow-listed on a fresh registry, router and UsageCredits, a model priced in it
    with `gateway` allowed, and `consumer` holding 1,000 credits' worth of the token."""
    token = project.MockERC20.deploy("Test USD", "tUSD", 6, sender=deployer)
    p = deploy_protocol(
        project, deployer, only=("registry", "router", "credits"), treasury=treasury,
        protocol_fee_bps=500, tokens=[token],
    )  # fmt: skip
    model_id, _ = register_model(
        p.registry, model_owner, b"\x01" * 32, "ipfs://w", "ipfs://m",
        asset=token, gateways=[gateway],
    )  # fmt: skip
    p.credits.enableCredits(model_id, PRICE, sender=model_owner)
    token.mint(consumer, 1_000 * PRICE, sender=deployer)
    return token, p.credits, int(model_id), CreditsChain(w3, p.credits.address)


def test_buy_and_open__failed_after_approval__rerun_sends_no_second_approval(
    token_world, consumer, gateway, deployer
):
    token, credits, model_id, chain = token_world
    signer = Signer.eoa(key_of(consumer))
    expiry = chain.now() + HOUR
    sent = len(chain.gas_used)
    with pytest.raises(TransactionFailed) as info:  # not a gateway of the model: refused
        chain.buy_and_open(signer, model_id, deployer.address, 40, expiry)
    assert info.value.revert.name == "UsageCreditsNotGateway"
    assert [label for label, _ in chain.gas_used[sent:]] == ["approve"]
    assert token.allowance(consumer, credits) == 40 * PRICE  # left by the failed purchase

    sent = len(chain.gas_used)
    terms = chain.buy_and_open(signer, model_id, gateway.address, 40, expiry)
    assert [label for label, _ in chain.gas_used[sent:]] == ["buyAndOpenChannel"]
    assert chain.channel(terms).deposit == 40
    assert token.allowance(consumer, credits) == 0


def test_buy_credits__allowance_short__approves_exactly_the_price(token_world, consumer):
    token, credits, model_id, chain = token_world
    signer = Signer.eoa(key_of(consumer))
    balance = credits.balanceOf(consumer, model_id)
    sent = len(chain.gas_used)
    chain.buy_credits(signer, model_id, 3)
    assert [label for label, _ in chain.gas_used[sent:]] == ["approve", "buyCredits"]
    assert credits.balanceOf(consumer, model_id) == balance + 3
    assert token.allowance(consumer, credits) == 0
