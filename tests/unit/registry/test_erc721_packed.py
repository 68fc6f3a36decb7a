"""ERC721Packed (the registry's and the license manager's ERC-721 base): ERC-721 compliance -
balances, approvals, operators, safe transfers, interface ids, the OZ errors - and the packed
per-token data surviving transfers. Exercised through the ModelRegistry."""

import ape
import pytest
from fixtures.asserts import assert_transfers_refused
from fixtures.suites import HASH_1

from modelmint.constants import ETH, ZERO_ADDRESS
from modelmint.deploy import models
from modelmint.metadata import decode_token_uri, traits

RETIRED = 1
ERC165_ID = "0x01ffc9a7"
ERC721_ID = "0x80ac58cd"
ERC721_METADATA_ID = "0x5b5e139f"


@pytest.fixture(scope="module")
def accepting_receiver(project, deployer):
    return project.ERC721ReceiverMock.deploy(True, sender=deployer)


@pytest.fixture(scope="module")
def rejecting_receiver(project, deployer):
    return project.ERC721ReceiverMock.deploy(False, sender=deployer)


def test_supportsInterface__erc165_erc721_metadata__true_else_false(registry):
    for interface_id in (ERC165_ID, ERC721_ID, ERC721_METADATA_ID):
        assert registry.supportsInterface(interface_id)
    assert not registry.supportsInterface("0xffffffff")
    assert not registry.supportsInterface("0x12345678")


def test_balanceOf__counts_mints_and_transfers(registry, register_model, model_owner, holder):
    assert registry.balanceOf(model_owner) == 0
    first = register_model()
    register_model()
    assert registry.balanceOf(model_owner) == 2
    registry.transferFrom(model_owner, holder, first, sender=model_owner)
    assert (registry.balanceOf(model_owner), registry.balanceOf(holder)) == (1, 1)


def test_balanceOf__zero_address__reverts(registry):
    with ape.reverts(registry.ERC721InvalidOwner):
        registry.balanceOf(ZERO_ADDRESS)


def test_ownerOf_getApproved_tokenURI__unknown_token__revert(registry):
    for view in (registry.ownerOf, registry.getApproved, registry.tokenURI):
        with ape.reverts(registry.ERC721NonexistentToken):
            view(42)


def test_tokenURI__existing_model__on_chain_json_with_id_version_hash_and_status(
    registry, model_id, model_owner
):
    meta = decode_token_uri(registry.tokenURI(model_id))
    assert meta["name"] == f"Modelmint Model #{model_id}"
    attrs = traits(meta)
    assert attrs["model id"] == model_id
    assert attrs["version"] == 1
    assert attrs["version hash"] == "0x" + registry.versionHash(model_id, 1).hex().removeprefix(
        "0x"
    )
    assert (attrs["status"], attrs["flagged"], attrs["payment asset"]) == ("Active", "no", "ETH")
    assert attrs["registered"] == registry.model(model_id).registeredAt
    assert registry.supportsInterface("0x49064906")  # ERC-4906


def test_publishVersion__metadata__update_event_and_new_hash_in_token_uri(
    registry, model_id, model_owner
):
    new_hash = bytes.fromhex("ab" * 32)
    tx = registry.publishVersion(model_id, new_hash, "ipfs://v2", sender=model_owner)
    [ev] = tx.decode_logs(registry.MetadataUpdate)
    assert ev._tokenId == model_id
    attrs = traits(decode_token_uri(registry.tokenURI(model_id)))
    assert (attrs["version"], attrs["version hash"]) == (2, "0x" + "ab" * 32)
    tx = registry.setStatus(model_id, 1, sender=model_owner)
    assert [e._tokenId for e in tx.decode_logs(registry.MetadataUpdate)] == [model_id]
    attrs = traits(decode_token_uri(registry.tokenURI(model_id)))
    assert attrs["status"] == "Retired"


def test_mint__emits_transfer_from_zero(registry, model_owner):
    tx = registry.registerModel(ETH, b"\x11" * 32, "ipfs://v1", "ipfs://meta", sender=model_owner)
    [log] = tx.decode_logs(registry.Transfer)
    assert (log["from"], log.to, log.tokenId) == (ZERO_ADDRESS, model_owner, tx.return_value)


def test_approve__owner__approved_account_transfers_and_approval_clears(
    registry, model_id, model_owner, holder, contributor
):
    tx = registry.approve(holder, model_id, sender=model_owner)
    [log] = tx.decode_logs(registry.Approval)
    assert (log.owner, log.approved, log.tokenId) == (model_owner, holder, model_id)
    assert registry.getApproved(model_id) == holder
    tx = registry.transferFrom(model_owner, contributor, model_id, sender=holder)
    [log] = tx.decode_logs(registry.Transfer)
    assert (log["from"], log.to, log.tokenId) == (model_owner, contributor, model_id)
    assert registry.ownerOf(model_id) == contributor
    assert registry.getApproved(model_id) == ZERO_ADDRESS
    with ape.reverts(registry.ERC721InsufficientApproval):
        registry.transferFrom(contributor, holder, model_id, sender=holder)


