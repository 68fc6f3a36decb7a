"""AgentWallet: the owner's key holds the funds and lists what the agent may pay for and sign;
the agent key may only buy and manage the wallet's credits of listed models and gateways, each
call charged in the model's asset within the owner's budget for that asset, and signs for the
wallet only the EIP-712 types the owner allowed."""

from contextlib import contextmanager

import ape
import pytest
from credits_helpers import ETH_CREDIT_VALUE, GRACE, TOKEN_CREDIT_VALUE
from eth_utils import keccak
from fixtures.channels import free_salt, opened

from modelmint.access import AccessDomain, AccessStatement, access_signable, statement_digest
from modelmint.client.signer import Signer, wallet_signature
from modelmint.constants import ETH, HOUR
from modelmint.deploy.agent_wallet import configure_agent_wallet
from modelmint.receipts import SECP256K1_N, Receipt, receipt_digest, sign_receipt
from modelmint.signing import sign_digest

BUDGET = 50 * ETH_CREDIT_VALUE
TOKEN_BUDGET = 50 * TOKEN_CREDIT_VALUE
VALID = bytes.fromhex("1626ba7e")
INVALID = bytes.fromhex("ffffffff")
MAX = 2**256 - 1


@pytest.fixture(scope="module")
def agent(accounts):
    return accounts[9]


@pytest.fixture
def wallet(project, credits, consumer, agent, eth_model, token_model, gateway, token):
    """A wallet owned by `consumer` (1 ETH, 1,000 mUSD, UsageCredits approved for all of it)
    whose agent may spend 50 credits' worth of ETH on `eth_model` and `token_model` through
    `gateway`, and nothing of the token."""
    w = project.AgentWallet.deploy(consumer, agent, credits, sender=consumer)
    configure_agent_wallet(
        w, consumer, budgets={ETH: BUDGET}, models=[eth_model, token_model], gateways=[gateway]
    )
    consumer.transfer(w, 10**18)
    token.mint(w, 1_000 * 10**6, sender=consumer)
    w.execute(token, 0, token.approve.encode_input(credits, MAX), sender=consumer)
    return w


@pytest.fixture
def thief_model(register_model, credits, token, attacker):
    """The thief's own model in the wallet's token, with the thief as its gateway."""
    model_id = register_model(token.address, owner=attacker, gateways=(attacker,))
    credits.enableCredits(model_id, TOKEN_CREDIT_VALUE, sender=attacker)
    return model_id


def _agent_buy(credits, wallet, agent, model_id, n, to=None, value=None):
    data = credits.buyCredits.encode_input(model_id, n, to or wallet.address)
    value = n * ETH_CREDIT_VALUE if value is None else value
    return wallet.execute(credits, value, data, sender=agent)


def _agent_open(credits, wallet, agent, model_id, gateway, n, expiry):
    salt = free_salt(credits, wallet, gateway, model_id)
    data = credits.openChannel.encode_input(model_id, gateway, salt, n, expiry)
    return opened(credits, wallet.execute(credits, 0, data, sender=agent))


def _agent_buy_and_open(credits, wallet, agent, model_id, gateway, n, expiry, value=0):
    salt = free_salt(credits, wallet, gateway, model_id)
    data = credits.buyAndOpenChannel.encode_input(model_id, gateway, salt, n, expiry)
    return opened(credits, wallet.execute(credits, value, data, sender=agent))


def _snapshot(credits, wallet, token, *models):
    """Everything a refused agent call must leave untouched."""
    return (
        wallet.balance,
        token.balanceOf(wallet),
        token.balanceOf(credits),
        tuple(credits.balanceOf(wallet, m) for m in models),
        wallet.spentOf(ETH),
        wallet.spentOf(token),
        tuple(credits.lockedSupply(m) for m in models),
    )


@contextmanager
def unchanged(credits, wallet, token, *models):
    before = _snapshot(credits, wallet, token, *models)
    yield
    assert _snapshot(credits, wallet, token, *models) == before


