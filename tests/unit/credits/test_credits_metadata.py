"""Credit metadata: `uri(modelId)` of a deployment without a URI template is on-chain ERC-1155
metadata JSON, decoded here as a wallet would and compared with chain state; with a template,
the template."""

import ape
import pytest
from credits_helpers import ETH_CREDIT_VALUE, TOKEN_CREDIT_VALUE

from modelmint.deploy.protocol import deploy_protocol
from modelmint.metadata import decode_token_uri

NEW_HASH = "0x" + "ab" * 32
RETIRED = 1  # IModelRegistry.ModelStatus.Retired


@pytest.fixture(scope="module")
def credits(project, deployer, registry, router):
    """This module's UsageCredits: the default deployment (no URI template)."""
    return deploy_protocol(
        project, deployer, only=("credits",), deployed={"registry": registry, "router": router}
    ).credits


def _expected_properties(credits, registry, model_id, asset):
    version, weights_hash = registry.latestVersion(model_id)
    return {
        "model id": model_id,
        "credit value": str(credits.modelCredits(model_id).creditValue),
        "payment asset": asset,
        "model version": version,
        "weights hash": "0x" + bytes(weights_hash).hex().removeprefix("0x"),
        "on sale": "yes" if registry.isSaleOpen(model_id) else "no",
    }


def test_uri__eth_model__erc1155_json_fields_equal_chain_state(credits, registry, eth_model):
    meta = decode_token_uri(credits.uri(eth_model))
    assert meta["name"] == f"Modelmint Usage Credit #{eth_model}"
    assert meta["decimals"] == 0
    assert f"model {eth_model}," in meta["description"]
    assert f"escrowed at {ETH_CREDIT_VALUE} wei of ETH" in meta["description"]
    assert meta["properties"] == _expected_properties(credits, registry, eth_model, "ETH")
    assert meta["properties"]["credit value"] == str(ETH_CREDIT_VALUE)


def test_uri__token_model__payment_asset_is_the_checksummed_token(
    credits, registry, token_model, token
):
    meta = decode_token_uri(credits.uri(token_model))
    assert meta["properties"] == _expected_properties(credits, registry, token_model, token.address)
    assert meta["properties"]["credit value"] == str(TOKEN_CREDIT_VALUE)
    assert "ERC-20 payment token" in meta["description"]


def test_uri__registry_publishes_version_and_retires__json_follows_registry_events(
    credits, registry, eth_model, model_owner
):
    tx = registry.publishVersion(eth_model, NEW_HASH, "ipfs://v2", sender=model_owner)
    assert [ev._tokenId for ev in tx.decode_logs(registry.MetadataUpdate)] == [eth_model]
    props = decode_token_uri(credits.uri(eth_model))["properties"]
    assert (props["model version"], props["weights hash"]) == (tx.return_value, NEW_HASH)

    tx = registry.setStatus(eth_model, RETIRED, sender=model_owner)
    assert [ev._tokenId for ev in tx.decode_logs(registry.MetadataUpdate)] == [eth_model]
    assert decode_token_uri(credits.uri(eth_model))["properties"]["on sale"] == "no"


def test_enableCredits_and_buy__no_uri_event__value_fixed_from_enabling_on(
    credits, register_model, model_owner, consumer
):
    model_id = register_model(gateways=())
    tx = credits.enableCredits(model_id, ETH_CREDIT_VALUE, sender=model_owner)
    assert tx.decode_logs(credits.URI) == []
    before = credits.uri(model_id)
    tx = credits.buyCredits(model_id, 3, consumer, value=3 * ETH_CREDIT_VALUE, sender=consumer)
    assert tx.decode_logs(credits.URI) == []
    assert credits.uri(model_id) == before


def test_uri__credits_not_enabled_or_unknown_model__reverts(credits, register_model):
    model_id = register_model(gateways=())
    with ape.reverts(credits.UsageCreditsNotEnabled, modelId=model_id):
        credits.uri(model_id)
    with ape.reverts(credits.UsageCreditsUnknownModel, modelId=10**6):
        credits.uri(10**6)


def test_uri__deployment_with_template__returns_the_template(
    project, registry, router, deployer, eth_model
):
    templated = project.UsageCredits.deploy(
        registry, router, "ipfs://credits/{id}", sender=deployer
    )
    assert templated.uri(eth_model) == "ipfs://credits/{id}"
