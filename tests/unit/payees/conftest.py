"""The payees deployment: the revenue suite's mock ERC-20, registry and router, plus a
ModelPayees factory on that router."""

import pytest
from fixtures.revenue import deployed_erc20, deployed_fot, fot_token, fund, token  # noqa: F401

# isort: split
from fixtures.revenue import registry, router, shares_factory  # noqa: F401

from modelmint.deploy.protocol import deploy_protocol


@pytest.fixture(scope="module")
def payees(project, deployer, router):  # noqa: F811
    return deploy_protocol(project, deployer, only=("payees",), deployed={"router": router}).payees


@pytest.fixture(scope="module", autouse=True)
def _payees_first(payees, token, fot_token, router, register_model):  # noqa: F811
    """Deployed before the first test (ape isolation rebases later module fixtures)."""
