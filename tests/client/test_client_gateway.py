"""The client against the real gateway process on anvil: the happy path and every rule the
client enforces (charge within the ceiling, running total, provenance, budget, recovery,
corrective 402, expiry and refund)."""

import asyncio
import base64
import json
from dataclasses import replace

import httpx
import pytest
from client_helpers import CREDIT_VALUE, LICENSE_PRICE, key_of
from x402.http.clients.httpx import x402HttpxClient

from modelmint.access import access_signable
from modelmint.client import (
    Budget,
    BudgetExhausted,
    ChannelHalted,
    Client,
    CreditsChain,
    Signer,
)
from modelmint.client.errors import (
    GatewayError,
    PaymentMismatch,
    ProvenanceInvalid,
    ReceiptSignerNotRegistered,
    ResyncRejected,
)
from modelmint.client.funding import ChannelPolicy
from modelmint.client.store import ChannelStatus
from modelmint.client.x402_scheme import modelmint_x402_client, wrap_httpx
from modelmint.constants import ETH
from modelmint.deploy.agent_wallet import deploy_agent_wallet
from modelmint.errors import ErrorCode
from modelmint.provenance import Provenance, ProvenanceDomain, sign_served
from modelmint.receipts import Receipt, sign_receipt
from modelmint.wire import HEADER_PAYMENT_REQUIRED, HEADER_PAYMENT_RESPONSE, HEADER_PROVENANCE

ROW = [0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0] * 8  # one 8x8 digit, pixel values 0..16
PREDICT = "/v1/predict"


@pytest.fixture(scope="module", autouse=True)
def _started(deployment, gateway_process, fund):
    """Deploys and starts the gateway before the first test."""


@pytest.fixture
def make_client(gateway_process, w3, tmp_path):
    made = []

    def _make(account, **kwargs):
        kwargs.setdefault("state_dir", tmp_path / "state")
        signer = kwargs.pop("signer", None) or Signer.eoa(account.key)
        client = Client(gateway_process.url, signer, w3=w3, **kwargs)
        made.append(client)
        return client

    yield _make
    for c in made:
        c.close_http()


def test_call__funded_consumer__pays_each_call_and_state_matches_chain(
    make_client, fund, deployment, w3
):
    consumer = fund()
    client = make_client(consumer, budget=Budget(max_value=100 * CREDIT_VALUE),
                         policy=ChannelPolicy(calls_per_channel=50))  # fmt: skip
    results = [client.call(PREDICT, json={"inputs": [ROW] * n}) for n in (1, 3, 2)]
    assert [r.charged for r in results] == [1, 3, 2]
    assert [r.charged_total for r in results] == [1, 4, 6]
    assert all(
        len(r.json()["outputs"]["label"]) == n for r, n in zip(results, (1, 3, 2), strict=True)
    )
    assert all(r.provenance.served.account == consumer.address for r in results)
    [record] = client.channels()
    assert (record.charged, record.signed, record.calls) == (6, 6, 3)
    on_chain = CreditsChain(w3, deployment.credits.address).channel(record.terms)
    assert on_chain.consumer == consumer.address and on_chain.deposit == 50
    assert (record.salt, record.channel_id) == (0, record.terms.channel_id)  # its first channel
    assert client.budget.spent == 50 * CREDIT_VALUE


def test_call__budget_smaller_than_policy__channel_capped_then_budget_exhausted(
    make_client, fund, deployment
):
    consumer = fund()
    client = make_client(consumer, budget=Budget(max_value=5 * CREDIT_VALUE))
    for _ in range(2):
        client.call(PREDICT, json={"inputs": [ROW, ROW]})
    with pytest.raises(BudgetExhausted):
        client.call(PREDICT, json={"inputs": [ROW, ROW]})
    assert client.budget.spent == 5 * CREDIT_VALUE
    assert deployment.credits.balanceOf(consumer.address, deployment.model_id) == 0
    # A call that still fits the budget goes through.
    assert client.call(PREDICT, json={"inputs": [ROW]}).charged_total == 5


# ------------------------------------------------------------------ a lying gateway
class Tampering(httpx.BaseTransport):
    """Forwards to the real gateway and rewrites its answers, as a dishonest gateway (or
    anyone on the path) would."""

    def __init__(self, rewrite):
        self.inner = httpx.HTTPTransport()
        self.rewrite = rewrite

    def handle_request(self, request):
        response = self.inner.handle_request(request)
        response.read()
        headers = dict(response.headers)
        headers.pop("content-length", None)
        self.rewrite(response.status_code, headers)
        return httpx.Response(response.status_code, headers=headers, content=response.content)


