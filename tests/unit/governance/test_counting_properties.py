"""Property: the governor's outcome equals a Python model of OpenZeppelin's counting rules.

Model (GovernorCountingSimple + GovernorVotesQuorumFraction):
    quorum    = totalSupply(snapshot) * quorumNumerator // 100
    reached   = for + abstain >= quorum
    succeeded = reached and for > against      -> Succeeded, else Defeated
Votes weigh the voter's delegated balance at the snapshot. A small supply (1,000 units) keeps
the random splits close to the quorum and tie boundaries.
"""

import ape
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from modelmint.governance import Proposal, ProposalState, Vote, delegate

SUPPLY = 1_000
ABSENT = None
choices = st.sampled_from([ABSENT, Vote.Against, Vote.For, Vote.Abstain])


def model_outcome(votes: dict[Vote, int], total_supply: int, quorum_numerator: int):
    quorum = total_supply * quorum_numerator // 100
    reached = votes[Vote.For] + votes[Vote.Abstain] >= quorum
    succeeded = reached and votes[Vote.For] > votes[Vote.Against]
    return quorum, reached, ProposalState.Succeeded if succeeded else ProposalState.Defeated


@pytest.fixture(scope="module")
def voters(accounts):
    return [accounts[i] for i in range(1, 5)]


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


@given(
    balances=st.lists(st.integers(0, 250), min_size=4, max_size=4),
    ballots=st.lists(choices, min_size=4, max_size=4),
    quorum_numerator=st.integers(0, 100),
)
def test_outcome__random_votes_and_quorum__matches_python_model(
    project,
    chain,
    deployer,
    registry,
    small_token,
    counting_timelock,
    voters,
    balances,
    ballots,
    quorum_numerator,
):
    with chain.isolate():
        governor = project.ProtocolGovernor.deploy(
            small_token, counting_timelock, 1, 100, 0, quorum_numerator, sender=deployer
        )
        for voter, amount in zip(voters, balances, strict=True):
            if amount:
                small_token.transfer(voter, amount, sender=deployer)
        p = Proposal(governor, [(registry.setFlagged, 1, True)], "property")
        p.propose(sender=deployer)
        p.wait_until_voting_starts(chain)

        tally = {Vote.Against: 0, Vote.For: 0, Vote.Abstain: 0}
        for voter, amount, ballot in zip(voters, balances, ballots, strict=True):
            if ballot is not ABSENT:
                p.vote(voter, ballot)
                tally[ballot] += amount
        note(f"tally={tally} quorum%={quorum_numerator}")
        p.wait_until_voting_ends(chain)

        quorum, reached, expected = model_outcome(tally, SUPPLY, quorum_numerator)
        note(f"model: quorum={quorum} reached={reached} -> {expected.name}")
        snapshot = governor.proposalSnapshot(p.id)
        assert governor.proposalVotes(p.id) == (
            tally[Vote.Against],
            tally[Vote.For],
            tally[Vote.Abstain],
        )
        assert governor.quorum(snapshot) == quorum
        assert p.state() == expected
