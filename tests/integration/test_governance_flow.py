"""Protocol and per-model governance, end to end.

Each test walks one proposal through its whole life, in order:

    propose -> (voting delay) -> vote -> (voting period) -> queue -> (timelock delay) -> execute

and checks the state at every step. Setup (tests/fixtures/governance.py): 1,000,000 MMGOV;
``holder`` 600k, ``contributor`` 300k, ``licensee`` 100k, all self-delegated; quorum 4%;
voting delay 1 day, period 7 days, timelock delay 2 days; ModelRegistry.governance() is the
timelock. The deployer holds no role anywhere.
"""

import ape
import pytest
from fixtures.governance import WEIGHTS_V1, enact, split_params

from modelmint.dev.governance import Proposal, ProposalState, Vote, delegate


@pytest.fixture(scope="module", autouse=True)
def _governance_first(governance_deployed):
    """Deployed before the first test (see fixtures.governance.governance_deployed)."""


# ------------------------------------------------------------------ protocol powers


def test_flag_model__proposal_passes__model_flagged_then_unflagged(
    chain, registry, governor, timelock, register_model, holder, contributor, licensee, attacker
):
    model_id = register_model()
    assert registry.isSaleOpen(model_id)

    # 1. A token holder above the threshold proposes to flag the model.
    flag = Proposal(
        governor, [(registry.setFlagged, model_id, True)], "Flag model: infringing weights"
    )
    flag.propose(sender=holder)
    assert flag.state() == ProposalState.Pending

    # 2. Voting opens after the voting delay; votes weigh the snapshot balances.
    flag.wait_until_voting_starts(chain)
    assert flag.state() == ProposalState.Active
    flag.vote(holder, Vote.For)  # 600k
    flag.vote(contributor, Vote.Against)  # 300k
    flag.vote(licensee, Vote.Abstain)  # 100k
    assert governor.proposalVotes(flag.id) == (300_000 * 10**18, 600_000 * 10**18, 100_000 * 10**18)

    # 3. After the voting period the proposal has succeeded and anyone may queue it.
    flag.wait_until_voting_ends(chain)
    assert flag.state() == ProposalState.Succeeded
    flag.queue(sender=attacker)
    assert flag.state() == ProposalState.Queued

    # 4. Not before the timelock delay...
    with ape.reverts(timelock.TimelockUnexpectedOperationState):
        flag.execute(sender=attacker)
    assert not registry.model(model_id).flagged

    # 5. ...then anyone may execute; the timelock is the caller of setFlagged.
    flag.wait_until_executable(chain)
    tx = flag.execute(sender=attacker)
    assert flag.state() == ProposalState.Executed
    assert tx.decode_logs(registry.ModelFlagged)[0].flagged
    assert registry.model(model_id).flagged
    assert not registry.isSaleOpen(model_id)

    # Unflagging is the same lifecycle with the opposite call.
    unflag = Proposal(governor, [(registry.setFlagged, model_id, False)], "Unflag model: resolved")
    enact(chain, unflag, contributor, [(contributor, Vote.For)])
    assert registry.isSaleOpen(model_id)


def test_payment_token_allow_list__proposal_passes__token_allowed_then_removed(
    chain, registry, governor, mock_erc20, holder, licensee, register_model
):
    assert not registry.isPaymentTokenAllowed(mock_erc20)

    allow = Proposal(
        governor,
        [(registry.setPaymentTokenAllowed, mock_erc20, True)],
        "Allow TUSD as payment asset",
    )
    # 100k For >= 4% quorum (40k), no votes against.
    tx = enact(chain, allow, licensee, [(licensee, Vote.For)])

    assert tx.decode_logs(registry.PaymentTokenAllowed)[0].allowed
    assert registry.isPaymentTokenAllowed(mock_erc20)
    model_id = register_model(mock_erc20, weights=WEIGHTS_V1, meta="ipfs://m")

    remove = Proposal(
        governor, [(registry.setPaymentTokenAllowed, mock_erc20, False)], "Remove TUSD"
    )
    enact(chain, remove, holder, [(holder, Vote.For)])

    assert not registry.isPaymentTokenAllowed(mock_erc20)
    # Models already priced in the token keep it.
    assert registry.paymentAsset(model_id) == mock_erc20


