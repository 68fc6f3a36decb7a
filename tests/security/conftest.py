"""Full-protocol deployment for the access-control table (governance fixtures reused)."""

from pathlib import Path

import pytest
from ape import fixture as ape_fixture
from fixtures.channels import opened
from fixtures.governance import governance_params

from modelmint.constants import DAY, ETH, UNIT
from modelmint.deploy.agent_wallet import deploy_agent_wallet
from modelmint.deploy.protocol import deploy_protocol
from modelmint.dev.roles import OUTSIDER
from modelmint.structs import OfferParams


@pytest.fixture(scope="module", autouse=True)
def _governance_first(governance_deployed):
    """Deployed before the first test (see fixtures.governance.governance_deployed)."""


CREDIT_VALUE = 10**12
WALLET_BUDGET = 50 * CREDIT_VALUE


@ape_fixture(scope="session", chain_isolation=False)
def agent(accounts):
    """The agent key of the consumer's AgentWallet (an account with no other role)."""
    return accounts[OUTSIDER]


@pytest.fixture(scope="module")
def protocol(
    project,
    chain,
    gov,
    governed_protocol,
    register_model,
    fractionalize,
    model_owner,
    licensee,
    consumer,
    gateway,
    holder,
    agent,
):
    """Every Modelmint contract deployed and wired, with one object of each kind to aim at."""
    registry, router = governed_protocol.registry, governed_protocol.router
    p = deploy_protocol(
        project,
        model_owner,
        only=("licenses", "credits", "payees"),
        deployed={"registry": registry, "router": router},
        credits_uri="ipfs://c/{id}",
    )
    licenses, credits = p.licenses, p.credits

    model_id = register_model()
    offer_tx = licenses.createOffer(
        OfferParams(
            model_id,
            10**15,
            30 * DAY,
            commercial=True,
            terms_uri="ipfs://terms",
            terms_hash=b"\x01" * 32,
        ),
        sender=model_owner,
    )
    offer_id = offer_tx.decode_logs(licenses.OfferCreated)[0].offerId
    buy = licenses.purchase(offer_id, licensee, 10**15, value=10**15, sender=licensee)
    license_id = buy.decode_logs(licenses.Transfer)[0].tokenId

    registry.setGateway(model_id, gateway, True, sender=model_owner)
    credits.enableCredits(model_id, CREDIT_VALUE, sender=model_owner)
    credits.buyCredits(model_id, 100, consumer, value=100 * CREDIT_VALUE, sender=consumer)
    expiry = chain.pending_timestamp + 7 * DAY
    open_tx = credits.openChannel(model_id, gateway, 0, 50, expiry, sender=consumer)
    channel_id = opened(credits, open_tx)  # a ChannelRef: the id with its terms

    # The consumer's AgentWallet: funded, the model and gateway listed, its agent has bought 10
    # credits of its 50-credit ETH budget.
    wallet = deploy_agent_wallet(
        project,
        consumer,
        agent,
        credits,
        budgets={ETH: WALLET_BUDGET},
        models=[model_id],
        gateways=[gateway],
    )
    consumer.transfer(wallet, 10**17)
    buy_for_wallet = credits.buyCredits.encode_input(model_id, 10, wallet.address)
    wallet.execute(credits, 10 * CREDIT_VALUE, buy_for_wallet, sender=agent)

    frac_model = register_model()
    shares, model_governor, model_timelock, _ = fractionalize(
        frac_model, model_owner, gov_params=governance_params(proposal_threshold=UNIT)
    )
    chain.mine(2)

    # One pending proposal per governor, so `cancel` has a target.
    proposal = ([str(registry.address)], [0], [b""], "noop")
    gov_tx = gov.governor.propose(*proposal, sender=holder)
    gov_proposal = gov_tx.decode_logs(gov.governor.ProposalCreated)[0]
    m_tx = model_governor.propose(*proposal, sender=model_owner)
    m_proposal = m_tx.decode_logs(model_governor.ProposalCreated)[0]

    return {
        "ModelRegistry": registry,
        "LicenseManager": licenses,
        "UsageCredits": credits,
        "RevenueRouter": router,
        "ModelShares": shares,
        "ModelSharesFactory": governed_protocol.shares_factory,
        "ModelPayees": p.payees,
        "Fractionalizer": governed_protocol.fractionalizer,
        "GovernanceToken": gov.token,
        "ProtocolGovernor": gov.governor,
        "ProtocolTimelock": gov.timelock,
        "ModelGovernor": model_governor,
        "ModelTimelock": model_timelock,
        "AgentWallet": wallet,
        "ids": {
            "model": model_id,
            "offer": offer_id,
            "license": license_id,
            "channel": channel_id,
            "frac_model": frac_model,
            "gov_proposal": gov_proposal,
            "model_proposal": m_proposal,
            "unit": UNIT,
        },
    }


@pytest.fixture(scope="module", autouse=True)
def deploy_protocol_first(protocol):
    """Build the module-scoped deployment before the first test (ape isolation rebases otherwise)."""


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Bad-input matrix counts: reports/bad-input-matrix.json and one summary line."""
    import json
    import os

    from bad_inputs import MATRIX, TRIED, cases, exempt

    if not TRIED:
        return
    failed = sum(
        1
        for rep in terminalreporter.stats.get("failed", [])
        if "test_bad_input__reverts" in rep.nodeid
    )
    per_function = {key: len(TRIED[key]) for key in sorted(TRIED)}
    total = sum(per_function.values())
    report = {
        "profile": os.environ.get("HYPOTHESIS_PROFILE", "dev"),
        "distinct_bad_inputs": total,
        "functions_tried": len(per_function),
        "cases_defined": len(cases()),
        "failed_cases": failed,
        "per_function": per_function,
        "exempt": {f"{c}.{s}": reason for c, s, reason in exempt()},
        "functions_in_access_table": sum(len(fns) for fns in MATRIX.values()),
    }
    out = Path(__file__).resolve().parents[2] / "reports" / "bad-input-matrix.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    terminalreporter.write_line(
        f"bad-input matrix: {total} distinct bad inputs on {len(per_function)} functions "
        f"({len(cases())} cases, {len(report['exempt'])} functions exempt), "
        f"{failed} failing cases -> {out.relative_to(out.parents[1])}"
    )
