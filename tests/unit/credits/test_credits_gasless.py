"""Gasless channels: a consumer holding only an ERC-20 (no ETH) signs an OpenChannelIntent (or a
TopUpIntent) and an ERC-3009 `receiveWithAuthorization` of the price; anyone (the gateway)
submits them and the channel is the signer's. Replayed, redirected, expired or foreign-signed
intents revert with a named error and change nothing.

    credits.openChannelWithAuthorization(intent, intent_signature, (v, r, s), sender=gateway)
"""

import os
from contextlib import contextmanager

import ape
import pytest
from credits_helpers import GRACE
from eth_account import Account
from eth_account.messages import encode_typed_data
from fixtures.asserts import one_log
from fixtures.channels import opened, ref_of

from modelmint.client.gasless import close_signature, gasless_open, gasless_top_up, token_domain
from modelmint.constants import HOUR, ZERO_ADDRESS
from modelmint.credits import ChannelTerms
from modelmint.dev.testing import AUTHORIZATION_FIELDS
from modelmint.receipts import (
    CooperativeClose,
    OpenChannelIntent,
    Receipt,
    sign_receipt,
    sign_struct,
)

CREDIT_VALUE = 10_000  # 0.01 USDC per credit
FUNDS = 1_000 * CREDIT_VALUE


@pytest.fixture(scope="module")
def usdc(project, deployer, registry):
    token = project.AuthorizedERC20.deploy("USD Coin", "USDC", 6, sender=deployer)
    registry.setPaymentTokenAllowed(token, True, sender=deployer)
    return token


@pytest.fixture(scope="module")
def usdc_model(credits_model, usdc):
    return credits_model(usdc.address, CREDIT_VALUE)


@pytest.fixture(scope="module", autouse=True)
def _gasless_deployments(usdc_model):
    return usdc_model


@pytest.fixture
def agent(chain, usdc, deployer):
    """A fresh key holding only USDC: it never holds ETH, so it can send no transaction."""
    account = Account.create()
    usdc.mint(account.address, FUNDS, sender=deployer)
    assert chain.provider.get_balance(account.address) == 0
    return account


def _authorize(chain, usdc, signer, to, value, deadline, nonce):
    """The (v, r, s) of `signer`'s ERC-3009 ReceiveWithAuthorization to `to`."""
    domain = {
        "name": "USD Coin",
        "version": "1",
        "chainId": chain.chain_id,
        "verifyingContract": usdc.address,
    }
    message = {
        "from": signer.address,
        "to": to,
        "value": value,
        "validAfter": 0,
        "validBefore": deadline,
        "nonce": nonce,
    }
    typed = encode_typed_data(
        domain_data=domain,
        message_types={
            "ReceiveWithAuthorization": [{"name": n, "type": t} for n, t in AUTHORIZATION_FIELDS]
        },
        message_data=message,
    )
    sig = Account.sign_message(typed, signer.key)
    return (sig.v, sig.r.to_bytes(32, "big"), sig.s.to_bytes(32, "big"))


@pytest.fixture
def open_intent(chain, credits, usdc, usdc_model, gateway, domain):
    """Builder: `open_intent(signer, credits=n, **terms)` -> (intent tuple, intent signature,
    authorization) as the consumer `signer` signs them; `terms` override intent fields (the
    authorization pays for the signed intent's credits)."""

    def _build(signer, n=100, intent_signer=None, **terms):
        fields = dict(
            consumer=signer.address,
            model_id=usdc_model,
            gateway=gateway.address,
            salt=0,
            credits=n,
            expiry=chain.pending_timestamp + HOUR,
            receipt_signer=ZERO_ADDRESS,
            nonce=os.urandom(32),
            deadline=chain.pending_timestamp + 600,
        )
        fields.update(terms)
        intent = OpenChannelIntent(**fields)
        signature = sign_struct(domain, intent, (intent_signer or signer).key)
        auth = _authorize(
            chain,
            usdc,
            signer,
            credits.address,
            intent.credits * CREDIT_VALUE,
            intent.deadline,
            intent.nonce,
        )
        return intent, signature, auth

    return _build