# ------------------------------------------------------------------ ETH budget
def test_execute__agent_buys_within_budget__credits_held_and_spend_counted(
    credits, eth_model, wallet, agent
):
    tx = _agent_buy(credits, wallet, agent, eth_model, 30)
    assert credits.balanceOf(wallet, eth_model) == 30
    assert wallet.spentOf(ETH) == 30 * ETH_CREDIT_VALUE
    spent = tx.decode_logs(wallet.AgentSpent)
    assert len(spent) == 1 and (spent[0].asset, spent[0].amount) == (ETH, 30 * ETH_CREDIT_VALUE)


def test_execute__agent_above_budget__reverts_and_spends_nothing(
    credits, eth_model, wallet, agent, token
):
    _agent_buy(credits, wallet, agent, eth_model, 40)
    with (
        unchanged(credits, wallet, token, eth_model),
        ape.reverts(
            wallet.AgentWalletBudgetExceeded,
            asset=ETH,
            spent=40 * ETH_CREDIT_VALUE,
            amount=11 * ETH_CREDIT_VALUE,
            budget=BUDGET,
        ),
    ):
        _agent_buy(credits, wallet, agent, eth_model, 11)


def test_execute__owner_raises_budget__agent_may_spend_more(
    credits, eth_model, wallet, agent, consumer
):
    _agent_buy(credits, wallet, agent, eth_model, 50)
    tx = wallet.setBudget(ETH, BUDGET + 10 * ETH_CREDIT_VALUE, sender=consumer)
    event = tx.decode_logs(wallet.BudgetSet)[0]
    assert (event.asset, event.budget, event.spent) == (ETH, BUDGET + 10 * ETH_CREDIT_VALUE, BUDGET)
    _agent_buy(credits, wallet, agent, eth_model, 10)
    assert credits.balanceOf(wallet, eth_model) == 60


def test_execute__owner_lowers_budget_below_spent__every_charge_refused(
    credits, eth_model, wallet, agent, consumer, token
):
    _agent_buy(credits, wallet, agent, eth_model, 30)
    wallet.setBudget(ETH, 10 * ETH_CREDIT_VALUE, sender=consumer)
    with (
        unchanged(credits, wallet, token, eth_model),
        ape.reverts(wallet.AgentWalletBudgetExceeded),
    ):
        _agent_buy(credits, wallet, agent, eth_model, 1)


def test_execute__owner_calls__never_charged(credits, eth_model, wallet, consumer):
    _agent_buy(credits, wallet, consumer, eth_model, 80)
    assert credits.balanceOf(wallet, eth_model) == 80
    assert wallet.spentOf(ETH) == 0


# ------------------------------------------------------------------ the stolen key (ERC-20)
def test_execute__stolen_key_budget_zero__token_purchases_for_thief_refused_nothing_moves(
    credits, wallet, agent, token, token_model, thief_model, attacker, chain
):
    """The review's attack: the owner approved UsageCredits for the wallet's tokens; the
    agent's token budget is 0; the thief tries to pay the wallet's tokens into its own model
    and gateway, or into a listed model."""
    expiry = chain.pending_timestamp + HOUR
    n = 1_000 * 10**6 // TOKEN_CREDIT_VALUE  # the whole token balance
    calls = [
        (credits.buyCredits.encode_input(thief_model, n, wallet), "ModelNotAllowed"),
        (
            credits.buyAndOpenChannel.encode_input(thief_model, attacker, 0, n, expiry),
            "ModelNotAllowed",
        ),
        (
            credits.buyAndOpenChannel.encode_input(token_model, attacker, 0, n, expiry),
            "GatewayNotAllowed",
        ),
        (credits.buyCredits.encode_input(token_model, n, wallet), "BudgetExceeded"),
    ]
    for data, error in calls:
        with (
            unchanged(credits, wallet, token, token_model, thief_model),
            ape.reverts(getattr(wallet, f"AgentWallet{error}")),
        ):
            wallet.execute(credits, 0, data, sender=agent)
    assert token.balanceOf(attacker) == 0


