"""Each ape workaround in modelmint/deploy/ape_compat.py is still needed by the pinned ape: when a
test here fails, upstream changed and the workaround (and this test) can go."""

import inspect
import os
from importlib.metadata import version
from pathlib import Path

from modelmint.deploy import ape_compat
from modelmint.deploy.config import REPO_ROOT


def test_ape_version__installed__is_the_one_the_workarounds_target():
    assert version("eth-ape") == ape_compat.APE_VERSION


def test_upstream_source_listing__600_files__keeps_only_500(tmp_path):
    folder = tmp_path / "contracts"
    (folder / ".cache").mkdir(parents=True)
    for i in range(600):
        (folder / ".cache" / f"F{i}.sol").write_text("// filler\n")

    class Sources:
        def get_contracts_path(self) -> Path:
            return folder

    listed = ape_compat.UPSTREAM["source_listing"](Sources())

    assert len(listed) == 500


def test_patched_source_listing__project__lists_sources_without_cache(project):
    from ape.managers.project import SourceManager

    assert SourceManager._modelmint_patched
    listed = {p.name for p in project.sources._all_files}
    assert "ModelShares.sol" in listed
    assert not any(".cache" in p.parts for p in project.sources._all_files)


def test_upstream_process_start__default__waits_20_seconds():
    start = ape_compat.UPSTREAM["process_start_timeout"]
    assert inspect.signature(start).parameters["timeout"].default == 20


def test_upstream_local_node_connect__nothing_listening__raw_error_not_an_ape_error(networks):
    from ape.exceptions import ApeException

    from modelmint.deploy.fork import free_port

    provider = networks.ethereum.local.get_provider(
        "node", provider_settings={"uri": f"http://127.0.0.1:{free_port()}"}
    )
    try:
        ape_compat.UPSTREAM["local_node_connect"](provider)
    except ApeException as err:  # pragma: no cover - upstream now says it clearly
        raise AssertionError(f"ape reports this itself now ({err}): drop the patch") from err
    except Exception as err:  # noqa: BLE001 - the raw error the patch replaces
        assert "ApeException" not in type(err).__mro__.__repr__()
    else:  # pragma: no cover
        raise AssertionError("upstream connected to nothing")


def _dead_pid() -> int:
    import subprocess

    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _node_registry(tmp_path, nodes):
    from ape.managers.networks import NodeProcessData, NodeProcessMap

    return NodeProcessMap(
        path=tmp_path / "nodes.json",
        nodes={pid: NodeProcessData(**data) for pid, data in nodes.items()},
    )


def test_upstream_node_registry__host_auto_provider_disconnected__keeps_its_dead_entry(
    tmp_path, networks
):
    # ape-foundry with `host: auto` and no `_host` (as after `disconnect`) reports "auto".
    provider = networks.ethereum.local.get_provider("foundry")
    assert provider.http_uri == "auto"
    pid = _dead_pid()
    uri = "127.0.0.1:5555"
    nodes = _node_registry(
        tmp_path,
        {
            pid: {
                "network_choice": "ethereum:local:foundry",
                "http_uri": f"http://{uri}",
                "ws_uri": f"ws://{uri}",
            }
        },
    )

    ape_compat.UPSTREAM["node_registry_cleanup"](nodes, provider)

    assert pid in nodes.nodes


def test_patched_node_registry__dead_or_matching_entries__dropped_live_others_kept(
    tmp_path, networks
):
    from ape.managers.networks import NodeProcessMap

    assert NodeProcessMap._modelmint_node_registry_cleanup_patched
    provider = networks.ethereum.local.get_provider("foundry")
    own = {"network_choice": "ethereum:local:foundry", "http_uri": "auto", "ws_uri": "ws"}
    other = {"network_choice": "ethereum:local:foundry", "http_uri": "http://127.0.0.1:5555"}
    live, parent, dead = os.getpid(), os.getppid(), _dead_pid()
    nodes = _node_registry(tmp_path, {live: own, parent: other, dead: other})

    nodes.remove_provider(provider)

    assert set(nodes.nodes) == {parent}
    assert set(NodeProcessMap.model_validate_file(tmp_path / "nodes.json").nodes) == {parent}


def test_upstream_http_session__loopback_node__reads_proxies_from_the_environment():
    from web3._utils.http_session_manager import HTTPSessionManager

    session = ape_compat.UPSTREAM["loopback_http_session"](
        HTTPSessionManager(), "http://127.0.0.1:5555"
    )

    assert session.trust_env


