"""The real gateway process against ape's anvil: start checks, the 402 flow, paid and
licensed calls, bad input and bad payments with named errors, concurrency on one channel,
kill -9 under load and restart, and settlement of exactly the charged totals."""

from __future__ import annotations

import base64
import json
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import httpx
import pytest
from eth_account import Account
from payer import PREDICT, Payer, digits

from modelmint.access import AccessDomain, AccessStatement, sign_statement
from modelmint.codec import MAX_HEADER_BYTES
from modelmint.dev.testing import WAIT_CEILING, wait_until
from modelmint.gateway.digits import DEFAULT_PATH as DIGITS_ONNX
from modelmint.provenance import Provenance, ProvenanceDomain, verify_provenance
from modelmint.receipts import SECP256K1_N, ReceiptDomain, encode_signature, split_signature
from modelmint.wire import (
    HEADER_ACCESS,
    HEADER_PAYMENT_REQUIRED,
    HEADER_PROVENANCE,
    PaymentRequirements,
    RequirementsExtra,
    decode_payment_required,
    encode_payment_payload,
)


def _code(answer: httpx.Response) -> str:
    if answer.status_code == 402:
        return decode_payment_required(answer.headers[HEADER_PAYMENT_REQUIRED]).error
    return answer.json()["error"]["code"]


@pytest.fixture(scope="module")
def consumer_key(consumer):
    return Account.from_key(consumer.private_key)


@pytest.fixture(scope="module")
def served(launch):
    """The gateway process most tests share."""
    return launch()


@pytest.fixture
def payer(served, consumer, consumer_key, open_channel):
    return Payer(served.url, consumer_key, open_channel(consumer, 100))


def _replace(req: PaymentRequirements, **changes) -> PaymentRequirements:
    extra_changes = changes.pop("extra", {})
    extra = RequirementsExtra(**{**req.extra.__dict__, **extra_changes})
    return PaymentRequirements(**{**req.__dict__, **changes, "extra": extra})


# ----------------------------------------------------------------------------- start checks
def test_start__weights_differ__refuses(launch, tmp_path):
    weights = tmp_path / "other.onnx"
    weights.write_bytes(DIGITS_ONNX.read_bytes() + b"\x00")
    process = launch(start=False, weights=weights)
    with pytest.raises(RuntimeError, match="differs from the registry"):
        process.start()
    assert process.proc.returncode == 2


def test_start__key_not_an_allowed_gateway__refuses(launch, attacker):
    process = launch(start=False, key=attacker.private_key)
    with pytest.raises(RuntimeError, match="not an allowed gateway"):
        process.start()


# ----------------------------------------------------------------------------- info / 402
def test_info__well_known__publishes_model_prices_and_domains(served, protocol, gateway):
    info = httpx.get(served.url + "/.well-known/modelmint").json()
    assert info["gateway"] == gateway.address
    assert info["modelId"] == str(protocol["model_id"])
    assert info["versionHash"] == "0x" + protocol["registry"].versionHash(
        protocol["model_id"], 1
    ).hex().removeprefix("0x")
    assert info["payments"]["creditsPerItem"] == "1"
    assert info["domains"]["receipt"]["verifyingContract"] == protocol["credits"].address
    assert info["input"]["itemShape"] == [64]
    assert httpx.get(served.url + "/healthz").status_code == 200
    assert "modelmint_gateway_requests" in httpx.get(served.url + "/metrics").text


def test_predict__unpaid__402_with_requirements(served, protocol, gateway):
    answer = httpx.post(served.url + PREDICT, json=digits(3))
    assert answer.status_code == 402
    required = decode_payment_required(answer.headers[HEADER_PAYMENT_REQUIRED])
    assert answer.json()["x402Version"] == 2
    assert required.error == "payment_required"
    req = required.accepts[0]
    assert (req.amount, req.pay_to, req.asset) == (3, gateway.address, protocol["credits"].address)
    assert req.network == "eip155:31337"
    assert req.extra.model_id == protocol["model_id"]


