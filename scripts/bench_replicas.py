"""`ape run bench_replicas` (part of `make bench-gateway`): paid requests per second and
p50/p99 latency of 1 versus 2 gateway processes on the same machine and the same store,
SQLite versus PostgreSQL side by side. Writes reports/gateway-replicas.json.

The same 8 channels are paid in every configuration, each on a fresh store (an empty store
takes the on-chain settled amount, 0, as the baseline), with receipts signed before the
clock starts; with 2 processes the channels are split between them (a load balancer with
channel affinity). Two processes on one SQLite file are refused by design (the SQLite
store serialises a channel inside one process), so SQLite is measured with 1 only.
PostgreSQL is Debian's server started in a temporary directory (modelmint/dev/postgres.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg
from ape import chain
from eth_account import Account

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_gateway import (  # noqa: E402
    CREDIT_VALUE,
    REPORTS,
    ROOT,
    _deploy,
    _load,
    _presign,
    _start,
    open_channel,
)

from modelmint.credits import ChannelTerms  # noqa: E402
from modelmint.dev.gasreport import embed_in_readme  # noqa: E402
from modelmint.dev.postgres import PostgresServer  # noqa: E402

CHANNELS = 8
REQUESTS = 1600  # per configuration, split over the channels
WARMUP = 80
CONFIGS = (("sqlite", 1), ("postgresql", 1), ("postgresql", 2))


def _open_channels(protocol, consumer, gateway, model_id, per: int) -> list[ChannelTerms]:
    credits = protocol.credits
    total = per * CHANNELS
    credits.buyCredits(model_id, total, consumer, sender=consumer, value=total * CREDIT_VALUE)
    expiry = chain.pending_timestamp + 24 * 3600
    return [
        open_channel(credits, consumer, gateway, model_id, per, expiry) for _ in range(CHANNELS)
    ]


def _store_url(kind: str, server: PostgresServer, work: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{work / f'{uuid.uuid4().hex}.sqlite3'}"
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server.url.rsplit("/", 1)[0] + "/" + name


async def _run(urls: list[str], headers: list[list[str]], count: int) -> dict:
    """All channels at once, channel i on process i % len(urls)."""
    groups = [[h for i, h in enumerate(headers) if i % len(urls) == k] for k in range(len(urls))]
    start = time.perf_counter()
    parts = await asyncio.gather(
        *(
            _load(url, group, count * len(group) // len(headers))
            for url, group in zip(urls, groups, strict=True)
        )
    )
    elapsed = time.perf_counter() - start
    latencies = sorted(x for p in parts for x in p["latencies"])
    return {
        "requests": len(latencies),
        "errors": sum(p["errors"] for p in parts),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(1000 * statistics.median(latencies), 3),
        "p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 3),
    }


def main():
    consumer, gateway, protocol, model_ids, _token = _deploy()
    model_id = model_ids["digits"]  # the gateway's default weights
    per = (REQUESTS + WARMUP) // CHANNELS + 1
    channels = _open_channels(protocol, consumer, gateway, model_id, per)
    work = Path(tempfile.mkdtemp(prefix="bench-replicas-"))
    record = protocol.write_record(work / "local.json")
    base = {k: v for k, v in os.environ.items() if not k.startswith("MODELMINT_GATEWAY_")}
    base.update(
        MODELMINT_GATEWAY_RPC_URL=chain.provider.web3.provider.endpoint_uri,
        MODELMINT_GATEWAY_DEPLOYMENT=str(record.path),
        MODELMINT_GATEWAY_MODEL_ID=str(model_id),
        MODELMINT_GATEWAY_PRIVATE_KEY=str(gateway.private_key),
        MODELMINT_GATEWAY_SETTLE_IN_PROCESS="false",
    )
    key = Account.from_key(consumer.private_key)
    server = PostgresServer.start()
    results = []
    try:
        signed: dict[int, list[str]] | None = None
        for kind, processes in CONFIGS:
            store = _store_url(kind, server, work)
            envs = [
                {**base, "MODELMINT_GATEWAY_STORE": store, "MODELMINT_GATEWAY_PORT": str(port)}
                for port in range(18412, 18412 + processes)
            ]
            procs = [_start(env, work / f"{kind}-{i}.log") for i, env in enumerate(envs)]
            urls = [f"http://127.0.0.1:{env['MODELMINT_GATEWAY_PORT']}" for env in envs]
            try:
                if signed is None:
                    info = httpx.get(urls[0] + "/.well-known/modelmint").json()
                    signed = _presign(info, key, channels, per)
                headers = [list(signed[c]) for c in channels]
                asyncio.run(_run(urls, headers, WARMUP))
                result = asyncio.run(_run(urls, headers, REQUESTS))
            finally:
                for proc in procs:
                    proc.terminate()
                    proc.wait(timeout=30)
            results.append({"store": kind, "processes": processes, **result})
            print(kind, processes, result)
    finally:
        server.stop()
    by = {(r["store"], r["processes"]): r for r in results}
    report = {
        "channels": CHANNELS,
        "requests": REQUESTS,
        "cpus": os.cpu_count(),
        "results": results,
        "postgresql_2_vs_1": round(by[("postgresql", 2)]["rps"] / by[("postgresql", 1)]["rps"], 2),
        "sqlite_2": "refused: the SQLite store serves one process",
    }
    report["load_average"] = os.getloadavg()
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "gateway-replicas.json").write_text(json.dumps(report, indent=2) + "\n")
    embed_in_readme(readme_block(report), ROOT / "README.md", README_START, README_END)
    print(json.dumps(report, indent=2))


README_START = "<!-- gateway-replicas:start (generated by `make bench-gateway`, do not edit) -->"
README_END = "<!-- gateway-replicas:end -->"


def readme_block(report: dict) -> str:
    """The README's replicas table, from the report."""
    lines = [
        "| store | processes | paid req/s | p50 / p99 ms |",
        "|---|---:|---:|---:|",
    ]
    for r in report["results"]:
        lines.append(
            f"| {r['store']} | {r['processes']} | {r['rps']:,.0f} |"
            f" {r['p50_ms']:.2f} / {r['p99_ms']:.2f} |"
        )
    lines.append(f"| sqlite | 2 | {report['sqlite_2']} | |")
    lines.append("")
    lines.append(
        f"PostgreSQL, 2 processes over 1: {report['postgresql_2_vs_1']:.2f}x"
        f" ({report['channels']} channels, {report['requests']:,} paid calls per row, load"
        f" average at the end {', '.join(f'{x:.1f}' for x in report['load_average'])})."
    )
    return "\n".join(lines) + "\n"
