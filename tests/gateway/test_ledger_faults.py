"""Faults on the gateway's domain modules in process, against the real chain (ape's
anvil), the real store and real onnxruntime: channel phases by time, smart-wallet consumers
(their registered key signs; a served receipt settles even after the wallet turns against
it), the model raising mid-request, the node going down (fail closed, then recovering), and
settlement transactions that are dropped, or whose receipt the contract rejects.

One clock: the chain's. ape reverts the chain after every test, and anvil's clock goes back
with it (to the snapshot's block time), so within this module the chain falls behind the wall
clock by the time the earlier tests took (minutes on a busy machine). The settler judges
deadlines by the chain's clock, so the ledger here reads it too and the tests take deadlines
and expiries from it."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import replace

import httpx
import onnx
import pytest
from eth_account import Account
from inprocess import charge, lose_the_nonce_race, own_gateway
from onnx import TensorProto, helper
from payer import Payer, digits
from web3 import Web3

from modelmint.access import AccessStatement, SignedStatement, sign_statement
from modelmint.deploy.models import register_model
from modelmint.dev.testing import free_terms, wait_until
from modelmint.errors import ErrorCode, WireError
from modelmint.gateway.app import create_app
from modelmint.gateway.errors import ChainReverted, ChainUnavailable, StartupError
from modelmint.gateway.service import Service
from modelmint.gateway.settings import GatewaySettings
from modelmint.receipts import SECP256K1_N, encode_signature, split_signature
from modelmint.weights import weights_hash
from modelmint.wire import HEADER_PAYMENT_SIGNATURE, encode_payment_payload

gateway = own_gateway(8)

GRACE = 24 * 3600


@pytest.fixture(scope="module")
def settings_for(rpc_url, record_path, protocol, gateway_key, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("faults")

    def _settings(**overrides):
        base = dict(
            rpc_url=rpc_url,
            deployment=record_path,
            model_id=protocol["model_id"],
            private_key="0x" + bytes(gateway_key.key).hex(),
            store_path=workdir / f"store-{time.monotonic_ns()}.sqlite3",
            settle_in_process=False,
        )
        base.update(overrides)
        return GatewaySettings(**base)

    return _settings


@pytest.fixture(scope="module")
def service(settings_for, chain):
    svc = Service.start(settings_for())
    svc.ledger.clock = _chain_clock(chain)
    yield svc
    svc.close()


def _chain_clock(chain):
    """The ledger's clock on the chain's time (the settler's), not the wall clock. Read
    through ape's connection: a test may cut the gateway's own."""
    return lambda: float(chain.blocks.head.timestamp)


def _begin(service, payer: Payer, **kwargs):
    """Verify and charge one item through the ledger (what the predict route does)."""
    return charge(service, payer.payload(amount=1, **kwargs))


def _code(call) -> ErrorCode:
    with pytest.raises(WireError) as info:
        call()
    return info.value.code


def _payer(service, consumer_key, channel):
    info_req = service.terms.requirements(1)
    return Payer("http://unused", consumer_key, channel, requirements=info_req)


def _until_confirmed(settler) -> list[str]:
    """Settler passes until the settlement in flight is confirmed (the node mines
    asynchronously)."""
    return wait_until(
        lambda: settler.run_once().confirmed, "the settlement in flight to be confirmed"
    )


# ----------------------------------------------------------------------------- channel phases
def test_ledger__channel_in_grace_or_expired__rejected(
    service, chain, consumer, consumer_key, open_channel, protocol
):
    channel = open_channel(consumer, 10)
    expiry = protocol["credits"].channel(channel.channel_id).expiry
    payer = _payer(service, consumer_key, channel)
    try:
        service.ledger.clock = lambda: expiry + 1
        assert (
            _code(lambda: _begin(service, payer, deadline=expiry + 10_000))
            is ErrorCode.CHANNEL_IN_GRACE
        )
        service.ledger.clock = lambda: expiry + GRACE
        assert (
            _code(lambda: _begin(service, payer, deadline=expiry + GRACE + 10_000))
            is ErrorCode.CHANNEL_EXPIRED
        )
    finally:
        service.ledger.clock = _chain_clock(chain)
    assert _begin(service, payer).charged_credits == 1  # before expiry it serves


# ----------------------------------------------------------------------------- smart wallets
def test_ledger__wallet_consumer__registered_key_served_and_final_after_wallet_turns(
    settings_for, project, chain, consumer, consumer_key, protocol, gateway, attacker
):
    """A service of its own: its settlement must not leave channel records behind for the
    module's shared service (channel ids repeat after each test's snapshot)."""
    credits = protocol["credits"]
    wallet = project.ERC1271Wallet.deploy(consumer, sender=consumer)
    model_id = protocol["model_id"]
    credits.buyCredits(model_id, 10, wallet, sender=consumer, value=10 * 10**12)
    register = credits.setReceiptSigner.encode_input(consumer)
    wallet.execute(credits, 0, register, sender=consumer)
    expiry = chain.pending_timestamp + 3600
    channel = free_terms(credits, wallet.address, gateway, model_id)
    call = credits.openChannel.encode_input(model_id, gateway, channel.salt, 10, expiry)
    wallet.execute(credits, 0, call, sender=consumer)
    service = Service.start(settings_for())
    service.ledger.clock = _chain_clock(chain)
    try:
        payer = _payer(service, consumer_key, channel)  # the registered key signs
        assert _begin(service, payer).charged_credits == 1
        payer.charged = 1
        # The wallet turns against its receipts: no effect on what its channel accepts.
        wallet.setRejectAll(True, sender=consumer)
        rotate = credits.setReceiptSigner.encode_input(attacker.address)
        wallet.execute(credits, 0, rotate, sender=consumer)
        assert _begin(service, payer).charged_credits == 1
        payer.charged = 2
        # Another key is still refused, without asking the wallet.
        stranger = _payer(service, Account.from_key(attacker.private_key), channel)
        stranger.charged = 2
        assert _code(lambda: _begin(service, stranger)) is ErrorCode.BAD_SIGNATURE
        service.settler.run_once(force=True)
        assert _until_confirmed(service.settler)
    finally:
        service.close()
    assert credits.channel(channel.channel_id).settled == 2


def test_license__erc1271_account__accepted_then_revoked(
    service, project, protocol, model_owner, consumer
):
    """A contract account holding a license: its owner's signature is the wallet's
    (ERC-1271); once the wallet refuses, the statement is refused."""
    licenses = protocol["licenses"]
    wallet = project.ERC1271Wallet.deploy(consumer, sender=consumer)
    params = (protocol["model_id"], 0, 0, 0, 0, 0, False, False, "ipfs://t", b"\x02" * 32)
    offer_id = (
        licenses.createOffer(params, sender=model_owner)
        .decode_logs(licenses.OfferCreated)[0]
        .offerId
    )
    licenses.purchase(offer_id, wallet, 0, sender=consumer)
    owner_key = Account.from_key(consumer.private_key)
    gate = service.licenses

    def header():
        statement = AccessStatement.new(wallet.address, protocol["model_id"], gate.version)
        return sign_statement(gate.domain, statement, owner_key.key).to_header()

    assert asyncio.run(gate.check(header())) == wallet.address
    wallet.setRejectAll(True, sender=consumer)
    with pytest.raises(WireError) as info:
        asyncio.run(gate.check(header()))
    assert info.value.code is ErrorCode.STATEMENT_INVALID
    # An EOA's high-s signature is refused before any license lookup.
    eoa = Account.create()
    statement = AccessStatement.new(eoa.address, protocol["model_id"], gate.version)
    signed = sign_statement(gate.domain, statement, eoa.key)
    v, r, s = split_signature(signed.signature)
    flipped = SignedStatement(signed.statement, encode_signature(55 - v, r, SECP256K1_N - s))
    with pytest.raises(WireError) as info:
        asyncio.run(gate.check(flipped.to_header()))
    assert info.value.code is ErrorCode.STATEMENT_INVALID


# ----------------------------------------------------------------------------- model raising
def _reshape_model() -> bytes:
    """A real ONNX model that fails inside onnxruntime unless the batch has 3k items
    (it reshapes [N, 64] to [-1, 96])."""
    x = helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 64])
    y = helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 96])
    shape = helper.make_tensor("shape", TensorProto.INT64, [2], [-1, 96])
    graph = helper.make_graph(
        [helper.make_node("Reshape", ["X", "shape"], ["Y"])], "fails", [x], [y], [shape]
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model.SerializeToString()


def test_predict__model_raises__model_failed_and_nothing_charged(
    settings_for, chain, protocol, model_owner, gateway, consumer, consumer_key, tmp_path
):
    weights = tmp_path / "reshape.onnx"
    weights.write_bytes(_reshape_model())
    onnx.checker.check_model(onnx.load(weights))
    registry, credits = protocol["registry"], protocol["credits"]
    model_id, _ = register_model(
        registry, model_owner, weights_hash(weights), "ipfs://r", "ipfs://m", gateways=[gateway]
    )
    credits.enableCredits(model_id, 10**12, sender=model_owner)
    credits.buyCredits(model_id, 10, consumer, sender=consumer, value=10 * 10**12)
    expiry = chain.pending_timestamp + 3600
    channel = free_terms(credits, consumer.address, gateway, model_id)
    credits.openChannel(model_id, gateway, channel.salt, 10, expiry, sender=consumer)

    settings = settings_for(model_id=model_id, weights=weights)
    svc = Service.start(settings)
    svc.ledger.clock = _chain_clock(chain)
    app = create_app(settings, svc)
    payer = Payer("http://gateway", consumer_key, channel, requirements=svc.terms.requirements(3))
    header = {HEADER_PAYMENT_SIGNATURE: encode_payment_payload(payer.payload(amount=3))}

    async def run():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            failed = await client.post("/v1/predict", json=digits(1), headers=header)
            retried = await client.post("/v1/predict", json=digits(3), headers=header)
            return failed, retried

    try:
        failed, retried = asyncio.run(run())
    finally:
        svc.close()
    assert (failed.status_code, failed.json()["error"]["code"]) == (500, "model_failed")
    assert retried.status_code == 200, retried.text  # the same payment, retried, is charged once
    rows = sqlite3.connect(settings.store_path).execute("SELECT credits FROM charges").fetchall()
    assert rows == [("3",)]


# ----------------------------------------------------------------------------- errors
def test_chain__view_reverts__chain_reverted_carries_decoded_error(service, protocol):
    model_id = protocol["model_id"]
    with pytest.raises(ChainReverted) as reverted:
        service.chain.model_facts(model_id, version=99)
    assert reverted.value.revert.name == "ModelRegistryUnknownVersion"
    assert reverted.value.revert.args == (model_id, 99)
    assert reverted.value.details() == {
        "revert": {"name": "ModelRegistryUnknownVersion", "args": [str(model_id), "99"]}
    }


def test_start__unknown_version__refused_with_revert_name_and_arguments(settings_for, protocol):
    with pytest.raises(StartupError) as refused:
        Service.start(settings_for(version=99))
    assert f"ModelRegistryUnknownVersion({protocol['model_id']}, 99)" in refused.value.message


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/v2/nothing", 404, ErrorCode.NOT_FOUND),
        ("GET", "/v1/predict", 405, ErrorCode.METHOD_NOT_ALLOWED),
        ("DELETE", "/healthz", 405, ErrorCode.METHOD_NOT_ALLOWED),
    ],
)
def test_app__unknown_route_or_method__one_error_body(service, method, path, status, code):
    app = create_app(service.settings, service)

    async def run():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            return await client.request(method, path)

    answer = asyncio.run(run())
    assert answer.status_code == status
    assert answer.json() == {
        "error": {"code": code.value, "message": answer.json()["error"]["message"]}
    }
    assert ErrorCode(answer.json()["error"]["code"]) is code


# ----------------------------------------------------------------------------- node down
def test_node_down__entitlements_fail_closed__settlement_retries(
    service, consumer, consumer_key, open_channel, rpc_url, protocol
):
    served = _payer(service, consumer_key, open_channel(consumer, 10))
    assert _begin(service, served).charged_credits == 1
    served.charged = 1
    fresh = _payer(service, consumer_key, open_channel(consumer, 10))
    w3 = service.chain.w3
    live = w3.provider
    w3.provider = Web3.HTTPProvider("http://127.0.0.1:9", request_kwargs={"timeout": 1})
    try:
        assert _code(lambda: _begin(service, fresh)) is ErrorCode.RPC_UNAVAILABLE  # unknown: closed
        assert _begin(service, served).charged_credits == 1  # known channel: local verification
        served.charged = 2
        with pytest.raises(ChainUnavailable):
            service.settler.run_once(force=True)
    finally:
        w3.provider = live
    service.settler.run_once(force=True)  # sends
    assert _until_confirmed(service.settler)
    assert protocol["credits"].channel(served.channel_id).settled == 2


# ----------------------------------------------------------------------------- settlement faults
def test_settlement__dropped__settled_again(
    service, consumer, consumer_key, open_channel, chain, protocol
):
    payer = _payer(service, consumer_key, open_channel(consumer, 10))
    assert _begin(service, payer).charged_credits == 1
    w3 = service.chain.w3
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        sent = service.settler.run_once(force=True).sent
        assert sent is not None
        w3.provider.make_request("anvil_dropTransaction", [sent])
    finally:
        w3.provider.make_request("evm_setAutomine", [True])
    report = service.settler.run_once(force=True)
    # Sent again with a higher tip (a new transaction for the same nonce).
    assert report.dropped_tx == [sent] and report.sent not in (None, sent)
    assert _until_confirmed(service.settler) == [report.sent]
    assert protocol["credits"].channel(payer.channel_id).settled == 1


def test_settlement__another_process_on_the_key_takes_the_nonce__sent_again_and_settled(
    service, consumer, consumer_key, open_channel, protocol, monkeypatch
):
    # A replica relaying on the gateway's key sends with the nonce the settler just read.
    payer = _payer(service, consumer_key, open_channel(consumer, 10))
    assert _begin(service, payer).charged_credits == 1
    w3 = service.chain.w3
    taken = lose_the_nonce_race(monkeypatch, service)
    sent = service.settler.run_once(force=True).sent
    monkeypatch.undo()
    assert taken and sent is not None
    assert w3.eth.get_transaction(sent)["nonce"] == taken[0] + 1
    assert _until_confirmed(service.settler) == [sent]
    assert protocol["credits"].channel(payer.channel_id).settled == 1


def test_settlement__sweep_policy__settles_and_sweeps_the_model_in_one_transaction(
    service, consumer, consumer_key, open_channel, chain, protocol
):
    credits, model_id = protocol["credits"], protocol["model_id"]
    payer = _payer(service, consumer_key, open_channel(consumer, 10))
    assert _begin(service, payer).charged_credits == 1
    settler, policy = service.settler, service.settler.policy
    settler.policy = replace(policy, sweep=True)
    try:
        sent = settler.run_once(force=True).sent
        assert _until_confirmed(settler) == [sent]
    finally:
        settler.policy = policy
    receipt = chain.get_receipt(sent)
    assert receipt.method_called.name == "settleAndSweep"
    [swept] = receipt.decode_logs(credits.RevenueSwept)
    assert swept.modelId == model_id and swept.credits >= 1
    assert credits.channel(payer.channel_id).settled == 1
    assert credits.pendingRevenue(model_id) == 0


def test_settlement__deadline_within_margin__settled_without_force(
    service, consumer, consumer_key, open_channel, protocol
):
    """Below the value threshold and young, but the receipt's deadline is near: settled."""
    payer = _payer(service, consumer_key, open_channel(consumer, 10))
    deadline = service.chain.now() + service.settings.settle_margin_seconds - 60
    assert _begin(service, payer, deadline=deadline).charged_credits == 1
    assert service.settler.policy.threshold > 1 and service.settler.policy.max_age > 60
    report = service.settler.run_once()
    assert payer.channel_id in report.channels, report
    assert _until_confirmed(service.settler)
    assert protocol["credits"].channel(payer.channel_id).settled == 1


