"""The gas docs quote reports/gas.json: every table row naming a benchmark operation shows the
report's figure for it."""

import re

import pytest

from modelmint.deploy.config import REPO_ROOT
from modelmint.dev.gasreport import load

DOCS = ("docs/GAS.md", "docs/GAS-shares.md")


def _figure(value: float) -> str:
    return f"{value:,}" if float(value).is_integer() else f"{value}"


@pytest.mark.parametrize("doc", DOCS)
def test_gas_doc__rows_naming_an_operation__quote_the_committed_report(doc):
    operations = load(REPO_ROOT / "reports" / "gas.json")["operations"]
    checked, stale = 0, []
    for line in (REPO_ROOT / doc).read_text().splitlines():
        match = re.match(r"\|\s*`([a-z_0-9]+)`", line)
        if not match or match.group(1) not in operations:
            continue
        gas = operations[match.group(1)]["gas"]
        checked += 1
        if _figure(int(gas) if float(gas).is_integer() else gas) not in line:
            stale.append((match.group(1), gas, line))

    assert checked, f"{doc} quotes no operation of reports/gas.json"
    assert not stale, f"{doc} differs from reports/gas.json: {stale}"
