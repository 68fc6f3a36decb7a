"""What the operator scripts (scripts/deploy.py, register_model.py, create_offer.py,
enable_credits.py, fractionalize.py, settle_receipts.py, model_addresses.py) share: their
options, declared once (:func:`operator_options`: ``--account`` for a role and
``--deployments-dir``), the deployment record, the acting account and the deployed contracts
by name."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from modelmint.abi import load_abi
from modelmint.deploy.config import REPO_ROOT
from modelmint.deploy.roles import Role


def deployments_dir(option: Path | None) -> Path:
    """``option``, else ``$MODELMINT_DEPLOYMENTS_DIR``, else the repository's deployments/."""
    return option or Path(os.environ.get("MODELMINT_DEPLOYMENTS_DIR") or REPO_ROOT / "deployments")


def operator_options(
    role: Role | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options of an operator script, declared once for all of them::

        @click.command(cls=ConnectedProviderCommand)
        @operator_options(Role.MODEL_OWNER)
        def cli(provider, account, deployments_dir): ...

    ``--deployments-dir``: the command receives ``deployments_dir`` (:func:`deployments_dir`).
    With a ``role``, ape's ``--account`` too: the command receives ``account`` resolved by
    :func:`acting_account` (required on a live network; on the local chain and forks the
    role's funded test account). The command must take ``provider``."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        if role is None:
            return _deployments_dir_option(command)

        @functools.wraps(command)
        def acting(*args: Any, **kwargs: Any) -> Any:
            kwargs["account"] = acting_account(kwargs["provider"], kwargs.get("account"), role)
            return command(*args, **kwargs)

        from ape.cli import account_option

        with_account = account_option(prompt=False)(acting)
        return _deployments_dir_option(with_account)

    return decorate


def _deployments_dir_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--deployments-dir",
        "deployments_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        callback=lambda _ctx, _param, value: deployments_dir(value),
        help="Where deployment records live (default $MODELMINT_DEPLOYMENTS_DIR or deployments/).",
    )(command)


PERSISTENT_LOCAL_RECORD = "local-node"


def record_name(provider: Any) -> str:
    """The deployment record's name for ``provider``'s chain: the network's name, except that
    the persistent local chain (``ethereum:local:node``, ``make chain``) keeps its own record,
    ``local-node``, apart from the throwaway anvil of ``ethereum:local:foundry``."""
    network = provider.network.name
    if network == "local" and provider.name == "node":
        return PERSISTENT_LOCAL_RECORD
    return network


def load_record(directory: Path, provider: Any) -> dict:
    """``directory/<record_name(provider)>.json`` (``provider`` may be a record name)."""
    name = provider if isinstance(provider, str) else record_name(provider)
    path = directory / f"{name}.json"
    if not path.exists():
        raise click.ClickException(f"no deployment record {path}: run `ape run deploy` first")
    return json.loads(path.read_text())


def acting_account(provider: Any, account: Any, role: Role) -> Any:
    """--account on live networks; on the local chain and forks the funded test account of
    ``role``."""
    if account is not None:
        return account
    if not provider.network.is_dev:
        raise click.UsageError("--account is required on a live network")
    from ape import accounts

    return accounts.test_accounts[int(role)]


def deployed(project: Any, record: dict, name: str, contract_type: str) -> Any:
    """The contract the record lists as ``name``, or a clear error if it is not deployed."""
    entry = record.get("contracts", {}).get(name)
    if not entry or entry.get("status") != "deployed":
        raise click.ClickException(f"the record has no deployed {name}")
    return getattr(project, contract_type).at(entry["address"])


@dataclass(frozen=True)
class ModelAddresses:
    """A fractionalized model's contracts (its latest fractionalization round)."""

    model_id: int
    round: int
    shares: str
    governor: str
    timelock: str


def model_addresses(fractionalizer: Any, model_id: int) -> ModelAddresses | None:
    """The shares, governor and timelock of ``model_id``'s latest fractionalization, read from
    views (``Fractionalizer.rounds`` / ``predictAddresses``, the governor's ``token()``); None
    if the model was never fractionalized::

        addrs = model_addresses(project.Fractionalizer.at(record_address), 1)
        addrs.shares, addrs.governor, addrs.timelock
    """
    from ape import Contract

    round_ = int(fractionalizer.rounds(model_id))
    if round_ == 0:
        return None
    governor, timelock = fractionalizer.predictAddresses(model_id, round_)
    token = Contract(governor, abi=load_abi("ModelGovernor")).token()
    return ModelAddresses(model_id, round_, str(token), str(governor), str(timelock))
