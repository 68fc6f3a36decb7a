"""The x402 v2 envelope of the modelmint-credits scheme: round trips and strict decoding."""

import base64
import json

import pytest
from eth_account import Account
from hypothesis import given
from hypothesis import strategies as st

from modelmint.client.verify import check_payment_response
from modelmint.codec import MAX_HEADER_BYTES, encode_header
from modelmint.errors import ErrorCode, WireError, error_body
from modelmint.gateway.headers import payment_response_header
from modelmint.receipts import ReceiptDomain
from modelmint.wire import (
    HEADER_PAYMENT_SIGNATURE,
    SCHEME,
    ChannelState,
    LastReceipt,
    PaymentPayload,
    PaymentRequired,
    PaymentRequirements,
    PaymentResponse,
    ReceiptPayload,
    RequirementsExtra,
    Resource,
    chain_id_of,
    decode_payment_payload,
    decode_payment_required,
    decode_payment_response,
    encode_payment_payload,
    encode_payment_required,
    encode_payment_response,
    network_id,
)

CREDITS = "0x" + "11" * 20
GATEWAY = Account.create().address
CONSUMER = Account.create().address
ASSET = "0x" + "00" * 20


def requirements(amount: int = 5, channel: ChannelState | None = None) -> PaymentRequirements:
    return PaymentRequirements(
        network=network_id(31337),
        amount=amount,
        asset=CREDITS,
        pay_to=GATEWAY,
        max_timeout_seconds=60,
        extra=RequirementsExtra(
            model_id=1,
            version=2,
            version_hash=b"\xab" * 32,
            credit_value=10**12,
            payment_asset=ASSET,
            receipt_domain=ReceiptDomain(chain_id=31337, verifying_contract=CREDITS),
            credits_per_item=1,
            max_batch=32,
            channel=channel,
            last_receipt=LastReceipt(7, 1_900_000_000, b"\x01" * 65) if channel else None,
        ),
    )


def payload(**overrides) -> PaymentPayload:
    receipt = dict(
        channel_id=2**256 - 3,  # ids are hashes: any uint256
        consumer=CONSUMER,
        salt=2**255,
        cumulative_credits=15,
        deadline=1_900_000_000,
        signature=b"\x02" * 65,
    )
    receipt.update(overrides)
    return PaymentPayload(accepted=requirements(), payload=ReceiptPayload(**receipt))


def tamper(header: str, edit) -> str:
    obj = json.loads(base64.b64decode(header))
    edit(obj)
    return encode_header(obj)


def test_payment_required__round_trip__equal():
    channel = ChannelState(channel_id=3, charged=10, deposit=100, settled=4, expiry=1_900_000_100)
    required = PaymentRequired(
        error=ErrorCode.CUMULATIVE_MISMATCH.value,
        message="resync",
        accepts=(requirements(channel=channel),),
        resource=Resource(url="http://127.0.0.1/v1/predict"),
    )
    assert decode_payment_required(encode_payment_required(required)) == required


def test_payment_payload__round_trip__equal():
    value = payload()
    assert decode_payment_payload(encode_payment_payload(value)) == value


def test_decode_payment_payload__same_accepted_again__equal_to_full_decode():
    first, second = payload(cumulative_credits=15), payload(cumulative_credits=16)
    assert decode_payment_payload(encode_payment_payload(first)) == first
    # The second header shares the first's accepted text: only its payload is parsed.
    assert decode_payment_payload(encode_payment_payload(second)) == second


def test_decode_payment_payload__known_prefix_then_bad_payload__named_error():
    decode_payment_payload(encode_payment_payload(payload()))
    header = tamper(encode_payment_payload(payload()), lambda o: o["payload"].pop("deadline"))
    with pytest.raises(WireError) as info:
        decode_payment_payload(header)
    assert info.value.code is ErrorCode.INVALID_PAYLOAD


def test_decode_payment_payload__known_prefix_then_repeated_accepted__last_one_wins_as_json():
    known = encode_payment_payload(payload())
    decode_payment_payload(known)
    raw = base64.b64decode(known)
    other = json.dumps(requirements(amount=9).to_json(), separators=(",", ":")).encode()
    # A second "accepted" key (escaped) after the known text: JSON keeps the last one.
    repeated = raw[:-1] + b',"\\u0061ccepted":' + other + b"}"
    decoded = decode_payment_payload(base64.b64encode(repeated).decode())
    assert json.loads(repeated)["accepted"]["amount"] == "9"
    assert decoded.accepted == requirements(amount=9)


