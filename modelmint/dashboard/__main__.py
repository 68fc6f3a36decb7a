"""``python -m modelmint.dashboard``: serve the dashboard for one deployment.

    $ python -m modelmint.dashboard --record deployments/local-node.json \
          --rpc http://127.0.0.1:8545 --port 8700 --confirmations 2 \
          --db postgresql://modelmint@db/modelmint     # default: an SQLite file
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import uvicorn

from modelmint.dashboard.app import DashboardSettings, create_app, dump_settings


def main(argv: list[str] | None = None) -> None:
    """Parse arguments over the ``MODELMINT_DASHBOARD_*`` settings and serve."""
    defaults = DashboardSettings()
    parser = argparse.ArgumentParser(prog="python -m modelmint.dashboard", description=__doc__)
    parser.add_argument("--record", type=Path, default=defaults.record)
    parser.add_argument("--rpc", default=defaults.rpc)
    parser.add_argument(
        "--db",
        default=defaults.db,
        help="the index: an SQLite file (a path or sqlite:///path) or a postgresql:// URL",
    )
    parser.add_argument("--confirmations", type=int, default=defaults.confirmations)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument(
        "--gateway",
        action="append",
        default=[],
        metavar="ADDRESS=URL",
        help="a gateway's base URL: live/dead, price per call and card from its well-known route",
    )
    args = parser.parse_args(argv)
    gateways = dict(defaults.gateway_urls)
    for item in args.gateway:
        address, _, url = item.partition("=")
        gateways[address] = url
    settings = DashboardSettings(
        record=args.record,
        rpc=args.rpc,
        db=args.db,
        confirmations=args.confirmations,
        gateway_urls=gateways,
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("modelmint.dashboard").info("settings %s", dump_settings(settings))
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