def test_settlement__receipt_rejected_on_chain__reported_dropped_not_resent(
    service, consumer, consumer_key, open_channel, chain, protocol
):
    payer = _payer(service, consumer_key, open_channel(consumer, 10, ttl=30 * 24 * 3600))
    deadline = service.chain.now() + 700
    assert _begin(service, payer, deadline=deadline).charged_credits == 1
    w3 = service.chain.w3
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        sent = service.settler.run_once(force=True).sent
        assert sent is not None
        # The receipt's deadline passes before the transaction is mined: it reverts.
        w3.provider.make_request("evm_setNextBlockTimestamp", [deadline + 10])
        w3.provider.make_request("evm_mine", [])
    finally:
        w3.provider.make_request("evm_setAutomine", [True])
    # The contract skips the late receipt (ReceiptRejected) instead of reverting the batch:
    # the settlement is confirmed, the rejection reported and the receipt dropped.
    report = service.settler.run_once(force=True)
    assert report.confirmed == [sent] and report.reverted == []
    rejected = "rejected on chain: UsageCreditsReceiptExpired"
    assert (payer.channel_id, rejected) in report.dropped
    assert report.sent is None
    assert protocol["credits"].channel(payer.channel_id).settled == 0
    assert (payer.channel_id, 1, rejected) in service.store.bad_receipts()
    # Never sent again.
    again = service.settler.run_once(force=True)
    assert again.sent is None and payer.channel_id not in again.channels


def test_ledger__channel_closed__rejected(
    service, consumer, consumer_key, open_channel, chain, protocol
):
    """Last in the module: moves the chain past the channel's grace period."""
    channel = open_channel(consumer, 10, ttl=60)
    chain.pending_timestamp += 60 + GRACE + 1
    protocol["credits"].closeChannel(channel.as_args(), sender=consumer)
    payer = _payer(service, consumer_key, channel)
    # A deadline valid by the chain's clock: the deadline is judged before the channel read.
    deadline = int(chain.pending_timestamp) + 3600
    assert _code(lambda: _begin(service, payer, deadline=deadline)) is ErrorCode.CHANNEL_CLOSED
