"""Per-model governor and timelock settings and roles (packed set-up, virtual default grants)
change only through the model's own proposals, exactly as OpenZeppelin's extensions do."""

import ape
from fixtures.governance import MODEL_QUORUM_NUMERATOR, MODEL_TIMELOCK_DELAY

from modelmint.constants import DAY
from modelmint.constants import ZERO_ADDRESS as ZERO
from modelmint.dev.governance import Proposal, ProposalState, Vote


def test_model_proposal__changes_settings_and_roles__applied_with_history(
    chain, register_model, fractionalize, model_owner, contributor, gateway
):
    model_id = register_model()
    shares, governor, timelock, _ = fractionalize(model_id, model_owner)
    proposer, canceller = timelock.PROPOSER_ROLE(), timelock.CANCELLER_ROLE()
    executor, admin = timelock.EXECUTOR_ROLE(), timelock.DEFAULT_ADMIN_ROLE()
    p = Proposal(
        governor,
        [
            (governor.setVotingDelay, 5),
            (governor.setVotingPeriod, 50),
            (governor.setProposalThreshold, 1),
            (governor.updateQuorumNumerator, 20),
            (timelock.updateDelay, 2 * DAY),
            (timelock.grantRole, proposer, contributor),
            (timelock.revokeRole, canceller, governor),
            (timelock.revokeRole, executor, ZERO),
            (timelock.renounceRole, admin, timelock),
        ],
        "Retune governance",
    )
    p.propose(sender=model_owner)
    p.wait_until_voting_starts(chain)
    snapshot = governor.proposalSnapshot(p.id)
    p.vote(model_owner, Vote.For)
    p.wait_until_voting_ends(chain)
    p.queue(sender=gateway)
    p.wait_until_executable(chain)
    tx = p.execute(sender=gateway)
    assert p.state() == ProposalState.Executed

    assert (governor.votingDelay(), governor.votingPeriod(), governor.proposalThreshold()) == (
        5,
        50,
        1,
    )
    assert governor.quorumNumerator() == 20
    assert governor.quorumNumerator(snapshot) == MODEL_QUORUM_NUMERATOR
    [q] = tx.decode_logs(governor.QuorumNumeratorUpdated)
    assert (q.oldQuorumNumerator, q.newQuorumNumerator) == (MODEL_QUORUM_NUMERATOR, 20)
    [d] = tx.decode_logs(timelock.MinDelayChange)
    assert (d.oldDuration, d.newDuration) == (MODEL_TIMELOCK_DELAY, 2 * DAY)
    assert timelock.getMinDelay() == 2 * DAY
    assert timelock.hasRole(proposer, contributor)
    assert timelock.hasRole(proposer, governor)
    assert not timelock.hasRole(canceller, governor)
    assert not timelock.hasRole(executor, ZERO)
    assert not timelock.hasRole(admin, timelock)
    revoked = {(log.role, log.account) for log in tx.decode_logs(timelock.RoleRevoked)}
    assert revoked == {(canceller, governor.address), (executor, ZERO), (admin, timelock.address)}


def test_model_settings__direct_calls__revert(register_model, fractionalize, model_owner):
    model_id = register_model()
    _, governor, timelock, _ = fractionalize(model_id, model_owner)
    with ape.reverts(governor.GovernorOnlyExecutor):
        governor.setVotingPeriod(1, sender=model_owner)
    with ape.reverts(governor.GovernorOnlyExecutor):
        governor.updateQuorumNumerator(1, sender=model_owner)
    with ape.reverts(timelock.TimelockUnauthorizedCaller):
        timelock.updateDelay(0, sender=model_owner)


def test_timelock_initialize__non_standard_roles__stored_as_openzeppelin(
    project, deployer, model_timelock_impl, contributor, consumer, licensee, gateway
):
    cloner = project.TestCloner.deploy(sender=deployer)
    tx = cloner.clone(model_timelock_impl, sender=deployer)
    tl = project.ModelTimelock.at(tx.decode_logs(cloner.Cloned)[0].instance)
    tl.initialize(3_600, [contributor, consumer], [licensee], gateway, sender=deployer)
    proposer, canceller = tl.PROPOSER_ROLE(), tl.CANCELLER_ROLE()
    executor, admin = tl.EXECUTOR_ROLE(), tl.DEFAULT_ADMIN_ROLE()
    assert tl.getMinDelay() == 3_600
    for account in (contributor, consumer):
        assert tl.hasRole(proposer, account) and tl.hasRole(canceller, account)
    assert tl.hasRole(executor, licensee)
    assert not tl.hasRole(executor, ZERO)
    assert tl.hasRole(admin, gateway) and tl.hasRole(admin, tl)
    tl.revokeRole(proposer, consumer, sender=gateway)
    assert not tl.hasRole(proposer, consumer)
    with ape.reverts(tl.InvalidInitialization):
        tl.initialize(0, [gateway], [ZERO], ZERO, sender=gateway)


def test_setVotingDelay__zero_through_proposal__execution_reverts_and_delay_kept(
    chain, register_model, fractionalize, model_owner, gateway
):
    model_id = register_model()
    shares, governor, timelock, _ = fractionalize(model_id, model_owner)
    before = governor.votingDelay()
    p = Proposal(governor, [(governor.setVotingDelay, 0)], "Snapshot in the proposal block")
    p.propose(sender=model_owner)
    p.wait_until_voting_starts(chain)
    p.vote(model_owner, Vote.For)
    p.wait_until_voting_ends(chain)
    p.queue(sender=gateway)
    p.wait_until_executable(chain)
    with ape.reverts(governor.ModelGovernorZeroVotingDelay):
        p.execute(sender=gateway)
    assert governor.votingDelay() == before > 0


def test_governor_initialize__zero_voting_delay__reverts(
    project, deployer, model_governor_impl, token, gateway
):
    cloner = project.TestCloner.deploy(sender=deployer)
    tx = cloner.clone(model_governor_impl, sender=deployer)
    governor = project.ModelGovernor.at(tx.decode_logs(cloner.Cloned)[0].instance)
    with ape.reverts(governor.ModelGovernorZeroVotingDelay):
        governor.initialize(token, gateway, 0, 100, 0, 10, sender=deployer)
