"""What the operator scripts (scripts/deploy.py, register_model.py, create_offer.py,
enable_credits.py, fractionalize.py, settle_receipts.py, model_addresses.py) share: their
options, declared once (:func:`operator_options`: ``--account`` for a role and
``--deployments-dir``), the acting account, the deployment record and its contracts by name."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from modelmint.abi import load_abi
from modelmint.deploy.config import REPO_ROOT
from modelmint.deploy.errors import describe, revert_in
from modelmint.deploy.roles import Role
from modelmint.deploy.states import EntryStatus


def deployments_dir(option: Path | None) -> Path:
    """``option``, else ``$MODELMINT_DEPLOYMENTS_DIR``, else the repository's deployments/."""
    return option or Path(os.environ.get("MODELMINT_DEPLOYMENTS_DIR") or REPO_ROOT / "deployments")


def shared_setting(
    name: str, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> str | None:
    """The ``modelmint`` commands' setting ``name`` (``rpc``, ``record`` or ``account``: its
    ``MODELMINT_*`` variable, else the active profile; :mod:`modelmint.client.settings`), so
    an ``ape run`` script takes what the commands take. None when neither sets it."""
    from modelmint.client.settings import Settings
    from modelmint.errors import ModelmintError

    try:
        value = Settings.resolve({}, env=env, cwd=cwd).values.get(name)
    except ModelmintError as exc:  # a profile file that does not parse or holds a secret
        raise click.UsageError(str(exc)) from None
    return str(value) if value else None


def _settings_record(option: Path | None) -> Path | None:
    """The record file the shared settings name, used when neither ``--deployments-dir`` nor
    ``$MODELMINT_DEPLOYMENTS_DIR`` is given."""
    if option is not None or os.environ.get("MODELMINT_DEPLOYMENTS_DIR"):
        return None
    record = shared_setting("record")
    return Path(record) if record else None


def operator_options(
    role: Role | None = None, *, record: bool = True
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The options of an operator script, declared once for all of them::

        @click.command(cls=ConnectedProviderCommand)
        @operator_options(Role.MODEL_OWNER)
        def cli(provider, account, deployment): ...

    ``--deployments-dir`` (:func:`deployments_dir`): the command receives ``deployment``, the
    connected chain's :class:`RecordedDeployment`; with ``record=False`` it receives the
    directory itself as ``deployments_dir`` (the deploy script writes the record). With a
    ``role``, ape's ``--account`` too: the command receives ``account`` resolved by
    :func:`acting_account`. A transaction that reverts ends the command with the contract's
    error decoded (``Name(args)``). The command must take ``provider``."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def operate(*args: Any, **kwargs: Any) -> Any:
            provider = kwargs["provider"]
            if role is not None:
                kwargs["account"] = acting_account(provider, kwargs.get("account"), role)
            if record:
                given = kwargs.pop("deployments_dir")
                settings_record = _settings_record(given)
                kwargs["deployment"] = (
                    RecordedDeployment.read(settings_record)
                    if settings_record is not None
                    else RecordedDeployment.load(deployments_dir(given), provider)
                )
            else:
                kwargs["deployments_dir"] = deployments_dir(kwargs["deployments_dir"])
            try:
                return command(*args, **kwargs)
            except click.ClickException:
                raise
            except Exception as err:
                if revert_in(err) is None:
                    raise
                raise click.ClickException(f"transaction reverted: {describe(err)}") from err

        wrapped = operate
        if role is not None:
            from ape.cli import account_option

            wrapped = account_option(prompt=False)(wrapped)
        return click.option(
            "--deployments-dir",
            "deployments_dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Where deployment records live (default $MODELMINT_DEPLOYMENTS_DIR, else the "
            "`record` file of the modelmint settings, else deployments/).",
        )(wrapped)

    return decorate


PERSISTENT_LOCAL_RECORD = "local-node"


def record_name(provider: Any) -> str:
    """The deployment record's name for ``provider``'s chain: the network's name, except that
    the persistent local chain (``ethereum:local:node``, ``make chain``) keeps its own record,
    ``local-node``, apart from the throwaway anvil of ``ethereum:local:foundry``."""
    network = provider.network.name
    if network == "local" and provider.name == "node":
        return PERSISTENT_LOCAL_RECORD
    return network


@dataclass(frozen=True)
class RecordedDeployment:
    """The deployment record of a chain (``<directory>/<record_name>.json``) and its deployed
    contracts by plan step name."""

    path: Path
    data: dict

    @classmethod
    def load(cls, directory: Path, provider: Any) -> RecordedDeployment:
        """The record for ``provider`` (or a record name) in ``directory``; a clear error
        when there is none."""
        name = provider if isinstance(provider, str) else record_name(provider)
        return cls.read(directory / f"{name}.json")

    @classmethod
    def read(cls, path: Path) -> RecordedDeployment:
        """The record in the file ``path``; a clear error when there is none."""
        if not path.exists():
            raise click.ClickException(f"no deployment record {path}: run `ape run deploy` first")
        return cls(path, json.loads(path.read_text()))

    def contract(self, name: str) -> Any:
        """The contract the record lists as step ``name`` (typed by its recorded contract
        name), or a clear error if it is not deployed."""
        entry = self.data.get("contracts", {}).get(name)
        if not entry or entry.get("status") != EntryStatus.DEPLOYED:
            raise click.ClickException(f"the record has no deployed {name}")
        from ape import project

        return getattr(project, entry["contract"]).at(entry["address"])


def acting_account(provider: Any, account: Any, role: Role) -> Any:
    """--account, else the ``account`` of the modelmint settings (an ape keystore alias);
    else, on the local chain and forks, the funded test account of ``role``."""
    if account is not None:
        return account
    from ape import accounts

    alias = shared_setting("account")
    if alias is not None:
        if alias not in accounts.aliases:
            raise click.UsageError(
                f"the modelmint settings name account {alias!r}, which is not an ape keystore "
                "alias (`ape accounts list`); ape run scripts take aliases only: pass --account"
            )
        return accounts.load(alias)
    if not provider.network.is_dev:
        raise click.UsageError("--account is required on a live network")
    return accounts.test_accounts[int(role)]


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
