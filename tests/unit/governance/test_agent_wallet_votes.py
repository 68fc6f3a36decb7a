"""An AgentWallet's agent key cannot cast the wallet's votes: the wallet's ERC-1271 accepts only
the EIP-712 types its owner allowed (license access statements), never a governor's Ballot."""

from dataclasses import dataclass
from typing import Annotated

import ape
import pytest
from eth_abi import encode as abi_encode
from eth_utils import keccak

from modelmint import eip712
from modelmint.client.signer import Signer
from modelmint.constants import UNIT
from modelmint.deploy.protocol import deploy_protocol
from modelmint.dev.governance import Vote
from modelmint.eip712 import Address, Uint256
from modelmint.signing import sign_digest

WALLET_VOTES = 200_000 * UNIT


@dataclass(frozen=True)
class Ballot(eip712.TypedStruct):
    """OpenZeppelin Governor's `Ballot(uint256 proposalId,uint8 support,address voter,uint256
    nonce)`."""

    proposal_id: Uint256
    support: Annotated[int, "uint8"]
    voter: Address
    nonce: Uint256


@pytest.fixture
def wallet_with_votes(project, chain, token, holder, consumer, accounts):
    """An AgentWallet of `consumer` holding 200k self-delegated votes; agent: accounts[9]."""
    agent = accounts[9]
    # The wallet registers its agent with a UsageCredits at deployment.
    credits = deploy_protocol(project, accounts[0], only=("credits",)).credits
    wallet = project.AgentWallet.deploy(consumer, agent, credits, sender=consumer)
    token.transfer(wallet, WALLET_VOTES, sender=holder)
    # (ape's contract instance reserves the name `delegate`: encode the call by hand)
    delegate = keccak(text="delegate(address)")[:4] + abi_encode(["address"], [wallet.address])
    wallet.execute(token, 0, delegate, sender=consumer)
    chain.mine(deltatime=1)
    return wallet, agent


@pytest.fixture
def live_proposal(flag_proposal, licensee, wallet_with_votes):
    return flag_proposal(licensee, "Flag model (wallet votes)")


def _ballot_domain(governor, chain):
    _, name, version, _, _, _, _ = governor.eip712Domain()
    return eip712.Eip712Domain(chain.chain_id, governor.address, name, version)


def test_cast_vote_by_sig__agent_key_signs_wallet_ballot__refused(
    chain, governor, wallet_with_votes, live_proposal
):
    wallet, agent = wallet_with_votes
    assert governor.getVotes(wallet, governor.proposalSnapshot(live_proposal.id)) == WALLET_VOTES
    ballot = Ballot(live_proposal.id, int(Vote.For), wallet.address, governor.nonces(wallet))
    domain = _ballot_domain(governor, chain)
    assert Ballot.type_hash() == bytes(governor.BALLOT_TYPEHASH())
    bare = sign_digest(eip712.digest(domain, ballot), agent.private_key)
    wrapped = Signer.smart_wallet(wallet.address, agent.private_key).sign_struct(domain, ballot)
    for signature in (bare, wrapped):
        with ape.reverts(governor.GovernorInvalidSignature, voter=wallet.address):
            governor.castVoteBySig(live_proposal.id, int(Vote.For), wallet, signature, sender=agent)
    assert not governor.hasVoted(live_proposal.id, wallet)
    assert governor.proposalVotes(live_proposal.id) == (0, 0, 0)
    assert governor.nonces(wallet) == ballot.nonce
