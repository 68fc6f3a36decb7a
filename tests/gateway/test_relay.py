"""The gateway's relay (modelmint.gateway.relay) against anvil: a consumer holding an ERC-3009
token (AuthorizedERC20, real signature checks) and no ETH opens a channel through the gateway,
pays calls on it, tops it up and closes it cooperatively through the gateway; its refund
arrives in the token and it never holds ETH.

One gateway (uvicorn in a thread, in-process service) serves the whole module; its own
account (it sends transactions) keeps its nonces clear of other modules'.
"""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest
from eth_account import Account
from inprocess import deploy_token_model, lose_the_nonce_race, own_gateway, served
from payer import Payer, digits

from modelmint.client.client import Client
from modelmint.client.funding import ChannelPolicy
from modelmint.client.gasless import close_signature, gasless_open, gasless_top_up, token_domain
from modelmint.client.relay import intent_body
from modelmint.client.signer import Signer
from modelmint.constants import ZERO_ADDRESS
from modelmint.credits import ChannelTerms
from modelmint.dev.testing import WAIT_CEILING, free_terms
from modelmint.gateway.app import create_app
from modelmint.receipts import ReceiptDomain
from modelmint.wire import (
    CHANNEL_CLOSE_PATH,
    CHANNEL_TOP_UP_PATH,
    CHANNELS_OPEN_PATH,
    WELL_KNOWN_PATH,
)

PRICE = 10**15  # token units per credit
DEPOSIT = 50  # credits of each gasless channel
MINTED = 10**18
TOKEN_NAME = "Modelmint USD"

gateway = own_gateway(7)


@pytest.fixture(scope="module")
def protocol(project, deployer, model_owner, gateway, treasury):
    """The digits model priced in AuthorizedERC20, credits enabled at PRICE."""
    only = ("registry", "router", "credits", "licenses")
    p, token, model_id = deploy_token_model(
        project, deployer, model_owner, gateway, treasury, price=PRICE, fee_bps=500, only=only
    )
    return {"credits": p.credits, "token": token, "model_id": model_id, "deployment": p}


@pytest.fixture(scope="module")
def live(services, protocol):
    """(url, service) of the module's gateway."""
    service = services()
    with served(create_app(service.settings, service=service)) as url:
        yield url, service


@pytest.fixture(scope="module")
def holder(protocol, deployer):
    """A fresh consumer key holding MINTED tokens and no ETH."""
    key = Account.create()
    protocol["token"].mint(key.address, MINTED, sender=deployer)
    return key


@pytest.fixture(scope="module")
def domains(protocol, chain):
    domain = ReceiptDomain.from_contract(protocol["credits"])
    return domain, token_domain(chain.chain_id, protocol["token"].address, TOKEN_NAME)


def signed_open(live, protocol, domains, key, chain, **change):
    url, service = live
    now = chain.pending_timestamp
    model_id = change.get("model_id", protocol["model_id"])
    gateway = change.get("gateway", service.account.address)
    opening = gasless_open(
        domains[0],
        domains[1],
        key,
        model_id=model_id,
        gateway=gateway,
        salt=free_terms(protocol["credits"], key.address, gateway, model_id).salt,
        credits=DEPOSIT,
        credit_value=PRICE,
        expiry=now + 7 * 86_400,
        deadline=change.get("deadline", now + 3600),
    )
    intent = opening.intent
    v, r, s = opening.authorization
    return {
        "intent": {
            "consumer": intent.consumer,
            "modelId": str(intent.model_id),
            "gateway": intent.gateway,
            "salt": str(intent.salt),
            "credits": str(intent.credits),
            "expiry": str(intent.expiry),
            "receiptSigner": intent.receipt_signer,
            "nonce": "0x" + intent.nonce.hex(),
            "deadline": str(intent.deadline),
        },
        "signature": "0x" + opening.signature.hex(),
        "authorization": {"v": v, "r": "0x" + r.hex(), "s": "0x" + s.hex()},
    }