def test_protocol_fee__proposal_passes__fee_raised_within_ceiling(
    chain, router, governor, holder, contributor, attacker
):
    assert router.feeBps() == 500
    new_fee = router.MAX_FEE_BPS()  # the hard ceiling in code: 1_000 bps = 10%

    raise_fee = Proposal(governor, [(router.setFeeBps, new_fee)], "Raise protocol fee to 10%")
    ballots = [(holder, Vote.For), (contributor, Vote.Against)]
    tx = enact(chain, raise_fee, holder, ballots, executor=attacker)  # anyone queues/executes

    event = tx.decode_logs(router.FeeBpsSet)[0]
    assert (event.previousFeeBps, event.newFeeBps) == (500, new_fee)
    assert router.feeBps() == new_fee


def test_treasury__proposal_passes__treasury_moved(
    chain, router, governor, treasury, holder, licensee, accounts
):
    new_treasury = accounts[9]
    move = Proposal(governor, [(router.setTreasury, new_treasury)], "Move treasury to the multisig")
    tx = enact(chain, move, licensee, [(licensee, Vote.For), (holder, Vote.Abstain)])

    event = tx.decode_logs(router.TreasurySet)[0]
    assert (event.previousTreasury, event.newTreasury) == (treasury, new_treasury)
    assert router.treasury() == new_treasury


def test_proposal__more_against_than_for__defeated_and_cannot_be_queued(
    chain, registry, governor, register_model, holder, contributor, licensee
):
    model_id = register_model()
    p = Proposal(governor, [(registry.setFlagged, model_id, True)], "Flag model (contested)")
    p.propose(sender=contributor)
    p.wait_until_voting_starts(chain)
    p.vote(contributor, Vote.For)  # 300k
    p.vote(licensee, Vote.For)  # 100k
    p.vote(holder, Vote.Against)  # 600k
    p.wait_until_voting_ends(chain)
    assert p.state() == ProposalState.Defeated

    with ape.reverts(governor.GovernorUnexpectedProposalState):
        p.queue(sender=contributor)
    assert not registry.model(model_id).flagged


def test_proposal__below_quorum__defeated(
    chain, registry, governor, token, register_model, holder, attacker
):
    model_id = register_model()
    # The attacker holds 30k (3% < 4% quorum) before the proposal, and is the only voter.
    token.transfer(attacker, 30_000 * 10**18, sender=holder)
    delegate(token, attacker, sender=attacker)
    chain.mine(deltatime=1)
    p = Proposal(governor, [(registry.setFlagged, model_id, True)], "Flag model (attacker)")
    p.propose(sender=attacker)
    p.wait_until_voting_starts(chain)
    p.vote(attacker, Vote.For)
    p.wait_until_voting_ends(chain)

    assert governor.quorum(governor.proposalSnapshot(p.id)) == 40_000 * 10**18
    assert p.state() == ProposalState.Defeated


def test_propose__below_threshold__reverts(governor, registry, attacker):
    p = Proposal(governor, [(registry.setFlagged, 1, True)], "no votes")
    with ape.reverts(governor.GovernorInsufficientProposerVotes):
        p.propose(sender=attacker)


# ---------------------------------------------------------------- no EOA keeps powers


