"""`modelmint card create|validate|publish` and `model register --card`, run in-process; a
bad card is refused with the failing field named, a published card's URI is what the
registry records."""

import json

import pytest

from modelmint.cards import card_uri, parse_card
from modelmint.cid import cid_of_file
from modelmint.weights import weights_hash

SCHEMA = '{"type": "object"}'


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A folder and two weights files (versions 1 and 2) for the cards of one model."""
    folder = tmp_path_factory.mktemp("card")
    paths = [folder / f"v{n}.onnx" for n in (1, 2)]
    for n, path in enumerate(paths, start=1):
        path.write_bytes(f"card model weights, version {n}".encode())
    return (folder, *paths)


def _create(mm, out, *extra):
    return mm(None, "--output", "json", "card", "create", "--out", out,
              "--name", "Digits", "--description", "Classifies digits.",
              "--task", "image-classification", "--input-schema", SCHEMA,
              "--example", '{"inputs": [[0, 1]]}', "--output-schema", SCHEMA,
              "--labels", "0,1", "--license-summary", "Calls only.",
              "--link", "Dataset=https://example.org/digits", *extra)  # fmt: skip


def test_card_create__flags_and_weights__canonical_card_with_weights(mm, files):
    folder, v1, _ = files
    out = folder / "v1.card.json"
    done = _create(mm, out, "--weights", v1, "--version", "1")
    assert done.code == 0, done.err
    content = out.read_bytes()
    card = parse_card(content)
    assert (
        content == json.dumps(json.loads(content), sort_keys=True, separators=(",", ":")).encode()
    )
    assert card.weights is not None and card.version == 1
    assert card.weights.sha256 == "0x" + weights_hash(v1).hex()
    assert (card.weights.cid, card.weights.bytes) == (cid_of_file(v1), v1.stat().st_size)
    assert done.json["uri"] == card_uri(content)
    assert mm(None, "card", "validate", out).code == 0


@pytest.mark.parametrize(
    "change, named",
    [
        (lambda d: d["input"].pop("example"), "card_invalid: input.example: required"),
        (lambda d: d.update(task="Image Classification"), "card_invalid: task:"),
        (lambda d: d["weights"].update(sha256="0x12"), "card_invalid: weights.sha256:"),
        (
            lambda d: d.update(links=[{"title": "x", "url": "ftp://x"}]),
            "card_invalid: links[0].url",
        ),
    ],
)
def test_card_validate__bad_field__exit_2_naming_the_field(mm, files, change, named):
    folder, v1, _ = files
    good = folder / "good.json"
    assert _create(mm, good, "--weights", v1).code == 0
    doc = json.loads(good.read_bytes())
    change(doc)
    bad = folder / "bad.json"
    bad.write_text(json.dumps(doc))
    done = mm(None, "card", "validate", bad)
    assert done.code == 2 and named in done.err, done.err


def test_card_publish__register_and_version_card__registry_records_the_card_uri(
    mm, protocol, model_owner, files
):
    folder, v1, v2 = files
    model_card, version_card = folder / "model.json", folder / "v2.card.json"
    assert _create(mm, model_card).code == 0
    assert _create(mm, version_card, "--weights", v2, "--version", "2").code == 0
    printed = mm(None, "card", "publish", model_card)
    assert printed.code == 0 and printed.out.strip() == card_uri(model_card.read_bytes())
    done = mm(model_owner, "--output", "json", "model", "register", "--weights", v1,
              "--version-uri", "ipfs://v1", "--card", model_card)  # fmt: skip
    assert done.code == 0, done.err
    model_id = done.json["model"]
    registry = protocol.registry
    logs = list(registry.ModelRegistered.range(0, search_topics={"modelId": model_id}))
    assert logs[-1].metadataURI == card_uri(model_card.read_bytes()) == done.json["metadataURI"]
    done = mm(model_owner, "--output", "json", "card", "publish", version_card,
              "--model", model_id, "--version-card")  # fmt: skip
    assert done.code == 0, done.err
    assert done.json["version"] == 2
    assert bytes(registry.versionHash(model_id, 2)) == weights_hash(v2)
    logs = list(registry.VersionPublished.range(0, search_topics={"modelId": model_id}))
    assert logs[-1].uri == card_uri(version_card.read_bytes()) == done.json["uri"]


def test_card_publish__version_card_without_weights__refused(mm, model_owner, files):
    folder, *_ = files
    model_card = folder / "plain.json"
    assert _create(mm, model_card).code == 0
    done = mm(model_owner, "card", "publish", model_card, "--model", 1, "--version-card")
    assert done.code == 2 and "card_invalid: weights: required" in done.err
