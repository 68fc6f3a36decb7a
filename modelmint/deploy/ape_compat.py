"""Fixes for ape 0.8.51 (eth-ape, ``APE_VERSION``), applied for every ape entry point.

The project's ape plugin (``tools/ape-modelmint``) calls :func:`apply` when ape starts, so
``ape compile``, ``ape test``, ``ape run`` and ``ape console`` all get them; importing
``modelmint.deploy`` or ``modelmint.dev`` applies them too (idempotent). Each fix keeps ape's
own implementation in ``UPSTREAM``, and ``tests/unit/toolchain/test_ape_compat.py`` checks that
upstream still misbehaves: when one of those tests fails, ape fixed it and the patch can go.

ape lists a project's sources with ``get_all_files_in_directory(contracts, max_files=500)``
and keeps the first 500 files it meets. ape-solidity copies the OpenZeppelin packages into
``contracts/.cache`` (about 700 files for contracts + contracts-upgradeable), so on a fresh
clone the project's own sources could fall past the cap and vanish (seen: ``project.MockERC20``
missing in CI). The listing below skips ``contracts/.cache`` (which ape excludes from the
project's sources anyway) and has no cap.
"""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

APE_VERSION = "0.8.51"
"""The eth-ape version these fixes target (requirements.lock pins it)."""

UPSTREAM: dict[str, Any] = {}
"""ape's own implementations that the fixes replace, by fix name."""


def _replace(owner: Any, attribute: str, fix: str, make: Callable[[Any], Any]) -> None:
    """Sets ``owner.attribute`` to ``make(original)`` once (idempotent), keeping the original
    in ``UPSTREAM[fix]``."""
    flag = f"_modelmint_{fix}_patched"
    if getattr(owner, flag, False):
        return
    original = getattr(owner, attribute)
    UPSTREAM[fix] = original
    setattr(owner, attribute, make(original))
    setattr(owner, flag, True)


def patch_source_listing() -> None:
    """Lists every project source (no 500-file cap, ``contracts/.cache`` skipped)."""
    try:
        from ape.managers.project import SourceManager
    except ImportError:  # ape not installed: nothing to patch
        return
    if getattr(SourceManager, "_modelmint_patched", False):
        return
    UPSTREAM["source_listing"] = SourceManager.__dict__["_all_files"].func

    def _all_files(self: Any) -> list[Any]:
        try:
            folder = self.get_contracts_path()
        except Exception:  # noqa: BLE001 - ape's own ProjectError: no contracts folder
            return []
        if not folder.is_dir():
            return []
        return [
            p
            for p in folder.rglob("*.*")
            if p.is_file() and p.relative_to(folder).parts[0] != ".cache"
        ]

    prop = cached_property(_all_files)
    prop.__set_name__(SourceManager, "_all_files")
    setattr(SourceManager, "_all_files", prop)  # noqa: B010 - a patch, on purpose
    setattr(SourceManager, "_modelmint_patched", True)  # noqa: B010


def patch_process_start_timeout(seconds: int = 300) -> None:
    """ape waits 20 s for a freshly started anvil to answer RPC (``SubprocessProvider.start``),
    and ape-foundry gives no setting for it. A forking anvil on a loaded 2-core CI machine
    missed that once (RPCTimeoutError in the fork test's provider switch); allow ``seconds``
    (the wait ends as soon as anvil answers: the ceiling only bounds a hang)."""
    try:
        from ape.api.providers import SubprocessProvider
    except ImportError:  # ape not installed: nothing to patch
        return

    def make(original: Any) -> Any:
        def start(self: Any, timeout: int = seconds) -> Any:
            return original(self, timeout=max(timeout, seconds))

        return start

    _replace(SubprocessProvider, "start", "process_start_timeout", make)


