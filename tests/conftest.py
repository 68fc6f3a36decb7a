"""Shared test configuration: a fresh build first, Hypothesis profiles, named actors.

Profiles (choose with HYPOTHESIS_PROFILE):
- ``dev``  (default): small example counts so ``make test`` stays within its budget (the
  stateful machines run 10 steps per example here; ``ci`` runs 20).
- ``ci``   : what CI runs; larger, prints reproduction blobs.
- ``deep`` : 20x ``ci`` and more; for overnight auditor runs, never in CI.
- ``stateful-deep``: 80 examples x 40 steps, for the stateful suites (`make test-stateful-deep`).
"""

import os

import pytest
from ape import fixture as ape_fixture
from hypothesis import HealthCheck, settings

import modelmint.dev  # noqa: F401  (applies the ape workarounds: modelmint/deploy/ape_compat.py)
from modelmint.dev.build import ensure_fresh_build
from modelmint.dev.roles import ROLES

# Shared fixtures (tests/fixtures): protocol governance is the default deployment; suites that
# deploy differently override names in their own conftest.py.
pytest_plugins = ("fixtures.governance", "fixtures.models", "fixtures.postgres")

_COMMON = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=10, stateful_step_count=10, **_COMMON)
settings.register_profile("ci", max_examples=25, stateful_step_count=20, print_blob=True, **_COMMON)
settings.register_profile(
    "deep", max_examples=500, stateful_step_count=50, print_blob=True, **_COMMON
)
# Stateful suites only, deep enough to reach rare rounding histories (`make test-stateful-deep`).
settings.register_profile(
    "stateful-deep", max_examples=80, stateful_step_count=40, print_blob=True, **_COMMON
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_sessionstart(session):
    """Recompile every contract whose source or imports changed (ape alone misses dependants,
    see modelmint/dev/build.py), so no test runs stale bytecode."""
    from ape import project

    ensure_fresh_build(project)


def _role_fixture(name: str, index: int):
    # chain_isolation=False: an account is the same at every block. Without it, the first test
    # that asks for a role no earlier test used makes ape rebase: revert to before the module's
    # fixtures and deploy them all again (InvalidIsolationWarning).
    @ape_fixture(scope="session", name=name, chain_isolation=False)
    def _account(accounts):
        return accounts[index]

    return _account


# One session fixture per actor role (deployer, model_owner, ..., gateway, holder): the test
# account that modelmint.dev.roles assigns to it.
for _name, _index in ROLES.items():
    globals()[f"_{_name}_account"] = _role_fixture(_name, _index)
