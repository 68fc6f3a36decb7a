"""The fast signing path (libsecp256k1) agrees with eth-account byte for byte."""

from eth_account import Account
from hypothesis import given
from hypothesis import strategies as st

from modelmint.receipts import SECP256K1_N, encode_signature, split_signature
from modelmint.signing import recover_address, recover_digest, sign_digest

SIGNER = Account.create()


@given(digest=st.binary(min_size=32, max_size=32))
def test_sign_digest__any_digest__same_as_eth_account(digest):
    signature = sign_digest(digest, SIGNER.key)
    reference = Account.unsafe_sign_hash(digest, SIGNER.key)
    assert signature == encode_signature(reference.v, reference.r, reference.s)
    assert recover_digest(digest, signature) == SIGNER.address


@given(digest=st.binary(min_size=32, max_size=32))
def test_recover_address__high_s_or_bad_v__none(digest):
    v, r, s = split_signature(sign_digest(digest, SIGNER.key))
    assert recover_address(digest, encode_signature(55 - v, r, SECP256K1_N - s)) is None
    assert recover_address(digest, encode_signature(v, r, s)[:64] + bytes([29])) is None
    assert recover_address(digest, b"\x00" * 65) is None
