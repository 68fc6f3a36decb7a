"""Guards against tests that cannot fail."""

import re
from pathlib import Path

import pytest

from modelmint.dev.testing import isolated

ROOT = Path(__file__).resolve().parents[3]
ISOLATE_CALL = re.compile(r"with\s+chain\.isolate\(")


def test_isolated__failing_assertion__propagates_and_reverts_state(chain, accounts):
    start = chain.blocks.height
    with pytest.raises(AssertionError), isolated(chain):
        chain.mine(3)
        assert chain.blocks.height == start + 3
        raise AssertionError("must surface")
    assert chain.blocks.height == start


def test_suites__never_use_ape_chain_isolate():
    # ape's chain.isolate() swallows exceptions: assertions inside it can never fail.
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "tests").rglob("*.py")
        if p.name != "test_isolation.py" and ISOLATE_CALL.search(p.read_text())
    ]
    assert offenders == []
