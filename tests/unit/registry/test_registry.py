"""ModelRegistry: every function, every revert, every event."""

import ape
import pytest

from modelmint.constants import ETH, ZERO_ADDRESS
from modelmint.dev.testing import assert_deploy_reverts

HASH_1 = b"\x11" * 32
HASH_2 = b"\x22" * 32

ACTIVE, RETIRED = 0, 1

# An id no test registers, however many models the module's registry holds.
UNKNOWN_MODEL = 10**9


# ------------------------------------------------------------------ constructor


def test_constructor__initial_tokens__allow_listed_and_events(project, deployer, usdc, other_token):
    registry = project.ModelRegistry.deploy(deployer, [usdc, other_token], sender=deployer)
    assert registry.governance() == deployer
    assert registry.isPaymentTokenAllowed(usdc)
    assert registry.isPaymentTokenAllowed(other_token)
    assert registry.name() == "Modelmint Model"
    assert registry.symbol() == "MODEL"
    receipt = registry.creation_metadata.receipt
    [gov] = receipt.decode_logs(registry.GovernanceTransferred)
    assert (gov.previous, gov.next) == (ZERO_ADDRESS, deployer.address)
    allowed = receipt.decode_logs(registry.PaymentTokenAllowed)
    assert [(e.token, e.allowed) for e in allowed] == [
        (usdc.address, True),
        (other_token.address, True),
    ]


def test_constructor__zero_governance__reverts(project, chain, deployer):
    assert_deploy_reverts(
        chain,
        project.ModelRegistry,
        (ZERO_ADDRESS, []),
        "ModelRegistryZeroAddress",
        sender=deployer,
    )


def test_constructor__zero_token__reverts(project, chain, deployer):
    assert_deploy_reverts(
        chain,
        project.ModelRegistry,
        (deployer, [ZERO_ADDRESS]),
        "ModelRegistryZeroAddress",
        sender=deployer,
    )


# ------------------------------------------------------------------ registerModel


def test_registerModel__eth__mints_token_stores_version_and_emits(registry, model_owner, chain):
    tx = registry.registerModel(ETH, HASH_1, "ipfs://v1", "ipfs://meta", sender=model_owner)
    assert tx.return_value == 1
    assert registry.ownerOf(1) == model_owner
    assert registry.balanceOf(model_owner) == 1
    assert registry.exists(1)
    m = registry.model(1)
    assert m.paymentAsset == ZERO_ADDRESS
    assert m.versionCount == 1
    assert m.status == ACTIVE
    assert not m.flagged
    assert m.registeredAt == tx.timestamp
    assert registry.paymentAsset(1) == ZERO_ADDRESS
    assert registry.versionHash(1, 1) == HASH_1
    assert registry.latestVersion(1) == (1, HASH_1)
    assert registry.isSaleOpen(1)
    [reg] = tx.decode_logs(registry.ModelRegistered)
    assert (reg.modelId, reg.owner, reg.paymentAsset, reg.metadataURI) == (
        1,
        model_owner.address,
        ZERO_ADDRESS,
        "ipfs://meta",
    )
    [ver] = tx.decode_logs(registry.VersionPublished)
    assert (ver.modelId, ver.version, ver.weightsHash, ver.uri) == (1, 1, HASH_1, "ipfs://v1")
    [transfer] = tx.decode_logs(registry.Transfer)
    assert (transfer["from"], transfer.to, transfer.tokenId) == (ZERO_ADDRESS, model_owner, 1)


def test_registerModel__allow_listed_token__records_asset(registry, model_owner, usdc):
    tx = registry.registerModel(usdc, HASH_1, "u", "m", sender=model_owner)
    assert registry.paymentAsset(tx.return_value) == usdc.address
    [reg] = tx.decode_logs(registry.ModelRegistered)
    assert reg.paymentAsset == usdc.address


def test_registerModel__ids_are_sequential_from_one(register_model, contributor):
    assert register_model() == 1
    assert register_model(owner=contributor) == 2
    assert register_model() == 3


