"""License access statements: signature binding (chain, gateway, model) and freshness."""

import dataclasses

import pytest
from eth_account import Account

from modelmint.access import (
    CLOCK_SKEW_SECONDS,
    MAX_LIFETIME_SECONDS,
    AccessDomain,
    AccessStatement,
    SignedStatement,
    check_fresh,
    recover_statement_signer,
    sign_statement,
)
from modelmint.errors import ErrorCode, WireError
from modelmint.receipts import SECP256K1_N, encode_signature, split_signature

LICENSEE = Account.create()
GATEWAY = Account.create().address
NOW = 1_800_000_000


def domain(**overrides) -> AccessDomain:
    base = dict(chain_id=31337, gateway=GATEWAY, model_id=1)
    base.update(overrides)
    return AccessDomain(**base)


def statement(**overrides) -> AccessStatement:
    s = AccessStatement.new(LICENSEE.address, model_id=1, version=1, now=NOW)
    return dataclasses.replace(s, **overrides)


def test_statement__signed_by_licensee__recovers_licensee():
    signed = sign_statement(domain(), statement(), LICENSEE.key)
    decoded = SignedStatement.from_header(signed.to_header())
    assert decoded == signed
    assert recover_statement_signer(domain(), decoded) == LICENSEE.address


@pytest.mark.parametrize(
    "other", [dict(chain_id=1), dict(gateway=Account.create().address), dict(model_id=2)]
)
def test_statement__other_domain__recovers_someone_else(other):
    signed = sign_statement(domain(**other), statement(), LICENSEE.key)
    assert recover_statement_signer(domain(), signed) != LICENSEE.address


def test_statement__high_s__not_recovered():
    signed = sign_statement(domain(), statement(), LICENSEE.key)
    v, r, s = split_signature(signed.signature)
    flipped = encode_signature(55 - v, r, SECP256K1_N - s)
    assert recover_statement_signer(domain(), SignedStatement(signed.statement, flipped)) is None


@pytest.mark.parametrize(
    "fields, now",
    [
        (dict(), NOW + 61),  # expired
        (dict(issued_at=NOW + CLOCK_SKEW_SECONDS + 1, expires_at=NOW + 90), NOW),  # future
        (dict(expires_at=NOW + MAX_LIFETIME_SECONDS + 1), NOW),  # lives too long
        (dict(expires_at=NOW), NOW - 10),  # expires when issued
    ],
)
def test_check_fresh__stale_statement__statement_stale(fields, now):
    with pytest.raises(WireError) as info:
        check_fresh(statement(**fields), now=now)
    assert info.value.code is ErrorCode.STATEMENT_STALE


def test_check_fresh__fresh_statement__passes():
    check_fresh(statement(), now=NOW + 59)


def test_statement_digest__fast_path__equals_eip712_library():
    from modelmint.access import statement_digest, typed_data
    from modelmint.signing import typed_digest

    s = statement()
    assert statement_digest(domain(), s) == typed_digest(typed_data(domain(), s))
