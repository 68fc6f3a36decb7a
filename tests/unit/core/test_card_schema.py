"""Model cards: canonical bytes, bound by content address, every bad field named."""

import base64
import copy
import json
import urllib.parse

import pytest

from modelmint.cards import (
    MAX_CARD_BYTES,
    Card,
    CardError,
    CardErrorCode,
    Link,
    Weights,
    card_json,
    card_uri,
    parse_card,
    verify_card,
)
from modelmint.cid import cid_of_bytes

WEIGHTS = b"\x08\x07onnx weights"
CARD = Card(
    name="Wine cultivar classifier",
    description="Predicts the cultivar of an Italian wine from 13 chemical measurements.",
    task="tabular-classification",
    input_schema={"type": "object", "properties": {"inputs": {"type": "array"}}},
    input_example={
        "inputs": [[13.2, 1.78, 2.14, 11.2, 100, 2.65, 2.76, 0.26, 1.28, 4.38, 1.05, 3.4, 1050]]
    },
    output_schema={"type": "object", "properties": {"outputs": {"type": "array"}}},
    license_summary="Commercial use with a commercial license; research use with any license.",
    labels=("cultivar 1", "cultivar 2", "cultivar 3"),
    links=(Link("Dataset", "https://archive.ics.uci.edu/dataset/109/wine"),),
    weights=Weights("0x" + "ab" * 32, cid_of_bytes(WEIGHTS), len(WEIGHTS)),
    version=2,
)


def test_card_json__parsed_back__same_card():
    assert parse_card(card_json(CARD)) == CARD


def test_card_json__key_order__canonical():
    shuffled = json.dumps(dict(reversed(list(CARD.to_json().items())))).encode()
    assert card_json(parse_card(shuffled)) == card_json(CARD)


def test_verify_card__ipfs_uri_of_the_bytes__card():
    content = card_json(CARD)
    assert verify_card(card_uri(content), content) == CARD


def test_verify_card__one_byte_changed__card_mismatch():
    content = card_json(CARD)
    swapped = content.replace(b"Wine", b"Vine")
    with pytest.raises(CardError) as info:
        verify_card(card_uri(content), swapped)
    assert info.value.code is CardErrorCode.CARD_MISMATCH


@pytest.mark.parametrize("uri", ["ipfs://wine-card", "https://owner.example/card.json", "ar://x"])
def test_verify_card__uri_binding_no_content__card_unbound(uri):
    with pytest.raises(CardError) as info:
        verify_card(uri, card_json(CARD))
    assert info.value.code is CardErrorCode.CARD_UNBOUND


def test_verify_card__data_uris__card_without_fetching():
    content = card_json(CARD)
    b64 = "data:application/json;base64," + base64.b64encode(content).decode()
    plain = "data:application/json," + urllib.parse.quote(content.decode())
    assert verify_card(b64) == verify_card(plain) == CARD


def test_verify_card__oversized__card_too_large():
    content = card_json(CARD) + b" " * MAX_CARD_BYTES
    with pytest.raises(CardError) as info:
        verify_card(card_uri(content), content)
    assert info.value.code is CardErrorCode.CARD_TOO_LARGE


def _edit(path, value):
    def apply(doc):
        *parents, last = path
        for key in parents:
            doc = doc[key]
        if value is KeyError:
            del doc[last]
        else:
            doc[last] = value

    return apply


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (_edit(["schema"], "modelmint.card/0"), "schema"),
        (_edit(["name"], KeyError), "name"),
        (_edit(["name"], "   "), "name"),
        (_edit(["name"], "x" * 81), "name"),
        (_edit(["task"], "Image Classification"), "task"),
        (_edit(["input", "example"], KeyError), "input.example"),
        (_edit(["input", "schema"], {"properties": {}}), "input.schema.type"),
        (_edit(["output"], []), "output"),
        (_edit(["output", "labels"], "a,b"), "output.labels"),
        (_edit(["output", "labels"], ["ok", 3]), "output.labels[1]"),
        (_edit(["license", "summary"], KeyError), "license.summary"),
        (_edit(["links"], [{"title": "x", "url": "javascript:alert(1)"}]), "links[0].url"),
        (_edit(["weights", "sha256"], "0xABC"), "weights.sha256"),
        (_edit(["weights", "cid"], "QmNotV1"), "weights.cid"),
        (_edit(["weights", "bytes"], -1), "weights.bytes"),
        (_edit(["weights", "bytes"], True), "weights.bytes"),
        (_edit(["version"], 0), "version"),
    ],
)
def test_parse_card__bad_field__card_invalid_naming_it(edit, field):
    doc = copy.deepcopy(CARD.to_json())
    edit(doc)
    with pytest.raises(CardError) as info:
        parse_card(json.dumps(doc).encode())
    assert (info.value.code, info.value.field) == (CardErrorCode.CARD_INVALID, field)


@pytest.mark.parametrize("content", [b"\xff\xfe", b"[1, 2]", b"{", b'"card"'])
def test_parse_card__not_a_json_object__card_invalid(content):
    with pytest.raises(CardError) as info:
        parse_card(content)
    assert info.value.code is CardErrorCode.CARD_INVALID


def test_parse_card__unknown_fields__kept_for_the_reader():
    doc = CARD.to_json() | {"x-dataset-size": 178}
    assert parse_card(json.dumps(doc).encode()).extra == {"x-dataset-size": 178}


def test_cards_doc__example_and_field_table__match_the_parser():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[3] / "docs" / "CARDS.md").read_text()
    example = doc.split("```json\n", 1)[1].split("```", 1)[0]
    card = parse_card(example.encode())
    assert card.name == "Handwritten digits" and card.weights is None
    table = {line.split("|")[1].strip(" `") for line in doc.splitlines() if line.startswith("| `")}
    fields = {"schema", "name", "description", "task", "input.schema", "input.example"}
    fields |= {"output.schema", "output.labels", "license.summary", "links", "version"}
    fields |= {f"weights.{name}" for name in ("sha256", "cid", "bytes", "format")}
    assert fields <= table
