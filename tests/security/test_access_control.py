"""Access-control table: every state-changing function classified; restricted ones revert for
an attacker. docs/ACCESS_CONTROL.md is rendered from the same table."""

import json
from pathlib import Path

import ape
import pytest
from access_table import TABLE, render, restricted
from bad_inputs import MATRIX
from eth_utils import keccak

from modelmint.abi import ABI_DIR, load_abi
from modelmint.constants import DAY, ETH
from modelmint.credits import ChannelTerms, rejection_reason
from modelmint.dev.testing import error_selector

ROOT = Path(__file__).resolve().parents[2]

# Exported ABIs that are no Modelmint contract: ERC20 is the standard token interface a client
# pays through (third-party payment tokens); the ERC-20 functions of Modelmint's own tokens are
# in the tables under GovernanceToken and ModelShares.
NOT_MODELMINT_CONTRACTS = {"ERC20"}


def _type(param: dict) -> str:
    if param["type"].startswith("tuple"):
        return "(" + ",".join(_type(c) for c in param["components"]) + ")" + param["type"][5:]
    return param["type"]


def state_changing(name: str) -> set[str]:
    """The nonpayable and payable functions of the ABI exported in modelmint/abi/ (views and
    pure functions change nothing and are in neither table)."""
    return {
        f"{a['name']}({','.join(_type(i) for i in a['inputs'])})"
        for a in load_abi(name)
        if a["type"] == "function" and a.get("stateMutability") in ("nonpayable", "payable")
    }


def exported_contracts() -> set[str]:
    return {path.stem for path in ABI_DIR.glob("*.json")} - NOT_MODELMINT_CONTRACTS


def test_tables__every_exported_contract__in_access_table_and_bad_input_matrix():
    assert set(TABLE) == exported_contracts(), "access table contracts != modelmint/abi/*.json"
    assert set(MATRIX) == exported_contracts(), "bad-input matrix contracts != modelmint/abi/*.json"


@pytest.mark.parametrize("name", sorted(exported_contracts()))
def test_table__lists_every_state_changing_function__exactly(name):
    abi = state_changing(name)
    table = set(TABLE.get(name, ()))
    assert abi - table == set(), f"unclassified in {name}: {sorted(abi - table)}"
    assert table - abi == set(), f"not in the {name} ABI: {sorted(table - abi)}"


def test_access_control_doc__checked_in__matches_table():
    assert (ROOT / "docs" / "ACCESS_CONTROL.md").read_text() == render()


