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


def test_open_store__url_or_path__the_named_store(tmp_path, pg_url):
    from modelmint.gateway.pgstore import PostgresStore
    from modelmint.gateway.service import open_store
    from modelmint.gateway.store import SqliteStore

    by_path = open_store(GatewaySettings(model_id=1, store_path=tmp_path / "a.sqlite3"))
    by_url = open_store(GatewaySettings(model_id=1, store=f"sqlite:///{tmp_path / 'b.sqlite3'}"))
    server = open_store(GatewaySettings(model_id=1, store=pg_url, workers=4))
    try:
        assert isinstance(by_path, SqliteStore) and by_path.path == tmp_path / "a.sqlite3"
        assert isinstance(by_url, SqliteStore) and by_url.path == tmp_path / "b.sqlite3"
        assert isinstance(server, PostgresStore) and server.shared
    finally:
        for store in (by_path, by_url, server):
            store.close()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"store": "mysql://db/x"}, "is not sqlite:/// or postgresql://"),
        ({"workers": 2}, "needs a PostgreSQL store"),
        ({"store": "postgresql://nobody@127.0.0.1:1/none", "store_timeout": 1}, "cannot open"),
    ],
)
def test_open_store__unusable__refuses_to_start(tmp_path, settings, message):
    from modelmint.gateway.service import open_store

    with pytest.raises(StartupError, match=message):
        open_store(GatewaySettings(model_id=1, store_path=tmp_path / "s.sqlite3", **settings))


def test_settle_sweep__flag_or_environment__settler_policy_sweeps(monkeypatch):
    from modelmint.gateway import __main__ as cli
    from modelmint.gateway.settler import SettlePolicy

    seen = []
    monkeypatch.setattr(cli, "_settle", lambda settings, *_: seen.append(settings) or 0)
    monkeypatch.setattr(cli, "configure_logging", lambda level: None)
    monkeypatch.delenv("MODELMINT_GATEWAY_SETTLE_SWEEP", raising=False)
    assert cli.main(["settle", "--model-id", "1", "--once"]) == 0
    assert cli.main(["settle", "--model-id", "1", "--once", "--sweep"]) == 0
    assert [SettlePolicy.of(s).sweep for s in seen] == [False, True]
    monkeypatch.setenv("MODELMINT_GATEWAY_SETTLE_SWEEP", "true")
    assert SettlePolicy.of(GatewaySettings(model_id=1)).sweep
