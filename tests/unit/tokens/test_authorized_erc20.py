"""AuthorizedERC20, the test token that really checks EIP-2612 and ERC-3009 signatures (the
token the gasless-channel and x402 `exact` tests pay with): a valid authorization moves funds
once; a replayed, redirected, expired or foreign-signed one reverts with the token's error."""

import os

import ape
import pytest

from modelmint.dev.testing import AUTHORIZATION_FIELDS, PERMIT_FIELDS, sign_typed

AMOUNT = 5_000_000


@pytest.fixture
def token(project, deployer, consumer):
    t = project.AuthorizedERC20.deploy("USD Coin", "USDC", 6, sender=deployer)
    t.mint(consumer, 10 * AMOUNT, sender=deployer)
    return t


def _domain(chain, token):
    return {
        "name": "USD Coin",
        "version": "1",
        "chainId": chain.chain_id,
        "verifyingContract": token.address,
    }


def _authorization(chain, token, signer, to, value, valid_before, kind="TransferWithAuthorization"):
    nonce = os.urandom(32)
    message = {
        "from": signer.address,
        "to": to,
        "value": value,
        "validAfter": 0,
        "validBefore": valid_before,
        "nonce": nonce,
    }
    v, r, s = sign_typed(signer, _domain(chain, token), kind, AUTHORIZATION_FIELDS, message)
    return (signer.address, to, value, 0, valid_before, nonce, v, r, s)


def test_transferWithAuthorization__signed_by_holder__moves_value_once(
    chain, token, consumer, gateway, holder
):
    args = _authorization(
        chain, token, consumer, holder.address, AMOUNT, chain.pending_timestamp + 600
    )
    token.transferWithAuthorization(*args, sender=gateway)
    assert token.balanceOf(holder) == AMOUNT
    assert token.authorizationState(consumer, args[5])
    with ape.reverts(token.ERC3009UsedAuthorization):
        token.transferWithAuthorization(*args, sender=gateway)
    assert token.balanceOf(holder) == AMOUNT


def test_transferWithAuthorization__redirected_recipient__reverts_invalid_signature(
    chain, token, consumer, gateway, attacker
):
    args = list(
        _authorization(
            chain, token, consumer, gateway.address, AMOUNT, chain.pending_timestamp + 600
        )
    )
    args[1] = attacker.address
    with ape.reverts(token.ERC3009InvalidSignature):
        token.transferWithAuthorization(*args, sender=attacker)
    assert token.balanceOf(attacker) == 0


def test_transferWithAuthorization__expired__reverts_invalid_time(chain, token, consumer, gateway):
    args = _authorization(
        chain, token, consumer, gateway.address, AMOUNT, chain.pending_timestamp - 1
    )
    with ape.reverts(token.ERC3009InvalidAuthorizationTime):
        token.transferWithAuthorization(*args, sender=gateway)
    assert token.balanceOf(consumer) == 10 * AMOUNT


def test_receiveWithAuthorization__called_by_other_than_payee__reverts(
    chain, token, consumer, gateway, attacker
):
    args = _authorization(
        chain,
        token,
        consumer,
        gateway.address,
        AMOUNT,
        chain.pending_timestamp + 600,
        kind="ReceiveWithAuthorization",
    )
    with ape.reverts(token.ERC20InvalidReceiver):
        token.receiveWithAuthorization(*args, sender=attacker)
    token.receiveWithAuthorization(*args, sender=gateway)
    assert token.balanceOf(gateway) == AMOUNT


def test_permit__signed_by_holder__sets_allowance_and_consumes_nonce(
    chain, token, consumer, gateway
):
    deadline = chain.pending_timestamp + 600
    message = {
        "owner": consumer.address,
        "spender": gateway.address,
        "value": AMOUNT,
        "nonce": 0,
        "deadline": deadline,
    }
    v, r, s = sign_typed(consumer, _domain(chain, token), "Permit", PERMIT_FIELDS, message)
    token.permit(consumer, gateway, AMOUNT, deadline, v, r, s, sender=gateway)
    assert token.allowance(consumer, gateway) == AMOUNT
    assert token.nonces(consumer) == 1
    with ape.reverts(token.ERC2612InvalidSigner):
        token.permit(consumer, gateway, AMOUNT, deadline, v, r, s, sender=gateway)
