"""The ABIs shipped in modelmint/abi/ match what the contracts compile to now."""

from modelmint.abi import CONTRACTS, INTERFACES, USER_CONTRACTS, load_abi
from modelmint.abi.export import ERC20_SOURCE, exported, stale


def test_exported_abis__match_compiled_contracts(project):
    types = {
        name: {
            "abi": [
                e.model_dump(mode="json", by_alias=True)
                for e in getattr(project, name).contract_type.abi
            ]
        }
        for name in (*CONTRACTS, *USER_CONTRACTS, ERC20_SOURCE)
    }
    files = exported(types)
    assert stale(files) == [], "run `make compile` (python -m modelmint.abi.export) and commit"


def test_load_abi__every_export__has_functions():
    for name in CONTRACTS + USER_CONTRACTS + INTERFACES:
        assert any(e["type"] == "function" for e in load_abi(name)), name


def test_load_abi__unknown_name__raises_key_error():
    try:
        load_abi("NotAContract")
    except KeyError as exc:
        assert "NotAContract" in str(exc)
    else:
        raise AssertionError("expected KeyError")
