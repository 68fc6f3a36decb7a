"""Who pays and who signs.

An EOA consumer signs receipts with the key that also holds its funds. A smart-wallet
consumer (``modelmint``'s AgentWallet) is the channel's consumer; its agent key sends the
wallet's transactions through ``execute`` and signs:

- receipts directly: a channel opened by the wallet records the key the wallet registered
  with ``UsageCredits.setReceiptSigner`` (the AgentWallet registers its agent key), and
  UsageCredits checks that key's ECDSA signature of the receipt digest (no ERC-1271);
- EIP-712 messages for the wallet (license access statements) in the AgentWallet's wrapped
  form, ``ecdsa || domainSeparator || encodedStruct`` (:func:`wallet_signature`): the wallet's
  ``isValidSignature`` accepts only the (domain, type) pairs its owner allowed
  (``setSignable(*access_signable(chain_id, gateway, model_id), True)``).

    >>> signer = Signer.eoa("0x<private key>")
    >>> agent = Signer.smart_wallet(wallet_address, "0x<agent key>")
    >>> agent.address            # the wallet: consumer of channels, holder of credits
    >>> agent.sender             # the agent key's address: pays gas, signs
    >>> agent.sign_struct(access_domain, statement)   # wrapped for the wallet's ERC-1271
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from modelmint import eip712
from modelmint.receipts import Receipt, ReceiptDomain, SignedReceipt, sign_receipt
from modelmint.signing import sign_digest


@dataclass(frozen=True)
class Signer:
    """``key`` signs; ``wallet`` (when set) is the ERC-1271 account that pays."""

    key: LocalAccount
    wallet: str | None = None

    @classmethod
    def eoa(cls, private_key: Any) -> Signer:
        return cls(_account(private_key))

    @classmethod
    def smart_wallet(cls, wallet: str, agent_key: Any) -> Signer:
        return cls(_account(agent_key), to_checksum_address(wallet))

    @property
    def address(self) -> str:
        """The paying account: the channel consumer, credit holder and license holder."""
        return self.wallet or self.key.address

    @property
    def sender(self) -> str:
        """The address that sends transactions (and pays their gas)."""
        return self.key.address

    @property
    def is_contract(self) -> bool:
        return self.wallet is not None

    def sign_receipt(self, domain: ReceiptDomain, receipt: Receipt) -> SignedReceipt:
        return sign_receipt(domain, receipt, self.key)

    def sign_digest(self, digest: bytes) -> bytes:
        """The key's bare ECDSA signature of ``digest`` (an AgentWallet accepts it for no
        digest: use :meth:`sign_struct` for what the wallet signs)."""
        return sign_digest(digest, self.key)

    def sign_struct(self, domain: eip712.Domain, struct: eip712.TypedStruct) -> bytes:
        """The account's signature of an EIP-712 struct: the key's ECDSA signature of the
        digest for an EOA; for a smart wallet, wrapped so the wallet can check the type it
        signs (:func:`wallet_signature`)."""
        signature = sign_digest(eip712.digest(domain, struct), self.key)
        return wallet_signature(signature, domain, struct) if self.is_contract else signature


def wallet_signature(signature: bytes, domain: eip712.Domain, struct: eip712.TypedStruct) -> bytes:
    """The AgentWallet's ERC-1271 form of the agent key's 65-byte ECDSA ``signature`` of
    ``struct`` under ``domain``: ``signature || domainSeparator || typeHash || member words``.
    The verifier keeps calling ``isValidSignature(digest, this)``."""
    return bytes(signature) + domain.standard.separator() + struct.encode()


def _account(key: Any) -> LocalAccount:
    if isinstance(key, LocalAccount):
        return key
    account: LocalAccount = Account.from_key(key)
    return account
