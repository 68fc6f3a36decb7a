"""License NFT metadata: on-chain JSON from tokenURI (decoded as a wallet would) and the
ERC-4906 MetadataUpdate event when a renewal changes the expiry."""

import ape
import pytest
from license_helpers import PRICE, TERMS_HASH

from modelmint.constants import DAY
from modelmint.metadata import MetadataError, decode_token_uri, traits


def test_tokenURI__timed_pinned_license__name_model_expiry_and_terms(
    manager, create_offer, eth_model, buy, licensee
):
    offer_id = create_offer(eth_model, duration=30 * DAY, version_pin=2, transferable=True)
    tx = buy(offer_id, licensee)
    license_id = tx.return_value
    meta = decode_token_uri(manager.tokenURI(license_id))
    assert meta["name"] == f"Modelmint License {offer_id}-1"
    assert "(version 2)" in meta["description"]
    attrs = traits(meta)
    assert attrs["model id"] == eth_model
    assert attrs["offer id"] == offer_id
    assert attrs["expiry"] == tx.timestamp + 30 * DAY == manager.license(license_id).expiry
    assert (attrs["commercial"], attrs["transferable"], attrs["version pin"]) == ("yes", "yes", 2)
    assert attrs["terms hash"] == "0x" + bytes(TERMS_HASH).hex().removeprefix("0x")
    expiry_trait = next(a for a in meta["attributes"] if a["trait_type"] == "expiry")
    assert expiry_trait["display_type"] == "date"


def test_tokenURI__perpetual_personal__says_perpetual(
    manager, create_offer, eth_model, buy, holder
):
    offer_id = create_offer(eth_model, duration=0, commercial=False)
    license_id = buy(offer_id, holder).return_value
    meta = decode_token_uri(manager.tokenURI(license_id))
    assert traits(meta)["expiry"] == "perpetual"
    assert meta["description"].startswith("Personal license")


def test_renew__metadata_update_event__token_uri_shows_new_expiry(
    manager, create_offer, eth_model, buy, licensee
):
    license_id = buy(create_offer(eth_model, duration=10 * DAY), licensee).return_value
    tx = manager.renew(license_id, PRICE, value=PRICE, sender=licensee)
    [ev] = tx.decode_logs(manager.MetadataUpdate)
    assert ev._tokenId == license_id
    assert traits(decode_token_uri(manager.tokenURI(license_id)))["expiry"] == tx.return_value
    assert manager.supportsInterface("0x49064906")


def test_tokenURI__unknown_license__reverts(manager):
    with ape.reverts(manager.ERC721NonexistentToken, tokenId=12345):
        manager.tokenURI(12345)


def test_decode_token_uri__not_json_data_uri__named_error():
    for uri in (
        "",
        "ipfs://x",
        "data:application/json;base64,!!!",
        "data:application/json;base64,WzFd",
    ):
        with pytest.raises(MetadataError):
            decode_token_uri(uri)
