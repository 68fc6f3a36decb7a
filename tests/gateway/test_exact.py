"""x402 ``exact`` end to end, with the x402 SDK's own client and nothing of Modelmint's on the
client side (``x402HttpxClient``, the SDK's EVM exact client scheme, an eth_account signer)
against a gateway on anvil serving a model priced in AuthorizedERC20 (real ERC-3009
signature checks), with the gateway's own facilitator (the SDK's facilitator classes).

One gateway (uvicorn in a thread) serves the whole module. The SDK signs ``validBefore`` from
the wall clock while the token checks the chain's clock, which earlier modules of the session
may have moved ahead: the module's gateway asks for a long validity (VALIDITY) so the two never
disagree. The last test moves the chain a day ahead (the shares' unlock period).
"""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest
from eth_account import Account
from inprocess import deploy_token_model, served
from x402 import x402Client
from x402.http.clients import x402HttpxClient
from x402.http.utils import (
    decode_payment_required_header,
    decode_payment_response_header,
    encode_payment_signature_header,
)
from x402.mechanisms.evm import EthAccountSigner
from x402.mechanisms.evm.exact import register_exact_evm_client

from modelmint.constants import BPS
from modelmint.deploy.models import register_model
from modelmint.dev.roles import OUTSIDER
from modelmint.dev.testing import WAIT_CEILING
from modelmint.gateway.app import PREDICT_PATH, create_app
from modelmint.provenance import Provenance, verify_provenance
from modelmint.wire import HEADER_PROVENANCE

PRICE = 10**15  # token units per credit (the model's credit value)
VALIDITY = 30 * 86_400
BODY = {"inputs": [[float(j % 17) for j in range(64)]]}
FEE_BPS = 500
NETWORK: list[str] = []  # [CAIP-2 network, token address] of the module's gateway


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def protocol(project, deployer, model_owner, gateway, treasury, contributor, holder):
    """The module's deployment: AuthorizedERC20 allow-listed, the digits model priced in it
    (credits enabled at PRICE), split 2:1:1 among the owner, a contributor and a ModelShares
    token held by `holder`; ModelPayees deployed. A second model only lends its payee."""
    only = ("registry", "router", "credits", "licenses", "shares_factory", "payees")
    p, token, model_id = deploy_token_model(
        project, deployer, model_owner, gateway, treasury, price=PRICE, fee_bps=FEE_BPS, only=only
    )
    tx = p.shares_factory.createShares(
        model_id, "Digits", "DGT", 10**21, holder, sender=model_owner
    )
    shares = project.ModelShares.at(tx.decode_logs(p.shares_factory.SharesCreated)[0].shares)
    p.router.setRecipients(
        model_id, [model_owner, contributor, shares], [2, 1, 1], sender=model_owner
    )
    other, _ = register_model(
        p.registry, model_owner, b"\x22" * 32, "ipfs://o", "ipfs://o", asset=token
    )
    return {
        "registry": p.registry,
        "router": p.router,
        "credits": p.credits,
        "payees": p.payees,
        "token": token,
        "shares": shares,
        "model_id": int(model_id),
        "other_model": int(other),
        "deployment": p,
    }


@pytest.fixture(scope="module")
def payer(project, protocol, consumer):
    """The x402 caller: the consumer's key, holding tokens and nothing else of ours."""
    protocol["token"].mint(consumer, 10**21, sender=consumer)
    return Account.from_key(consumer.private_key)


@pytest.fixture(scope="module")
def facilitator_key(accounts):
    return accounts[OUTSIDER].private_key


@pytest.fixture(scope="module")
def live(services, facilitator_key, protocol, payer):
    """(url, service) of the module's gateway, its own facilitator in process (no lifespan:
    `services` closes the service)."""
    service = services(facilitator_private_key=facilitator_key, max_timeout_seconds=VALIDITY)
    assert service.exact is not None
    NETWORK[:] = [service.exact.terms.network, service.exact.terms.asset]
    with served(create_app(service.settings, service=service)) as url:
        yield url, service


def sdk_client(account) -> x402Client:
    """The SDK's client as any x402 caller sets it up: its EVM exact scheme, an eth_account
    signer, and the token allowed in its spend controls (by default it pays only the
    stablecoins it knows) with a cap per payment."""
    client = x402Client()
    register_exact_evm_client(client, EthAccountSigner(account))
    client.set_spend_controls(
        {
            "allowed_assets": [
                {
                    "network": NETWORK[0],
                    "asset": NETWORK[1],
                    "max_amount_per_payment": str(10 * PRICE),
                }
            ]
        }
    )
    return client


async def _sdk_call(url: str, account) -> httpx.Response:
    async with x402HttpxClient(sdk_client(account), timeout=WAIT_CEILING) as http:
        return await http.post(url + PREDICT_PATH, json=BODY)


def pay_with_sdk(url: str, account) -> httpx.Response:
    return asyncio.run(_sdk_call(url, account))


def signed_header(url: str, account, **change) -> str:
    """The SDK client's PAYMENT-SIGNATURE for the gateway's 402, its ``exact`` requirements
    changed by ``change`` (camelCase fields) before signing."""
    required = httpx.post(url + PREDICT_PATH, json=BODY)
    assert required.status_code == 402
    decoded = decode_payment_required_header(required.headers["PAYMENT-REQUIRED"])
    exact = next(r for r in decoded.accepts if r.scheme == "exact")
    exact = exact.model_copy(update={_snake(k): v for k, v in change.items()})
    decoded = decoded.model_copy(update={"accepts": [exact]})
    payload = asyncio.run(sdk_client(account).create_payment_payload(decoded))
    return encode_payment_signature_header(payload)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def post(url: str, header: str) -> httpx.Response:
    return httpx.post(url + PREDICT_PATH, json=BODY, headers={"PAYMENT-SIGNATURE": header})