def attacks(p, attacker, accounts):
    """signature -> (error name or None, bound method, args, kwargs) for every restricted call."""
    ids = p["ids"]
    reg, lic, cred, router = (
        p["ModelRegistry"],
        p["LicenseManager"],
        p["UsageCredits"],
        p["RevenueRouter"],
    )
    mid, victim = ids["model"], accounts[0]
    w = b"\x22" * 32
    out = {}

    def add(contract, sig, error, method, *args, **kw):
        out[(contract, sig)] = (p[contract], error, method, args, kw)

    add(
        "ModelRegistry",
        "publishVersion(uint256,bytes32,string)",
        "ModelRegistryNotModelOwner",
        reg.publishVersion,
        mid,
        w,
        "x",
    )
    add(
        "ModelRegistry",
        "setGateway(uint256,address,bool)",
        "ModelRegistryNotModelOwner",
        reg.setGateway,
        mid,
        attacker,
        True,
    )
    add(
        "ModelRegistry",
        "transferWithGateways(address,uint256,address[])",
        "ModelRegistryNotModelOwner",
        reg.transferWithGateways,
        attacker,
        mid,
        [attacker],
    )
    add(
        "ModelRegistry",
        "setStatus(uint256,uint8)",
        "ModelRegistryNotModelOwner",
        reg.setStatus,
        mid,
        1,
    )
    add(
        "ModelRegistry",
        "setFlagged(uint256,bool)",
        "ModelRegistryNotGovernance",
        reg.setFlagged,
        mid,
        True,
    )
    add(
        "ModelRegistry",
        "setPaymentTokenAllowed(address,bool)",
        "ModelRegistryNotGovernance",
        reg.setPaymentTokenAllowed,
        attacker,
        True,
    )
    add(
        "ModelRegistry",
        "setUsageCredits(address)",
        "ModelRegistryNotGovernance",
        reg.setUsageCredits,
        attacker,
    )
    add(
        "ModelRegistry",
        "transferGovernance(address)",
        "ModelRegistryNotGovernance",
        reg.transferGovernance,
        attacker,
    )
    owner = reg.ownerOf(mid)
    add(
        "ModelRegistry",
        "approve(address,uint256)",
        "ERC721InvalidApprover",
        reg.approve,
        attacker,
        mid,
    )
    add(
        "ModelRegistry",
        "transferFrom(address,address,uint256)",
        "ERC721InsufficientApproval",
        reg.transferFrom,
        owner,
        attacker,
        mid,
    )
    add(
        "ModelRegistry",
        "safeTransferFrom(address,address,uint256)",
        "ERC721InsufficientApproval",
        reg.safeTransferFrom,
        owner,
        attacker,
        mid,
    )
    add(
        "ModelRegistry",
        "safeTransferFrom(address,address,uint256,bytes)",
        "ERC721InsufficientApproval",
        reg.safeTransferFrom,
        owner,
        attacker,
        mid,
        b"",
    )

    offer = (mid, 1, 0, 0, 0, 0, True, False, "x", b"\x01" * 32)
    add(
        "LicenseManager",
        "createOffer((uint256,uint96,uint64,uint32,uint64,uint32,bool,bool,string,bytes32))",
        "LicenseManagerNotModelOwner",
        lic.createOffer,
        offer,
    )
    add(
        "LicenseManager",
        "setOfferPrice(uint256,uint96)",
        "LicenseManagerNotModelOwner",
        lic.setOfferPrice,
        ids["offer"],
        0,
    )
    add(
        "LicenseManager",
        "setOfferPaused(uint256,bool)",
        "LicenseManagerNotModelOwner",
        lic.setOfferPaused,
        ids["offer"],
        True,
    )
    lid = ids["license"]
    holder = lic.ownerOf(lid)
    add(
        "LicenseManager",
        "approve(address,uint256)",
        "ERC721InvalidApprover",
        lic.approve,
        attacker,
        lid,
    )
    add(
        "LicenseManager",
        "transferFrom(address,address,uint256)",
        "ERC721InsufficientApproval",
        lic.transferFrom,
        holder,
        attacker,
        lid,
    )
    add(
        "LicenseManager",
        "safeTransferFrom(address,address,uint256)",
        "ERC721InsufficientApproval",
        lic.safeTransferFrom,
        holder,
        attacker,
        lid,
    )
    add(
        "LicenseManager",
        "safeTransferFrom(address,address,uint256,bytes)",
        "ERC721InsufficientApproval",
        lic.safeTransferFrom,
        holder,
        attacker,
        lid,
        b"",
    )

    cid = ids["channel"]  # a ChannelRef: the id with its terms
    add(
        "UsageCredits",
        "enableCredits(uint256,uint256)",
        "UsageCreditsNotModelOwner",
        cred.enableCredits,
        ids["frac_model"],
        1,
    )
    add(
        "UsageCredits",
        "topUpChannel((address,address,uint256,uint256),uint256,uint40)",
        "UsageCreditsNotChannelConsumer",
        cred.topUpChannel,
        cid.args,
        0,
        2**40 - 1,
    )
    add(
        "UsageCredits",
        "buyAndTopUpChannel((address,address,uint256,uint256),uint256,uint40)",
        "UsageCreditsNotChannelConsumer",
        cred.buyAndTopUpChannel,
        cid.args,
        1,
        2**32 - 1,
    )
    add(
        "UsageCredits",
        "closeChannel((address,address,uint256,uint256))",
        "UsageCreditsNotChannelConsumer",
        cred.closeChannel,
        cid.args,
    )
    add(
        "UsageCredits",
        "closeChannelCooperatively((address,address,uint256,uint256),uint256,bytes)",
        "UsageCreditsNotChannelParty",
        cred.closeChannelCooperatively,
        cid.args,
        0,
        b"\x00" * 65,
    )
    add(
        "UsageCredits",
        "settle((address,uint256,uint256,uint256,uint256,bytes,uint256)[])",
        # With the attacker as gateway, the channel's terms name a channel that does not exist.
        "UsageCreditsUnknownChannel",
        cred.settle,
        [(cid.terms.consumer, cid.terms.model_id, cid.terms.salt, 1, 2**64, b"\x00" * 65, 1)],
    )
    add(
        "UsageCredits",
        "settleAndSweep((address,uint256,uint256,uint256,uint256,bytes,uint256)[],uint256)",
        # As settle: the receipt is skipped; the sweep part is anyone's.
        "UsageCreditsUnknownChannel",
        cred.settleAndSweep,
        [(cid.terms.consumer, cid.terms.model_id, cid.terms.salt, 1, 2**64, b"\x00" * 65, 1)],
        cid.terms.model_id,
    )
    consumer = cid.terms.consumer
    add(
        "UsageCredits",
        "safeTransferFrom(address,address,uint256,uint256,bytes)",
        "ERC1155MissingApprovalForAll",
        cred.safeTransferFrom,
        consumer,
        attacker,
        mid,
        1,
        b"",
    )
    add(
        "UsageCredits",
        "safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)",
        "ERC1155MissingApprovalForAll",
        cred.safeBatchTransferFrom,
        consumer,
        attacker,
        [mid],
        [1],
        b"",
    )

    add(
        "RevenueRouter",
        "setRecipients(uint256,address[],uint32[])",
        "RevenueRouterNotModelOwner",
        router.setRecipients,
        mid,
        [attacker],
        [1],
    )
    add("RevenueRouter", "setFeeBps(uint16)", "RevenueRouterNotGovernance", router.setFeeBps, 0)
    add(
        "RevenueRouter",
        "setTreasury(address)",
        "RevenueRouterNotGovernance",
        router.setTreasury,
        attacker,
    )

    for name in ("ModelShares", "GovernanceToken"):
        tok = p[name]
        add(
            name,
            "transferFrom(address,address,uint256)",
            "ERC20InsufficientAllowance",
            tok.transferFrom,
            victim,
            attacker,
            1,
        )
        add(
            name,
            "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)",
            None,
            tok.permit,
            victim,
            attacker,
            1,
            2**64,
            27,
            b"\x01" * 32,
            b"\x01" * 32,
        )
    shares = p["ModelShares"]
    add(
        "ModelShares",
        "initialize(uint256,address)",
        "InvalidInitialization",
        shares.initialize,
        1,
        attacker,
    )

    add(
        "ModelSharesFactory",
        "createShares(uint256,string,string,uint256,address)",
        "ModelSharesFactoryNotModelOwner",
        p["ModelSharesFactory"].createShares,
        mid,
        "X",
        "X",
        1,
        attacker,
    )
    add(
        "ModelPayees",
        "recover(uint256,address,address)",
        "ModelPayeesNotModelOwner",
        p["ModelPayees"].recover,
        mid,
        p["LicenseManager"],
        attacker,
    )
    add(
        "Fractionalizer",
        "fractionalize(uint256,(string,string,address,uint256),(uint48,uint32,uint256,uint256,uint256),(address[],uint32[],uint32),address[])",
        "FractionalizerNotModelOwner",
        p["Fractionalizer"].fractionalize,
        mid,
        ("X", "X", attacker, 1),
        (1, 10, 0, 10, DAY),
        ([], [], 1),
        [],
    )

    noop = ([str(reg.address)], [0], [b""])
    for gname, tname, key in (
        ("ProtocolGovernor", "ProtocolTimelock", "gov_proposal"),
        ("ModelGovernor", "ModelTimelock", "model_proposal"),
    ):
        g, t = p[gname], p[tname]
        add(
            gname,
            "propose(address[],uint256[],bytes[],string)",
            "GovernorInsufficientProposerVotes",
            g.propose,
            *noop,
            "attack",
        )
        add(
            gname,
            "cancel(address[],uint256[],bytes[],bytes32)",
            "GovernorUnableToCancel",
            g.cancel,
            *noop,
            keccak(text="noop"),
        )
        add(
            gname,
            "castVoteBySig(uint256,uint8,address,bytes)",
            "GovernorInvalidSignature",
            g.castVoteBySig,
            ids[key].proposalId,
            1,
            accounts[0],
            b"\x01" * 65,
        )
        add(
            gname,
            "castVoteWithReasonAndParamsBySig(uint256,uint8,address,string,bytes,bytes)",
            "GovernorInvalidSignature",
            g.castVoteWithReasonAndParamsBySig,
            ids[key].proposalId,
            1,
            accounts[0],
            "",
            b"",
            b"\x01" * 65,
        )
        add(
            gname, "relay(address,uint256,bytes)", "GovernorOnlyExecutor", g.relay, attacker, 0, b""
        )
        add(
            gname,
            "setProposalThreshold(uint256)",
            "GovernorOnlyExecutor",
            g.setProposalThreshold,
            0,
        )
        add(gname, "setVotingDelay(uint48)", "GovernorOnlyExecutor", g.setVotingDelay, 1)
        add(gname, "setVotingPeriod(uint32)", "GovernorOnlyExecutor", g.setVotingPeriod, 1)
        add(
            gname,
            "updateQuorumNumerator(uint256)",
            "GovernorOnlyExecutor",
            g.updateQuorumNumerator,
            1,
        )
        add(gname, "updateTimelock(address)", "GovernorOnlyExecutor", g.updateTimelock, attacker)
        role = t.PROPOSER_ROLE()
        zero32 = b"\x00" * 32
        add(
            tname,
            "schedule(address,uint256,bytes,bytes32,bytes32,uint256)",
            "AccessControlUnauthorizedAccount",
            t.schedule,
            attacker,
            0,
            b"",
            zero32,
            zero32,
            10**9,
        )
        add(
            tname,
            "scheduleBatch(address[],uint256[],bytes[],bytes32,bytes32,uint256)",
            "AccessControlUnauthorizedAccount",
            t.scheduleBatch,
            [attacker],
            [0],
            [b""],
            zero32,
            zero32,
            10**9,
        )
        add(tname, "cancel(bytes32)", "AccessControlUnauthorizedAccount", t.cancel, zero32)
        add(
            tname,
            "grantRole(bytes32,address)",
            "AccessControlUnauthorizedAccount",
            t.grantRole,
            role,
            attacker,
        )
        add(
            tname,
            "revokeRole(bytes32,address)",
            "AccessControlUnauthorizedAccount",
            t.revokeRole,
            role,
            g,
        )
        add(
            tname,
            "renounceRole(bytes32,address)",
            "AccessControlBadConfirmation",
            t.renounceRole,
            role,
            g,
        )
        add(tname, "updateDelay(uint256)", "TimelockUnauthorizedCaller", t.updateDelay, 0)
    mg, mt = p["ModelGovernor"], p["ModelTimelock"]
    add(
        "ModelGovernor",
        "initialize(address,address,uint48,uint32,uint256,uint256)",
        "InvalidInitialization",
        mg.initialize,
        shares,
        mt,
        1,
        1,
        0,
        1,
    )
    add(
        "ModelTimelock",
        "initialize(uint256,address[],address[],address)",
        "InvalidInitialization",
        mt.initialize,
        0,
        [attacker],
        [attacker],
        attacker,
    )
    wallet = p["AgentWallet"]
    add("AgentWallet", "setAgent(address)", "AgentWalletNotOwner", wallet.setAgent, attacker)
    add(
        "AgentWallet",
        "setBudget(address,uint256)",
        "AgentWalletNotOwner",
        wallet.setBudget,
        ETH,
        2**100,
    )
    add(
        "AgentWallet",
        "setModelAllowed(uint256,bool)",
        "AgentWalletNotOwner",
        wallet.setModelAllowed,
        mid + 1,
        True,
    )
    add(
        "AgentWallet",
        "setGatewayAllowed(address,bool)",
        "AgentWalletNotOwner",
        wallet.setGatewayAllowed,
        attacker,
        True,
    )
    add(
        "AgentWallet",
        "setSignable(bytes32,bytes32,bool)",
        "AgentWalletNotOwner",
        wallet.setSignable,
        b"\x01" * 32,
        b"\x02" * 32,
        True,
    )
    add(
        "AgentWallet",
        "withdraw(address,uint256)",
        "AgentWalletNotOwner",
        wallet.withdraw,
        attacker,
        1,
    )
    add(
        "AgentWallet",
        "execute(address,uint256,bytes)",
        "AgentWalletNotAuthorised",
        wallet.execute,
        cred,
        0,
        cred.buyCredits.encode_input(mid, 1, attacker),
    )
    return out


