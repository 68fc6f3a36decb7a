"""License-gated weights download and the served model card, against the real gateway
process on ape's anvil: a commercial license holder downloads the exact registered bytes
(resumable), everyone else is refused with a named error before a byte is streamed, the
client refuses weights that are not the registry's, and the card route serves the
published card bytes (a card that does not match the chain stops the start)."""

from __future__ import annotations

import hashlib
import json
import time

import httpx
import pytest
from eth_account import Account

from modelmint.access import AccessDomain, AccessStatement, sign_statement
from modelmint.cards import Weights, card_json, card_uri, parse_card
from modelmint.cid import cid_of_file
from modelmint.client.errors import NotFound, WeightsMismatch
from modelmint.client.weights import download_weights, part_path
from modelmint.deploy.models import register_model
from modelmint.gateway.digits import DEFAULT_PATH as DIGITS_ONNX
from modelmint.wire import HEADER_ACCESS, WELL_KNOWN_PATH

WEIGHTS = "/v1/weights"
CREDIT_VALUE = 10**12  # wei per credit of the carded model


def _offer(protocol, owner, buyer, commercial: bool) -> None:
    licenses = protocol["licenses"]
    params = (protocol["model_id"], 0, 0, 0, 0, 0, commercial, False, "ipfs://t", b"\x01" * 32)
    tx = licenses.createOffer(params, sender=owner)
    licenses.purchase(tx.decode_logs(licenses.OfferCreated)[0].offerId, buyer, 0, sender=buyer)


@pytest.fixture(scope="module")
def holder(protocol, model_owner, licensee):
    """A commercial license holder."""
    _offer(protocol, model_owner, licensee, commercial=True)
    return Account.from_key(licensee.private_key)


@pytest.fixture(scope="module")
def personal(protocol, model_owner, consumer):
    """A holder of a non-commercial license only."""
    _offer(protocol, model_owner, consumer, commercial=False)
    return Account.from_key(consumer.private_key)


@pytest.fixture(scope="module")
def registered(protocol):
    return bytes(protocol["registry"].versionHash(protocol["model_id"], 1))


@pytest.fixture(scope="module")
def served(launch, tmp_path_factory):
    weights = tmp_path_factory.mktemp("weights") / "digits.onnx"
    weights.write_bytes(DIGITS_ONNX.read_bytes())
    return launch(weights=weights)


def _info(url: str) -> dict:
    return httpx.get(url + WELL_KNOWN_PATH).json()


def _header(account, info, version=None, **fields) -> str:
    domain = AccessDomain(info["chainId"], info["gateway"], int(info["modelId"]))
    statement = AccessStatement.new(
        account.address, int(info["modelId"]), version or info["version"], **fields
    )
    return sign_statement(domain, statement, account.key).to_header()


