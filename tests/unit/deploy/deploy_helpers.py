"""Helpers for the deployment tests: a sample multi-step plan and crash simulation."""

from modelmint.deploy.engine import DEPLOYER, Call, Deploy, Ref
from modelmint.deploy.plan import set_if_different

MINT_AMOUNT = 1_000 * 10**6


def sample_plan(holder: str, admin, dai_decimals: int = 18):
    """2 tokens, a mint, a registry allow-listing both, a governance handover: 5 txs."""
    return [
        Deploy("USDC", "MockERC20", ("USD Coin", "USDC", 6)),
        Deploy("DAI", "MockERC20", ("Dai", "DAI", dai_decimals)),
        Call(
            "USDC.mint",
            "USDC",
            "mint",
            (holder, MINT_AMOUNT),
            done=lambda ctx: ctx.contract("USDC").balanceOf(holder) >= MINT_AMOUNT,
        ),
        Deploy("registry", "ModelRegistry", (DEPLOYER, [Ref("USDC"), Ref("DAI")])),
        set_if_different(
            "registry.transferGovernance", "registry", "transferGovernance", "governance", admin
        ),
    ]


SAMPLE_TXS = 5
SAMPLE_DEPLOYS = 3


class Interrupted(Exception):
    """Raised from on_broadcast to simulate a crash right after a broadcast."""


def interrupt_at(n):
    def hook(count, tx_hash):
        if count == n:
            raise Interrupted(tx_hash)

    return hook
