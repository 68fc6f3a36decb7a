"""The persistent local chain for deployers: ``make chain``.

anvil on ``127.0.0.1:8545`` with chain id 31337, its state saved in ``.chain/anvil-state.json``
(every second and on exit) and loaded on the next start. ape reaches it as
``ethereum:local:node`` (ape-config.yaml: ``node.ethereum.local``), so deploy and operator
scripts run one after the other, in separate processes, on the same chain::

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
from pathlib import Path

from modelmint.deploy.config import REPO_ROOT
from modelmint.deploy.fork import Anvil

LOCAL_CHAIN_ID = 31337
"""anvil's default chain id; ape-config.yaml's ``node.ethereum.local.chain_id``."""
LOCAL_CHAIN_PORT = 8545
"""The port of ape-config.yaml's ``node.ethereum.local.uri``."""
LOCAL_CHAIN_STATE = REPO_ROOT / ".chain" / "anvil-state.json"


def local_chain(port: int = LOCAL_CHAIN_PORT, state: Path = LOCAL_CHAIN_STATE) -> Anvil:
    """The persistent local chain as an :class:`Anvil` (not started)."""
    return Anvil(port=port, chain_id=LOCAL_CHAIN_ID, state=state)


def main(argv: list[str] | None = None) -> int:
    """Replaces this process by the chain's anvil (foreground; Ctrl-C saves and stops)."""
    args = sys.argv[1:] if argv is None else argv
    port = int(args[0]) if args else LOCAL_CHAIN_PORT
    LOCAL_CHAIN_STATE.parent.mkdir(parents=True, exist_ok=True)
    cmd = local_chain(port).command(silent=False)
    print(f"local chain: {' '.join(cmd)}", flush=True)
    os.execvp(cmd[0], cmd)
    return 0  # pragma: no cover - execvp does not return


if __name__ == "__main__":
    raise SystemExit(main())
