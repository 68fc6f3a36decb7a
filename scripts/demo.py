"""`ape run demo` (`make demo`): the whole Modelmint lifecycle over HTTP on an embedded anvil.

1. deploy the protocol with the same plan as `ape run deploy` (admin handed to the timelock)
2. the model owner registers the shipped digits classifier (sha256 of its ONNX weights),
   allows a gateway, sets the revenue split, publishes a license offer and enables credits
3. the gateway starts as its own process on the same chain and checks the weights hash
4. an autonomous agent, holding a budget in an AgentWallet (the owner's key holds the funds and
   lists the model and gateway the agent may pay; the agent key, which the wallet registers as
   its receipt signer, signs the channel's receipts),
   classifies digits over HTTP until its budget is spent
5. a license holder calls the same gateway with signed access statements, paying nothing;
   beside it, a plain x402 caller (the x402 SDK's own client, nothing of Modelmint's) pays a
   second model, priced in an ERC-3009 token, with `exact` transfers to the model's payee,
   which anyone then forwards into the router where the split applies
6. the gateway stops and settles every channel in one transaction
7. revenue: the contributor claims; the model is fractionalized and a share holder claims
8. a governance proposal changes the protocol fee through the timelock

Prints a short summary (calls, credits charged, gas per call, who earned what); exits
non-zero if any check fails and leaves no process running.
"""

import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from ape import accounts, chain, project
from ape.logging import LogLevel, logger
from eth_account import Account

from modelmint.client import Client, CreditsChain, Signer
from modelmint.client.agent import AgentSettings, run_agent
from modelmint.deploy.agent_wallet import deploy_agent_wallet
from modelmint.deploy.config import load_config
from modelmint.deploy.engine import Deployment
from modelmint.deploy.models import register_model
from modelmint.deploy.plan import PlanInputs, protocol_plan
from modelmint.deploy.roles import Role
from modelmint.dev.governance import Proposal, Vote, delegate
from modelmint.gateway.digits import DEFAULT_PATH as DIGITS_ONNX
from modelmint.weights import weights_hash

ETH = 10**18
ZERO = "0x0000000000000000000000000000000000000000"
CREDIT_VALUE = 10**12  # wei per credit; the gateway charges 1 credit per classified image
AGENT_BUDGET_CREDITS = 300  # the agent's wallet lets it spend this much on credits
DATASET_ROWS = 360  # more than the budget pays for: the agent stops at its budget
AGENT_BATCH = 2  # images per request
LICENSE_CALLS = 3

_gas_rows: list[tuple[str, int]] = []


def step(label, tx):
    _gas_rows.append((label, tx.gas_used))
    print(f"  {label:<46} gas {tx.gas_used:>10,}")
    return tx


def check(condition, message):
    if not condition:
        raise SystemExit(f"demo check failed: {message}")


def eth(wei):
    return f"{wei / ETH:.6f} ETH"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gateway_command(command, record, model_id, store, extra=()):
    return [
        sys.executable, "-m", "modelmint.gateway", command,
        "--rpc-url", chain.provider.uri, "--deployment", str(record),
        "--model-id", str(model_id), "--store-path", str(store), *extra,
    ]  # fmt: skip


