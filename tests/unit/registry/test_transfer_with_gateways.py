"""`transferWithGateways`: the owner moves the model token and keeps the gateways it lists
for the new owner's tenure; every other grant lapses as with any transfer."""

import ape

from modelmint.constants import ZERO_ADDRESS


def _state(registry, model_id, *gateways):
    return registry.ownerOf(model_id), tuple(registry.isGateway(model_id, g) for g in gateways)


def test_transferWithGateways__owner__moves_token_keeps_listed_only(
    registry, model_id, model_owner, holder, gateway, licensee
):
    registry.setGateway(model_id, gateway, True, sender=model_owner)
    registry.setGateway(model_id, licensee, True, sender=model_owner)
    epoch = registry.ownerEpoch(model_id)

    tx = registry.transferWithGateways(holder, model_id, [gateway], sender=model_owner)

    assert _state(registry, model_id, gateway, licensee) == (holder.address, (True, False))
    assert registry.ownerEpoch(model_id) == epoch + 1
    events = [log.event_name for log in tx.decode_logs([registry.Transfer, registry.GatewaySet])]
    assert events == ["Transfer", "GatewaySet"]
    [kept] = tx.decode_logs(registry.GatewaySet)
    assert (kept.modelId, kept.gateway, kept.allowed) == (model_id, gateway.address, True)


def test_transferWithGateways__new_owner__revokes_a_kept_gateway(
    registry, model_id, model_owner, holder, gateway
):
    registry.setGateway(model_id, gateway, True, sender=model_owner)
    registry.transferWithGateways(holder, model_id, [gateway], sender=model_owner)
    registry.setGateway(model_id, gateway, False, sender=holder)
    assert not registry.isGateway(model_id, gateway)


def test_transferWithGateways__empty_list__every_grant_lapses(
    registry, model_id, model_owner, holder, gateway
):
    registry.setGateway(model_id, gateway, True, sender=model_owner)
    tx = registry.transferWithGateways(holder, model_id, [], sender=model_owner)
    assert _state(registry, model_id, gateway) == (holder.address, (False,))
    assert not tx.decode_logs(registry.GatewaySet)


def test_transferWithGateways__approved_operator__reverts(
    registry, model_id, model_owner, attacker, gateway
):
    registry.approve(attacker, model_id, sender=model_owner)
    before = _state(registry, model_id, gateway)
    with ape.reverts(
        registry.ModelRegistryNotModelOwner, modelId=model_id, caller=attacker.address
    ):
        registry.transferWithGateways(attacker, model_id, [gateway], sender=attacker)
    assert _state(registry, model_id, gateway) == before


def test_transferWithGateways__zero_recipient__reverts(registry, model_id, model_owner, gateway):
    before = _state(registry, model_id, gateway)
    with ape.reverts(registry.ERC721InvalidReceiver, receiver=ZERO_ADDRESS):
        registry.transferWithGateways(ZERO_ADDRESS, model_id, [gateway], sender=model_owner)
    assert _state(registry, model_id, gateway) == before


def test_transferWithGateways__zero_gateway__reverts(
    registry, model_id, model_owner, holder, gateway
):
    before = _state(registry, model_id, gateway)
    with ape.reverts(registry.ModelRegistryZeroAddress):
        registry.transferWithGateways(holder, model_id, [ZERO_ADDRESS], sender=model_owner)
    assert _state(registry, model_id, gateway) == before


def test_transferWithGateways__contract_not_receiver__reverts(
    registry, usdc, model_id, model_owner, gateway
):
    before = _state(registry, model_id, gateway)
    with ape.reverts(registry.ERC721InvalidReceiver, receiver=usdc.address):
        registry.transferWithGateways(usdc, model_id, [gateway], sender=model_owner)
    assert _state(registry, model_id, gateway) == before


def test_transferWithGateways__unknown_model__reverts(registry, model_owner, holder):
    with ape.reverts(registry.ModelRegistryUnknownModel, modelId=999):
        registry.transferWithGateways(holder, 999, [], sender=model_owner)
