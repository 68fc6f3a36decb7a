"""Shared test configuration: Hypothesis profiles and named actors.

Profiles (choose with HYPOTHESIS_PROFILE):
- ``dev``  (default): small example counts so ``make test`` stays fast.
- ``ci``   : what CI runs; larger, prints reproduction blobs.
- ``deep`` : 20x ``ci`` and more; for overnight auditor runs, never in CI.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

import modelmint.dev  # noqa: F401  (applies the ape workarounds: modelmint/dev/ape_compat.py)
from modelmint.dev.build import ensure_fresh_build

_COMMON = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=10, stateful_step_count=20, **_COMMON)
settings.register_profile("ci", max_examples=25, stateful_step_count=20, print_blob=True, **_COMMON)
settings.register_profile(
    "deep", max_examples=500, stateful_step_count=50, print_blob=True, **_COMMON
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_sessionstart(session):
    """Recompile every contract whose source or imports changed (ape alone misses dependants,
    see modelmint/dev/build.py), so no test runs stale bytecode."""
    from ape import project

    ensure_fresh_build(project)


@pytest.fixture(scope="session")
def deployer(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def model_owner(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def contributor(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def licensee(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def consumer(accounts):
    return accounts[4]


@pytest.fixture(scope="session")
def gateway(accounts):
    return accounts[5]


@pytest.fixture(scope="session")
def attacker(accounts):
    return accounts[6]


@pytest.fixture(scope="session")
def treasury(accounts):
    return accounts[7]


@pytest.fixture(scope="session")
def holder(accounts):
    return accounts[8]
