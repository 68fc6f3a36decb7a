"""The dashboard's JSON API over the seeded deployment (FastAPI's test client, real anvil)."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest
from fastapi.testclient import TestClient

from modelmint.constants import ETH
from modelmint.dashboard.app import DashboardSettings, create_app
from modelmint.dashboard.errors import DashboardErrorCode
from modelmint.dashboard.views.signing import signed_types
from modelmint.dev.testing import WAIT_CEILING, free_terms, wait_until
from modelmint.errors import error_body
from modelmint.gateway.digits import DEFAULT_PATH as DIGITS_ONNX
from modelmint.weights import weights_hash


@pytest.fixture
def client(market, tmp_path):
    """The app on its own fresh index (synced by hand: no background loop), no gateway URL."""
    settings = DashboardSettings(
        record=market.record_path, rpc=market.rpc, db=tmp_path / "api.sqlite", confirmations=0
    )
    app = create_app(settings, follow=False)
    with TestClient(app) as client:
        client.sync = app.state.indexer.sync
        client.sync()
        yield client


def test_catalog__search_and_sort__filters_and_orders_models(client, market):
    body = client.get("/api/models").json()
    assert [m["id"] for m in body["models"]] == [1, 2, 3]
    priced = body["models"][0]
    assert priced["metadataURI"] == market.card_uri
    assert (priced["version"], priced["weightsHash"]) == (2, "0x" + weights_hash(DIGITS_ONNX).hex())
    assert int(priced["minPrice"]) == market.license_price  # > 2^53: a decimal string
    assert priced["creditValue"] == market.credit_value
    assert len(priced["gateways"]) == 1
    assert body["models"][1]["fractionalized"] and body["models"][2]["status"] == "Retired"

    found = client.get("/api/models", params={"q": "SPEECH"}).json()
    assert [m["id"] for m in found["models"]] == [3]
    assert [m["name"] for m in body["models"][1:]] == [
        "ipfs://image-captioner",
        "ipfs://speech-to-text",
    ]
    by_price = client.get("/api/models", params={"sort": "price", "desc": True}).json()
    assert by_price["models"][0]["id"] == 1  # the only model with offers comes first


def test_catalog__data_card__name_task_and_description_shown(client, market):
    body = client.get("/api/models").json()
    priced, captioner = body["models"][0], body["models"][1]
    assert (priced["name"], priced["task"]) == (market.card.name, market.card.task)
    assert priced["card"]["description"] == market.card.description
    assert (priced["cardSource"], priced["cardError"]) == ("data", None)
    # an ipfs:// name binds no content: no card, the URI is the name
    assert (captioner["card"], captioner["cardError"]) == (None, "card_unbound")
    page = client.get(f"/api/models/{market.priced_model}").json()
    assert page["card"]["labels"] == list(market.card.labels)
    assert page["card"]["input"]["example"] == market.card.input_example


@pytest.mark.parametrize(
    ("query", "found"),
    [("handwritten", [1]), ("IMAGE-CLASSIFICATION", [1]), ("grey-scale", [1]), ("zzz", [])],
)
def test_catalog__search_card_text__filters_by_name_task_description(client, query, found):
    body = client.get("/api/models", params={"q": query}).json()
    assert [m["id"] for m in body["models"]] == found


def test_catalog__sort_by_name__card_name_or_uri(client, market):
    body = client.get("/api/models", params={"sort": "name"}).json()
    assert [m["name"] for m in body["models"]] == [
        market.card.name,
        "ipfs://image-captioner",
        "ipfs://speech-to-text",
    ]


def test_catalog__no_gateway_url__price_per_call_is_the_credit_value(client, market):
    priced = client.get("/api/models").json()["models"][0]
    assert priced["creditsPerItem"] is None
    assert priced["pricePerCall"] == market.credit_value
    assert priced["asset"] == {"address": ETH, "symbol": "ETH", "decimals": 18}


def test_asset__erc20_and_not_a_token__symbol_and_decimals_read_once(
    client, project, deployer, market
):
    token = project.MockERC20.deploy("Mock USD", "mUSD", 6, sender=deployer)
    reads = client.app.state.views.reads
    assert reads.asset(token.address) == {"address": token.address, "symbol": "mUSD", "decimals": 6}
    assert reads.asset(token.address) is reads.asset(token.address.lower())  # cached
    not_a_token = reads.asset(deployer.address)  # no code: shown in base units
    assert not_a_token["decimals"] == 0 and not_a_token["symbol"] == deployer.address[:8]
    assert reads.asset(ETH)["symbol"] == "ETH"


def test_catalog__unknown_sort_key__bad_query_400(client):
    response = client.get("/api/models", params={"sort": "weights; drop table"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == DashboardErrorCode.BAD_QUERY


@pytest.mark.parametrize("model_id", [999, -1, 2**64, 2**256])
def test_model__unknown_or_out_of_range_id__unknown_model_404(client, model_id):
    response = client.get(f"/api/models/{model_id}")
    assert response.status_code == 404
    assert response.json() == error_body(DashboardErrorCode.UNKNOWN_MODEL, f"no model {model_id}")


def test_model__id_not_an_integer__invalid_input_422_in_the_error_body(client):
    response = client.get("/api/models/first")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == DashboardErrorCode.INVALID_INPUT and "model_id" in error["message"]


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/api/nothing-here", 404, DashboardErrorCode.NOT_FOUND),
    ("GET", "/static/missing.js", 404, DashboardErrorCode.NOT_FOUND),
    ("POST", "/api/status", 405, DashboardErrorCode.METHOD_NOT_ALLOWED),
])  # fmt: skip
def test_any_route__http_error__answered_with_the_one_error_body(
    client, method, path, status, code
):
    response = client.request(method, path)
    assert response.status_code == status
    assert set(response.json()) == {"error"} and response.json()["error"]["code"] == code


def test_model__priced_model__state_history_offers_and_revenue(client, market):
    body = client.get(f"/api/models/{market.priced_model}").json()
    assert [v["version"] for v in body["versions"]] == [1, 2]
    assert body["latestVersion"] == 2
    assert [int(o["price"]) for o in body["offers"]] == [
        market.license_price,
        3 * market.license_price,
    ]
    assert body["offers"][0]["sold"] == 1
    assert body["credits"]["enabled"] and body["credits"]["creditValue"] == market.credit_value
    fee = market.license_price * market.router.feeBps() // 10_000
    assert int(body["revenue"]["total"]) == market.license_price - fee
    assert body["revenue"]["points"][-1]["cumulative"] == body["revenue"]["total"]
    assert body["split"] == [
        {"recipient": body["owner"], "weight": 1, "share": 1.0, "default": True}
    ]


def test_model__fractionalized__shareholders_split_and_model_proposals(client, market, licensee):
    body = client.get(f"/api/models/{market.fractional_model}").json()
    shares = body["shares"]
    assert shares["symbol"] == "CAPS"
    assert {h["holder"]: h["share"] for h in shares["holders"]}[licensee.address] == 0.25
    assert [p["description"] for p in shares["proposals"]] == ["Sync revenue"]
    assert sum(s["weight"] for s in body["split"]) == 10_000


def test_account__after_channel_opened__channel_and_credits_listed(
    client, market, consumer, gateway, chain
):
    credits = market.credits
    credits.buyCredits(
        market.priced_model, 9, consumer, sender=consumer, value=9 * market.credit_value
    )
    expiry = chain.pending_timestamp + 3600
    terms = free_terms(credits, consumer.address, gateway, market.priced_model)
    credits.openChannel(market.priced_model, gateway, terms.salt, 6, expiry, sender=consumer)
    client.sync()

    body = client.get(f"/api/accounts/{consumer.address}").json()
    assert body["credits"] == [
        {"modelId": market.priced_model, "balance": 3, "creditValue": market.credit_value}
    ]
    [channel] = body["channels"]
    # The id (a 256-bit hash of the terms) and the salt are decimal strings.
    assert (channel["id"], channel["salt"], channel["gateway"]) == (
        str(terms.channel_id), str(terms.salt), gateway.address,
    )  # fmt: skip
    assert (channel["deposit"], channel["settled"]) == (6, 0)
    assert not channel["closable"] and not channel["closed"]


def test_account__share_revenue_observed__locked_part_and_unlock_end_listed(
    client, market, licensee, chain
):
    """Share revenue unlocks over a day once observed: a holder's account lists the token's
    still-locked revenue and when it ends next to its shares."""
    model_id = market.fractional_model
    market.router.pay(model_id, 10**18, value=10**18, sender=licensee)
    tx = market.shares.sync(sender=licensee)
    [observed] = tx.decode_logs(market.shares.RevenueObserved)
    client.sync()

    body = client.get(f"/api/accounts/{licensee.address}").json()
    [holding] = [h for h in body["shares"] if h["modelId"] == model_id]
    assert int(holding["lockedRevenue"]) == market.shares.lockedRevenue() > 0
    assert holding["unlockEnd"] == observed.unlockEnd == tx.timestamp + 86_400


def test_status__rpc_gone__chain_unavailable_503(market, tmp_path):
    settings = DashboardSettings(
        record=market.record_path, rpc=market.rpc, db=tmp_path / "d.sqlite"
    )
    app = create_app(settings, follow=False)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"  # bound, never listening
        app.state.indexer.w3.provider.endpoint_uri = dead
        with TestClient(app) as client:
            response = client.get("/api/status")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == DashboardErrorCode.CHAIN_UNAVAILABLE


def test_account__bad_address__bad_address_400(client):
    response = client.get("/api/accounts/0x1234")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == DashboardErrorCode.BAD_ADDRESS


def test_protocol__seeded__fee_treasury_and_active_proposal(client, market, deployer):
    body = client.get("/api/protocol").json()
    assert body["feeBps"] == 250
    assert body["treasury"] == deployer.address
    assert body["governance"] == market.governor.timelock()
    assert body["flaggedModels"] == [market.retired_model]
    [proposal] = body["proposals"]
    assert proposal["state"] == "Active"
    assert proposal["id"] == str(market.proposal_id)


def _with_gateway(market, gateway, url, db):
    settings = DashboardSettings(
        record=market.record_path,
        rpc=market.rpc,
        db=db,
        confirmations=0,
        gateway_urls={gateway.address: url},
    )
    return create_app(settings, follow=False)


def test_gateway_status__real_gateway_process__live_with_its_terms(
    market, gateway, live_gateway, tmp_path
):
    with TestClient(_with_gateway(market, gateway, live_gateway, tmp_path / "gw.sqlite")) as c:
        status = c.get(f"/api/gateways/{gateway.address}").json()
    assert status["status"] == "live"
    assert (status["modelId"], status["version"]) == (str(market.priced_model), 2)
    assert status["creditsPerItem"] == market.credits_per_item


def test_catalog__live_gateway__price_per_call_is_credit_value_times_credits_per_item(
    market, gateway, live_gateway, tmp_path
):
    app = _with_gateway(market, gateway, live_gateway, tmp_path / "gw.sqlite")
    with TestClient(app) as c:
        app.state.indexer.sync()
        priced = c.get("/api/models").json()["models"][0]
        page = c.get(f"/api/models/{market.priced_model}").json()
    assert priced["creditsPerItem"] == market.credits_per_item
    assert priced["pricePerCall"] == market.credits_per_item * market.credit_value
    assert page["credits"]["pricePerCall"] == market.credits_per_item * market.credit_value


class _Answer(BaseHTTPRequestHandler):
    """Answers every GET with 200 and a JSON body naming another gateway (or not JSON)."""

    body = b"{}"

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.mark.parametrize("body", [b"ok", b'{"gateway": "0x' + b"1" * 40 + b'"}'])
def test_gateway_status__not_a_gateway_answer_or_down__dead(market, gateway, tmp_path, body):
    handler = type("Answer", (_Answer,), {"body": body})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with TestClient(_with_gateway(market, gateway, url, tmp_path / "gw.sqlite")) as c:
            assert c.get(f"/api/gateways/{gateway.address}").json()["status"] == "dead"
    finally:
        server.shutdown()
        server.server_close()
    with TestClient(_with_gateway(market, gateway, url, tmp_path / "gw2.sqlite")) as c:
        assert c.get(f"/api/gateways/{gateway.address}").json()["status"] == "dead"


def test_proposals__block_clock_model_governor__windows_in_blocks_dated_by_block_time(
    client, market, chain
):
    body = client.get(f"/api/models/{market.fractional_model}").json()
    [p] = body["shares"]["proposals"]
    assert p["clock"] == "blocknumber"
    assert p["voteStart"] == market.model_governor.proposalSnapshot(market.model_proposal_id)
    head = chain.provider.web3.eth.get_block("latest")
    assert p["voteStart"] <= head["number"] < p["voteEnd"]  # voting: the end is a block to come
    start = chain.provider.web3.eth.get_block(p["voteStart"])["timestamp"]
    assert p["voteStartAt"] == start  # a past block: its own timestamp
    assert p["voteEndAt"] >= head["timestamp"] and p["estimated"]
    assert (p["state"], p["actions"]) == ("Active", ["vote"])


def test_proposals__timestamp_clock_protocol_governor__windows_are_dates(client, market):
    [p] = client.get("/api/protocol").json()["proposals"]
    assert p["clock"] == "timestamp" and not p["estimated"]
    assert (p["voteStartAt"], p["voteEndAt"]) == (p["voteStart"], p["voteEnd"])
    assert p["voteEnd"] == market.governor.proposalDeadline(market.proposal_id)
    assert p["actions"] == ["vote"]


def test_front_end__served__index_abis_signed_types_and_ethers_bundle(client):
    assert '<main id="main">' in client.get("/").text
    abis = client.get("/api/abi").json()
    assert {"LicenseManager", "UsageCredits", "ProtocolGovernor", "ERC20"} <= set(abis)
    assert client.get("/api/eip712").json() == signed_types()  # the playground's only copy
    bundle = client.get("/vendor/ethers.js")
    assert bundle.status_code == 200 and "BrowserProvider" in bundle.text


def test_cli__one_command__serves_the_indexed_catalog(market, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "modelmint.dashboard",
        "--record",
        str(market.record_path),
        "--rpc",
        market.rpc,
        "--db",
        str(tmp_path / "cli.sqlite"),
        "--confirmations",
        "0",
        "--port",
        str(port),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:

        def indexed_three() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/api/models").json()["total"] == 3
            except httpx.HTTPError:
                assert process.poll() is None, process.stderr.read().decode()
                return False

        wait_until(indexed_three, "the dashboard command to serve the 3 models", interval=0.3)
    finally:
        process.terminate()
        process.wait(timeout=WAIT_CEILING)


def test_dashboard_package__imported__never_imports_ape():
    code = (
        "import sys, modelmint.dashboard.app, modelmint.dashboard.__main__; "
        "print(sorted(m for m in sys.modules if m == 'ape' or m.startswith(('ape.', 'ape_'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
