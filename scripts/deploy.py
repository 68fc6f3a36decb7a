"""Deploy (or finish deploying) the Modelmint protocol: ``ape run deploy``.

    ape run deploy                                   # local chain, the deployer test account
    ape run deploy --network ethereum:sepolia-fork:foundry --account TEST::0
    ape run deploy --network ethereum:sepolia:node --account <alias> [--dry-run] [--yes]

Parameters come from config/networks/<network>.yaml; the record is written to
deployments/<network>.json (directory: --deployments-dir or $MODELMINT_DEPLOYMENTS_DIR).
Re-running skips what is deployed and unchanged and resumes an interrupted run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand

from modelmint.deploy.config import load_config
from modelmint.deploy.engine import Deployment
from modelmint.deploy.errors import ConfigError, DeployError
from modelmint.deploy.fork import apply_upstream_env
from modelmint.deploy.operator import operator_options, record_name
from modelmint.deploy.plan import PlanInputs, protocol_plan
from modelmint.deploy.preview import format_actions
from modelmint.deploy.roles import Role

# The fork's upstream must be known before ape connects: $MODELMINT_SEPOLIA_RPC or local.
apply_upstream_env()


def _check_tokens(provider, tokens) -> None:
    for token in tokens:
        if not provider.get_code(token):
            raise ConfigError(f"allow-listed token {token} has no code on this chain")


# `--network` (and `--provider-settings`) come from ConnectedProviderCommand, which adds
# ape's NetworkOption itself. An explicit @network_option() would silently drop
# --provider-settings in ape 0.8.51 (the option is built before that value is parsed).
@click.command(cls=ConnectedProviderCommand)
@operator_options(Role.DEPLOYER, record=False)
@click.option("--dry-run", is_flag=True, help="Print the plan and gas estimates; send nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation on a live network.")
@click.option(
    "--redeploy", is_flag=True, help="Deploy again contracts that differ from the record."
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Network config file (default config/networks/<network>.yaml).",
)
def cli(provider, account, dry_run, yes, redeploy, config_path, deployments_dir):
    """Deploy the whole protocol, wire it and hand admin powers to governance."""
    from ape import project

    network = provider.network
    name = network.name
    live = not network.is_dev  # neither the local chain nor a fork
    try:
        cfg = load_config(name, config_path)
        tokens = cfg.resolve_tokens(deployments_dir)
        _check_tokens(provider, tokens)
    except ConfigError as err:
        raise click.ClickException(str(err)) from None

    deployer = str(account.address)
    plan = protocol_plan(PlanInputs.from_config(cfg, deployer, tokens))
    record_path = deployments_dir / f"{record_name(provider)}.json"
    click.echo(
        f"Modelmint deploy on {network.ecosystem.name}:{name} (chain {provider.chain_id}, "
        f"{'LIVE' if live else 'local'}) as {deployer}; record {record_path}"
    )
    try:
        deployment = Deployment(
            plan,
            project=project,
            provider=provider,
            account=account,
            record_path=record_path,
            network=name,
            redeploy=redeploy,
            log=click.echo,
        )
        estimate = dry_run or live
        actions = deployment.preview(estimate_gas=estimate)
        gas_price = provider.gas_price if estimate else None
        click.echo(format_actions(actions, estimated=estimate, gas_price=gas_price))
        if dry_run:
            click.echo("Dry run: nothing was sent.")
            return
        if live and not yes:
            click.confirm(f"Send these transactions to {name}?", abort=True)
        if live and hasattr(account, "set_autosign"):
            # The plan was confirmed as a whole: unlock a keyfile account once (passphrase
            # from APE_ACCOUNTS_<alias>_PASSPHRASE or one prompt) instead of a prompt per
            # transaction.
            account.set_autosign(True)
        deployment.run()
    except DeployError as err:
        raise click.ClickException(str(err)) from None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(cli())
