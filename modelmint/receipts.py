"""EIP-712 metering receipts for Modelmint UsageCredits.

A channel's receipt key signs ``Receipt(uint256 channelId,uint256 cumulativeCredits,uint256 deadline)``
under the domain ``{name: "Modelmint UsageCredits", version: "1", chainId,
verifyingContract}``. The gateway collects the latest receipt per channel and settles it
on-chain with ``UsageCredits.settle([(consumer, modelId, salt, cumulativeCredits, deadline,
signature, chargedCredits)])`` (the channel's terms with the gateway as caller name the
channel, ``channelId = keccak256(abi.encode(consumer, gateway, modelId, salt))``): the signed
``cumulativeCredits`` is a ceiling, ``chargedCredits`` (at most the ceiling) is the gateway's
actual cumulative charge and is what settles.

The same code is used by the tests, the demo and integrators (gateways, SDKs):

    >>> domain = ReceiptDomain(chain_id=1, verifying_contract="0x...")
    >>> terms = ChannelTerms(my_address, gateway, model_id, salt=0)
    >>> receipt = Receipt(channel_id=terms.channel_id, cumulative_credits=1_000, deadline=1_900_000_000)
    >>> signed = sign_receipt(domain, receipt, private_key)     # or a LocalAccount / ape account
    >>> assert recover_signer(domain, signed) == my_address
    >>> usage_credits.settle([signed.settle_args(terms)], sender=gateway)   # charge = ceiling
    >>> usage_credits.settle([signed.settle_args(terms, charged=740)], sender=gateway)

Signatures are 65 bytes ``r || s || v`` with ``v`` in {27, 28} and a low ``s``, which is
what the contract's ECDSA check accepts. The key is the channel's consumer or the receipt
signer the channel recorded at opening (``UsageCredits.channel(id).signer``: the account's
``receiptSigner``, registered with ``setReceiptSigner``). A smart-wallet consumer has no key
of its own: its registered key (an AgentWallet's agent key) signs the receipt digest
directly, with no ERC-1271 wrapping, and the contract never asks the wallet, so a served
receipt stays valid whatever the wallet does afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data

from modelmint.credits import ChannelTerms
from modelmint.eip712 import EIP712_DOMAIN_TYPE as EIP712_DOMAIN_TYPE
from modelmint.eip712 import Address, Bytes32, Eip712Domain, TypedStruct, Uint256, digest
from modelmint.eip712 import typed_data as typed_data
from modelmint.hashing import keccak
from modelmint.signing import SECP256K1_N as SECP256K1_N
from modelmint.signing import encode_signature as encode_signature
from modelmint.signing import is_low_s as is_low_s
from modelmint.signing import recover_digest
from modelmint.signing import split_signature as split_signature

DOMAIN_NAME = "Modelmint UsageCredits"
DOMAIN_VERSION = "1"


@dataclass(frozen=True)
class ReceiptDomain(Eip712Domain):
    """The EIP-712 domain of one UsageCredits deployment on one chain."""

    name: str = DOMAIN_NAME
    version: str = DOMAIN_VERSION

    @classmethod
    def from_contract(cls, contract: Any) -> ReceiptDomain:
        """Reads the domain from a deployed contract's ERC-5267 ``eip712Domain()``."""
        return cls.from_fields(contract.eip712Domain())

    @classmethod
    def from_fields(cls, fields: Any) -> ReceiptDomain:
        """The domain of an ERC-5267 ``eip712Domain()`` answer: ``(fields, name, version,
        chainId, verifyingContract, salt, extensions)``."""
        return cls(
            chain_id=int(fields[3]),
            verifying_contract=str(fields[4]),
            name=fields[1],
            version=fields[2],
        )


@dataclass(frozen=True)
class Receipt(TypedStruct):
    """A consumer's statement: "channel ``channel_id`` has used ``cumulative_credits`` in
    total; settle this before ``deadline`` (unix seconds)". The id is its terms' hash
    (:attr:`modelmint.credits.ChannelTerms.channel_id`)."""

    channel_id: Uint256
    cumulative_credits: Uint256
    deadline: Uint256