def test_execute__stolen_key_budget_zero__buy_and_open_to_listed_gateway_refused(
    credits, wallet, agent, token, token_model, gateway, chain
):
    data = credits.buyAndOpenChannel.encode_input(
        token_model, gateway, 0, 10, chain.pending_timestamp + HOUR
    )
    with (
        unchanged(credits, wallet, token, token_model),
        ape.reverts(
            wallet.AgentWalletBudgetExceeded,
            asset=token.address,
            spent=0,
            amount=10 * TOKEN_CREDIT_VALUE,
            budget=0,
        ),
    ):
        wallet.execute(credits, 0, data, sender=agent)


def test_execute__stolen_key__owner_bought_credits_not_locked_to_thief_or_uncharged(
    credits, wallet, agent, consumer, token, token_model, thief_model, gateway, attacker, chain
):
    """Credits the owner bought for the wallet: the agent cannot lock them to the thief, and
    locking them to a listed gateway is charged (budget 0: refused)."""
    wallet.execute(
        credits, 0, credits.buyCredits.encode_input(token_model, 40, wallet), sender=consumer
    )
    expiry = chain.pending_timestamp + HOUR
    for data, error in [
        (
            credits.openChannel.encode_input(token_model, attacker, 0, 40, expiry),
            "GatewayNotAllowed",
        ),
        (credits.openChannel.encode_input(thief_model, attacker, 0, 40, expiry), "ModelNotAllowed"),
        (credits.openChannel.encode_input(token_model, gateway, 0, 40, expiry), "BudgetExceeded"),
    ]:
        with (
            unchanged(credits, wallet, token, token_model),
            ape.reverts(getattr(wallet, f"AgentWallet{error}")),
        ):
            wallet.execute(credits, 0, data, sender=agent)
    assert credits.balanceOf(wallet, token_model) == 40


def test_execute__token_model_within_budget__charged_by_what_left_the_wallet(
    credits, wallet, agent, consumer, token, token_model, gateway, chain
):
    wallet.setBudget(token, TOKEN_BUDGET, sender=consumer)
    before = token.balanceOf(wallet)
    tx = wallet.execute(
        credits, 0, credits.buyCredits.encode_input(token_model, 20, wallet), sender=agent
    )
    assert before - token.balanceOf(wallet) == wallet.spentOf(token) == 20 * TOKEN_CREDIT_VALUE
    event = tx.decode_logs(wallet.AgentSpent)[0]
    assert (event.asset, event.amount) == (token.address, 20 * TOKEN_CREDIT_VALUE)
    expiry = chain.pending_timestamp + HOUR
    cid = _agent_buy_and_open(credits, wallet, agent, token_model, gateway, 25, expiry)
    assert wallet.spentOf(token) == 45 * TOKEN_CREDIT_VALUE
    assert wallet.spentOf(ETH) == 0
    with (
        unchanged(credits, wallet, token, token_model),
        ape.reverts(wallet.AgentWalletBudgetExceeded),
    ):
        wallet.execute(
            credits, 0, credits.buyAndTopUpChannel.encode_input(cid.args, 6, expiry), sender=agent
        )
    wallet.execute(
        credits, 0, credits.buyAndTopUpChannel.encode_input(cid.args, 5, expiry), sender=agent
    )
    assert wallet.spentOf(token) == TOKEN_BUDGET
    assert credits.channel(cid).deposit == 30


def test_execute__open_and_top_up_held_credits__charged_at_credit_value(
    credits, eth_model, wallet, agent, consumer, gateway, chain
):
    wallet.execute(
        credits, 40 * ETH_CREDIT_VALUE, credits.buyCredits.encode_input(eth_model, 40, wallet),
        sender=consumer,
    )  # fmt: skip
    expiry = chain.pending_timestamp + HOUR
    cid = _agent_open(credits, wallet, agent, eth_model, gateway, 30, expiry)
    assert wallet.spentOf(ETH) == 30 * ETH_CREDIT_VALUE
    wallet.execute(
        credits, 0, credits.topUpChannel.encode_input(cid.args, 10, expiry), sender=agent
    )
    assert wallet.spentOf(ETH) == 40 * ETH_CREDIT_VALUE
    # Extending only moves no value: not charged.
    wallet.execute(
        credits, 0, credits.topUpChannel.encode_input(cid.args, 0, expiry + 1), sender=agent
    )
    assert wallet.spentOf(ETH) == 40 * ETH_CREDIT_VALUE


