"""Cross-origin answers for the origins the operator configured, and only for them (no chain:
the middleware answers before any route needs the service)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from modelmint.gateway.app import create_app
from modelmint.gateway.settings import GatewaySettings
from modelmint.wire import (
    HEADER_PAYMENT_REQUIRED,
    HEADER_PAYMENT_RESPONSE,
    HEADER_PAYMENT_SIGNATURE,
    HEADER_PROVENANCE,
)

DASHBOARD = "http://127.0.0.1:8700"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": f"content-type,{HEADER_PAYMENT_SIGNATURE.lower()}",
}


def _client(origins: str) -> TestClient:
    return TestClient(create_app(GatewaySettings(model_id=1, cors_origins=origins)))


def test_preflight__configured_origin__payment_header_allowed():
    answer = _client(f"{DASHBOARD},https://dash.example").options(
        "/v1/predict", headers={"Origin": DASHBOARD, **PREFLIGHT}
    )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == DASHBOARD
    allowed = answer.headers["access-control-allow-headers"].lower()
    assert HEADER_PAYMENT_SIGNATURE.lower() in allowed and "content-type" in allowed
    assert "POST" in answer.headers["access-control-allow-methods"]


def test_answer__configured_origin__payment_and_provenance_headers_readable():
    answer = _client(DASHBOARD).get("/healthz", headers={"Origin": DASHBOARD})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == DASHBOARD
    exposed = answer.headers["access-control-expose-headers"].lower()
    for header in (HEADER_PAYMENT_REQUIRED, HEADER_PAYMENT_RESPONSE, HEADER_PROVENANCE):
        assert header.lower() in exposed


def test_preflight__other_origin__refused_without_allow_origin():
    answer = _client(DASHBOARD).options(
        "/v1/predict", headers={"Origin": "https://evil.example", **PREFLIGHT}
    )
    assert answer.status_code == 400
    assert "access-control-allow-origin" not in answer.headers


def test_answer__no_origins_configured__no_cors_headers():
    answer = _client("").get("/healthz", headers={"Origin": DASHBOARD})
    assert answer.status_code == 200
    assert not any(h.startswith("access-control-") for h in answer.headers)


@pytest.mark.parametrize("bad", ["*", "http://127.0.0.1:8700/page", "127.0.0.1:8700"])
def test_settings__cors_origin_not_an_origin__rejected(bad):
    with pytest.raises(ValueError, match="not an origin"):
        GatewaySettings(model_id=1, cors_origins=bad)
