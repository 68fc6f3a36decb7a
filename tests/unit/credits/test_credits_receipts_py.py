"""modelmint.receipts off-chain: signing with every supported signer, recovery, encoding.
(The on-chain agreement is in test_settle.py: receiptDigest, verifyReceipt, settle.)"""

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import keccak
from hypothesis import given
from hypothesis import strategies as st

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
    assert sign_receipt(DOMAIN, Receipt(1, 2, 3), KEY).settle_args()[:3] == (1, 2, 3)


def test_sign_receipt__unsupported_signer__raises():
    with pytest.raises(TypeError):
        sign_receipt(DOMAIN, Receipt(1, 2, 3), 12345)


def test_channel_id_from_tx__open_channel__reads_event(
    credits, open_channel, consumer, gateway, buy, chain
):
    buy(consumer, 5)
    expected = credits.nextChannelId()
    tx = credits.openChannel(
        credits.channel(open_channel(consumer, 1)).modelId,
        gateway,
        5,
        chain.pending_timestamp + 60,
        sender=consumer,
    )
    assert channel_id_from_tx(credits, tx) == expected + 1
    assert ReceiptDomain.from_contract(credits).verifying_contract == credits.address
