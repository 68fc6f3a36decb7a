"""The consumer side of Modelmint: pay a gateway per call, as a script or an agent.

    >>> from modelmint.client import Budget, Client, Signer
    >>> client = Client("http://127.0.0.1:8402", Signer.eoa(key), rpc_url=rpc,
    ...                 budget=Budget(max_value=10**16))
    >>> client.call("/v1/predict", json={"inputs": rows}).json()

Ape-free: httpx, web3.py, eth-account and the modelmint core. See docs/CLIENT.md.
"""

from modelmint.client.budget import Budget
from modelmint.client.client import CallResult, Client
from modelmint.client.errors import (
    BudgetExhausted,
    ChannelHalted,
    ClientError,
    GatewayError,
    GatewayUnreachable,
    PaymentMismatch,
    ProvenanceInvalid,
    ResyncRejected,
)
from modelmint.client.funding import ChannelBook, ChannelPolicy
from modelmint.client.onchain import CreditsChain
from modelmint.client.signer import Signer
from modelmint.client.store import ChannelStatus, ChannelStore, LocalChannel

__all__ = [
    "Budget",
    "BudgetExhausted",
    "CallResult",
    "ChannelBook",
    "ChannelHalted",
    "ChannelPolicy",
    "ChannelStatus",
    "ChannelStore",
    "Client",
    "ClientError",
    "CreditsChain",
    "GatewayError",
    "GatewayUnreachable",
    "LocalChannel",
    "PaymentMismatch",
    "ProvenanceInvalid",
    "ResyncRejected",
    "Signer",
]
