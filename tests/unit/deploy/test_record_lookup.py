"""Off-chain readers find contracts in a deployment record by their Solidity name."""

import pytest

from modelmint.records import Record


def _record(tmp_path, contracts):
    record = Record(tmp_path / "local.json")
    record.contracts.update(contracts)
    return record


def test_address_of__deployed_step__returns_its_address(tmp_path):
    record = _record(
        tmp_path,
        {
            "credits": {"address": "0xC", "contract": "UsageCredits", "status": "deployed"},
            "registry": {"address": "0xR", "contract": "ModelRegistry", "status": "deployed"},
        },
    )
    assert record.address_of("UsageCredits") == "0xC"
    assert record.address("credits") == "0xC"


def test_address_of__pending_or_absent__none(tmp_path):
    record = _record(
        tmp_path, {"credits": {"address": "0xC", "contract": "UsageCredits", "status": "pending"}}
    )
    assert record.address_of("UsageCredits") is None
    assert record.address_of("ModelRegistry") is None


def test_address_of__two_deployed_of_one_contract__raises(tmp_path):
    entry = {"contract": "ModelTimelock", "status": "deployed"}
    record = _record(tmp_path, {"a": {**entry, "address": "0xA"}, "b": {**entry, "address": "0xB"}})
    with pytest.raises(ValueError, match="2 deployed ModelTimelock"):
        record.address_of("ModelTimelock")
