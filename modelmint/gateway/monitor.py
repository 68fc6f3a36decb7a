"""What a running gateway re-reads from the chain and its store on a short interval
(``REFRESH_INTERVAL``, default 5 s), and what it concludes:

- chain time (:class:`ChainClock`): the latest block's timestamp, advanced at the local
  clock's rate between refreshes; the ledger judges channel phases and receipt deadlines by
  the later of chain time and the local clock, so a gateway whose clock lags the chain
  never charges a channel the chain has expired or closed;
- its grant: ``ModelRegistry.isGateway(modelId, gateway)``; while false (the grant lapsed,
  e.g. the model NFT moved to a fractionalization vault), ``/readyz`` fails with reason
  ``gateway_not_allowed``, 402s offer no new channel and the log says why; it recovers at
  the first refresh after the grant is restored;
- a newer published version (when following the latest, ``VERSION=0``): served as soon as
  a file whose sha256 is the version's weights hash is in ``WEIGHTS_DIR``; until then the
  old version stays served, ``/readyz`` carries ``upgradePending`` and the log says which
  hash is missing;
- another ledger on its channels: on-chain ``settled`` above what this store charged (the
  settler writes what it reads on chain into the store) means someone else (a second
  gateway process with the same key and its own store) charged and settled this channel;
  reported loudly: an error log per channel, ``/readyz`` fails with reason
  ``foreign_settlement``, metric ``modelmint_gateway_foreign_settled_channels``.

    >>> monitor = Monitor(service)       # sets service.ledger's clock to the chain clock
    >>> monitor.poll()                    # one refresh (blocking: run it in a thread)
    >>> monitor.not_ready()               # None, or (reason, message) for /readyz
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from modelmint.gateway.errors import ChainReverted, ChainUnavailable, log_fields
from modelmint.weights import weights_hash

if TYPE_CHECKING:
    from modelmint.gateway.model import OnnxModel
    from modelmint.gateway.service import Service

log = logging.getLogger("modelmint.gateway.monitor")


class NotReady(StrEnum):
    """Why ``/readyz`` fails (its ``reason``)."""

    GATEWAY_NOT_ALLOWED = "gateway_not_allowed"
    FOREIGN_SETTLEMENT = "foreign_settlement"


class ChainClock:
    """Chain time: the latest block's timestamp, advanced at the local rate from when that
    block was first seen. :meth:`now` is the later of it and the local clock, and never goes
    back."""

    def __init__(
        self,
        local: Callable[[], float] = time.time,
        mono: Callable[[], float] = time.monotonic,
    ):
        self._local, self._mono = local, mono
        self._block = -1
        self._anchor: tuple[int, float] | None = None
        self._last = 0.0
        self._lock = threading.Lock()

    def observe(self, number: int, timestamp: int) -> None:
        """A block read from the node (a new number re-anchors chain time)."""
        with self._lock:
            if number != self._block:
                self._block, self._anchor = number, (timestamp, self._mono())

    def chain_now(self) -> float | None:
        """Chain time estimated from the last block seen (``None`` before any)."""
        anchor = self._anchor
        return None if anchor is None else anchor[0] + (self._mono() - anchor[1])

    def now(self) -> float:
        chain = self.chain_now()
        t = self._local() if chain is None else max(chain, self._local())
        with self._lock:
            self._last = max(self._last, t)
            return self._last

    def skew(self) -> float:
        """Chain time minus the local clock (seconds; positive: the chain is ahead)."""
        chain = self.chain_now()
        return 0.0 if chain is None else chain - self._local()


def find_weights(directory: Path | None, digest: bytes) -> Path | None:
    """The file in ``directory`` whose sha256 is ``digest`` (``None``: none there)."""
    if directory is None or not directory.is_dir():
        return None
    for path in sorted(directory.iterdir()):
        if path.is_file() and weights_hash(path) == digest:
            return path
    return None


@dataclass(frozen=True)
class _Upgrade:
    version: int
    version_hash: bytes
    model: OnnxModel
    path: Path


class Monitor:
    """The gateway's periodic re-reads (see the module doc). Sets ``service.ledger.clock``
    to its :class:`ChainClock`."""

    def __init__(self, service: Service, clock: ChainClock | None = None):
        self.service = service
        self.clock = clock or ChainClock()
        service.ledger.clock = self.clock.now
        self.allowed = True
        self.foreign: dict[int, tuple[int, int]] = {}  # channel -> (settled on chain, charged)
        self.pending_version: tuple[int, bytes] | None = None
        self._upgrade: _Upgrade | None = None
        self.metrics = service.metrics
        self.metrics.allowed.set(1)
        self.metrics.served_version.set(service.terms.version)

    # ------------------------------------------------------------------ one refresh
    def poll(self) -> None:
        """One refresh (node and store reads; blocking). An upgrade it prepares is applied
        by :meth:`apply` on the serving thread."""
        s = self.service
        self.clock.observe(*s.chain.latest_block())
        self.metrics.clock_skew.set(self.clock.skew())
        self._check_grant(s.chain.is_gateway(s.terms.model_id, s.account.address))
        self._check_foreign()
        if s.settings.version == 0:
            self._check_version()

    def _check_grant(self, allowed: bool) -> None:
        model, gw = self.service.terms.model_id, self.service.account.address
        if allowed != self.allowed:
            if allowed:
                log.info("gateway allowed again", extra={"model": model, "gateway": gw})
            else:
                log.error(
                    "gateway no longer allowed: ModelRegistry.isGateway(%s, %s) is false (the "
                    "grant lapsed, e.g. the model NFT moved); no new channels can be opened to "
                    "it; open channels are still served and settled",
                    model,
                    gw,
                    extra={"model": model, "gateway": gw, "reason": NotReady.GATEWAY_NOT_ALLOWED},
                )
        self.allowed = allowed
        self.metrics.allowed.set(1 if allowed else 0)

    def _check_foreign(self) -> None:
        for c in self.service.store.all_channels():
            if c.settled > c.charged and c.channel_id not in self.foreign:
                self.foreign[c.channel_id] = (c.settled, c.charged)
                log.error(
                    "channel %s settled %s on chain but this store charged %s: another ledger "
                    "(a second gateway process with this key and its own store?) charges it",
                    c.channel_id,
                    c.settled,
                    c.charged,
                    extra={"channel": c.channel_id, "reason": NotReady.FOREIGN_SETTLEMENT},
                )
        self.metrics.foreign_settled.set(len(self.foreign))

    def _check_version(self) -> None:
        from modelmint.gateway.model import OnnxModel

        s = self.service
        version, digest = s.chain.latest_version(s.terms.model_id)
        if version == s.terms.version or (self._upgrade and self._upgrade.version == version):
            return
        path = find_weights(s.settings.weights_dir, digest)
        if path is None:
            if self.pending_version != (version, digest):
                log.warning(
                    "model %s version %s published; no file with sha256 0x%s in WEIGHTS_DIR: "
                    "still serving version %s",
                    s.terms.model_id,
                    version,
                    digest.hex(),
                    s.terms.version,
                    extra={"version": version, "served": s.terms.version},
                )
            self.pending_version = (version, digest)
            return
        st = s.settings
        model = OnnxModel.load(path, st.max_batch, st.input_min, st.input_max)
        self._upgrade = _Upgrade(version, digest, model, path)

    def apply(self) -> None:
        """Switches to a prepared upgrade: requirements, licenses and provenance name the new
        version from now on; a payment or statement for the old one gets ``wrong_version``."""
        up, self._upgrade = self._upgrade, None
        if up is None:
            return
        s = self.service
        old = s.terms.version
        terms = replace(s.terms, version=up.version, version_hash=up.version_hash)
        s.model, s.terms, s.ledger.terms = up.model, terms, terms
        s.licenses.version = up.version
        s.weights_path = up.path  # what a license holder downloads from now on
        if s.card is not None:
            # The configured card describes the version the gateway started with.
            log.warning("no card served for version %s: CARD describes version %s", up.version, old)
            s.card = None
        self.pending_version = None
        self.metrics.served_version.set(up.version)
        log.info("serving version %s (was %s)", up.version, old, extra={"version": up.version})

    def not_ready(self) -> tuple[NotReady, str] | None:
        if not self.allowed:
            return (
                NotReady.GATEWAY_NOT_ALLOWED,
                f"{self.service.account.address} is not an allowed gateway of model "
                f"{self.service.terms.model_id}: no new channels can be opened to it",
            )
        if self.foreign:
            channels = sorted(self.foreign)[:10]
            return (
                NotReady.FOREIGN_SETTLEMENT,
                f"channels {channels} settled on chain beyond this store's charges: another "
                "ledger charges them",
            )
        return None

    async def run_forever(self, stop: asyncio.Event, interval: float) -> None:
        """:meth:`poll` every ``interval`` seconds; a node failure is logged and retried."""
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.poll)
                self.apply()
            except (ChainUnavailable, ChainReverted) as exc:
                log.warning("refresh failed: %s", exc, extra=log_fields(exc))
            except Exception:
                log.exception("refresh crashed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)