def terms_of(body: dict) -> ChannelTerms:
    """The terms of the channel an open request's intent opens."""
    i = body["intent"]
    return ChannelTerms(i["consumer"], i["gateway"], int(i["modelId"]), int(i["salt"]))


def post_close(
    url: str, channel: ChannelTerms, charged: int, signature: bytes, channel_id: int | None = None
) -> httpx.Response:
    path = CHANNEL_CLOSE_PATH.format(channel_id=channel_id or channel.channel_id)
    body = {
        "consumer": channel.consumer,
        "salt": str(channel.salt),
        "chargedCredits": str(charged),
        "signature": "0x" + signature.hex(),
    }
    return httpx.post(url + path, json=body, timeout=WAIT_CEILING)


def code_of(answer: httpx.Response) -> str:
    return str(answer.json()["error"]["code"])


def test_open_and_close__consumer_without_eth__channel_paid_and_refunded_in_token(
    live, protocol, domains, holder, chain
):
    url, _ = live
    token, credits = protocol["token"], protocol["credits"]
    body = signed_open(live, protocol, domains, holder, chain)
    opened = httpx.post(url + CHANNELS_OPEN_PATH, json=body, timeout=WAIT_CEILING)
    assert opened.status_code == 200, opened.text
    channel = terms_of(body)
    channel_id = channel.channel_id
    assert opened.json()["channelId"] == str(channel_id)
    on_chain = credits.channel(channel_id)
    assert on_chain.deposit == DEPOSIT and on_chain.signer == ZERO_ADDRESS  # holder signs
    assert token.balanceOf(holder.address) == MINTED - DEPOSIT * PRICE

    payer = Payer(url, holder, channel)
    for _ in range(3):
        assert payer.pay().status_code == 200
    charged = payer.charged
    assert charged > 0

    below = post_close(
        url, channel, charged - 1, close_signature(domains[0], channel_id, charged - 1, holder)
    )
    assert below.status_code == 409 and code_of(below) == "close_mismatch"
    assert below.json()["error"]["charged"] == str(charged)
    assert credits.channel(channel_id).expiry != 0  # still open

    other_salt = post_close(
        url,
        replace(channel, salt=channel.salt + 1),
        charged,
        close_signature(domains[0], channel_id, charged, holder),
        channel_id=channel_id,
    )
    assert other_salt.status_code == 402 and code_of(other_salt) == "channel_terms_mismatch"
    closed = post_close(
        url, channel, charged, close_signature(domains[0], channel_id, charged, holder)
    )
    assert closed.status_code == 200, closed.text
    assert closed.json()["chargedCredits"] == str(charged)
    assert credits.channel(channel_id).expiry == 0
    assert token.balanceOf(holder.address) == MINTED - charged * PRICE
    after = payer.pay()
    assert after.status_code == 402 and after.json()["error"] == "channel_closed"
    assert chain.provider.get_balance(holder.address) == 0


def test_open__intent_for_another_gateway__refused_before_any_transaction(
    live, protocol, domains, holder, chain
):
    url, service = live
    nonce = service.chain.w3.eth.get_transaction_count(service.account.address)
    body = signed_open(live, protocol, domains, holder, chain, gateway=holder.address)
    answer = httpx.post(url + CHANNELS_OPEN_PATH, json=body, timeout=WAIT_CEILING)
    assert answer.status_code == 402 and code_of(answer) == "wrong_gateway"
    assert service.chain.w3.eth.get_transaction_count(service.account.address) == nonce


def test_open__another_process_on_the_key_takes_the_nonce__sent_again_and_lands(
    live, protocol, domains, holder, chain, monkeypatch
):
    # Two gateway processes on one key: between this process reading the pending nonce and
    # broadcasting, the other one (relaying or settling) sends with that nonce first.
    url, service = live
    w3 = service.chain.w3
    taken = lose_the_nonce_race(monkeypatch, service)
    body = signed_open(live, protocol, domains, holder, chain)
    opened = httpx.post(url + CHANNELS_OPEN_PATH, json=body, timeout=WAIT_CEILING)
    assert opened.status_code == 200, opened.text
    assert taken, "the other sender never took the nonce"
    assert protocol["credits"].channel(terms_of(body).channel_id).deposit == DEPOSIT
    mined = w3.eth.get_transaction(opened.json()["txHash"])
    assert mined["nonce"] == taken[0] + 1


