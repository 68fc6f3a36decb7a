"""`ape run bench_dashboard`: the dashboard with 1,000 models, measured (`make bench-dashboard`).

1. deploys the protocol with the plan on ape's embedded anvil;
2. registers N models (default 1,000) with a second version, a license offer each, credits
   on every other one and a gateway on every fifth, mined in large blocks;
3. measures: a fresh index of the whole history, the catalog API (cold, warm, search,
   sort), a model page API, and the catalog page load in headless Debian chromium;
4. writes reports/dashboard.json.

Set MODELMINT_BENCH_MODELS to change N.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from ape import accounts, chain, project
from web3 import Web3

from modelmint.abi import load_abi
from modelmint.dashboard.app import DashboardSettings, create_app
from modelmint.dashboard.indexer import Indexer
from modelmint.deploy.config import load_config
from modelmint.deploy.engine import Deployment
from modelmint.deploy.plan import PlanInputs, protocol_plan
from modelmint.dev.browser import CHROMIUM, launch_chromium
from modelmint.dev.roles import CONSUMER, CONTRIBUTOR, DEPLOYER, GATEWAY, LICENSEE, MODEL_OWNER
from modelmint.records import Record

ETH = "0x0000000000000000000000000000000000000000"
REPORT = Path("reports/dashboard.json")
BATCH = 250  # transactions per mined block


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _send_batched(w3: Web3, txs: list[dict]) -> None:
    """Send ``txs`` from anvil-unlocked accounts, mining BATCH per block (automine off)."""
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        for start in range(0, len(txs), BATCH):
            hashes = [w3.eth.send_transaction(tx) for tx in txs[start : start + BATCH]]
            w3.provider.make_request("evm_mine", [])
            for h in hashes:
                receipt = w3.eth.wait_for_transaction_receipt(h, timeout=60)
                if receipt["status"] != 1:
                    raise RuntimeError(f"seeding transaction {h.hex()} reverted")
    finally:
        w3.provider.make_request("evm_setAutomine", [True])


def _timed(fn, repeat: int) -> dict:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))], 2),
        "max_ms": round(samples[-1], 2),
        "n": repeat,
    }


def main():
    n = int(os.environ.get("MODELMINT_BENCH_MODELS", "1000"))
    deployer = accounts.test_accounts[DEPLOYER]
    # Four model owners: the model owner and three other funded actors.
    owners = [accounts.test_accounts[i] for i in (MODEL_OWNER, CONTRIBUTOR, LICENSEE, CONSUMER)]
    gateway = accounts.test_accounts[GATEWAY]
    work = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    record_path = work / "local.json"
    cfg = load_config("local")
    plan = protocol_plan(PlanInputs.from_config(cfg, str(deployer.address), []))
    Deployment.local(
        plan, project=project, provider=chain.provider, account=deployer, record_path=record_path
    ).run()
    record = Record.load(record_path)
    rpc = chain.provider.http_uri
    w3 = Web3(Web3.HTTPProvider(rpc, request_kwargs={"timeout": 60}))
    registry = w3.eth.contract(address=record.address("registry"), abi=load_abi("ModelRegistry"))
    licenses = w3.eth.contract(address=record.address("licenses"), abi=load_abi("LicenseManager"))
    credits = w3.eth.contract(address=record.address("credits"), abi=load_abi("UsageCredits"))

    print(f"seeding {n} models ...")
    t0 = time.perf_counter()
    first_id = 1
    owner_of = {i: str(owners[(i - 1) % len(owners)].address) for i in range(1, n + 1)}

    def tx(owner: str, call) -> dict:
        return call.build_transaction({"from": owner, "gas": 600_000, "gasPrice": 0, "nonce": None})

    def clean(t: dict) -> dict:
        t.pop("nonce", None)
        return t

    txs = [
        clean(
            tx(
                owner_of[i],
                registry.functions.registerModel(
                    ETH,
                    Web3.keccak(text=f"weights-{i}"),
                    f"ipfs://bench-model-{i}/v1",
                    f"ipfs://bench-model-{i}",
                ),
            )
        )
        for i in range(first_id, n + 1)
    ]
    _send_batched(w3, txs)
    txs = []
    for i in range(first_id, n + 1):
        owner = owner_of[i]
        txs.append(
            clean(
                tx(
                    owner,
                    registry.functions.publishVersion(
                        i, Web3.keccak(text=f"weights-{i}-v2"), f"ipfs://bench-model-{i}/v2"
                    ),
                )
            )
        )
        offer = (
            i,
            10**15 + i * 10**12,
            86_400 * 30,
            0,
            0,
            0,
            True,
            False,
            "ipfs://t",
            b"\x01" * 32,
        )
        txs.append(clean(tx(owner, licenses.functions.createOffer(offer))))
        if i % 2 == 0:
            txs.append(clean(tx(owner, credits.functions.enableCredits(i, 10**12 + i))))
        if i % 5 == 0:
            txs.append(
                clean(tx(owner, registry.functions.setGateway(i, str(gateway.address), True)))
            )
    _send_batched(w3, txs)
    seed_s = time.perf_counter() - t0
    head = w3.eth.block_number
    print(f"seeded in {seed_s:.1f} s, head block {head}")

    t0 = time.perf_counter()
    indexer = Indexer(w3, record, work / "index.sqlite", confirmations=0)
    result = indexer.sync()
    index_s = time.perf_counter() - t0
    events = len(indexer.events())
    indexer.close()
    print(f"indexed {events} events in {index_s:.2f} s")

    settings = DashboardSettings(
        record=record_path, rpc=rpc, db=work / "app.sqlite", confirmations=0, poll_seconds=0.5
    )
    app = create_app(settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    app.state.indexer.sync()
    with httpx.Client(base_url=base, timeout=60) as http:

        def get(path, **params):
            r = http.get(path, params=params)
            r.raise_for_status()
            return r.json()

        app.state.indexer.generation += 1  # force a cold catalog fold
        cold = _timed(lambda: get("/api/models"), 1)
        total = get("/api/models")["total"]
        api = {
            "catalog_cold": cold,
            "catalog_page": _timed(lambda: get("/api/models"), 30),
            "catalog_search": _timed(lambda: get("/api/models", q="bench-model-77"), 30),
            "catalog_sort_price_desc": _timed(
                lambda: get("/api/models", sort="price", desc=True), 30
            ),
            "catalog_last_page": _timed(lambda: get("/api/models", offset=n - 100), 30),
            "model_page": _timed(lambda: get(f"/api/models/{n // 2}"), 10),
            # an owner of a quarter of the models: credits, claimable revenue per model
            "account_page_owner": _timed(lambda: get(f"/api/accounts/{owner_of[1]}"), 5),
        }
    try:
        page_load = _page_load(base, f"bench-model-{n - 1}", min(100, n))
    finally:
        server.should_exit = True
        thread.join(timeout=10)

    report = {
        "models": n,
        "catalog_total": total,
        "chain_head": head,
        "seed_seconds": round(seed_s, 2),
        "index": {"events": events, "seconds": round(index_s, 3), "indexed_to": result.indexed_to},
        "api_ms": api,
        "page_load_ms": page_load,
        "machine": {"cpus": os.cpu_count()},
        "generated_at": int(time.time()),
    }
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    print(f"wrote {REPORT}")


def _page_load(base: str, needle: str, full_rows: int) -> dict:
    """Catalog page in headless chromium: navigation to 100 rendered rows, and a search."""
    if not CHROMIUM.exists():
        return {"skipped": "no /usr/bin/chromium"}
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="bench-chromium-")
    loads, searches = [], []
    with sync_playwright() as pw:
        context = launch_chromium(pw, profile)
        page = context.new_page()
        for _ in range(5):
            t0 = time.perf_counter()
            page.goto(f"{base}/#/")
            page.wait_for_selector("main[data-ready='#/'] [data-testid=model-row]")
            loads.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            page.fill("[data-testid=search]", needle)
            page.wait_for_function(
                "(n) => document.querySelectorAll('[data-testid=model-row]').length < n",
                arg=full_rows,
            )
            searches.append((time.perf_counter() - t0) * 1000)
            page.goto("about:blank")
        context.close()
    return {
        "catalog_load_median_ms": round(statistics.median(loads), 1),
        "catalog_load_max_ms": round(max(loads), 1),
        "search_to_render_median_ms": round(statistics.median(searches), 1),
        "note": "search includes the page's 200 ms typing debounce",
    }
