import ape


def test_register__first_model__gets_id_one(project, deployer, model_owner):
    registry = project.ModelRegistry.deploy(deployer, [], sender=deployer)
    tx = registry.registerModel(
        ape.utils.ZERO_ADDRESS, b"\x11" * 32, "ipfs://v1", "ipfs://meta", sender=model_owner
    )
    assert registry.ownerOf(1) == model_owner
    assert registry.latestVersion(1) == (1, b"\x11" * 32)
    print("register gas", tx.gas_used)
