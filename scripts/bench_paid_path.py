"""`ape run bench_paid_path`: the per-stage cost of a paid call, in process
(:mod:`modelmint.dev.paidpath`), on a fresh local deployment of the digits model. Prints
the ``stages_us`` block `make bench-gateway` writes into reports/gateway.json; quicker to
run while working on the paid path (about half a minute)."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from ape import accounts, chain, project

from modelmint.deploy.models import register_model
from modelmint.deploy.protocol import deploy_protocol
from modelmint.dev.paidpath import measure_stages
from modelmint.dev.roles import CONSUMER, DEPLOYER, GATEWAY, MODEL_OWNER, TREASURY
from modelmint.dev.testing import free_terms
from modelmint.gateway.digits import DEFAULT_PATH as DIGITS_ONNX
from modelmint.gateway.service import Service
from modelmint.gateway.settings import GatewaySettings
from modelmint.weights import weights_hash

CALLS = int(sys.argv[-1]) if sys.argv[-1].isdigit() else 1000
ROUNDS = 5


def main():
    deployer, owner, consumer, gateway, treasury = (
        accounts.test_accounts[i] for i in (DEPLOYER, MODEL_OWNER, CONSUMER, GATEWAY, TREASURY)
    )
    p = deploy_protocol(
        project, deployer, only=("registry", "router", "credits", "licenses", "payees"),
        treasury=treasury, protocol_fee_bps=500,
    )  # fmt: skip
    model_id, _ = register_model(
        p.registry, owner, weights_hash(DIGITS_ONNX), "ipfs://d", "ipfs://m", gateways=[gateway]
    )
    p.credits.enableCredits(model_id, 10**9, sender=owner)
    credits = (2 * ROUNDS + 2) * CALLS
    p.credits.buyCredits(model_id, credits, consumer, sender=consumer, value=credits * 10**9)
    terms = free_terms(p.credits, consumer.address, gateway, model_id)
    expiry = chain.pending_timestamp + 24 * 3600
    p.credits.openChannel(model_id, gateway, terms.salt, credits, expiry, sender=consumer)
    work = Path(tempfile.mkdtemp(prefix="bench-paid-path-"))
    record = p.write_record(work / "local.json")
    base = {
        "rpc_url": chain.provider.web3.provider.endpoint_uri,
        "deployment": record.path,
        "model_id": model_id,
        "private_key": "0x" + bytes.fromhex(str(gateway.private_key)[2:]).hex(),
        "settle_in_process": False,
    }
    paid = Service.start(GatewaySettings(**base, store_path=work / "paid.sqlite3"))
    free = Service.start(
        GatewaySettings(**base, store_path=work / "free.sqlite3", payments_enabled=False)
    )
    try:
        stages = measure_stages(paid, free, terms, consumer.private_key, CALLS, ROUNDS)
    finally:
        paid.close()
        free.close()
    print(json.dumps(stages, indent=2))
