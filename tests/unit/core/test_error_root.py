"""One error root: every exception class the ape-free core and the gateway define derives
from ModelmintError, and every code it can carry is a member of a string enum."""

import importlib
import inspect
import pkgutil
from enum import StrEnum

import pytest

import modelmint
import modelmint.gateway
from modelmint.errors import ModelmintError
from modelmint.gateway.errors import (
    ChainReverted,
    ChainUnavailable,
    GatewayErrorCode,
    InputError,
    ModelError,
    StartupError,
    StoreError,
)
from modelmint.metadata import MetadataError, MetadataErrorCode
from modelmint.reverts import Revert


def _modules():
    """Every module of the package: the core and every wing."""
    for info in pkgutil.walk_packages(modelmint.__path__, "modelmint."):
        if not info.name.endswith("__main__"):
            yield importlib.import_module(info.name)


def _exception_classes():
    for module in _modules():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__ == module.__name__:
                yield cls


def test_exception_classes__every_module__all_under_modelmint_error():
    found = list(_exception_classes())
    assert StoreError in found and MetadataError in found  # the walk reaches both layers
    outside = [
        f"{c.__module__}.{c.__qualname__}" for c in found if not issubclass(c, ModelmintError)
    ]
    assert outside == []


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ChainUnavailable("connection refused"), "rpc_unavailable"),
        (ChainReverted(Revert("UsageCreditsChannelClosed", (7,), b"")), "chain_reverted"),
        (StartupError("weights differ"), GatewayErrorCode.STARTUP_REFUSED),
        (InputError("values above 16"), "invalid_input"),
        (ModelError("shape"), "model_failed"),
        (StoreError(GatewayErrorCode.CHARGE_CONFLICT, "gap"), "charge_conflict"),
        (MetadataError(MetadataErrorCode.UNDECODABLE, "bad base64"), "undecodable"),
    ],
)
def test_error__any_gateway_or_core_error__carries_named_code(error, code):
    assert isinstance(error, ModelmintError)
    assert isinstance(error.code, StrEnum) and error.code == code
    assert str(error).startswith(f"{error.code}: ")


def test_chain_reverted__decoded_revert__message_is_name_and_arguments():
    error = ChainReverted(Revert("UsageCreditsChannelClosed", (7,), b""))
    assert error.message == "UsageCreditsChannelClosed(7)"
    assert error.details() == {"revert": {"name": "UsageCreditsChannelClosed", "args": ["7"]}}