def test_registerModel__zero_weights_hash__reverts(registry, model_owner):
    with ape.reverts(registry.ModelRegistryZeroWeightsHash):
        registry.registerModel(ETH, b"\x00" * 32, "u", "m", sender=model_owner)
    assert registry.balanceOf(model_owner) == 0
    assert not registry.exists(1)


def test_registerModel__unlisted_token__reverts(registry, model_owner, other_token):
    with ape.reverts(registry.ModelRegistryTokenNotAllowed, token=other_token.address):
        registry.registerModel(other_token, HASH_1, "u", "m", sender=model_owner)
    assert registry.balanceOf(model_owner) == 0
    assert not registry.exists(1)


def test_registerModel__delisted_token__reverts_but_existing_model_keeps_it(
    registry, register_model, governance, usdc
):
    model_id = register_model(asset=usdc)
    registry.setPaymentTokenAllowed(usdc, False, sender=governance)
    with ape.reverts(registry.ModelRegistryTokenNotAllowed, token=usdc.address):
        register_model(asset=usdc)
    assert registry.paymentAsset(model_id) == usdc.address
    assert registry.isSaleOpen(model_id)


# ------------------------------------------------------------------ publishVersion


def test_publishVersion__owner__appends_and_emits(registry, model_id, model_owner):
    tx = registry.publishVersion(model_id, HASH_2, "ipfs://v2", sender=model_owner)
    assert tx.return_value == 2
    assert registry.versionHash(model_id, 1) == HASH_1
    assert registry.versionHash(model_id, 2) == HASH_2
    assert registry.latestVersion(model_id) == (2, HASH_2)
    assert registry.model(model_id).versionCount == 2
    [ver] = tx.decode_logs(registry.VersionPublished)
    assert (ver.modelId, ver.version, ver.weightsHash, ver.uri) == (
        model_id,
        2,
        HASH_2,
        "ipfs://v2",
    )


def test_publishVersion__same_hash_again__is_a_new_version(registry, model_id, model_owner):
    registry.publishVersion(model_id, HASH_1, "again", sender=model_owner)
    assert registry.latestVersion(model_id) == (2, HASH_1)


def test_publishVersion__non_owner__reverts(registry, model_id, attacker):
    with ape.reverts(
        registry.ModelRegistryNotModelOwner, modelId=model_id, caller=attacker.address
    ):
        registry.publishVersion(model_id, HASH_2, "x", sender=attacker)
    assert registry.latestVersion(model_id) == (1, HASH_1)


def test_publishVersion__governance__reverts(registry, model_id, governance):
    with ape.reverts(registry.ModelRegistryNotModelOwner):
        registry.publishVersion(model_id, HASH_2, "x", sender=governance)


def test_publishVersion__unknown_model__reverts(registry, model_owner):
    with ape.reverts(registry.ModelRegistryUnknownModel, modelId=UNKNOWN_MODEL):
        registry.publishVersion(UNKNOWN_MODEL, HASH_2, "x", sender=model_owner)


def test_publishVersion__zero_hash__reverts(registry, model_id, model_owner):
    with ape.reverts(registry.ModelRegistryZeroWeightsHash):
        registry.publishVersion(model_id, b"\x00" * 32, "x", sender=model_owner)
    assert registry.model(model_id).versionCount == 1


def test_publishVersion__after_token_transfer__new_owner_only(
    registry, model_id, model_owner, holder
):
    registry.transferFrom(model_owner, holder, model_id, sender=model_owner)
    with ape.reverts(registry.ModelRegistryNotModelOwner, caller=model_owner.address):
        registry.publishVersion(model_id, HASH_2, "x", sender=model_owner)
    registry.publishVersion(model_id, HASH_2, "x", sender=holder)
    assert registry.latestVersion(model_id) == (2, HASH_2)


# ------------------------------------------------------------------ versions (views)


def test_versionHash__zero_or_future_version__reverts(registry, model_id):
    with ape.reverts(registry.ModelRegistryUnknownVersion, modelId=model_id, version=0):
        registry.versionHash(model_id, 0)
    with ape.reverts(registry.ModelRegistryUnknownVersion, modelId=model_id, version=2):
        registry.versionHash(model_id, 2)


