"""GovernanceToken: fixed supply, timestamp clock, checkpointed votes."""

import pytest

from modelmint.constants import ZERO_ADDRESS as ZERO
from modelmint.dev.governance import delegate
from modelmint.dev.testing import deployment_revert_data, error_selector


def test_constructor__supply_minted_to_holder__clock_is_timestamp(token, holder, chain):
    assert token.totalSupply() == 1_000_000 * 10**18
    assert token.CLOCK_MODE() == "mode=timestamp"
    assert token.clock() == chain.blocks.head.timestamp


@pytest.mark.parametrize(
    "holder_arg, supply, error",
    [(ZERO, 1, "GovernanceTokenZeroHolder()"), ("holder", 0, "GovernanceTokenZeroSupply()")],
)
def test_constructor__bad_args__reverts(
    project, chain, deployer, holder, holder_arg, supply, error
):
    data = deployment_revert_data(
        chain,
        project.GovernanceToken,
        "G",
        "G",
        holder if holder_arg == "holder" else holder_arg,
        supply,
        sender=deployer,
    )
    assert data == error_selector(error)


def test_get_past_votes__transfer_after_timepoint__past_votes_unchanged(
    chain, token, holder, attacker
):
    t0 = chain.blocks.head.timestamp
    chain.mine(deltatime=10)
    token.transfer(attacker, 1_000, sender=holder)
    delegate(token, attacker, sender=attacker)
    chain.mine(deltatime=1)
    assert token.getPastVotes(attacker, t0) == 0
    assert token.getVotes(attacker) == 1_000
    assert token.getPastVotes(holder, t0) == 600_000 * 10**18
