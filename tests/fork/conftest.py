"""Fork suite: the deploy runs on ``ethereum:sepolia-fork:foundry``.

The fork's upstream is ``$MODELMINT_SEPOLIA_RPC`` when set (a real Sepolia RPC), else a
local anvil with chain id 11155111 that this conftest starts on a free loopback port and
seeds (6-decimals USDC, an earlier Modelmint registry with one model; modelmint.deploy.fork).

Two ways to run it:
- ``ape test tests`` (local network session): tests marked
  ``use_network("ethereum:sepolia-fork:foundry")`` switch to the fork for their body; the
  ``upstream`` fixture starts the upstream before that.
- ``ape test --network ethereum:sepolia-fork:foundry tests/fork``: ape connects to the fork
  right after collection, so ``pytest_configure`` below starts the upstream first.
"""

import atexit
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from modelmint.deploy.fork import RPC_ENV, Anvil, apply_upstream_env, seed_upstream

UPSTREAM_RECORD_ENV = "MODELMINT_UPSTREAM_RECORD"


@dataclass
class UpstreamInfo:
    uri: str
    local: bool  # our seeded anvil (False: a real RPC from $MODELMINT_SEPOLIA_RPC)
    record: Path | None  # the seed record (local upstream only)
    anvil: Anvil | None = None

    @property
    def env(self) -> dict:
        env = {RPC_ENV: self.uri}
        if self.record is not None:
            env[UPSTREAM_RECORD_ENV] = str(self.record)
        return env


_UPSTREAM: list[UpstreamInfo] = []


def _start_upstream() -> UpstreamInfo:
    if _UPSTREAM:
        return _UPSTREAM[0]
    if os.environ.get(RPC_ENV):
        info = UpstreamInfo(os.environ[RPC_ENV], local=False, record=None)
    else:
        anvil = Anvil().start()
        atexit.register(anvil.stop)
        record = Path(tempfile.mkdtemp(prefix="modelmint-upstream-")) / "sepolia.json"
        seed_upstream(anvil.uri, record)
        info = UpstreamInfo(anvil.uri, local=True, record=record, anvil=anvil)
    _UPSTREAM.append(info)
    return info


def pytest_configure(config):
    network = config.getoption("network", default=None) or ""
    if "sepolia-fork" in network:
        info = _start_upstream()
        os.environ.update(info.env)  # the whole session is on this fork
        apply_upstream_env()


@pytest.fixture(scope="session")
def upstream():
    """The running upstream; ape's sepolia config and the env point at it meanwhile."""
    info = _start_upstream()
    saved = {k: os.environ.get(k) for k in info.env}
    os.environ.update(info.env)
    apply_upstream_env()
    yield info
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
