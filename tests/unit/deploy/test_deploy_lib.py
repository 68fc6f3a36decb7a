"""modelmint.deploy.engine: plans, records, idempotent re-runs and resume after interruption."""

import json

import pytest
from eth_utils import keccak, to_hex
from fixtures.plans import (
    MINT_AMOUNT,
    SAMPLE_DEPLOYS,
    SAMPLE_TXS,
    Interrupted,
    interrupt_at,
    sample_plan,
)

from modelmint.deploy.errors import DeployError, DeployErrorCode, MismatchError
from modelmint.deploy.steps import DEPLOYER, Call, Deploy, Ref, create_address, validate_plan
from modelmint.records import Record


def _nonce(chain, account):
    return chain.provider.get_nonce(account.address)


def _creations(chain, sender, from_block):
    """Contract-creating transactions sent by ``sender`` since ``from_block``."""
    count = 0
    for number in range(from_block, chain.blocks.height + 1):
        for txn in chain.provider.web3.eth.get_block(number, full_transactions=True).transactions:
            if txn["from"] == sender and txn["to"] is None:
                count += 1
    return count


# ------------------------------------------------------------------------- fresh run


def test_run__fresh_chain__deploys_every_step_and_records_it(
    project, chain, deployer, holder, treasury, plan, make_deployment, record_path
):
    nonce0 = _nonce(chain, deployer)
    d = make_deployment(plan)
    d.run()

    assert _nonce(chain, deployer) == nonce0 + SAMPLE_TXS
    data = json.loads(record_path.read_text())
    assert data["complete"] is True and data["chain_id"] == chain.chain_id
    for name in ("USDC", "DAI", "registry"):
        entry = data["contracts"][name]
        code = bytes(chain.provider.get_code(entry["address"]))
        assert entry["status"] == "deployed"
        assert entry["code_hash"] == to_hex(keccak(code))
        assert chain.provider.get_receipt(entry["tx_hash"]).contract_address == entry["address"]
        assert entry["block_number"] == chain.provider.get_receipt(entry["tx_hash"]).block_number
    usdc, dai = data["contracts"]["USDC"]["address"], data["contracts"]["DAI"]["address"]
    assert data["contracts"]["registry"]["constructor_args"] == [str(deployer.address), [usdc, dai]]
    assert data["contracts"]["USDC"]["constructor_args"] == ["USD Coin", "USDC", 6]
    assert data["calls"]["USDC.mint"]["tx_hash"].startswith("0x")
    registry = project.ModelRegistry.at(data["contracts"]["registry"]["address"])
    assert registry.governance() == treasury.address
    assert registry.isPaymentTokenAllowed(usdc) and registry.isPaymentTokenAllowed(dai)
    assert project.MockERC20.at(usdc).balanceOf(holder) == MINT_AMOUNT
    assert not list(record_path.parent.glob(".*"))  # atomic writes leave no temp files


def test_run__second_run__sends_no_transaction(chain, deployer, plan, make_deployment):
    make_deployment(plan).run()
    nonce = _nonce(chain, deployer)
    height = chain.blocks.height

    again = make_deployment(plan)
    again.run()

    assert again.sent == 0
    assert _nonce(chain, deployer) == nonce and chain.blocks.height == height
    assert sum("(unchanged)" in line for line in again.lines) == SAMPLE_DEPLOYS


def test_run__contract_with_immutable__skipped_by_recorded_code_hash(
    project, chain, plan, make_deployment, record_path
):
    make_deployment(plan).run()
    usdc = json.loads(record_path.read_text())["contracts"]["USDC"]["address"]
    deployed = bytes(chain.provider.get_code(usdc))
    compiled = bytes.fromhex(project.MockERC20.contract_type.runtime_bytecode.bytecode[2:])
    assert deployed != compiled  # the immutable is filled in at deployment

    again = make_deployment(plan)
    again.run()
    assert again.sent == 0


# ----------------------------------------------------------------------- mismatches


def test_run__constructor_args_changed__raises_mismatch_and_sends_nothing(
    chain, deployer, holder, treasury, plan, make_deployment, record_path
):
    make_deployment(plan).run()
    before = record_path.read_text()
    nonce = _nonce(chain, deployer)

    changed = sample_plan(str(holder.address), str(treasury.address), dai_decimals=8)
    with pytest.raises(MismatchError, match="DAI.*constructor args differ") as info:
        make_deployment(changed).run()
    assert info.value.code is DeployErrorCode.MISMATCH

    assert _nonce(chain, deployer) == nonce
    assert json.loads(record_path.read_text())["contracts"] == json.loads(before)["contracts"]


