"""Modelmint's ape plugin, loaded by ape itself at start for every ape command.

It points py-solc-x at the project's solc bridge (``.solcx``) and puts the project's
``node_modules/.bin`` (anvil) on ``PATH`` unless the environment already says otherwise,
then applies the ape workarounds (``modelmint.deploy.ape_compat``). So in the activated venv
``ape compile`` and ``ape test`` need nothing exported::

    make setup && source .venv/bin/activate && ape compile && ape test tests/unit -x
"""

from pathlib import Path

from modelmint.deploy.ape_compat import apply
from modelmint.dev.toolchain import use_project_toolchain

use_project_toolchain(Path(__file__).resolve().parents[3])
apply()
