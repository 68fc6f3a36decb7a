"""ModelShares' own ERC-20 + votes core (packed slots, two past checkpoints per slot): votes and
supply at every past block match a Python model; ERC-20, permit-style and delegation edge cases
behave as OpenZeppelin's ERC20Votes."""

import ape
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shares_helpers import DELEGATION_FIELDS, sign_typed

from modelmint.dev.governance import delegate
from modelmint.dev.testing import isolated

ZERO = "0x0000000000000000000000000000000000000000"
SUPPLY = 10**6

account_index = st.integers(0, 3)  # holder, contributor, consumer, batcher


@pytest.fixture(scope="module")
def batcher(project, deployer):
    return project.SharesBatcher.deploy(sender=deployer)


@pytest.fixture(scope="module", autouse=True)
def deploy_first(batcher, create_shares, holder, contributor, consumer, attacker):
    """Module-scoped deployments before the first test (ape's isolation rebases otherwise)."""


def _votes_model(balances, delegates):
    votes = {a: 0 for a in balances}
    for account, balance in balances.items():
        votes[delegates[account]] = votes.get(delegates[account], 0) + balance
    return votes


@given(
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("transfer"), account_index, account_index, st.integers(0, 100)),
            st.tuples(
                st.just("delegate"), account_index, st.one_of(account_index, st.none()), st.just(0)
            ),
            st.tuples(st.just("burn"), account_index, st.just(0), st.integers(1, 50)),
            st.tuples(st.just("batch"), account_index, account_index, st.integers(1, 40)),
            st.tuples(st.just("mine"), st.just(0), st.just(0), st.integers(1, 3)),
        ),
        min_size=1,
        max_size=14,
    )
)
def test_votes__random_history__past_votes_and_supply_exact_at_every_block(
    chain, create_shares, batcher, holder, contributor, consumer, steps
):
    with isolated(chain):
        _, shares = create_shares(supply=SUPPLY, holder_=holder)
        accounts = [holder.address, contributor.address, consumer.address, batcher.address]
        senders = {holder.address: holder, contributor.address: contributor}
        senders[consumer.address] = consumer
        balances = {a: 0 for a in accounts}
        balances[holder.address] = SUPPLY
        delegates = {a: a for a in accounts}
        supply = SUPPLY
        history = {}  # block -> (votes, supply) at the end of that block

        def record():
            history[chain.blocks.head.number] = (_votes_model(balances, delegates), supply)

        record()
        for kind, i, j, pct in steps:
            src = accounts[i]
            if kind == "mine":
                chain.mine(pct)
                continue
            if src == batcher.address and kind in ("delegate", "burn"):
                continue  # the batcher only sends tokens
            if kind == "transfer":
                amount = balances[src] * pct // 100
                if src == batcher.address:
                    batcher.transfers(shares, [accounts[j]], [amount], sender=holder)
                else:
                    shares.transfer(accounts[j], amount, sender=senders[src])
                balances[src] -= amount
                balances[accounts[j]] += amount
            elif kind == "delegate":
                to = ZERO if j is None else accounts[j]
                delegate(shares, to, sender=senders[src])
                delegates[src] = src if j is None else accounts[j]
            elif kind == "burn":
                amount = balances[src] * pct // 100
                if amount == 0 or amount >= supply:
                    continue
                shares.burn(amount, sender=senders[src])
                balances[src] -= amount
                supply -= amount
            else:  # batch: fund the batcher, which sends in three transfers in one block
                amount = balances[src] * pct // 100
                if src == batcher.address or amount < 3:
                    continue
                shares.transfer(batcher, amount, sender=senders[src])
                balances[src] -= amount
                balances[batcher.address] += amount
                record()
                third = amount // 3
                dst = accounts[j] if accounts[j] != batcher.address else holder.address
                batcher.transfers(
                    shares, [dst, accounts[i], dst], [third, third, third], sender=holder
                )
                balances[batcher.address] -= 3 * third
                balances[dst] += 2 * third
                balances[accounts[i]] += third
            record()
        chain.mine(1)

        now = _votes_model(balances, delegates)
        for a in accounts:
            assert shares.getVotes(a) == now[a]
            assert shares.balanceOf(a) == balances[a]
        assert shares.totalSupply() == supply
        first = min(history)
        blocks = sorted(history)
        for block in range(first, chain.blocks.head.number):
            known = [b for b in blocks if b <= block]
            votes, past_supply = history[known[-1]] if known else ({a: 0 for a in accounts}, 0)
            assert shares.getPastTotalSupply(block) == past_supply, block
            for a in accounts:
                assert shares.getPastVotes(a, block) == votes[a], (a, block)


