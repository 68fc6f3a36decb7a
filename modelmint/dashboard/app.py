"""The dashboard web app: JSON APIs over ``Views`` and the static front-end.

    >>> from modelmint.dashboard.app import DashboardSettings, create_app
    >>> app = create_app(DashboardSettings(record="deployments/local-node.json",
    ...                                    rpc="http://127.0.0.1:8545"))
    >>> # uvicorn.run(app, host="127.0.0.1", port=8700)

Settings come from arguments or ``MODELMINT_DASHBOARD_*`` environment variables. The app
starts a background thread that syncs the indexer every ``poll_seconds``. Every error, FastAPI's
own (unknown route, unparsable parameter) included, is answered with the one JSON error body of
both web apps, ``{"error": {"code": <DashboardErrorCode>, "message": ...}}``
(:func:`modelmint.errors.error_body`), and the code's HTTP status.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import requests
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.exceptions import HTTPException
from web3 import Web3
from web3.exceptions import ProviderConnectionError

from modelmint.abi import CONTRACTS, INTERFACES, load_abi
from modelmint.dashboard.errors import HTTP_STATUS, DashboardError, DashboardErrorCode
from modelmint.dashboard.indexer import Indexer
from modelmint.dashboard.views import Views
from modelmint.dashboard.views.signing import signed_types
from modelmint.errors import error_body
from modelmint.records import Record

STATIC = Path(__file__).resolve().parent / "static"
REPO = Path(__file__).resolve().parents[2]
# ethers' ESM bundle, installed by `npm ci` (package.json); never fetched from a CDN.
ETHERS_BUNDLE = REPO / "node_modules" / "ethers" / "dist" / "ethers.min.js"
JS_SAFE = 2**53 - 1

log = logging.getLogger("modelmint.dashboard")


class DashboardSettings(BaseSettings):
    """Where the deployment is and how to follow it."""

    model_config = SettingsConfigDict(env_prefix="MODELMINT_DASHBOARD_")

    record: Path = Path("deployments/local-node.json")  # the persistent local chain
    rpc: str = "http://127.0.0.1:8545"
    db: str | Path = "reports/tmp/dashboard.sqlite"  # a path, sqlite:///path or postgresql://
    confirmations: int = 2
    poll_seconds: float = 1.0
    gateway_urls: dict[str, str] = {}
    ethers_bundle: Path = ETHERS_BUNDLE


def _safe(value: Any) -> Any:
    """JSON for JavaScript: integers beyond 2^53 become decimal strings (read with BigInt)."""
    if isinstance(value, dict):
        return {k: _safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_safe(v) for v in value]
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > JS_SAFE:
        return str(value)
    return value


def _error(code: DashboardErrorCode, message: str, status: int | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message), status_code=status or HTTP_STATUS[code])


def _http_code(status: int) -> DashboardErrorCode:
    """The named code of an HTTP error FastAPI or Starlette raised itself."""
    if status == 405:
        return DashboardErrorCode.METHOD_NOT_ALLOWED
    return DashboardErrorCode.NOT_FOUND if status == 404 else DashboardErrorCode.BAD_QUERY


class Follower:
    """The background indexer loop; ``stop()`` ends it."""

    def __init__(self, indexer: Indexer, poll_seconds: float):
        self.indexer = indexer
        self.poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dashboard-indexer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                result = self.indexer.sync()
                if result.rolled_back_from is not None:
                    log.warning(
                        "reorg: rolled back from block %s, indexed to %s",
                        result.rolled_back_from,
                        result.indexed_to,
                    )
            except Exception:  # noqa: BLE001 (the RPC may be down; keep following)
                log.exception("indexer sync failed; retrying")
            self._stop.wait(self.poll_seconds)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)


def create_app(settings: DashboardSettings, *, follow: bool = True) -> FastAPI:
    """The app for one deployment; ``follow=False`` leaves syncing to the caller."""
    w3 = Web3(Web3.HTTPProvider(settings.rpc, request_kwargs={"timeout": 30}))
    record = Record.load(settings.record)
    indexer = Indexer(w3, record, settings.db, confirmations=settings.confirmations)
    views = Views(
        w3,
        record,
        indexer,
        gateway_urls=settings.gateway_urls,
    )
    follower = Follower(indexer, settings.poll_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if follow:
            follower.start()
        yield
        follower.stop()

    app = FastAPI(title="Modelmint dashboard", lifespan=lifespan)
    app.state.views = views
    app.state.indexer = indexer
    app.state.settings = settings

    @app.exception_handler(DashboardError)
    async def dashboard_error(request: Request, exc: DashboardError) -> JSONResponse:
        return _error(exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def invalid_input(request: Request, exc: RequestValidationError) -> JSONResponse:
        where = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in exc.errors()
        )
        return _error(DashboardErrorCode.INVALID_INPUT, where or "invalid request")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        return _error(_http_code(exc.status_code), str(exc.detail), exc.status_code)

    @app.exception_handler(requests.exceptions.ConnectionError)
    @app.exception_handler(ProviderConnectionError)
    async def chain_down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("RPC unavailable: %s", exc)
        return _error(DashboardErrorCode.CHAIN_UNAVAILABLE, f"no answer from {settings.rpc}")

    def ok(value: Any) -> JSONResponse:
        return JSONResponse(_safe(value))

    @app.get("/api/status")
    def status() -> JSONResponse:
        return ok(views.status())

    @app.get("/api/config")
    def config() -> JSONResponse:
        return ok({"addresses": views.addresses(), "chainId": w3.eth.chain_id})

    @app.get("/api/abi")
    def abis() -> JSONResponse:
        return ok({name: load_abi(name) for name in CONTRACTS + INTERFACES})

    @app.get("/api/eip712")
    def eip712_types() -> JSONResponse:
        return ok(signed_types())

    @app.get("/api/models")
    def models(
        q: str = "", sort: str = "id", desc: bool = False, offset: int = 0, limit: int = 100
    ) -> JSONResponse:
        return ok(
            views.catalog.page(query=q, sort=sort, descending=desc, offset=offset, limit=limit)
        )

    @app.get("/api/models/{model_id}")
    def model(model_id: int) -> JSONResponse:
        return ok(views.model(model_id))

    @app.get("/api/gateways/{gateway}")
    def gateway(gateway: str) -> JSONResponse:
        return ok(views.gateway_status(gateway))

    @app.get("/api/accounts/{account}")
    def account(account: str) -> JSONResponse:
        return ok(views.account(account))

    @app.get("/api/protocol")
    def protocol() -> JSONResponse:
        return ok(views.protocol())

    @app.get("/vendor/ethers.js")
    def ethers_bundle() -> FileResponse:
        if not settings.ethers_bundle.is_file():
            raise DashboardError(
                DashboardErrorCode.NOT_DEPLOYED, "ethers bundle missing: run `npm ci`"
            )
        return FileResponse(settings.ethers_bundle, media_type="text/javascript")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/")
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    return app


def dump_settings(settings: DashboardSettings) -> str:
    """The settings as one log line (a database password is masked)."""
    dumped = settings.model_dump(mode="json")
    dumped["db"] = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", str(dumped["db"]))
    return json.dumps(dumped, sort_keys=True)