def test_run__mismatch_with_redeploy__replaces_it_and_its_dependents(
    project, holder, treasury, plan, make_deployment, record_path
):
    make_deployment(plan).run()
    old = json.loads(record_path.read_text())["contracts"]

    changed = sample_plan(str(holder.address), str(treasury.address), dai_decimals=8)
    d = make_deployment(changed, redeploy=True)
    d.run()

    new = json.loads(record_path.read_text())["contracts"]
    assert new["USDC"]["address"] == old["USDC"]["address"]
    assert new["DAI"]["address"] != old["DAI"]["address"]
    assert new["registry"]["address"] != old["registry"]["address"]  # its args named old DAI
    assert project.MockERC20.at(new["DAI"]["address"]).decimals() == 8
    assert d.sent == 3  # DAI, registry, handover of the new registry


def test_run__code_replaced_at_recorded_address__raises_mismatch(
    chain, plan, make_deployment, record_path
):
    make_deployment(plan).run()
    dai = json.loads(record_path.read_text())["contracts"]["DAI"]["address"]
    chain.provider.set_code(dai, b"\x60\x00")

    with pytest.raises(MismatchError, match="DAI.*differs from the recorded code hash"):
        make_deployment(plan).run()


def test_run__compiled_code_changed_since_deploy__raises_mismatch(
    plan, make_deployment, record_path
):
    make_deployment(plan).run()
    data = json.loads(record_path.read_text())
    data["contracts"]["registry"]["init_code_hash"] = "0x" + "11" * 32
    record_path.write_text(json.dumps(data))

    with pytest.raises(MismatchError, match="compiled ModelRegistry differs"):
        make_deployment(plan).run()


def test_run__record_from_an_earlier_chain_instance__redeploys_stale_entries(
    chain, deployer, plan, make_deployment, record_path
):
    snapshot = chain.snapshot()
    make_deployment(plan).run()
    old = json.loads(record_path.read_text())["contracts"]
    chain.restore(snapshot)  # the chain "restarted": the recorded blocks are gone
    nonce = _nonce(chain, deployer)

    d = make_deployment(plan)
    d.run()

    assert d.sent == SAMPLE_TXS and _nonce(chain, deployer) == nonce + SAMPLE_TXS
    assert any("its block is not on this chain" in line for line in d.lines)
    new = json.loads(record_path.read_text())["contracts"]
    for name, entry in new.items():
        assert entry["status"] == "deployed" and chain.provider.get_code(entry["address"])
        assert entry["tx_hash"] == old[name]["tx_hash"]  # same deployer, nonce and inputs


def test_deployment__record_of_another_chain__raises(plan, make_deployment, record_path):
    record_path.parent.mkdir(parents=True)
    record_path.write_text(json.dumps({"chain_id": 1, "contracts": {}, "calls": {}}))
    with pytest.raises(DeployError, match="belongs to chain id 1") as info:
        make_deployment(plan)
    assert info.value.code is DeployErrorCode.WRONG_CHAIN


# ------------------------------------------------------------------------- resume


@pytest.mark.parametrize("crash_at", range(1, SAMPLE_TXS + 1))
def test_run__crash_after_broadcast__resumes_without_duplicates(
    project, chain, deployer, holder, plan, make_deployment, record_path, crash_at
):
    start_block = chain.blocks.height + 1
    nonce0 = _nonce(chain, deployer)
    with pytest.raises(Interrupted):
        make_deployment(plan, on_broadcast=interrupt_at(crash_at)).run()
    data = json.loads(record_path.read_text())
    pending = [
        n
        for book in ("contracts", "calls")
        for n, e in data[book].items()
        if e["status"] == "pending"
    ]
    assert len(pending) == 1  # the broadcast transaction is known, its outcome not yet

    resumed = make_deployment(plan)
    resumed.run()

    assert resumed.sent == SAMPLE_TXS - crash_at
    assert any("recovered" in line for line in resumed.lines)
    assert _nonce(chain, deployer) == nonce0 + SAMPLE_TXS
    assert _creations(chain, deployer.address, start_block) == SAMPLE_DEPLOYS
    final = json.loads(record_path.read_text())
    assert final["complete"] is True
    assert all(
        e["status"] in ("deployed", "done")
        for b in ("contracts", "calls")
        for e in final[b].values()
    )
    usdc = project.MockERC20.at(final["contracts"]["USDC"]["address"])
    assert usdc.balanceOf(holder) == MINT_AMOUNT  # minted exactly once