@pytest.mark.parametrize(
    "view, args",
    [
        ("model", ()),
        ("paymentAsset", ()),
        ("latestVersion", ()),
        ("versionHash", (1,)),
    ],
)
def test_views__unknown_model__revert(registry, view, args):
    with ape.reverts(registry.ModelRegistryUnknownModel, modelId=42):
        getattr(registry, view)(42, *args)


def test_views__unknown_model__false_answers(registry, gateway):
    assert not registry.exists(42)
    assert not registry.isSaleOpen(42)
    assert not registry.isGateway(42, gateway)
    assert not registry.exists(0)


# ------------------------------------------------------------------ gateways


def test_setGateway__owner__allows_then_disallows(registry, model_id, model_owner, gateway):
    tx = registry.setGateway(model_id, gateway, True, sender=model_owner)
    assert registry.isGateway(model_id, gateway)
    [ev] = tx.decode_logs(registry.GatewaySet)
    assert (ev.modelId, ev.gateway, ev.allowed) == (model_id, gateway.address, True)
    tx = registry.setGateway(model_id, gateway, False, sender=model_owner)
    assert not registry.isGateway(model_id, gateway)
    [ev] = tx.decode_logs(registry.GatewaySet)
    assert not ev.allowed


def test_setGateway__is_per_model(registry, register_model, model_owner, gateway):
    first = register_model()
    second = register_model()
    registry.setGateway(first, gateway, True, sender=model_owner)
    assert registry.isGateway(first, gateway)
    assert not registry.isGateway(second, gateway)


def test_setGateway__non_owner__reverts(registry, model_id, attacker, gateway):
    with ape.reverts(
        registry.ModelRegistryNotModelOwner, modelId=model_id, caller=attacker.address
    ):
        registry.setGateway(model_id, gateway, True, sender=attacker)
    assert not registry.isGateway(model_id, gateway)


def test_setGateway__zero_address__reverts(registry, model_id, model_owner):
    with ape.reverts(registry.ModelRegistryZeroAddress):
        registry.setGateway(model_id, ZERO_ADDRESS, True, sender=model_owner)


def test_setGateway__unknown_model__reverts(registry, model_owner, gateway):
    with ape.reverts(registry.ModelRegistryUnknownModel, modelId=UNKNOWN_MODEL):
        registry.setGateway(UNKNOWN_MODEL, gateway, True, sender=model_owner)


# ------------------------------------------------------------------ status


def test_setStatus__retire_then_reactivate__closes_and_reopens_sales(
    registry, model_id, model_owner
):
    tx = registry.setStatus(model_id, RETIRED, sender=model_owner)
    assert registry.model(model_id).status == RETIRED
    assert not registry.isSaleOpen(model_id)
    [ev] = tx.decode_logs(registry.ModelStatusChanged)
    assert (ev.modelId, ev.status) == (model_id, RETIRED)
    tx = registry.setStatus(model_id, ACTIVE, sender=model_owner)
    assert registry.isSaleOpen(model_id)
    [ev] = tx.decode_logs(registry.ModelStatusChanged)
    assert ev.status == ACTIVE


def test_setStatus__unchanged__reverts(registry, model_id, model_owner):
    with ape.reverts(registry.ModelRegistryStatusUnchanged, modelId=model_id):
        registry.setStatus(model_id, ACTIVE, sender=model_owner)


def test_setStatus__non_owner__reverts(registry, model_id, attacker, governance):
    for caller in (attacker, governance):
        with ape.reverts(registry.ModelRegistryNotModelOwner, caller=caller.address):
            registry.setStatus(model_id, RETIRED, sender=caller)
    assert registry.model(model_id).status == ACTIVE


def test_setStatus__unknown_model__reverts(registry, model_owner):
    with ape.reverts(registry.ModelRegistryUnknownModel, modelId=UNKNOWN_MODEL):
        registry.setStatus(UNKNOWN_MODEL, RETIRED, sender=model_owner)


def test_setStatus__invalid_enum__reverts(registry, model_id, model_owner):
    # An out-of-range enum value fails ABI decoding; nothing changes.
    with ape.reverts():
        registry.setStatus(model_id, 2, sender=model_owner)
    assert registry.model(model_id).status == ACTIVE


