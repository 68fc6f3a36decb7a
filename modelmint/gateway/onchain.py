"""The gateway's reads and writes on chain, with web3.py and the exported ABIs.

Every failure to reach the node raises :class:`ChainUnavailable` (answered ``503
rpc_unavailable``: entitlement checks fail closed). A revert is a :class:`ChainReverted`
carrying the decoded error (:func:`modelmint.reverts.revert_of`: name and arguments).

    >>> chain = Chain.connect("http://127.0.0.1:8545", record)     # record: modelmint.records
    >>> chain.channel(ChannelTerms(consumer, gateway, model_id, salt))  # cached by the ledger
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_typing import HexStr
from eth_utils import to_checksum_address
from web3 import Web3
from web3.exceptions import ContractLogicError

from modelmint.abi import load_abi
from modelmint.credits import Channel, ChannelTerms, CreditTerms
from modelmint.gateway.errors import ChainReverted, ChainUnavailable, StartupError
from modelmint.receipts import ReceiptDomain
from modelmint.records import Record
from modelmint.reverts import Revert, revert_of


@dataclass(frozen=True)
class ModelFacts:
    """What the gateway learns about its model at start."""

    model_id: int
    version: int
    version_hash: bytes
    payment_asset: str
    credit_value: int
    grace_period: int
    receipt_domain: ReceiptDomain


# What a node answers when the nonce a send read was taken meanwhile by another sender of the
# same key (another gateway process on it relaying or settling; geth, anvil and reth wordings).
_NONCE_TAKEN = re.compile(
    r"nonce too low|already known|replacement transaction underpriced|nonce has already been used",
    re.IGNORECASE,
)
# Sends of one transaction, each with a freshly read nonce, before a taken nonce is an error.
NONCE_ATTEMPTS = 3


def _wrap(call: Any) -> Any:
    try:
        return call()
    except ContractLogicError as exc:
        raise ChainReverted(revert_of(exc) or Revert(None, (), b"")) from exc
    except (ChainReverted, ChainUnavailable):
        raise
    except Exception as exc:  # connection refused, timeout, bad JSON: fail closed
        raise ChainUnavailable(f"{type(exc).__name__}: {exc}") from exc


class Chain:
    """Thin typed wrapper over the three contracts the gateway talks to."""

    def __init__(self, w3: Web3, addresses: dict[str, str]):
        self.w3 = w3
        self.credits = w3.eth.contract(
            address=to_checksum_address(addresses["UsageCredits"]), abi=load_abi("UsageCredits")
        )
        self.registry = w3.eth.contract(
            address=to_checksum_address(addresses["ModelRegistry"]),
            abi=load_abi("ModelRegistry"),
        )
        licenses = addresses.get("LicenseManager")
        self.licenses = (
            w3.eth.contract(address=to_checksum_address(licenses), abi=load_abi("LicenseManager"))
            if licenses
            else None
        )
        # Serialises the gateway's sends (settlements, relayed opens and closes) from one key:
        # each reads the pending nonce and broadcasts before the next reads it. Other processes
        # on the same key are not serialised by it: ``_send_with_nonce`` reads again.
        self.send_lock = threading.Lock()

    def _send_with_nonce(self, account: Any, send: Callable[[int], Any]) -> Any:
        """``send(nonce)`` with the key's pending nonce, under the send lock; when the node
        answers that another sender of the key took that nonce meanwhile (replicas on one key:
        one relays while another settles), the nonce is read again and the transaction sent
        again, up to ``NONCE_ATTEMPTS`` times."""
        with self.send_lock:
            attempt = 1
            while True:
                nonce = self.w3.eth.get_transaction_count(account.address, "pending")
                try:
                    return send(nonce)
                except ContractLogicError:  # a revert is never retried (its text may say nonce)
                    raise
                except Exception as exc:
                    if attempt == NONCE_ATTEMPTS or not _NONCE_TAKEN.search(str(exc)):
                        raise
                    attempt += 1

    @classmethod
    def connect(cls, rpc_url: str, record: Record, timeout: float = 10.0) -> Chain:
        w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))
        addresses = {}
        for name in ("UsageCredits", "ModelRegistry", "LicenseManager"):
            address = record.address_of(name)
            if address:
                addresses[name] = address
        missing = {"UsageCredits", "ModelRegistry"} - set(addresses)
        if missing:
            raise StartupError(f"deployment record {record.path} lacks {sorted(missing)}")
        return cls(w3, addresses)

    # ------------------------------------------------------------------ reads
    def chain_id(self) -> int:
        return int(_wrap(lambda: self.w3.eth.chain_id))

    def now(self) -> int:
        """The latest block's timestamp."""
        return int(_wrap(lambda: self.w3.eth.get_block("latest"))["timestamp"])

    def latest_block(self) -> tuple[int, int]:
        """``(number, timestamp)`` of the latest block."""
        block = _wrap(lambda: self.w3.eth.get_block("latest"))
        return int(block["number"]), int(block["timestamp"])

    def grace_period(self) -> int:
        """``UsageCredits.GRACE_PERIOD()`` (seconds)."""
        return int(_wrap(lambda: self.credits.functions.GRACE_PERIOD().call()))

    def latest_version(self, model_id: int) -> tuple[int, bytes]:
        """``(version, weights hash)`` of the model's latest published version."""
        version, digest = _wrap(lambda: self.registry.functions.latestVersion(model_id).call())
        return int(version), bytes(digest)

    def is_contract(self, address: str) -> bool:
        return len(_wrap(lambda: self.w3.eth.get_code(to_checksum_address(address)))) > 0

    def channel(self, terms: ChannelTerms) -> Channel:
        """The channel of ``terms`` (its id is their hash), with the receipt signer it
        recorded at opening (one call: receipts are then verified locally, whatever kind of
        account the consumer is); ``exists`` is False for terms never opened."""
        raw = _wrap(lambda: self.credits.functions.channel(terms.channel_id).call())
        return Channel.from_state(terms, raw)

    def verify_receipt(
        self, terms: ChannelTerms, cumulative: int, deadline: int, signature: bytes
    ) -> bool:
        """The contract's own signature check (ECDSA by the channel's consumer or signer)."""
        return bool(
            _wrap(
                lambda: self.credits.functions.verifyReceipt(
                    terms.as_args(), cumulative, deadline, signature
                ).call()
            )
        )

    def is_valid_signature(self, account: str, digest: bytes, signature: bytes) -> bool:
        """ERC-1271 ``isValidSignature(digest, signature) == 0x1626ba7e``; a revert is False."""
        wallet = self.w3.eth.contract(address=to_checksum_address(account), abi=_ERC1271_ABI)
        try:
            magic = _wrap(lambda: wallet.functions.isValidSignature(digest, signature).call())
        except ChainReverted:
            return False
        return bytes(magic) == bytes.fromhex("1626ba7e")

    def has_valid_license(
        self, account: str, model_id: int, commercial: bool, version: int
    ) -> bool:
        if self.licenses is None:
            raise ChainUnavailable("the deployment record has no LicenseManager")
        licenses = self.licenses
        try:
            return bool(
                _wrap(
                    lambda: licenses.functions.hasValidLicense(
                        to_checksum_address(account), model_id, commercial, version
                    ).call()
                )
            )
        except ChainReverted:
            return False

    def is_gateway(self, model_id: int, address: str) -> bool:
        return bool(
            _wrap(
                lambda: self.registry.functions.isGateway(
                    model_id, to_checksum_address(address)
                ).call()
            )
        )

    def model_facts(self, model_id: int, version: int = 0) -> ModelFacts:
        """The served version (0 = latest), its weights hash, credit terms and the receipt
        domain (ERC-5267)."""
        if version == 0:
            version, version_hash = _wrap(
                lambda: self.registry.functions.latestVersion(model_id).call()
            )
        else:
            version_hash = _wrap(
                lambda: self.registry.functions.versionHash(model_id, version).call()
            )
        terms = CreditTerms.from_call(
            _wrap(lambda: self.credits.functions.modelCredits(model_id).call())
        )
        grace = self.grace_period()
        fields = _wrap(lambda: self.credits.functions.eip712Domain().call())
        return ModelFacts(
            model_id=model_id,
            version=int(version),
            version_hash=bytes(version_hash),
            payment_asset=terms.asset,
            credit_value=terms.credit_value,
            grace_period=int(grace),
            receipt_domain=ReceiptDomain.from_fields(fields),
        )

    # ------------------------------------------------------------------ settlement
    @staticmethod
    def settle_args(
        terms: ChannelTerms, cumulative: int, deadline: int, signature: bytes, charged: int
    ) -> tuple[Any, ...]:
        """One ``SettleArgs`` tuple: the channel named by its terms (the gateway, the sender,
        is implied), the receipt, and the charged total to settle (``<= cumulative``)."""
        return (
            terms.consumer,
            terms.model_id,
            terms.salt,
            cumulative,
            deadline,
            signature,
            charged,
        )

    def _settle_call(self, args: list[tuple[Any, ...]], sweep: int | None) -> Any:
        """``settle(args)``, or ``settleAndSweep(args, sweep)`` with a model to sweep."""
        if sweep is None:
            return self.credits.functions.settle(args)
        return self.credits.functions.settleAndSweep(args, sweep)

    def simulate_settle(
        self, sender: str, args: list[tuple[Any, ...]], sweep: int | None = None
    ) -> int:
        """``eth_call`` of ``settle(args)`` (``settleAndSweep(args, sweep)`` with a model to
        sweep) from ``sender``; the credits it would settle. Raises ``ChainReverted`` when
        the batch would revert."""
        result = _wrap(lambda: self._settle_call(args, sweep).call({"from": sender}))
        return int(result if sweep is None else result[0])

    def send_settle(
        self,
        account: Any,
        args: list[tuple[Any, ...]],
        nonce: int | None = None,
        bump: int = 0,
        sweep: int | None = None,
    ) -> tuple[str, int]:
        """Signs and broadcasts ``settle(args)`` (``settleAndSweep(args, sweep)`` with a
        model to sweep: its settled revenue goes to the router in the same transaction);
        returns ``(tx hash, nonce)``. ``bump`` raises the tip by 12.5 % (and at least 1 wei)
        per step, for a transaction sent again after an earlier one was dropped."""

        def build(tx_nonce: int) -> tuple[str, int]:
            params: Any = {
                "from": account.address,
                "nonce": tx_nonce,
                "chainId": self.w3.eth.chain_id,
            }
            tx: dict[str, Any] = dict(self._settle_call(args, sweep).build_transaction(params))
            if bump:
                fee_key = "maxPriorityFeePerGas" if "maxPriorityFeePerGas" in tx else "gasPrice"
                old = int(tx[fee_key])
                new = max(old + bump, old * 9**bump // 8**bump)
                tx[fee_key] = new
                if "maxFeePerGas" in tx:
                    tx["maxFeePerGas"] = int(tx["maxFeePerGas"]) + new - old
            signed = account.sign_transaction(tx)
            tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
            return "0x" + bytes(tx_hash).hex(), tx_nonce

        if nonce is not None:  # the same nonce again: replaces the earlier transaction
            with self.send_lock:
                replaced: tuple[str, int] = _wrap(lambda: build(nonce))
            return replaced
        sent: tuple[str, int] = _wrap(lambda: self._send_with_nonce(account, build))
        return sent

    def submit(self, account: Any, call: Any, timeout: float) -> dict[str, Any]:
        """Simulates ``call`` (a bound contract function) from ``account`` (a revert raises
        :class:`ChainReverted` with its decoded error and sends nothing), then signs, sends and
        waits up to ``timeout`` seconds for its receipt; a mined revert is a ``ChainReverted``."""

        def sign_and_send(nonce: int) -> Any:
            params: Any = {"from": account.address, "nonce": nonce, "chainId": self.w3.eth.chain_id}
            signed = account.sign_transaction(dict(call.build_transaction(params)))
            return self.w3.eth.send_raw_transaction(signed.raw_transaction)

        def send() -> Any:
            call.call({"from": account.address})
            return self._send_with_nonce(account, sign_and_send)

        tx_hash = _wrap(send)
        wait = self.w3.eth.wait_for_transaction_receipt
        mined: dict[str, Any] = dict(_wrap(lambda: wait(tx_hash, timeout=timeout)))
        if mined.get("status") != 1:
            raise ChainReverted(Revert(None, (), b""))
        return mined

    def receipt(self, tx_hash: str) -> dict[str, Any] | None:
        """The transaction receipt, or ``None`` while pending or unknown."""
        from web3.exceptions import TransactionNotFound

        try:
            return dict(_wrap(lambda: self.w3.eth.get_transaction_receipt(HexStr(tx_hash))))
        except ChainUnavailable as exc:
            if isinstance(exc.__cause__, TransactionNotFound):
                return None
            raise

    def rejected_receipts(self, receipt: dict[str, Any]) -> list[tuple[int, bytes]]:
        """``(channelId, reason selector)`` of every ``ReceiptRejected`` event of this
        contract in a transaction receipt (the receipts its ``settle`` skipped)."""
        from web3.logs import DISCARD

        events = self.credits.events.ReceiptRejected().process_receipt(receipt, errors=DISCARD)
        return [(int(e["args"]["channelId"]), bytes(e["args"]["reason"])) for e in events]

    def transaction_known(self, tx_hash: str) -> bool:
        from web3.exceptions import TransactionNotFound

        try:
            _wrap(lambda: self.w3.eth.get_transaction(HexStr(tx_hash)))
            return True
        except ChainUnavailable as exc:
            if isinstance(exc.__cause__, TransactionNotFound):
                return False
            raise

    def block_number(self) -> int:
        return int(_wrap(lambda: self.w3.eth.block_number))


_ERC1271_ABI = [
    {
        "type": "function",
        "name": "isValidSignature",
        "stateMutability": "view",
        "inputs": [{"name": "hash", "type": "bytes32"}, {"name": "signature", "type": "bytes"}],
        "outputs": [{"name": "", "type": "bytes4"}],
    }
]
