"""The client against the real gateway process on anvil: the happy path and every rule the
client enforces (charge within the ceiling, running total, provenance, budget, recovery,
corrective 402, expiry and refund)."""

import pytest
from conftest import CREDIT_VALUE

from modelmint.client import (
    Budget,
    BudgetExhausted,
    Client,
    CreditsChain,
    Signer,
)
from modelmint.client.client import ChannelPolicy

ROW = [0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0] * 8  # one 8x8 digit, pixel values 0..16
PREDICT = "/v1/predict"


@pytest.fixture(scope="module", autouse=True)
def _started(protocol, gateway_process, fund):
    """Deploys and starts the gateway before the first test."""


@pytest.fixture
def make_client(gateway_process, w3, tmp_path):
    made = []

    def _make(account, **kwargs):
        kwargs.setdefault("state_dir", tmp_path / "state")
        signer = kwargs.pop("signer", None) or Signer.eoa(account.key)
        client = Client(gateway_process.url, signer, w3=w3, **kwargs)
        made.append(client)
        return client

    yield _make
    for c in made:
        c.close_http()


def test_call__funded_consumer__pays_each_call_and_state_matches_chain(
    make_client, fund, protocol, w3
):
    consumer = fund()
    client = make_client(consumer, budget=Budget(max_value=100 * CREDIT_VALUE),
                         policy=ChannelPolicy(calls_per_channel=50))  # fmt: skip
    results = [client.call(PREDICT, json={"inputs": [ROW] * n}) for n in (1, 3, 2)]
    assert [r.charged for r in results] == [1, 3, 2]
    assert [r.charged_total for r in results] == [1, 4, 6]
    assert all(
        len(r.json()["outputs"]["label"]) == n for r, n in zip(results, (1, 3, 2), strict=True)
    )
    assert all(r.provenance.served.account == consumer.address for r in results)
    [record] = client.channels()
    assert (record.charged, record.signed, record.calls) == (6, 6, 3)
    on_chain = CreditsChain(w3, protocol.credits.address).channel(record.channel_id)
    assert on_chain.consumer == consumer.address and on_chain.deposit == 50
    assert client.budget.spent == 50 * CREDIT_VALUE


def test_call__budget_smaller_than_policy__channel_capped_then_budget_exhausted(
    make_client, fund, protocol
):
    consumer = fund()
    client = make_client(consumer, budget=Budget(max_value=5 * CREDIT_VALUE))
    for _ in range(2):
        client.call(PREDICT, json={"inputs": [ROW, ROW]})
    with pytest.raises(BudgetExhausted):
        client.call(PREDICT, json={"inputs": [ROW, ROW]})
    assert client.budget.spent == 5 * CREDIT_VALUE
    assert protocol.credits.balanceOf(consumer.address, protocol.model_id) == 0
    # A call that still fits the budget goes through.
    assert client.call(PREDICT, json={"inputs": [ROW]}).charged_total == 5
