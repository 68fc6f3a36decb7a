"""Receipts do not replay across chain ids: the same UsageCredits deployment (same bytecode, same
deployer key and nonce, hence the same address) on the local chain (id 31337) and on the Sepolia
fork (id 11155111), the same channel, the same receipt fields: a receipt signed for one chain's
domain is rejected on the other, and accepted on its own.

The test runs in both passes of `make test`: on the local chain in `ape test tests`, and on the
fork in the FORK_SUITES pass (`MODELMINT_FORK_SESSION=1 ape test --network
ethereum:sepolia-fork:foundry tests/fork`). Only the chain id differs between the two runs, so
each run checks one direction: local receipt on the fork, fork receipt on the local chain.
"""

import ape
import pytest
from ape_test.accounts import TestAccountContainer
from eth_account import Account
from eth_utils import keccak, to_checksum_address

from modelmint.credits import ChannelTerms, rejection_reason
from modelmint.deploy.fork import SEPOLIA_CHAIN_ID
from modelmint.deploy.models import register_model
from modelmint.deploy.protocol import deploy_protocol
from modelmint.dev.testing import isolated
from modelmint.receipts import Receipt, ReceiptDomain, recover_signer, sign_receipt

pytestmark = pytest.mark.fork
LOCAL_CHAIN_ID = 31337  # anvil's default, the chain of `ape test` on ethereum:local:foundry
DEPLOYER_KEY = keccak(text="modelmint receipt-replay deployer")
CONSUMER_KEY = keccak(text="modelmint receipt-replay consumer")
CREDIT_VALUE = 10**12
DEADLINE = 2**40  # far future on any chain: the deadline never decides these tests
CUMULATIVE = 5  # the receipt's credits (its channel is the consumer's salt 0 to the gateway)


def _account(key: bytes, index: int):
    """An ape account for a fixed key, unknown to every chain (nonce 0 on both)."""
    address = Account.from_key(key).address
    return TestAccountContainer.init_test_account(index, address, "0x" + key.hex())


def _credits_address(deployer_address: str) -> str:
    """CREATE address of the deployer's nonce 2 (registry 0, router 1, credits 2)."""
    import rlp

    raw = rlp.encode([bytes.fromhex(deployer_address[2:]), 2])
    return to_checksum_address(keccak(raw)[12:])


def test_receipt__signed_for_the_other_chain__rejected_same_contract_same_channel(
    project, chain, accounts, gateway, treasury
):
    here = chain.chain_id
    assert here in (LOCAL_CHAIN_ID, SEPOLIA_CHAIN_ID)
    other = SEPOLIA_CHAIN_ID if here == LOCAL_CHAIN_ID else LOCAL_CHAIN_ID
    deployer, consumer = _account(DEPLOYER_KEY, 900), _account(CONSUMER_KEY, 901)

    with isolated(chain):
        assert chain.provider.get_nonce(deployer.address) == 0
        for who in (deployer, consumer):
            accounts[0].transfer(who, 10**18)
        # The plan deploys registry, router, credits in that order: nonces 0, 1, 2.
        p = deploy_protocol(
            project, deployer, only=("credits",), treasury=treasury, protocol_fee_bps=500
        )
        registry, router, credits = p.registry, p.router, p.credits
        assert credits.address == _credits_address(deployer.address)  # same on both chains

        model_id, _ = register_model(
            registry, deployer, b"\x11" * 32, "ipfs://v1", "ipfs://m", gateways=[gateway]
        )
        credits.enableCredits(model_id, CREDIT_VALUE, sender=deployer)
        credits.buyCredits(model_id, 10, consumer, value=10 * CREDIT_VALUE, sender=consumer)
        expiry = chain.pending_timestamp + 86_400
        terms = ChannelTerms(consumer.address, gateway.address, model_id, 0)
        tx = credits.openChannel(model_id, gateway, terms.salt, 10, expiry, sender=consumer)
        assert tx.decode_logs(credits.ChannelOpened)[0].channelId == terms.channel_id
        receipt = Receipt(terms.channel_id, CUMULATIVE, DEADLINE)

        domain = ReceiptDomain.from_contract(credits)
        assert domain.chain_id == here
        foreign_domain = ReceiptDomain(chain_id=other, verifying_contract=credits.address)
        foreign = sign_receipt(foreign_domain, receipt, CONSUMER_KEY)
        own = sign_receipt(domain, receipt, CONSUMER_KEY)
        # Both are valid signatures by the consumer, over different digests.
        assert recover_signer(foreign_domain, foreign) == consumer.address
        assert foreign.signature != own.signature

        assert not credits.verifyReceipt(*foreign.verify_args(terms))
        # Refused by name (a batch never reverts on one receipt) and settles nothing.
        tx = credits.settle([foreign.settle_args(terms)], sender=gateway)
        [rejected] = tx.decode_logs(credits.ReceiptRejected)
        assert rejected.channelId == terms.channel_id
        assert rejection_reason(rejected.reason) == "UsageCreditsInvalidSignature"
        assert credits.channel(terms.channel_id).settled == 0
        assert router.liabilities(ape.utils.ZERO_ADDRESS) == 0

        # Control: the receipt signed for this chain's domain settles.
        assert credits.verifyReceipt(*own.verify_args(terms))
        credits.settle([own.settle_args(terms)], sender=gateway)
        assert credits.channel(terms.channel_id).settled == CUMULATIVE
