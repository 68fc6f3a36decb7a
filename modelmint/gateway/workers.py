"""The app of one serving process started by ``modelmint-gateway serve --workers N``
(uvicorn's workers import :func:`app`): the settings come from the environment, which the
parent filled from its command line; each worker opens the shared PostgreSQL store, and
the settler runs in the one that holds the database's leader lock.

    uvicorn --factory modelmint.gateway.workers:app --workers 4   # MODELMINT_GATEWAY_STORE=postgresql://...
"""

from __future__ import annotations

from fastapi import FastAPI


def app() -> FastAPI:
    from modelmint.gateway.__main__ import configure_logging
    from modelmint.gateway.app import create_app
    from modelmint.gateway.settings import GatewaySettings

    configure_logging()
    return create_app(GatewaySettings())  # type: ignore[call-arg]  # model_id: environment
