"""Registry fixtures: a registry governed by `deployer` with one allow-listed ERC-20."""

import pytest
from ape.utils import ZERO_ADDRESS

ETH = ZERO_ADDRESS
HASH_1 = b"\x11" * 32
HASH_2 = b"\x22" * 32


@pytest.fixture(scope="module")
def governance(deployer):
    return deployer


@pytest.fixture(scope="module")
def usdc(project, deployer):
    return project.MockERC20.deploy("USD Coin", "USDC", 6, sender=deployer)


@pytest.fixture(scope="module")
def other_token(project, deployer):
    return project.MockERC20.deploy("Other", "OTH", 18, sender=deployer)


@pytest.fixture(scope="module")
def registry(project, governance, usdc):
    return project.ModelRegistry.deploy(governance, [usdc], sender=governance)


@pytest.fixture(scope="module")
def register_model(registry, model_owner):
    """Builder: registers a model and returns (modelId, receipt)."""

    def _register(owner=None, asset=ETH, weights_hash=HASH_1, uri="ipfs://v1", meta="ipfs://meta"):
        tx = registry.registerModel(asset, weights_hash, uri, meta, sender=owner or model_owner)
        return tx.return_value, tx

    return _register


@pytest.fixture
def model_id(register_model):
    return register_model()[0]
