"""``python -m modelmint.gateway serve|settle`` (also installed as ``modelmint-gateway``).

    MODELMINT_GATEWAY_PRIVATE_KEY=0x... python -m modelmint.gateway serve \\
        --deployment deployments/local.json --model-id 1 --weights model.onnx --port 8402
    python -m modelmint.gateway settle --deployment ... --model-id 1 --once --force
    python -m modelmint.gateway serve --store postgresql://gw@db/modelmint --workers 4 ...

Every option is also an environment variable ``MODELMINT_GATEWAY_<OPTION>``; the key is
read from the environment only (``KEYSTORE`` + ``KEYSTORE_PASSWORD``, or
``PRIVATE_KEY``). Logs are JSON lines on stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from typing import Any

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": round(record.created, 3),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("modelmint")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


_OPTIONS = {
    "rpc_url": str,
    "deployment": str,
    "model_id": int,
    "version": int,
    "weights": str,
    "store": str,
    "store_path": str,
    "credits_per_item": int,
    "max_batch": int,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="modelmint-gateway", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("serve", "settle"):
        cmd = sub.add_parser(name)
        for option, kind in _OPTIONS.items():
            cmd.add_argument("--" + option.replace("_", "-"), dest=option, type=kind)
        cmd.add_argument("--log-level", default="INFO")
        if name == "serve":
            cmd.add_argument("--host", dest="host")
            cmd.add_argument("--port", dest="port", type=int)
            cmd.add_argument("--workers", dest="workers", type=int)
            cmd.add_argument(
                "--facilitator", dest="facilitator_url", help="external x402 facilitator URL"
            )
            cmd.add_argument(
                "--forward-interval", dest="forward_interval", type=float, help="seconds"
            )
        else:
            cmd.add_argument("--once", action="store_true", help="one pass, then exit")
            cmd.add_argument("--force", action="store_true", help="settle every unsettled channel")
            cmd.add_argument("--interval", type=float, default=None)
            cmd.add_argument(
                "--sweep",
                dest="settle_sweep",
                action="store_const",
                const=True,
                help="sweep the settled model to the router in the same transaction",
            )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging(args.log_level)
    from modelmint.gateway.errors import StartupError, log_fields
    from modelmint.gateway.settings import GatewaySettings

    serving = ("host", "port", "workers", "facilitator_url", "forward_interval")
    settling = ("settle_sweep",)
    overrides = {
        k: v for k, v in vars(args).items() if k in _OPTIONS or k in serving or k in settling
    }
    overrides = {k: v for k, v in overrides.items() if v is not None}
    log = logging.getLogger("modelmint.gateway")
    try:
        if args.command == "serve":
            return _serve(GatewaySettings(**overrides))
        settings = GatewaySettings(**overrides)
        return _settle(settings, args.once, args.force, args.interval or settings.settle_interval)
    except StartupError as exc:
        log.error("refusing to start: %s", exc.message, extra=log_fields(exc))
        return 2


def _serve(settings: Any) -> int:
    import uvicorn

    from modelmint.gateway.app import create_app
    from modelmint.gateway.service import Service

    service = Service.start(settings)  # refuse before binding the port
    target: Any = create_app(settings, service)
    workers: dict[str, Any] = {}
    if settings.workers > 1:
        # Each worker process builds its own service from the environment.
        service.close()
        for name, value in settings.model_dump(exclude_unset=True).items():
            if value is not None and not hasattr(value, "get_secret_value"):
                os.environ[f"MODELMINT_GATEWAY_{name.upper()}"] = str(value)
        target = "modelmint.gateway.workers:app"
        workers = {"factory": True, "workers": settings.workers}
    uvicorn.run(
        target,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=10,
        **workers,
    )
    return 0


def _settle(settings: Any, once: bool, force: bool, interval: float) -> int:
    from modelmint.gateway.errors import ChainReverted, ChainUnavailable, log_fields
    from modelmint.gateway.service import SettleService

    service = SettleService.start(settings)  # the record, the key and the store only
    log = logging.getLogger("modelmint.gateway.settler")
    backoff = 1.0
    try:
        while True:
            try:
                report = service.settler.run_once(force=force)
                backoff = 1.0
                log.info(
                    "settlement pass",
                    extra={
                        "sent": report.sent,
                        "channels": len(report.channels),
                        "dropped": report.dropped,
                        "unsettled": report.unsettled_credits,
                        "pending": report.pending,
                        "leader": report.leader,
                    },
                )
                if once and not report.pending:
                    return 0
                time.sleep(1.0 if report.pending else interval)
            except (ChainUnavailable, ChainReverted) as exc:
                log.warning("settlement pass failed: %s", exc, extra=log_fields(exc))
                time.sleep(backoff)
                backoff = min(backoff * 2, 60.0)
    except KeyboardInterrupt:
        return 0
    finally:
        service.close()


if __name__ == "__main__":
    raise SystemExit(main())
