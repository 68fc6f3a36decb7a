"""Cross-origin access for browser callers (the dashboard's playground): the origins the
operator configured (setting ``CORS_ORIGINS``, comma-separated) may call the gateway from a page,
send the payment and access headers, and read the payment, 402 and provenance headers.

Without configured origins nothing is added: a browser page on another origin can then not
read the gateway's answers, which is the default for a server that never needs a page.

    >>> register_cors(app, "https://dashboard.example,http://127.0.0.1:8700")
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from modelmint.wire import (
    HEADER_ACCESS,
    HEADER_PAYMENT_REQUIRED,
    HEADER_PAYMENT_RESPONSE,
    HEADER_PAYMENT_SIGNATURE,
    HEADER_PROVENANCE,
)

# What a page may send, and which answer headers its script may read.
REQUEST_HEADERS = ("content-type", HEADER_PAYMENT_SIGNATURE, HEADER_ACCESS, "range")
EXPOSED_HEADERS = (HEADER_PAYMENT_REQUIRED, HEADER_PAYMENT_RESPONSE, HEADER_PROVENANCE)
PREFLIGHT_MAX_AGE = 600  # seconds a browser may reuse a preflight answer


def parse_origins(setting: str) -> list[str]:
    """The origins of a comma-separated setting (``scheme://host[:port]``, no path); a
    wildcard is refused: a gateway names the pages it answers."""
    origins = [o.strip().rstrip("/") for o in setting.split(",") if o.strip()]
    for origin in origins:
        if "*" in origin or "://" not in origin or "/" in origin.split("://", 1)[1]:
            raise ValueError(f"not an origin (scheme://host[:port]): {origin!r}")
    return origins


def register_cors(app: FastAPI, setting: str) -> None:
    """Answer the origins of ``setting`` cross-origin; no-op when it names none."""
    origins = parse_origins(setting)
    if not origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST"],
        allow_headers=list(REQUEST_HEADERS),
        expose_headers=list(EXPOSED_HEADERS),
        allow_credentials=False,
        max_age=PREFLIGHT_MAX_AGE,
    )
