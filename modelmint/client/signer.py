"""Who pays and who signs.

An EOA consumer signs receipts with the key that also holds its funds. A smart-wallet
consumer (``modelmint``'s AgentWallet, or any wallet that registered its agent key with
``UsageCredits.setReceiptSigner``) is the channel's consumer; its agent key signs receipts
(the receipt digest itself, ECDSA: the channel records the key at opening, no ERC-1271
wrapping) and access statements, and sends the wallet's transactions through ``execute``:

    >>> signer = Signer.eoa("0x<private key>")
    >>> agent = Signer.smart_wallet(wallet_address, "0x<agent key>")
    >>> agent.address            # the wallet: consumer of channels, holder of credits
    >>> agent.sender             # the agent key's address: pays gas, signs
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

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
        """The paying account: the channel consumer, credit holder and licence holder."""
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
        return sign_digest(digest, self.key)


def _account(key: Any) -> LocalAccount:
    if isinstance(key, LocalAccount):
        return key
    return Account.from_key(key)
