"""Fractionalizer: one transaction turns a model into a share-governed asset (clones)."""

import ape
import pytest
from fixtures.governance import (
    MODEL_QUORUM_NUMERATOR,
    MODEL_TIMELOCK_DELAY,
    MODEL_VOTING_DELAY,
    MODEL_VOTING_PERIOD,
    SHARE_SUPPLY,
    governance_params,
    share_params,
    split_params,
)

from modelmint.constants import ZERO_ADDRESS as ZERO
from modelmint.dev.testing import deployment_revert_data, error_selector

# Per-model governance (governor + timelock clones and their initialization, router split, NFT
# hand-off) must stay under 600k; the whole transaction, which also creates the ModelShares clone
# (~140k on its own, see the gas test), must stay under the 600k target of docs/GAS-shares.md.
GAS_TARGET_GOVERNANCE = 600_000
GAS_BUDGET_FRACTIONALIZE = 600_000


def test_fractionalize__owner_approved__clones_wired_and_nft_moved(
    registry,
    router,
    shares_factory,
    fractionalizer,
    register_model,
    fractionalize,
    model_owner,
    contributor,
):
    model_id = register_model()
    shares, governor, timelock, tx = fractionalize(
        model_id, model_owner, shares_holder=contributor, split=split_params([model_owner], [1], 3)
    )

    event = tx.decode_logs(fractionalizer.ModelFractionalized)[0]
    assert event.modelId == model_id
    assert event.previousOwner == model_owner
    assert event.round == 1
    assert fractionalizer.rounds(model_id) == 1
    assert fractionalizer.predictAddresses(model_id, 1) == (governor, timelock)
    # NFT: owner -> timelock.
    assert registry.ownerOf(model_id) == timelock.address
    # Shares: a factory clone, full supply to the chosen holder, bound to the model and router.
    assert shares_factory.isShares(shares)
    assert shares.router() == router.address
    assert shares.totalSupply() == SHARE_SUPPLY
    assert shares.balanceOf(contributor) == SHARE_SUPPLY
    assert shares.modelId() == model_id
    # Governor: driven by the shares, executes through the timelock, chosen settings.
    assert governor.token() == shares.address
    assert governor.timelock() == timelock.address
    assert governor.votingDelay() == MODEL_VOTING_DELAY
    assert governor.votingPeriod() == MODEL_VOTING_PERIOD
    assert governor.quorumNumerator() == MODEL_QUORUM_NUMERATOR
    assert governor.proposalThreshold() == 0
    assert governor.CLOCK_MODE() == shares.CLOCK_MODE()  # ModelShares: block numbers
    assert governor.name() == "Modelmint Model Governor"
    domain = governor.eip712Domain()
    assert (domain[1], domain[2], domain[4]) == ("Modelmint Model Governor", "1", governor.address)
    # Timelock: governor proposes/cancels, anyone executes, nobody else is admin.
    assert timelock.getMinDelay() == MODEL_TIMELOCK_DELAY
    assert timelock.hasRole(timelock.PROPOSER_ROLE(), governor)
    assert timelock.hasRole(timelock.CANCELLER_ROLE(), governor)
    assert timelock.hasRole(timelock.EXECUTOR_ROLE(), ZERO)
    for account in (model_owner, contributor, fractionalizer):
        assert not timelock.hasRole(timelock.DEFAULT_ADMIN_ROLE(), account)
        assert not timelock.hasRole(timelock.PROPOSER_ROLE(), account)
    # Split: caller's recipients first, then the shares.
    assert router.weightOf(model_id, model_owner) == 1
    assert router.weightOf(model_id, shares) == 3
    assert router.modelState(model_id)[1] == 4  # total weight


def test_fractionalize__gas__within_budget_and_cheaper_than_full_deployments(
    project, chain, deployer, shares_factory, register_model, fractionalize, model_owner
):
    model_id = register_model()
    *_, tx = fractionalize(model_id, model_owner)
    # The shares part alone, measured on another model through the same factory.
    other = register_model()
    shares_tx = shares_factory.createShares(
        other, "S", "S", SHARE_SUPPLY, model_owner, sender=model_owner
    )
    shares_part = shares_tx.gas_used - 21_000
    governance_part = tx.gas_used - shares_part  # clones + init, split, NFT hand-off, tx base
    # Reference: the same governor + timelock deployed in full (no clones).
    full_timelock = project.ProtocolTimelock.deploy(
        MODEL_TIMELOCK_DELAY, [], [ZERO], deployer, sender=deployer
    )
    full_governor = project.ProtocolGovernor.deploy(
        full_timelock,
        full_timelock,
        MODEL_VOTING_DELAY,
        MODEL_VOTING_PERIOD,
        0,
        10,
        sender=deployer,
    )
    full = sum(chain.get_receipt(c.txn_hash).gas_used for c in (full_timelock, full_governor))
    print(f"\nfractionalize total:                                  {tx.gas_used}")
    print(f"  ModelShares via factory (clone + initialize):        {shares_part}")
    print(f"  governor + timelock clones, split, NFT, tx base:     {governance_part}")
    print(f"full ProtocolTimelock + ProtocolGovernor deployments:  {full}")
    assert governance_part <= GAS_TARGET_GOVERNANCE
    assert tx.gas_used <= GAS_BUDGET_FRACTIONALIZE
    assert governance_part * 5 < full


