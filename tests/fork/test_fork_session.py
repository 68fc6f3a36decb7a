"""When `make test` runs a whole session on the fork (MODELMINT_FORK_SESSION=1: tests/fork, and
in `make test-ci` the property and stateful suites too), prove the session really is connected
to a fork of the Sepolia upstream."""

import os

import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("MODELMINT_FORK_SESSION") != "1",
    reason="only in the fork pass of `make test`",
)


def test_fork_session__connected_to_sepolia_fork(chain):
    assert chain.provider.network.name == "sepolia-fork"
    assert chain.chain_id == 11155111
    # A fork of a chain that already has state: the upstream's blocks are there.
    assert chain.blocks.height > 0
