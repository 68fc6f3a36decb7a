"""Gas regression: the cheap operations of the benchmark (no scaling series) must not cost
more than 2 % above the figures committed in reports/gas.json.

After an intended gas change, run `make gas` and commit reports/gas.json with the change.
"""

from pathlib import Path

import pytest

from modelmint.dev.gasbench import measure
from modelmint.dev.gasreport import load

COMMITTED = Path(__file__).resolve().parents[2] / "reports" / "gas.json"
TOLERANCE = 1.02


@pytest.fixture(scope="module")
def measured(project, accounts, chain):
    return measure(project, accounts, chain, scaling=False, log=lambda *_: None)


def test_gas__every_operation__within_2_percent_of_committed_report(measured):
    committed = load(COMMITTED)["operations"]
    assert set(measured["operations"]) == set(committed), "run `make gas` and commit the report"
    regressions = {
        name: (op["gas"], committed[name]["gas"])
        for name, op in measured["operations"].items()
        if op["gas"] > committed[name]["gas"] * TOLERANCE
    }
    assert not regressions, (
        f"gas above {TOLERANCE:.2f}x the committed reports/gas.json (measured, committed): "
        f"{regressions}. If the increase is intended, run `make gas` and commit the report."
    )


def test_gas__baselines__within_2_percent_of_committed_report(measured):
    committed = load(COMMITTED)["operations"]
    for name, op in measured["operations"].items():
        if op["baseline_gas"] is None:
            assert committed[name]["baseline_gas"] is None, name
        else:
            assert abs(op["baseline_gas"] - committed[name]["baseline_gas"]) <= (
                committed[name]["baseline_gas"] * (TOLERANCE - 1)
            ), name
