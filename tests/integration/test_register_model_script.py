"""`ape run register_model` registers a model from a real weights file on a deployment."""

import hashlib
import json
import os

import pytest
from deploy_cli_helpers import (
    DEPLOYER,
    LOCAL_NODE_CHAIN_ID,
    LOCAL_NODE_RECORD,
    MODEL_OWNER,
    ApeSession,
    ape_run,
)
from eth_abi import decode, encode
from eth_utils import keccak
from web3 import Web3

from modelmint.deploy.fork import Anvil

pytestmark = pytest.mark.slow


def _call(w3, to, signature, types, args, out_types):
    data = keccak(text=signature)[:4] + encode(types, args)
    return decode(out_types, w3.eth.call({"to": to, "data": data}))


def test_register_model__weights_file__registers_its_sha256_for_the_owner(tmp_path):
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(os.urandom(3 * 1024 * 1024 + 17))  # spans several read chunks
    expected = hashlib.sha256(weights.read_bytes()).digest()
    records = tmp_path / "deployments"

    with Anvil(chain_id=LOCAL_NODE_CHAIN_ID) as node:
        w3 = Web3(Web3.HTTPProvider(node.uri))
        # No --account on the local chain: the scripts use ape's test accounts 0 and 1.
        deployed = ape_run("deploy", node, "--deployments-dir", str(records))
        assert deployed.returncode == 0, deployed.stdout + deployed.stderr
        assert w3.eth.get_transaction_count(DEPLOYER) == 17  # the whole protocol plan

        out = ape_run(
            "register_model",
            node,
            str(weights),
            "--version-uri",
            "ipfs://weights/v1",
            "--metadata-uri",
            "ipfs://card",
            "--deployments-dir",
            str(records),
        )
        assert out.returncode == 0, out.stdout + out.stderr
        assert f"sha256 0x{expected.hex()}" in out.stdout
        assert "registered model 1" in out.stdout

        registry = json.loads((records / LOCAL_NODE_RECORD).read_text())["contracts"]["registry"]
        address = registry["address"]
        (owner,) = _call(w3, address, "ownerOf(uint256)", ["uint256"], [1], ["address"])
        (digest,) = _call(
            w3, address, "versionHash(uint256,uint32)", ["uint256", "uint32"], [1, 1], ["bytes32"]
        )
        assert Web3.to_checksum_address(owner) == MODEL_OWNER
        assert digest == expected


def test_register_model__no_deployment_record__fails_with_hint(tmp_path):
    weights = tmp_path / "w.bin"
    weights.write_bytes(b"weights")
    with Anvil(chain_id=LOCAL_NODE_CHAIN_ID) as node:
        out = ape_run(
            "register_model",
            node,
            str(weights),
            "--version-uri",
            "u",
            "--metadata-uri",
            "m",
            "--deployments-dir",
            str(tmp_path / "none"),
        )
    assert out.returncode != 0
    assert "run `ape run deploy` first" in out.stdout + out.stderr


def test_operator_scripts__offer_credits_fractionalize__act_on_the_deployment(tmp_path):
    weights = tmp_path / "model.bin"
    weights.write_bytes(os.urandom(1024 * 1024))
    terms = tmp_path / "terms.md"
    terms.write_text("Commercial use allowed for 30 days.\n")
    records = tmp_path / "deployments"
    gateway = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"  # anvil account 5
    contributor = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"  # anvil account 2

    # The scripts' logic, in one shared ape process (the real `ape run` process: the tests above).
    with Anvil(chain_id=LOCAL_NODE_CHAIN_ID) as node, ApeSession(tmp_path / "ape.log") as ape:
        w3 = Web3(Web3.HTTPProvider(node.uri))

        def script(name, *args):
            out = ape.run(name, node, *args, "--deployments-dir", str(records))
            assert out.returncode == 0, out.stdout + out.stderr
            return out.stdout

        script("deploy")
        record = json.loads((records / LOCAL_NODE_RECORD).read_text())["contracts"]

        def is_gateway():
            signature, types = "isGateway(uint256,address)", ["uint256", "address"]
            registry = record["registry"]["address"]
            return _call(w3, registry, signature, types, [1, gateway], ["bool"])[0]

        script("register_model", str(weights), "--version-uri", "u", "--metadata-uri", "m")

        offer = script(
            "create_offer",
            "1",
            "--price",
            "1000",
            "--days",
            "30",
            "--commercial",
            "--terms-uri",
            "ipfs://terms",
            "--terms-file",
            str(terms),
        )
        assert "offer 1 on model 1" in offer

        enabled = script("enable_credits", "1", "--credit-value", "7", "--gateway", gateway)
        assert "credits enabled at 7" in enabled
        again = script("enable_credits", "1", "--credit-value", "7", "--gateway", gateway)
        assert "already enabled at 7" in again and "already allowed" in again
        assert is_gateway()

        fractional = script(
            "fractionalize",
            "1",
            "--name",
            "M1 Shares",
            "--symbol",
            "M1S",
            "--supply",
            "1000",
            "--shares-weight",
            "70",
            "--recipient",
            f"{contributor}:30",
            "--voting-delay",
            "1",
            "--voting-period",
            "10",
        )
        timelock = fractional.split("timelock ")[1].split()[0]
        shares = fractional.split("shares ")[1].split(",")[0]
        governor = fractional.split("governor ")[1].split()[0].rstrip(",")
        found = json.loads(script("model_addresses", "1").strip().splitlines()[-1])
        assert (found["shares"], found["governor"], found["timelock"], found["round"]) == (
            shares,
            governor,
            timelock,
            1,
        )
        (owner,) = _call(
            w3, record["registry"]["address"], "ownerOf(uint256)", ["uint256"], [1], ["address"]
        )
        assert Web3.to_checksum_address(owner) == Web3.to_checksum_address(timelock)
        # The gateway allowed before fractionalizing is kept (printed) and still allowed.
        assert f"keeping gateways: {gateway}" in fractional
        assert is_gateway()
