"""Fixtures of the command-line suites: the whole protocol deployed by its plan on ape's
anvil (registry, credits, licenses, router, protocol governance, Fractionalizer), its
deployment record as ``ape run deploy`` writes it, and ``mm(account, *args)``: the
``modelmint`` command tree run in-process (click's CliRunner) with its settings given once,
in the environment, as a user would.

Function isolation is off: the commands send real transactions over JSON-RPC from keys ape
does not track, and the tests of a module build on one another's models.
"""

import dataclasses
import json
from dataclasses import dataclass

import pytest
from click.testing import CliRunner, Result

from modelmint.client.cli import main
from modelmint.deploy.protocol import deploy_protocol, plan_inputs


@dataclass(frozen=True)
class Ran:
    """One command's outcome: exit code, stdout, stderr, and stdout as JSON when it is."""

    code: int
    out: str
    err: str

    @property
    def json(self):
        return json.loads(self.out)

    @classmethod
    def of(cls, result: Result) -> "Ran":
        return cls(result.exit_code, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def protocol(project, deployer, treasury, governance):
    return deploy_protocol(project, deployer, treasury=treasury, governance=governance)


@pytest.fixture(scope="module")
def governance(deployer, holder):
    """The local network's governance parameters, ``holder`` receiving the supply."""
    local = plan_inputs(str(deployer.address)).governance
    return dataclasses.replace(local, holder=str(holder.address))


@pytest.fixture(scope="module")
def record_path(protocol, tmp_path_factory):
    path = tmp_path_factory.mktemp("record") / "local.json"
    protocol.write_record(path)
    return path


@pytest.fixture(scope="module")
def rpc_url(chain):
    return chain.provider.web3.provider.endpoint_uri


@pytest.fixture(scope="module")
def base_env(rpc_url, record_path, tmp_path_factory):
    """The settings every command reads, from the environment (no profile file)."""
    home = tmp_path_factory.mktemp("home")
    return {
        "MODELMINT_RPC": rpc_url,
        "MODELMINT_RECORD": str(record_path),
        "MODELMINT_PROFILES": "",
        "MODELMINT_ACCOUNT": "",
        "MODELMINT_KEY": "",
        "MODELMINT_PRIVATE_KEY": "",
        "MODELMINT_PASSPHRASE": None,
        "APE_DATA_FOLDER": str(home / ".ape"),
        "HOME": str(home),
    }


@pytest.fixture(scope="module")
def mm(base_env, tmp_path_factory):
    """`mm(account, *args, env=None, input=None)` runs `modelmint *args` as `account` (an ape
    test account, its key in MODELMINT_PRIVATE_KEY; None: no key) in an empty directory."""
    workdir = tmp_path_factory.mktemp("cwd")

    def _run(account, *args, env=None, input=None):
        full = dict(base_env)
        if account is not None:
            full["MODELMINT_PRIVATE_KEY"] = account.private_key
        full.update(env or {})
        runner = CliRunner(mix_stderr=False)
        with runner.isolated_filesystem(temp_dir=workdir):
            result = runner.invoke(main, [str(a) for a in args], env=full, input=input)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Ran.of(result)

    return _run


@pytest.fixture
def _function_isolation():
    """No snapshot/revert around each test (see the module docstring)."""
    yield