def start_gateway(env, record, model_id, store, log_path):
    port = free_port()
    log = open(log_path, "w")  # noqa: SIM115 (closed with the process)
    proc = subprocess.Popen(
        gateway_command("serve", record, model_id, store, ("--port", str(port))),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gateway exited: {Path(log_path).read_text()[-1500:]}")
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("gateway not ready in 60 s")


def stop(proc):
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


EXACT_PRICE = 10_000  # dUSD units (6 decimals) per credit: 0.01 dUSD per image
EXACT_CALLS = 3


def exact_caller(tmp, env, record, payees, usd, registry, router, credits, owner, contributor,
                 gateway):  # fmt: skip
    """A second model priced in dUSD, served by its own gateway process with its own
    facilitator; a plain x402 SDK client pays it with `exact`; anyone forwards the payee."""
    print("\n== 5b. a plain x402 client pays a dUSD-priced model with `exact`")
    import asyncio

    from x402 import x402Client
    from x402.http.clients import x402HttpxClient
    from x402.http.utils import decode_payment_response_header
    from x402.mechanisms.evm import EthAccountSigner
    from x402.mechanisms.evm.exact import register_exact_evm_client

    model_id, tx = register_model(registry, owner, weights_hash(DIGITS_ONNX), "ipfs://digits.onnx",
                                  "ipfs://card", asset=usd.address)  # fmt: skip
    step("registerModel (dUSD-priced)", tx)
    registry.setGateway(model_id, gateway, True, sender=owner)
    router.setRecipients(model_id, [owner, contributor], [70, 30], sender=owner)
    credits.enableCredits(model_id, EXACT_PRICE, sender=owner)
    facilitator = accounts.test_accounts[Role.OUTSIDER]  # pays the gas of the transfers
    exact_env = {**env, "MODELMINT_GATEWAY_FACILITATOR_PRIVATE_KEY": facilitator.private_key}
    proc, url = start_gateway(exact_env, record, model_id, tmp / "exact.sqlite3",
                              tmp / "gateway-exact.log")  # fmt: skip
    caller = Account.create()
    usd.mint(caller.address, 100 * EXACT_PRICE, sender=owner)
    payee = payees.payeeOf(model_id)
    client = x402Client()
    register_exact_evm_client(client, EthAccountSigner(caller))
    # The SDK pays only the stablecoins it knows unless told otherwise: allow dUSD, capped.
    network = f"eip155:{chain.chain_id}"
    client.set_spend_controls({"allowed_assets": [
        {"network": network, "asset": usd.address, "max_amount_per_payment": str(10 * EXACT_PRICE)}
    ]})  # fmt: skip

    async def calls():
        async with x402HttpxClient(client, timeout=60) as http:
            return [await http.post(url + "/v1/predict", json={"inputs": [[0.0] * 64]})
                    for _ in range(EXACT_CALLS)]  # fmt: skip

    try:
        answers = asyncio.run(calls())
    finally:
        stop(proc)
    for answer in answers:
        check(answer.status_code == 200, f"exact call served ({answer.status_code})")
        settled = decode_payment_response_header(answer.headers["PAYMENT-RESPONSE"])
        check(settled.success, "exact transfer settled")
    check(usd.balanceOf(payee) == EXACT_CALLS * EXACT_PRICE, "transfers landed at the payee")
    print(f"  {EXACT_CALLS} calls paid by {caller.address} (x402 SDK client, 0 ETH), "
          f"{EXACT_CALLS} transfers of {EXACT_PRICE / 1e6:.2f} dUSD to payee {payee}")  # fmt: skip
    due = router.claimable(model_id, contributor)
    step(
        "forward (anyone; the first deploys the payee)",
        payees.forward(model_id, usd, sender=contributor),
    )
    check(usd.balanceOf(payee) == 0, "payee forwarded")
    gained = router.claimable(model_id, contributor) - due
    print(f"  forwarded {EXACT_CALLS * EXACT_PRICE / 1e6:.2f} dUSD: contributor +{gained / 1e6:.4f}"
          f" dUSD claimable (30% after the fee), treasury fee {router.feesOwed(usd) / 1e6:.4f}")  # fmt: skip


def main():
    logger.set_level(LogLevel.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    started = time.monotonic()
    (deployer, model_owner, contributor, licensee, wallet_owner, gateway, holder) = (
        accounts.test_accounts[role]
        for role in (
            Role.DEPLOYER,
            Role.MODEL_OWNER,
            Role.CONTRIBUTOR,
            Role.LICENSEE,
            Role.CONSUMER,  # the agent wallet's owner
            Role.GATEWAY,
            Role.HOLDER,
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        run(Path(tmp), deployer, model_owner, contributor, licensee, wallet_owner, gateway, holder)
    print(f"\nDemo complete in {time.monotonic() - started:.0f} s; nothing left running.")


def run(tmp, deployer, model_owner, contributor, licensee, wallet_owner, gateway, holder):
    print("\n== 1. deploy the protocol (same plan as `ape run deploy`)")
    cfg = load_config("local")
    # An ERC-3009 token (OpenZeppelin ERC20Permit + ERC3009) for the `exact` caller's model.
    usd = project.AuthorizedERC20.deploy("Demo USD", "dUSD", 6, sender=deployer)
    inputs = PlanInputs.from_config(cfg, str(deployer.address), [str(usd.address)])
    d = Deployment.local(
        protocol_plan(inputs),
        project=project,
        provider=chain.provider,
        account=deployer,
        record_path=tmp / "local.json",
    )
    d.run()
    addr = {name: d.record.address(name) for name in d.record.data["contracts"]}
    print(f"  {d.sent} transactions; every admin power now belongs to the timelock")
    registry = project.ModelRegistry.at(addr["registry"])
    router = project.RevenueRouter.at(addr["router"])
    licenses = project.LicenseManager.at(addr["licenses"])
    credits = project.UsageCredits.at(addr["credits"])
    fractionalizer = project.Fractionalizer.at(addr["fractionalizer"])
    gov_token = project.GovernanceToken.at(addr["gov_token"])
    governor = project.ProtocolGovernor.at(addr["governor"])
    timelock = project.ProtocolTimelock.at(addr["timelock"])
    check(registry.governance() == timelock.address, "registry governed by the timelock")

    print("\n== 2. the model owner registers the shipped digits classifier")
    digest = weights_hash(DIGITS_ONNX)
    model_id, tx = register_model(
        registry, model_owner, digest, "ipfs://digits.onnx", "ipfs://card", asset=ZERO
    )
    step("registerModel (ETH-priced)", tx)
    print(f"  model {model_id}: {DIGITS_ONNX.name}, sha256 {digest.hex()[:16]}...")
    step("setGateway", registry.setGateway(model_id, gateway, True, sender=model_owner))
    step(
        "setRecipients (owner 70 / contributor 30)",
        router.setRecipients(model_id, [model_owner, contributor], [70, 30], sender=model_owner),
    )
    price = ETH // 100
    offer = (model_id, price, 30 * 86400, 0, 0, 0, True, True, "ipfs://terms", b"\x01" * 32)
    tx = step("createOffer (30 days, commercial)", licenses.createOffer(offer, sender=model_owner))
    offer_id = tx.decode_logs(licenses.OfferCreated)[0].offerId
    step("enableCredits", credits.enableCredits(model_id, CREDIT_VALUE, sender=model_owner))
    step("purchase (license holder)", licenses.purchase(offer_id, licensee, price, value=price,
                                                        sender=licensee))  # fmt: skip

    print("\n== 3. the gateway starts on the same chain (its own process)")
    record = d.record.path  # the deployment record the plan wrote; the gateway reads it
    store = tmp / "gateway.sqlite3"
    env = {
        **os.environ,
        "MODELMINT_GATEWAY_PRIVATE_KEY": gateway.private_key,
        # Settle once, explicitly, at the end (step 6).
        "MODELMINT_GATEWAY_SETTLE_INTERVAL": "3600",
    }
    proc, url = start_gateway(env, record, model_id, store, tmp / "gateway.log")
    try:
        info = httpx.get(url + "/.well-known/modelmint").json()
        check(info["versionHash"] == "0x" + digest.hex(), "gateway serves the registered weights")
        print(f"  {url}: model {info['modelId']} v{info['version']}, gateway {info['gateway']}")

        print("\n== 4. an agent with a budget in a smart wallet classifies digits over HTTP")
        agent_key = Account.create()
        wallet_owner.transfer(agent_key.address, ETH // 10)  # gas only
        budget = AGENT_BUDGET_CREDITS * CREDIT_VALUE
        # The owner lists what the agent may pay for: an ETH budget, this model, this gateway.
        wallet = deploy_agent_wallet(project, wallet_owner, agent_key.address, credits,
                                     budgets={ZERO: budget}, models=[model_id],
                                     gateways=[gateway])  # fmt: skip
        wallet_owner.transfer(wallet, ETH // 10)
        print(f"  AgentWallet {wallet.address}: budget {eth(budget)} for model {model_id} via "
              f"its gateway, agent key {agent_key.address} (signs receipts, holds no funds)")  # fmt: skip
        from sklearn.datasets import load_digits

        digits = load_digits()
        rows = digits.data[:DATASET_ROWS].tolist()
        settings = AgentSettings(
            url,
            chain.provider.uri,
            wallet.address,
            agent_key.key.hex(),
            batch=AGENT_BATCH,
            state_dir=tmp / "agent-state",
            log_path=tmp / "agent.jsonl",
        )
        report = run_agent(settings, rows, w3=chain.provider.web3)
        labels = report.labels
        correct = sum(
            int(a == b) for a, b in zip(labels, digits.target[: len(labels)], strict=True)
        )
        check(report.stopped == "budget", f"agent stopped at its budget ({report.stopped})")
        check(report.charged == AGENT_BUDGET_CREDITS, "agent charged its whole budget")
        check(wallet.spentOf(ZERO) == budget, "wallet spent exactly the budget")
        print(f"  {report.calls} paid calls, {report.items} images classified "
              f"({correct / max(len(labels), 1):.0%} correct), {report.charged} credits charged, "
              f"stopped at its budget after {report.seconds:.1f} s")  # fmt: skip
        print(
            f"  wallet spent {eth(wallet.spentOf(ZERO))} of {eth(wallet.budgetOf(ZERO))} on chain"
        )

        print("\n== 5. a license holder calls the same gateway (no payment)")
        holder_client = Client(url, Signer.eoa(licensee.private_key), w3=chain.provider.web3,
                               state_dir=tmp / "licensee", mode="license", commercial=True)  # fmt: skip
        for i in range(LICENSE_CALLS):
            result = holder_client.call("/v1/predict", json={"inputs": [rows[i]]})
            check(result.charged == 0, "licensed call is free")
            check(result.provenance.served.account == licensee.address, "provenance names holder")
        holder_client.close_http()
        print(f"  {LICENSE_CALLS} licensed calls, each with the gateway's provenance signature")
    finally:
        stop(proc)

    exact_caller(tmp, env, d.record.path, project.ModelPayees.at(addr["payees"]), usd,
                 registry, router, credits, model_owner, contributor, gateway)  # fmt: skip

    print("\n== 6. the gateway settles every channel in one transaction")
    first_block = chain.blocks.head.number
    settled = subprocess.run(
        gateway_command("settle", record, model_id, store, ("--once", "--force")),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    check(settled.returncode == 0, f"settlement ran: {settled.stderr[-800:]}")
    events = CreditsChain(chain.provider.web3, credits.address).contract.events
    logs = events.CreditsSettled().get_logs(from_block=first_block + 1)
    txs = {log["transactionHash"] for log in logs}
    check(len(txs) == 1, f"one settlement transaction ({len(txs)})")
    receipt = chain.provider.web3.eth.get_transaction_receipt(txs.pop())
    settled_credits = sum(int(log["args"]["credits"]) for log in logs)
    check(settled_credits == report.charged, "settled what the agent was charged")
    _gas_rows.append(("settle (gateway, all channels)", int(receipt["gasUsed"])))
    print(f"  settle: {len(logs)} channel(s), {settled_credits} credits, "
          f"gas {receipt['gasUsed']:,} = {receipt['gasUsed'] / report.calls:,.0f} per paid call")  # fmt: skip

    if hasattr(credits, "sweep"):  # settlement records consumption; anyone pays it to the router
        step("sweep (settled revenue to the router)", credits.sweep(model_id, sender=gateway))

    print("\n== 7. revenue: the contributor claims, then share holders")
    fee_bps = router.feeBps()
    owner_due = router.claimable(model_id, model_owner)
    contributor_due = router.claimable(model_id, contributor)
    before = contributor.balance
    tx = step("claim (contributor)", router.claim([model_id], sender=contributor))
    check(contributor.balance - before + tx.total_fees_paid == contributor_due, "contributor paid")
    registry.approve(fractionalizer, model_id, sender=model_owner)
    tx = step(
        "fractionalize (shares + governor + timelock)",
        fractionalizer.fractionalize(
            model_id,
            ("Digits Shares", "DIGS", model_owner, 1_000_000 * ETH),
            (1, 50, 0, 10, 3600),
            ([contributor], [30], 70),
            [],  # the gateway has settled and stopped: its grant lapses
            sender=model_owner,
        ),
    )
    event = tx.decode_logs(fractionalizer.ModelFractionalized)[0]
    shares = project.ModelShares.at(event.shares)
    step("share transfer (25% to a holder)", shares.transfer(holder, 250_000 * ETH,
                                                              sender=model_owner))  # fmt: skip
    tip = ETH // 10
    step("pay (a 0.1 ETH tip to the model)", router.pay(model_id, tip, value=tip, sender=licensee))
    # Share revenue unlocks over UNLOCK_PERIOD once observed: sync, then the local chain's clock
    # moves one period on.
    step("sync (the tip starts unlocking)", shares.sync(sender=holder))
    chain.mine(timestamp=chain.blocks.head.timestamp + shares.UNLOCK_PERIOD())
    print(f"  ... {shares.UNLOCK_PERIOD()} s later: locked {shares.lockedRevenue()}")
    holder_due = shares.claimable(holder)
    before = holder.balance
    tx = step("claim (share holder)", shares.claim(sender=holder))
    check(holder.balance - before + tx.total_fees_paid == holder_due > 0, "holder paid")

    print("\n== 8. governance changes the protocol fee through the timelock")
    delegate(gov_token, deployer, sender=deployer)
    chain.mine(1)
    new_fee = fee_bps + 50
    proposal = Proposal(
        governor, [(router.setFeeBps, new_fee)], f"Set protocol fee to {new_fee} bps"
    )
    step("propose", proposal.propose(deployer))
    proposal.wait_until_voting_starts(chain)
    step("castVote", proposal.vote(deployer, Vote.For))
    proposal.wait_until_voting_ends(chain)
    step("queue", proposal.queue(deployer))
    proposal.wait_until_executable(chain)
    step("execute", proposal.execute(deployer))
    check(router.feeBps() == new_fee, "fee changed by governance")

    settle_gas = _gas_rows[
        [label for label, _ in _gas_rows].index("settle (gateway, all channels)")
    ][1]
    print("\n== summary")
    print(f"  paid calls          {report.calls} ({report.items} images) by the agent, "
          f"{LICENSE_CALLS} licensed calls")  # fmt: skip
    print(f"  credits charged     {report.charged} = {eth(report.charged * CREDIT_VALUE)}")
    print(f"  settlement          1 transaction, {settle_gas:,} gas, "
          f"{settle_gas / report.calls:,.0f} gas per paid call")  # fmt: skip
    print(f"  license sale        {eth(price)}")
    print(f"  protocol fee        {fee_bps / 100:.2f}% -> treasury {eth(router.feesOwed(ZERO))}")
    print(f"  model owner         {eth(owner_due)} claimable (70% of revenue after fees)")
    print(f"  contributor         {eth(contributor_due)} claimed (30%)")
    print(f"  share holder        {eth(holder_due)} claimed (25% of shares, from the tip)")
    print(f"  agent wallet        spent {eth(wallet.spentOf(ZERO))} = its whole budget")
    print(f"  governance          protocol fee {fee_bps} -> {router.feeBps()} bps")
    total = sum(g for _, g in _gas_rows)
    print(f"  transactions        {len(_gas_rows)} user transactions, {total:,} gas in all")
