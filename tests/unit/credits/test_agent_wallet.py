"""AgentWallet: the owner's key holds the funds, the agent key signs receipts and may only buy
and manage the wallet's credits within the budget the owner set."""

import ape
import pytest
from credits_helpers import ETH_CREDIT_VALUE, GRACE

from modelmint.constants import HOUR
from modelmint.receipts import Receipt, sign_receipt

BUDGET = 50 * ETH_CREDIT_VALUE


@pytest.fixture(scope="module")
def agent(accounts):
    return accounts[9]


@pytest.fixture
def wallet(project, credits, consumer, agent):
    """A wallet owned by `consumer` (funded with 1 ETH) whose agent may spend 50 credits and
    signs its receipts (the owner registers the agent key as the wallet's receipt signer)."""
    w = project.AgentWallet.deploy(consumer, agent, credits, BUDGET, sender=consumer)
    consumer.transfer(w, 10**18)
    _register_signer(credits, w, consumer, agent)
    return w


def _register_signer(credits, wallet, owner, key):
    """The owner names `key` as the signer of the wallet's receipts (channels opened next)."""
    wallet.execute(credits, 0, credits.setReceiptSigner.encode_input(key), sender=owner)


def _agent_buy(credits, wallet, agent, model_id, n, to=None):
    data = credits.buyCredits.encode_input(model_id, n, to or wallet.address)
    return wallet.execute(credits, n * ETH_CREDIT_VALUE, data, sender=agent)


def _agent_open(credits, wallet, agent, model_id, gateway, n, expiry):
    data = credits.openChannel.encode_input(model_id, gateway, n, expiry)
    tx = wallet.execute(credits, 0, data, sender=agent)
    return tx.decode_logs(credits.ChannelOpened)[0].channelId


def test_execute__agent_buys_within_budget__credits_held_and_spend_counted(
    credits, eth_model, wallet, agent
):
    tx = _agent_buy(credits, wallet, agent, eth_model, 30)
    assert credits.balanceOf(wallet, eth_model) == 30
    assert wallet.spent() == 30 * ETH_CREDIT_VALUE
    spent = tx.decode_logs(wallet.AgentSpent)
    assert len(spent) == 1 and spent[0].value == 30 * ETH_CREDIT_VALUE


def test_execute__agent_above_budget__reverts_and_spends_nothing(credits, eth_model, wallet, agent):
    _agent_buy(credits, wallet, agent, eth_model, 40)
    with ape.reverts(wallet.AgentWalletBudgetExceeded):
        _agent_buy(credits, wallet, agent, eth_model, 11)
    assert wallet.spent() == 40 * ETH_CREDIT_VALUE
    assert credits.balanceOf(wallet, eth_model) == 40


def test_execute__owner_raises_budget__agent_may_spend_more(
    credits, eth_model, wallet, agent, consumer
):
    _agent_buy(credits, wallet, agent, eth_model, 50)
    wallet.setBudget(BUDGET + 10 * ETH_CREDIT_VALUE, sender=consumer)
    _agent_buy(credits, wallet, agent, eth_model, 10)
    assert credits.balanceOf(wallet, eth_model) == 60


def test_execute__agent_buys_for_another_account__reverts(credits, eth_model, wallet, agent):
    with ape.reverts(wallet.AgentWalletRecipientNotWallet, recipient=agent.address):
        _agent_buy(credits, wallet, agent, eth_model, 5, to=agent.address)


def test_execute__agent_redeems_to_itself__reverts(credits, eth_model, wallet, agent):
    _agent_buy(credits, wallet, agent, eth_model, 5)
    data = credits.redeem.encode_input(eth_model, 5, agent.address)
    with ape.reverts(wallet.AgentWalletRecipientNotWallet):
        wallet.execute(credits, 0, data, sender=agent)


def test_execute__agent_transfers_credits_out__reverts(credits, eth_model, wallet, agent):
    _agent_buy(credits, wallet, agent, eth_model, 5)
    data = credits.safeTransferFrom.encode_input(wallet, agent, eth_model, 5, b"")
    with ape.reverts(wallet.AgentWalletCallNotAllowed):
        wallet.execute(credits, 0, data, sender=agent)


def test_execute__agent_calls_other_contract__reverts(wallet, agent, attacker):
    with ape.reverts(wallet.AgentWalletTargetNotAllowed, target=attacker.address):
        wallet.execute(attacker, 10**15, b"", sender=agent)


