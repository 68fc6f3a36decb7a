"""Prometheus metrics of one gateway (a registry per app, so tests can build several)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "modelmint_gateway_requests",
            "Requests by access mode and outcome",
            ["mode", "code"],
            registry=r,
        )
        self.latency = Histogram(
            "modelmint_gateway_request_seconds",
            "Time to answer a predict request",
            ["mode"],
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1.0),
            registry=r,
        )
        self.charged = Counter(
            "modelmint_gateway_charged_credits", "Credits charged (durably stored)", registry=r
        )
        self.unsettled = Gauge(
            "modelmint_gateway_unsettled_credits",
            "Charged credits not yet settled on chain",
            registry=r,
        )
        self.settlement_lag = Gauge(
            "modelmint_gateway_settlement_lag_seconds",
            "Age of the oldest charge not yet settled",
            registry=r,
        )
        self.settlements = Counter(
            "modelmint_gateway_settlements",
            "Settlement transactions by final status",
            ["status"],
            registry=r,
        )
        self.exact_payments = Counter(
            "modelmint_gateway_exact_payments",
            "x402 exact payments by outcome (settled, failed, invalid, replayed)",
            ["outcome"],
            registry=r,
        )
        self.bad_receipts = Counter(
            "modelmint_gateway_bad_receipts", "Receipts dropped from settlement", registry=r
        )
        # Weights downloads (modelmint.gateway.downloads): requests by outcome, bytes sent.
        weights: tuple[tuple[str, str, list[str]], ...] = (
            ("modelmint_gateway_weights_downloads", "Weights downloads by outcome", ["code"]),
            ("modelmint_gateway_weights_bytes", "Weights bytes streamed", []),
        )
        self.downloads, self.download_bytes = (
            Counter(name, text, labels, registry=r) for name, text, labels in weights
        )
        # What the monitor re-reads (modelmint.gateway.monitor).
        gauge = self._gauge
        self.clock_skew = gauge("clock_skew_seconds", "Chain time minus the gateway's clock")
        self.allowed = gauge("allowed", "1 while the registry allows this gateway")
        self.foreign_settled = gauge(
            "foreign_settled_channels", "Channels settled on chain beyond this store's charges"
        )
        self.served_version = gauge("served_version", "The model version served")

        # The children of the request metrics by label values, bound once (a ``labels()``
        # lookup per request costs several times the increment).
        self._children: dict[tuple[str, str], tuple[Any, Any]] = {}

    def count(self, mode: str, code: str, seconds: float) -> None:
        """One predict request answered in ``seconds``: ``requests{mode, code}`` and
        ``request_seconds{mode}``."""
        children = self._children.get((mode, code))
        if children is None:
            if len(self._children) >= 256:  # codes are an enum: never reached
                self._children.clear()
            children = self._children[(mode, code)] = (
                self.requests.labels(mode=mode, code=code),
                self.latency.labels(mode=mode),
            )
        children[0].inc()
        children[1].observe(seconds)

    def _gauge(self, name: str, doc: str) -> Gauge:
        return Gauge(f"modelmint_gateway_{name}", doc, registry=self.registry)