# ----------------------------------------------------------------------------- paid calls
def test_predict__paid__charged_once_and_signed(payer, served, gateway):
    answer = payer.pay(items=2)
    assert answer.status_code == 200, answer.text
    assert payer.charged == 2
    assert len(answer.json()["outputs"]["label"]) == 2
    proof = Provenance.from_header(answer.headers[HEADER_PROVENANCE])
    verify_provenance(
        ProvenanceDomain(31337, gateway.address),
        proof,
        gateway=gateway.address,
        request_body=json.dumps(digits(2)).encode(),
        response_body=answer.content,
    )
    assert (proof.served.charged, proof.served.charged_total) == (2, 2)
    assert payer.pay(items=1).status_code == 200
    assert payer.charged == 3


def test_predict__ceiling_above_cost__charges_the_work_only(payer):
    answer = payer.pay(items=2, spare=3)
    assert answer.status_code == 200
    assert payer.history[-1].charged_credits == 2 and payer.charged == 2


@pytest.mark.parametrize(
    "body, status, code",
    [
        (b"not json", 422, "invalid_input"),
        (json.dumps({"inputs": [[0.0] * 63]}).encode(), 422, "invalid_input"),
        (json.dumps({"inputs": [[17.0] * 64]}).encode(), 422, "invalid_input"),
        (json.dumps({"inputs": [[-1.0] * 64]}).encode(), 422, "invalid_input"),
        (json.dumps({"inputs": [["1"] * 64]}).encode(), 422, "invalid_input"),
        (json.dumps({"inputs": [[0.0] * 64] * 33}).encode(), 422, "invalid_input"),
        (json.dumps({"inputs": []}).encode(), 422, "invalid_input"),
        (json.dumps({"inputs": [[0.0] * 64], "x": 1}).encode(), 422, "invalid_input"),
        (b"[" * 300_000, 413, "payload_too_large"),
    ],
)
def test_predict__bad_input__named_error_and_nothing_charged(payer, body, status, code):
    payload = payer.payload(amount=1)
    answer = payer.client.post(
        payer.url + PREDICT,
        content=body,
        headers={"PAYMENT-SIGNATURE": encode_payment_payload(payload)},
    )
    assert (answer.status_code, _code(answer)) == (status, code)
    again = payer.send(payload)
    assert again.status_code == 200, again.text  # the same payment still works: nothing charged


@pytest.mark.parametrize(
    "header, status, code",
    [
        ("%%%", 400, "invalid_payload"),
        (base64.b64encode(b'{"x402Version": 2}').decode(), 400, "invalid_payload"),
        (base64.b64encode(b'{"x402Version": 1}').decode(), 400, "unsupported_version"),
        ("A" * (MAX_HEADER_BYTES + 8), 431, "header_too_large"),
    ],
)
def test_predict__malformed_payment_header__named_error(payer, header, status, code):
    answer = payer.send(None, header=header)
    assert (answer.status_code, _code(answer)) == (status, code)


@pytest.mark.parametrize(
    "changes, code",
    [
        (dict(scheme="exact"), "wrong_scheme"),
        (dict(network="eip155:1"), "wrong_network"),
        (dict(asset="0x" + "12" * 20), "wrong_asset"),
        (dict(pay_to="0x" + "34" * 20), "wrong_gateway"),
        (dict(extra=dict(model_id=999)), "wrong_model"),
        (dict(extra=dict(version_hash=b"\x01" * 32)), "wrong_version"),
        (dict(amount=0), "insufficient_amount"),
    ],
)
def test_predict__requirements_not_ours__402_named(payer, changes, code):
    req = payer.discover()
    amount = changes.get("amount", 1)
    payload = payer.payload(amount=amount, requirements=_replace(req, **changes))
    answer = payer.send(payload)
    assert (answer.status_code, _code(answer)) == (402, code)


@pytest.mark.parametrize("cumulative", [0, 1, 3, 50])  # charged is 1, amount 1
def test_predict__cumulative_not_charged_plus_amount__corrective_402(payer, cumulative):
    assert payer.pay().status_code == 200  # charged = 1
    answer = payer.send(payer.payload(amount=1, cumulative=cumulative))
    assert (answer.status_code, _code(answer)) == (402, "cumulative_mismatch")
    extra = decode_payment_required(answer.headers[HEADER_PAYMENT_REQUIRED]).accepts[0].extra
    assert extra.channel.charged == 1 and extra.channel.deposit == 100
    assert extra.last_receipt.cumulative_credits == 1
    lost = Payer(payer.url, payer.key, payer.channel)  # a client that lost its state
    assert lost.pay().status_code == 200  # resyncs from the corrective 402
    assert lost.charged == 2