def test_open__authorization_replayed__submission_reverted_named(
    live, protocol, domains, holder, chain
):
    url, _ = live
    body = signed_open(live, protocol, domains, holder, chain)
    first = httpx.post(url + CHANNELS_OPEN_PATH, json=body, timeout=WAIT_CEILING)
    assert first.status_code == 200, first.text
    again = httpx.post(url + CHANNELS_OPEN_PATH, json=body, timeout=WAIT_CEILING)
    assert again.status_code == 409 and code_of(again) == "submission_reverted"
    assert again.json()["error"]["revert"]["name"]


def token_client(live, protocol, deployer, tmp_path, chain, calls, on_event):
    """A Client for a fresh key holding MINTED tokens and no ETH, its channels sized for
    ``calls`` calls: ``(client, key)``."""
    key = Account.create()
    protocol["token"].mint(key.address, MINTED, sender=deployer)
    client = Client(
        live[0],
        Signer.eoa(key),
        rpc_url=chain.provider.web3.provider.endpoint_uri,
        state_dir=tmp_path,
        policy=ChannelPolicy(calls_per_channel=calls),
        on_event=on_event,
    )
    return client, key


def test_client__no_eth_token_model__opens_gasless_pays_and_closes_cooperatively(
    live, protocol, deployer, tmp_path, chain
):
    token = protocol["token"]
    events: list[str] = []
    client, key = token_client(
        live, protocol, deployer, tmp_path, chain, DEPOSIT, lambda event, _: events.append(event)
    )
    for _ in range(2):
        result = client.call("/v1/predict", json=digits())
        assert result.charged > 0
    record = client.channel(result.channel_id)
    assert record is not None and record.deposit == DEPOSIT

    summary = client.close_cooperatively(result.channel_id)

    assert summary["refunded"] == DEPOSIT - record.charged
    assert protocol["credits"].channel(result.channel_id).expiry == 0
    assert token.balanceOf(key.address) == MINTED - record.charged * PRICE
    assert chain.provider.get_balance(key.address) == 0
    assert "channel_opened" in events and "channel_closed" in events


@pytest.mark.parametrize("channel", ["-1", str(2**256)])
def test_close__channel_id_out_of_range__invalid_payload_nothing_sent(live, channel):
    url, service = live
    nonce = service.chain.w3.eth.get_transaction_count(service.account.address)
    body = {
        "consumer": service.account.address,
        "salt": "0",
        "chargedCredits": "0",
        "signature": "0x" + "11" * 65,
    }
    answer = httpx.post(f"{url}/v1/channels/{channel}/close", json=body, timeout=WAIT_CEILING)
    assert answer.status_code == 400 and code_of(answer) == "invalid_payload", answer.text
    assert service.chain.w3.eth.get_transaction_count(service.account.address) == nonce


def test_open__relay_budget_spent__relay_busy_429_nothing_sent(live, protocol, domains, holder,
                                                               chain):  # fmt: skip
    url, service = live
    budget = service.relay_budget
    saved = budget._tokens
    budget._tokens, budget.rate = 0.0, 1e-9  # spent, and refilling slower than the test runs
    try:
        nonce = service.chain.w3.eth.get_transaction_count(service.account.address)
        body = signed_open(live, protocol, domains, holder, chain)
        answer = httpx.post(url + CHANNELS_OPEN_PATH, json=body, timeout=WAIT_CEILING)
        assert answer.status_code == 429 and code_of(answer) == "relay_busy"
        assert service.chain.w3.eth.get_transaction_count(service.account.address) == nonce
    finally:
        budget._tokens, budget.rate = saved, service.settings.relay_rate