def test_resume__pending_never_broadcast__sends_again(
    chain, deployer, plan, make_deployment, record_path
):
    nonce = _nonce(chain, deployer)
    record = Record(record_path)
    record.contracts["USDC"] = {
        "status": "pending",
        "nonce": nonce,
        "tx_hash": "0x" + "ab" * 32,
        "sender": str(deployer.address),
        "address": create_address(str(deployer.address), nonce),
    }
    record.save()

    d = make_deployment(plan)
    d.run()

    assert any("never reached the chain" in line for line in d.lines)
    assert d.sent == SAMPLE_TXS and _nonce(chain, deployer) == nonce + SAMPLE_TXS


def test_resume__unknown_hash_but_code_at_predicted_address__adopts_contract(
    project, chain, deployer, plan, make_deployment, record_path
):
    start_block = chain.blocks.height + 1
    nonce = _nonce(chain, deployer)
    usdc = project.MockERC20.deploy("USD Coin", "USDC", 6, sender=deployer)
    record = Record(record_path)
    record.contracts["USDC"] = {
        "status": "pending",
        "nonce": nonce,
        "tx_hash": "0x" + "cd" * 32,  # e.g. a node that forgot the transaction
        "sender": str(deployer.address),
        "address": create_address(str(deployer.address), nonce),
        "constructor_args": ["USD Coin", "USDC", 6],
    }
    record.save()

    d = make_deployment(plan)
    d.run()

    assert json.loads(record_path.read_text())["contracts"]["USDC"]["address"] == usdc.address
    assert d.sent == SAMPLE_TXS - 1
    assert _creations(chain, deployer.address, start_block) == SAMPLE_DEPLOYS


# ------------------------------------------------------------------ calls & preview


def test_run__call_whose_check_stays_false__raises(project, deployer, make_deployment):
    plan = [
        Deploy("USDC", "MockERC20", ("USD Coin", "USDC", 6)),
        Call("USDC.mint", "USDC", "mint", (DEPLOYER, 1), done=lambda ctx: False),
    ]
    with pytest.raises(DeployError, match="USDC.mint: sent .* but its check still fails") as info:
        make_deployment(plan).run()
    assert info.value.code is DeployErrorCode.CHECK_FAILED


def test_run__call_reverts__raises_with_the_decoded_contract_error(make_deployment):
    plan = [
        Deploy("registry", "ModelRegistry", (DEPLOYER, [])),
        Call("registry.flag", "registry", "setFlagged", (7, True)),
    ]
    with pytest.raises(
        DeployError, match=r"registry.flag: .*reverted: ModelRegistryUnknownModel\(7\)$"
    ) as info:
        make_deployment(plan).run()

    assert info.value.code is DeployErrorCode.REVERTED
    assert info.value.revert is not None
    assert (info.value.revert.name, info.value.revert.args) == ("ModelRegistryUnknownModel", (7,))


def test_preview__fresh_chain__estimates_gas_predicts_addresses_sends_nothing(
    chain, deployer, plan, make_deployment, record_path
):
    nonce = _nonce(chain, deployer)
    d = make_deployment(plan)
    actions = d.preview(estimate_gas=True)

    assert _nonce(chain, deployer) == nonce and not record_path.exists()
    assert [a.kind for a in actions] == ["deploy", "deploy", "call", "deploy", "call"]
    assert all(a.gas and a.gas > 100_000 for a in actions if a.kind == "deploy")
    d.run()
    recorded = json.loads(record_path.read_text())["contracts"]
    assert actions[0].address == recorded["USDC"]["address"]
    assert actions[1].address == recorded["DAI"]["address"]


def test_preview__after_full_run__everything_skipped_or_done(plan, make_deployment):
    make_deployment(plan).run()
    kinds = [a.kind for a in make_deployment(plan).preview(estimate_gas=True)]
    assert kinds == ["skip", "skip", "done", "skip", "done"]


def test_create_address__matches_ape_prediction(deployer, chain):
    assert (
        create_address(str(deployer.address), deployer.nonce) == deployer.get_deployment_address()
    )


@pytest.mark.parametrize(
    "plan, message",
    [
        ([Deploy("a", "MockERC20"), Deploy("a", "MockERC20")], "two steps named 'a'"),
        ([Deploy("r", "ModelRegistry", (Ref("t"), []))], "refers to 't' before it is deployed"),
        ([Call("c", "r", "governance")], "targets 'r' before it is deployed"),
    ],
)
def test_validate_plan__malformed__raises(plan, message):
    with pytest.raises(DeployError, match=message) as info:
        validate_plan(plan)
    assert info.value.code is DeployErrorCode.PLAN_INVALID
