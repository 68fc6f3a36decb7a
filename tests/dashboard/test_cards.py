"""Model cards as the dashboard shows them: only a card its metadata URI binds (no chain)."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from modelmint.cards import Card, card_json, card_uri
from modelmint.dashboard.views.cards import Cards, search_text
from modelmint.dashboard.views.gateways import GatewayProbe
from modelmint.wire import WELL_KNOWN_PATH

GATEWAY = "0x" + "ab" * 20
CARD = Card(
    name="Wine quality",
    description="Scores a red wine from its chemistry.",
    task="tabular-regression",
    input_schema={"type": "object"},
    input_example={"inputs": [[7.4, 0.7]]},
    output_schema={"type": "object"},
    license_summary="Calls only.",
    labels=("poor", "fine", "excellent"),
)


@pytest.fixture
def card_gateway():
    """A gateway answering its well-known route with a card route, serving ``served[0]``."""
    served = [card_json(CARD)]

    class Gateway(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            if self.path == WELL_KNOWN_PATH:
                body = json.dumps({"gateway": GATEWAY, "routes": {"card": "/card"}}).encode()
            elif self.path == "/card":
                body = served[0]
            else:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    probe = GatewayProbe({GATEWAY: f"http://127.0.0.1:{server.server_address[1]}"}, ttl=0)
    yield Cards(probe), served
    server.shutdown()
    server.server_close()


def test_resolve__ipfs_cid_served_by_the_gateway__verified_card(card_gateway):
    cards, _served = card_gateway
    answer = cards.resolve(card_uri(card_json(CARD)), [GATEWAY])
    assert (answer["cardSource"], answer["cardError"]) == ("gateway", None)
    assert answer["card"]["name"] == CARD.name and answer["card"]["labels"] == list(CARD.labels)


def test_resolve__gateway_serves_other_bytes__never_shown_card_mismatch(card_gateway):
    cards, served = card_gateway
    uri = card_uri(card_json(CARD))
    served[0] = card_json(Card(**{**CARD.__dict__, "name": "Swapped"}))
    assert cards.resolve(uri, [GATEWAY]) == {
        "card": None,
        "cardError": "card_mismatch",
        "cardSource": None,
    }


def test_resolve__ipfs_cid_no_gateway_serving_it__no_card_no_error(card_gateway):
    cards, _served = card_gateway
    answer = cards.resolve(card_uri(card_json(CARD)), [])
    assert (answer["card"], answer["cardError"]) == (None, None)


@pytest.mark.parametrize(
    ("uri", "code"),
    [
        ("https://owner.example/card.json", "card_unbound"),
        ("ipfs://wine-card", "card_unbound"),
        (
            "data:application/json;base64," + base64.b64encode(b'{"name": 1}').decode(),
            "card_invalid",
        ),
    ],
)
def test_resolve__unbound_or_invalid__no_card_and_the_code(card_gateway, uri, code):
    cards, _served = card_gateway
    answer = cards.resolve(uri, [GATEWAY])
    assert (answer["card"], answer["cardError"]) == (None, code)


def test_search_text__card__name_description_task_and_labels():
    cards = Cards(GatewayProbe())
    uri = "data:application/json;base64," + base64.b64encode(card_json(CARD)).decode()
    text = search_text(cards.resolve(uri, [])["card"])
    assert all(
        word in text for word in ("wine quality", "chemistry", "tabular-regression", "excellent")
    )
