"""Registry fixtures: a registry governed by `deployer` with one allow-listed ERC-20."""

import pytest
from fixtures.suites import ETH, HASH_1, deploy_erc20, deployment_fixtures, register


@pytest.fixture(scope="module")
def governance(deployer):
    return deployer


# USDC-like MockERC20 (6 decimals), the only allow-listed token; no router.
usdc, _, registry, _, deployed_erc20, deployed_fot = deployment_fixtures(
    "usdc", ("USD Coin", "USDC", 6)
)


@pytest.fixture(scope="module")
def other_token(project, deployer):
    return deploy_erc20(project, deployer, "Other", "OTH", 18)


@pytest.fixture(scope="module")
def register_model(registry, model_owner):
    """Builder: registers a model and returns (modelId, receipt)."""

    def _register(owner=None, asset=ETH, weights_hash=HASH_1, uri="ipfs://v1", meta="ipfs://meta"):
        return register(registry, owner or model_owner, asset, weights_hash, uri, meta)

    return _register


@pytest.fixture
def model_id(register_model):
    return register_model()[0]
