"""Revert data decoded once, by name and arguments, from the exported ABIs."""

import pytest
from eth_abi import encode
from eth_utils import function_abi_to_4byte_selector, to_checksum_address
from web3.exceptions import ContractCustomError, ContractLogicError

from modelmint.abi import load_abi
from modelmint.reverts import Revert, decode_revert, revert_of

GATEWAY = "0x" + "ab" * 20


def _error(contract: str, name: str) -> dict:
    (entry,) = [e for e in load_abi(contract) if e.get("type") == "error" and e["name"] == name]
    return entry


def _encode(contract: str, name: str, *args) -> bytes:
    entry = _error(contract, name)
    return function_abi_to_4byte_selector(entry) + encode(
        [i["type"] for i in entry["inputs"]], list(args)
    )


def test_decode_revert__custom_error__name_and_arguments():
    entry = _error("UsageCredits", "UsageCreditsNotGateway")
    args = tuple(7 if i["type"].startswith("uint") else GATEWAY for i in entry["inputs"])
    revert = decode_revert("0x" + _encode("UsageCredits", "UsageCreditsNotGateway", *args).hex())
    assert revert.name == "UsageCreditsNotGateway"
    assert tuple(a.lower() if isinstance(a, str) else a for a in revert.args) == args
    assert str(revert).startswith("UsageCreditsNotGateway(")
    assert to_checksum_address(GATEWAY) in str(revert)  # addresses shown checksummed


def test_decode_revert__agent_wallet_wrapper__inner_error_unwrapped():
    inner = _encode("LicenseManager", "LicenseManagerUnknownOffer", 9)
    revert = decode_revert(_encode("AgentWallet", "AgentWalletCallFailed", inner))
    assert revert.name == "AgentWalletCallFailed"
    assert revert.inner == decode_revert(inner)
    assert revert.is_("LicenseManagerUnknownOffer") and not revert.is_("Other")
    assert str(revert) == "AgentWalletCallFailed(LicenseManagerUnknownOffer(9))"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (bytes.fromhex("08c379a0") + encode(["string"], ["boom"]), "Error(boom)"),
        (bytes.fromhex("4e487b71") + encode(["uint256"], [0x11]), "Panic(17)"),
        (bytes.fromhex("deadbeef"), "unknown error 0xdeadbeef"),
        (b"", "reverted"),
        ("not hex", "reverted"),
    ],
)
def test_decode_revert__builtin_unknown_or_empty__named_or_marked_unknown(data, expected):
    assert str(decode_revert(data)) == expected


def test_decode_revert__known_selector_with_short_arguments__name_kept():
    selector = _encode("LicenseManager", "LicenseManagerUnknownOffer", 9)[:4]
    assert decode_revert(selector) == Revert("LicenseManagerUnknownOffer", (), selector)


def test_revert_of__web3_exceptions__decoded_or_none():
    data = "0x" + _encode("LicenseManager", "LicenseManagerUnknownOffer", 3).hex()
    assert revert_of(ContractCustomError(data, data=data)).name == "LicenseManagerUnknownOffer"
    assert revert_of(ContractLogicError("execution reverted: nope")) == Revert(
        "Error", ("nope",), b""
    )
    assert revert_of(ConnectionError("refused")) is None
