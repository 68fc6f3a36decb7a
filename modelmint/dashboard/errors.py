"""The dashboard API's named errors, each with its HTTP status."""

from __future__ import annotations

import enum

from modelmint.errors import ModelmintError


class ErrorCode(enum.Enum):
    """Named errors of the dashboard API, each with its HTTP status."""

    unknown_model = "unknown_model"
    bad_address = "bad_address"
    bad_query = "bad_query"
    not_deployed = "not_deployed"
    chain_unavailable = "chain_unavailable"

    @property
    def status(self) -> int:
        return _STATUS[self]


_STATUS = {
    ErrorCode.unknown_model: 404,
    ErrorCode.bad_address: 400,
    ErrorCode.bad_query: 400,
    ErrorCode.not_deployed: 503,
    ErrorCode.chain_unavailable: 503,
}


class ViewError(ModelmintError):
    """A request the views cannot answer; ``code`` names why."""

    def __init__(self, code: ErrorCode, detail: str):
        super().__init__(code, detail)
        self.code: ErrorCode = code
        self.detail = detail
