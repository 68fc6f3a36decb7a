"""Model cards: what a buyer reads before paying, bound to the chain by content address.

A card is a JSON document (schema ``modelmint.card/1``, docs/CARDS.md) describing a model, or
one version of it when it carries ``weights``. It is bound to the chain by the URI the owner
records (the model's ``metadataURI``, a version's ``uri``):

- ``ipfs://<CIDv1>``: the card's bytes must have that CID (:mod:`modelmint.cid`), wherever
  they were fetched from (the gateway's ``/.well-known`` card, an http mirror, IPFS);
- ``data:application/json[;base64],...``: the card is the URI itself.

Any other URI (``https://...``, ``ipfs://name``) binds nothing: :func:`verify_card` refuses it
(``card_unbound``) and readers show the URI instead of a card, as they do when the bytes do
not match (``card_mismatch``) or do not parse (``card_invalid``, naming the failing field).

    >>> content = card_json(card)                 # canonical bytes to publish
    >>> uri = card_uri(content)                   # 'ipfs://bafkrei...' to record on chain
    >>> verify_card(uri, fetched_bytes)           # the Card, or CardError with .code/.field
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NoReturn

from modelmint.cid import cid_of_bytes
from modelmint.errors import ModelmintError

SCHEMA = "modelmint.card/1"
MAX_CARD_BYTES = 64 * 1024
MAX_NAME = 80
MAX_TEXT = 8_000
MAX_LABELS = 1_000
MAX_LINKS = 20
_TASK = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_SHA256 = re.compile(r"^0x[0-9a-f]{64}$")
_CID = re.compile(r"^b[a-z2-7]{58,}$")
_JSON_DATA = ("data:application/json;base64,", "data:application/json,")


class CardErrorCode(StrEnum):
    """Why a card is not shown as the model's (readers fall back to the recorded URI)."""

    CARD_INVALID = "card_invalid"  # does not parse; ``CardError.field`` names the field
    CARD_MISMATCH = "card_mismatch"  # the bytes are not the ones the URI binds
    CARD_UNBOUND = "card_unbound"  # the URI binds no content (https://, ipfs://<name>)
    CARD_TOO_LARGE = "card_too_large"  # over MAX_CARD_BYTES


class CardError(ModelmintError):
    """A card that cannot be shown as the model's: ``field`` names the failing field
    (``"input.example"``, ``"weights.sha256"``), empty when the whole document fails."""

    def __init__(self, code: CardErrorCode, message: str, field: str = ""):
        super().__init__(code, f"{field}: {message}" if field else message)
        self.code: CardErrorCode = code
        self.field = field


@dataclass(frozen=True)
class Weights:
    """The exact file a version serves: sha256 (the registry's ``weightsHash``), CIDv1, size."""

    sha256: str
    cid: str
    bytes: int
    format: str = "onnx"


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class Card:
    name: str
    description: str
    task: str
    input_schema: dict[str, Any]
    input_example: Any
    output_schema: dict[str, Any]
    license_summary: str
    labels: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    weights: Weights | None = None
    version: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": SCHEMA,
            "name": self.name,
            "description": self.description,
            "task": self.task,
            "input": {"schema": self.input_schema, "example": self.input_example},
            "output": {"schema": self.output_schema, "labels": list(self.labels)},
            "license": {"summary": self.license_summary},
            "links": [{"title": link.title, "url": link.url} for link in self.links],
        }
        if self.weights is not None:
            w = self.weights
            out["weights"] = {
                "sha256": w.sha256,
                "cid": w.cid,
                "bytes": w.bytes,
                "format": w.format,
            }
        if self.version is not None:
            out["version"] = self.version
        return {**self.extra, **out}