def opened_relayed(live, protocol, domains, key, chain) -> ChannelTerms:
    """A DEPOSIT channel of ``key`` opened through the relay."""
    body = signed_open(live, protocol, domains, key, chain)
    opened = httpx.post(live[0] + CHANNELS_OPEN_PATH, json=body, timeout=WAIT_CEILING)
    assert opened.status_code == 200, opened.text
    return terms_of(body)


def signed_top_up(domains, key, chain, channel: ChannelTerms, **change) -> dict:
    """The relay body of ``key``'s top-up of ``channel`` by DEPOSIT credits and a day more."""
    now = chain.pending_timestamp
    topping = gasless_top_up(
        domains[0],
        domains[1],
        key,
        terms=change.get("terms", channel),
        credits=change.get("credits", DEPOSIT),
        credit_value=PRICE,
        expiry=change.get("expiry", now + 8 * 86_400),
        deadline=change.get("deadline", now + 3600),
    )
    return intent_body(topping)


def post_top_up(url: str, channel_id: int, body: dict) -> httpx.Response:
    path = CHANNEL_TOP_UP_PATH.format(channel_id=channel_id)
    return httpx.post(url + path, json=body, timeout=WAIT_CEILING)


def unsent(service, send) -> httpx.Response:
    """``send()``'s answer, checked to have sent no transaction from the gateway's key."""
    count = service.chain.w3.eth.get_transaction_count
    before = count(service.account.address)
    answer = send()
    assert count(service.account.address) == before, answer.text
    return answer


def test_top_up__consumer_without_eth__deposit_and_expiry_grow_next_call_above_old_deposit_served(
    live, protocol, domains, holder, chain
):
    url, service = live
    token, credits = protocol["token"], protocol["credits"]
    channel = opened_relayed(live, protocol, domains, holder, chain)
    channel_id = channel.channel_id
    payer = Payer(url, holder, channel)
    assert payer.pay().status_code == 200
    above = payer.pay(spare=DEPOSIT)  # a ceiling above the deposit: refused
    assert above.status_code == 402 and above.json()["error"] == "above_deposit"
    paid_before = token.balanceOf(holder.address)
    body = signed_top_up(domains, holder, chain, channel)

    answer = post_top_up(url, channel_id, body)

    assert answer.status_code == 200, answer.text
    expiry = int(body["intent"]["expiry"])
    assert answer.json()["channelId"] == str(channel_id)
    on_chain = credits.channel(channel_id)
    assert (on_chain.deposit, on_chain.expiry) == (2 * DEPOSIT, expiry)
    assert token.balanceOf(holder.address) == paid_before - DEPOSIT * PRICE
    state = service.ledger.channel_state(channel_id)  # the ledger sees it at once
    assert state is not None and (state.deposit, state.expiry) == (2 * DEPOSIT, expiry)
    assert payer.pay(spare=DEPOSIT).status_code == 200
    assert chain.provider.get_balance(holder.address) == 0


def test_top_up__stale_deposit_cached_by_another_process__chain_reread_call_served(
    live, protocol, domains, holder, chain
):
    url, service = live
    channel = opened_relayed(live, protocol, domains, holder, chain)
    channel_id = channel.channel_id
    payer = Payer(url, holder, channel)
    assert payer.pay().status_code == 200
    answer = post_top_up(url, channel_id, signed_top_up(domains, holder, chain, channel))
    assert answer.status_code == 200, answer.text
    # What a process that did not relay the top-up holds (several processes on PostgreSQL).
    slot = service.ledger._slots.get(channel_id)
    slot.info = replace(slot.info, deposit=DEPOSIT)

    assert payer.pay(spare=DEPOSIT).status_code == 200

    state = service.ledger.channel_state(channel_id)
    assert state is not None and state.deposit == 2 * DEPOSIT


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"gateway": "holder"}, "wrong_gateway"),
        ({"model_id": 10**6}, "wrong_model"),
        ({"credits": 0}, "insufficient_amount"),
        ({"deadline": 1}, "deadline_expired"),
    ],
)
def test_top_up__intent_refused__402_before_any_transaction(
    live, protocol, holder, domains, chain, change, code
):
    url, service = live
    channel = ChannelTerms(holder.address, service.account.address, protocol["model_id"], 0)
    terms = replace(
        channel,
        gateway=holder.address if "gateway" in change else channel.gateway,
        model_id=change.get("model_id", channel.model_id),
    )
    fields = {k: v for k, v in change.items() if k in ("credits", "deadline")}
    body = signed_top_up(domains, holder, chain, channel, terms=terms, **fields)

    answer = unsent(service, lambda: post_top_up(url, terms.channel_id, body))

    assert answer.status_code == 402 and code_of(answer) == code, answer.text