def _edit_header(headers, name, edit):
    key = next((k for k in headers if k.lower() == name.lower()), None)
    if key is None:
        return
    obj = json.loads(base64.b64decode(headers[key]))
    edit(obj)
    headers[key] = base64.b64encode(json.dumps(obj).encode()).decode()


def _lying_client(make_client, gateway_process, account, rewrite, after_calls=1):
    """A client whose first `after_calls` answers are honest, then rewritten."""
    seen = {"paid": 0}

    def maybe(status, headers):
        if status == 200:
            seen["paid"] += 1
            if seen["paid"] > after_calls:
                rewrite(headers)

    http = httpx.Client(base_url=gateway_process.url, transport=Tampering(maybe))
    return make_client(account, http=http, budget=Budget(max_value=20 * CREDIT_VALUE))


def _overcharge(headers):
    def edit(obj):
        obj["chargedCredits"] = str(int(obj["chargedCredits"]) + 1)
        obj["channel"]["charged"] = str(int(obj["channel"]["charged"]) + 1)

    _edit_header(headers, HEADER_PAYMENT_RESPONSE, edit)


def _wrong_total(headers):
    def edit(obj):
        obj["channel"]["charged"] = str(int(obj["channel"]["charged"]) + 1)

    _edit_header(headers, HEADER_PAYMENT_RESPONSE, edit)


@pytest.mark.parametrize("rewrite", [_overcharge, _wrong_total], ids=["overcharge", "total"])
def test_call__payment_response_breaks_rules__halts_and_signs_nothing_more(
    make_client, gateway_process, fund, rewrite
):
    consumer = fund()
    client = _lying_client(make_client, gateway_process, consumer, rewrite)
    client.call(PREDICT, json={"inputs": [ROW]})
    with pytest.raises(PaymentMismatch):
        client.call(PREDICT, json={"inputs": [ROW]})
    [record] = client.channels()
    assert record.status is ChannelStatus.HALTED and record.charged == 1 and record.signed == 2
    with pytest.raises(ChannelHalted):
        client.call(PREDICT, json={"inputs": [ROW]})
    assert client.store.get(record.channel_id).signed == 2  # nothing signed after the halt


def test_call__provenance_signed_by_another_key__halts(
    make_client, gateway_process, fund, attacker
):
    def resign(headers):
        def edit(obj):
            proof = Provenance.from_header(base64.b64encode(json.dumps(obj).encode()))
            forged = sign_served(ProvenanceDomain(31337, proof.served.account), proof.served,
                                 key_of(attacker))  # fmt: skip
            obj["signature"] = "0x" + forged.signature.hex()

        _edit_header(headers, HEADER_PROVENANCE, edit)

    consumer = fund()
    client = _lying_client(make_client, gateway_process, consumer, resign, after_calls=0)
    with pytest.raises(ProvenanceInvalid):
        client.call(PREDICT, json={"inputs": [ROW]})
    assert client.channels()[0].status is ChannelStatus.HALTED
    with pytest.raises(ChannelHalted):
        client.call(PREDICT, json={"inputs": [ROW]})


# ------------------------------------------------------------------ crash and recovery
def test_call__local_total_behind_gateway__corrective_402_resyncs_after_checking_receipt(
    make_client, fund
):
    consumer = fund()
    client = make_client(consumer, budget=Budget(max_value=20 * CREDIT_VALUE))
    for _ in range(2):
        client.call(PREDICT, json={"inputs": [ROW]})
    # A crash after the request left and before the answer was recorded: disk says 1.
    [record] = client.channels()
    client.store.put(replace(record, charged=1, calls=1))
    events = []
    client.on_event = lambda name, fields: events.append(name)
    result = client.call(PREDICT, json={"inputs": [ROW]})
    assert "resynced" in events
    assert result.charged_total == 3 and client.channels()[0].charged == 3