# ------------------------------------------------------------------ governance: flag


def test_setFlagged__governance__blocks_sales_and_unflag_restores(registry, model_id, governance):
    tx = registry.setFlagged(model_id, True, sender=governance)
    assert registry.model(model_id).flagged
    assert not registry.isSaleOpen(model_id)
    [ev] = tx.decode_logs(registry.ModelFlagged)
    assert (ev.modelId, ev.flagged) == (model_id, True)
    tx = registry.setFlagged(model_id, False, sender=governance)
    assert registry.isSaleOpen(model_id)
    assert not tx.decode_logs(registry.ModelFlagged)[0].flagged


def test_setFlagged__flagged_model__owner_keeps_managing(
    registry, model_id, governance, model_owner, gateway
):
    registry.setFlagged(model_id, True, sender=governance)
    registry.publishVersion(model_id, HASH_2, "v2", sender=model_owner)
    registry.setGateway(model_id, gateway, True, sender=model_owner)
    registry.setStatus(model_id, RETIRED, sender=model_owner)
    registry.setStatus(model_id, ACTIVE, sender=model_owner)
    assert not registry.isSaleOpen(model_id)  # still flagged


def test_setFlagged__non_governance__reverts(registry, model_id, model_owner, attacker):
    for caller in (model_owner, attacker):
        with ape.reverts(registry.ModelRegistryNotGovernance, caller=caller.address):
            registry.setFlagged(model_id, True, sender=caller)
    assert registry.isSaleOpen(model_id)


def test_setFlagged__unknown_model__reverts(registry, governance):
    with ape.reverts(registry.ModelRegistryUnknownModel, modelId=UNKNOWN_MODEL):
        registry.setFlagged(UNKNOWN_MODEL, True, sender=governance)


# ------------------------------------------------------------------ governance: allow-list


def test_setPaymentTokenAllowed__governance__toggles_and_emits(registry, governance, other_token):
    tx = registry.setPaymentTokenAllowed(other_token, True, sender=governance)
    assert registry.isPaymentTokenAllowed(other_token)
    [ev] = tx.decode_logs(registry.PaymentTokenAllowed)
    assert (ev.token, ev.allowed) == (other_token.address, True)
    tx = registry.setPaymentTokenAllowed(other_token, False, sender=governance)
    assert not registry.isPaymentTokenAllowed(other_token)
    assert not tx.decode_logs(registry.PaymentTokenAllowed)[0].allowed


def test_setPaymentTokenAllowed__new_token__usable_for_registration(
    registry, governance, other_token, register_model
):
    registry.setPaymentTokenAllowed(other_token, True, sender=governance)
    model_id = register_model(asset=other_token)
    assert registry.paymentAsset(model_id) == other_token.address


def test_setPaymentTokenAllowed__non_governance__reverts(registry, attacker, other_token):
    with ape.reverts(registry.ModelRegistryNotGovernance, caller=attacker.address):
        registry.setPaymentTokenAllowed(other_token, True, sender=attacker)
    assert not registry.isPaymentTokenAllowed(other_token)


def test_setPaymentTokenAllowed__supply_above_2_pow_119__reverts(
    registry, governance, other_token, deployer
):
    # ModelShares keeps revenue in 120 bits and corrections (revenue x 2^128) in int248: a token
    # whose supply passes 2^119 could stop sync/claim, so it is refused at listing.
    bound = registry.MAX_TOKEN_SUPPLY()
    assert bound == 2**119
    other_token.mint(deployer, bound + 1, sender=deployer)
    with ape.reverts(
        registry.ModelRegistryTokenSupplyTooLarge,
        token=other_token.address,
        supply=bound + 1,
        max=bound,
    ):
        registry.setPaymentTokenAllowed(other_token, True, sender=governance)
    assert not registry.isPaymentTokenAllowed(other_token)
    # delisting is never refused
    registry.setPaymentTokenAllowed(other_token, False, sender=governance)
    assert not registry.isPaymentTokenAllowed(other_token)