def test_getPastVotes__current_block__reverts(chain, create_shares, holder):
    _, shares = create_shares(supply=SUPPLY, holder_=holder)
    now = chain.blocks.head.number + 1
    with ape.reverts(shares.ERC5805FutureLookup):
        shares.getPastVotes(holder, now)
    with ape.reverts(shares.ERC5805FutureLookup):
        shares.getPastTotalSupply(now)


def test_checkpoints__many_blocks__listed_in_order(chain, create_shares, holder, contributor):
    _, shares = create_shares(supply=SUPPLY, holder_=holder, route=False)  # head = mint block
    blocks = [chain.blocks.head.number]
    for _ in range(5):
        shares.transfer(contributor, 1, sender=holder)
        blocks.append(chain.blocks.head.number)
    assert shares.numCheckpoints(holder) == 6
    assert shares.numCheckpoints(contributor) == 5
    for pos, block in enumerate(blocks):
        assert tuple(shares.checkpoints(holder, pos)) == (block, SUPPLY - pos)
    for pos, block in enumerate(blocks[1:]):
        assert tuple(shares.checkpoints(contributor, pos)) == (block, pos + 1)
    with ape.reverts(shares.ModelSharesNoCheckpoint):
        shares.checkpoints(holder, 6)


def test_transfer__insufficient_balance__reverts_with_erc20_error(create_shares, holder, attacker):
    _, shares = create_shares(supply=SUPPLY, holder_=holder)
    with ape.reverts(shares.ERC20InsufficientBalance, sender=attacker, balance=0, needed=1):
        shares.transfer(holder, 1, sender=attacker)
    with ape.reverts(shares.ERC20InvalidReceiver):
        shares.transfer(ZERO, 1, sender=holder)


def test_transfer__to_self_and_zero__no_vote_change(create_shares, holder):
    _, shares = create_shares(supply=SUPPLY, holder_=holder)
    tx = shares.transfer(holder, 10, sender=holder)
    assert len(tx.decode_logs(shares.Transfer)) == 1
    assert tx.decode_logs(shares.DelegateVotesChanged) == []
    shares.transfer(holder, 0, sender=holder)
    assert (shares.balanceOf(holder), shares.getVotes(holder)) == (SUPPLY, SUPPLY)


def test_transferFrom__allowance__spent_and_infinite_kept(
    create_shares, holder, contributor, attacker
):
    _, shares = create_shares(supply=SUPPLY, holder_=holder)
    shares.approve(contributor, 100, sender=holder)
    with ape.reverts(shares.ERC20InsufficientAllowance, spender=attacker, allowance=0, needed=1):
        shares.transferFrom(holder, attacker, 1, sender=attacker)
    shares.transferFrom(holder, contributor, 60, sender=contributor)
    assert shares.allowance(holder, contributor) == 40
    shares.approve(contributor, 2**256 - 1, sender=holder)
    shares.transferFrom(holder, contributor, 60, sender=contributor)
    assert shares.allowance(holder, contributor) == 2**256 - 1
    assert shares.getVotes(contributor) == 120
    with ape.reverts(shares.ERC20InvalidSpender):
        shares.approve(ZERO, 1, sender=holder)


def test_delegate__to_recipient_then_transfer_between_them__votes_consistent(
    create_shares, holder, contributor, consumer
):
    _, shares = create_shares(supply=SUPPLY, holder_=holder)
    shares.transfer(contributor, 100, sender=holder)
    delegate(shares, holder, sender=contributor)  # contributor's 100 votes go to the holder
    assert (shares.getVotes(holder), shares.getVotes(contributor)) == (SUPPLY, 0)
    shares.transfer(holder, 40, sender=contributor)  # delegate of sender == recipient
    assert (shares.getVotes(holder), shares.getVotes(contributor)) == (SUPPLY, 0)
    delegate(shares, contributor, sender=holder)  # the holder delegates to the contributor
    # Each now votes with the other's balance: holder SUPPLY - 60, contributor 60.
    assert (shares.getVotes(holder), shares.getVotes(contributor)) == (60, SUPPLY - 60)
    shares.transfer(contributor, 10, sender=holder)  # delegates: recipient and sender
    assert (shares.getVotes(holder), shares.getVotes(contributor)) == (70, SUPPLY - 70)
    shares.transfer(consumer, 5, sender=contributor)  # sender's delegate is the holder
    assert shares.getVotes(holder) == 65
    assert shares.getVotes(consumer) == 5
    assert sum(shares.getVotes(a) for a in (holder, contributor, consumer)) == SUPPLY


