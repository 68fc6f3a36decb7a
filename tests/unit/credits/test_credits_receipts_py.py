"""modelmint.receipts off-chain: signing with every supported signer, recovery, encoding.
(The on-chain agreement is in test_settle.py: receiptDigest, verifyReceipt, settle.)"""

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import keccak
from hypothesis import given
from hypothesis import strategies as st

from modelmint.constants import ZERO_ADDRESS
from modelmint.credits import Channel, ChannelPhase, ChannelTerms, first_free_salt
from modelmint.receipts import (
    SECP256K1_N,
    Receipt,
    ReceiptDomain,
    channel_id_from_tx,
    is_low_s,
    receipt_digest,
    recover_signer,
    sign_receipt,
    split_signature,
    typed_data,
    verify_receipt,
)

DOMAIN = ReceiptDomain(chain_id=31337, verifying_contract="0x" + "ab" * 20)
KEY = "0x" + "11" * 32
SIGNER = Account.from_key(KEY)
UINT256 = st.integers(min_value=0, max_value=2**256 - 1)


def _manual_digest(domain, receipt):
    """EIP-712 hashStruct written out by hand, independent of eth_account's encoder."""
    domain_type = keccak(
        text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    )
    domain_sep = keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [
                domain_type,
                keccak(text=domain.name),
                keccak(text=domain.version),
                domain.chain_id,
                domain.verifying_contract,
            ],
        )
    )
    type_hash = keccak(text="Receipt(uint256 channelId,uint256 cumulativeCredits,uint256 deadline)")
    struct = keccak(
        encode(
            ["bytes32", "uint256", "uint256", "uint256"],
            [type_hash, receipt.channel_id, receipt.cumulative_credits, receipt.deadline],
        )
    )
    return keccak(b"\x19\x01" + domain_sep + struct)


@given(channel_id=UINT256, cumulative=UINT256, deadline=UINT256)
def test_receipt_digest__any_receipt__matches_hand_encoding(channel_id, cumulative, deadline):
    receipt = Receipt(channel_id, cumulative, deadline)
    assert receipt_digest(DOMAIN, receipt) == _manual_digest(DOMAIN, receipt)


@given(channel_id=UINT256, cumulative=UINT256, deadline=UINT256)
def test_sign_receipt__any_receipt__recovers_signer_low_s(channel_id, cumulative, deadline):
    signed = sign_receipt(DOMAIN, Receipt(channel_id, cumulative, deadline), KEY)
    assert len(signed.signature) == 65
    assert is_low_s(signed.signature)
    assert recover_signer(DOMAIN, signed) == SIGNER.address
    assert verify_receipt(DOMAIN, signed, SIGNER.address)


def test_sign_receipt__key_local_account_and_ape_account__same_signature(consumer):
    receipt = Receipt(3, 1_000, 1_900_000_000)
    by_ape = sign_receipt(DOMAIN, receipt, consumer)
    by_local = sign_receipt(DOMAIN, receipt, Account.from_key(consumer.private_key))
    by_key = sign_receipt(DOMAIN, receipt, consumer.private_key)
    assert by_ape.signature == by_local.signature == by_key.signature
    assert recover_signer(DOMAIN, by_ape) == consumer.address


def test_verify_receipt__other_domain_or_receipt__false():
    signed = sign_receipt(DOMAIN, Receipt(1, 10, 100), KEY)
    other_chain = ReceiptDomain(chain_id=1, verifying_contract=DOMAIN.verifying_contract)
    other_contract = ReceiptDomain(chain_id=DOMAIN.chain_id, verifying_contract="0x" + "cd" * 20)
    assert not verify_receipt(other_chain, signed, SIGNER.address)
    assert not verify_receipt(other_contract, signed, SIGNER.address)
    tampered = type(signed)(Receipt(1, 11, 100), signed.signature)
    assert not verify_receipt(DOMAIN, tampered, SIGNER.address)
    assert not verify_receipt(DOMAIN, signed, "0x" + "00" * 20)