def _code(answer: httpx.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["code"]


def test_download__commercial_holder__exact_registered_weights(
    served, holder, registered, tmp_path
):
    info = _info(served.url)
    assert info["routes"]["weights"] == WEIGHTS
    out = tmp_path / "model.onnx"
    got = download_weights(served.url, holder, out, registered)
    assert hashlib.sha256(out.read_bytes()).digest() == registered == got.sha256
    assert out.read_bytes() == DIGITS_ONNX.read_bytes() and not part_path(out).exists()
    metrics = httpx.get(served.url + "/metrics").text
    assert 'modelmint_gateway_weights_downloads_total{code="ok"}' in metrics
    assert f"modelmint_gateway_weights_bytes_total {float(got.bytes)}" in metrics


def test_download__no_license_or_wrong_class__license_invalid_nothing_streamed(served, personal):
    info = _info(served.url)
    for account, commercial in ((Account.create(), True), (personal, True), (personal, False)):
        answer = httpx.get(
            served.url + WEIGHTS,
            headers={HEADER_ACCESS: _header(account, info, commercial=commercial)},
        )
        assert _code(answer) == (403, "license_invalid")
        assert DIGITS_ONNX.read_bytes()[:64] not in answer.content
    assert _code(httpx.get(served.url + WEIGHTS)) == (403, "license_invalid")


def test_download__replayed_stale_or_other_version__named_errors(served, holder):
    info = _info(served.url)
    header = _header(holder, info, commercial=True)
    assert httpx.get(served.url + WEIGHTS, headers={HEADER_ACCESS: header}).status_code == 200
    replay = httpx.get(served.url + WEIGHTS, headers={HEADER_ACCESS: header})
    assert _code(replay) == (401, "statement_replayed")
    stale = _header(holder, info, commercial=True, now=int(time.time()) - 120, lifetime=60)
    assert _code(httpx.get(served.url + WEIGHTS, headers={HEADER_ACCESS: stale})) == (
        401,
        "statement_stale",
    )
    other = _header(holder, info, version=info["version"] + 1, commercial=True)
    assert _code(httpx.get(served.url + WEIGHTS, headers={HEADER_ACCESS: other})) == (
        402,
        "wrong_version",
    )


def test_download__range__206_and_resumed_file_identical(served, holder, registered, tmp_path):
    info = _info(served.url)
    whole = DIGITS_ONNX.read_bytes()
    ranged = httpx.get(
        served.url + WEIGHTS,
        headers={HEADER_ACCESS: _header(holder, info, commercial=True), "Range": "bytes=100-"},
    )
    assert ranged.status_code == 206 and ranged.content == whole[100:]
    assert ranged.headers["content-range"] == f"bytes 100-{len(whole) - 1}/{len(whole)}"
    out = tmp_path / "resumed.onnx"
    part_path(out).write_bytes(whole[:1000])
    got = download_weights(served.url, holder, out, registered)
    assert got.resumed_from == 1000 and out.read_bytes() == whole


def test_download__gateway_serves_other_bytes__client_refuses_before_writing(
    launch, holder, registered, tmp_path
):
    weights = tmp_path / "swapped.onnx"
    weights.write_bytes(DIGITS_ONNX.read_bytes())
    process = launch(weights=weights)
    weights.write_bytes(DIGITS_ONNX.read_bytes()[:-1] + b"\x00")  # the operator swaps the file
    out = tmp_path / "model.onnx"
    with pytest.raises(WeightsMismatch):
        download_weights(process.url, holder, out, registered)
    assert not out.exists() and not part_path(out).exists()


def test_download__disabled__not_found(launch, holder):
    process = launch(weights_download="false")
    assert "weights" not in _info(process.url)["routes"]
    with pytest.raises(NotFound):
        download_weights(process.url, holder, process.log_path.with_suffix(".onnx"), b"")
    header = _header(holder, _info(process.url), commercial=True)
    assert _code(httpx.get(process.url + WEIGHTS, headers={HEADER_ACCESS: header})) == (
        404,
        "not_found",
    )


# ----------------------------------------------------------------------------- card
def _card(weights: Weights | None = None) -> bytes:
    card = {
        "schema": "modelmint.card/1",
        "name": "Handwritten digits",
        "description": "Classifies an 8x8 image of a handwritten digit.",
        "task": "image-classification",
        "input": {"schema": {"type": "object"}, "example": {"inputs": [[0] * 64]}},
        "output": {"schema": {"type": "object"}, "labels": [str(d) for d in range(10)]},
        "license": {"summary": "Any license allows calls."},
    }
    if weights is not None:
        card["weights"] = weights.__dict__
        card["version"] = 1
    return card_json(parse_card(json.dumps(card).encode()))


def _digits_weights(registered: bytes) -> Weights:
    size = DIGITS_ONNX.stat().st_size
    return Weights("0x" + registered.hex(), cid_of_file(DIGITS_ONNX), size)


@pytest.fixture(scope="module")
def carded(protocol, model_owner, gateway, registered):
    """A model whose version URI is the ``ipfs://`` URI of a card naming the digits file."""
    content = _card(_digits_weights(registered))
    registry = protocol["registry"]
    model_id = register_model(
        registry, model_owner, registered, card_uri(content), card_uri(_card())
    ).model_id
    registry.setGateway(model_id, gateway, True, sender=model_owner)
    protocol["credits"].enableCredits(model_id, CREDIT_VALUE, sender=model_owner)
    return model_id, content


def test_card__published_card__served_bytes_exactly(launch, carded, tmp_path):
    model_id, content = carded
    path = tmp_path / "card.json"
    path.write_bytes(content)
    process = launch(model_id=model_id, card=path)
    assert _info(process.url)["routes"]["card"] == "/v1/card"
    answer = httpx.get(process.url + "/v1/card")
    assert answer.status_code == 200 and answer.content == content
    assert answer.headers["content-type"] == "application/json"


def test_start__card_not_the_recorded_one__refuses(launch, carded, tmp_path):
    model_id, _ = carded
    path = tmp_path / "card.json"
    path.write_bytes(_card())  # the model card, not the version's
    process = launch(start=False, model_id=model_id, card=path)
    with pytest.raises(RuntimeError, match="card_mismatch"):
        process.start()
    assert process.proc.returncode == 2


def test_start__card_names_other_weights__refuses(launch, registered, tmp_path):
    other = Weights("0x" + registered.hex(), cid_of_file(DIGITS_ONNX)[:-2] + "aa", 1)
    path = tmp_path / "card.json"
    path.write_bytes(_card(other))
    process = launch(start=False, card=path)
    with pytest.raises(RuntimeError, match="weights_mismatch"):
        process.start()
    assert process.proc.returncode == 2


def test_card__none_configured__not_found(served):
    assert "card" not in _info(served.url)["routes"]
    assert _code(httpx.get(served.url + "/v1/card")) == (404, "not_found")


def test_cli_weights_download__holder__verified_file_written(
    served, holder, registered, rpc_url, record_path, tmp_path
):
    from click.testing import CliRunner

    from modelmint.client.cli import main

    out = tmp_path / "cli.onnx"
    env = {
        "MODELMINT_RPC": rpc_url,
        "MODELMINT_RECORD": str(record_path),
        "MODELMINT_GATEWAY": served.url,
        "MODELMINT_PROFILES": "",
        "MODELMINT_ACCOUNT": "",
        "MODELMINT_PRIVATE_KEY": "0x" + bytes(holder.key).hex(),
        "HOME": str(tmp_path),
    }
    result = CliRunner(mix_stderr=False).invoke(
        main, ["--output", "json", "weights", "download", "--out", str(out)], env=env
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["sha256"] == "0x" + registered.hex()
    assert hashlib.sha256(out.read_bytes()).digest() == registered
