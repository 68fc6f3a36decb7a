"""Protocol governance through the CLI, on a deployment whose admin powers the protocol
timelock holds: a token allowed by proposal, vote, queue and execute, then a model priced in
it, its amounts shown with the token's symbol and decimals."""

import pytest
from fixtures.suites import deploy_erc20

from modelmint.deploy.protocol import deploy_protocol

TOKEN = 10**6  # six decimals


@pytest.fixture(scope="module")
def protocol(project, deployer, treasury, governance):
    return deploy_protocol(
        project,
        deployer,
        treasury=treasury,
        governance=governance,
        admin="timelock",
    )


@pytest.fixture(scope="module")
def token(project, deployer):
    return deploy_erc20(project, deployer, "Test USD", "TUSD", 6)


def test_protocol_direct__admin_is_timelock__refused_with_named_error(
    mm, protocol, token, deployer
):
    done = mm(deployer, "protocol", "allow-token", token.address)
    assert done.code == 2 and "ModelRegistryNotGovernance(" in done.err, done.err
    assert not protocol.registry.isPaymentTokenAllowed(token)


def test_gov_protocol__allow_token_through_vote_queue_execute__then_priced_in_it(
    mm, protocol, token, holder, model_owner, licensee, chain
):
    protocol.gov_token.invoke_transaction("delegate", holder, sender=holder)
    chain.mine(1, deltatime=2)
    done = mm(holder, "--output", "json", "gov", "propose", "allow-token", token.address)
    assert done.code == 0, done.err
    proposal = done.json["proposal"]
    chain.mine(1, deltatime=2)
    voted = mm(holder, "gov", "vote", proposal, "for")
    assert voted.code == 0, voted.err
    shown = mm(holder, "gov", "show", proposal)
    assert "Active" in shown.out and "UTC" in shown.out  # a timestamp-clock governor: dates
    chain.mine(1, deltatime=601)
    assert mm(holder, "gov", "queue", proposal).code == 0
    chain.mine(1, deltatime=61)
    executed = mm(holder, "gov", "execute", proposal)
    assert executed.code == 0, executed.err
    assert protocol.registry.isPaymentTokenAllowed(token)

    out = mm(model_owner, "--output", "json", "model", "register", "--weights", __file__,
             "--version-uri", "ipfs://m/v1", "--metadata-uri", "ipfs://m",
             "--asset", token.address)  # fmt: skip
    model_id = out.json["model"]
    offer = mm(model_owner, "--output", "json", "model", "create-offer", "--model", model_id,
               "--price", "2.5", "--duration", "perpetual", "--terms-uri", "ipfs://t",
               "--terms-hash", "0x" + "cd" * 32)  # fmt: skip
    assert offer.code == 0, offer.err
    assert protocol.licenses.offer(offer.json["offer"]).price == 25 * TOKEN // 10
    token.mint(licensee, 10 * TOKEN, sender=licensee)
    bought = mm(licensee, "license", "buy", offer.json["offer"])
    assert bought.code == 0, bought.err
    assert "for 2.5 TUSD, perpetual" in bought.out
    assert token.balanceOf(licensee) == 75 * TOKEN // 10