def _args(intent):
    return tuple(getattr(intent, m) for m in intent.__dataclass_fields__)


def _snapshot(credits, usdc, model_id, *accounts):
    m = credits.modelCredits(model_id)
    return (
        (m.minted, m.redeemed, m.channelled, m.consumed),
        credits.escrowOf(model_id),
        usdc.balanceOf(credits),
        tuple(usdc.balanceOf(a) for a in accounts),
    )


@contextmanager
def refused(error, credits, usdc, model_id, *accounts, **fields):
    """The block reverts with `error` (a contract error type, carrying `fields`) and changes
    nothing: no channel, no credits, no token moved."""
    before = _snapshot(credits, usdc, model_id, *accounts)
    with ape.reverts(error, **fields):
        yield
    assert _snapshot(credits, usdc, model_id, *accounts) == before


@pytest.fixture
def refused_for_agent(credits, usdc, usdc_model, agent):
    """`refused(error, ...)` on the agent's state: `refused_for_agent(error, *others, **fields)`."""

    def _refused(error, *others, **fields):
        return refused(error, credits, usdc, usdc_model, agent.address, *others, **fields)

    return _refused


def _open(credits, gateway, built):
    intent, signature, auth = built
    return credits.openChannelWithAuthorization(_args(intent), signature, auth, sender=gateway)


def test_openChannelWithAuthorization__agent_without_eth__channel_opened_for_the_signer(
    chain, credits, usdc, usdc_model, agent, gateway, domain
):
    """Signed with the client's helper (modelmint.client.gasless); the other tests sign the
    same structs with eth-account's typed-data encoder."""
    opening = gasless_open(
        domain,
        token_domain(chain.chain_id, usdc.address, "USD Coin"),
        agent,
        model_id=usdc_model,
        gateway=gateway.address,
        credits=100,
        credit_value=CREDIT_VALUE,
        expiry=chain.pending_timestamp + HOUR,
        deadline=chain.pending_timestamp + 600,
    )
    built = (opening.intent, opening.signature, opening.authorization)
    tx = credits.openChannelWithAuthorization(*opening.call_args(), sender=gateway)
    cid = opened(credits, tx)
    assert cid == tx.return_value == opening.terms.channel_id
    assert cid.terms == ChannelTerms(agent.address, gateway.address, usdc_model, 0)
    one_log(tx, credits.CreditsBought, modelId=usdc_model, to=agent.address, credits=100)
    one_log(tx, credits.ChannelOpened, channelId=cid, consumer=agent.address, gateway=gateway)
    c = credits.channel(cid)
    assert (c.deposit, c.settled, c.expiry, c.signer) == (100, 0, built[0].expiry, ZERO_ADDRESS)
    # The submitter opened nothing of its own.
    assert credits.channel(ref_of(gateway, gateway, usdc_model, 0)).deposit == 0
    assert usdc.balanceOf(agent.address) == FUNDS - 100 * CREDIT_VALUE
    assert usdc.balanceOf(credits) == credits.escrowOf(usdc_model) == 100 * CREDIT_VALUE
    assert usdc.authorizationState(agent.address, built[0].nonce)
    assert chain.provider.get_balance(agent.address) == 0


def test_openChannelWithAuthorization__receipt_signer__channel_records_it(
    credits, agent, gateway, holder, open_intent
):
    cid = opened(
        credits, _open(credits, gateway, open_intent(agent, 5, receipt_signer=holder.address))
    )
    assert credits.channel(cid).signer == holder


def test_openChannelWithAuthorization__replayed__reverts_channel_exists(
    credits, usdc, usdc_model, agent, gateway, open_intent, refused_for_agent
):
    # The same intent again names the channel it opened.
    built = open_intent(agent, 10)
    cid = opened(credits, _open(credits, gateway, built))
    with refused_for_agent(credits.UsageCreditsChannelExists, channelId=cid):
        _open(credits, gateway, built)


