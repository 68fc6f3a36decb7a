"""On-chain operations of a consumer, with web3.py and the exported ABIs (no ape).

    >>> chain = CreditsChain(Web3(HTTPProvider(rpc)), credits_address)
    >>> terms = chain.buy_and_open(signer, model_id, gateway, 100, expiry)  # lowest free salt
    >>> chain.free_salt(signer.address, gateway, model_id)    # the salt the next one takes
    >>> chain.channel(terms).settled                    # the id is terms.channel_id
    >>> chain.top_up(signer, terms, 50, new_expiry)
    >>> chain.close_channel(signer, terms)              # after expiry + GRACE_PERIOD
    >>> chain.redeem(signer, model_id, 150)

A smart-wallet signer's transactions go through the wallet's ``execute`` (sent and paid
for by its agent key); an AgentWallet refuses them, with its named error, unless its owner
listed the model and gateway and the budget of the model's asset covers the call. ``buy_and_open`` / ``buy_and_top_up`` use ``buyAndOpenChannel`` /
``buyAndTopUpChannel`` when the deployed ABI has them, else ``buyCredits`` first. Reverts raise
:class:`TransactionFailed` carrying the contract's custom error, decoded by
:mod:`modelmint.reverts` (an AgentWallet's ``AgentWalletCallFailed`` unwrapped).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from eth_utils import to_checksum_address
from web3 import Web3
from web3.logs import DISCARD as _DISCARD

from modelmint.abi import load_abi
from modelmint.client.errors import TransactionFailed
from modelmint.client.signer import Signer
from modelmint.client.tx import TxResult, send
from modelmint.credits import Channel, ChannelTerms, CreditTerms
from modelmint.receipts import ReceiptDomain


class CreditsChain:
    """One UsageCredits deployment seen from one consumer's side."""

    def __init__(self, w3: Web3, credits_address: str, *, confirm_timeout: float = 120.0):
        self.w3 = w3
        self.address = to_checksum_address(credits_address)
        self.contract = w3.eth.contract(address=self.address, abi=load_abi("UsageCredits"))
        self.confirm_timeout = confirm_timeout
        self.gas_used: list[tuple[str, int]] = []  # (operation, gas) of every transaction sent

    # ------------------------------------------------------------------ reads
    @cached_property
    def chain_id(self) -> int:
        return int(self.w3.eth.chain_id)

    @cached_property
    def grace_period(self) -> int:
        return int(self.contract.functions.GRACE_PERIOD().call())

    @cached_property
    def domain(self) -> ReceiptDomain:
        return ReceiptDomain.from_fields(self.contract.functions.eip712Domain().call())

    @property
    def has_buy_and_open(self) -> bool:
        return any(e.get("name") == "buyAndOpenChannel" for e in self.contract.abi)

    @property
    def has_buy_and_top_up(self) -> bool:
        return any(e.get("name") == "buyAndTopUpChannel" for e in self.contract.abi)

    def now(self) -> int:
        """The latest block's timestamp: the clock channels and deadlines are judged by."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def channel(self, terms: ChannelTerms) -> Channel:
        """The channel of ``terms`` (``exists`` is False for terms never opened)."""
        raw = self.contract.functions.channel(terms.channel_id).call()
        return Channel.from_state(terms, raw)

    def free_salt(
        self, consumer: str, gateway: str, model_id: int, used: frozenset[int] = frozenset()
    ) -> int:
        """The lowest salt whose channel (``consumer``, ``gateway``, ``model_id``, salt) was
        never opened: a closed channel keeps its slot, so its terms can never open again.
        Salts in ``used`` are known to be taken and are not read."""
        salt = 0
        while salt in used or self.channel(ChannelTerms(consumer, gateway, model_id, salt)).exists:
            salt += 1
        return salt

    def channels_at(self, consumer: str, gateway: str, model_id: int) -> list[Channel]:
        """The channels of ``consumer`` to ``gateway`` for ``model_id``, found by walking the
        salts from 0 up to the first never opened (how a client that lost its state finds
        them from a 402 alone)."""
        found: list[Channel] = []
        while True:
            c = self.channel(ChannelTerms(consumer, gateway, model_id, len(found)))
            if not c.exists:
                return found
            found.append(c)

    def terms(self, model_id: int) -> CreditTerms:
        return CreditTerms.from_call(self.contract.functions.modelCredits(model_id).call())

    def balance(self, account: str, model_id: int) -> int:
        """Free (unlocked) credits of ``account``."""
        return int(self.contract.functions.balanceOf(to_checksum_address(account), model_id).call())

    def verify_receipt(
        self, terms: ChannelTerms, cumulative: int, deadline: int, signature: bytes
    ) -> bool:
        """The contract's own check (ECDSA by the channel's consumer or recorded signer)."""
        return bool(
            self.contract.functions.verifyReceipt(
                terms.as_args(), cumulative, deadline, bytes(signature)
            ).call()
        )

    def receipt_signer(self, account: str) -> str:
        """The receipt signer ``account`` registered (the zero address if none): the key
        its channels opened from now on record."""
        return to_checksum_address(
            self.contract.functions.receiptSigner(to_checksum_address(account)).call()
        )

    def channels_of(self, consumer: str, from_block: int = 0) -> list[ChannelTerms]:
        """The terms of every channel ``consumer`` opened, to any gateway (from
        ``ChannelOpened`` logs, which carry them)."""
        logs = self.contract.events.ChannelOpened().get_logs(
            from_block=from_block, argument_filters={"consumer": to_checksum_address(consumer)}
        )
        return [
            ChannelTerms(a["consumer"], a["gateway"], int(a["modelId"]), int(a["salt"]))
            for a in (log["args"] for log in logs)
        ]

    # ------------------------------------------------------------------ writes
    def buy_credits(self, signer: Signer, model_id: int, credits: int) -> TxResult:
        terms = self.terms(model_id)
        value = self._prepare_payment(signer, terms, credits)
        call = self.contract.functions.buyCredits(model_id, credits, signer.address)
        return self._send(signer, "buyCredits", call, value)

    def open_channel(
        self, signer: Signer, terms: ChannelTerms, credits: int, expiry: int
    ) -> ChannelTerms:
        """Locks ``credits`` free credits into the channel of ``terms`` (whose consumer is the
        signer's account: see :meth:`free_salt` for the salt); its terms."""
        call = self.contract.functions.openChannel(
            terms.model_id, terms.gateway, terms.salt, credits, expiry
        )
        return self._opened(self._send(signer, "openChannel", call))

    def buy_and_open(
        self,
        signer: Signer,
        model_id: int,
        gateway: str,
        credits: int,
        expiry: int,
        *,
        salt: int | None = None,
    ) -> ChannelTerms:
        """Buys ``credits`` and locks them into a new channel (one transaction when the
        deployment has ``buyAndOpenChannel``); its terms."""
        salt = self._salt(signer, gateway, model_id, salt)
        if not self.has_buy_and_open:
            self.buy_credits(signer, model_id, credits)
            opening = ChannelTerms(signer.address, gateway, model_id, salt)
            return self.open_channel(signer, opening, credits, expiry)
        terms = self.terms(model_id)
        value = self._prepare_payment(signer, terms, credits)
        call = self.contract.functions.buyAndOpenChannel(
            model_id, to_checksum_address(gateway), salt, credits, expiry
        )
        return self._opened(self._send(signer, "buyAndOpenChannel", call, value))

    def top_up(
        self, signer: Signer, terms: ChannelTerms, credits: int, new_expiry: int
    ) -> TxResult:
        call = self.contract.functions.topUpChannel(terms.as_args(), credits, new_expiry)
        return self._send(signer, "topUpChannel", call)

    def buy_and_top_up(
        self, signer: Signer, terms: ChannelTerms, credits: int, new_expiry: int
    ) -> TxResult:
        """Buys ``credits`` and adds them to the channel, extending it to ``new_expiry`` (one
        transaction when the deployment has ``buyAndTopUpChannel``)."""
        if not self.has_buy_and_top_up:
            self.buy_credits(signer, terms.model_id, credits)
            return self.top_up(signer, terms, credits, new_expiry)
        value = self._prepare_payment(signer, self.terms(terms.model_id), credits)
        call = self.contract.functions.buyAndTopUpChannel(terms.as_args(), credits, new_expiry)
        return self._send(signer, "buyAndTopUpChannel", call, value)

    def close_channel(self, signer: Signer, terms: ChannelTerms) -> int:
        """Closes an expired channel; returns the credits refunded to the free balance."""
        call = self.contract.functions.closeChannel(terms.as_args())
        tx = self._send(signer, "closeChannel", call)
        events = self.contract.events.ChannelClosed().process_receipt(
            {"logs": list(tx.logs)}, errors=_DISCARD
        )
        return int(events[0]["args"]["refundedCredits"]) if events else 0

    def redeem(self, signer: Signer, model_id: int, credits: int) -> int:
        """Redeems free credits for their value (paid to the consumer); returns the value."""
        call = self.contract.functions.redeem(model_id, credits, signer.address)
        tx = self._send(signer, "redeem", call)
        events = self.contract.events.CreditsRedeemed().process_receipt(
            {"logs": list(tx.logs)}, errors=_DISCARD
        )
        return int(events[0]["args"]["value"]) if events else 0

    # ------------------------------------------------------------------ plumbing
    def _salt(self, signer: Signer, gateway: str, model_id: int, salt: int | None) -> int:
        return self.free_salt(signer.address, gateway, model_id) if salt is None else salt

    def _prepare_payment(self, signer: Signer, terms: CreditTerms, credits: int) -> int:
        """The ETH value to send; for an ERC-20 model, approves the exact amount first (an
        EOA) unless the allowance already covers it: a purchase that failed after its approval
        (the gateway not allowed, the sale closed) leaves the allowance, and its re-run sends
        no second approval. A smart wallet's agent cannot approve: the wallet's owner approves
        UsageCredits once, and the wallet charges each purchase to the agent's budget."""
        amount = credits * terms.credit_value
        if int(terms.asset, 16) == 0:
            return amount
        if signer.is_contract:
            return 0
        token = self.w3.eth.contract(
            address=to_checksum_address(terms.asset), abi=load_abi("ERC20")
        )
        if token.functions.allowance(signer.address, self.address).call() < amount:
            self._send(signer, "approve", token.functions.approve(self.address, amount))
        return 0

    def _opened(self, tx: TxResult) -> ChannelTerms:
        """The terms of the channel a transaction opened (its ``ChannelOpened`` event)."""
        events = self.contract.events.ChannelOpened().process_receipt(
            {"logs": list(tx.logs)}, errors=_DISCARD
        )
        if len(events) != 1:
            raise TransactionFailed("expected one ChannelOpened event", tx=tx.tx_hash)
        a = events[0]["args"]
        return ChannelTerms(a["consumer"], a["gateway"], int(a["modelId"]), int(a["salt"]))

    def _send(self, signer: Signer, label: str, call: Any, value: int = 0) -> TxResult:
        if signer.wallet is not None:
            wallet = self.w3.eth.contract(
                address=to_checksum_address(signer.wallet), abi=load_abi("AgentWallet")
            )
            data = call._encode_transaction_data()
            call = wallet.functions.execute(call.address, value, data)
            value = 0
        tx = send(self.w3, signer.key, call, label=label, value=value, timeout=self.confirm_timeout)
        self.gas_used.append((label, tx.gas_used))
        return tx


def allowed_gateways(registry: Any, model_id: int) -> list[str]:
    """The gateways the model's current owner allows now: every address a ``GatewaySet`` log
    of the model names, kept if ``isGateway`` still holds (``registry`` is a web3 contract)."""
    logs = registry.events.GatewaySet().get_logs(
        from_block=0, argument_filters={"modelId": model_id}
    )
    named = dict.fromkeys(to_checksum_address(log["args"]["gateway"]) for log in logs)
    return [g for g in named if registry.functions.isGateway(model_id, g).call()]
