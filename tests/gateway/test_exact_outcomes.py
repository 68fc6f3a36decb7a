"""The outcomes of an ``exact`` call that need a facilitator to misbehave (no chain): a transfer
that fails after the model ran, a model that fails, a facilitator that raises, two copies of
one authorization at once. ``ExactPayments`` runs over a real SQLite store with a scripted
facilitator; the payloads are signed by the x402 SDK's client scheme."""

from __future__ import annotations

import asyncio
import time

import pytest
from eth_account import Account
from fastapi.responses import Response
from x402 import x402Client
from x402.http.utils import decode_payment_response_header, encode_payment_signature_header
from x402.mechanisms.evm import EthAccountSigner
from x402.mechanisms.evm.exact import register_exact_evm_client
from x402.schemas import PaymentRequired, SettleResponse, VerifyResponse

from modelmint.dev.testing import WAIT_CEILING
from modelmint.errors import ErrorCode, WireError
from modelmint.gateway.exact import ExactPayments, ExactTerms
from modelmint.gateway.metrics import Metrics
from modelmint.gateway.store import SqliteStore

TERMS = ExactTerms(
    chain_id=31337,
    model_id=1,
    asset="0x5FbDB2315678afecb367f032d93F642f64180aa3",
    pay_to="0x21BD1e3aDf6FB955856CcaDc497aCBd3420e567B",
    token_name="Modelmint USD",
    token_version="1",
    credit_value=10**15,
)
PAYER = Account.create()


class Scripted:
    """A facilitator answering from a script: ``verify``/``settle`` results or exceptions."""

    def __init__(self, settle_ok: bool = True, verify_error: bool = False, delay: float = 0.0):
        self.settle_ok, self.verify_error, self.delay = settle_ok, verify_error, delay
        self.settled = 0

    def verify(self, payload, requirements):
        if self.verify_error:
            raise ConnectionError("facilitator down")
        time.sleep(self.delay)  # a slow facilitator: the second copy arrives meanwhile
        return VerifyResponse(is_valid=True, payer=PAYER.address)

    def settle(self, payload, requirements):
        self.settled += 1
        return SettleResponse(
            success=self.settle_ok,
            error_reason=None if self.settle_ok else "transaction_failed",
            transaction="0x" + "ab" * 32,
            network=TERMS.network,
            payer=PAYER.address,
        )


@pytest.fixture
def desk(tmp_path):
    store = SqliteStore(tmp_path / "store.sqlite3")
    metrics = Metrics()

    def build(facilitator):
        return ExactPayments(TERMS, facilitator, store, metrics.exact_payments)

    yield build
    store.close()


def header(credits: int = 1) -> str:
    client = x402Client()
    register_exact_evm_client(client, EthAccountSigner(PAYER))
    client.set_spend_controls({"allowed_assets": True})
    required = PaymentRequired(accepts=[TERMS.requirements(credits)])
    return encode_payment_signature_header(asyncio.run(client.create_payment_payload(required)))


def serve(payments, value: str, produce=lambda: b'{"outputs":[1]}'):
    def refuse(err: WireError) -> Response:
        return Response(err.code.value, status_code=err.status)

    return asyncio.run(payments.serve(value, 1, produce, lambda content, payer: "proof", refuse))


def outcome(payments, name: str) -> float:
    return payments.outcomes.labels(outcome=name)._value.get()


def test_serve__transfer_fails_after_the_model__402_reported_counted_not_served_again(desk):
    payments = desk(Scripted(settle_ok=False))
    value = header()

    answer = serve(payments, value)

    assert answer.status_code == 402 and answer.body == b"settlement_failed"
    reported = decode_payment_response_header(answer.headers["PAYMENT-RESPONSE"])
    assert not reported.success and reported.error_reason == "transaction_failed"
    assert [a[3] for a in payments.store.authorizations()] == ["failed"]
    assert outcome(payments, "failed") == 1
    with pytest.raises(WireError) as again:
        serve(payments, value)
    assert again.value.code is ErrorCode.AUTHORIZATION_USED


