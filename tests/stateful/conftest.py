"""The revenue deployment: mock ERC-20 and fee-on-transfer token, registry, router, shares
factory and builders (tests/fixtures/revenue.py)."""

from fixtures.revenue import create_shares, deployed_erc20, deployed_fot, fot_token, fund, token

# isort: split
from fixtures.revenue import registry, router, shares_factory