def test_setPaymentTokenAllowed__supply_exactly_2_pow_119__allowed(
    registry, governance, other_token, deployer
):
    other_token.mint(deployer, registry.MAX_TOKEN_SUPPLY(), sender=deployer)
    registry.setPaymentTokenAllowed(other_token, True, sender=governance)
    assert registry.isPaymentTokenAllowed(other_token)


def test_setPaymentTokenAllowed__zero_address__reverts(registry, governance):
    with ape.reverts(registry.ModelRegistryZeroAddress):
        registry.setPaymentTokenAllowed(ZERO_ADDRESS, True, sender=governance)


def test_isPaymentTokenAllowed__eth_sentinel__false(registry):
    # ETH is address(0) and needs no listing; the allow-list only holds ERC-20s.
    assert not registry.isPaymentTokenAllowed(ZERO_ADDRESS)


# ------------------------------------------------------------------ governance: handover


def test_transferGovernance__hands_over_all_powers(registry, governance, holder, model_id, usdc):
    tx = registry.transferGovernance(holder, sender=governance)
    assert registry.governance() == holder
    [ev] = tx.decode_logs(registry.GovernanceTransferred)
    assert (ev.previous, ev.next) == (governance.address, holder.address)
    with ape.reverts(registry.ModelRegistryNotGovernance, caller=governance.address):
        registry.setFlagged(model_id, True, sender=governance)
    registry.setFlagged(model_id, True, sender=holder)
    registry.setPaymentTokenAllowed(usdc, False, sender=holder)


def test_transferGovernance__non_governance__reverts(registry, governance, attacker):
    with ape.reverts(registry.ModelRegistryNotGovernance, caller=attacker.address):
        registry.transferGovernance(attacker, sender=attacker)
    assert registry.governance() == governance


def test_transferGovernance__zero_address__reverts(registry, governance):
    with ape.reverts(registry.ModelRegistryZeroAddress):
        registry.transferGovernance(ZERO_ADDRESS, sender=governance)
    assert registry.governance() == governance


# ------------------------------------------------------------------ the NFT is the authority


def test_transfer__model_token__moves_every_owner_power(
    registry, model_id, model_owner, holder, gateway
):
    registry.safeTransferFrom(model_owner, holder, model_id, sender=model_owner)
    assert registry.ownerOf(model_id) == holder
    for call in (
        lambda s: registry.setGateway(model_id, gateway, True, sender=s),
        lambda s: registry.setStatus(model_id, RETIRED, sender=s),
    ):
        with ape.reverts(registry.ModelRegistryNotModelOwner):
            call(model_owner)
        call(holder)
    assert registry.isGateway(model_id, gateway)
    assert not registry.isSaleOpen(model_id)


def test_isGateway__model_sold__seller_grant_lapses_and_buyer_grants_anew(
    registry, model_id, model_owner, holder, gateway
):
    registry.setGateway(model_id, gateway, True, sender=model_owner)
    epoch = registry.ownerEpoch(model_id)
    registry.transferFrom(model_owner, holder, model_id, sender=model_owner)
    assert registry.ownerEpoch(model_id) == epoch + 1
    assert not registry.isGateway(model_id, gateway)
    registry.setGateway(model_id, gateway, True, sender=holder)
    assert registry.isGateway(model_id, gateway)


def test_isGateway__sold_and_bought_back__old_grant_stays_lapsed(
    registry, model_id, model_owner, holder, gateway
):
    registry.setGateway(model_id, gateway, True, sender=model_owner)
    registry.transferFrom(model_owner, holder, model_id, sender=model_owner)
    registry.transferFrom(holder, model_owner, model_id, sender=holder)
    assert registry.ownerOf(model_id) == model_owner
    assert not registry.isGateway(model_id, gateway)
    # the record (versions, status, asset) is unchanged by the epoch bits
    assert registry.model(model_id).versionCount == 1