def test_admin_functions__called_by_deployer__all_revert(
    deployer, registry, router, governor, timelock, token, register_model, mock_erc20, treasury
):
    model_id = register_model()
    roles = [
        timelock.DEFAULT_ADMIN_ROLE(),
        timelock.PROPOSER_ROLE(),
        timelock.EXECUTOR_ROLE(),
        timelock.CANCELLER_ROLE(),
    ]
    assert registry.governance() == timelock.address
    assert governor.timelock() == timelock.address
    for role in roles:
        assert not timelock.hasRole(role, deployer)
    # Exactly the intended role holders: the governor proposes/cancels, anyone executes.
    assert timelock.hasRole(timelock.PROPOSER_ROLE(), governor)
    assert timelock.hasRole(timelock.CANCELLER_ROLE(), governor)
    assert timelock.hasRole(timelock.EXECUTOR_ROLE(), ape.utils.ZERO_ADDRESS)
    assert timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), timelock)
    assert not timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), governor)

    # ModelRegistry powers.
    with ape.reverts(registry.ModelRegistryNotGovernance, caller=deployer):
        registry.setFlagged(model_id, True, sender=deployer)
    with ape.reverts(registry.ModelRegistryNotGovernance, caller=deployer):
        registry.setPaymentTokenAllowed(mock_erc20, True, sender=deployer)
    with ape.reverts(registry.ModelRegistryNotGovernance, caller=deployer):
        registry.transferGovernance(deployer, sender=deployer)
    # RevenueRouter powers (governance = registry.governance()).
    with ape.reverts(router.RevenueRouterNotGovernance, caller=deployer):
        router.setFeeBps(0, sender=deployer)
    with ape.reverts(router.RevenueRouterNotGovernance, caller=deployer):
        router.setTreasury(deployer, sender=deployer)
    # Timelock: cannot schedule, cancel, grant roles or change the delay.
    with ape.reverts(timelock.AccessControlUnauthorizedAccount):
        timelock.schedule(registry, 0, b"", b"\x00" * 32, b"\x00" * 32, 2 * 86400, sender=deployer)
    with ape.reverts(timelock.AccessControlUnauthorizedAccount):
        timelock.cancel(b"\x01" * 32, sender=deployer)
    for role in roles:
        with ape.reverts(timelock.AccessControlUnauthorizedAccount):
            timelock.grantRole(role, deployer, sender=deployer)
    with ape.reverts(timelock.TimelockUnauthorizedCaller, caller=deployer):
        timelock.updateDelay(0, sender=deployer)
    # Governor: its settings are onlyGovernance (= the timelock).
    with ape.reverts(governor.GovernorOnlyExecutor, account=deployer):
        governor.setVotingDelay(0, sender=deployer)
    with ape.reverts(governor.GovernorOnlyExecutor, account=deployer):
        governor.setVotingPeriod(1, sender=deployer)
    with ape.reverts(governor.GovernorOnlyExecutor, account=deployer):
        governor.setProposalThreshold(0, sender=deployer)
    with ape.reverts(governor.GovernorOnlyExecutor, account=deployer):
        governor.updateQuorumNumerator(0, sender=deployer)
    with ape.reverts(governor.GovernorOnlyExecutor, account=deployer):
        governor.updateTimelock(deployer, sender=deployer)
    with ape.reverts(governor.GovernorOnlyExecutor, account=deployer):
        governor.relay(registry, 0, b"", sender=deployer)

    assert registry.governance() == timelock.address
    assert not registry.model(model_id).flagged
    assert not registry.isPaymentTokenAllowed(mock_erc20)
    assert router.feeBps() == 500
    assert router.treasury() == treasury


# ------------------------------------------------------------- per-model governance


def test_model_change__share_holders_pass_proposal__timelock_publishes_version_and_sets_gateway(
    chain, registry, router, register_model, fractionalize, model_owner, contributor, gateway
):
    model_id = register_model()

    # 0. The owner fractionalizes: shares to the owner, 80% of revenue to the shares, NFT to
    #    the model's timelock. The owner then sells 40% of the shares to a contributor.
    shares, model_gov, model_tl, _ = fractionalize(
        model_id, model_owner, split=split_params([model_owner], [2_000], 8_000)
    )
    assert registry.ownerOf(model_id) == model_tl.address
    assert router.weightOf(model_id, model_owner) == 2_000
    assert router.weightOf(model_id, shares) == 8_000
    # ModelShares self-delegates automatically: no delegate() step before voting.
    shares.transfer(contributor, 400_000 * 10**18, sender=model_owner)

    # The former owner no longer controls the model.
    with ape.reverts(registry.ModelRegistryNotModelOwner, modelId=model_id, caller=model_owner):
        registry.setGateway(model_id, gateway, True, sender=model_owner)

    # 1. A share holder proposes a new version, a gateway and a new split in one batch.
    weights_v2 = b"\x22" * 32
    change = Proposal(
        model_gov,
        [
            (registry.publishVersion, model_id, weights_v2, "ipfs://v2"),
            (registry.setGateway, model_id, gateway, True),
            (router.setRecipients, model_id, [shares], [10_000]),
        ],
        "Ship v2, add gateway, route all revenue to shares",
    )
    change.propose(sender=contributor)
    assert change.state() == ProposalState.Pending

    # 2. Vote: the contributor (400k) for, the former owner (600k) abstains.
    change.wait_until_voting_starts(chain)
    change.vote(contributor, Vote.For)
    change.vote(model_owner, Vote.Abstain)

    # 3. Succeeded -> queued in the model's timelock.
    change.wait_until_voting_ends(chain)
    assert change.state() == ProposalState.Succeeded
    change.queue(sender=contributor)
    assert change.state() == ProposalState.Queued

    # 4. After the model timelock's delay, anyone executes.
    change.wait_until_executable(chain)
    tx = change.execute(sender=gateway)
    assert change.state() == ProposalState.Executed

    assert tx.decode_logs(registry.VersionPublished)[0].version == 2
    assert registry.latestVersion(model_id) == (2, weights_v2)
    assert registry.isGateway(model_id, gateway)
    assert router.weightOf(model_id, shares) == 10_000
    assert router.weightOf(model_id, model_owner) == 0
    assert registry.ownerOf(model_id) == model_tl.address
