"""The gas docs quote reports/gas.json: every table row naming a benchmark operation shows the
report's figure for it (`make gas` rewrites the rows that quoted the previous report:
``gasreport.refresh_docs``)."""

import pytest

from modelmint.deploy.config import REPO_ROOT
from modelmint.dev.gasreport import GAS_DOCS, figure, load, quoted_operation, refresh_docs


@pytest.mark.parametrize("doc", GAS_DOCS)
def test_gas_doc__rows_naming_an_operation__quote_the_committed_report(doc):
    operations = load(REPO_ROOT / "reports" / "gas.json")["operations"]
    checked, stale = 0, []
    for line in (REPO_ROOT / doc).read_text().splitlines():
        op = quoted_operation(line, operations)
        if op is None:
            continue
        checked += 1
        if figure(operations[op]["gas"]) not in line:
            stale.append((op, operations[op]["gas"], line))

    assert checked, f"{doc} quotes no operation of reports/gas.json"
    assert not stale, f"{doc} differs from reports/gas.json: {stale}"


def _report(**gas):
    return {"operations": {op: {"gas": g} for op, g in gas.items()}}


def test_refresh_docs__figure_changed__after_cell_and_its_percentage_rewritten(tmp_path):
    doc = tmp_path / "GAS.md"
    doc.write_text(
        "| op | before | after | change |\n"
        "|---|---:|---:|---:|\n"
        "| `sweep_revenue` | 66,162 | 65,373 | -1.2 % |\n"
        "| `open_channel` (from held credits) | 124,454 | 75,372 (1 tx) |  |\n"
        "| `gas_per_call_1000` | 20.34 | 16.04 | 25 |\n"
        "Prose quoting 65,373 stays as written.\n"
    )
    stale = refresh_docs(
        _report(sweep_revenue=65_373, open_channel=75_372, gas_per_call_1000=16.04),
        _report(sweep_revenue=50_000, open_channel=74_642, gas_per_call_1000=16.04),
        [doc],
    )
    assert stale == []
    assert doc.read_text().splitlines()[2:] == [
        "| `sweep_revenue` | 66,162 | 50,000 | -24.4 % |",
        "| `open_channel` (from held credits) | 124,454 | 74,642 (1 tx) |  |",
        "| `gas_per_call_1000` | 20.34 | 16.04 | 25 |",
        "Prose quoting 65,373 stays as written.",
    ]


def test_refresh_docs__no_cell_holds_the_old_figure__row_returned_stale_and_kept(tmp_path):
    doc = tmp_path / "GAS.md"
    row = "| `sweep_revenue` | about 65k | |"
    doc.write_text(row + "\n")
    stale = refresh_docs(_report(sweep_revenue=65_373), _report(sweep_revenue=50_000), [doc])
    assert stale == [f"GAS.md: {row}"]
    assert doc.read_text() == row + "\n"