def test_payment_response__round_trip__equal():
    value = PaymentResponse(
        success=True,
        network="eip155:31337",
        payer=GATEWAY,
        charged_credits=3,
        channel=ChannelState(3, 13, 100, 0, 1_900_000_100),
    )
    assert decode_payment_response(encode_payment_response(value)) == value


@given(
    success=st.booleans(),
    charged=st.integers(0, 2**256 - 1),
    channel=st.tuples(*[st.integers(0, 2**256 - 1)] * 5),
    payer=st.binary(min_size=20, max_size=20),
    transaction=st.sampled_from(["", "0x" + "ab" * 32]),
    error_reason=st.sampled_from(["", "invalid_payload"]),
)
def test_payment_response_header__any_response__same_bytes_as_encode_payment_response(
    success, charged, channel, payer, transaction, error_reason
):
    value = PaymentResponse(
        success=success,
        network="eip155:31337",
        payer="0x" + payer.hex(),
        charged_credits=charged,
        channel=ChannelState(*channel),
        transaction=transaction,
        error_reason=error_reason,
    )
    assert payment_response_header(value) == encode_payment_response(value)


def test_encoding__uint256_fields__decimal_strings():
    obj = json.loads(base64.b64decode(encode_payment_payload(payload(cumulative_credits=2**255))))
    assert obj["payload"]["cumulativeCredits"] == str(2**255)
    assert obj["payload"]["channelId"] == str(2**256 - 3)
    assert obj["payload"]["salt"] == str(2**255)
    assert obj["payload"]["consumer"] == CONSUMER
    assert obj["accepted"]["amount"] == "5"
    assert obj["x402Version"] == 2
    assert obj["accepted"]["scheme"] == SCHEME


@pytest.mark.parametrize(
    "header, code",
    [
        ("", ErrorCode.INVALID_PAYLOAD),
        ("not base64 !!", ErrorCode.INVALID_PAYLOAD),
        (base64.b64encode(b"{not json").decode(), ErrorCode.INVALID_PAYLOAD),
        (base64.b64encode(b"[1, 2]").decode(), ErrorCode.INVALID_PAYLOAD),
        (base64.b64encode(b"\xff\xfe").decode(), ErrorCode.INVALID_PAYLOAD),
        ("A" * (MAX_HEADER_BYTES + 4), ErrorCode.HEADER_TOO_LARGE),
    ],
)
def test_decode__malformed_header__named_error(header, code):
    with pytest.raises(WireError) as info:
        decode_payment_payload(header)
    assert info.value.code is code


@pytest.mark.parametrize(
    "edit, code",
    [
        (lambda o: o.update(x402Version=1), ErrorCode.UNSUPPORTED_VERSION),
        (lambda o: o.pop("payload"), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["accepted"].update(scheme="exact"), ErrorCode.WRONG_SCHEME),
        (lambda o: o["accepted"].update(network="solana:mainnet"), ErrorCode.WRONG_NETWORK),
        (lambda o: o["accepted"].update(network="eip155:"), ErrorCode.WRONG_NETWORK),
        (lambda o: o["accepted"].update(amount=5), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["accepted"].update(amount="-5"), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["accepted"].update(amount="05"), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["accepted"].update(amount=str(2**256)), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["accepted"].update(payTo="0x1234"), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["accepted"]["extra"].update(versionHash="0x12"), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["accepted"]["extra"].update(version=True), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["payload"].update(signature="0xzz"), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["payload"].update(signature="0x" + "00" * 1025), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["payload"].update(signature="0x" + "0" * 129), ErrorCode.INVALID_PAYLOAD),
        (
            lambda o: o["payload"].update(signature="0x" + "00" * 65 + "\n"),
            ErrorCode.INVALID_PAYLOAD,
        ),
        (lambda o: o["payload"].update(signature="00" * 65), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["payload"].update(signature=None), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["payload"].pop("signature"), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["payload"].update(cumulativeCredits=15), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["payload"].update(cumulativeCredits=" 15"), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["payload"].update(cumulativeCredits="15\n"), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["payload"].pop("deadline"), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["payload"].update(consumer=CONSUMER + "\n"), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o.update(payload=[1]), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["payload"].update(channelId=None), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["payload"].update(channelId=str(2**256)), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["payload"].pop("consumer"), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["payload"].update(consumer="0x12"), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["payload"].pop("salt"), ErrorCode.INVALID_PAYLOAD),
        (lambda o: o["payload"].update(salt=0), ErrorCode.INVALID_PAYLOAD),
    ],
)
def test_decode__bad_field__named_error(edit, code):
    header = tamper(encode_payment_payload(payload()), edit)
    with pytest.raises(WireError) as info:
        decode_payment_payload(header)
    assert info.value.code is code


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda p: p.pop("channelId"), "payload.channelId is missing"),
        (lambda p: p.update(channelId=7), "payload.channelId must be a decimal string"),
        (lambda p: p.update(salt=str(2**256)), "payload.salt exceeds uint256"),
        (lambda p: p.pop("consumer"), "payload.consumer is missing"),
        (lambda p: p.update(consumer=7), "payload.consumer must be an address"),
        (lambda p: p.pop("signature"), "payload.signature is missing"),
        (lambda p: p.update(signature="0x0"), "payload.signature must be 0x-hex bytes"),
    ],
)
def test_decode__bad_receipt_field__message_names_the_field(edit, message):
    header = tamper(encode_payment_payload(payload()), lambda o: edit(o["payload"]))
    with pytest.raises(WireError) as info:
        decode_payment_payload(header)
    assert (info.value.code, info.value.message) == (ErrorCode.INVALID_PAYLOAD, message)


