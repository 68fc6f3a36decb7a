"""Channels through the gateway's relay (docs/GATEWAY.md, "Gasless channels through the
gateway"): a consumer that holds the model's ERC-3009 token and no ETH signs an open intent and
a token authorization, and the gateway submits them; when it is done it signs a cooperative
close at the charged total and the gateway submits that too (refund at once, in the token).

    >>> relay = GatewayRelay(http, signer)
    >>> relay.applies(chain, terms)            # an ERC-20 model and no ETH to pay gas
    >>> channel = relay.open(chain, terms, model_id, gateway, salt, credits, expiry)
    >>> relay.close(chain, channel, charged)       # channel: the ChannelTerms opened
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from eth_utils import to_checksum_address

from modelmint.client.errors import GatewayError, GatewayUnreachable
from modelmint.client.gasless import gasless_open, token_domain
from modelmint.client.onchain import CreditsChain
from modelmint.client.signer import Signer
from modelmint.codec import hex0x
from modelmint.constants import ZERO_ADDRESS
from modelmint.credits import ChannelTerms, CreditTerms
from modelmint.eip712 import Eip712Domain
from modelmint.receipts import CooperativeClose, OpenChannelIntent
from modelmint.wire import CHANNEL_CLOSE_PATH, CHANNELS_OPEN_PATH

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
        opening = gasless_open(
            chain.domain,
            self.token_domain(chain, terms.asset),
            self.signer.key,
            model_id=model_id,
            gateway=gateway,
            salt=salt,
            credits=credits,
            credit_value=terms.credit_value,
            expiry=expiry,
            deadline=chain.now() + INTENT_VALIDITY,
        )
        i = opening.intent
        assert isinstance(i, OpenChannelIntent)
        v, r, s = opening.authorization
        body = {
            "intent": {
                "consumer": i.consumer,
                "modelId": str(i.model_id),
                "gateway": i.gateway,
                "salt": str(i.salt),
                "credits": str(i.credits),
                "expiry": str(i.expiry),
                "receiptSigner": i.receipt_signer,
                "nonce": hex0x(i.nonce),
                "deadline": str(i.deadline),
            },
            "signature": hex0x(opening.signature),
            "authorization": {"v": v, "r": hex0x(r), "s": hex0x(s)},
        }
        answer = self._post(CHANNELS_OPEN_PATH, body)
        opened = opening.terms
        if int(answer["channelId"]) != opened.channel_id:
            raise GatewayError(
                200, "", f"the gateway opened channel {answer['channelId']}, not {opened}"
            )
        return opened

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
