"""Dashboard fixtures: the protocol deployed by its plan, a small marketplace seeded on it,
the real gateway process serving its priced model, the web app served on a loopback port, and
a headless Debian chromium with a test wallet.

The deployment is the real one (``modelmint.deploy.plan`` through the deploy engine, record
written to a temporary ``local.json``); the app reads it with web3.py like in production. The
priced model is the shipped digits model, named by a ``data:`` card (docs/CARDS.md).
"""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
import yaml

from modelmint.cards import Card, card_json
from modelmint.deploy.config import CONFIG_DIR, NetworkConfig
from modelmint.deploy.engine import Deployment
from modelmint.deploy.models import register_model
from modelmint.deploy.plan import PlanInputs, protocol_plan
from modelmint.dev.browser import CHROMIUM, launch_chromium
from modelmint.dev.testing import WAIT_CEILING, wait_until
from modelmint.gateway.digits import DEFAULT_PATH as DIGITS_ONNX
from modelmint.weights import weights_hash

ETH = "0x0000000000000000000000000000000000000000"
LICENSE_PRICE = 10**16
CREDIT_VALUE = 10**12
SHARE_SUPPLY = 1_000 * 10**18
THIRTY_DAYS = 30 * 86_400
CREDITS_PER_ITEM = 3  # the gateway's price of one item, in credits
DIGITS_CARD = Card(
    name="Handwritten digits",
    description="Classifies an 8x8 grey-scale image of a handwritten digit (0-9).",
    task="image-classification",
    input_schema={"type": "object", "properties": {"inputs": {"type": "array"}}},
    input_example={"inputs": [[0] * 64]},
    output_schema={"type": "object", "properties": {"outputs": {"type": "array"}}},
    license_summary="Any license allows calls; a commercial one allows commercial use.",
    labels=tuple("0123456789"),
)
DIGITS_CARD_URI = (
    "data:application/json;base64," + base64.b64encode(card_json(DIGITS_CARD)).decode()
)