def test_decode__signature_in_either_case__same_bytes():
    signature = bytes(range(65))
    lower = tamper(encode_payment_payload(payload(signature=signature)), lambda o: None)
    upper = tamper(lower, lambda o: o["payload"].update(signature="0x" + signature.hex().upper()))
    assert decode_payment_payload(upper).payload.signature == signature
    assert decode_payment_payload(lower) == payload(signature=signature)


def test_payment_required__foreign_schemes__ignored():
    required = PaymentRequired(
        error="payment_required", accepts=(requirements(),), resource=Resource(url="/x")
    )

    def add_exact(obj):
        obj["accepts"].insert(0, {"scheme": "exact", "network": "eip155:8453"})

    decoded = decode_payment_required(tamper(encode_payment_required(required), add_exact))
    assert decoded.accepts == required.accepts


def test_error_codes__every_code__has_status():
    for code in ErrorCode:
        assert 400 <= code.status < 600
    assert ErrorCode.INVALID_INPUT.status == 422
    assert ErrorCode.CUMULATIVE_MISMATCH.status == 402
    assert ErrorCode.RPC_UNAVAILABLE.status == 503
    assert ErrorCode.CHANNEL_BUSY.status == 409
    assert error_body(ErrorCode.INVALID_INPUT, "bad", field="x") == {
        "error": {"code": "invalid_input", "message": "bad", "field": "x"}
    }


def test_chain_id_of__caip2__parsed():
    assert chain_id_of("eip155:1") == 1
    assert HEADER_PAYMENT_SIGNATURE == "PAYMENT-SIGNATURE"


def test_check_payment_response__overcharge_or_jump__rejected():
    accepted = requirements(amount=5)
    ok = PaymentResponse(True, "eip155:31337", GATEWAY, 4, ChannelState(3, 14, 100, 0, 9))
    check_payment_response(ok, accepted, previous_charged=10)
    above = PaymentResponse(True, "eip155:31337", GATEWAY, 6, ChannelState(3, 16, 100, 0, 9))
    with pytest.raises(WireError):
        check_payment_response(above, accepted, previous_charged=10)
    jump = PaymentResponse(True, "eip155:31337", GATEWAY, 4, ChannelState(3, 20, 100, 0, 9))
    with pytest.raises(WireError):
        check_payment_response(jump, accepted, previous_charged=10)


def test_wire_struct__uint64_above_range__rejected_with_field_name():
    from modelmint.provenance import Served

    served = Served(b"\x01" * 32, b"\x02" * 32, 1, 1, b"\x03" * 32, "0x" + "ab" * 20, 0, 0, 0, 0)
    obj = {**served.to_json(), "servedAt": str(2**64)}
    with pytest.raises(WireError) as info:
        Served.from_json(obj)
    assert info.value.code == ErrorCode.INVALID_PAYLOAD
    assert "served.servedAt must fit uint64" in info.value.message


def test_error_code__old_licence_spelling__parsed_as_license_invalid():
    assert ErrorCode("licence_invalid") is ErrorCode.LICENSE_INVALID
    assert ErrorCode.LICENSE_INVALID.value == "license_invalid"