def test_predict__above_deposit__402_named(served, consumer, consumer_key, open_channel):
    small = Payer(served.url, consumer_key, open_channel(consumer, 2))
    answer = small.send(small.payload(amount=3), digits(3))
    assert (answer.status_code, _code(answer)) == (402, "above_deposit")


def test_predict__deadline_too_soon__402_named(payer):
    answer = payer.send(payer.payload(amount=1, deadline=int(time.time()) + 5))
    assert (answer.status_code, _code(answer)) == (402, "deadline_expired")


def test_predict__signature_of_another_channel_or_chain__bad_signature(payer, receipt_domain):
    other_channel = payer.payload(amount=1, channel_id=payer.channel_id + 1000)
    forged = payer.payload(amount=1)
    forged = replace(
        forged,
        payload=replace(
            forged.payload, cumulative_credits=1, signature=other_channel.payload.signature
        ),
    )
    assert _code(payer.send(forged)) == "bad_signature"
    other_chain = payer.payload(
        amount=1, domain=ReceiptDomain(1, receipt_domain.verifying_contract)
    )
    assert _code(payer.send(other_chain)) == "bad_signature"


def test_predict__high_s_signature__rejected(payer):
    payload = payer.payload(amount=1)
    v, r, s = split_signature(payload.payload.signature)
    flipped = encode_signature(55 - v, r, SECP256K1_N - s)
    high = replace(
        payload, payload=replace(payload.payload, cumulative_credits=1, signature=flipped)
    )
    assert _code(payer.send(high)) == "high_s_signature"


def test_predict__unknown_channel__402_named(payer):
    never_opened = replace(payer.channel, salt=2**255 + 9)
    answer = payer.send(payer.payload(amount=1, terms=never_opened))
    assert _code(answer) == "unknown_channel"


def test_predict__channel_id_not_of_its_terms__402_terms_mismatch(payer):
    answer = payer.send(payer.payload(amount=1, channel_id=payer.channel_id ^ 1))
    assert (answer.status_code, _code(answer)) == (402, "channel_terms_mismatch")


def test_predict__channel_of_another_gateway__402_terms_mismatch(
    served, protocol, consumer, consumer_key, open_channel, model_owner, attacker
):
    """The gateway derives the id with its own address: another gateway's channel (its real
    id and terms) is not a channel of this one."""
    protocol["registry"].setGateway(protocol["model_id"], attacker, True, sender=model_owner)
    other = Payer(served.url, consumer_key, open_channel(consumer, 10, gw=attacker))
    assert _code(other.send(other.payload(amount=1))) == "channel_terms_mismatch"


def test_predict__concurrent_same_payment__charged_once(payer):
    payload = payer.payload(amount=1)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: payer.send(payload), range(8)))
    codes = sorted(a.status_code for a in answers)
    assert codes.count(200) == 1, [a.text for a in answers]
    assert all(
        _code(a) in ("cumulative_mismatch", "channel_busy") for a in answers if a.status_code != 200
    )
    payer.charged = 1
    assert payer.pay().status_code == 200 and payer.charged == 2


# ----------------------------------------------------------------------------- license
@pytest.fixture(scope="module")
def licensed(protocol, model_owner, licensee):
    licenses = protocol["licenses"]
    params = (protocol["model_id"], 0, 0, 0, 0, 0, False, False, "ipfs://terms", b"\x01" * 32)
    tx = licenses.createOffer(params, sender=model_owner)
    offer_id = tx.decode_logs(licenses.OfferCreated)[0].offerId
    licenses.purchase(offer_id, licensee, 0, sender=licensee)
    return Account.from_key(licensee.private_key)


def _statement(account, served_info, **fields):
    domain = AccessDomain(31337, served_info["gateway"], int(served_info["modelId"]))
    statement = AccessStatement.new(account.address, int(served_info["modelId"]), 1, **fields)
    return sign_statement(domain, statement, account.key).to_header()