def test_call__smart_wallet_consumer__agent_key_signs_pays_and_resyncs(
    make_client, fund, project, deployment, holder, gateway
):
    agent_key = fund()
    wallet = deploy_agent_wallet(project, holder, agent_key.address, deployment.credits,
                                 budgets={ETH: 10 * CREDIT_VALUE}, models=[deployment.model_id],
                                 gateways=[gateway])  # fmt: skip
    holder.transfer(wallet, 10**16)
    signer = Signer.smart_wallet(wallet.address, agent_key.key)
    client = make_client(None, signer=signer, policy=ChannelPolicy(calls_per_channel=10))
    # The wallet registered its agent key at deployment. While the owner names another key as
    # the wallet's receipt signer, the client opens nothing.
    assert deployment.credits.receiptSigner(wallet) == agent_key.address
    other = deployment.credits.setReceiptSigner.encode_input(holder.address)
    wallet.execute(deployment.credits, 0, other, sender=holder)
    with pytest.raises(ReceiptSignerNotRegistered):
        client.call(PREDICT, json={"inputs": [ROW]})
    assert client.channels() == [] and wallet.spentOf(ETH) == 0
    wallet.setAgent(agent_key.address, sender=holder)  # registers the agent key again
    for _ in range(2):
        client.call(PREDICT, json={"inputs": [ROW]})
    [record] = client.channels()
    assert record.consumer == wallet.address and wallet.spentOf(ETH) == 10 * CREDIT_VALUE
    assert deployment.credits.channel(record.channel_id).signer == agent_key.address
    client.store.put(replace(record, charged=1))  # behind: the returned receipt is the agent's
    result = client.call(PREDICT, json={"inputs": [ROW]})
    assert result.charged_total == 3 and result.provenance.served.account == wallet.address


def test_call__state_directory_lost__rebuilt_from_chain_then_resynced(make_client, fund, tmp_path):
    consumer = fund()
    first = make_client(consumer, budget=Budget(max_value=20 * CREDIT_VALUE),
                        state_dir=tmp_path / "lost")  # fmt: skip
    for _ in range(3):
        first.call(PREDICT, json={"inputs": [ROW]})
    channel_id = first.channels()[0].channel_id
    events = []
    second = make_client(consumer, budget=Budget(max_value=0), state_dir=tmp_path / "fresh",
                         on_event=lambda name, fields: events.append(name))  # fmt: skip
    result = second.call(PREDICT, json={"inputs": [ROW]})
    assert events[:2] == ["channel_recovered", "payment_refused"] and "resynced" in events
    assert (result.channel_id, result.charged_total) == (channel_id, 4)
    assert second.budget.spent == 0  # recovered (salt 0 of the 402's gateway), nothing bought


def test_call__corrective_402_with_forged_receipt__rejected_and_halted(
    make_client, gateway_process, fund, attacker, w3, deployment
):
    consumer = fund()
    honest = make_client(consumer, budget=Budget(max_value=20 * CREDIT_VALUE))
    honest.call(PREDICT, json={"inputs": [ROW]})
    [record] = honest.channels()
    domain = CreditsChain(w3, deployment.credits.address).domain

    def forge(status, headers):
        if status != 402:
            return

        def edit(obj):
            for req in obj["accepts"]:
                last = req["extra"].get("lastReceipt")
                if last:
                    forged = sign_receipt(domain, Receipt(record.channel_id, 9,
                                          int(last["deadline"])), key_of(attacker))  # fmt: skip
                    last.update(cumulativeCredits="9", signature="0x" + forged.signature.hex())
                    req["extra"]["channel"]["charged"] = "9"

        _edit_header(headers, HEADER_PAYMENT_REQUIRED, edit)

    client = make_client(consumer, http=httpx.Client(base_url=gateway_process.url,
                         transport=Tampering(forge)))  # fmt: skip
    client.store.put(replace(record, charged=0))  # behind: the gateway answers a corrective 402
    with pytest.raises(ResyncRejected):
        client.call(PREDICT, json={"inputs": [ROW]})
    assert client.store.get(record.channel_id).status is ChannelStatus.HALTED
    assert client.store.get(record.channel_id).charged == 0


# ------------------------------------------------------------------ license holders
def _license(deployment, model_owner, holder, payer, terms_hash):
    """A 30-day license of the model, offered by ``model_owner`` and bought by ``payer``."""
    licenses = deployment.licenses
    terms = (deployment.model_id, LICENSE_PRICE, 30 * 86400, 0, 0, 0, False, False,
             "ipfs://terms", terms_hash)  # fmt: skip
    offer_id = (
        licenses.createOffer(terms, sender=model_owner)
        .decode_logs(licenses.OfferCreated)[0]
        .offerId
    )
    licenses.purchase(offer_id, holder, LICENSE_PRICE, value=LICENSE_PRICE, sender=payer)


def test_call__license_holder__served_without_payment_with_provenance(
    make_client, deployment, model_owner, licensee
):
    _license(deployment, model_owner, licensee, licensee, b"\x01" * 32)
    client = make_client(None, signer=Signer.eoa(key_of(licensee)), mode="license")
    result = client.call(PREDICT, json={"inputs": [ROW, ROW]})
    assert result.charged == 0 and len(result.json()["outputs"]["label"]) == 2
    assert result.provenance.served.account == licensee.address
    assert client.channels() == []


