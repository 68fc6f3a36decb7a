"""The deployments most unit suites share, in one place: a mock ERC-20, a fee-on-transfer token,
a ModelRegistry with both allow-listed, a RevenueRouter, and model registration.

``deployment_fixtures(...)`` makes a suite's module-scoped fixtures under the suite's own names;
the plain ``deploy_*``/``register`` builders serve suites that wire things differently (the
governance suites: a timelock-governed registry with nothing allow-listed).

Module scope is deliberate: with session scope, a deployment first requested from a later module
was reverted away by ape's per-module snapshot while pytest kept the cached fixture value (ids of
models that no longer existed, RevenueRouterUnknownModel).

Import it as ``from suite_deployments import ...`` after putting tests/unit on sys.path (a
top-level ``tests`` package in site-packages shadows ours).
"""

from typing import NamedTuple

import pytest
from ape.utils import ZERO_ADDRESS

ETH = ZERO_ADDRESS
HASH_1 = b"\x11" * 32
FOT_FEE_BPS = 100  # FeeOnTransferERC20 burns 1 % of every transfer


def deploy_erc20(project, deployer, name="Mock USD", symbol="mUSD", decimals=18):
    return project.MockERC20.deploy(name, symbol, decimals, sender=deployer)


def deploy_fot(project, deployer, fee_bps=FOT_FEE_BPS):
    return project.FeeOnTransferERC20.deploy(fee_bps, sender=deployer)


def deploy_registry(project, deployer, allowed=(), governance=None):
    """A ModelRegistry with `allowed` ERC-20s, governed by `governance` (default: `deployer`)."""
    return project.ModelRegistry.deploy(governance or deployer, list(allowed), sender=deployer)


def deploy_router(project, deployer, registry, treasury, fee_bps):
    return project.RevenueRouter.deploy(registry, treasury, fee_bps, sender=deployer)


def register(registry, owner, asset=ETH, weights=HASH_1, uri="ipfs://v1", meta="ipfs://meta"):
    """Registers a model priced in `asset`; returns (model_id, receipt)."""
    tx = registry.registerModel(asset, weights, uri, meta, sender=owner)
    return tx.decode_logs(registry.ModelRegistered)[0].modelId, tx


class SuiteFixtures(NamedTuple):
    erc20: object
    fot: object
    registry: object
    router: object
    deployed_erc20: object
    deployed_fot: object


def deployment_fixtures(erc20_name, erc20=("Mock USD", "mUSD", 18), fot_name=None, fee_bps=None):
    """Module-scoped fixtures for a suite's conftest, to bind there by unpacking (all six, so
    that pytest finds them; a ``None`` slot is no fixture):

    - ``erc20``: fixture ``erc20_name``, a MockERC20 made from ``erc20`` = (name, symbol, decimals);
    - ``fot``: fixture ``fot_name`` (if given), a FeeOnTransferERC20 taking FOT_FEE_BPS;
    - ``registry``: a ModelRegistry governed by ``deployer``, both tokens allow-listed;
    - ``router`` (if ``fee_bps`` is given): a RevenueRouter taking ``fee_bps`` to ``treasury``;
    - ``deployed_erc20``/``deployed_fot``: the tokens under fixed names, which ``registry`` asks
      for (the suite's names are aliases); ``deployed_fot`` is None without ``fot_name``.
    """

    @pytest.fixture(scope="module", name="deployed_erc20")
    def _deployed_erc20(project, deployer):
        return deploy_erc20(project, deployer, *erc20)

    @pytest.fixture(scope="module", name="deployed_fot")
    def _deployed_fot(project, deployer):
        return deploy_fot(project, deployer) if fot_name else None

    @pytest.fixture(scope="module", name=erc20_name)
    def _erc20(deployed_erc20):
        return deployed_erc20

    @pytest.fixture(scope="module", name=fot_name or "deployed_fot_alias")
    def _fot(deployed_fot):
        return deployed_fot

    @pytest.fixture(scope="module", name="registry")
    def _registry(project, deployer, deployed_erc20, deployed_fot):
        allowed = [t for t in (deployed_erc20, deployed_fot) if t is not None]
        return deploy_registry(project, deployer, allowed)

    @pytest.fixture(scope="module", name="router")
    def _router(project, deployer, registry, treasury):
        return deploy_router(project, deployer, registry, treasury, fee_bps)

    return SuiteFixtures(
        _erc20,
        _fot if fot_name else None,
        _registry,
        _router if fee_bps is not None else None,
        _deployed_erc20,
        _deployed_fot,
    )
