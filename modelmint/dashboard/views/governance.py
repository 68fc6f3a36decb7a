"""Proposals of a governor (the protocol's, or a fractionalized model's), as the pages show them.

A governor counts time on its token's EIP-6372 clock (``CLOCK_MODE()``): the protocol's
GovernanceToken on timestamps, a model's ModelShares on block numbers. ``voteStart`` and
``voteEnd`` are in those units (``clock``); ``voteStartAt`` and ``voteEndAt`` are their dates:
a past block's own timestamp, or an estimate from the recent block time for a block still to
come (``estimated``).
``actions`` lists what can be done now: ``vote`` while Active, ``queue`` once Succeeded,
``execute`` once Queued and the timelock's eta has passed (``executableAt``).
"""

from __future__ import annotations

from typing import Any

from web3 import Web3

from modelmint.dashboard.reads import Head, JsonObject, Reads

PROPOSAL_STATE = (
    "Pending",
    "Active",
    "Canceled",
    "Defeated",
    "Succeeded",
    "Queued",
    "Expired",
    "Executed",
)
BLOCKS = "blocknumber"
TIMESTAMPS = "timestamp"


def clock_mode(governor: Any) -> str:
    """``blocknumber`` or ``timestamp``: the governor's EIP-6372 clock."""
    mode = str(governor.functions.CLOCK_MODE().call())
    fields = dict(part.partition("=")[::2] for part in mode.split("&"))
    return TIMESTAMPS if fields.get("mode") == TIMESTAMPS else BLOCKS


def actions(state: str, eta: int, now: int) -> list[str]:
    """What can be done with a proposal in ``state`` at chain time ``now``."""
    if state == "Active":
        return ["vote"]
    if state == "Succeeded":
        return ["queue"]
    if state == "Queued" and eta and eta <= now:
        return ["execute"]
    return []


def _date(reads: Reads, mode: str, timepoint: int, head: Head) -> int:
    """The date of a timepoint: itself on a timestamp clock, the block's own timestamp for a
    past block, an estimate for a block to come."""
    if mode == TIMESTAMPS:
        return timepoint
    if timepoint <= head.number:
        return int(reads.w3.eth.get_block(timepoint)["timestamp"])
    return head.date_of(timepoint)


def proposals(reads: Reads, governor: Any) -> list[JsonObject]:
    """Every proposal ``governor`` created, with its live state, votes, window and actions."""
    events = reads.indexer.events(event="ProposalCreated", address=governor.address)
    if not events:
        return []
    mode = clock_mode(governor)
    head = reads.head()
    rows = []
    for ev in events:
        a = ev.args
        pid = int(a["proposalId"])
        against, for_, abstain = governor.functions.proposalVotes(pid).call()
        state = PROPOSAL_STATE[governor.functions.state(pid).call()]
        eta = int(governor.functions.proposalEta(pid).call())
        start, end = int(a["voteStart"]), int(a["voteEnd"])
        rows.append(
            {
                "id": str(pid),
                "governor": governor.address,
                "proposer": a["proposer"],
                "description": a["description"],
                "targets": a["targets"],
                "values": [str(v) for v in a["values"]],
                "calldatas": a["calldatas"],
                "descriptionHash": Web3.keccak(text=a["description"]).to_0x_hex(),
                "clock": mode,
                "voteStart": start,
                "voteEnd": end,
                "voteStartAt": _date(reads, mode, start, head),
                "voteEndAt": _date(reads, mode, end, head),
                "estimated": mode == BLOCKS and end > head.number,
                "state": state,
                "votes": {"against": str(against), "for": str(for_), "abstain": str(abstain)},
                "eta": eta,
                "executableAt": eta or None,
                "actions": actions(state, eta, head.timestamp),
            }
        )
    return rows
