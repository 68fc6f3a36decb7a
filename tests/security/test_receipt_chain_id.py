"""The receipt domain follows the chain id: on the local anvil, switching the node's chain id
(`anvil_setChainId`, as after a chain split) changes `eip712Domain().chainId`, the digest of the
same receipt, and which signature verifies. OZ EIP712 recomputes its cached separator whenever
`block.chainid` differs from the deployment's. The cross-chain run on a real second chain id is
tests/fork/test_receipt_replay_fork.py."""

import pytest
from fixtures.channels import opened
from security_helpers import deploy_kit

from modelmint.constants import DAY
from modelmint.deploy.fork import SEPOLIA_CHAIN_ID
from modelmint.dev.testing import isolated
from modelmint.receipts import Receipt, ReceiptDomain, receipt_digest, sign_receipt

CREDIT_VALUE = 10**12


@pytest.fixture(scope="module")
def channel(project, deployer, treasury, model_owner, consumer, gateway, chain):
    kit = deploy_kit(project, deployer, treasury)
    model_id = kit.register(model_owner)
    kit.credits.enableCredits(model_id, CREDIT_VALUE, sender=model_owner)
    kit.registry.setGateway(model_id, gateway, True, sender=model_owner)
    kit.credits.buyCredits(model_id, 10, consumer, value=10 * CREDIT_VALUE, sender=consumer)
    tx = kit.credits.openChannel(
        model_id, gateway, 0, 10, chain.pending_timestamp + DAY, sender=consumer
    )
    return kit.credits, opened(kit.credits, tx)


def test_domain__node_chain_id_changes__separator_and_valid_signature_follow(
    channel, consumer, chain
):
    credits, cid = channel
    local_id = chain.chain_id
    receipt = Receipt(cid, 5, 2**40)
    local = ReceiptDomain.from_contract(credits)
    assert local.chain_id == local_id != SEPOLIA_CHAIN_ID
    sepolia = ReceiptDomain(chain_id=SEPOLIA_CHAIN_ID, verifying_contract=credits.address)
    signed_local = sign_receipt(local, receipt, consumer)
    signed_sepolia = sign_receipt(sepolia, receipt, consumer)

    def views():
        return (
            ReceiptDomain.from_contract(credits),
            bytes(credits.receiptDigest(cid, 5, 2**40)),
            credits.verifyReceipt(*signed_local.verify_args(cid.terms)),
            credits.verifyReceipt(*signed_sepolia.verify_args(cid.terms)),
        )

    assert views() == (local, receipt_digest(local, receipt), True, False)
    with isolated(chain):
        chain.provider.make_request("anvil_setChainId", [SEPOLIA_CHAIN_ID])
        try:
            assert views() == (sepolia, receipt_digest(sepolia, receipt), False, True)
        finally:
            chain.provider.make_request("anvil_setChainId", [local_id])
    assert views() == (local, receipt_digest(local, receipt), True, False)
