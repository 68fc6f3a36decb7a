"""The client's error vocabulary without a chain: gateway codes parsed into ErrorCode (unknown
ones kept and marked), reverts carried by name and arguments, channel states on disk."""

from __future__ import annotations

import json

import pytest
from eth_utils import to_checksum_address

from modelmint.client.errors import (
    ClientErrorCode,
    GatewayError,
    GatewayUnreachable,
    TransactionFailed,
    gateway_code,
)
from modelmint.client.store import ChannelStatus, ChannelStore, LocalChannel
from modelmint.errors import ErrorCode
from modelmint.reverts import Revert

CONSUMER = "0x" + "11" * 20


@pytest.mark.parametrize(
    ("wire", "code"),
    [
        ("cumulative_mismatch", ErrorCode.CUMULATIVE_MISMATCH),
        (ErrorCode.CHANNEL_CLOSED, ErrorCode.CHANNEL_CLOSED),
        ("licence_invalid", ErrorCode.LICENSE_INVALID),  # the old spelling, one more release
        ("teapot", None),
        ("", None),
    ],
)
def test_gateway_code__wire_text__parsed_into_error_code_or_none(wire, code):
    assert gateway_code(wire) is code


def test_gateway_error__known_code__typed_and_named_in_json():
    error = GatewayError(403, "licence_invalid", "no license")
    assert error.gateway_code is ErrorCode.LICENSE_INVALID
    assert error.code is ClientErrorCode.GATEWAY_ERROR
    assert error.to_json() == {
        "code": "gateway_error",
        "message": "HTTP 403 licence_invalid: no license",
        "status": 403,
        "gatewayCode": "licence_invalid",
    }


def test_gateway_error__unknown_code__kept_and_marked():
    error = GatewayError(409, "newer_gateway_code", "later release")
    assert error.gateway_code is None and error.wire_code == "newer_gateway_code"
    assert "unknown code 'newer_gateway_code'" in str(error)
    assert error.to_json()["gatewayCodeUnknown"] is True


def test_gateway_unreachable__no_answer__status_zero_own_code():
    error = GatewayUnreachable("http://127.0.0.1:9/v1/predict: refused")
    assert str(error) == "gateway_unreachable: no answer: http://127.0.0.1:9/v1/predict: refused"
    assert isinstance(error, GatewayError)
    assert (error.code, error.status, error.gateway_code) == (
        ClientErrorCode.GATEWAY_UNREACHABLE,
        0,
        None,
    )


def test_transaction_failed__revert__name_and_args_in_message_and_json():
    revert = Revert("UsageCreditsNotGateway", (7, "0x" + "ab" * 20), b"\x01\x02\x03\x04")
    error = TransactionFailed(f"openChannel would revert: {revert}", revert=revert)
    # shown checksummed; the JSON keeps the decoded value
    assert f"UsageCreditsNotGateway(7, {to_checksum_address('0x' + 'ab' * 20)})" in str(error)
    assert error.to_json()["revert"] == {
        "name": "UsageCreditsNotGateway",
        "args": [7, "0x" + "ab" * 20],
        "text": str(revert),
    }
    json.dumps(error.to_json())  # plain JSON for `--output json`


def test_channel_store__status_enum__same_text_on_disk(tmp_path):
    store = ChannelStore(tmp_path, 31337, CONSUMER)
    channel = LocalChannel(7, CONSUMER, 1, CONSUMER, CONSUMER, 10, 100).halted("overcharged")
    store.put(channel)
    on_disk = json.loads(store.path.read_text())["7"]
    assert on_disk["status"] == "halted"
    assert store.get(7) == channel and store.get(7).status is ChannelStatus.HALTED


def test_channel_store__256_bit_id_and_salt__decimal_strings_on_disk(tmp_path):
    store = ChannelStore(tmp_path, 31337, CONSUMER)
    big = 2**256 - 5
    channel = LocalChannel(big, CONSUMER, 1, CONSUMER, CONSUMER, 10, 100, salt=2**255)
    store.put(channel)
    on_disk = json.loads(store.path.read_text())[str(big)]
    assert (on_disk["channel_id"], on_disk["salt"]) == (str(big), str(2**255))
    assert store.get(big) == channel
