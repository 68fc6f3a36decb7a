"""No proposal, however it passes, can take users' assets.

Each test passes a malicious proposal with overwhelming support (every token votes For),
queues it, waits the delay and shows that execution reverts and nothing moved. Why it must:
a proposal executes as a plain call *from the timelock*, and no Modelmint module gives the
timelock (or anyone) a function that moves assets it does not own or was not approved for:
ModelRegistry gives governance only setFlagged / setPaymentTokenAllowed / transferGovernance;
RevenueRouter only setFeeBps (<= MAX_FEE_BPS) / setTreasury; LicenseManager and UsageCredits
have no governance function at all. Token standards then refuse transfers the timelock is not
approved for.
"""

import ape
import pytest
from fixtures.governance import enact

from modelmint.constants import UNIT
from modelmint.dev.governance import Proposal, ProposalState, Vote


@pytest.fixture(scope="module", autouse=True)
def _governance_first(governance_deployed):
    """Deployed before the first test (see fixtures.governance.governance_deployed)."""


@pytest.fixture
def pass_and_queue(chain, holder, contributor, licensee):
    """Proposes `proposal`, has all 1,000,000 MMGOV vote For, queues it, waits the delay."""

    def _run(proposal):
        proposal.propose(sender=holder)
        proposal.wait_until_voting_starts(chain)
        for voter in (holder, contributor, licensee):
            proposal.vote(voter, Vote.For)
        proposal.wait_until_voting_ends(chain)
        assert proposal.state() == ProposalState.Succeeded
        proposal.queue(sender=holder)
        proposal.wait_until_executable(chain)
        return proposal

    return _run


def test_execute__proposal_takes_a_users_model_nft__reverts_and_nft_stays(
    registry, governor, timelock, register_model, pass_and_queue, model_owner, attacker
):
    model_id = register_model()
    steal = pass_and_queue(
        Proposal(
            governor,
            [(registry.transferFrom, model_owner, attacker, model_id)],
            "Seize model NFT",
        )
    )

    with ape.reverts(registry.ERC721InsufficientApproval, operator=timelock, tokenId=model_id):
        steal.execute(sender=attacker)

    assert steal.state() == ProposalState.Queued
    assert registry.ownerOf(model_id) == model_owner


def test_execute__proposal_relays_through_governor__reverts_and_nft_stays(
    registry, governor, register_model, pass_and_queue, model_owner, attacker
):
    """Governor.relay makes the governor the caller instead: it holds no approval either."""
    model_id = register_model()
    inner = registry.transferFrom.encode_input(model_owner, attacker, model_id)
    steal = pass_and_queue(
        Proposal(governor, [(governor.relay, registry, 0, inner)], "Seize model NFT via relay")
    )

    with ape.reverts(registry.ERC721InsufficientApproval, operator=governor, tokenId=model_id):
        steal.execute(sender=attacker)

    assert registry.ownerOf(model_id) == model_owner


def test_execute__proposal_pulls_a_users_erc20__reverts_and_balance_stays(
    registry, governor, timelock, mock_erc20, pass_and_queue, licensee, attacker
):
    """Users approve modules (router, license manager, credits), never the timelock."""
    mock_erc20.mint(licensee, 1_000 * UNIT, sender=licensee)
    mock_erc20.approve(registry, 1_000 * UNIT, sender=licensee)  # some module, not the timelock
    steal = pass_and_queue(
        Proposal(
            governor,
            [(mock_erc20.transferFrom, licensee, attacker, 1_000 * UNIT)],
            "Pull user tokens",
        )
    )

    with ape.reverts(mock_erc20.ERC20InsufficientAllowance, spender=timelock):
        steal.execute(sender=attacker)

    assert mock_erc20.balanceOf(licensee) == 1_000 * UNIT
    assert mock_erc20.balanceOf(attacker) == 0


def test_execute__proposal_sets_fee_above_ceiling__reverts_and_fee_stays(
    router, governor, pass_and_queue, attacker
):
    too_high = router.MAX_FEE_BPS() + 1
    greedy = pass_and_queue(Proposal(governor, [(router.setFeeBps, too_high)], "Fee 10.01%"))

    with ape.reverts(router.RevenueRouterFeeTooHigh, feeBps=too_high):
        greedy.execute(sender=attacker)

    assert router.feeBps() == 500


def test_execute__proposal_claims_a_recipients_revenue__timelock_gets_nothing(
    router, governor, timelock, register_model, pass_and_queue, model_owner, licensee, attacker
):
    """Claims pay msg.sender's own accrual: the timelock has none, the owner's stays."""
    model_id = register_model()
    router.pay(model_id, 10 * UNIT, value=10 * UNIT, sender=licensee)
    owed = router.claimable(model_id, model_owner)
    assert owed == 10 * UNIT * 95 // 100  # 5% protocol fee
    liabilities = router.liabilities(ape.utils.ZERO_ADDRESS)
    grab = pass_and_queue(
        Proposal(governor, [(router.claimTo, [model_id], attacker)], "Claim model revenue")
    )
    attacker_balance = attacker.balance

    tx = grab.execute(sender=licensee)

    assert grab.state() == ProposalState.Executed
    assert not tx.decode_logs(router.RevenueClaimed)
    assert attacker.balance == attacker_balance
    assert router.claimable(model_id, model_owner) == owed
    assert router.liabilities(ape.utils.ZERO_ADDRESS) == liabilities
    assert router.claimable(model_id, timelock) == 0


def test_execute__model_proposal_reroutes_split__accrued_revenue_stays_with_shares(
    chain, router, register_model, fractionalize, model_owner, licensee, attacker
):
    """Share holders can redirect *future* revenue, never what already accrued."""
    model_id = register_model()
    shares, model_gov, _, _ = fractionalize(model_id, model_owner)
    router.pay(model_id, 10 * UNIT, value=10 * UNIT, sender=licensee)
    accrued = router.claimable(model_id, shares)
    assert accrued == 10 * UNIT * 95 // 100

    reroute = Proposal(
        model_gov, [(router.setRecipients, model_id, [attacker], [1])], "All revenue to attacker"
    )
    enact(chain, reroute, model_owner, [(model_owner, Vote.For)])

    assert router.weightOf(model_id, attacker) == 1
    assert router.claimable(model_id, shares) == accrued
    assert router.claimable(model_id, attacker) == 0
    # The sole share holder can still claim it once it unlocked (ModelShares rounds down by at
    # most 1 wei).
    shares.sync(sender=licensee)
    chain.mine(timestamp=chain.blocks.head.timestamp + shares.UNLOCK_PERIOD())
    assert accrued - 1 <= shares.claimable(model_owner) <= accrued