def test_patched_http_session__loopback_or_remote__skips_proxies_for_loopback_only(chain):
    from web3._utils.http_session_manager import HTTPSessionManager

    manager = HTTPSessionManager()

    assert not manager.cache_and_return_session("http://127.0.0.1:5555").trust_env
    assert not manager.cache_and_return_session("http://localhost:5555").trust_env
    assert manager.cache_and_return_session("https://rpc.example.org").trust_env
    provider = chain.provider.web3.provider
    session = provider._request_session_manager.cache_and_return_session(provider.endpoint_uri)
    assert not session.trust_env


class _Receipt:
    """Stands in for a receipt: records whether ape asked it for its console logs."""

    txn_hash = "0x" + "00" * 32
    total_fees_paid = 0

    def __init__(self):
        self.asked = False

    def show_debug_logs(self):
        self.asked = True


def _call_to_contract(project, deployer):
    from types import SimpleNamespace

    token = project.MockERC20.deploy("Debug", "DBG", 18, sender=deployer)
    return SimpleNamespace(receiver=str(token.address))


def test_upstream_post_transaction__call_to_a_contract__fetches_its_console_logs(project, deployer):
    receipt = _Receipt()

    ape_compat.UPSTREAM["post_transaction_debug_logs"](
        _call_to_contract(project, deployer), receipt
    )

    assert receipt.asked


def test_patched_post_transaction__console_logs_only_when_asked(project, deployer, monkeypatch):
    from ape_ethereum import provider

    tx, quiet, asked = _call_to_contract(project, deployer), _Receipt(), _Receipt()
    monkeypatch.delenv(ape_compat.DEBUG_LOGS_VARIABLE, raising=False)
    provider._post_send_transaction(tx, quiet)
    monkeypatch.setenv(ape_compat.DEBUG_LOGS_VARIABLE, "1")
    provider._post_send_transaction(tx, asked)

    assert (quiet.asked, asked.asked) == (False, True)


def _count_config_fallbacks(monkeypatch) -> list[str]:
    """Records the keys EthereumConfig looks up through its network-name fallback."""
    from ape_ethereum.ecosystem import EthereumConfig

    looked_up: list[str] = []
    fallback = EthereumConfig.__getattr__

    def spy(self, key):
        looked_up.append(key)
        return fallback(self, key)

    monkeypatch.setattr(EthereumConfig, "__getattr__", spy)
    return looked_up


def test_upstream_transaction_type__local_network__builds_a_throwaway_network_config(
    networks, monkeypatch
):
    looked_up = _count_config_fallbacks(monkeypatch)

    ape_compat.UPSTREAM["transaction_type_lookup"].fget(networks.ethereum)

    assert looked_up == ["default_transaction_type"]


def test_patched_transaction_type__local_network__upstream_value_without_the_fallback(
    networks, monkeypatch
):
    expected = ape_compat.UPSTREAM["transaction_type_lookup"].fget(networks.ethereum)
    looked_up = _count_config_fallbacks(monkeypatch)

    assert networks.ethereum.default_transaction_type == expected
    assert looked_up == []


def _script_loads(monkeypatch) -> list[str]:
    """A fresh `ape run` command group whose script loader only records the files it loads."""
    import click
    from ape_run._cli import ScriptCommand

    loaded: list[str] = []

    def load(self, filepath):
        loaded.append(filepath.name)
        return click.Command(filepath.stem)

    monkeypatch.chdir(REPO_ROOT)
    monkeypatch.setattr(ScriptCommand, "_get_command", load)
    return ScriptCommand(name="run"), loaded


def test_upstream_run__one_script_named__loads_every_script_twice(monkeypatch):
    group, loaded = _script_loads(monkeypatch)

    ape_compat.UPSTREAM["run_loads_one_script"](group, None, "model_addresses")

    scripts = sorted(p.name for p in (REPO_ROOT / "scripts").glob("[!_]*.py"))
    assert sorted(loaded) == sorted(scripts * 2)


def test_patched_run__one_script_named__loads_only_that_script_once(monkeypatch):
    group, loaded = _script_loads(monkeypatch)

    first = group.get_command(None, "model_addresses")
    again = group.get_command(None, "model_addresses")
    loaded_for_the_name = list(loaded)
    missing = group.get_command(None, "no_such_script")  # ape's own lookup: not found

    assert (first.name, again is first, missing) == ("model_addresses", True, None)
    assert loaded_for_the_name == ["model_addresses.py"]


def test_sources__no_contract__logs_through_console_sol():
    root = Path(__file__).resolve().parents[3]
    sources = [*(root / "contracts").rglob("*.sol"), *(root / "interfaces").rglob("*.sol")]
    sources = [p for p in sources if ".cache" not in p.parts]

    assert sources
    assert not [
        p for p in sources if "console.sol" in p.read_text() or "console.log(" in p.read_text()
    ]
