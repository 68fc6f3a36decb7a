"""`ape run gas` (`make gas`): measure gas of Modelmint's user operations on the local chain
and write reports/gas.json, reports/gas.md, reports/gas.png and the README table; the gas
docs' rows that quoted the previous report are rewritten to quote this one."""

import time
from pathlib import Path

from ape import accounts, chain, project

from modelmint.dev import gasreport
from modelmint.dev.gasbench import measure

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "reports"


def main():
    start = time.monotonic()
    report = measure(project, accounts.test_accounts, chain)
    previous = REPORTS / "gas.json"
    old = gasreport.load(previous) if previous.exists() else {}
    gasreport.write_json(report, previous)
    table = gasreport.write_markdown(report, REPORTS / "gas.md")
    gasreport.plot(report, REPORTS / "gas.png")
    gasreport.embed_in_readme(table, ROOT / "README.md")
    print(table)
    stale = gasreport.refresh_docs(old, report, [ROOT / doc for doc in gasreport.GAS_DOCS])
    for row in stale:
        print(f"gas docs: update by hand (no cell quoted the previous report): {row}")
    print(f"gas benchmark done in {time.monotonic() - start:.0f} s")