def test_recover_signer__high_s_or_malformed__none():
    signed = sign_receipt(DOMAIN, Receipt(1, 10, 100), KEY)
    v, r, s = split_signature(signed.signature)
    high = r.to_bytes(32, "big") + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - v])
    assert not is_low_s(high)
    assert recover_signer(DOMAIN, type(signed)(signed.receipt, high)) is None
    assert recover_signer(DOMAIN, type(signed)(signed.receipt, b"\x00" * 64)) is None


def test_typed_data__shape__is_eth_signTypedData_v4_json():
    doc = typed_data(DOMAIN, Receipt(1, 2, 3))
    assert doc["primaryType"] == "Receipt"
    assert doc["domain"]["name"] == "Modelmint UsageCredits" and doc["domain"]["version"] == "1"
    assert doc["message"] == {"channelId": 1, "cumulativeCredits": 2, "deadline": 3}
    terms = ChannelTerms(ZERO_ADDRESS, ZERO_ADDRESS, 7, 8)
    signed = sign_receipt(DOMAIN, Receipt(terms.channel_id, 2, 3), KEY)
    assert signed.settle_args(terms)[:5] == (ZERO_ADDRESS, 7, 8, 2, 3)
    assert signed.verify_args(terms)[0] == (ZERO_ADDRESS, ZERO_ADDRESS, 7, 8)


def test_sign_receipt__unsupported_signer__raises():
    with pytest.raises(TypeError):
        sign_receipt(DOMAIN, Receipt(1, 2, 3), 12345)


def test_channel_id_from_tx__open_channel__reads_event(
    credits, open_channel, consumer, gateway, buy, chain
):
    first = open_channel(consumer, 1)
    buy(consumer, 5)
    tx = credits.openChannel(
        first.terms.model_id,
        gateway,
        first.terms.salt + 1,
        5,
        chain.pending_timestamp + 60,
        sender=consumer,
    )
    expected = ChannelTerms(str(consumer), str(gateway), first.terms.model_id, first.terms.salt + 1)
    assert channel_id_from_tx(credits, tx) == expected.channel_id
    assert ReceiptDomain.from_contract(credits).verifying_contract == credits.address


def test_channel_terms__channel_id__keccak_of_abi_encoded_terms():
    consumer, gateway = "0x" + "11" * 20, "0x" + "22" * 20
    terms = ChannelTerms(consumer, gateway, 3, 2**200)
    encoded = encode(["address", "address", "uint256", "uint256"], [consumer, gateway, 3, 2**200])
    assert terms.channel_id == int.from_bytes(keccak(encoded), "big")
    assert terms.as_args() == (terms.consumer, terms.gateway, 3, 2**200)
    assert ChannelTerms(consumer, gateway, 3, 1).channel_id != terms.channel_id


def test_channel_from_state__answers__terms_and_state_consumer_signs_when_none_recorded():
    terms = ChannelTerms("0x" + "11" * 20, "0x" + "22" * 20, 3, 1)
    open_ = Channel.from_state(terms, (10, 4, 2_000, ZERO_ADDRESS))
    assert (open_.channel_id, open_.model_id, open_.salt) == (terms.channel_id, 3, 1)
    assert (open_.deposit, open_.settled, open_.expiry) == (10, 4, 2_000)
    assert open_.exists and not open_.closed and open_.signer == terms.consumer
    assert open_.terms == terms and open_.signs(terms.consumer)
    assert open_.phase(1_999, 100) == ChannelPhase.OPEN
    signer = "0x" + "33" * 20
    assert Channel.from_state(terms, (10, 4, 2_000, signer)).signs(signer)
    assert Channel.from_state(terms, (10, 4, 0, ZERO_ADDRESS)).closed
    never = Channel.from_state(terms, (0, 0, 0, ZERO_ADDRESS))
    assert not never.exists and never.phase(0, 100) == ChannelPhase.UNKNOWN


def test_first_free_salt__opened_salts__lowest_never_opened():
    terms = ChannelTerms("0x" + "11" * 20, "0x" + "22" * 20, 3)
    taken = {terms.channel_id, ChannelTerms(terms.consumer, terms.gateway, 3, 1).channel_id}
    assert first_free_salt(terms, lambda cid: 5 if cid in taken else 0) == 2
    assert first_free_salt(terms, lambda cid: 0) == 0
