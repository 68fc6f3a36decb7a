"""Governance test helpers shared by tests, the gas bench and the demo.

``deploy_protocol_governance`` deploys GovernanceToken -> ProtocolTimelock -> ProtocolGovernor
from the deploy plan so that no externally owned account keeps a role (the deployer's bootstrap
admin role is renounced before the function returns). ``Proposal`` drives one proposal through
propose -> vote -> queue -> execute with each step a separate, visible call.

The parameters are :class:`modelmint.deploy.governance.GovernanceParams` (one vocabulary with
the network configs and the plan): durations in seconds, amounts in whole tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import IntEnum
from typing import Any

from eth_utils import keccak

from modelmint.deploy.governance import GovernanceParams
from modelmint.deploy.protocol import deploy_protocol


class ProposalState(IntEnum):
    """OpenZeppelin IGovernor.ProposalState."""

    Pending = 0
    Active = 1
    Canceled = 2
    Defeated = 3
    Succeeded = 4
    Queued = 5
    Expired = 6
    Executed = 7


class Vote(IntEnum):
    """GovernorCountingSimple support values."""

    Against = 0
    For = 1
    Abstain = 2


@dataclass
class ProtocolGovernance:
    token: Any
    timelock: Any
    governor: Any


def timelock_roles(timelock) -> dict[str, bytes]:
    return {
        "DEFAULT_ADMIN_ROLE": timelock.DEFAULT_ADMIN_ROLE(),
        "PROPOSER_ROLE": timelock.PROPOSER_ROLE(),
        "EXECUTOR_ROLE": timelock.EXECUTOR_ROLE(),
        "CANCELLER_ROLE": timelock.CANCELLER_ROLE(),
    }


def deploy_protocol_governance(
    project: Any, deployer: Any, params: GovernanceParams
) -> ProtocolGovernance:
    """Deploys token, timelock and governor through the deploy plan with ``params`` (``holder``
    may be an account); leaves the governor as the timelock's only proposer/canceller,
    execution open to anyone, and the deployer with no role."""
    holder = str(getattr(params.holder, "address", params.holder))
    p = deploy_protocol(
        project, deployer, only=("governor",), governance=replace(params, holder=holder)
    )
    for role in timelock_roles(p.timelock).values():
        if p.timelock.hasRole(role, deployer):
            raise AssertionError("deployer kept a timelock role")
    return ProtocolGovernance(token=p.gov_token, timelock=p.timelock, governor=p.governor)


def delegate(votes_token, to, sender):
    """ERC-5805 ``delegate(to)``. ape's ContractInstance has its own ``delegate`` attribute
    (EIP-7702 / proxy delegate lookup) that shadows the contract method, so call it by name."""
    return votes_token.invoke_transaction("delegate", to, sender=sender)


def description_hash(description: str) -> bytes:
    return keccak(text=description)


@dataclass
class Proposal:
    """One governance proposal: a batch of calls plus a description.

    ``calls`` are ``(contract_method, *args)`` tuples, e.g. ``(registry.setFlagged, 1, True)``;
    ``value`` is always 0 (no Modelmint admin function takes ETH).
    """

    governor: Any
    calls: list[tuple]
    description: str
    targets: list[str] = field(init=False)
    values: list[int] = field(init=False)
    calldatas: list[bytes] = field(init=False)

    def __post_init__(self):
        self.targets = [call[0].contract.address for call in self.calls]
        self.values = [0] * len(self.calls)
        self.calldatas = [bytes(call[0].encode_input(*call[1:])) for call in self.calls]

    @property
    def operation(self) -> tuple:
        """``(targets, values, calldatas, descriptionHash)``: what the governor's
        ``hashProposal``, ``queue`` and ``execute`` take."""
        return (self.targets, self.values, self.calldatas, description_hash(self.description))

    @property
    def id(self) -> int:
        return self.governor.hashProposal(*self.operation)

    def state(self) -> ProposalState:
        return ProposalState(self.governor.state(self.id))

    def propose(self, sender):
        return self.governor.propose(
            self.targets, self.values, self.calldatas, self.description, sender=sender
        )

    def vote(self, voter, support: Vote):
        return self.governor.castVote(self.id, int(support), sender=voter)

    def queue(self, sender):
        return self.governor.queue(*self.operation, sender=sender)

    def execute(self, sender):
        return self.governor.execute(*self.operation, sender=sender)

    # --- time travel ------------------------------------------------------------------------
    # The governor's clock is its token's (ERC-6372): GovernanceToken counts seconds,
    # ModelShares counts blocks. The timelock's delay is always in seconds.

    def wait_until_voting_starts(self, chain):
        """Advances the chain past the snapshot, so votes can be cast (state Active)."""
        _advance_past(chain, self.governor, self.governor.proposalSnapshot(self.id))

    def wait_until_voting_ends(self, chain):
        """Advances the chain past the deadline (state Succeeded or Defeated)."""
        _advance_past(chain, self.governor, self.governor.proposalDeadline(self.id))

    def wait_until_executable(self, chain):
        """Advances the chain to the timelock ETA (a timestamp)."""
        eta = self.governor.proposalEta(self.id)
        chain.mine(timestamp=max(eta, chain.blocks.head.timestamp + 1))


def _advance_past(chain, governor, timepoint: int):
    if governor.CLOCK_MODE() == "mode=timestamp":
        chain.mine(timestamp=max(timepoint + 1, chain.blocks.head.timestamp + 1))
    else:
        blocks = timepoint + 1 - chain.blocks.head.number
        if blocks > 0:
            chain.mine(blocks)
