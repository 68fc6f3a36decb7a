"""Registry fixtures: a registry governed by `deployer` with one allow-listed ERC-20."""

import pytest
from fixtures.suites import deploy_erc20, deployment_fixtures


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


@pytest.fixture
def model_id(register_model):
    return register_model()