RECEIPT_TYPE = Receipt.eip712_type()


@dataclass(frozen=True)
class OpenChannelIntent(TypedStruct):
    """A consumer's signed intent to open a channel that anyone submits
    (``UsageCredits.openChannelWithAuthorization``), paid by the consumer's ERC-3009
    ``receiveWithAuthorization`` of ``credits * creditValue`` to the contract with validAfter 0,
    validBefore ``deadline`` and this ``nonce``. ``receipt_signer`` is the key that signs the
    channel's receipts (the zero address: the consumer). The channel is the one of the terms
    (consumer, gateway, model_id, salt)."""

    consumer: Address
    model_id: Uint256
    gateway: Address
    salt: Uint256
    credits: Uint256
    expiry: Uint256
    receipt_signer: Address
    nonce: Bytes32
    deadline: Uint256


@dataclass(frozen=True)
class TopUpIntent(TypedStruct):
    """A consumer's signed intent to buy ``credits`` into its channel (named by its terms:
    consumer, gateway, model_id, salt) and move its expiry
    (``UsageCredits.topUpChannelWithAuthorization``), paid as for :class:`OpenChannelIntent`."""

    consumer: Address
    gateway: Address
    model_id: Uint256
    salt: Uint256
    credits: Uint256
    expiry: Uint256
    nonce: Bytes32
    deadline: Uint256


@dataclass(frozen=True)
class CooperativeClose(TypedStruct):
    """ "Channel ``channel_id`` closes having charged ``charged_credits`` in total": signed by
    one party of the channel and submitted by the other to
    ``UsageCredits.closeChannelCooperatively`` (the gateway signs its final total; the
    consumer, or its receipt signer, signs to let the gateway submit)."""

    channel_id: Uint256
    charged_credits: Uint256


@dataclass(frozen=True)
class SignedReceipt:
    receipt: Receipt
    signature: bytes

    def settle_args(
        self, terms: ChannelTerms, charged: int | None = None
    ) -> tuple[str, int, int, int, int, bytes, int]:
        """The ``SettleArgs`` tuple ``settle`` takes: ``(consumer, modelId, salt,
        cumulativeCredits, deadline, signature, chargedCredits)`` for the channel of
        ``terms`` (whose id the receipt must name; the gateway is the caller).

        ``charged`` is the gateway's cumulative charge for the channel (dynamic pricing); it
        defaults to the signed ceiling and must not exceed it (the contract rejects it with
        ``UsageCreditsChargeAboveCeiling``, checked here first):

            >>> signed.settle_args(terms, charged=740)   # signed up to 1,000; 740 settles
        """
        r = self.receipt
        _check_terms(terms, r.channel_id)
        if charged is None:
            charged = r.cumulative_credits
        if not 0 <= charged <= r.cumulative_credits:
            raise ValueError(
                f"charged {charged} outside 0..{r.cumulative_credits} (the signed ceiling)"
            )
        return (
            terms.consumer,
            terms.model_id,
            terms.salt,
            r.cumulative_credits,
            r.deadline,
            self.signature,
            charged,
        )

    def verify_args(self, terms: ChannelTerms) -> tuple[tuple[str, str, int, int], int, int, bytes]:
        """The arguments of ``UsageCredits.verifyReceipt``: ``(terms, cumulativeCredits,
        deadline, signature)``."""
        r = self.receipt
        _check_terms(terms, r.channel_id)
        return (terms.as_args(), r.cumulative_credits, r.deadline, self.signature)

    def to_json(self) -> dict[str, Any]:
        """The receipts-file entry a gateway stores (see scripts/settle_receipts.py)."""
        r = self.receipt
        return {
            "channel_id": str(int(r.channel_id)),
            "cumulative_credits": r.cumulative_credits,
            "deadline": r.deadline,
            "signature": "0x" + self.signature.hex(),
        }

    @classmethod
    def from_json(cls, entry: dict[str, Any]) -> SignedReceipt:
        signature = entry["signature"]
        return cls(
            Receipt(
                int(entry["channel_id"]), int(entry["cumulative_credits"]), int(entry["deadline"])
            ),
            bytes.fromhex(signature[2:] if signature.startswith("0x") else signature),
        )


