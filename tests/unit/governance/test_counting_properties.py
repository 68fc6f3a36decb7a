"""Property: the governor's outcome equals a Python model of OpenZeppelin's counting rules.

Model (GovernorCountingSimple + GovernorVotesQuorumFraction):
    quorum    = totalSupply(snapshot) * quorumNumerator // 100
    reached   = for + abstain >= quorum
    succeeded = reached and for > against      -> Succeeded, else Defeated
Each example runs inside ``isolated(chain)`` (snapshot/restore), not ``chain.isolate()``, which
swallows assertion errors. Votes weigh the voter's delegated balance at the snapshot. A small supply (1,000 units) keeps
the random splits close to the quorum and tie boundaries, and the quorum numerator is drawn
either uniformly or right at the boundaries of the drawn tally (for, for + abstain).
"""

import ape
import pytest
from fixtures.governance import governance_params, isolated
from hypothesis import example, given, note
from hypothesis import strategies as st

from modelmint.dev.governance import Proposal, ProposalState, Vote, delegate

SUPPLY = 1_000
ABSENT = None
balances_st = st.lists(st.integers(0, 250), min_size=4, max_size=4)
ballots_st = st.lists(
    st.sampled_from([ABSENT, Vote.Against, Vote.For, Vote.Abstain]), min_size=4, max_size=4
)


def model_outcome(votes: dict[Vote, int], total_supply: int, quorum_numerator: int):
    quorum = total_supply * quorum_numerator // 100
    reached = votes[Vote.For] + votes[Vote.Abstain] >= quorum
    succeeded = reached and votes[Vote.For] > votes[Vote.Against]
    return quorum, reached, ProposalState.Succeeded if succeeded else ProposalState.Defeated


def tally_of(balances, ballots) -> dict[Vote, int]:
    tally = {Vote.Against: 0, Vote.For: 0, Vote.Abstain: 0}
    for amount, ballot in zip(balances, ballots, strict=True):
        if ballot is not ABSENT:
            tally[ballot] += amount
    return tally


@st.composite
def cases(draw, low: int):
    """(balances, ballots, quorum numerator); the numerator is uniform or at/around the values
    where the quorum crosses `for` or `for + abstain`."""
    balances = draw(balances_st, label="balances")
    ballots = draw(ballots_st, label="ballots")
    tally = tally_of(balances, ballots)
    edges = set()
    for votes in (tally[Vote.For], tally[Vote.For] + tally[Vote.Abstain]):
        pct = votes * 100 // SUPPLY
        edges.update(n for n in (pct - 1, pct, pct + 1, pct + 2) if low <= n <= 100)
    strategy = st.integers(low, 100)
    if edges:
        strategy = st.one_of(strategy, st.sampled_from(sorted(edges)))
    return balances, ballots, draw(strategy, label="quorum_numerator")


F, A, AB = Vote.For, Vote.Against, Vote.Abstain
# Boundary cases that always run (shrunk-style regressions of the rules above):
BOUNDARY_CASES = [
    # for 100 < quorum 150 <= for + abstain 200, for > against -> Succeeded (abstain counts)
    ([100, 100, 50, 0], [F, AB, A, ABSENT], 15),
    # for + abstain = 149 < quorum 150 -> Defeated
    ([100, 49, 0, 0], [F, AB, ABSENT, ABSENT], 15),
    # for == against, quorum reached -> Defeated (ties fail)
    ([200, 200, 0, 0], [F, A, ABSENT, ABSENT], 10),
    # for + abstain exactly at quorum -> Succeeded
    ([60, 40, 0, 0], [F, AB, ABSENT, ABSENT], 10),
]


def run_proposal(chain, governor, proposal_call, proposer, voters, balances, ballots):
    p = Proposal(governor, [proposal_call], "property")
    p.propose(sender=proposer)
    p.wait_until_voting_starts(chain)
    for voter, ballot in zip(voters, ballots, strict=True):
        if ballot is not ABSENT:
            p.vote(voter, ballot)
    p.wait_until_voting_ends(chain)
    return p


def check_against_model(governor, p, tally, quorum_numerator):
    quorum, reached, expected = model_outcome(tally, SUPPLY, quorum_numerator)
    note(f"tally={tally} quorum%={quorum_numerator} -> quorum={quorum} reached={reached}")
    note(f"model: {expected.name}")
    assert governor.proposalVotes(p.id) == (
        tally[Vote.Against],
        tally[Vote.For],
        tally[Vote.Abstain],
    )
    assert governor.quorum(governor.proposalSnapshot(p.id)) == quorum
    assert p.state() == expected


@pytest.fixture(scope="module")
def voters(accounts):
    # Not accounts[0] (deployer) or accounts[1] (model_owner): they hold the undistributed rest.
    return [accounts[i] for i in range(2, 6)]


@pytest.fixture(scope="module")
def small_token(project, chain, deployer, voters):
    token = project.GovernanceToken.deploy("Small", "SML", deployer, SUPPLY, sender=deployer)
    for voter in voters:
        delegate(token, voter, sender=voter)
    chain.mine(deltatime=1)
    return token


@pytest.fixture(scope="module")
def counting_timelock(project, deployer):
    # Never reached: the property stops at Succeeded/Defeated, before queueing.
    return project.ProtocolTimelock.deploy(
        60, [], [ape.utils.ZERO_ADDRESS], deployer, sender=deployer
    )


def with_boundary_cases(test):
    for case in BOUNDARY_CASES:
        test = example(case=case)(test)
    return test


@given(case=cases(low=0))
@with_boundary_cases
def test_outcome__random_votes_and_quorum__matches_python_model(
    project, chain, deployer, registry, small_token, counting_timelock, voters, case
):
    balances, ballots, quorum_numerator = case
    tally = tally_of(balances, ballots)
    with isolated(chain):
        governor = project.ProtocolGovernor.deploy(
            small_token, counting_timelock, 1, 100, 0, quorum_numerator, sender=deployer
        )
        for voter, amount in zip(voters, balances, strict=True):
            if amount:
                small_token.transfer(voter, amount, sender=deployer)
        call = (registry.setFlagged, 1, True)
        p = run_proposal(chain, governor, call, deployer, voters, balances, ballots)
        check_against_model(governor, p, tally, quorum_numerator)


@given(case=cases(low=1))  # the Fractionalizer rejects a zero quorum
@with_boundary_cases
def test_model_outcome__random_share_votes_and_quorum__matches_python_model(
    chain, register_model, fractionalize, model_owner, voters, case
):
    """Same model for a per-model governor clone (ModelShares votes, block clock)."""
    balances, ballots, quorum_numerator = case
    tally = tally_of(balances, ballots)
    with isolated(chain):
        model_id = register_model()
        shares, governor, _, _ = fractionalize(
            model_id,
            model_owner,
            gov_params=governance_params(
                voting_delay=1, voting_period=20, quorum_numerator=quorum_numerator
            ),
            supply=SUPPLY,
        )
        for voter, amount in zip(voters, balances, strict=True):
            if amount:  # ModelShares self-delegates on receipt
                shares.transfer(voter, amount, sender=model_owner)
        call = (governor.setVotingDelay, 2)
        p = run_proposal(chain, governor, call, model_owner, voters, balances, ballots)
        check_against_model(governor, p, tally, quorum_numerator)
