"""Proposals of a governor (the protocol's, or a fractionalized model's), as the pages show them."""

from __future__ import annotations

from typing import Any

from web3 import Web3

from modelmint.dashboard.indexer import Indexer
from modelmint.dashboard.reads import JsonObject

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


def proposals(indexer: Indexer, governor: Any) -> list[JsonObject]:
    """Every proposal ``governor`` created, with its live state, votes and eta."""
    rows = []
    for ev in indexer.events(event="ProposalCreated", address=governor.address):
        a = ev.args
        pid = int(a["proposalId"])
        against, for_, abstain = governor.functions.proposalVotes(pid).call()
        state = governor.functions.state(pid).call()
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
                "voteStart": int(a["voteStart"]),
                "voteEnd": int(a["voteEnd"]),
                "state": PROPOSAL_STATE[state],
                "votes": {"against": str(against), "for": str(for_), "abstain": str(abstain)},
                "eta": governor.functions.proposalEta(pid).call(),
            }
        )
    return rows