def test_delegateBySig__signed__delegates_signer_and_replay_reverts(
    chain, create_shares, holder, contributor, attacker
):
    _, shares = create_shares(supply=SUPPLY, holder_=holder)
    expiry = chain.pending_timestamp + 3_600
    message = {"delegatee": contributor.address, "nonce": 0, "expiry": expiry}
    sig = sign_typed(chain, shares, holder, "Delegation", DELEGATION_FIELDS, message)
    args = (contributor, 0, expiry, *sig)
    shares.delegateBySig(*args, sender=attacker)
    assert shares.delegates(holder) == contributor
    assert shares.getVotes(contributor) == SUPPLY
    with ape.reverts(shares.InvalidAccountNonce):
        shares.delegateBySig(*args, sender=attacker)


def test_eip712Domain__clone__name_version_and_address(chain, create_shares):
    _, shares = create_shares()
    domain = shares.eip712Domain()
    assert (domain[1], domain[2], domain[3], domain[4]) == (
        "Model 1 Shares",
        "1",
        chain.chain_id,
        shares.address,
    )
    assert shares.symbol() == "M1S"
    assert shares.decimals() == 18


def test_createShares__supply_above_96_bits__reverts(
    project, shares_factory, register_model, model_owner
):
    model_id = register_model()
    with ape.reverts(project.ModelShares.ModelSharesSupplyTooLarge):
        shares_factory.createShares(model_id, "S", "S", 2**96, model_owner, sender=model_owner)


def test_createShares__name_above_255_bytes__reverts(shares_factory, register_model, model_owner):
    model_id = register_model()
    with ape.reverts(shares_factory.ModelSharesFactoryNameTooLong, length=256):
        shares_factory.createShares(model_id, "n" * 256, "S", 1, model_owner, sender=model_owner)


def test_initialize__factory_clone__cannot_be_initialized_by_factory_again(
    create_shares, shares_factory, holder
):
    _, shares = create_shares(holder_=holder)
    # Only the factory may call, and only on a clone without supply: any other caller reverts.
    with ape.reverts(shares.InvalidInitialization):
        shares.initialize(1, holder, sender=holder)
    assert shares.totalSupply() == 100


def test_transfer__first_shares_of_account__announces_implicit_self_delegation(
    create_shares, holder, contributor, attacker
):
    _, shares = create_shares(supply=1_000, holder_=holder, route=False)
    tx = shares.transfer(contributor, 10, sender=holder)
    [announced] = tx.decode_logs(shares.DelegateChanged)
    assert (announced.delegator, announced.fromDelegate, announced.toDelegate) == (
        contributor,
        ZERO,
        contributor,
    )
    again = shares.transfer(contributor, 10, sender=holder)
    assert again.decode_logs(shares.DelegateChanged) == []
    # an account that delegated before holding anything was announced by its delegation
    first = delegate(shares, holder, sender=attacker)
    [d] = first.decode_logs(shares.DelegateChanged)
    assert (d.fromDelegate, d.toDelegate) == (ZERO, holder)
    assert shares.transfer(attacker, 5, sender=holder).decode_logs(shares.DelegateChanged) == []


def test_createShares__initial_holder__announces_self_delegation(
    shares_factory, register_model, model_owner, holder, project
):
    model_id = register_model()
    tx = shares_factory.createShares(model_id, "S", "S", 100, holder, sender=model_owner)
    shares = project.ModelShares.at(tx.decode_logs(shares_factory.SharesCreated)[0].shares)
    [d] = tx.decode_logs(shares.DelegateChanged)
    assert (d.delegator, d.fromDelegate, d.toDelegate) == (holder, ZERO, holder)
    # delegating back to itself later reports itself as the previous delegate
    [back] = delegate(shares, holder, sender=holder).decode_logs(shares.DelegateChanged)
    assert (back.fromDelegate, back.toDelegate) == (holder, holder)