def test_execute__top_up_of_unlisted_or_foreign_channel__refused(
    credits, eth_model, wallet, agent, consumer, gateway, chain, open_channel, token
):
    expiry = chain.pending_timestamp + HOUR
    cid = _agent_buy_and_open(
        credits, wallet, agent, eth_model, gateway, 5, expiry, value=5 * ETH_CREDIT_VALUE
    )
    foreign = open_channel(consumer, 5)
    top_up = credits.buyAndTopUpChannel.encode_input(foreign.args, 1, expiry)
    with (
        unchanged(credits, wallet, token, eth_model),
        ape.reverts(
            wallet.AgentWalletNotWalletChannel, channelId=foreign, consumer=consumer.address
        ),
    ):
        wallet.execute(credits, ETH_CREDIT_VALUE, top_up, sender=agent)
    tx = wallet.setGatewayAllowed(gateway, False, sender=consumer)
    assert not tx.decode_logs(wallet.GatewayAllowed)[0].allowed
    top_up = credits.buyAndTopUpChannel.encode_input(cid.args, 1, expiry)
    with (
        unchanged(credits, wallet, token, eth_model),
        ape.reverts(wallet.AgentWalletGatewayNotAllowed, gateway=gateway.address),
    ):
        wallet.execute(credits, ETH_CREDIT_VALUE, top_up, sender=agent)
    wallet.setModelAllowed(eth_model, False, sender=consumer)
    with (
        unchanged(credits, wallet, token, eth_model),
        ape.reverts(wallet.AgentWalletModelNotAllowed, modelId=eth_model),
    ):
        wallet.execute(credits, ETH_CREDIT_VALUE, top_up, sender=agent)


def test_execute__new_wallet__lists_nothing_until_the_owner_does(
    project, credits, consumer, agent, eth_model, gateway, chain, token
):
    w = project.AgentWallet.deploy(consumer, agent, credits, sender=consumer)
    consumer.transfer(w, 10**17)
    assert (w.budgetOf(ETH), w.isModelAllowed(eth_model), w.isGatewayAllowed(gateway)) == (
        0,
        False,
        False,
    )
    with ape.reverts(w.AgentWalletModelNotAllowed, modelId=eth_model):
        _agent_buy(credits, w, agent, eth_model, 1)
    tx = w.setModelAllowed(eth_model, True, sender=consumer)
    assert tx.decode_logs(w.ModelAllowed)[0].modelId == eth_model
    open_data = credits.buyAndOpenChannel.encode_input(
        eth_model, gateway, 0, 1, chain.pending_timestamp + HOUR
    )
    with ape.reverts(w.AgentWalletGatewayNotAllowed, gateway=gateway.address):
        w.execute(credits, ETH_CREDIT_VALUE, open_data, sender=agent)
    w.setGatewayAllowed(gateway, True, sender=consumer)
    with ape.reverts(w.AgentWalletBudgetExceeded, budget=0):
        w.execute(credits, ETH_CREDIT_VALUE, open_data, sender=agent)
    w.setBudget(ETH, ETH_CREDIT_VALUE, sender=consumer)
    w.execute(credits, ETH_CREDIT_VALUE, open_data, sender=agent)
    assert w.spentOf(ETH) == ETH_CREDIT_VALUE


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


def test_execute__agent_calldata_cut_short__reverts_with_lengths(credits, eth_model, wallet, agent):
    data = credits.openChannel.encode_input(eth_model, wallet, 0, 1, 1)[:100]
    with ape.reverts(
        wallet.AgentWalletCalldataTooShort,
        selector=data[:4],
        length=100,
        needed=164,
    ):
        wallet.execute(credits, 0, data, sender=agent)
    with ape.reverts(wallet.AgentWalletCalldataTooShort, length=3, needed=4):
        wallet.execute(credits, 0, b"\x01\x02\x03", sender=agent)


def test_execute__agent_calls_other_contract__reverts(wallet, agent, attacker):
    with ape.reverts(wallet.AgentWalletTargetNotAllowed, target=attacker.address):
        wallet.execute(attacker, 10**15, b"", sender=agent)


