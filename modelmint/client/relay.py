"""Channels through the gateway's relay (docs/GATEWAY.md, "Gasless channels through the
gateway"): a consumer that holds the model's ERC-3009 token and no ETH signs an open intent and
a token authorization, and the gateway submits them; when it is done it signs a cooperative
close at the charged total and the gateway submits that too (refund at once, in the token).

    >>> relay = GatewayRelay(http, signer)
    >>> relay.applies(chain, terms)            # an ERC-20 model and no ETH to pay gas
    >>> channel = relay.open(chain, terms, model_id, gateway, salt, credits, expiry)
    >>> relay.top_up(chain, terms, channel, credits, expiry)   # more credits, later expiry
    >>> relay.close(chain, channel, charged)       # channel: the ChannelTerms opened
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from eth_utils import to_checksum_address

from modelmint.client.errors import GatewayError, GatewayUnreachable
from modelmint.client.gasless import SignedIntent, gasless_open, gasless_top_up, token_domain
from modelmint.client.onchain import CreditsChain
from modelmint.client.signer import Signer
from modelmint.codec import hex0x
from modelmint.constants import ZERO_ADDRESS
from modelmint.credits import ChannelTerms, CreditTerms
from modelmint.eip712 import Eip712Domain, members
from modelmint.receipts import CooperativeClose
from modelmint.wire import CHANNEL_CLOSE_PATH, CHANNEL_TOP_UP_PATH, CHANNELS_OPEN_PATH

INTENT_VALIDITY = 600  # seconds the gateway has to submit a signed open
_EIP5267_ABI = [
    {
        "type": "function",
        "name": "eip712Domain",
        "stateMutability": "view",
        "inputs": [],
        "outputs": [
            {"name": "fields", "type": "bytes1"},
            {"name": "name", "type": "string"},
            {"name": "version", "type": "string"},
            {"name": "chainId", "type": "uint256"},
            {"name": "verifyingContract", "type": "address"},
            {"name": "salt", "type": "bytes32"},
            {"name": "extensions", "type": "uint256[]"},
        ],
    }
]


@dataclass
class GatewayRelay:
    """The relay routes of the gateway at ``http``'s base URL, for ``signer``'s account."""

    http: httpx.Client
    signer: Signer

    def applies(self, chain: CreditsChain, terms: CreditTerms) -> bool:
        """Open through the gateway: the model is priced in a token, the consumer is a plain
        key (it signs the token authorization) and holds no ETH for gas."""
        return (
            terms.asset != ZERO_ADDRESS
            and not self.signer.is_contract
            and int(chain.w3.eth.get_balance(to_checksum_address(self.signer.sender))) == 0
        )

    def token_domain(self, chain: CreditsChain, asset: str) -> Eip712Domain:
        """The token's EIP-712 domain, read from its EIP-5267 ``eip712Domain()``."""
        token = chain.w3.eth.contract(address=to_checksum_address(asset), abi=_EIP5267_ABI)
        _, name, version, _, _, _, _ = token.functions.eip712Domain().call()
        return token_domain(chain.chain_id, asset, name, version)

    def open(
        self,
        chain: CreditsChain,
        terms: CreditTerms,
        model_id: int,
        gateway: str,
        salt: int,
        credits: int,
        expiry: int,
    ) -> ChannelTerms:
        """Signs the intent and authorization of a ``credits`` channel of terms (this
        account, ``gateway``, ``model_id``, ``salt``) and has the gateway open it; its terms."""
        opening = self._signed(
            gasless_open,
            chain,
            terms,
            credits,
            expiry,
            model_id=model_id,
            gateway=gateway,
            salt=salt,
        )
        answer = self._post(CHANNELS_OPEN_PATH, intent_body(opening))
        opened = opening.terms
        if int(answer["channelId"]) != opened.channel_id:
            raise GatewayError(
                200, "", f"the gateway opened channel {answer['channelId']}, not {opened}"
            )
        return opened

    def top_up(
        self,
        chain: CreditsChain,
        terms: CreditTerms,
        channel: ChannelTerms,
        credits: int,
        expiry: int,
    ) -> dict[str, Any]:
        """Signs the intent and authorization buying ``credits`` more into ``channel`` (this
        account's) and moving its expiry to ``expiry``, and has the gateway submit them."""
        topping = self._signed(gasless_top_up, chain, terms, credits, expiry, terms=channel)
        path = CHANNEL_TOP_UP_PATH.format(channel_id=channel.channel_id)
        return self._post(path, intent_body(topping))

    def close(self, chain: CreditsChain, channel: ChannelTerms, charged: int) -> dict[str, Any]:
        """Signs ``CooperativeClose(channel id, charged)`` and has the gateway submit it (the
        body names the terms the gateway does not know by itself: consumer and salt)."""
        channel_id = channel.channel_id
        signature = self.signer.sign_struct(chain.domain, CooperativeClose(channel_id, charged))
        body = {
            "consumer": channel.consumer,
            "salt": str(channel.salt),
            "chargedCredits": str(charged),
            "signature": hex0x(signature),
        }
        return self._post(CHANNEL_CLOSE_PATH.format(channel_id=channel_id), body)

    def _signed(
        self,
        sign: Callable[..., SignedIntent],
        chain: CreditsChain,
        model: CreditTerms,
        credits: int,
        expiry: int,
        /,
        **names: Any,
    ) -> SignedIntent:
        """``sign``'s intent and authorization of ``credits`` of ``model``, valid for
        INTENT_VALIDITY seconds; ``names``: the channel's terms as ``sign`` takes them."""
        return sign(
            chain.domain,
            self.token_domain(chain, model.asset),
            self.signer.key,
            credits=credits,
            credit_value=model.credit_value,
            expiry=expiry,
            deadline=chain.now() + INTENT_VALIDITY,
            **names,
        )

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            answer = self.http.post(path, json=body)
        except httpx.HTTPError as exc:
            raise GatewayUnreachable(f"{type(exc).__name__}: {exc}") from None
        if answer.status_code != 200:
            try:
                error = answer.json()["error"]
                code, message = str(error.pop("code")), str(error.pop("message", ""))
            except Exception:
                raise GatewayError(answer.status_code, "", answer.text[:200]) from None
            raise GatewayError(answer.status_code, code, message, **error)
        result: dict[str, Any] = answer.json()
        return result


def intent_body(signed: SignedIntent) -> dict[str, Any]:
    """The relay's request body of a signed open or top-up intent (docs/GATEWAY.md): the
    intent's members under their EIP-712 names, integers as decimal strings, bytes as 0x-hex."""
    i = signed.intent
    intent = {m.name: _wire(getattr(i, m.attr)) for m in members(type(i))}
    v, r, s = signed.authorization
    return {
        "intent": intent,
        "signature": hex0x(signed.signature),
        "authorization": {"v": v, "r": hex0x(r), "s": hex0x(s)},
    }


def _wire(value: int | bytes | str) -> str:
    return hex0x(value) if isinstance(value, bytes) else str(value)
