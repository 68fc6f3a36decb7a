"""The gateway key comes from a keystore or the environment, never unset."""

import json

import pytest
from eth_account import Account

from modelmint.gateway.errors import StartupError
from modelmint.gateway.service import load_account
from modelmint.gateway.settings import GatewaySettings


def test_load_account__keystore_and_password__gateway_address(tmp_path, monkeypatch):
    gateway = Account.create()
    keystore = tmp_path / "gateway.json"
    keystore.write_text(json.dumps(Account.encrypt(gateway.key, "pass phrase")))
    monkeypatch.setenv("MODELMINT_GATEWAY_KEYSTORE", str(keystore))
    monkeypatch.setenv("MODELMINT_GATEWAY_KEYSTORE_PASSWORD", "pass phrase")
    assert load_account(GatewaySettings(model_id=1)).address == gateway.address


def test_load_account__keystore_without_password__refuses(tmp_path, monkeypatch):
    monkeypatch.delenv("MODELMINT_GATEWAY_PRIVATE_KEY", raising=False)
    monkeypatch.setenv("MODELMINT_GATEWAY_KEYSTORE", str(tmp_path / "k.json"))
    monkeypatch.delenv("MODELMINT_GATEWAY_KEYSTORE_PASSWORD", raising=False)
    with pytest.raises(StartupError, match="KEYSTORE_PASSWORD"):
        load_account(GatewaySettings(model_id=1))


def test_load_account__no_key__refuses(monkeypatch):
    for name in ("KEYSTORE", "KEYSTORE_PASSWORD", "PRIVATE_KEY"):
        monkeypatch.delenv(f"MODELMINT_GATEWAY_{name}", raising=False)
    with pytest.raises(StartupError, match="no gateway key"):
        load_account(GatewaySettings(model_id=1))


def test_settings__unknown_option__rejected():
    with pytest.raises(ValueError):
        GatewaySettings(model_id=1, gateway_secret="x")


@pytest.mark.parametrize(
    "name", ["MODELMINT_GATEWAY_LICENSE_ENABLED", "MODELMINT_GATEWAY_LICENCE_ENABLED"]
)
def test_settings__license_switch_under_either_spelling__read(name, monkeypatch):
    monkeypatch.setenv(name, "false")
    assert GatewaySettings(model_id=1).license_enabled is False