def _check_terms(terms: ChannelTerms, channel_id: int) -> None:
    if (why := terms.mismatch(channel_id)) is not None:
        raise ValueError(why)


def signable_message(domain: ReceiptDomain, receipt: Receipt) -> SignableMessage:
    return encode_typed_data(full_message=typed_data(domain, receipt))


def receipt_digest(domain: ReceiptDomain, receipt: Receipt) -> bytes:
    """The 32-byte digest the contract verifies (``UsageCredits.receiptDigest``):
    ``eip712.digest(domain, receipt)`` with the receipt's three words written directly (a
    gateway computes one per paid call)."""
    values = (receipt.channel_id, receipt.cumulative_credits, receipt.deadline)
    if not all(0 <= v < 2**256 for v in values):
        return digest(domain, receipt)  # the generic encoder's error
    words = _RECEIPT_TYPE_HASH + b"".join(v.to_bytes(32, "big") for v in values)
    return keccak(domain.standard.prefix() + keccak(words))


_RECEIPT_TYPE_HASH = Receipt.type_hash()


def sign_receipt(domain: ReceiptDomain, receipt: Receipt, signer: Any) -> SignedReceipt:
    """Signs ``receipt``. ``signer`` is a private key (hex str or bytes), an eth_account
    ``LocalAccount``, or an ape account (anything with ``sign_message(SignableMessage)``
    returning an object with ``v``, ``r``, ``s``)."""
    return SignedReceipt(receipt, sign_struct(domain, receipt, signer))


def sign_struct(domain: ReceiptDomain, struct: TypedStruct, signer: Any) -> bytes:
    """The 65-byte signature of any struct of the UsageCredits domain (a receipt, an intent, a
    cooperative close) by ``signer`` (as :func:`sign_receipt` takes it)."""
    message = encode_typed_data(full_message=typed_data(domain, struct))
    if isinstance(signer, bytes | str):
        signed = Account.sign_message(message, signer)
        v, r, s = signed.v, signed.r, signed.s
    elif hasattr(signer, "key") and hasattr(signer, "sign_message"):  # eth_account LocalAccount
        signed = signer.sign_message(message)
        v, r, s = signed.v, signed.r, signed.s
    elif hasattr(signer, "sign_message"):  # ape AccountAPI
        sig = signer.sign_message(message)
        if sig is None:
            raise ValueError(f"{signer!r} cannot sign EIP-712 messages")
        v, r, s = sig.v, int.from_bytes(bytes(sig.r), "big"), int.from_bytes(bytes(sig.s), "big")
    else:
        raise TypeError(f"unsupported signer {type(signer).__name__}")
    return encode_signature(v, r, s)


def recover_signer(domain: ReceiptDomain, signed: SignedReceipt) -> str | None:
    """The address whose key produced ``signed``, or ``None`` if the signature is malformed
    or high-s (the contract rejects those; :func:`modelmint.signing.signature_fault`).
    Checksummed."""
    return recover_digest(receipt_digest(domain, signed.receipt), signed.signature)


def verify_receipt(domain: ReceiptDomain, signed: SignedReceipt, consumer: str) -> bool:
    """Off-chain check a gateway runs before serving a call: is ``signed`` an ECDSA receipt
    by ``consumer`` (pass the channel's recorded signer to check that key instead)?"""
    signer = recover_signer(domain, signed)
    return signer is not None and signer.lower() == str(consumer).lower()


def channel_id_from_tx(usage_credits: Any, tx: Any) -> int:
    """The id of the channel opened by ``tx`` (an ape receipt of ``openChannel``), read from
    its ``ChannelOpened`` event."""
    logs = tx.decode_logs(usage_credits.ChannelOpened)
    if len(logs) != 1:
        raise ValueError(f"expected one ChannelOpened event, found {len(logs)}")
    return int(logs[0].channelId)