def test_execute__stranger__reverts(credits, wallet, attacker):
    with ape.reverts(wallet.AgentWalletNotAuthorised, caller=attacker.address):
        wallet.execute(credits, 0, b"", sender=attacker)


def test_owner_powers__agent_calls__revert(wallet, agent, token):
    for method, args in [
        ("setBudget", (ETH, 10**30)),
        ("setAgent", (agent,)),
        ("withdraw", (agent, 1)),
        ("setModelAllowed", (1, True)),
        ("setGatewayAllowed", (agent, True)),
        ("setSignable", (b"\x01" * 32, b"\x02" * 32, True)),
    ]:
        with ape.reverts(wallet.AgentWalletNotOwner, caller=agent.address):
            getattr(wallet, method)(*args, sender=agent)


def test_owner_settings__bad_values__revert(wallet, consumer):
    with ape.reverts(wallet.AgentWalletBudgetTooLarge, budget=2**128, maximum=2**128 - 1):
        wallet.setBudget(ETH, 2**128, sender=consumer)
    with ape.reverts(wallet.AgentWalletZeroAddress):
        wallet.setGatewayAllowed(ETH, True, sender=consumer)


def test_withdraw__owner__gets_the_funds(wallet, consumer):
    before = consumer.balance
    tx = wallet.withdraw(consumer, 10**17, sender=consumer)
    assert consumer.balance == before + 10**17 - tx.total_fees_paid
    assert wallet.balance == 10**18 - 10**17


def test_close__agent_closes_expired_channel__refund_held_by_wallet_and_redeemable(
    credits, eth_model, wallet, agent, gateway, chain
):
    expiry = chain.pending_timestamp + HOUR
    cid = _agent_buy_and_open(
        credits, wallet, agent, eth_model, gateway, 20, expiry, value=20 * ETH_CREDIT_VALUE
    )
    chain.pending_timestamp = expiry + GRACE
    wallet.execute(credits, 0, credits.closeChannel.encode_input(cid.args), sender=agent)
    assert credits.balanceOf(wallet, eth_model) == 20
    before = wallet.balance
    wallet.execute(credits, 0, credits.redeem.encode_input(eth_model, 20, wallet), sender=agent)
    assert wallet.balance == before + 20 * ETH_CREDIT_VALUE
    # Redemption brings value back but does not lower what the agent has spent.
    assert wallet.spentOf(ETH) == 20 * ETH_CREDIT_VALUE


# ------------------------------------------------------------------ signatures (ERC-1271)
@pytest.fixture
def access(chain, gateway, eth_model, wallet):
    """An access statement of the wallet for `eth_model` at `gateway`, and its domain."""
    domain = AccessDomain(chain_id=chain.chain_id, gateway=gateway.address, model_id=eth_model)
    statement = AccessStatement.new(account=wallet.address, model_id=eth_model, version=1)
    return domain, statement


def test_is_valid_signature__agent_key_bare_signature__invalid_for_any_digest(
    wallet, agent, credits, domain, access
):
    """The agent key alone no longer acts for the wallet: not for a receipt digest, an access
    statement digest, or any other digest."""
    access_domain, statement = access
    digests = [
        receipt_digest(domain, Receipt(1, 10, 2**40)),
        statement_digest(access_domain, statement),
        keccak(text="anything"),
    ]
    for digest in digests:
        assert wallet.isValidSignature(digest, sign_digest(digest, agent.private_key)) == INVALID


