"""The gateway's provenance signature: the consumer can verify what it was served."""

import dataclasses

import pytest
from eth_account import Account

from modelmint.errors import ErrorCode, WireError
from modelmint.provenance import (
    Provenance,
    ProvenanceDomain,
    make_served,
    sign_served,
    verify_provenance,
)

GATEWAY = Account.create()
DOMAIN = ProvenanceDomain(chain_id=31337, gateway=GATEWAY.address)


def proof() -> Provenance:
    served = make_served(
        request_body=b'{"inputs": [[0]]}',
        response_body=b'{"outputs": [3]}',
        model_id=1,
        version=1,
        version_hash=b"\x07" * 32,
        account=Account.create().address,
        channel_id=9,
        charged=1,
        charged_total=12,
    )
    return sign_served(DOMAIN, served, GATEWAY.key)


def test_provenance__round_trip__verifies():
    decoded = Provenance.from_header(proof().to_header())
    verify_provenance(
        DOMAIN,
        decoded,
        gateway=GATEWAY.address,
        request_body=b'{"inputs": [[0]]}',
        response_body=b'{"outputs": [3]}',
    )


def test_provenance__other_response__rejected():
    with pytest.raises(WireError) as info:
        verify_provenance(DOMAIN, proof(), gateway=GATEWAY.address, response_body=b"{}")
    assert info.value.code is ErrorCode.INVALID_PAYLOAD


@pytest.mark.parametrize("field, value", [("charged_total", 13), ("channel_id", 10)])
def test_provenance__edited_message__bad_signature(field, value):
    original = proof()
    edited = Provenance(dataclasses.replace(original.served, **{field: value}), original.signature)
    with pytest.raises(WireError) as info:
        verify_provenance(DOMAIN, edited, gateway=GATEWAY.address)
    assert info.value.code is ErrorCode.BAD_SIGNATURE


def test_provenance__other_chain__bad_signature():
    with pytest.raises(WireError):
        verify_provenance(
            ProvenanceDomain(chain_id=1, gateway=GATEWAY.address), proof(), gateway=GATEWAY.address
        )


def test_served_digest__fast_path__equals_eip712_library():
    from modelmint.provenance import served_digest, typed_data
    from modelmint.signing import typed_digest

    served = proof().served
    assert served_digest(DOMAIN, served) == typed_digest(typed_data(DOMAIN, served))
