"""The protocol governance's parameters, declared once: names, units, defaults and bounds.

:class:`GovernanceParams` is the ``governance:`` section of ``config/networks/<network>.yaml``
(its field names are the YAML keys), what :class:`modelmint.deploy.plan.PlanInputs` carries
to the plan and what ``modelmint.dev.governance.deploy_protocol_governance`` takes. All
governance clocks are timestamps (ERC-6372 ``mode=timestamp``): durations are seconds;
token amounts are whole tokens (18 decimals applied on deploy).

    GovernanceParams(voting_period_seconds=600, timelock_min_delay_seconds=60)
"""

from __future__ import annotations

from typing import Annotated, Any

from eth_utils import is_address, to_checksum_address
from pydantic import AfterValidator, ConfigDict, Field, ValidationInfo
from pydantic.dataclasses import dataclass

from modelmint.constants import DAY, WAD

#: In a config file, the account running the deploy (meant for the local chain and forks).
DEPLOYER = "deployer"


def address_or_deployer(value: Any, info: ValidationInfo) -> str:
    """A checksummed address, or ``deployer``; a clear error naming the field otherwise."""
    field = info.field_name
    if not isinstance(value, str):
        raise ValueError(f"{field} must be an address or '{DEPLOYER}', got {value!r}")
    if value == DEPLOYER:
        return value
    if not is_address(value):
        raise ValueError(f"{field} is not a valid address: {value!r}")
    return to_checksum_address(value)


# A checksummed address, or ``deployer``.
AddressOrDeployer = Annotated[str, AfterValidator(address_or_deployer)]


@dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class GovernanceParams:
    """GovernanceToken, ProtocolTimelock and ProtocolGovernor parameters. The defaults are a
    real deployment's; the local configs shorten the clocks."""

    token_name: str = Field("Modelmint Governance", min_length=1)
    token_symbol: str = Field("MINT", min_length=1, max_length=11)
    initial_supply: int = Field(1_000_000, gt=0, description="whole tokens, minted to holder")
    holder: AddressOrDeployer = Field(DEPLOYER, description="receives the initial supply")
    quorum_percent: int = Field(4, ge=1, le=100, description="% of the supply that must vote")
    voting_delay_seconds: int = Field(1 * DAY, ge=0)
    voting_period_seconds: int = Field(7 * DAY, ge=1)
    proposal_threshold: int = Field(
        10_000, ge=0, description="whole tokens of votes needed to propose"
    )
    timelock_min_delay_seconds: int = Field(2 * DAY, ge=0)

    @property
    def initial_supply_wei(self) -> int:
        return self.initial_supply * WAD

    @property
    def proposal_threshold_wei(self) -> int:
        return self.proposal_threshold * WAD