def rpc_chain_id(uri: str, timeout: float = 3.0) -> int:
    """``eth_chainId`` of the JSON-RPC node at ``uri``; ``OSError`` when nothing answers."""
    request = urllib.request.Request(
        uri,
        data=json.dumps(
            {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        ).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) RPC
        return int(json.loads(response.read())["result"], 16)


def patch_local_node_connect() -> None:
    """``ethereum:local:node`` (ape-node's ``GethDev``) with no node at its URI tries to start
    geth and dies with a raw ``NodeSoftwareNotInstalledError`` traceback; against a node of
    another chain id it connects and signs for the configured id (ape's default 1337) anyway.
    Check both first and fail with an ape ``ProviderError`` (printed as one line) naming the
    fix: ``make chain``, or ``node.ethereum.local.chain_id`` in ape-config.yaml."""
    try:
        from ape.exceptions import ProviderError
        from ape_node.provider import GethDev
    except ImportError:  # ape or ape-node not installed: nothing to patch
        return

    def make(original: Any) -> Any:
        def connect(self: Any) -> Any:
            uri = self.uri
            if self.network.name == "local" and uri.startswith(("http://", "https://")):
                try:
                    actual = rpc_chain_id(uri)
                except (OSError, ValueError, KeyError) as err:
                    raise ProviderError(
                        f"no node answers at {uri} (ethereum:local:node): start the project's "
                        f"local chain with `make chain` ({err})"
                    ) from None
                if actual != self.chain_id:
                    raise ProviderError(
                        f"the node at {uri} has chain id {actual}, ethereum:local:node expects "
                        f"{self.chain_id} (node.ethereum.local.chain_id in ape-config.yaml)"
                    )
            return original(self)

        return connect

    _replace(GethDev, "connect", "local_node_connect", make)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def patch_node_registry_cleanup() -> None:
    """ape records every node process it starts in ``<DATA_FOLDER>/processes/nodes.json`` and
    drops the entry on disconnect by matching the provider's URIs. With ``foundry.host: auto``
    ape-foundry forgets its URI before that match (``disconnect`` resets ``_host``), so no entry
    is ever removed; and the match reads the provider's configured URIs again for every entry
    (about 0.05 s each). The file grows by one entry per session, and each disconnect of every
    ape process (the test session, each script or gateway subprocess) gets slower with it
    (measured: 5 s with 98 entries). The cleanup below reads the provider's URIs once and also
    drops the entries of processes that no longer exist (its own anvil, stopped just before)."""
    try:
        from ape.managers.networks import NodeProcessMap
    except ImportError:  # ape not installed: nothing to patch
        return

    def remove_provider(self: Any, provider: Any) -> None:
        choice = f"{provider.network.choice}:{provider.name}"
        uris = {a: getattr(provider, a, None) for a in ("ipc_path", "http_uri", "ws_uri")}
        self.nodes = {
            pid: node
            for pid, node in self.nodes.items()
            if _process_exists(pid)
            and not (
                node.network_choice == choice
                and all(getattr(node, a, None) == uri for a, uri in uris.items())
            )
        }
        self.model_dump_file()

    _replace(NodeProcessMap, "remove_provider", "node_registry_cleanup", lambda _: remove_provider)


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def patch_loopback_http_session() -> None:
    """web3's HTTP provider posts every JSON-RPC request through a ``requests`` session that
    reads proxy settings from the environment for each request (``trust_env``: a walk over
    ``os.environ`` each time), about 1 ms of a 2.4 ms round trip to a local anvil. A proxy is
    never wanted for a loopback node, so sessions to 127.0.0.1/localhost skip the lookup;
    sessions to any other host keep it."""
    try:
        from web3._utils.http_session_manager import HTTPSessionManager
    except ImportError:  # web3 not installed: nothing to patch
        return

    def make(original: Any) -> Any:
        def cache_and_return_session(self: Any, endpoint_uri: Any, *args: Any, **kw: Any) -> Any:
            session = original(self, endpoint_uri, *args, **kw)
            if urllib.parse.urlsplit(str(endpoint_uri)).hostname in LOOPBACK_HOSTS:
                session.trust_env = False  # no proxy for a loopback node
            return session

        return cache_and_return_session

    _replace(HTTPSessionManager, "cache_and_return_session", "loopback_http_session", make)


DEBUG_LOGS_VARIABLE = "MODELMINT_APE_DEBUG_LOGS"
"""Set to 1 to have ape print contracts' console logs again (see the fix below)."""


def patch_post_transaction_debug_logs() -> None:
    """After every transaction ape asks whether the receiver has code (``eth_getCode``), then
    fetches the transaction's whole trace (``trace_transaction``) to print the console-log lines
    of Hardhat's ``console.sol`` (``[DEBUG-LOG]``): about 10 ms of Python time and two round
    trips per transaction, each one. The project's contracts log nothing that way
    (``tests/unit/toolchain/test_ape_compat.py`` checks that no source uses ``console.sol``),
    so the fix keeps ape's "Confirmed" line and skips the lookup; ``MODELMINT_APE_DEBUG_LOGS=1``
    restores it for a debugging session. ``receipt.return_value`` and ``receipt.show_trace()``
    still fetch the trace when asked."""
    try:
        from ape.logging import logger
        from ape_ethereum import provider
    except ImportError:  # ape not installed: nothing to patch
        return

    def make(original: Any) -> Any:
        def post_send_transaction(tx: Any, receipt: Any) -> None:
            if os.environ.get(DEBUG_LOGS_VARIABLE) == "1":
                original(tx, receipt)
                return
            fees = receipt.total_fees_paid
            logger.info(f"Confirmed {receipt.txn_hash} (total fees paid = {fees})")

        return post_send_transaction

    _replace(provider, "_post_send_transaction", "post_transaction_debug_logs", make)


def patch_transaction_type_lookup() -> None:
    """ape builds every transaction and every contract call with the ecosystem's
    ``default_transaction_type``, which reads the ecosystem config's value first as the fallback
    for the network's own. Ethereum's config has no such key, and its default there is
    ``TransactionType.STATIC`` (0, falsy), so ``EthereumConfig.get`` takes it for a network name
    and builds a throwaway ``NetworkConfig`` (a pydantic-settings model that walks
    ``os.environ``): about 5 ms per call or transaction, a quarter of a local view call. The fix
    reads the connected (or default) network's own ``default_transaction_type`` first and asks
    ape only when the network config has none, so the result is the same."""
    try:
        from ape_ethereum.ecosystem import Ethereum
        from ape_ethereum.transactions import TransactionType
    except ImportError:  # ape not installed: nothing to patch
        return

    def make(original: Any) -> Any:
        def default_transaction_type(self: Any) -> Any:
            provider = self.network_manager.active_provider
            name = provider.network.name if provider else self.default_network_name
            value = self.get_network(name).config.get("default_transaction_type")
            return original.fget(self) if value is None else TransactionType(value)

        return property(default_transaction_type)

    _replace(Ethereum, "default_transaction_type", "transaction_type_lookup", make)


def patch_run_loads_one_script() -> None:
    """``ape run NAME`` looks NAME up in ``ScriptCommand.commands``, which imports and executes
    every script in ``scripts/`` to list them, and ``get_command`` reads that property twice: each
    ``ape run`` process ran the module code of all the project's scripts (benchmarks, the demo,
    the gas report) twice before its own. The fix loads only ``scripts/NAME.py`` when that file
    exists (the same loader, so the same command); a folder of scripts, a missing name and
    ``ape run --help`` keep ape's own lookup."""
    try:
        from ape_run._cli import ScriptCommand
    except ImportError:  # ape not installed: nothing to patch
        return

    def make(original: Any) -> Any:
        def get_command(self: Any, ctx: Any, name: str) -> Any:
            stem = Path(name).stem if Path(name).exists() else name
            script = Path.cwd() / "scripts" / f"{stem}.py"
            if stem.startswith("_") or not script.is_file():
                return original(self, ctx, name)
            loaded = self.__dict__.setdefault("_modelmint_loaded", {})
            if stem not in loaded:
                loaded[stem] = self._get_command(script)
            if loaded[stem] is not None:
                self._command_called = stem
            return loaded[stem]

        return get_command

    _replace(ScriptCommand, "get_command", "run_loads_one_script", make)


def apply() -> None:
    """Applies every workaround above (idempotent); entry points call this."""
    patch_source_listing()
    patch_process_start_timeout()
    patch_local_node_connect()
    patch_node_registry_cleanup()
    patch_loopback_http_session()
    patch_post_transaction_debug_logs()
    patch_transaction_type_lookup()
    patch_run_loads_one_script()
