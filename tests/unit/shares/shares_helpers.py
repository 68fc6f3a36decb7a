"""EIP-712 signing for ModelShares' permit and delegateBySig in the shares tests."""

from eth_account import Account
from eth_account.messages import encode_typed_data

PERMIT_FIELDS = [
    ("owner", "address"),
    ("spender", "address"),
    ("value", "uint256"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
]
DELEGATION_FIELDS = [("delegatee", "address"), ("nonce", "uint256"), ("expiry", "uint256")]


def sign_typed(chain, shares, signer, primary_type, fields, message):
    """Signs `message`, a `primary_type` struct with `fields` [(name, type)], in `shares`' EIP-712
    domain (its name, version "1", the chain id, its address). Returns (v, r, s) as the contract
    takes them."""
    typed = encode_typed_data(
        domain_data={
            "name": shares.name(),
            "version": "1",
            "chainId": chain.chain_id,
            "verifyingContract": shares.address,
        },
        message_types={primary_type: [{"name": n, "type": t} for n, t in fields]},
        message_data=message,
    )
    sig = Account.sign_message(typed, signer.private_key)
    return sig.v, sig.r.to_bytes(32, "big"), sig.s.to_bytes(32, "big")