def test_serve__model_fails__claim_released_nothing_settled_and_retry_served(desk):
    facilitator = Scripted()
    payments = desk(facilitator)
    value = header()

    def broken() -> bytes:
        raise WireError(ErrorCode.MODEL_FAILED, "the model failed; nothing was charged")

    with pytest.raises(WireError) as failed:
        serve(payments, value, broken)

    assert failed.value.code is ErrorCode.MODEL_FAILED
    assert payments.store.authorizations() == [] and facilitator.settled == 0
    assert serve(payments, value).status_code == 200
    assert facilitator.settled == 1


def test_serve__facilitator_raises__503_and_claim_released(desk):
    payments = desk(Scripted(verify_error=True))

    with pytest.raises(WireError) as down:
        serve(payments, header())

    assert down.value.code is ErrorCode.FACILITATOR_UNAVAILABLE and down.value.status == 503
    assert payments.store.authorizations() == []


def test_serve__same_authorization_twice_at_once__one_served_one_refused(desk):
    facilitator = Scripted(delay=0.2)
    payments = desk(facilitator)
    value = header()

    async def both():
        def refuse(err):
            return Response(status_code=err.status)

        async def one():
            try:
                return await payments.serve(value, 1, lambda: b"{}", lambda c, p: "", refuse)
            except WireError as err:
                return err.code

        return await asyncio.gather(one(), one())

    results = asyncio.run(both())

    assert ErrorCode.AUTHORIZATION_USED in results
    assert sum(isinstance(r, Response) and r.status_code == 200 for r in results) == 1
    assert facilitator.settled == 1


# --------------------------------------------------------------------------- both stores


@pytest.fixture(params=["sqlite", "postgres"])
def two_handles(request, tmp_path):
    """Two handles on one store, as two gateway replicas hold it (SQLite: one process)."""
    if request.param == "sqlite":
        store = SqliteStore(tmp_path / "s.sqlite3")
        yield store, store
        store.close()
    else:
        from modelmint.gateway.pgstore import PostgresStore

        url = request.getfixturevalue("pg_url")
        opened = [PostgresStore(url, pool_size=2, timeout=2.0) for _ in range(2)]
        yield tuple(opened)
        for store in opened:
            store.close()


def test_claim_authorization__second_claim_anywhere__refused_until_released(two_handles):
    a, b = two_handles
    nonce = "0x" + "11" * 32
    assert a.claim_authorization(PAYER.address, nonce, 2**255, 2**40)
    assert not b.claim_authorization(PAYER.address.lower(), nonce.upper().replace("0X", "0x"), 1, 1)
    b.release_authorization(PAYER.address, nonce)
    assert b.claim_authorization(PAYER.address, nonce, 2**255, 2**40)
    a.finish_authorization(PAYER.address, nonce, "settled", "0xabc", "")
    b.release_authorization(PAYER.address, nonce)  # a settled claim is never released
    assert not a.claim_authorization(PAYER.address, nonce, 1, 1)
    assert b.authorizations() == [(PAYER.address.lower(), nonce, 2**255, "settled", "0xabc", "")]


# --------------------------------------------------------------------------- forwarding


class Signer:
    """The facilitator's signer as far as forwarding uses it: the payee holds `held` until
    a forward is sent."""

    def __init__(self, held: int):
        self.held, self.sent, self.reads = held, [], 0

    def get_balance(self, address, token):
        self.reads += 1
        return self.held

    def write_contract(self, address, abi, method, *args):
        self.sent.append((address, method, args))
        self.held = 0
        return "0x" + "cd" * 32

    def wait_for_transaction_receipt(self, tx):
        return {"status": 1}


def test_forward_forever__payee_holds_funds__forwarded_once_per_pass_nothing_when_empty(tmp_path):
    signer = Signer(held=3 * TERMS.credit_value)
    payees = "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707"
    payments = ExactPayments(TERMS, Scripted(), SqliteStore(tmp_path / "f.sqlite3"),
                             signer=signer, payees=payees)  # fmt: skip

    async def run_passes():
        stop = asyncio.Event()
        task = asyncio.create_task(payments.forward_forever(stop, interval=0.01))
        deadline = time.monotonic() + WAIT_CEILING
        while signer.reads < 3:  # three passes; only the first finds funds
            if time.monotonic() > deadline:
                raise TimeoutError("three forwarding passes")
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(task, timeout=WAIT_CEILING)

    asyncio.run(run_passes())

    assert signer.sent == [(payees, "forward", (TERMS.model_id, TERMS.asset))]
    payments.store.close()
