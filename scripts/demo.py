"""`ape run demo`: the Modelmint lifecycle on an embedded anvil chain."""

import hashlib
import os
import tempfile

from ape import accounts, project
from ape.utils import ZERO_ADDRESS


def main():
    deployer, model_owner = accounts.test_accounts[0], accounts.test_accounts[1]
    registry = project.ModelRegistry.deploy(deployer, [], sender=deployer)
    print(f"ModelRegistry deployed at {registry.address}")

    with tempfile.NamedTemporaryFile(suffix=".safetensors", delete=False) as weights:
        weights.write(os.urandom(1 << 20))
    with open(weights.name, "rb") as fh:
        digest = hashlib.sha256(fh.read()).digest()
    os.unlink(weights.name)

    tx = registry.registerModel(
        ZERO_ADDRESS, digest, "ipfs://weights-v1", "ipfs://card", sender=model_owner
    )
    print(f"model 1 registered by {model_owner.address}: weights {digest.hex()} gas {tx.gas_used}")
