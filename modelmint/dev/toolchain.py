"""The project's own compiler and node, found without anything exported by hand.

``make setup`` installs solc as the solc-js bridge ``.solcx/solc-v<version>`` (py-solc-x looks
in ``$SOLCX_BINARY_PATH``) and anvil in ``node_modules/.bin`` (ape-foundry looks on ``PATH``).
The project's ape plugin (``tools/ape-modelmint``) calls :func:`use_project_toolchain` when ape
starts, so every ape command in the venv finds both::

    from modelmint.dev.toolchain import use_project_toolchain
    use_project_toolchain(Path("/path/to/modelmint"))   # idempotent; explicit exports win
"""

from __future__ import annotations

import os
from pathlib import Path

SOLCX_VARIABLE = "SOLCX_BINARY_PATH"


def use_project_toolchain(root: Path) -> None:
    """Sets ``SOLCX_BINARY_PATH`` to ``root/.solcx`` (unless already set) and puts
    ``root/node_modules/.bin`` first on ``PATH`` (unless already on it); a missing folder
    (setup not run) is left alone so ape's own error shows."""
    solcx = root / ".solcx"
    if solcx.is_dir() and not os.environ.get(SOLCX_VARIABLE):
        os.environ[SOLCX_VARIABLE] = str(solcx)
    bin_dir = root / "node_modules" / ".bin"
    path = os.environ.get("PATH", "")
    if bin_dir.is_dir() and str(bin_dir) not in path.split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join(p for p in (str(bin_dir), path) if p)
