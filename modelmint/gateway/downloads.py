"""License-gated download of the served weights: ``GET /v1/weights``.

The caller sends the same signed, fresh, single-use access statement as a licensed call
(``MODELMINT-ACCESS``, :mod:`modelmint.access`); the gateway checks it with a
:class:`~modelmint.gateway.license.LicenseGate` of its own whose license class is
``WEIGHTS_COMMERCIAL_REQUIRED`` (a commercial license by default) and spends its nonce in
the same store as licensed calls. Only then does a byte leave: the file the gateway
serves (its sha256 checked against the registry at start) is streamed in chunks.
``Range: bytes=N-`` resumes from byte ``N`` (``206`` with ``Content-Range``); every
request, resumed or not, needs its own statement. Downloads and bytes are counted in the
metrics.

    >>> register_downloads(app, service_of)      # in create_app
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from modelmint.errors import ErrorCode, WireError, error_body
from modelmint.gateway.license import LicenseGate
from modelmint.wire import HEADER_ACCESS

if TYPE_CHECKING:
    from modelmint.gateway.service import Service

WEIGHTS_PATH = "/v1/weights"
CHUNK_SIZE = 1 << 20
_RANGE = re.compile(r"^bytes=(\d+)-$")


def weights_gate(s: Service) -> LicenseGate:
    """The license check of downloads: the served version, the configured license class,
    the store's nonces (a statement spent on a call cannot download, and the reverse)."""
    return LicenseGate(
        s.chain,
        s.store,
        s.access_domain,
        s.terms.version,
        s.settings.weights_commercial_required,
        s.settings.license_cache_seconds,
    )


def range_start(header: str | None, size: int) -> int:
    """The first byte asked for by ``Range: bytes=N-`` (0 without the header);
    ``invalid_payload`` for any other form or a start at or past the end of the file."""
    if header is None:
        return 0
    match = _RANGE.match(header.strip())
    if match is None:
        raise WireError(ErrorCode.INVALID_PAYLOAD, "only Range: bytes=N- is served")
    start = int(match.group(1))
    if start >= size:
        raise WireError(ErrorCode.INVALID_PAYLOAD, f"range start {start} not below size {size}")
    return start


def register_downloads(app: FastAPI, service_of: Callable[[], Service]) -> None:
    gates: dict[int, LicenseGate] = {}

    @app.get(WEIGHTS_PATH)
    async def weights(request: Request) -> Response:
        s = service_of()
        if not (s.settings.license_enabled and s.settings.weights_download):
            return _refuse(WireError(ErrorCode.NOT_FOUND, "weights are not served here"), s)
        header = request.headers.get(HEADER_ACCESS)
        try:
            if header is None:
                raise WireError(
                    ErrorCode.LICENSE_INVALID,
                    f"a license holder downloads with a {HEADER_ACCESS} statement",
                )
            gate = gates.setdefault(id(s), weights_gate(s))
            account = await gate.check(header)
            path = Path(s.weights_path or s.settings.weights)  # the served version's file
            size = path.stat().st_size
            start = range_start(request.headers.get("range"), size)
        except WireError as err:
            return _refuse(err, s)
        s.metrics.downloads.labels(code="ok").inc()
        headers = {
            "Accept-Ranges": "bytes",
            "Content-Length": str(size - start),
            "MODELMINT-LICENSEE": account,
        }
        status = 200
        if start:
            status = 206
            headers["Content-Range"] = f"bytes {start}-{size - 1}/{size}"
        return StreamingResponse(
            _stream(s, path, start),
            status_code=status,
            media_type="application/octet-stream",
            headers=headers,
        )


def _stream(s: Service, path: Path, start: int) -> Iterator[bytes]:
    with path.open("rb") as f:
        f.seek(start)
        while chunk := f.read(CHUNK_SIZE):
            s.metrics.download_bytes.inc(len(chunk))
            yield chunk


def _refuse(err: WireError, s: Service) -> Response:
    s.metrics.downloads.labels(code=err.code.value).inc()
    return JSONResponse(error_body(err.code, err.message, **err.details), status_code=err.status)