def card_json(card: Card) -> bytes:
    """The canonical bytes of ``card``: sorted keys, no spaces, UTF-8 (what ``card_uri`` hashes)."""
    return json.dumps(
        card.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def card_uri(content: bytes) -> str:
    """The ``ipfs://`` URI that binds exactly ``content``."""
    return "ipfs://" + cid_of_bytes(content)


def inline_content(uri: str) -> bytes | None:
    """The card bytes a ``data:application/json`` URI carries, else ``None``."""
    for prefix in _JSON_DATA:
        if uri.startswith(prefix):
            body = uri[len(prefix) :]
            if prefix.endswith("base64,"):
                try:
                    return base64.b64decode(body, validate=True)
                except binascii.Error as exc:
                    raise CardError(
                        CardErrorCode.CARD_INVALID, f"bad base64 in data URI: {exc}"
                    ) from None
            return urllib.parse.unquote_to_bytes(body)
    return None


def bound_cid(uri: str) -> str | None:
    """The CID an ``ipfs://<CIDv1>`` URI names (``None`` for any other URI)."""
    if uri.startswith("ipfs://"):
        cid = uri[len("ipfs://") :].split("/", 1)[0]
        if _CID.match(cid):
            return cid
    return None


def verify_card(uri: str, content: bytes | None = None) -> Card:
    """The card recorded as ``uri``: ``content`` must be the bytes that URI binds (not
    needed for a ``data:`` URI, which carries them)."""
    inline = inline_content(uri)
    if inline is not None:
        return parse_card(inline)
    cid = bound_cid(uri)
    if cid is None:
        raise CardError(
            CardErrorCode.CARD_UNBOUND, f"{uri[:80]!r} binds no content (use ipfs://<CID> or data:)"
        )
    if content is None:
        raise CardError(CardErrorCode.CARD_MISMATCH, "no card content to check")
    if len(content) > MAX_CARD_BYTES:
        raise CardError(CardErrorCode.CARD_TOO_LARGE, f"{len(content)} bytes > {MAX_CARD_BYTES}")
    actual = cid_of_bytes(content)
    if actual != cid:
        raise CardError(
            CardErrorCode.CARD_MISMATCH, f"content has CID {actual}, the chain records {cid}"
        )
    return parse_card(content)


# ------------------------------------------------------------------ parsing


def parse_card(content: bytes) -> Card:
    """The card in ``content``, or :class:`CardError` naming the first failing field."""
    if len(content) > MAX_CARD_BYTES:
        raise CardError(CardErrorCode.CARD_TOO_LARGE, f"{len(content)} bytes > {MAX_CARD_BYTES}")
    try:
        doc = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CardError(CardErrorCode.CARD_INVALID, f"not UTF-8 JSON: {exc}") from None
    obj = _object(doc, "")
    if obj.get("schema") != SCHEMA:
        _invalid("schema", f"must be {SCHEMA!r}, got {obj.get('schema')!r}")
    task = _text(obj, "task", 40)
    if not _TASK.match(task):
        _invalid("task", "lowercase words joined by '-' (e.g. 'image-classification')")
    inp = _object(obj.get("input"), "input")
    out = _object(obj.get("output"), "output")
    if "example" not in inp:
        _invalid("input.example", "required: one input a visitor can try")
    labels = _list(out.get("labels", []), "output.labels", MAX_LABELS)
    license_ = _object(obj.get("license"), "license")
    links = _list(obj.get("links", []), "links", MAX_LINKS)
    known = {
        "schema",
        "name",
        "description",
        "task",
        "input",
        "output",
        "license",
        "links",
        "weights",
        "version",
    }
    return Card(
        name=_text(obj, "name", MAX_NAME),
        description=_text(obj, "description", MAX_TEXT),
        task=task,
        input_schema=_schema(inp.get("schema"), "input.schema"),
        input_example=inp["example"],
        output_schema=_schema(out.get("schema"), "output.schema"),
        license_summary=_text(license_, "summary", MAX_TEXT, "license."),
        labels=tuple(
            _str(label, f"output.labels[{i}]", MAX_NAME) for i, label in enumerate(labels)
        ),
        links=tuple(_link(link, f"links[{i}]") for i, link in enumerate(links)),
        weights=_weights(obj["weights"]) if "weights" in obj else None,
        version=_version(obj["version"]) if "version" in obj else None,
        extra={k: v for k, v in obj.items() if k not in known},
    )


def _invalid(field: str, message: str) -> NoReturn:
    raise CardError(CardErrorCode.CARD_INVALID, message, field)


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        _invalid(field or "(card)", "must be a JSON object")
    return value


def _list(value: Any, field: str, limit: int) -> list[Any]:
    if not isinstance(value, list):
        _invalid(field, "must be a JSON array")
    if len(value) > limit:
        _invalid(field, f"at most {limit} entries, got {len(value)}")
    return value


def _str(value: Any, field: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        _invalid(field, "must be a non-empty string")
    if len(value) > limit:
        _invalid(field, f"at most {limit} characters, got {len(value)}")
    return value


def _text(obj: dict[str, Any], key: str, limit: int, prefix: str = "") -> str:
    if key not in obj:
        _invalid(prefix + key, "required")
    return _str(obj[key], prefix + key, limit)


def _schema(value: Any, field: str) -> dict[str, Any]:
    schema = _object(value, field)
    if not isinstance(schema.get("type"), str):
        _invalid(field + ".type", "a JSON Schema with a 'type' (e.g. 'object')")
    return schema


def _link(value: Any, field: str) -> Link:
    obj = _object(value, field)
    url = _text(obj, "url", 2_000, field + ".")
    if urllib.parse.urlsplit(url).scheme not in ("https", "http", "ipfs"):
        _invalid(field + ".url", "must be an https, http or ipfs URL")
    return Link(_text(obj, "title", MAX_NAME, field + "."), url)


def _weights(value: Any) -> Weights:
    obj = _object(value, "weights")
    sha256 = _text(obj, "sha256", 66, "weights.")
    if not _SHA256.match(sha256):
        _invalid("weights.sha256", "0x and 64 lowercase hex digits (the registry's weightsHash)")
    cid = _text(obj, "cid", 200, "weights.")
    if not _CID.match(cid):
        _invalid("weights.cid", "a base32 CIDv1 (b...)")
    size = obj.get("bytes")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        _invalid("weights.bytes", "a non-negative integer")
    return Weights(sha256, cid, size, _str(obj.get("format", "onnx"), "weights.format", 40))


def _version(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value < 2**32:
        _invalid("version", "an integer from 1 (the registry's version number)")
    return value
