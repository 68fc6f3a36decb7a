"""Fixes for ape 0.8.51 that every entry point (tests, `ape run` scripts) applies on import.

ape lists a project's sources with ``get_all_files_in_directory(contracts, max_files=500)``
and keeps the first 500 files it meets. ape-solidity copies the OpenZeppelin packages into
``contracts/.cache`` (about 700 files for contracts + contracts-upgradeable), so on a fresh
clone the project's own sources could fall past the cap and vanish (seen: ``project.MockERC20``
missing in CI). The listing below skips ``contracts/.cache`` (which ape excludes from the
project's sources anyway) and has no cap.
"""

from __future__ import annotations

from functools import cached_property


def patch_source_listing() -> None:
    try:
        from ape.managers.project import SourceManager
    except ImportError:  # ape not installed: nothing to patch
        return
    if getattr(SourceManager, "_modelmint_patched", False):
        return

    def _all_files(self):
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
    SourceManager._all_files = prop
    SourceManager._modelmint_patched = True


def patch_process_start_timeout(seconds: int = 60) -> None:
    """ape waits 20 s for a freshly started anvil to answer RPC (``SubprocessProvider.start``),
    and ape-foundry gives no setting for it. A forking anvil on a loaded 2-core CI machine
    missed that once (RPCTimeoutError in the fork test's provider switch); allow ``seconds``."""
    try:
        from ape.api.providers import SubprocessProvider
    except ImportError:  # ape not installed: nothing to patch
        return
    if getattr(SubprocessProvider, "_modelmint_start_patched", False):
        return
    original = SubprocessProvider.start

    def start(self, timeout: int = seconds):
        return original(self, timeout=max(timeout, seconds))

    SubprocessProvider.start = start
    SubprocessProvider._modelmint_start_patched = True


def apply() -> None:
    """Applies every workaround above (idempotent); entry points call this."""
    patch_source_listing()
    patch_process_start_timeout()
