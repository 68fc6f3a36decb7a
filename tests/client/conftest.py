"""Fixtures of the client suites: one protocol deployment per module on ape's anvil, written
to a deployment record a gateway process can read, and web3 handles for the ape-free client.

Function isolation is off in this directory: a gateway process runs beside the tests and
keeps its own durable state, which a per-test chain revert would contradict (it would see
channels vanish and their ids reused). Module isolation stays on: everything a module did
is reverted after its gateway has stopped.
"""

import pytest
from client_helpers import deploy_protocol, start_gateway, stop_gateway


@pytest.fixture
def _function_isolation():
    """No per-test snapshot/revert here (see the module docstring)."""
    yield


@pytest.fixture(scope="session")
def agent(accounts):
    """The agent key of an AgentWallet (signs receipts, holds no funds of its own)."""
    return accounts[9]


@pytest.fixture(scope="session")
def w3(chain):
    return chain.provider.web3


@pytest.fixture(scope="module")
def protocol(
    project, chain, deployer, model_owner, contributor, gateway, treasury, tmp_path_factory
):
    path = tmp_path_factory.mktemp("deployment") / "local.json"
    return deploy_protocol(
        project, chain, deployer, model_owner, contributor, gateway, treasury, path
    )


@pytest.fixture(scope="module")
def gateway_process(protocol, gateway, tmp_path_factory):
    """One real gateway process for the module, serving the protocol's model."""
    gw = start_gateway(protocol, gateway, tmp_path_factory.mktemp("gateway"))
    yield gw
    stop_gateway(gw)


@pytest.fixture(scope="module")
def fund(deployer):
    """Builder: a fresh funded consumer key (each test that may halt a channel gets its own)."""
    from eth_account import Account

    def _fund(eth=1):
        account = Account.create()
        deployer.transfer(account.address, eth * 10**18)
        return account

    return _fund
