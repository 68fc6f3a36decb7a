"""``modelmint card create|validate|publish`` and ``modelmint weights download``: a model
card (:mod:`modelmint.cards`, docs/CARDS.md) from flags or a template, checked with the
failing field named, bound to the chain by its ``ipfs://`` URI; and a license holder's
download of the served weights, kept only if their sha256 is the registry's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from modelmint.cards import CardError, CardErrorCode, card_json, card_uri, parse_card
from modelmint.cid import cid_of_file
from modelmint.client.commands import operation, ops_of
from modelmint.client.weights import download_weights
from modelmint.weights import weights_hash_hex

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group()
def card() -> None:
    """Create, validate and publish a model card."""


def _json_option(value: str | None, field: str) -> Any:
    try:
        return json.loads(value) if value is not None else None
    except ValueError as exc:
        raise CardError(CardErrorCode.CARD_INVALID, f"not JSON: {exc}", field) from None


@card.command()
@click.option("--template", type=FILE, help="A card (JSON) to start from; flags override.")
@click.option("--name")
@click.option("--description")
@click.option("--task", help="e.g. image-classification")
@click.option("--input-schema", help="JSON Schema of one input (JSON).")
@click.option("--example", help="One input a visitor can try (JSON).")
@click.option("--output-schema", help="JSON Schema of the output (JSON).")
@click.option("--labels", help="Class names by output index, comma-separated.")
@click.option("--license-summary", help="What each license class allows.")
@click.option("--link", "links", multiple=True, help="TITLE=URL, repeated.")
@click.option("--weights", type=FILE, help="Fill weights.sha256/cid/bytes from this file.")
@click.option("--version", type=int, help="The registry's version number the card describes.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_context
@operation
def create(ctx: click.Context, template: Path | None, out: Path, **p: Any) -> None:
    """Write a canonical card (sorted keys, no spaces) to --out, checked first."""
    doc: dict[str, Any] = json.loads(template.read_bytes()) if template else {}
    doc.setdefault("schema", "modelmint.card/1")
    for key in ("name", "description", "task"):
        if p[key] is not None:
            doc[key] = p[key]
    inp, outp = dict(doc.get("input", {})), dict(doc.get("output", {}))
    if p["input_schema"] is not None:
        inp["schema"] = _json_option(p["input_schema"], "input.schema")
    if p["example"] is not None:
        inp["example"] = _json_option(p["example"], "input.example")
    if p["output_schema"] is not None:
        outp["schema"] = _json_option(p["output_schema"], "output.schema")
    if p["labels"] is not None:
        outp["labels"] = [label.strip() for label in p["labels"].split(",")]
    doc["input"], doc["output"] = inp, outp
    if p["license_summary"] is not None:
        doc["license"] = {"summary": p["license_summary"]}
    if p["links"]:
        doc["links"] = [_link(link) for link in p["links"]]
    if p["weights"] is not None:
        path: Path = p["weights"]
        doc["weights"] = {
            "sha256": weights_hash_hex(path),
            "cid": cid_of_file(path),
            "bytes": path.stat().st_size,
            "format": doc.get("weights", {}).get("format", "onnx"),
        }
    if p["version"] is not None:
        doc["version"] = p["version"]
    content = card_json(parse_card(json.dumps(doc).encode()))
    out.write_bytes(content)
    ops_of(ctx).done(
        f"card written to {out} ({card_uri(content)})", path=str(out), uri=card_uri(content)
    )


def _link(text: str) -> dict[str, str]:
    title, sep, url = text.partition("=")
    if not sep:
        raise CardError(CardErrorCode.CARD_INVALID, f"{text!r} is not TITLE=URL", "links")
    return {"title": title, "url": url}


@card.command()
@click.argument("file", type=FILE)
@click.pass_context
@operation
def validate(ctx: click.Context, file: Path) -> None:
    """Check a card; exit 2 naming the failing field (``card_invalid: input.example: ...``)."""
    content = file.read_bytes()
    parsed = parse_card(content)
    ops_of(ctx).done(
        f"{file}: valid card {parsed.name!r} ({card_uri(content)})",
        path=str(file), name=parsed.name, uri=card_uri(content),
    )  # fmt: skip


@card.command()
@click.argument("file", type=FILE)
@click.option("--model", "model_id", type=int, help="With --version-card: the model.")
@click.option("--version-card", is_flag=True, help="Publish a version whose URI is the card's.")
@click.pass_context
@operation
def publish(ctx: click.Context, file: Path, model_id: int | None, version_card: bool) -> None:
    """Print the card's ``ipfs://`` URI; with --model N --version-card, publish a version of
    model N with the card's weights.sha256 and its URI as the version URI."""
    ops = ops_of(ctx)
    content = file.read_bytes()
    parsed = parse_card(content)
    uri = card_uri(content)
    if not version_card:
        ops.done(uri, uri=uri)
        return
    if model_id is None:
        raise click.UsageError("--version-card needs --model N")
    if parsed.weights is None:
        raise CardError(CardErrorCode.CARD_INVALID, "required for a version card", "weights")
    registry = ops.contract("ModelRegistry")
    digest = bytes.fromhex(parsed.weights.sha256.removeprefix("0x"))
    tx = ops.send("publishVersion", registry.functions.publishVersion(model_id, digest, uri))
    version = ops.event(registry, "VersionPublished", tx)["version"]
    ops.done(
        f"{uri}\nmodel {model_id}: version {version} published with this card",
        uri=uri, model=model_id, version=version, weightsHash=digest, tx=tx.tx_hash,
    )  # fmt: skip


@click.group()
def weights() -> None:
    """Download the weights a gateway serves (license holders)."""


@weights.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--personal", is_flag=True, help="Sign as a non-commercial licensee.")
@click.pass_context
@operation
def download(ctx: click.Context, out: Path, personal: bool) -> None:
    """Download to --out (resuming --out.part), verified against the registry's versionHash."""
    ops = ops_of(ctx)
    registry = ops.contract("ModelRegistry")

    def registered(model_id: int, version: int) -> bytes:
        return bytes(registry.functions.versionHash(model_id, version).call())

    got = download_weights(
        ops.settings.get("gateway"), ops.account, out, registered, commercial=not personal
    )
    ops.done(
        f"{out}: model {got.model_id} version {got.version}, {got.bytes} bytes, "
        f"sha256 0x{got.sha256.hex()} (the registry's)",
        path=str(out), model=got.model_id, version=got.version, bytes=got.bytes,
        sha256=got.sha256, resumedFrom=got.resumed_from,
    )  # fmt: skip
