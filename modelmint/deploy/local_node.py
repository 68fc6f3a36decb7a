"""The persistent local chain for deployers: ``make chain`` (``make chain CHAIN_PORT=8555``).

anvil on ``127.0.0.1:8545`` (or the given port) with chain id 31337, its state saved in
``.chain/anvil-state.json`` (``.chain/anvil-state-PORT.json`` on another port: every port
keeps its own chain) every second and on exit, and loaded on the next start. ape reaches it as
``ethereum:local:node`` (ape-config.yaml: ``node.ethereum.local``; the URI follows the
``modelmint`` commands' ``rpc`` setting, ``MODELMINT_RPC`` or the profile, when one is set), so
deploy and operator scripts run one after the other, in separate processes, on the same
chain::

    make chain                                                    # terminal 1 (Ctrl-C stops it)
    ape run deploy --network ethereum:local:node                  # terminal 2
    ape run register_model --network ethereum:local:node model.onnx --version-uri ... \\
        --metadata-uri ...
    ape run create_offer --network ethereum:local:node 1 --price 1000 --terms-uri ... \\
        --terms-file terms.md

Their record is ``deployments/local-node.json`` (``modelmint.deploy.operator.record_name``).
``rm -r .chain deployments/local-node.json`` starts over.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from modelmint.deploy.config import REPO_ROOT
from modelmint.deploy.fork import Anvil

LOCAL_CHAIN_ID = 31337
"""anvil's default chain id; ape-config.yaml's ``node.ethereum.local.chain_id``."""
LOCAL_CHAIN_PORT = 8545
"""The port of ape-config.yaml's ``node.ethereum.local.uri``."""
LOCAL_CHAIN_STATE = REPO_ROOT / ".chain" / "anvil-state.json"


def state_path(port: int = LOCAL_CHAIN_PORT) -> Path:
    """Where the chain on ``port`` keeps its state: ``LOCAL_CHAIN_STATE`` on the default port,
    ``.chain/anvil-state-PORT.json`` on any other."""
    if port == LOCAL_CHAIN_PORT:
        return LOCAL_CHAIN_STATE
    return LOCAL_CHAIN_STATE.with_name(f"anvil-state-{port}.json")


def local_chain(port: int = LOCAL_CHAIN_PORT, state: Path | None = None) -> Anvil:
    """The persistent local chain as an :class:`Anvil` (not started); its state file is
    :func:`state_path` of the port unless given."""
    return Anvil(port=port, chain_id=LOCAL_CHAIN_ID, state=state or state_path(port))


def local_node_uri(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> str | None:
    """The ``rpc`` setting of the ``modelmint`` commands (``MODELMINT_RPC``, else the active
    profile's ``rpc``: :func:`modelmint.deploy.operator.shared_setting`), or None if neither
    sets it."""
    from modelmint.deploy.operator import shared_setting

    return shared_setting("rpc", env, cwd)


def apply_local_node_env() -> str | None:
    """Point ``ethereum:local:node`` (``node.ethereum.local.uri``) at :func:`local_node_uri`
    when it is set, so ``ape run`` scripts take the chain from the same setting as the
    ``modelmint`` commands (``--provider-settings`` still wins). Returns the URI applied."""
    from ape import config

    uri = local_node_uri()
    if uri:
        config.get_config("node").ethereum.local["uri"] = uri
    return uri


def main(argv: list[str] | None = None) -> int:
    """Replaces this process by the chain's anvil (foreground; Ctrl-C saves and stops)."""
    args = sys.argv[1:] if argv is None else argv
    port = int(args[0]) if args else LOCAL_CHAIN_PORT
    state = state_path(port)
    state.parent.mkdir(parents=True, exist_ok=True)
    cmd = local_chain(port, state).command(silent=False)
    print(f"local chain: {' '.join(cmd)}", flush=True)
    os.execvp(cmd[0], cmd)
    return 0  # pragma: no cover - execvp does not return


if __name__ == "__main__":
    raise SystemExit(main())