def test_call__license_held_by_agent_wallet__served_once_owner_allows_access_statements(
    make_client, fund, project, deployment, model_owner, holder, gateway, chain
):
    agent_key = fund()
    wallet = deploy_agent_wallet(project, holder, agent_key.address, deployment.credits)
    _license(deployment, model_owner, wallet, holder, b"\x02" * 32)
    signer = Signer.smart_wallet(wallet.address, agent_key.key)
    client = make_client(None, signer=signer, mode="license")
    with pytest.raises(GatewayError) as info:  # the agent key may not sign for the wallet yet
        client.call(PREDICT, json={"inputs": [ROW]})
    assert info.value.status in (401, 403)
    pair = access_signable(chain.chain_id, gateway.address, deployment.model_id)
    wallet.setSignable(*pair, True, sender=holder)
    result = client.call(PREDICT, json={"inputs": [ROW]})
    assert result.charged == 0 and result.provenance.served.account == wallet.address
    assert wallet.spentOf(ETH) == 0 and client.channels() == []


def test_call__license_mode_without_license__readable_gateway_error(make_client, fund):
    client = make_client(fund(), mode="license")
    with pytest.raises(GatewayError) as info:
        client.call(PREDICT, json={"inputs": [ROW]})
    assert info.value.status == 403 and info.value.gateway_code is ErrorCode.LICENSE_INVALID


# ------------------------------------------------------------------ the x402 SDK
def test_x402_sdk_client__modelmint_scheme_registered__pays_the_gateway(
    make_client, fund, gateway_process
):
    client = make_client(fund(), budget=Budget(max_value=20 * CREDIT_VALUE),
                         policy=ChannelPolicy(calls_per_channel=10))  # fmt: skip
    x402 = modelmint_x402_client(client)

    async def calls():
        # Code written against x402's own httpx client...
        async with x402HttpxClient(x402, base_url=gateway_process.url) as http:
            plain = await http.post(PREDICT, json={"inputs": [ROW]})
        # ...and the same with every paid answer verified by the Modelmint client.
        async with wrap_httpx(x402, base_url=gateway_process.url) as http:
            checked = [await http.post(PREDICT, json={"inputs": [ROW] * n}) for n in (2, 1)]
        return [plain, *checked]

    answers = asyncio.run(calls())
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [len(a.json()["outputs"]["label"]) for a in answers] == [1, 2, 1]
    [record] = client.channels()
    assert (record.charged, record.signed, record.calls) == (4, 4, 2)


# ------------------------------------------------------------------ expiry (warps time: last)
def test_close_expired__after_grace__refund_and_redeem_then_new_channel(
    make_client, fund, deployment, chain, w3
):
    consumer = fund()
    client = make_client(consumer, budget=Budget(max_value=30 * CREDIT_VALUE),
                         policy=ChannelPolicy(calls_per_channel=10, ttl=3600))  # fmt: skip
    client.call(PREDICT, json={"inputs": [ROW]})
    [record] = client.channels()
    credits_chain = CreditsChain(w3, deployment.credits.address)
    chain.pending_timestamp = record.expiry + credits_chain.grace_period
    chain.mine()
    settled = credits_chain.channel(record.terms).settled
    [summary] = client.close_expired(redeem=True)
    assert summary["refunded"] == 10 - settled
    assert summary["redeemedValue"] == (10 - settled) * CREDIT_VALUE
    assert credits_chain.channel(record.terms).closed
    result = client.call(PREDICT, json={"inputs": [ROW]})
    assert result.channel_id != record.channel_id and result.charged_total == 1
    # A closed channel's terms never open again: the new channel takes the next salt.
    assert client.channel(result.channel_id).salt == record.salt + 1


def test_close__halted_channel__refunds_but_gateway_stays_stopped(
    make_client, gateway_process, fund, deployment, chain, w3
):
    consumer = fund()
    client = _lying_client(make_client, gateway_process, consumer, _overcharge)
    client.policy = ChannelPolicy(calls_per_channel=10, ttl=3600)
    client.call(PREDICT, json={"inputs": [ROW]})
    with pytest.raises(PaymentMismatch):
        client.call(PREDICT, json={"inputs": [ROW]})
    [record] = client.channels()
    credits_chain = CreditsChain(w3, deployment.credits.address)
    chain.pending_timestamp = record.expiry + credits_chain.grace_period
    chain.mine()
    [summary] = client.close_expired()
    assert summary["refunded"] == record.deposit - summary["settled"]
    assert client.close_expired() == []  # closed once
    closed = client.store.get(record.channel_id)
    assert closed.closed and closed.status is ChannelStatus.HALTED
    with pytest.raises(ChannelHalted):
        client.call(PREDICT, json={"inputs": [ROW]})
