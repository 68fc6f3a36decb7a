"""One signer-recovery path (modelmint.signing) with the contracts' rules: 65 bytes, v in
{27, 28}, 0 < r < N, 0 < s <= N / 2. Receipts, access statements and provenance recover
through it, so each rejects the same signatures."""

import pytest
from eth_account import Account

from modelmint.access import (
    AccessDomain,
    AccessStatement,
    SignedStatement,
    recover_statement_signer,
    sign_statement,
)
from modelmint.receipts import Receipt, ReceiptDomain, SignedReceipt, recover_signer, sign_receipt
from modelmint.signing import (
    SECP256K1_N,
    SignatureFault,
    encode_signature,
    recover_address,
    recover_well_formed,
    sign_digest,
    signature_fault,
    split_signature,
)

SIGNER = Account.from_key(b"\x01" * 32)
DIGEST = b"\x42" * 32
RECEIPTS = ReceiptDomain(chain_id=31337, verifying_contract="0x" + "22" * 20)
ACCESS = AccessDomain(chain_id=31337, gateway="0x" + "33" * 20, model_id=1)


def _broken(signature: bytes, fault: SignatureFault) -> bytes:
    v, r, s = split_signature(signature)
    return {
        SignatureFault.LENGTH: signature[:64],
        SignatureFault.V: signature[:64] + bytes([v - 27]),  # 0/1 instead of 27/28
        SignatureFault.R: encode_signature(v, 0, s),
        SignatureFault.S: encode_signature(v, r, 0),
        SignatureFault.HIGH_S: encode_signature(55 - v, r, SECP256K1_N - s),  # same point
    }[fault]


def test_signature_fault__own_signature__none():
    signature = sign_digest(DIGEST, SIGNER.key)
    assert signature_fault(signature) is None
    assert recover_address(DIGEST, signature) == bytes.fromhex(SIGNER.address[2:])


@pytest.mark.parametrize("fault", list(SignatureFault))
def test_signature_fault__broken_signature__named_and_not_recovered(fault):
    broken = _broken(sign_digest(DIGEST, SIGNER.key), fault)
    assert signature_fault(broken) is fault
    assert recover_address(DIGEST, broken) is None


def test_signature_fault__wrong_lengths__length():
    signature = sign_digest(DIGEST, SIGNER.key)
    for wrong in (b"", signature[:-1], signature + b"\x00", signature * 2):
        assert signature_fault(wrong) is SignatureFault.LENGTH


@pytest.mark.parametrize("fault", list(SignatureFault))
def test_recover_signer__receipt_with_broken_signature__none(fault):
    signed = sign_receipt(RECEIPTS, Receipt(7, 10, 2_000_000_000), SIGNER.key)
    assert recover_signer(RECEIPTS, signed) == SIGNER.address
    broken = SignedReceipt(signed.receipt, _broken(signed.signature, fault))
    assert recover_signer(RECEIPTS, broken) is None


@pytest.mark.parametrize("fault", list(SignatureFault))
def test_recover_statement_signer__broken_signature__none(fault):
    statement = AccessStatement.new(SIGNER.address, model_id=1, version=1, now=1_000)
    signed = sign_statement(ACCESS, statement, SIGNER.key)
    assert recover_statement_signer(ACCESS, signed) == SIGNER.address
    broken = SignedStatement(statement, _broken(signed.signature, fault))
    assert recover_statement_signer(ACCESS, broken) is None


@pytest.mark.parametrize("seed", range(8))
def test_recover_address__libsecp256k1_direct__same_signer_as_eth_account(seed):
    account = Account.from_key(bytes([seed + 2]) * 32)
    digest = bytes([seed]) * 32
    signature = sign_digest(digest, account)
    expected = Account._recover_hash(digest, signature=signature)  # noqa: SLF001
    assert recover_address(digest, signature) == bytes.fromhex(account.address[2:])
    assert account.address == expected


def test_recover_address__other_recovery_id__another_address_or_none():
    signature = sign_digest(DIGEST, SIGNER)
    flipped = signature[:64] + bytes([55 - signature[64]])  # 27 <-> 28
    assert recover_address(DIGEST, flipped) != bytes.fromhex(SIGNER.address[2:])


@pytest.mark.parametrize("v", [0, 26, 31, 255])
def test_recover_well_formed__recovery_id_outside_range__none(v):
    signature = sign_digest(DIGEST, SIGNER)
    assert recover_well_formed(DIGEST, signature[:64] + bytes([v])) is None


@pytest.mark.parametrize("length", [0, 64, 66])
def test_recover_well_formed__wrong_length__none(length):
    signature = (sign_digest(DIGEST, SIGNER) + b"\x1b")[:length]
    assert recover_well_formed(DIGEST, signature) is None
