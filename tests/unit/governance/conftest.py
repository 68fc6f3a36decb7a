"""The governance suites use the protocol-governance fixtures (tests/fixtures/governance.py,
registered in tests/conftest.py)."""

import pytest


@pytest.fixture(scope="module", autouse=True)
def _governance_first(governance_deployed):
    """Deployed before the first test (see fixtures.governance.governance_deployed)."""