def test_license__fresh_statement__served_and_signed(served, licensed, gateway):
    info = httpx.get(served.url + "/.well-known/modelmint").json()
    header = _statement(licensed, info)
    answer = httpx.post(served.url + PREDICT, json=digits(), headers={HEADER_ACCESS: header})
    assert answer.status_code == 200, answer.text
    proof = Provenance.from_header(answer.headers[HEADER_PROVENANCE])
    verify_provenance(
        ProvenanceDomain(31337, gateway.address),
        proof,
        gateway=gateway.address,
        response_body=answer.content,
    )
    assert proof.served.account == licensed.address and proof.served.charged == 0
    replay = httpx.post(served.url + PREDICT, json=digits(), headers={HEADER_ACCESS: header})
    assert (replay.status_code, _code(replay)) == (401, "statement_replayed")


def test_license__stale_or_unlicensed__named_errors(served, licensed):
    info = httpx.get(served.url + "/.well-known/modelmint").json()
    stale = _statement(licensed, info, now=int(time.time()) - 120, lifetime=60)
    answer = httpx.post(served.url + PREDICT, json=digits(), headers={HEADER_ACCESS: stale})
    assert (answer.status_code, _code(answer)) == (401, "statement_stale")
    stranger = _statement(Account.create(), info)
    answer = httpx.post(served.url + PREDICT, json=digits(), headers={HEADER_ACCESS: stranger})
    assert (answer.status_code, _code(answer)) == (403, "license_invalid")


# ----------------------------------------------------------------------------- crash + settle
def test_kill_9_under_load__delivered_receipts_stored_and_settled_once(
    launch,
    consumer,
    consumer_key,
    open_channel,
    protocol,
    rpc_url,
    record_path,
    tmp_path,
    gateway_key,
):
    store = tmp_path / "crash.sqlite3"
    first = launch(store_path=store)
    payers = [Payer(first.url, consumer_key, open_channel(consumer, 10_000)) for _ in range(4)]
    stop = threading.Event()
    delivered: list[tuple[int, int]] = []  # (channel, charged total) of every 200 received

    def load(p: Payer) -> None:
        while not stop.is_set():
            try:
                n = len(p.history)
                answer = p.pay(items=1 + n % 3, spare=n % 2)  # ceilings above the charge too
            except httpx.HTTPError:
                return
            if answer.status_code == 200:
                delivered.append((p.channel_id, p.charged))

    threads = [threading.Thread(target=load, args=(p,)) for p in payers]
    for t in threads:
        t.start()
    # Killed under load, once it has answered enough paid calls (however long that takes).
    wait_until(lambda: len(delivered) > 20, "more than 20 paid answers before the kill")
    first.kill()
    stop.set()
    for t in threads:
        t.join(timeout=WAIT_CEILING)

    db = sqlite3.connect(store)
    stored = set(
        (int(c), int(t)) for c, t in db.execute("SELECT channel_id, charged_total FROM charges")
    )
    assert set(delivered) <= stored, "a delivered answer has no stored receipt"

    second = launch(store_path=store)
    for p in payers:
        p.url = second.url
        # resyncs if the last answer was lost in the kill
        assert p.pay(spare=1).status_code == 200
    # SIGTERM: uvicorn shuts down gracefully (store flushed), then re-raises the signal.
    assert second.stop() in (0, -15)
    assert "store flushed" in second.log()

    settle = [sys.executable, "-m", "modelmint.gateway", "settle", "--once", "--force"]
    env = dict(second.env)
    for _ in range(2):  # the second pass finds nothing left to settle
        done = subprocess.run(
            settle, env=env, capture_output=True, text=True, timeout=2 * WAIT_CEILING
        )
        assert done.returncode == 0, done.stderr
    credits = protocol["credits"]
    totals = {
        int(c): sum(
            int(x) for (x,) in db.execute("SELECT credits FROM charges WHERE channel_id = ?", (c,))
        )
        for (c,) in db.execute("SELECT DISTINCT channel_id FROM charges")
    }
    for p in payers:
        on_chain = credits.channel(p.channel_id).settled
        assert on_chain == totals[p.channel_id] == p.charged
    # The last receipts signed a ceiling one credit above the charge: the charge settled.
    ceilings = dict(db.execute("SELECT channel_id, cumulative FROM charges ORDER BY id"))
    assert all(int(ceilings[str(p.channel_id)]) == p.charged + 1 for p in payers)
    statuses = [s for (s,) in db.execute("SELECT status FROM settlements")]
    assert statuses == ["confirmed"]