def test_execute__stranger__reverts(credits, wallet, attacker):
    with ape.reverts(wallet.AgentWalletNotAuthorised, caller=attacker.address):
        wallet.execute(credits, 0, b"", sender=attacker)


def test_owner_powers__agent_calls__revert(wallet, agent):
    with ape.reverts(wallet.AgentWalletNotOwner, caller=agent.address):
        wallet.setBudget(10**30, sender=agent)
    with ape.reverts(wallet.AgentWalletNotOwner, caller=agent.address):
        wallet.setAgent(agent, sender=agent)
    with ape.reverts(wallet.AgentWalletNotOwner, caller=agent.address):
        wallet.withdraw(agent, 1, sender=agent)


def test_withdraw__owner__gets_the_funds(wallet, consumer):
    before = consumer.balance
    tx = wallet.withdraw(consumer, 10**17, sender=consumer)
    assert consumer.balance == before + 10**17 - tx.total_fees_paid
    assert wallet.balance == 10**18 - 10**17


def test_receipt__signed_by_agent_key__settles_as_the_channels_signer(
    credits, eth_model, wallet, agent, consumer, gateway, domain, chain
):
    _agent_buy(credits, wallet, agent, eth_model, 20)
    cid = _agent_open(
        credits, wallet, agent, eth_model, gateway, 20, chain.pending_timestamp + HOUR
    )
    assert credits.channel(cid).consumer == wallet.address
    assert credits.channel(cid).signer == agent.address
    deadline = chain.pending_timestamp + HOUR
    by_agent = sign_receipt(domain, Receipt(cid, 12, deadline), agent)
    by_owner = sign_receipt(domain, Receipt(cid, 12, deadline), consumer)
    assert credits.verifyReceipt(cid, 12, deadline, by_agent.signature)
    assert not credits.verifyReceipt(cid, 12, deadline, by_owner.signature)
    credits.settle([by_agent.settle_args()], sender=gateway)
    assert credits.channel(cid).settled == 12


def test_set_agent__rotated__served_receipt_still_settles_new_key_signs_new_channels(
    credits, eth_model, wallet, agent, consumer, gateway, domain, chain, holder
):
    _agent_buy(credits, wallet, agent, eth_model, 20)
    cid = _agent_open(
        credits, wallet, agent, eth_model, gateway, 10, chain.pending_timestamp + HOUR
    )
    deadline = chain.pending_timestamp + HOUR
    served = sign_receipt(domain, Receipt(cid, 5, deadline), agent)
    tx = wallet.setAgent(holder, sender=consumer)
    assert tx.decode_logs(wallet.AgentChanged)[0].newAgent == holder.address
    _register_signer(credits, wallet, consumer, holder)
    # The open channel keeps the key it recorded: what the old agent signed stays final...
    assert credits.verifyReceipt(cid, 5, deadline, served.signature)
    new = sign_receipt(domain, Receipt(cid, 5, deadline), holder)
    assert not credits.verifyReceipt(cid, 5, deadline, new.signature)
    credits.settle([served.settle_args()], sender=gateway)
    assert credits.channel(cid).settled == 5
    # ...and channels opened from now on record the new agent.
    fresh = _agent_open(
        credits, wallet, holder, eth_model, gateway, 10, chain.pending_timestamp + HOUR
    )
    assert credits.channel(fresh).signer == holder.address


def test_close__agent_closes_expired_channel__refund_held_by_wallet_and_redeemable(
    credits, eth_model, wallet, agent, gateway, chain
):
    _agent_buy(credits, wallet, agent, eth_model, 20)
    expiry = chain.pending_timestamp + HOUR
    cid = _agent_open(credits, wallet, agent, eth_model, gateway, 20, expiry)
    chain.pending_timestamp = expiry + GRACE
    wallet.execute(credits, 0, credits.closeChannel.encode_input(cid), sender=agent)
    assert credits.balanceOf(wallet, eth_model) == 20
    before = wallet.balance
    wallet.execute(credits, 0, credits.redeem.encode_input(eth_model, 20, wallet), sender=agent)
    assert wallet.balance == before + 20 * ETH_CREDIT_VALUE
    # Redemption brings value back but does not lower what the agent has spent.
    assert wallet.spent() == 20 * ETH_CREDIT_VALUE