def test_openChannelWithAuthorization__used_nonce_other_terms__reverts_authorization_used(
    credits, usdc, usdc_model, agent, gateway, open_intent, refused_for_agent
):
    # An intent for other terms (the next salt) that reuses a spent authorization nonce.
    built = open_intent(agent, 10)
    _open(credits, gateway, built)
    nonce = built[0].nonce
    with refused_for_agent(
        credits.UsageCreditsAuthorizationUsed, consumer=agent.address, nonce=nonce
    ):
        _open(credits, gateway, open_intent(agent, 10, salt=1, nonce=nonce))


def test_openChannelWithAuthorization__same_terms_new_authorization__reverts_channel_exists(
    credits, usdc, usdc_model, agent, gateway, open_intent, refused_for_agent
):
    """An intent opens exactly one channel, once: a second intent for the same terms (a new
    nonce and authorization) names the channel already opened."""
    cid = opened(credits, _open(credits, gateway, open_intent(agent, 10)))
    with refused_for_agent(credits.UsageCreditsChannelExists, channelId=cid):
        _open(credits, gateway, open_intent(agent, 10))
    assert credits.channel(cid).deposit == 10
    # The next salt is another channel.
    other = opened(credits, _open(credits, gateway, open_intent(agent, 10, salt=1)))
    assert other.terms.salt == 1 and credits.channel(other).deposit == 10


@pytest.mark.parametrize(
    "term", ["model_id", "gateway", "salt", "credits", "expiry", "receipt_signer"]
)
def test_openChannelWithAuthorization__redirected_term__reverts_invalid_intent_signature(
    credits, usdc, usdc_model, token_model, agent, attacker, open_intent, term, refused_for_agent
):
    intent, signature, auth = open_intent(agent, 10)
    other = {
        "model_id": token_model,
        "gateway": attacker.address,
        "salt": 1,
        "credits": 11,
        "expiry": intent.expiry + 1,
        "receipt_signer": attacker.address,
    }[term]
    redirected = OpenChannelIntent(**{**intent.__dict__, term: other})
    with refused_for_agent(credits.UsageCreditsInvalidIntentSignature):
        credits.openChannelWithAuthorization(_args(redirected), signature, auth, sender=attacker)


def test_openChannelWithAuthorization__signed_by_another_key__reverts_invalid_intent_signature(
    credits, usdc, usdc_model, agent, gateway, open_intent, refused_for_agent
):
    stranger = Account.create()
    with refused_for_agent(credits.UsageCreditsInvalidIntentSignature, consumer=agent.address):
        _open(credits, gateway, open_intent(agent, 10, intent_signer=stranger))


def test_openChannelWithAuthorization__expired__reverts_intent_expired(
    chain, credits, usdc, usdc_model, agent, gateway, open_intent, refused_for_agent
):
    deadline = chain.blocks.head.timestamp
    with refused_for_agent(credits.UsageCreditsIntentExpired, deadline=deadline):
        _open(credits, gateway, open_intent(agent, 10, deadline=deadline))


def test_openChannelWithAuthorization__eth_model__reverts_not_token_priced(
    credits, usdc, usdc_model, eth_model, agent, gateway, open_intent, refused_for_agent
):
    with refused_for_agent(credits.UsageCreditsNotTokenPriced, modelId=eth_model):
        _open(credits, gateway, open_intent(agent, 10, model_id=eth_model))


def test_openChannelWithAuthorization__authorization_for_less__token_refuses(
    chain, credits, usdc, usdc_model, agent, gateway, open_intent, refused_for_agent
):
    intent, signature, _ = open_intent(agent, 10)
    short = _authorize(
        chain, usdc, agent, credits.address, 9 * CREDIT_VALUE, intent.deadline, intent.nonce
    )
    with refused_for_agent(usdc.ERC3009InvalidSignature):
        credits.openChannelWithAuthorization(_args(intent), signature, short, sender=gateway)


# ------------------------------------------------------------------ top-up


