"""The client's on-chain side without a gateway: funding channels from an EOA and from an
AgentWallet, readable revert errors, the budget, closing and redeeming."""

import pytest
from client_helpers import CREDIT_VALUE, key_of

from modelmint.client import Budget, BudgetExhausted, Client, CreditsChain, Signer
from modelmint.client.errors import ChannelNotClosable, TransactionFailed
from modelmint.client.store import ChannelStatus, LocalChannel
from modelmint.constants import ETH
from modelmint.credits import ChannelTerms
from modelmint.deploy.agent_wallet import deploy_agent_wallet

HOUR = 3600


@pytest.fixture(scope="module")
def credits_chain(w3, deployment):
    return CreditsChain(w3, deployment.credits.address)


@pytest.fixture(scope="module")
def wallet(project, deployment, holder, agent, gateway):
    """An AgentWallet owned by `holder` (funds) whose `agent` key may spend 100 credits of the
    model through `gateway`."""
    w = deploy_agent_wallet(project, holder, agent, deployment.credits,
                            budgets={ETH: 100 * CREDIT_VALUE}, models=[deployment.model_id],
                            gateways=[gateway])  # fmt: skip
    holder.transfer(w, 10**17)
    return w


@pytest.fixture(scope="module", autouse=True)
def _deployed(deployment, wallet, credits_chain):
    """Deploys everything before the first test (no costly fixture rebase)."""


def test_buy_and_open__eoa__channel_matches_chain(credits_chain, deployment, consumer, gateway):
    signer = Signer.eoa(key_of(consumer))
    expiry = credits_chain.now() + HOUR
    salt = credits_chain.free_salt(consumer.address, gateway.address, deployment.model_id)
    terms = credits_chain.buy_and_open(signer, deployment.model_id, gateway.address, 40, expiry)
    c = credits_chain.channel(terms)
    assert (c.consumer, c.gateway, c.salt, c.deposit, c.expiry, c.settled) == (
        consumer.address,
        gateway.address,
        salt,
        40,
        expiry,
        0,
    )
    # The next channel takes the next salt; the one of an opened channel can never open again.
    assert credits_chain.free_salt(consumer.address, gateway.address, deployment.model_id) == (
        salt + 1
    )
    credits_chain.buy_credits(signer, deployment.model_id, 1)
    with pytest.raises(TransactionFailed) as info:
        credits_chain.open_channel(signer, terms, 1, expiry)
    assert info.value.revert.name == "UsageCreditsChannelExists"
    assert info.value.revert.args == (terms.channel_id,)


def test_open_channel__not_a_gateway__names_the_contract_error(
    credits_chain, deployment, consumer, attacker
):
    signer = Signer.eoa(key_of(consumer))
    credits_chain.buy_credits(signer, deployment.model_id, 5)
    with pytest.raises(TransactionFailed) as info:
        credits_chain.open_channel(
            signer,
            ChannelTerms(consumer.address, attacker.address, deployment.model_id, 0),
            5,
            credits_chain.now() + HOUR,
        )
    revert = info.value.revert
    assert revert is not None and revert.name == "UsageCreditsNotGateway"
    model_id, named_gateway = revert.args
    assert model_id == deployment.model_id and named_gateway.lower() == attacker.address.lower()
    assert str(revert) in str(info.value)  # the CLI prints Name(args)


def test_buy_and_open__smart_wallet__agent_pays_from_wallet_within_budget(
    credits_chain, deployment, wallet, agent, gateway
):
    signer = Signer.smart_wallet(wallet.address, key_of(agent))
    terms = credits_chain.buy_and_open(
        signer, deployment.model_id, gateway.address, 60, credits_chain.now() + HOUR
    )
    assert terms.consumer == wallet.address and credits_chain.channel(terms).exists
    assert wallet.spentOf(ETH) == 60 * CREDIT_VALUE
    with pytest.raises(TransactionFailed) as info:
        credits_chain.buy_credits(signer, deployment.model_id, 41)
    assert info.value.revert is not None and info.value.revert.is_("AgentWalletBudgetExceeded")
    assert wallet.spentOf(ETH) == 60 * CREDIT_VALUE


def test_buy_and_open__smart_wallet_unlisted_gateway__refused_with_named_error(
    credits_chain, deployment, wallet, agent, attacker
):
    signer = Signer.smart_wallet(wallet.address, key_of(agent))
    spent = wallet.spentOf(ETH)
    with pytest.raises(TransactionFailed) as info:
        credits_chain.buy_and_open(
            signer, deployment.model_id, attacker.address, 1, credits_chain.now() + HOUR
        )
    assert info.value.revert is not None and info.value.revert.is_("AgentWalletGatewayNotAllowed")
    assert wallet.spentOf(ETH) == spent


def test_buy_and_top_up__smart_wallet__one_transaction_adds_credits_and_extends(
    credits_chain, deployment, project, holder, agent, gateway
):
    wallet = deploy_agent_wallet(project, holder, agent, deployment.credits,
                                 budgets={ETH: 30 * CREDIT_VALUE}, models=[deployment.model_id],
                                 gateways=[gateway])  # fmt: skip
    holder.transfer(wallet, 10**16)
    signer = Signer.smart_wallet(wallet.address, key_of(agent))
    expiry = credits_chain.now() + HOUR
    terms = credits_chain.buy_and_open(signer, deployment.model_id, gateway.address, 10, expiry)
    sent = len(credits_chain.gas_used)
    credits_chain.buy_and_top_up(signer, terms, 20, expiry + HOUR)
    c = credits_chain.channel(terms)
    assert (c.deposit, c.expiry) == (30, expiry + HOUR)
    assert [label for label, _ in credits_chain.gas_used[sent:]] == ["buyAndTopUpChannel"]
    assert wallet.spentOf(ETH) == 30 * CREDIT_VALUE


def test_budget__reserve_above_limit__raises_and_records_nothing():
    budget = Budget(max_value=10 * CREDIT_VALUE)
    budget.reserve(7, CREDIT_VALUE)
    with pytest.raises(BudgetExhausted):
        budget.reserve(4, CREDIT_VALUE)
    assert budget.spent == 7 * CREDIT_VALUE
    assert budget.affordable(CREDIT_VALUE) == 3


def test_close__before_grace_end__refused_then_closes_and_redeems(
    credits_chain, deployment, w3, consumer, gateway, chain, tmp_path
):
    signer = Signer.eoa(key_of(consumer))
    client = Client("http://127.0.0.1:9", signer, w3=w3, state_dir=tmp_path)
    expiry = credits_chain.now() + HOUR
    terms = credits_chain.buy_and_open(signer, deployment.model_id, gateway.address, 25, expiry)
    cid = terms.channel_id
    client.store.put(
        LocalChannel(
            cid,
            credits_chain.address,
            deployment.model_id,
            gateway.address,
            consumer.address,
            25,
            expiry,
            salt=terms.salt,
        )  # fmt: skip
    )
    with pytest.raises(ChannelNotClosable):
        client.close(cid)
    assert client.close_expired() == []
    chain.pending_timestamp = expiry + credits_chain.grace_period
    chain.mine()
    escrow = deployment.credits.escrowOf(deployment.model_id)
    [summary] = client.close_expired(redeem=True)
    assert summary["refunded"] == 25 and summary["redeemedValue"] == 25 * CREDIT_VALUE
    assert credits_chain.channel(terms).closed
    assert client.store.get(cid).status is ChannelStatus.CLOSED
    assert deployment.credits.escrowOf(deployment.model_id) == escrow - 25 * CREDIT_VALUE
