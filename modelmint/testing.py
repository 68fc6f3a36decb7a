"""Test helpers shared by the suites.

`isolated()` replaces ape's `chain.isolate()` inside tests: ape's version swallows every
exception raised in its block (ape 0.8.51 `ChainManager.isolate` has `except Exception: pass`),
so an assertion failing inside it would pass silently. This one restores the snapshot and
lets the exception propagate.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def isolated(chain) -> Iterator[None]:
    """Run the block against a chain snapshot, revert afterwards, re-raise any failure."""
    snapshot = chain.snapshot()
    pending = chain.pending_timestamp
    try:
        yield
    finally:
        chain.restore(snapshot)
        chain.pending_timestamp = pending
