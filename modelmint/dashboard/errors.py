"""The dashboard's named errors. The API answers each with its HTTP status and the one JSON
error body of both web apps, :func:`modelmint.errors.error_body`:
``{"error": {"code": "<DashboardErrorCode>", "message": "..."}}``."""

from __future__ import annotations

from enum import StrEnum

from modelmint.errors import ModelmintError


class DashboardErrorCode(StrEnum):
    """Named errors of the dashboard (the values are the wire codes)."""

    UNKNOWN_MODEL = "unknown_model"
    BAD_ADDRESS = "bad_address"
    BAD_QUERY = "bad_query"
    INVALID_INPUT = "invalid_input"  # a path or query parameter of the wrong type
    NOT_FOUND = "not_found"  # no such route or file
    METHOD_NOT_ALLOWED = "method_not_allowed"
    NOT_DEPLOYED = "not_deployed"
    CHAIN_UNAVAILABLE = "chain_unavailable"
    CHAIN_REORGANIZED = "chain_reorganized"  # while indexing: the index retries, never answered
    STORE_UNAVAILABLE = "store_unavailable"  # the index's database (the gateway's wire code)


HTTP_STATUS: dict[DashboardErrorCode, int] = {
    DashboardErrorCode.UNKNOWN_MODEL: 404,
    DashboardErrorCode.BAD_ADDRESS: 400,
    DashboardErrorCode.BAD_QUERY: 400,
    DashboardErrorCode.INVALID_INPUT: 422,
    DashboardErrorCode.NOT_FOUND: 404,
    DashboardErrorCode.METHOD_NOT_ALLOWED: 405,
    DashboardErrorCode.NOT_DEPLOYED: 503,
    DashboardErrorCode.CHAIN_UNAVAILABLE: 503,
    DashboardErrorCode.CHAIN_REORGANIZED: 503,
    DashboardErrorCode.STORE_UNAVAILABLE: 503,
}


class DashboardError(ModelmintError):
    """What the dashboard cannot do; ``code`` names why, ``status`` is its HTTP status."""

    def __init__(self, code: DashboardErrorCode, message: str):
        super().__init__(code, message)
        self.code: DashboardErrorCode = code
        self.status = HTTP_STATUS[code]
