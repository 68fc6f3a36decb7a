"""The indexer against a real anvil: it equals the chain, resumes, waits, and survives reorgs,
on both stores (an SQLite file and a PostgreSQL database on the session's server)."""

from __future__ import annotations

import pytest
from eth_utils import to_checksum_address
from fixtures.postgres import new_database
from web3 import Web3

from modelmint.dashboard.indexer import SKIPPED_EVENTS, Indexer
from modelmint.records import Record


@pytest.fixture(params=["sqlite", "postgresql"])
def index_db(request, tmp_path):
    """Builder: ``index_db(name)`` names a fresh index (the same name, the same index)."""
    made: dict[str, str] = {}

    def _db(name: str) -> str:
        if name not in made:
            if request.param == "sqlite":
                made[name] = str(tmp_path / f"{name}.sqlite")
            else:
                made[name] = new_database(request.getfixturevalue("postgres"))
        return made[name]

    return _db


def _w3(market) -> Web3:
    return Web3(Web3.HTTPProvider(market.rpc))


def _indexer(market, path, confirmations=0) -> Indexer:
    return Indexer(_w3(market), Record.load(market.record_path), path, confirmations=confirmations)


def _chain_view(indexer: Indexer) -> list[tuple]:
    """Every watched log up to the cursor, read straight from the chain, as stored keys."""
    addresses = {a: k for a, k in indexer.static.items()}
    addresses.update({a: k for a, k, _ in indexer.contracts()})
    logs = indexer.w3.eth.get_logs(
        {"address": list(addresses), "fromBlock": indexer.start_block, "toBlock": indexer.cursor}
    )
    names = {
        kind: {topic: abi["name"] for topic, abi in indexer._topics[kind].items()}
        for kind in set(addresses.values())
    }
    view = []
    for log in logs:
        name = names[addresses[to_checksum_address(log["address"])]].get(bytes(log["topics"][0]))
        if name and name not in SKIPPED_EVENTS:
            view.append(
                (log["blockNumber"], log["logIndex"], log["transactionHash"].to_0x_hex(), name)
            )
    return sorted(view)


def _index_view(indexer: Indexer) -> list[tuple]:
    return [(e.block_number, e.log_index, e.tx_hash, e.event) for e in indexer.events()]


def test_indexer__seeded_market__equals_chain_and_follows_fractionalized_contracts(
    market, index_db
):
    indexer = _indexer(market, index_db("i"))
    result = indexer.sync()

    assert result.rolled_back_from is None
    assert _index_view(indexer) == _chain_view(indexer)
    names = {e.event for e in indexer.events()}
    assert {"ModelRegistered", "OfferCreated", "LicensePurchased", "PaymentReceived"} <= names
    assert {"ModelFractionalized", "ProposalCreated", "DelegateChanged"} <= names
    found = {kind for _, kind, _ in indexer.contracts()}
    assert found == {"ModelShares", "ModelGovernor"}
    # The model governor's proposal was found although the governor was created mid-range.
    assert indexer.events(event="ProposalCreated", address=market.model_governor.address)


def test_indexer__restart__resumes_from_its_cursor_and_equals_a_fresh_index(
    market, licensee, chain, index_db
):
    path = index_db("resume")
    first = _indexer(market, path)
    first.sync()
    stopped_at = first.cursor
    first.close()

    market.licenses.purchase(
        market.offer_id, licensee, market.license_price, sender=licensee, value=market.license_price
    )
    market.credits.buyCredits(
        market.priced_model, 7, licensee, sender=licensee, value=7 * market.credit_value
    )
    restarted = _indexer(market, path)
    assert restarted.cursor == stopped_at  # resumed, not re-read from the start
    result = restarted.sync()

    # purchase: LicensePurchased, Transfer, PaymentReceived; credits: CreditsBought, TransferSingle
    assert result.events == 3 + 2
    fresh = _indexer(market, index_db("fresh"))
    fresh.sync()
    assert _index_view(restarted) == _index_view(fresh) == _chain_view(restarted)


def test_indexer__confirmations__holds_back_blocks_until_deep_enough(
    market, licensee, chain, index_db
):
    indexer = _indexer(market, index_db("conf"), confirmations=2)
    indexer.sync()
    tx = market.credits.buyCredits(
        market.priced_model, 3, licensee, sender=licensee, value=3 * market.credit_value
    )

    indexer.sync()
    assert indexer.cursor == tx.block_number - 2
    assert not [
        e for e in indexer.events(event="CreditsBought") if e.block_number == tx.block_number
    ]
    chain.mine(2)
    indexer.sync()
    bought = [e for e in indexer.events(event="CreditsBought") if e.block_number == tx.block_number]
    assert [e.args["credits"] for e in bought] == [3]


def test_indexer__reorg_by_revert__rolls_back_orphaned_events_and_indexes_the_new_chain(
    market, licensee, contributor, chain, index_db
):
    w3 = _w3(market)
    indexer = _indexer(market, index_db("reorg"))
    indexer.sync()
    snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
    orphan = market.licenses.purchase(
        market.offer_id, licensee, market.license_price, sender=licensee, value=market.license_price
    )
    chain.mine(2)
    indexer.sync()
    assert orphan.txn_hash in {e.tx_hash for e in indexer.events()}

    assert w3.provider.make_request("evm_revert", [snapshot])["result"]
    chain.pending_timestamp += 13  # the new branch's blocks differ from the orphaned ones
    replacement = market.credits.buyCredits(
        market.priced_model, 5, contributor, sender=contributor, value=5 * market.credit_value
    )
    chain.mine(3)
    result = indexer.sync()

    assert result.rolled_back_from is not None
    hashes = {e.tx_hash for e in indexer.events()}
    assert orphan.txn_hash not in hashes
    assert replacement.txn_hash in hashes
    assert _index_view(indexer) == _chain_view(indexer)


def test_indexer__anvil_reorg__replaced_blocks_are_detected_by_hash(
    market, chain, deployer, contributor, index_db
):
    w3 = _w3(market)
    chain.mine(4)
    indexer = _indexer(market, index_db("anvil-reorg"))
    indexer.sync()
    before = indexer.cursor

    # The new branch carries a transfer the old one lacked, so the 3 blocks' hashes change.
    transfer = {"from": str(deployer.address), "to": str(contributor.address), "value": "0x1"}
    response = w3.provider.make_request("anvil_reorg", [3, [[transfer, 0]]])
    assert "error" not in response, response
    result = indexer.sync()

    assert result.rolled_back_from == before
    assert indexer.cursor == w3.eth.block_number
    stored = dict(indexer.store.blocks(before))[before]
    assert stored == w3.eth.get_block(before)["hash"].to_0x_hex()
    assert _index_view(indexer) == _chain_view(indexer)


def test_indexer__another_chain_or_deployment__discards_the_old_index(market, index_db):
    path = index_db("identity")
    indexer = _indexer(market, path)
    indexer.sync()
    identity = f"{indexer.w3.eth.chain_id}:{','.join(sorted(indexer.static))}"
    assert indexer.events() and not indexer.store.claim(identity)  # its own index: kept
    stopped_at = indexer.cursor
    indexer.close()

    reopened = _indexer(market, path)
    assert reopened.events() and reopened.cursor == stopped_at  # resumed, not discarded
    discarded = reopened.store.claim("1:another-deployment")

    assert discarded
    assert reopened.events() == []
    assert reopened.cursor == reopened.start_block - 1