@pytest.mark.parametrize(
    "shares_kw, gov_kw, split_kw, error",
    [
        ({"holder": ZERO}, {}, {}, "FractionalizerZeroHolder"),
        ({"supply": 0}, {}, {}, "FractionalizerZeroSupply"),
        ({}, {"quorum_numerator": 0}, {}, "FractionalizerInvalidQuorum"),
        ({}, {"quorum_numerator": 101}, {}, "FractionalizerInvalidQuorum"),
        ({}, {"voting_period": 0}, {}, "FractionalizerZeroVotingPeriod"),
        ({}, {"voting_delay": 0}, {}, "FractionalizerZeroVotingDelay"),
        ({}, {"proposal_threshold": SHARE_SUPPLY + 1}, {}, "FractionalizerThresholdAboveSupply"),
        ({}, {}, {"shares_weight": 0}, "FractionalizerZeroSharesWeight"),
        ({}, {}, {"recipients": [ZERO], "weights": []}, "FractionalizerSplitLengthMismatch"),
    ],
)
def test_fractionalize__bad_params__reverts_and_changes_nothing(
    registry, fractionalizer, register_model, model_owner, shares_kw, gov_kw, split_kw, error
):
    model_id = register_model()
    registry.approve(fractionalizer, model_id, sender=model_owner)
    sp = list(share_params(model_owner))
    if "holder" in shares_kw:
        sp[2] = shares_kw["holder"]
    if "supply" in shares_kw:
        sp[3] = shares_kw["supply"]

    with ape.reverts(getattr(fractionalizer, error)):
        fractionalizer.fractionalize(
            model_id,
            sp,
            governance_params(**gov_kw),
            split_params(**split_kw),
            [],
            sender=model_owner,
        )

    assert registry.ownerOf(model_id) == model_owner
    assert fractionalizer.rounds(model_id) == 0


def test_fractionalize__caller_not_owner__reverts(
    registry, fractionalizer, register_model, model_owner, attacker
):
    model_id = register_model()
    registry.approve(fractionalizer, model_id, sender=model_owner)
    with ape.reverts(fractionalizer.FractionalizerNotModelOwner, modelId=model_id, caller=attacker):
        fractionalizer.fractionalize(
            model_id,
            share_params(attacker),
            governance_params(),
            split_params(),
            [],
            sender=attacker,
        )
    assert registry.ownerOf(model_id) == model_owner
    assert fractionalizer.rounds(model_id) == 0


def test_fractionalize__not_approved__reverts(
    registry, fractionalizer, register_model, model_owner
):
    model_id = register_model()
    with ape.reverts(registry.ERC721InsufficientApproval):
        fractionalizer.fractionalize(
            model_id,
            share_params(model_owner),
            governance_params(),
            split_params(),
            [],
            sender=model_owner,
        )
    assert registry.ownerOf(model_id) == model_owner


def test_initialize__implementations_and_clones__cannot_be_initialized_again(
    model_governor_impl, model_timelock_impl, register_model, fractionalize, model_owner, attacker
):
    with ape.reverts(model_governor_impl.InvalidInitialization):
        model_governor_impl.initialize(attacker, attacker, 0, 1, 0, 1, sender=attacker)
    with ape.reverts(model_timelock_impl.InvalidInitialization):
        model_timelock_impl.initialize(0, [attacker], [attacker], attacker, sender=attacker)

    model_id = register_model()
    shares, governor, timelock, _ = fractionalize(model_id, model_owner)
    with ape.reverts(governor.InvalidInitialization):
        governor.initialize(shares, attacker, 0, 1, 0, 1, sender=attacker)
    with ape.reverts(timelock.InvalidInitialization):
        timelock.initialize(0, [attacker], [attacker], attacker, sender=attacker)
    assert governor.timelock() == timelock.address
    assert not timelock.hasRole(timelock.PROPOSER_ROLE(), attacker)


def test_constructor__zero_address__reverts(project, chain, deployer, model_governor_impl):
    data = deployment_revert_data(
        chain,
        project.Fractionalizer,
        ZERO,
        model_governor_impl,
        model_governor_impl,
        sender=deployer,
    )
    assert data == error_selector("FractionalizerZeroAddress()")


def test_fractionalize__seller_gateway_and_split__lapse_and_replaced(
    registry, router, register_model, fractionalize, model_owner, contributor, gateway
):
    """Seller state does not survive fractionalization: its gateway grants lapse with the
    token, and its revenue split is replaced by the fractionalization split."""
    model_id = register_model()
    registry.setGateway(model_id, gateway, True, sender=model_owner)
    router.setRecipients(model_id, [contributor], [1], sender=model_owner)
    shares, _, timelock, _ = fractionalize(model_id, model_owner)
    assert registry.ownerOf(model_id) == timelock
    assert not registry.isGateway(model_id, gateway)
    assert router.weightOf(model_id, contributor) == 0
    assert router.weightOf(model_id, shares) > 0