def test_top_up__path_id_not_the_intents_terms__channel_terms_mismatch_nothing_sent(
    live, protocol, holder, domains, chain
):
    url, service = live
    channel = ChannelTerms(holder.address, service.account.address, protocol["model_id"], 0)
    body = signed_top_up(domains, holder, chain, channel)

    answer = unsent(service, lambda: post_top_up(url, replace(channel, salt=1).channel_id, body))

    assert answer.status_code == 402 and code_of(answer) == "channel_terms_mismatch"


def test_top_up__authorization_replayed__submission_reverted_named_deposit_unchanged(
    live, protocol, domains, holder, chain
):
    url, _ = live
    channel = opened_relayed(live, protocol, domains, holder, chain)
    body = signed_top_up(domains, holder, chain, channel)
    assert post_top_up(url, channel.channel_id, body).status_code == 200

    again = post_top_up(url, channel.channel_id, body)

    assert again.status_code == 409 and code_of(again) == "submission_reverted"
    assert again.json()["error"]["revert"]["name"]
    assert protocol["credits"].channel(channel.channel_id).deposit == 2 * DEPOSIT


def test_top_up__relay_budget_spent__relay_busy_429_nothing_sent(live, protocol, domains, holder,
                                                                 chain):  # fmt: skip
    url, service = live
    channel = ChannelTerms(holder.address, service.account.address, protocol["model_id"], 0)
    body = signed_top_up(domains, holder, chain, channel)
    budget = service.relay_budget
    saved = budget._tokens
    budget._tokens, budget.rate = 0.0, 1e-9  # spent, and refilling slower than the test runs
    try:
        answer = unsent(service, lambda: post_top_up(url, channel.channel_id, body))
    finally:
        budget._tokens, budget.rate = saved, service.settings.relay_rate
    assert answer.status_code == 429 and code_of(answer) == "relay_busy"


def test_well_known__relaying_gateway__lists_open_top_up_and_close_routes(live):
    routes = httpx.get(live[0] + WELL_KNOWN_PATH, timeout=WAIT_CEILING).json()["routes"]
    assert routes["channelOpen"] == CHANNELS_OPEN_PATH
    assert routes["channelTopUp"] == CHANNEL_TOP_UP_PATH
    assert routes["channelClose"] == CHANNEL_CLOSE_PATH


def test_client__no_eth_token_model__spends_past_first_deposit_by_relayed_top_up_then_closes(
    live, protocol, deployer, tmp_path, chain
):
    token = protocol["token"]
    events: list[tuple[str, dict]] = []
    client, key = token_client(
        live, protocol, deployer, tmp_path, chain, 2, lambda *event: events.append(event)
    )
    for _ in range(5):
        result = client.call("/v1/predict", json=digits())
        assert result.charged > 0
    record = client.channel(result.channel_id)
    assert record is not None and record.charged > record.deposit - sum(
        f["added"] for e, f in events if e == "channel_topped_up"
    )  # spent past the first deposit
    topped = [f for e, f in events if e == "channel_topped_up"]
    assert topped and all(f["gasless"] for f in topped)
    assert protocol["credits"].channel(result.channel_id).deposit == record.deposit

    summary = client.close_cooperatively(result.channel_id)

    assert summary["refunded"] == record.deposit - record.charged
    assert protocol["credits"].channel(result.channel_id).expiry == 0
    assert token.balanceOf(key.address) == MINTED - record.charged * PRICE
    assert chain.provider.get_balance(key.address) == 0
