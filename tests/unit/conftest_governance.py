"""Governance fixtures, shared by tests/unit/governance and tests/integration.

Imported with ``from tests.unit.conftest_governance import *`` by the conftest of each suite.
Token distribution (GovernanceToken, 1,000,000 MMGOV): ``holder`` keeps 600k, ``contributor``
gets 300k and ``licensee`` 100k; all three self-delegate. Quorum is 4% (40k).
"""

import pytest
from suite_deployments import deploy_erc20, deploy_registry, deploy_router, register

from modelmint.deploy.governance import DAY, ProposalState, delegate, deploy_protocol_governance
from modelmint.dev.testing import isolated  # noqa: F401  (used by the suites)

UNIT = 10**18
SUPPLY = 1_000_000 * UNIT
VOTING_DELAY = 1 * DAY
VOTING_PERIOD = 7 * DAY
PROPOSAL_THRESHOLD = 1_000 * UNIT
QUORUM_NUMERATOR = 4
TIMELOCK_DELAY = 2 * DAY

FEE_BPS = 500  # initial protocol fee (RevenueRouter.MAX_FEE_BPS = 1_000)

# Per-model governance parameters used by the Fractionalizer tests. ModelShares votes use the
# block-number clock, so the voting delay/period are blocks; the timelock delay is seconds.
SHARE_SUPPLY = 1_000_000 * UNIT
MODEL_VOTING_DELAY = 10  # blocks (test value; ~1 day = 7_200 on mainnet)
MODEL_VOTING_PERIOD = 100  # blocks (test value)
MODEL_QUORUM_NUMERATOR = 10
MODEL_TIMELOCK_DELAY = 1 * DAY
WEIGHTS_V1 = b"\x11" * 32


@pytest.fixture(scope="module")
def gov(project, chain, deployer, holder, contributor, licensee):
    g = deploy_protocol_governance(
        project,
        deployer,
        holder,
        SUPPLY,
        voting_delay=VOTING_DELAY,
        voting_period=VOTING_PERIOD,
        proposal_threshold=PROPOSAL_THRESHOLD,
        quorum_numerator=QUORUM_NUMERATOR,
        timelock_delay=TIMELOCK_DELAY,
    )
    g.token.transfer(contributor, 300_000 * UNIT, sender=holder)
    g.token.transfer(licensee, 100_000 * UNIT, sender=holder)
    for voter in (holder, contributor, licensee):
        delegate(g.token, voter, sender=voter)
    # Votes count from the next second on (proposal threshold reads clock() - 1).
    chain.mine(deltatime=1)
    return g


@pytest.fixture(scope="module")
def token(gov):
    return gov.token


@pytest.fixture(scope="module")
def timelock(gov):
    return gov.timelock


@pytest.fixture(scope="module")
def governor(gov):
    return gov.governor


@pytest.fixture(scope="module")
def registry(project, deployer, timelock):
    """A ModelRegistry governed by the protocol timelock, no ERC-20 allow-listed."""
    return deploy_registry(project, deployer, governance=timelock)


@pytest.fixture(scope="module")
def router(project, deployer, registry, treasury):
    """RevenueRouter governed by registry.governance() (the protocol timelock)."""
    return deploy_router(project, deployer, registry, treasury, FEE_BPS)


@pytest.fixture(scope="module")
def register_model(registry, model_owner):
    """Builder: registers an ETH-priced model with `weights`; returns its id."""

    def _register(owner=model_owner, weights=WEIGHTS_V1):
        return register(registry, owner, weights=weights)[0]

    return _register


@pytest.fixture(scope="module")
def mock_erc20(project, deployer):
    return deploy_erc20(project, deployer, "Test USD", "TUSD", 18)


# ----------------------------------------------------------------- per-model governance


@pytest.fixture(scope="module")
def model_governor_impl(project, deployer):
    return project.ModelGovernor.deploy(sender=deployer)


@pytest.fixture(scope="module")
def model_timelock_impl(project, deployer):
    return project.ModelTimelock.deploy(sender=deployer)


@pytest.fixture(scope="module")
def shares_factory(project, deployer, router):
    return project.ModelSharesFactory.deploy(router, sender=deployer)


@pytest.fixture(scope="module")
def fractionalizer(project, deployer, shares_factory, model_governor_impl, model_timelock_impl):
    return project.Fractionalizer.deploy(
        shares_factory, model_governor_impl, model_timelock_impl, sender=deployer
    )


def enact(chain, proposal, proposer, ballots, executor=None):
    """Walks `proposal` through its whole life: `proposer` proposes; once voting opens each
    (voter, support) in `ballots` votes; after the period it must have Succeeded; `executor`
    (default: `proposer`) queues it and, after the timelock delay, executes it. Returns the
    execute receipt."""
    proposal.propose(sender=proposer)
    proposal.wait_until_voting_starts(chain)
    for voter, support in ballots:
        proposal.vote(voter, support)
    proposal.wait_until_voting_ends(chain)
    assert proposal.state() == ProposalState.Succeeded
    proposal.queue(sender=executor or proposer)
    proposal.wait_until_executable(chain)
    return proposal.execute(sender=executor or proposer)


def share_params(holder, supply=SHARE_SUPPLY, name="Model 1 Shares", symbol="M1S"):
    return (name, symbol, holder, supply)


def governance_params(
    voting_delay=MODEL_VOTING_DELAY,
    voting_period=MODEL_VOTING_PERIOD,
    proposal_threshold=0,
    quorum_numerator=MODEL_QUORUM_NUMERATOR,
    timelock_delay=MODEL_TIMELOCK_DELAY,
):
    return (voting_delay, voting_period, proposal_threshold, quorum_numerator, timelock_delay)


def split_params(recipients=(), weights=(), shares_weight=8_000):
    return (list(recipients), list(weights), shares_weight)


@pytest.fixture(scope="module")
def fractionalize(registry, fractionalizer, project):
    """Builder: fractionalizes `model_id` for `owner`; returns (shares, governor, timelock, tx)."""

    def _fractionalize(
        model_id, owner, shares_holder=None, split=None, gov_params=None, supply=SHARE_SUPPLY
    ):
        registry.approve(fractionalizer, model_id, sender=owner)
        tx = fractionalizer.fractionalize(
            model_id,
            share_params(shares_holder or owner, supply=supply),
            gov_params or governance_params(),
            split or split_params(),
            sender=owner,
        )
        event = tx.decode_logs(fractionalizer.ModelFractionalized)[0]
        return (
            project.ModelShares.at(event.shares),
            project.ModelGovernor.at(event.governor),
            project.ModelTimelock.at(event.timelock),
            tx,
        )

    return _fractionalize


@pytest.fixture(scope="module", autouse=True)
def deploy_everything_first(
    gov,
    registry,
    router,
    fractionalizer,
    mock_erc20,
    register_model,
    fractionalize,
    attacker,
    gateway,
    treasury,
    accounts,
):
    """Create every session/module-scoped fixture before the first test: ape snapshots per test
    and would otherwise rebase its isolation when a later test first asks for one."""