def _cases():
    return [(c, s) for c in sorted(TABLE) for s in restricted(c)]


# The first restricted function of each contract is sent as a real transaction (mined,
# reverted); the others are checked with an eth_call of the same call at the same state, which
# reverts with the same error and changes nothing.
MINED = {next((c, s) for c, s in _cases() if c == contract) for contract, _ in _cases()}


@ape.fixture(scope="module", chain_isolation=False)
def attack_table(protocol, attacker, accounts):
    """`attacks` at the module's deployment (every test starts from that state; it only reads)."""
    return attacks(protocol, attacker, accounts)


def test_attacks__cover_every_restricted_function(attack_table):
    assert set(attack_table) == set(_cases())


@pytest.mark.parametrize(
    ("contract", "sig"), _cases(), ids=[f"{c}.{s.split('(')[0]}" for c, s in _cases()]
)
def test_restricted_function__called_by_attacker__reverts(
    attack_table, attacker, chain, contract, sig
):
    target, error, method, args, kw = attack_table[(contract, sig)]
    if sig.startswith(("settle(", "settleAndSweep(")):
        # A batch never reverts on one receipt: the attacker's receipt is refused (named by
        # the error's selector) and settles nothing.
        [(consumer, model_id, salt, *_)] = args[0]
        named = ChannelTerms(consumer, str(attacker), model_id, salt).channel_id
        before = target.modelCredits(model_id).consumed
        tx = method(*args, sender=attacker, **kw)
        [ev] = tx.decode_logs(target.ReceiptRejected)
        assert ev.channelId == named
        assert rejection_reason(ev.reason) == error
        assert not tx.decode_logs(target.CreditsSettled)
        assert target.modelCredits(model_id).consumed == before
        return
    if (contract, sig) not in MINED:
        revert = _call_revert(chain, target, method, args, kw, attacker)
        if error is not None:
            [abi] = [e for e in target.contract_type.errors if e.name == error]
            assert "0x" + revert[:4].hex() == error_selector(abi.selector), (
                f"{contract}.{sig}: expected {error}, got revert data 0x{revert.hex()[:200]}"
            )
        return
    if error is None:
        with ape.reverts():
            method(*args, sender=attacker, **kw)
    else:
        with ape.reverts(getattr(target, error)):
            method(*args, sender=attacker, **kw)


def _call_revert(chain, target, method, args, kw, sender) -> bytes:
    """The revert data of an eth_call of the attacker's call at the current state; fails if it
    did not revert."""
    assert set(kw) <= {"value"}, kw
    tx = {
        "from": str(sender.address),
        "to": str(target.address),
        "data": "0x" + bytes(method.encode_input(*args)).hex(),
        "value": hex(kw.get("value", 0)),
    }
    response = chain.provider.web3.provider.make_request("eth_call", [tx, "latest"])
    assert "error" in response, "the attacker's call did not revert"
    data = response["error"].get("data")
    return bytes.fromhex(data[2:]) if isinstance(data, str) and data.startswith("0x") else b""


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps({c: restricted(c) for c in TABLE}, indent=1))