def test_isGateway__bought_back_after_256_transfers__old_grant_stays_lapsed(
    project, registry, model_id, model_owner, gateway
):
    # The owner epoch's low 8 bits wrap after 256 transfers: the seller's grant must not
    # revive when the model comes back to it exactly 256 transfers later (and again at 512).
    looper = project.ModelTransferLooper.deploy(sender=model_owner)
    registry.setGateway(model_id, gateway, True, sender=model_owner)
    epoch = registry.ownerEpoch(model_id)
    for laps in (1, 2):
        registry.transferFrom(model_owner, looper, model_id, sender=model_owner)
        # 1 transfer to the looper + 254 to itself + 1 back = 256 transfers
        looper.loopThenGive(registry, model_id, 254, model_owner, sender=model_owner)
        assert registry.ownerOf(model_id) == model_owner
        assert registry.ownerEpoch(model_id) == epoch + 256 * laps
        assert not registry.isGateway(model_id, gateway)
    # the record (versions, status, asset) is unchanged by the epoch bits; a new grant works
    assert registry.model(model_id).versionCount == 1
    assert registry.isSaleOpen(model_id)
    registry.setGateway(model_id, gateway, True, sender=model_owner)
    assert registry.isGateway(model_id, gateway)


def test_transfer__usage_credits_sweep_burns_its_gas__transfer_not_blocked(
    project, registry, governance, model_id, model_owner, holder
):
    # The sweep before a transfer runs with a bounded stipend inside try/catch: a link that
    # wastes all its gas costs the transfer at most the stipend and never blocks it.
    burner = project.GasBurningSweeper.deploy(sender=governance)
    tx = registry.setUsageCredits(burner, sender=governance)
    [ev] = tx.decode_logs(registry.UsageCreditsSet)
    assert (ev.previous, ev.current) == (ZERO_ADDRESS, burner.address)
    assert registry.usageCredits() == burner
    tx = registry.transferFrom(model_owner, holder, model_id, sender=model_owner, gas=1_000_000)
    assert registry.ownerOf(model_id) == holder
    assert tx.gas_used < 400_000


def test_transfer__caller_starves_the_sweep__reverts_out_of_gas(
    project, registry, governance, model_id, model_owner, holder
):
    # Too little gas for the stipend: the sweep fails for want of gas the caller withheld, and
    # the transfer reverts instead of skipping it.
    burner = project.GasBurningSweeper.deploy(sender=governance)
    registry.setUsageCredits(burner, sender=governance)
    with ape.reverts(registry.ModelRegistrySweepOutOfGas, modelId=model_id):
        registry.transferFrom(model_owner, holder, model_id, sender=model_owner, gas=200_000)
    assert registry.ownerOf(model_id) == model_owner


def test_setUsageCredits__non_governance_or_zero__reverts(registry, governance, attacker):
    with ape.reverts(registry.ModelRegistryNotGovernance, caller=attacker.address):
        registry.setUsageCredits(attacker, sender=attacker)
    with ape.reverts(registry.ModelRegistryZeroAddress):
        registry.setUsageCredits(ZERO_ADDRESS, sender=governance)
    assert registry.usageCredits() == ZERO_ADDRESS


def test_saleAndGateway__any_sale_state_and_grant__answers_as_isSaleOpen_and_isGateway(
    registry, model_id, model_owner, holder, gateway, governance
):
    def both(account):
        return (registry.isSaleOpen(model_id), registry.isGateway(model_id, account))

    assert registry.saleAndGateway(model_id, gateway) == both(gateway) == (True, False)
    registry.setGateway(model_id, gateway, True, sender=model_owner)
    assert registry.saleAndGateway(model_id, gateway) == both(gateway) == (True, True)
    assert registry.saleAndGateway(model_id, holder) == both(holder) == (True, False)
    registry.setFlagged(model_id, True, sender=governance)
    assert registry.saleAndGateway(model_id, gateway) == both(gateway) == (False, True)
    # A transfer lapses the seller's grant.
    registry.transferFrom(model_owner, holder, model_id, sender=model_owner)
    assert registry.saleAndGateway(model_id, gateway) == both(gateway) == (False, False)


def test_saleAndGateway__unknown_model__false_false_no_revert(registry, gateway):
    assert registry.saleAndGateway(999, gateway) == (False, False)
