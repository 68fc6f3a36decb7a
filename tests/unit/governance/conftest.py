"""The governance suites' fixtures (shared with the security suites and integration flows)."""

from fixtures.governance import (  # noqa: F401  (fixtures, found by name)
    deploy_everything_first,
    fractionalize,
    fractionalizer,
    gov,
    governed_protocol,
    governor,
    mock_erc20,
    model_governor_impl,
    model_timelock_impl,
    register_model,
    registry,
    router,
    shares_factory,
    timelock,
    token,
)