def _top_up(chain, credits, usdc, domain, signer, cid, n, expiry):
    """A TopUpIntent signed by `signer` with the client's helper."""
    signed = gasless_top_up(
        domain,
        token_domain(chain.chain_id, usdc.address, "USD Coin"),
        signer,
        terms=cid.terms,
        credits=n,
        credit_value=CREDIT_VALUE,
        expiry=expiry,
        deadline=chain.pending_timestamp + 600,
    )
    return signed.intent, signed.signature, signed.authorization


def test_topUpChannelWithAuthorization__signed_by_consumer__adds_credits_and_extends(
    chain, credits, usdc, usdc_model, agent, gateway, open_intent, domain, refused_for_agent
):
    cid = opened(credits, _open(credits, gateway, open_intent(agent, 10)))
    expiry = credits.channel(cid).expiry + HOUR
    intent, signature, auth = _top_up(chain, credits, usdc, domain, agent, cid, 15, expiry)
    tx = credits.topUpChannelWithAuthorization(_args(intent), signature, auth, sender=gateway)
    one_log(tx, credits.ChannelToppedUp, channelId=cid, addedCredits=15, deposit=25, expiry=expiry)
    one_log(tx, credits.CreditsBought, to=agent.address, credits=15)
    assert credits.channel(cid).deposit == 25
    assert usdc.balanceOf(credits) == credits.escrowOf(usdc_model) == 25 * CREDIT_VALUE
    with refused_for_agent(credits.UsageCreditsAuthorizationUsed):
        credits.topUpChannelWithAuthorization(_args(intent), signature, auth, sender=gateway)


def test_topUpChannelWithAuthorization__not_the_consumer__reverts_invalid_intent_signature(
    chain, credits, usdc, usdc_model, agent, gateway, open_intent, domain, refused_for_agent
):
    cid = opened(credits, _open(credits, gateway, open_intent(agent, 10)))
    stranger = Account.create()
    usdc.mint(stranger.address, FUNDS, sender=gateway)
    built = _top_up(chain, credits, usdc, domain, stranger, cid, 5, credits.channel(cid).expiry)
    with refused_for_agent(
        credits.UsageCreditsInvalidIntentSignature, stranger.address, consumer=agent.address
    ):
        credits.topUpChannelWithAuthorization(_args(built[0]), *built[1:], sender=gateway)


# ------------------------------------------------------------------ the whole gasless life


def test_gasless_agent__opens_pays_calls_closes_cooperatively__refunded_without_eth(
    chain, credits, usdc, usdc_model, agent, gateway, open_intent, domain
):
    """An agent that never holds ETH: the gateway submits its open, settles its receipts and
    submits the cooperative close the agent signed; the agent gets the unused value back."""
    cid = opened(credits, _open(credits, gateway, open_intent(agent, 100)))
    deadline = chain.pending_timestamp + HOUR
    receipt = sign_receipt(domain, Receipt(cid, 30, deadline), agent.key)
    credits.settle([receipt.settle_args(cid.terms, charged=25)], sender=gateway)
    close = close_signature(domain, cid, 28, agent)
    assert close == sign_struct(domain, CooperativeClose(cid, 28), agent.key)
    tx = credits.closeChannelCooperatively(cid.args, 28, close, sender=gateway)
    one_log(tx, credits.ChannelClosed, channelId=cid, consumer=agent.address, refundedCredits=72)
    assert usdc.balanceOf(agent.address) == FUNDS - 28 * CREDIT_VALUE
    assert credits.pendingRevenue(usdc_model) == 28 * CREDIT_VALUE
    assert credits.escrowOf(usdc_model) == 0
    assert usdc.balanceOf(credits) == 28 * CREDIT_VALUE
    assert chain.provider.get_balance(agent.address) == 0
    # Closed once: nothing more settles or closes.
    chain.pending_timestamp += HOUR + GRACE
    with ape.reverts(credits.UsageCreditsChannelClosed, channelId=cid):
        credits.closeChannelCooperatively(cid.args, 28, close, sender=gateway)