def error_of(response: httpx.Response) -> str:
    body = response.json()
    return body["error"]["code"] if isinstance(body["error"], dict) else body["error"]


# --------------------------------------------------------------------------- paying


def test_predict__no_payment__402_lists_credits_then_exact_to_the_payee(live, protocol):
    url, service = live
    response = httpx.post(url + PREDICT_PATH, json=BODY)
    accepts = response.json()["accepts"]
    assert [a["scheme"] for a in accepts] == ["modelmint-credits", "exact"]
    assert response.json()["message"] == "pay with modelmint-credits or exact"
    exact = accepts[1]
    assert exact["payTo"] == protocol["payees"].payeeOf(protocol["model_id"])
    assert exact["asset"] == protocol["token"].address
    assert int(exact["amount"]) == PRICE * service.terms.cost(1)
    assert exact["extra"]["name"] == "Modelmint USD" and exact["extra"]["version"] == "1"


def test_predict__sdk_exact_client__served_and_transfer_lands_at_the_payee(live, protocol, payer):
    url, service = live
    token, payee = protocol["token"], protocol["payees"].payeeOf(protocol["model_id"])
    before = token.balanceOf(payee)

    response = pay_with_sdk(url, payer)

    assert response.status_code == 200, response.text
    assert len(response.json()["outputs"]) >= 1
    settled = decode_payment_response_header(response.headers["PAYMENT-RESPONSE"])
    assert settled.success and settled.transaction and settled.payer == payer.address
    assert token.balanceOf(payee) == before + PRICE
    assert service.store.authorizations()[-1][3] == "settled"


def test_predict__exact_paid__provenance_covers_the_request_and_the_answer(live, payer):
    url, service = live

    answer = post(url, signed_header(url, payer))

    assert answer.status_code == 200, answer.text
    verify_provenance(  # raises unless signed by the gateway over exactly these bodies
        service.provenance_domain,
        Provenance.from_header(answer.headers[HEADER_PROVENANCE]),
        gateway=service.account.address,
        request_body=answer.request.content,
        response_body=answer.content,
    )


def test_predict__replayed_authorization__refused_authorization_used(live, protocol, payer):
    url, _ = live
    header = signed_header(url, payer)
    assert post(url, header).status_code == 200
    payee_balance = protocol["token"].balanceOf(protocol["payees"].payeeOf(protocol["model_id"]))

    replay = post(url, header)

    assert replay.status_code == 402
    assert error_of(replay) == "authorization_used"
    assert (
        protocol["token"].balanceOf(protocol["payees"].payeeOf(protocol["model_id"]))
        == payee_balance
    )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"maxTimeoutSeconds": 1}, "authorization_expired"),
        ({"amount": str(PRICE - 1)}, "insufficient_amount"),
        ("other_payee", "wrong_payee"),
    ],
    ids=["expired", "too_little", "another_models_payee"],
)
def test_predict__bad_exact_authorization__402_named_and_nothing_moves(
    live, protocol, payer, change, code
):
    url, _ = live
    if change == "other_payee":
        change = {"payTo": protocol["payees"].payeeOf(protocol["other_model"])}
    token = protocol["token"]
    balance = token.balanceOf(payer.address)

    response = post(url, signed_header(url, payer, **change))

    assert response.status_code == 402
    assert error_of(response) == code
    assert token.balanceOf(payer.address) == balance


def test_predict__facilitator_down__503_fail_closed(services, protocol, payer, live):
    url, _ = live
    header = signed_header(url, payer)
    down = services(facilitator_url=f"http://127.0.0.1:{free_port()}", max_timeout_seconds=VALIDITY)
    app = create_app(down.settings, service=down)

    async def call():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as http:
            return await http.post(PREDICT_PATH, json=BODY, headers={"PAYMENT-SIGNATURE": header})

    response = asyncio.run(call())

    assert response.status_code == 503
    assert error_of(response) == "facilitator_unavailable"
    assert down.store.authorizations() == []


# --------------------------------------------------------------------------- the money


def test_forward__paid_calls__split_and_owner_contributor_shareholder_claim(
    live, protocol, chain, model_owner, contributor, holder
):
    url, service = live
    token, router, shares = protocol["token"], protocol["router"], protocol["shares"]
    model_id = protocol["model_id"]
    payee = protocol["payees"].payeeOf(model_id)
    held = token.balanceOf(payee)
    assert held > 0
    owed = {a: router.claimable(model_id, a) for a in (model_owner, contributor)}

    assert service.exact.forward() is not None  # the gateway's scheduled forward, once

    assert token.balanceOf(payee) == 0
    net = held - held * FEE_BPS // BPS
    assert router.claimable(model_id, model_owner) - owed[model_owner] == net * 2 // 4
    assert router.claimable(model_id, contributor) - owed[contributor] == net // 4
    for recipient in (model_owner, contributor):
        due = router.claimable(model_id, recipient)
        balance = token.balanceOf(recipient)
        router.claim([model_id], sender=recipient)
        assert token.balanceOf(recipient) == balance + due
    shares.sync(sender=holder)
    chain.mine(timestamp=chain.blocks.head.timestamp + shares.UNLOCK_PERIOD())
    balance = token.balanceOf(holder)
    shares.claim(sender=holder)
    assert token.balanceOf(holder) - balance >= net // 4 - 1