def test_is_valid_signature__allowed_access_statement_wrapped__valid_only_as_signed(
    wallet, agent, consumer, access, chain, gateway, eth_model, attacker
):
    access_domain, statement = access
    digest = statement_digest(access_domain, statement)
    wrapped = Signer.smart_wallet(wallet.address, agent.private_key).sign_struct(
        access_domain, statement
    )
    assert wallet.isValidSignature(digest, wrapped) == INVALID  # not allowed yet
    pair = access_signable(chain.chain_id, gateway.address, eth_model)
    tx = wallet.setSignable(*pair, True, sender=consumer)
    event = tx.decode_logs(wallet.SignableSet)[0]
    assert (event.domainSeparator, event.typeHash, event.allowed) == (*pair, True)
    assert wallet.isSignable(*pair)
    assert wallet.isValidSignature(digest, wrapped) == VALID
    # Another digest, another signer, a high-s twin, a cut or padded form: all invalid.
    assert wallet.isValidSignature(keccak(digest), wrapped) == INVALID
    by_attacker = wallet_signature(
        sign_digest(digest, attacker.private_key), access_domain, statement
    )
    assert wallet.isValidSignature(digest, by_attacker) == INVALID
    r, s, v = wrapped[:32], int.from_bytes(wrapped[32:64], "big"), wrapped[64]
    high_s = r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v]) + wrapped[65:]
    assert wallet.isValidSignature(digest, high_s) == INVALID
    assert wallet.isValidSignature(digest, wrapped[:-1]) == INVALID
    assert wallet.isValidSignature(digest, wrapped + b"\x00" * 32) == INVALID
    assert wallet.isValidSignature(digest, wrapped[:65]) == INVALID
    wallet.setSignable(*pair, False, sender=consumer)
    assert wallet.isValidSignature(digest, wrapped) == INVALID


def test_set_agent__rotated__old_key_signatures_stop_verifying(
    wallet, agent, consumer, holder, access, chain, gateway, eth_model
):
    access_domain, statement = access
    digest = statement_digest(access_domain, statement)
    wallet.setSignable(
        *access_signable(chain.chain_id, gateway.address, eth_model), True, sender=consumer
    )
    old = Signer.smart_wallet(wallet.address, agent.private_key).sign_struct(
        access_domain, statement
    )
    tx = wallet.setAgent(holder, sender=consumer)
    assert tx.decode_logs(wallet.AgentChanged)[0].newAgent == holder.address
    assert wallet.isValidSignature(digest, old) == INVALID
    new = Signer.smart_wallet(wallet.address, holder.private_key).sign_struct(
        access_domain, statement
    )
    assert wallet.isValidSignature(digest, new) == VALID


# ------------------------------------------------------------------ receipts
def test_receipt__signed_by_agent_key__settles_as_the_channels_signer(
    credits, eth_model, wallet, agent, consumer, gateway, domain, chain
):
    """Receipts of the wallet's channels are the agent key's plain ECDSA signatures, checked
    by UsageCredits against the signer the channel recorded (never the wallet's ERC-1271):
    the wallet registered its agent key when it was deployed."""
    assert credits.receiptSigner(wallet) == agent.address
    _agent_buy(credits, wallet, agent, eth_model, 20)
    cid = _agent_open(
        credits, wallet, agent, eth_model, gateway, 20, chain.pending_timestamp + HOUR
    )
    assert cid.terms.consumer == wallet.address
    assert credits.channel(cid).signer == agent.address
    deadline = chain.pending_timestamp + HOUR
    by_agent = sign_receipt(domain, Receipt(cid, 12, deadline), agent)
    by_owner = sign_receipt(domain, Receipt(cid, 12, deadline), consumer)
    assert credits.verifyReceipt(cid.args, 12, deadline, by_agent.signature)
    assert not credits.verifyReceipt(cid.args, 12, deadline, by_owner.signature)
    credits.settle([by_agent.settle_args(cid.terms)], sender=gateway)
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
    # The rotation registers the new key as the wallet's receipt signer...
    assert tx.decode_logs(credits.ReceiptSignerSet)[0].signer == holder.address
    assert credits.receiptSigner(wallet) == holder.address
    # ...but the open channel keeps the key it recorded: what the old agent signed stays final,
    assert credits.verifyReceipt(cid.args, 5, deadline, served.signature)
    new = sign_receipt(domain, Receipt(cid, 5, deadline), holder)
    assert not credits.verifyReceipt(cid.args, 5, deadline, new.signature)
    credits.settle([served.settle_args(cid.terms)], sender=gateway)
    assert credits.channel(cid).settled == 5
    # and channels opened from now on record the new agent.
    fresh = _agent_open(
        credits, wallet, holder, eth_model, gateway, 10, chain.pending_timestamp + HOUR
    )
    assert credits.channel(fresh).signer == holder.address
