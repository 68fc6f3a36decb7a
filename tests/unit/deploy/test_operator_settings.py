"""The `ape run` operator scripts take the record and the account from the same settings as
the `modelmint` commands (MODELMINT_RECORD / MODELMINT_ACCOUNT or the active profile) when
their own flags are not given; their own flags and MODELMINT_DEPLOYMENTS_DIR still win."""

import json
from types import SimpleNamespace

import click
import pytest

from modelmint.deploy.operator import RecordedDeployment, _settings_record, acting_account
from modelmint.deploy.roles import Role

DEV = SimpleNamespace(network=SimpleNamespace(is_dev=True))
LIVE = SimpleNamespace(network=SimpleNamespace(is_dev=False))


@pytest.fixture
def no_settings(monkeypatch, tmp_path):
    for var in ("MODELMINT_RECORD", "MODELMINT_ACCOUNT", "MODELMINT_DEPLOYMENTS_DIR",
                "MODELMINT_PROFILE"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    monkeypatch.setenv("MODELMINT_PROFILES", str(empty))


def test_settings_record__modelmint_record_set__scripts_read_that_file(no_settings, monkeypatch,
                                                                       tmp_path):  # fmt: skip
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"contracts": {}}))
    monkeypatch.setenv("MODELMINT_RECORD", str(path))
    assert _settings_record(None) == path
    assert RecordedDeployment.read(path).path == path


def test_settings_record__profile_names_record__scripts_read_it(no_settings, monkeypatch, tmp_path):
    profiles = tmp_path / "profiles.toml"
    profiles.write_text('[default]\nrecord = "deployments/sepolia.json"\n')
    monkeypatch.setenv("MODELMINT_PROFILES", str(profiles))
    assert str(_settings_record(None)).endswith("deployments/sepolia.json")


def test_settings_record__flag_or_deployments_dir_given__they_win(
    no_settings, monkeypatch, tmp_path
):
    monkeypatch.setenv("MODELMINT_RECORD", str(tmp_path / "mine.json"))
    assert _settings_record(tmp_path) is None
    monkeypatch.setenv("MODELMINT_DEPLOYMENTS_DIR", str(tmp_path))
    assert _settings_record(None) is None


def test_settings_record__missing_file__clear_error_naming_it(no_settings, tmp_path):
    with pytest.raises(click.ClickException, match="no deployment record .*absent.json"):
        RecordedDeployment.read(tmp_path / "absent.json")


def test_acting_account__settings_name_unknown_alias__usage_error_names_it(
    no_settings, monkeypatch
):
    monkeypatch.setenv("MODELMINT_ACCOUNT", "no-such-alias")
    with pytest.raises(
        click.UsageError, match="'no-such-alias', which is not an ape keystore alias"
    ):
        acting_account(DEV, None, Role.MODEL_OWNER)


def test_acting_account__nothing_set__role_test_account_on_dev_required_on_live(
    no_settings, accounts
):
    assert acting_account(DEV, None, Role.MODEL_OWNER) == accounts[int(Role.MODEL_OWNER)]
    with pytest.raises(click.UsageError, match="--account is required"):
        acting_account(LIVE, None, Role.MODEL_OWNER)


def test_shared_setting__broken_profile__usage_error_not_traceback(no_settings, monkeypatch,
                                                                   tmp_path):  # fmt: skip
    profiles = tmp_path / "broken.toml"
    profiles.write_text("[default\n")
    monkeypatch.setenv("MODELMINT_PROFILES", str(profiles))
    with pytest.raises(click.UsageError, match="broken.toml"):
        _settings_record(None)
