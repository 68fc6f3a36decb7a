"""The core SDK imports without ape or any wing, and the import contracts of `make lint`
(import-linter, pyproject.toml) name every core module."""

import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import modelmint
from modelmint.dev.testing import WAIT_CEILING

ROOT = Path(__file__).resolve().parents[3]
WINGS = {"client", "dashboard", "deploy", "dev", "gateway"}


def _contract(name: str) -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return next(c for c in config["contracts"] if c["name"] == name)


CORE = tuple(_contract("The core imports no wing")["source_modules"])


def test_import_contracts__core_list__is_every_module_outside_the_wings():
    found = {
        f"modelmint.{m.name}"
        for m in pkgutil.iter_modules(modelmint.__path__)
        if m.name not in WINGS
    }
    assert set(CORE) == found
    ape_free = set(_contract("Only the deploy and dev wings import ape")["source_modules"])
    assert ape_free == found | {f"modelmint.{w}" for w in WINGS - {"deploy", "dev"}}


def test_core_modules__imported_in_fresh_interpreter__do_not_import_ape_or_wings():
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in ("modelmint", *CORE))
        + "from modelmint.abi import load_abi\n"
        + "assert load_abi('UsageCredits')\n"
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('ape', 'solcx', 'ape_foundry')"
        + " or m.split('.')[:2] in "
        + repr([["modelmint", w] for w in sorted(WINGS)])
        + ")\n"
        + "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=WAIT_CEILING
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
