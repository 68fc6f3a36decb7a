"""EIP-712 signing for ModelShares' permit and delegateBySig in the shares tests."""

from modelmint.dev.testing import DELEGATION_FIELDS, PERMIT_FIELDS
from modelmint.dev.testing import sign_typed as _sign_typed

__all__ = ["DELEGATION_FIELDS", "PERMIT_FIELDS", "sign_typed"]


def sign_typed(chain, shares, signer, primary_type, fields, message):
    """Signs `message`, a `primary_type` struct with `fields` [(name, type)], in the EIP-712
    domain `shares` must use (its name, version "1", the chain id, its address), built here
    rather than read from the token. Returns (v, r, s) as the contract takes them."""
    domain = {
        "name": shares.name(),
        "version": "1",
        "chainId": chain.chain_id,
        "verifyingContract": shares.address,
    }
    return _sign_typed(signer, domain, primary_type, fields, message)
