"""The core SDK (receipts, weights, ABIs, deployment records) imports without ape."""

import subprocess
import sys

from modelmint.dev.testing import WAIT_CEILING

CORE = (
    "modelmint",
    "modelmint.eip712",
    "modelmint.receipts",
    "modelmint.credits",
    "modelmint.weights",
    "modelmint.abi",
    "modelmint.records",
)


def test_core_modules__imported_in_fresh_interpreter__do_not_import_ape_or_wings():
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE)
        + "from modelmint.abi import load_abi\n"
        + "assert load_abi('UsageCredits')\n"
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('ape', 'solcx', 'ape_foundry')"
        + " or m.startswith(('modelmint.deploy', 'modelmint.dev')))\n"
        + "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=WAIT_CEILING
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
