"""Settings given once (environment, profile file, keystore accounts), secrets refused, and the
failure convention: one line naming the contract's error, exit 2, nothing sent."""

import json

import pytest
from eth_account import Account

from modelmint.client.units import (
    ETH_ASSET,
    Asset,
    format_amount,
    format_duration,
    parse_amount,
    parse_duration,
)
from modelmint.deploy.models import register_model


@pytest.fixture(scope="module")
def model_id(protocol, model_owner):
    return register_model(
        protocol.registry, model_owner, b"\x42" * 32, "ipfs://m/v1", "ipfs://m"
    ).model_id


def test_reverting_call__one_line_with_error_name_and_args__nothing_sent(
    mm, protocol, model_id, attacker, chain
):
    nonce = chain.provider.web3.eth.get_transaction_count(attacker.address)
    done = mm(attacker, "model", "set-gateway", "--model", model_id, attacker.address)
    assert done.code == 2
    [line] = done.err.strip().splitlines()
    assert line == (
        "error: transaction_failed: setGateway would revert: "
        f"ModelRegistryNotModelOwner({model_id}, {attacker.address}); nothing sent"
    )
    assert chain.provider.web3.eth.get_transaction_count(attacker.address) == nonce
    assert not protocol.registry.isGateway(model_id, attacker)


def test_reverting_call__json_output__error_document_with_decoded_revert(mm, model_id, attacker):
    done = mm(attacker, "--output", "json", "model", "set-gateway", "--model", model_id,
              attacker.address)  # fmt: skip
    assert done.code == 2
    error = json.loads(done.out)["error"]
    assert error["code"] == "transaction_failed"
    assert error["revert"]["name"] == "ModelRegistryNotModelOwner"
    assert error["revert"]["args"] == [model_id, attacker.address.lower()]


def test_profile_with_private_key__refused_naming_the_key(mm, tmp_path, model_owner, model_id):
    profile = tmp_path / "profiles.toml"
    profile.write_text(f'[default]\nrpc = "http://x"\nprivate_key = "{model_owner.private_key}"\n')
    done = mm(None, "model", "show", model_id, env={"MODELMINT_PROFILES": str(profile)})
    assert done.code == 2
    [line] = done.err.strip().splitlines()
    assert line.startswith("error: profile_invalid: ") and "private_key" in line
    assert "a profile never holds a secret" in line and "MODELMINT_PRIVATE_KEY" in line


def test_profile_with_key_shaped_value__refused(mm, tmp_path, model_owner, model_id):
    profile = tmp_path / "profiles.toml"
    profile.write_text(f'[default]\naccount = "{model_owner.private_key}"\n')
    done = mm(None, "model", "show", model_id, env={"MODELMINT_PROFILES": str(profile)})
    assert done.code == 2 and "profile_invalid" in done.err


@pytest.mark.parametrize(
    "missing, named",
    [("MODELMINT_RPC", "pass --rpc, set MODELMINT_RPC, or add `rpc = ...`"),
     ("MODELMINT_RECORD", "pass --record, set MODELMINT_RECORD, or add `record = ...`")],
)  # fmt: skip
def test_missing_setting__names_flag_env_var_and_profile_key(mm, model_id, missing, named):
    done = mm(None, "model", "show", model_id, env={missing: ""})
    assert done.code == 2
    [line] = done.err.strip().splitlines()
    assert line.startswith("error: setting_missing: ") and named in line


def test_missing_account__names_account_and_key_env_vars(mm, model_id):
    done = mm(None, "model", "set-gateway", "--model", model_id, "0x" + "11" * 20)
    assert done.code == 2
    assert "MODELMINT_ACCOUNT" in done.err and "MODELMINT_PRIVATE_KEY" in done.err


def test_profile_and_ape_keystore_alias__settings_given_once(
    mm, tmp_path, base_env, model_owner, rpc_url, record_path, model_id
):
    """rpc and record from a profile chosen by name, the account an ape keystore alias whose
    passphrase comes from the environment; no flag on the command."""
    keystores = tmp_path / "ape" / "accounts"
    keystores.mkdir(parents=True)
    owner_key = Account.encrypt(model_owner.private_key, "pw")
    (keystores / "owner.json").write_text(json.dumps(owner_key))
    profile = tmp_path / "profiles.toml"
    profile.write_text(f'[default]\nrpc = "http://127.0.0.1:1"\n\n[local]\nrpc = "{rpc_url}"\n'
                       f'record = "{record_path}"\naccount = "owner"\n')  # fmt: skip
    env = {"MODELMINT_PROFILES": str(profile), "MODELMINT_RPC": "", "MODELMINT_RECORD": "",
           "APE_DATA_FOLDER": str(tmp_path / "ape"), "MODELMINT_PASSPHRASE": "pw"}  # fmt: skip
    key = Account.create().address
    done = mm(None, "--profile", "local", "--output", "json", "gateway", "fund", key,
              "--amount", "0.001", env=env)  # fmt: skip
    assert done.code == 0, done.err
    assert done.json["value"] == 10**15 and done.json["balance"] == 10**15
    wrong = mm(None, "--profile", "local", "gateway", "fund", key, "--amount", "0.001",
               env={**env, "MODELMINT_PASSPHRASE": "nope"})  # fmt: skip
    assert wrong.code == 2 and "account_unavailable: wrong passphrase" in wrong.err


def test_flag_overrides_profile_and_environment(mm, tmp_path, rpc_url, model_id):
    profile = tmp_path / "profiles.toml"
    profile.write_text('[default]\nrpc = "http://127.0.0.1:1"\n')
    env = {"MODELMINT_PROFILES": str(profile), "MODELMINT_RPC": ""}
    unreachable = mm(None, "model", "show", model_id, env=env)
    assert unreachable.code == 2 and len(unreachable.err.strip().splitlines()) == 1
    done = mm(None, "--rpc", rpc_url, "--output", "json", "model", "show", model_id, env=env)
    assert done.code == 0 and done.json["model"] == model_id, done.err


def test_units__amounts_durations_round_trip():
    usd = Asset("0x" + "01" * 20, "USDC", 6)
    assert format_amount(1_200_000_000_000_000) == "0.0012 ETH"
    assert format_amount(2_500_000, usd) == "2.5 USDC"
    assert parse_amount("0.0012", ETH_ASSET) == 1_200_000_000_000_000
    assert parse_amount("5000wei") == 5000 and parse_amount("2.5 USDC", usd) == 2_500_000
    with pytest.raises(ValueError, match="finer than one base unit"):
        parse_amount("0.0000001", usd)
    assert parse_duration("30d") == 30 * 86400 and format_duration(90_000) == "1 d 1 h"


def test_usage_error__one_line_naming_the_help_to_read(mm, model_owner):
    done = mm(model_owner, "model", "publish-version", "--model", 1)
    assert done.code == 2
    assert done.err.strip().splitlines() == [
        "error: usage: Missing option '--uri'. (see `main model publish-version --help`)"
    ]
