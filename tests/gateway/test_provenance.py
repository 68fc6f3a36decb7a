"""The gateway's provenance signature: the consumer can verify what it was served."""

import dataclasses

import pytest
from eth_account import Account
from hypothesis import given
from hypothesis import strategies as st

from modelmint.errors import ErrorCode, WireError
from modelmint.provenance import (
    Provenance,
    ProvenanceDomain,
    ServedSigner,
    body_hash,
    make_served,
    sign_served,
    verify_provenance,
)
from modelmint.signing import signer_of

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


@given(
    channel_id=st.integers(0, 2**256 - 1),
    charged=st.integers(0, 2**256 - 1),
    charged_total=st.integers(0, 2**256 - 1),
    version=st.integers(0, 2**32 - 1),
    account=st.binary(min_size=20, max_size=20),
    body=st.binary(max_size=64),
)
def test_served_signer__any_answer__same_header_as_sign_served(
    channel_id, charged, charged_total, version, account, body
):
    address = "0x" + account.hex()  # lower case: the header checksums it
    request_hash = body_hash(b"request " + body)
    prover = ServedSigner(
        DOMAIN,
        signer_of(bytes(GATEWAY.key)),
        model_id=5,
        version=version,
        version_hash=b"\x07" * 32,
    )
    header = prover.header(request_hash, body, address, (channel_id, charged, charged_total))
    served = make_served(
        request_hash=request_hash,
        response_body=body,
        model_id=5,
        version=version,
        version_hash=b"\x07" * 32,
        account=address,
        channel_id=channel_id,
        charged=charged,
        charged_total=charged_total,
        served_at=Provenance.from_header(header).served.served_at,
    )
    assert header == sign_served(DOMAIN, served, GATEWAY.key).to_header()
