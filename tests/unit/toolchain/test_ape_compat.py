"""Each ape workaround in modelmint/deploy/ape_compat.py is still needed by the pinned ape: when a
test here fails, upstream changed and the workaround (and this test) can go."""

import inspect
import os
from importlib.metadata import version
from pathlib import Path

from modelmint.deploy import ape_compat


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

    assert NodeProcessMap._modelmint_cleanup_patched
    provider = networks.ethereum.local.get_provider("foundry")
    own = {"network_choice": "ethereum:local:foundry", "http_uri": "auto", "ws_uri": "ws"}
    other = {"network_choice": "ethereum:local:foundry", "http_uri": "http://127.0.0.1:5555"}
    live, parent, dead = os.getpid(), os.getppid(), _dead_pid()
    nodes = _node_registry(tmp_path, {live: own, parent: other, dead: other})

    nodes.remove_provider(provider)

    assert set(nodes.nodes) == {parent}
    assert set(NodeProcessMap.model_validate_file(tmp_path / "nodes.json").nodes) == {parent}
