"""modelmint.deploy.config: network config files load, validate with clear errors and resolve."""

import dataclasses
import json

import pytest
import yaml

from modelmint.deploy.config import CONFIG_DIR, REPO_ROOT, load_config
from modelmint.deploy.errors import ConfigError, DeployErrorCode
from modelmint.deploy.governance import GovernanceParams
from modelmint.errors import ModelmintError

USDC = "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238"
OTHER = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def _base():
    return yaml.safe_load((CONFIG_DIR / "local.yaml").read_text())


def _write(tmp_path, data):
    path = tmp_path / "net.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("network", ["local", "sepolia-fork", "sepolia"])
def test_load_config__shipped_file__validates(network):
    cfg = load_config(network)
    assert 0 <= cfg.protocol_fee_bps <= 10_000
    assert 1 <= cfg.governance.quorum_percent <= 100


def test_load_config__unknown_network__names_the_missing_file():
    with pytest.raises(ConfigError, match="no deployment config for network 'nowhere'") as info:
        load_config("nowhere")
    assert isinstance(info.value, ModelmintError)
    assert info.value.code is DeployErrorCode.CONFIG_INVALID


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.update(protocol_fee_bps=10_001), "protocol_fee_bps: Input should be less"),
        (lambda d: d["governance"].update(quorum_percent=0), "governance.quorum_percent"),
        (
            lambda d: d["governance"].update(voting_period_seconds=0),
            "governance.voting_period_seconds",
        ),
        (lambda d: d.update(treasury="0x1234"), "treasury is not a valid address"),
        (lambda d: d.update(admin="nobody"), "admin is not a valid address"),
        (
            lambda d: d["governance"].update(timelock_delay=60),
            "governance.timelock_delay: Unexpected keyword argument",
        ),
        (lambda d: d.update(fee=1), "fee: Extra inputs are not permitted"),
        (lambda d: d.update(allowed_tokens=[USDC, USDC.lower()]), "lists '0x1c7d.*' twice"),
        (lambda d: d.update(allowed_tokens=["USDC"]), r"names \['USDC'\] need `upstream_record`"),
        (lambda d: d.update(known_tokens={"USDC": "0xnope"}), "known_tokens.USDC is not a valid"),
        (lambda d: d.pop("governance"), "governance: Field required"),
    ],
)
def test_load_config__invalid_field__raises_naming_it(tmp_path, mutate, message):
    data = _base()
    mutate(data)
    with pytest.raises(ConfigError, match=message) as info:
        load_config("local", _write(tmp_path, data))
    assert "net.yaml" in str(info.value)


def test_load_config__not_a_mapping__raises(tmp_path):
    path = tmp_path / "net.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config("local", path)


def test_resolve_tokens__names__from_upstream_record_then_known_tokens(tmp_path, monkeypatch):
    monkeypatch.delenv("MODELMINT_UPSTREAM_RECORD", raising=False)
    data = _base()
    data.update(
        upstream_record="sepolia",
        allowed_tokens=["USDC", "EURC", OTHER],
        known_tokens={"USDC": USDC, "EURC": USDC},
    )
    (tmp_path / "sepolia.json").write_text(
        json.dumps({"contracts": {"USDC": {"address": OTHER.lower(), "status": "deployed"}}})
    )
    cfg = load_config("x", _write(tmp_path, data))
    assert cfg.resolve_tokens(tmp_path) == (OTHER, USDC, OTHER)


def test_resolve_tokens__env_record_path__overrides_default(tmp_path, monkeypatch):
    elsewhere = tmp_path / "seed.json"
    elsewhere.write_text(json.dumps({"contracts": {"USDC": {"address": OTHER}}}))
    monkeypatch.setenv("MODELMINT_UPSTREAM_RECORD", str(elsewhere))
    data = _base()
    data.update(upstream_record="sepolia", allowed_tokens=["USDC"])
    assert load_config("x", _write(tmp_path, data)).resolve_tokens(tmp_path) == (OTHER,)


def test_resolve_tokens__unknown_name__raises(tmp_path, monkeypatch):
    monkeypatch.delenv("MODELMINT_UPSTREAM_RECORD", raising=False)
    data = _base()
    data.update(upstream_record="sepolia", allowed_tokens=["WBTC"])
    cfg = load_config("x", _write(tmp_path, data))
    with pytest.raises(ConfigError, match="allowed token 'WBTC' is not in record"):
        cfg.resolve_tokens(tmp_path)


def test_governance_params__deployment_doc__lists_every_field_once():
    doc = (REPO_ROOT / "docs" / "DEPLOYMENT.md").read_text()
    lines = [line.strip() for line in doc.splitlines()]
    rows = [line.split("|")[1].strip(" `") for line in lines if line.startswith("| `")]
    fields = [f.name for f in dataclasses.fields(GovernanceParams)]
    assert [r for r in rows if r in fields] == fields


@pytest.mark.parametrize("network", ["local", "sepolia-fork", "sepolia"])
def test_load_config__shipped_file__governance_keys_are_the_params_fields(network):
    data = yaml.safe_load((CONFIG_DIR / f"{network}.yaml").read_text())
    assert set(data["governance"]) <= {f.name for f in dataclasses.fields(GovernanceParams)}
