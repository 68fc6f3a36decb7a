"""Fixtures for the deployment library tests."""

import pytest
from fixtures.plans import sample_plan

from modelmint.deploy.engine import Deployment


@pytest.fixture
def record_path(tmp_path):
    return tmp_path / "deployments" / "local.json"


@pytest.fixture
def plan(holder, treasury):
    return sample_plan(str(holder.address), str(treasury.address))


@pytest.fixture
def make_deployment(project, chain, deployer, record_path):
    """Builder: a Deployment of ``plan`` by ``deployer`` on the test chain; logs kept."""

    def make(plan, path=None, **kwargs):
        lines = []
        d = Deployment.local(
            plan,
            project=project,
            provider=chain.provider,
            account=deployer,
            record_path=path or record_path,
            log=lines.append,
            **kwargs,
        )
        d.lines = lines
        return d

    return make