def test_approve__stranger__reverts(registry, model_id, attacker):
    with ape.reverts(registry.ERC721InvalidApprover, approver=attacker):
        registry.approve(attacker, model_id, sender=attacker)


def test_approve__unknown_token__reverts(registry, model_owner, holder):
    with ape.reverts(registry.ERC721NonexistentToken):
        registry.approve(holder, 42, sender=model_owner)


def test_setApprovalForAll__operator_approves_and_transfers_until_revoked(
    registry, register_model, model_owner, holder, contributor
):
    first = register_model()
    second = register_model()
    tx = registry.setApprovalForAll(holder, True, sender=model_owner)
    [log] = tx.decode_logs(registry.ApprovalForAll)
    assert (log.owner, log.operator, log.approved) == (model_owner, holder, True)
    assert registry.isApprovedForAll(model_owner, holder)
    registry.approve(contributor, first, sender=holder)  # an operator may approve
    assert registry.getApproved(first) == contributor
    registry.transferFrom(model_owner, contributor, second, sender=holder)
    assert registry.ownerOf(second) == contributor
    registry.setApprovalForAll(holder, False, sender=model_owner)
    with ape.reverts(registry.ERC721InsufficientApproval):
        registry.transferFrom(model_owner, holder, first, sender=holder)


def test_setApprovalForAll__zero_operator__reverts(registry, model_owner):
    with ape.reverts(registry.ERC721InvalidOperator):
        registry.setApprovalForAll(ZERO_ADDRESS, True, sender=model_owner)


def test_transferFrom__stranger__reverts(registry, model_id, model_owner, attacker):
    with ape.reverts(registry.ERC721InsufficientApproval, operator=attacker, tokenId=model_id):
        registry.transferFrom(model_owner, attacker, model_id, sender=attacker)
    assert registry.ownerOf(model_id) == model_owner


def test_transferFrom__wrong_from__reverts(registry, model_id, model_owner, holder):
    with ape.reverts(registry.ERC721IncorrectOwner):
        registry.transferFrom(holder, holder, model_id, sender=model_owner)


def test_transferFrom__to_zero__reverts(registry, model_id, model_owner):
    with ape.reverts(registry.ERC721InvalidReceiver):
        registry.transferFrom(model_owner, ZERO_ADDRESS, model_id, sender=model_owner)


def test_transferFrom__unknown_token__reverts(registry, model_owner, holder):
    with ape.reverts(registry.ERC721NonexistentToken):
        registry.transferFrom(model_owner, holder, 42, sender=model_owner)


def test_safeTransferFrom__accepting_contract__calls_hook_with_data(
    registry, model_id, model_owner, accepting_receiver
):
    registry.safeTransferFrom(
        model_owner, accepting_receiver, model_id, b"\x01\x02", sender=model_owner
    )
    assert registry.ownerOf(model_id) == accepting_receiver
    assert accepting_receiver.lastOperator() == model_owner
    assert accepting_receiver.lastFrom() == model_owner
    assert accepting_receiver.lastTokenId() == model_id
    assert accepting_receiver.lastData() == b"\x01\x02"


def test_safeTransferFrom__rejecting_or_hookless_contract__reverts(
    registry, model_id, model_owner, rejecting_receiver, usdc
):
    sends = [("safeTransferFrom", target, model_owner) for target in (rejecting_receiver, usdc)]
    refused = registry.ERC721InvalidReceiver
    assert_transfers_refused(registry, model_id, model_owner, refused, sends)


def test_transfer__packed_record__survives_and_follows_the_token(
    registry, model_owner, holder, usdc, governance
):
    model_id, tx = models.register_model(
        registry, model_owner, HASH_1, "ipfs://v1", "ipfs://meta", asset=usdc
    )
    registry.publishVersion(model_id, b"\x22" * 32, "ipfs://v2", sender=model_owner)
    registry.setStatus(model_id, RETIRED, sender=model_owner)
    registry.setFlagged(model_id, True, sender=governance)
    before = registry.model(model_id)
    registry.transferFrom(model_owner, holder, model_id, sender=model_owner)
    after = registry.model(model_id)
    assert after == before
    assert (after.paymentAsset, after.versionCount, after.status, after.flagged) == (
        usdc.address,
        2,
        RETIRED,
        True,
    )
    assert after.registeredAt == tx.timestamp
    assert registry.ownerOf(model_id) == holder
    assert registry.latestVersion(model_id) == (2, b"\x22" * 32)


def test_saleInfo__eth_token_retired_flagged_unknown(
    registry, register_model, model_owner, usdc, governance
):
    eth_model = register_model()
    token_model = register_model(asset=usdc)
    assert registry.saleInfo(eth_model) == (True, ZERO_ADDRESS)
    assert registry.saleInfo(token_model) == (True, usdc.address)
    registry.setStatus(token_model, RETIRED, sender=model_owner)
    assert registry.saleInfo(token_model) == (False, usdc.address)
    registry.setFlagged(eth_model, True, sender=governance)
    assert registry.saleInfo(eth_model) == (False, ZERO_ADDRESS)
    assert registry.saleInfo(999) == (False, ZERO_ADDRESS)
