"""Fixtures of the client suites, on the gateway suites' own fixtures (one protocol
deployment per module on ape's anvil, its deployment record, and real gateway processes:
tests/gateway/conftest.py, loaded here so both suites share one copy), plus the views the
client tests use.

Function isolation is off here as in tests/gateway: the gateway process keeps durable
state, which a per-test chain revert would contradict. Module isolation stays on.
"""

import importlib.util
from pathlib import Path

import pytest
from ape import fixture as ape_fixture
from client_helpers import Deployment

_spec = importlib.util.spec_from_file_location(
    "gateway_fixtures", Path(__file__).resolve().parents[1] / "gateway" / "conftest.py"
)
gateway_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gateway_fixtures)

# The gateway suites' fixtures, shared (not copied).
protocol = gateway_fixtures.protocol
record_path = gateway_fixtures.record_path
rpc_url = gateway_fixtures.rpc_url
gateway_key = gateway_fixtures.gateway_key
launch = gateway_fixtures.launch
_function_isolation = gateway_fixtures._function_isolation


@pytest.fixture(scope="module")
def deployment(protocol, record_path, rpc_url):
    """The shared deployment as attributes: registry, router, licenses, credits, model_id,
    record_path, rpc_url."""
    return Deployment(
        protocol["registry"],
        protocol["router"],
        protocol["licenses"],
        protocol["credits"],
        protocol["model_id"],
        record_path,
        rpc_url,
    )


@pytest.fixture(scope="module")
def gateway_process(launch):
    """One real gateway process for the module, serving the deployment's model."""
    return launch()


@ape_fixture(scope="session", chain_isolation=False)
def agent(accounts):
    """The agent key of an AgentWallet (signs receipts, holds no funds of its own)."""
    return accounts[9]


@ape_fixture(scope="session", chain_isolation=False)
def w3(chain):
    return chain.provider.web3


@pytest.fixture(scope="module")
def fund(deployer):
    """Builder: a fresh funded consumer key (each test that may halt a channel gets its own)."""
    from eth_account import Account

    def _fund(eth=1):
        account = Account.create()
        deployer.transfer(account.address, eth * 10**18)
        return account

    return _fund