@dataclass(frozen=True)
class Market:
    """The seeded deployment: record path, contracts (ape) and the ids the tests use."""

    record_path: Path
    rpc: str
    registry: object
    licenses: object
    credits: object
    router: object
    governor: object
    gov_token: object
    shares: object
    model_governor: object
    priced_model: int  # the digits model (data: card) with offers, credits and a gateway
    fractional_model: int  # fractionalized model with a share token and its governor
    retired_model: int
    offer_id: int
    license_id: int  # held by the contributor
    proposal_id: int  # protocol proposal: set the fee to 300 bps
    model_proposal_id: int
    license_price: int = LICENSE_PRICE
    credit_value: int = CREDIT_VALUE
    card: Card = DIGITS_CARD  # the priced model's card
    card_uri: str = DIGITS_CARD_URI  # its metadata URI
    credits_per_item: int = CREDITS_PER_ITEM  # at the live gateway


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def market(
    project,
    chain,
    accounts,
    deployer,
    model_owner,
    contributor,
    licensee,
    gateway,
    tmp_path_factory,
):
    """The protocol from its plan, three models, offers, credits, a sale and two proposals."""
    data = yaml.safe_load((CONFIG_DIR / "local.yaml").read_text())
    cfg = NetworkConfig.model_validate(data)
    record_path = tmp_path_factory.mktemp("dashboard") / "local.json"
    plan = protocol_plan(PlanInputs.from_config(cfg, str(deployer.address), []))
    d = Deployment.local(
        plan, project=project, provider=chain.provider, account=deployer, record_path=record_path
    )
    d.run()

    def at(container, step=None, address=None):
        # `container.at` merges with a contract type ape cached for the address, which an
        # earlier module's reverted deployment may have left there: replace it. The plan's
        # contracts by step, the fractionalized model's clones by address.
        return chain.contracts.instance_at(
            address or d.record.address(step), contract_type=container.contract_type, replace=True
        )

    registry = at(project.ModelRegistry, "registry")
    licenses = at(project.LicenseManager, "licenses")
    credits = at(project.UsageCredits, "credits")
    router = at(project.RevenueRouter, "router")
    governor = at(project.ProtocolGovernor, "governor")
    gov_token = at(project.GovernanceToken, "gov_token")
    fractionalizer = at(project.Fractionalizer, "fractionalizer")

    def register(owner, meta, weights, version_uri=None):
        uri = version_uri or f"{meta}/v1"
        return register_model(registry, owner, weights, uri, meta).model_id

    priced = register(model_owner, DIGITS_CARD_URI, b"\x11" * 32, "ipfs://digits/v1")
    registry.publishVersion(
        priced, weights_hash(DIGITS_ONNX), "ipfs://digits/v2", sender=model_owner
    )
    tx = licenses.createOffer(
        (priced, LICENSE_PRICE, THIRTY_DAYS, 0, 0, 0, True, False, "ipfs://terms", b"\x01" * 32),
        sender=model_owner,
    )
    offer_id = tx.decode_logs(licenses.OfferCreated)[0].offerId
    licenses.createOffer(
        (
            priced,
            3 * LICENSE_PRICE,
            0,
            10,
            0,
            0,
            False,
            True,
            "ipfs://terms-perpetual",
            b"\x02" * 32,
        ),
        sender=model_owner,
    )
    credits.enableCredits(priced, CREDIT_VALUE, sender=model_owner)
    registry.setGateway(priced, gateway, True, sender=model_owner)
    tx = licenses.purchase(
        offer_id, contributor, LICENSE_PRICE, sender=contributor, value=LICENSE_PRICE
    )
    license_id = tx.decode_logs(licenses.LicensePurchased)[0].licenseId

    fractional = register(model_owner, "ipfs://image-captioner", b"\x21" * 32)
    registry.approve(fractionalizer, fractional, sender=model_owner)
    tx = fractionalizer.fractionalize(
        fractional,
        ("Captioner Shares", "CAPS", model_owner, SHARE_SUPPLY),
        (1, 600, 0, 4, 60),
        ([contributor.address], [2_000], 8_000),
        [],
        sender=model_owner,
    )
    event = tx.decode_logs(fractionalizer.ModelFractionalized)[0]
    shares = at(project.ModelShares, address=event.shares)
    model_governor = at(project.ModelGovernor, address=event.governor)
    shares.transfer(licensee, SHARE_SUPPLY // 4, sender=model_owner)
    shares.invoke_transaction("delegate", model_owner, sender=model_owner)

    retired = register(contributor, "ipfs://speech-to-text", b"\x31" * 32)
    registry.setStatus(retired, 1, sender=contributor)
    # Governance (the timelock, impersonated on anvil) flags it.
    w3 = chain.provider.web3
    timelock = d.record.address("timelock")
    w3.provider.make_request("anvil_impersonateAccount", [timelock])
    w3.provider.make_request("anvil_setBalance", [timelock, hex(10**18)])
    flag = registry.setFlagged.as_transaction(retired, True, sender=deployer)
    w3.eth.wait_for_transaction_receipt(
        w3.eth.send_transaction({"from": timelock, "to": registry.address, "data": flag.data})
    )
    w3.provider.make_request("anvil_stopImpersonatingAccount", [timelock])
    assert registry.model(retired).flagged

    # A protocol proposal (fee 250 -> 300 bps through the timelock) and a model proposal.
    gov_token.invoke_transaction("delegate", deployer, sender=deployer)
    chain.mine(1)
    calldata = router.setFeeBps.encode_input(300)
    description = "Raise the protocol fee to 3%"
    tx = governor.propose([router.address], [0], [calldata], description, sender=deployer)
    proposal_id = tx.decode_logs(governor.ProposalCreated)[0].proposalId
    tx = model_governor.propose(
        [shares.address], [0], [shares.sync.encode_input()], "Sync revenue", sender=model_owner
    )
    model_proposal_id = tx.decode_logs(model_governor.ProposalCreated)[0].proposalId
    chain.pending_timestamp += 5
    chain.mine(2)  # past the model proposal's snapshot block: both proposals are Active
    return Market(
        record_path=record_path,
        rpc=chain.provider.http_uri,
        registry=registry,
        licenses=licenses,
        credits=credits,
        router=router,
        governor=governor,
        gov_token=gov_token,
        shares=shares,
        model_governor=model_governor,
        priced_model=priced,
        fractional_model=fractional,
        retired_model=retired,
        offer_id=offer_id,
        license_id=license_id,
        proposal_id=proposal_id,
        model_proposal_id=model_proposal_id,
    )


# The dashboard's loopback port, fixed for the session: the gateway answers its origin
# cross-origin (the playground calls the gateway from the dashboard's page).
DASHBOARD_PORT = _free_port()


@pytest.fixture(scope="session")
def gateway_env(market, gateway, tmp_path_factory) -> dict[str, str]:
    """The live gateway's environment (``serve``, and ``settle`` on the same store)."""
    workdir = tmp_path_factory.mktemp("gateway")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODELMINT_GATEWAY_")}
    env.update(
        MODELMINT_GATEWAY_RPC_URL=market.rpc,
        MODELMINT_GATEWAY_DEPLOYMENT=str(market.record_path),
        MODELMINT_GATEWAY_MODEL_ID=str(market.priced_model),
        MODELMINT_GATEWAY_PRIVATE_KEY=gateway.private_key,
        MODELMINT_GATEWAY_STORE_PATH=str(workdir / "store.sqlite3"),
        MODELMINT_GATEWAY_PORT=str(_free_port()),
        MODELMINT_GATEWAY_SETTLE_IN_PROCESS="false",
        MODELMINT_GATEWAY_CREDITS_PER_ITEM=str(CREDITS_PER_ITEM),
        MODELMINT_GATEWAY_CORS_ORIGINS=f"http://127.0.0.1:{DASHBOARD_PORT}",
    )
    return env


@pytest.fixture(scope="session")
def live_gateway(gateway_env):
    """The real gateway (``python -m modelmint.gateway serve``) for the priced model; its URL."""
    env = gateway_env
    workdir = Path(env["MODELMINT_GATEWAY_STORE_PATH"]).parent
    url = f"http://127.0.0.1:{env['MODELMINT_GATEWAY_PORT']}"
    with open(workdir / "gateway.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "modelmint.gateway", "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError((workdir / "gateway.log").read_text()[-4000:])
        try:
            return httpx.get(url + "/readyz", timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(ready, "the gateway process to be ready (/readyz)", interval=0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=WAIT_CEILING)


@dataclass
class Served:
    """The dashboard app running in this process on a loopback port."""

    url: str
    app: object
    server: uvicorn.Server

    @property
    def indexer(self):
        return self.app.state.indexer

    def caught_up(self) -> None:
        """Sync the index to the chain head now (the background loop does it too)."""
        w3 = self.indexer.w3

        def synced() -> bool:
            self.indexer.sync()
            return self.indexer.cursor >= w3.eth.block_number - self.indexer.confirmations

        wait_until(synced, "the indexer to reach the chain head")


_SERVED: dict = {}  # one dashboard server per module, even if ape's fixture rebasing re-requests it


@pytest.fixture(scope="module")
def served(market, live_gateway, gateway, tmp_path_factory):
    """The dashboard (confirmations 0, so a write shows at once) on its port, knowing the
    live gateway's URL. A rebase re-requesting it gets the running server: the port is fixed,
    and the index follows the chain's reverts by itself."""
    from modelmint.dashboard.app import DashboardSettings, create_app

    if "served" in _SERVED:
        yield _SERVED["served"]
        return

    settings = DashboardSettings(
        record=market.record_path,
        rpc=market.rpc,
        db=tmp_path_factory.mktemp("dashboard-db") / "index.sqlite",
        confirmations=0,
        poll_seconds=0.3,
        gateway_urls={gateway.address: live_gateway},
    )
    app = create_app(settings)
    port = DASHBOARD_PORT
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_until(lambda: server.started, "the dashboard server to start", interval=0.05)
    served = _SERVED["served"] = Served(f"http://127.0.0.1:{port}", app, server)
    try:
        served.caught_up()
        yield served
    finally:
        _SERVED.pop("served", None)
        server.should_exit = True
        thread.join(timeout=WAIT_CEILING)


WALLET_SCRIPT = """
(() => {
  const rpc = %(rpc)r, account = %(account)r;
  let id = 0;
  window.ethereum = {
    isModelmintTestWallet: true,
    async request({ method, params }) {
      if (method === "eth_requestAccounts" || method === "eth_accounts") return [account];
      const r = await fetch(rpc, { method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }) });
      const body = await r.json();
      if (body.error) {
        const err = new Error(body.error.message);
        err.code = body.error.code; err.data = body.error.data;
        throw err;
      }
      return body.result;
    },
    on() {}, removeListener() {},
  };
})();
"""


_BROWSER: dict = {}  # one chromium per module, even if ape's fixture rebasing re-requests it


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Debian's chromium, headless, with a fresh profile (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.fail("/usr/bin/chromium is missing: `make test` installs it (apt)")
    if "context" not in _BROWSER:
        from playwright.sync_api import sync_playwright

        pw = sync_playwright().start()
        _BROWSER["pw"] = pw
        _BROWSER["context"] = launch_chromium(
            pw,
            tmp_path_factory.mktemp("chromium-profile"),
            viewport={"width": 1360, "height": 900},
            timeout=WAIT_CEILING * 1000,
        )
        # Every wait in a page (selectors, functions, navigation): the suite's ceiling, not
        # Playwright's 30 s, so a busy machine is slow, never red.
        _BROWSER["context"].set_default_timeout(WAIT_CEILING * 1000)
    yield _BROWSER["context"]
    context, pw = _BROWSER.pop("context", None), _BROWSER.pop("pw", None)
    if context is not None:
        context.close()
        pw.stop()


@pytest.fixture
def wallet_page(browser, served, market):
    """Builder: a page whose window.ethereum is ``account``'s test wallet (anvil-unlocked)."""
    pages = []

    def open_as(account, path="#/"):
        served.caught_up()  # ape reverts the chain between tests: let the index follow first
        page = browser.new_page()
        page.add_init_script(WALLET_SCRIPT % {"rpc": market.rpc, "account": str(account.address)})
        page.goto(f"{served.url}/{path}")
        page.wait_for_selector(f"main[data-ready='{path}']")
        pages.append(page)
        return page

    yield open_as
    for page in pages:
        page.close()
