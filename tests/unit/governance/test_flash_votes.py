"""Votes are read at the proposal snapshot: flash-loaned or just-bought tokens carry no weight."""

import ape
import pytest

from modelmint.constants import UNIT
from modelmint.dev.governance import Proposal, ProposalState, Vote, delegate


@pytest.fixture
def contested(flag_proposal, contributor, licensee):
    """A live proposal: licensee (100k) for, contributor (300k) against -> would be Defeated."""
    p = flag_proposal(licensee, "Flag model (contested)")
    p.vote(licensee, Vote.For)
    p.vote(contributor, Vote.Against)
    return p


def test_cast_vote__tokens_bought_after_snapshot__weight_zero_and_outcome_unchanged(
    chain, token, governor, holder, attacker, contested
):
    snapshot = governor.proposalSnapshot(contested.id)
    # After the snapshot the attacker buys 500k from the holder and self-delegates.
    token.transfer(attacker, 500_000 * UNIT, sender=holder)
    delegate(token, attacker, sender=attacker)
    chain.mine(deltatime=1)
    assert token.getVotes(attacker) == 500_000 * UNIT
    assert token.getPastVotes(attacker, snapshot) == 0
    assert governor.getVotes(attacker, snapshot) == 0

    tx = contested.vote(attacker, Vote.For)

    assert tx.decode_logs(governor.VoteCast)[0].weight == 0
    against, for_, abstain = governor.proposalVotes(contested.id)
    assert (against, for_, abstain) == (300_000 * UNIT, 100_000 * UNIT, 0)
    contested.wait_until_voting_ends(chain)
    assert contested.state() == ProposalState.Defeated


def test_cast_vote__flash_loaned_tokens__weight_zero_and_outcome_unchanged(
    project, chain, deployer, token, governor, holder, attacker, contested
):
    lender = project.TestFlashLender.deploy(token, sender=deployer)
    token.transfer(lender, 590_000 * UNIT, sender=holder)
    bot = project.FlashVoteAttacker.deploy(lender, governor, sender=attacker)

    bot.attack(contested.id, 590_000 * UNIT, sender=attacker)

    # The borrowed tokens were live votes inside the loan, but not at the snapshot.
    assert bot.votesDuringLoan() == 590_000 * UNIT
    assert bot.weightCast() == 0
    assert governor.hasVoted(contested.id, bot)
    assert token.balanceOf(lender) == 590_000 * UNIT
    assert governor.proposalVotes(contested.id) == (300_000 * UNIT, 100_000 * UNIT, 0)
    contested.wait_until_voting_ends(chain)
    assert contested.state() == ProposalState.Defeated


def test_propose__flash_loaned_tokens__below_threshold_reverts(
    project, deployer, token, governor, holder, attacker
):
    """The proposal threshold reads votes at clock() - 1: a loan inside one transaction (or
    tokens bought in the same second) cannot reach it."""
    lender = project.TestFlashLender.deploy(token, sender=deployer)
    token.transfer(lender, 100_000 * UNIT, sender=holder)
    bot = project.FlashVoteAttacker.deploy(lender, governor, sender=attacker)

    with ape.reverts(governor.GovernorInsufficientProposerVotes, proposer=bot, votes=0):
        bot.attack(0, 100_000 * UNIT, sender=attacker)
    assert token.balanceOf(lender) == 100_000 * UNIT


def test_model_vote__shares_bought_after_snapshot__weight_zero(
    chain, registry, register_model, fractionalize, model_owner, contributor, attacker
):
    """Same rule for per-model governance (ModelShares self-delegates on receipt)."""
    model_id = register_model()
    shares, model_gov, _, _ = fractionalize(model_id, model_owner)
    shares.transfer(contributor, 200_000 * UNIT, sender=model_owner)
    p = Proposal(model_gov, [(registry.setGateway, model_id, attacker, True)], "Gateway: attacker")
    p.propose(sender=attacker)  # threshold 0 in these tests
    p.wait_until_voting_starts(chain)
    p.vote(contributor, Vote.Against)  # 200k against; 10% quorum = 100k

    # The attacker buys 800k shares after the snapshot and votes For.
    shares.transfer(attacker, 800_000 * UNIT, sender=model_owner)
    assert shares.getVotes(attacker) == 800_000 * UNIT
    tx = p.vote(attacker, Vote.For)

    assert tx.decode_logs(model_gov.VoteCast)[0].weight == 0
    p.wait_until_voting_ends(chain)
    assert p.state() == ProposalState.Defeated
    assert not registry.isGateway(model_id, attacker)
