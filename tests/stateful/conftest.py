"""The revenue deployment (token, fee-on-transfer token, registry, router, shares factory)."""

from fixtures.revenue import (  # noqa: F401  (fixtures, found by name)
    create_shares,
    deployed_erc20,
    deployed_fot,
    fot_token,
    fund,
    register_model,
    registry,
    router,
    shares_factory,
    token,
)
