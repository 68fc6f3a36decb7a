"""Download a version's weights from its gateway as a license holder, and keep them only
if their sha256 is the registry's ``versionHash(modelId, version)``.

The gateway lists its download route in its well-known answer (``routes.weights``); each
request carries a fresh, single-use access statement (:mod:`modelmint.access`). Bytes go
to ``<out>.part``; a partial ``.part`` left by an interrupted download is resumed with
``Range: bytes=N-``. The whole file is then hashed: on a match it is renamed to ``out``,
otherwise the part file is removed and :class:`WeightsMismatch` raised (nothing written in
place).

    >>> download_weights("http://127.0.0.1:8402", key, Path("model.onnx"),
    ...                  expected_sha256=registry.versionHash(model_id, version))
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from modelmint.access import AccessDomain, AccessStatement, sign_statement
from modelmint.client.errors import GatewayError, GatewayUnreachable, NotFound, WeightsMismatch
from modelmint.wire import HEADER_ACCESS, WELL_KNOWN_PATH

CHUNK_SIZE = 1 << 20


@dataclass(frozen=True)
class Downloaded:
    path: Path
    sha256: bytes
    bytes: int
    model_id: int
    version: int
    resumed_from: int


def part_path(out: Path) -> Path:
    return out.with_name(out.name + ".part")


def download_weights(
    gateway_url: str,
    key: Any,
    out: Path,
    expected_sha256: bytes | Callable[[int, int], bytes],
    *,
    commercial: bool = True,
    client: httpx.Client | None = None,
) -> Downloaded:
    """Downloads the served version's weights to ``out``; ``expected_sha256`` is the
    registry's hash, or a function ``(model_id, version) -> hash`` that reads it."""
    http = client or httpx.Client(timeout=60.0)
    try:
        info = _get_json(http, gateway_url.rstrip("/") + WELL_KNOWN_PATH)
        route = info.get("routes", {}).get("weights")
        if not route:
            raise NotFound(f"{gateway_url} serves no weights (no routes.weights)")
        model_id, version = int(info["modelId"]), int(info["version"])
        expected = (
            expected_sha256(model_id, version) if callable(expected_sha256) else expected_sha256
        )
        domain = AccessDomain(int(info["chainId"]), info["gateway"], model_id)
        account = key.address
        statement = AccessStatement.new(account, model_id, version, commercial=commercial)
        header = sign_statement(domain, statement, key).to_header()
        part = part_path(out)
        start = part.stat().st_size if part.exists() else 0
        headers = {HEADER_ACCESS: header}
        if start:
            headers["Range"] = f"bytes={start}-"
        _fetch(http, gateway_url.rstrip("/") + route, headers, part, start)
    finally:
        if client is None:
            http.close()
    digest, size = _sha256(part)
    if digest != bytes(expected):
        part.unlink()
        raise WeightsMismatch(
            f"downloaded weights have sha256 0x{digest.hex()}, the registry records "
            f"0x{bytes(expected).hex()} for model {model_id} version {version}",
        )
    os.replace(part, out)
    return Downloaded(out, digest, size, model_id, version, start)


def _get_json(http: httpx.Client, url: str) -> dict[str, Any]:
    try:
        answer = http.get(url)
    except httpx.HTTPError as exc:
        raise GatewayUnreachable(f"{url}: {exc}") from None
    if answer.status_code != 200:
        raise _gateway_error(answer)
    body: dict[str, Any] = answer.json()
    return body


def _fetch(http: httpx.Client, url: str, headers: dict[str, str], part: Path, start: int) -> None:
    try:
        with http.stream("GET", url, headers=headers) as answer:
            if answer.status_code not in (200, 206):
                answer.read()
                raise _gateway_error(answer)
            mode = "ab" if start and answer.status_code == 206 else "wb"
            with part.open(mode) as f:
                for chunk in answer.iter_bytes(CHUNK_SIZE):
                    f.write(chunk)
    except httpx.HTTPError as exc:
        raise GatewayUnreachable(f"{url}: {exc}") from None


def _gateway_error(answer: httpx.Response) -> GatewayError:
    try:
        error = answer.json()["error"]
        return GatewayError(answer.status_code, error["code"], error["message"])
    except (ValueError, KeyError, TypeError):
        return GatewayError(answer.status_code, "", answer.text[:200])


def _sha256(path: Path) -> tuple[bytes, int]:
    h, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK_SIZE):
            h.update(chunk)
            size += len(chunk)
    return h.digest(), size
