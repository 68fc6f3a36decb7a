"""An AgentWallet deployed and configured by its owner, on ape.

A new wallet lets its agent key do nothing: every budget is 0 and no model, gateway or
signable message type is listed. The owner lists what the agent may pay for and sign:

    >>> wallet = deploy_agent_wallet(
    ...     project, owner, agent_address, credits,
    ...     budgets={ETH: 300 * credit_value}, models=[model_id], gateways=[gateway],
    ...     signable=[access_signable(chain_id, gateway, model_id)],
    ... )

For an ERC-20 model the owner also approves UsageCredits to pull the token from the wallet
(``wallet.execute(token, 0, token.approve.encode_input(credits, amount), sender=owner)``); the
wallet's budget for the token, not the allowance, bounds what the agent spends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

ETH = "0x0000000000000000000000000000000000000000"


def configure_agent_wallet(
    wallet: Any,
    owner: Any,
    *,
    budgets: Mapping[str, int] | None = None,
    models: Iterable[int] = (),
    gateways: Iterable[Any] = (),
    signable: Iterable[tuple[bytes, bytes]] = (),
) -> Any:
    """Sets budgets per asset (address(0) = ETH) and lists models, gateways and
    (domainSeparator, typeHash) pairs, one owner transaction each."""
    for asset, amount in (budgets or {}).items():
        wallet.setBudget(asset, amount, sender=owner)
    for model_id in models:
        wallet.setModelAllowed(model_id, True, sender=owner)
    for gateway in gateways:
        wallet.setGatewayAllowed(gateway, True, sender=owner)
    for separator, type_hash in signable:
        wallet.setSignable(separator, type_hash, True, sender=owner)
    return wallet


def deploy_agent_wallet(
    project: Any,
    owner: Any,
    agent: Any,
    credits: Any,
    **settings: Any,
) -> Any:
    """Deploys an AgentWallet of ``owner`` for ``agent`` on ``credits`` and configures it
    (:func:`configure_agent_wallet` keywords)."""
    wallet = project.AgentWallet.deploy(owner, agent, credits, sender=owner)
    return configure_agent_wallet(wallet, owner, **settings)
