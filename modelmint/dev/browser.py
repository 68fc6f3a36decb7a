"""Debian's chromium, headless, for the dashboard's browser tests and its benchmark (never a
browser downloaded by playwright; `make test` installs chromium with apt).

    >>> from playwright.sync_api import sync_playwright
    >>> with sync_playwright() as pw:
    ...     context = launch_chromium(pw, profile_dir, viewport={"width": 1360, "height": 900})
    ...     page = context.new_page()
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox, GPU, QUIC or background traffic: a quiet browser on a CI machine.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def launch_chromium(playwright: Any, profile: str | Path, **options: Any) -> Any:
    """A persistent chromium context on the ``profile`` directory (``options`` go to
    playwright's ``launch_persistent_context``)."""
    return playwright.chromium.launch_persistent_context(
        str(profile),
        executable_path=str(CHROMIUM),
        headless=True,
        args=list(CHROMIUM_ARGS),
        **options,
    )
