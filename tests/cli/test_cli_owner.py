"""The owner, buyer, shareholder, operator and governor commands of `modelmint`, run
in-process against the protocol on anvil; every outcome is read back from the chain."""

import pytest
from eth_account import Account

from modelmint.dev.testing import free_terms
from modelmint.receipts import Receipt, ReceiptDomain, sign_receipt
from modelmint.weights import weights_hash

CREDIT_VALUE = 10**12
PRICE = 10**16
THIRTY_DAYS = 30 * 86_400
CREDITS = 50


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    folder = tmp_path_factory.mktemp("weights")
    v1, v2 = folder / "v1.onnx", folder / "v2.onnx"
    v1.write_bytes(b"model weights, version 1")
    v2.write_bytes(b"model weights, version 2")
    return v1, v2


@pytest.fixture(scope="module")
def listed(mm, protocol, model_owner, gateway, weights):
    """A model registered, its gateway allowed, credits enabled and an offer created, all by
    the owner through the CLI; returns (model id, offer id)."""
    out = mm(model_owner, "--output", "json", "model", "register", "--weights", weights[0],
             "--version-uri", "ipfs://wine/v1", "--metadata-uri", "ipfs://wine")  # fmt: skip
    assert out.code == 0, out.err
    model_id = out.json["model"]
    done = mm(model_owner, "model", "set-gateway", "--model", model_id, gateway.address)
    assert done.code == 0 and f"gateway {gateway.address} allowed" in done.out, done.err
    done = mm(model_owner, "model", "enable-credits", "--model", model_id,
              "--credit-value", "0.000001")  # fmt: skip
    assert done.code == 0 and "one credit = 0.000001 ETH" in done.out, done.err
    done = mm(model_owner, "--output", "json", "model", "create-offer", "--model", model_id,
              "--price", "0.01", "--duration", "30d", "--terms-uri", "ipfs://terms",
              "--terms-hash", "0x" + "ab" * 32, "--commercial")  # fmt: skip
    assert done.code == 0, done.err
    return model_id, done.json["offer"]


def test_model_commands__register_gateway_credits_offer__on_chain(listed, protocol, model_owner,
                                                                  gateway, weights):  # fmt: skip
    model_id, offer_id = listed
    registry, credits, licenses = protocol.registry, protocol.credits, protocol.licenses
    assert registry.ownerOf(model_id) == model_owner.address
    assert registry.latestVersion(model_id) == (1, weights_hash(weights[0]))
    assert registry.isGateway(model_id, gateway)
    assert credits.modelCredits(model_id)[1] == CREDIT_VALUE
    offer = licenses.offer(offer_id)
    assert (offer.modelId, offer.price, offer.duration, offer.commercial) == (
        model_id, PRICE, THIRTY_DAYS, True)  # fmt: skip


def test_license_buy_and_renew__paid_and_extended(mm, listed, protocol, licensee):
    model_id, offer_id = listed
    bought = mm(licensee, "--output", "json", "license", "buy", offer_id)
    assert bought.code == 0, bought.err
    license_id = bought.json["license"]
    assert protocol.licenses.ownerOf(license_id) == licensee.address
    assert protocol.licenses.hasValidLicense(licensee, model_id, True, 0)
    expiry = protocol.licenses.license(license_id).expiry
    renewed = mm(licensee, "license", "renew", license_id)
    assert renewed.code == 0 and "renewed for 0.01 ETH, valid until" in renewed.out, renewed.err
    assert protocol.licenses.license(license_id).expiry == expiry + THIRTY_DAYS


def test_revenue__settled_credits_swept_then_claimed_by_owner(mm, listed, protocol, model_owner,
                                                             consumer, gateway, chain):  # fmt: skip
    model_id, _ = listed
    credits, router = protocol.credits, protocol.router
    # A consumer's channel, served and settled by the gateway (its own process in production).
    credits.buyCredits(model_id, CREDITS, consumer, sender=consumer, value=CREDITS * CREDIT_VALUE)
    expiry = chain.pending_timestamp + 3600
    terms = free_terms(credits, consumer.address, gateway, model_id)
    credits.openChannel(model_id, gateway, terms.salt, CREDITS, expiry, sender=consumer)
    signed = sign_receipt(ReceiptDomain.from_contract(credits),
                          Receipt(terms.channel_id, 30, expiry + 3600),
                          Account.from_key(consumer.private_key))  # fmt: skip
    credits.settle([signed.settle_args(terms)], sender=gateway)
    assert credits.pendingRevenue(model_id) == 30 * CREDIT_VALUE

    swept = mm(model_owner, "revenue", "sweep", "--model", model_id)
    assert swept.code == 0 and "30 credits swept, 0.00003 ETH routed" in swept.out, swept.err
    assert credits.pendingRevenue(model_id) == 0
    owed = router.claimable(model_id, model_owner)
    assert owed > 0  # two license payments and the swept credits, less the protocol fee
    shown = mm(model_owner, "--output", "json", "revenue", "show", "--model", model_id)
    assert shown.json["claimable"] == {str(model_id): owed}
    before = model_owner.balance
    claimed = mm(model_owner, "--output", "json", "revenue", "claim", "--model", model_id)
    assert claimed.code == 0, claimed.err
    assert claimed.json["claimed"] == {str(model_id): owed}
    assert router.claimable(model_id, model_owner) == 0
    receipt = chain.provider.web3.eth.get_transaction_receipt(claimed.json["tx"])
    gas = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert model_owner.balance == before + owed - gas


def test_model_set_recipients__split_on_chain(mm, listed, protocol, model_owner, contributor):
    model_id, _ = listed
    done = mm(model_owner, "model", "set-recipients", "--model", model_id,
              "--recipient", f"{model_owner.address}:3", "--recipient", f"{contributor.address}:1")  # fmt: skip
    assert done.code == 0, done.err
    router = protocol.router
    assert (router.weightOf(model_id, model_owner), router.weightOf(model_id, contributor)) == (
        3,
        1,
    )


def test_model_fractionalize__drop_gateways__every_grant_lapses(
    mm, protocol, model_owner, gateway, weights
):
    out = mm(model_owner, "--output", "json", "model", "register", "--weights", weights[0],
             "--version-uri", "ipfs://wine/v1", "--metadata-uri", "ipfs://wine")  # fmt: skip
    model_id = out.json["model"]
    assert mm(model_owner, "model", "set-gateway", "--model", model_id, gateway.address).code == 0
    done = mm(model_owner, "--output", "json", "model", "fractionalize", "--model", model_id,
              "--name", "Wine Shares", "--symbol", "WINE", "--drop-gateways")  # fmt: skip
    assert done.code == 0, done.err
    assert "keeping no gateway" in done.err
    assert done.json["gateways"] == []
    assert protocol.registry.ownerOf(model_id) == done.json["timelock"]
    assert not protocol.registry.isGateway(model_id, gateway)


def test_gov_model__propose_vote_queue_execute__publishes_version(
    mm, listed, protocol, project, model_owner, gateway, chain, weights
):
    model_id, _ = listed
    registry = protocol.registry
    done = mm(model_owner, "--output", "json", "model", "fractionalize", "--model", model_id,
              "--name", "Wine Shares", "--symbol", "WINE", "--voting-delay", 1,
              "--voting-period", 5, "--timelock-delay", 60)  # fmt: skip
    assert done.code == 0, done.err
    assert registry.ownerOf(model_id) == done.json["timelock"]
    # By default the gateways allowed now keep selling under the timelock (and are printed).
    assert f"keeping gateways: {gateway.address}" in done.err
    assert done.json["gateways"] == [gateway.address]
    assert registry.isGateway(model_id, gateway)
    shares = project.ModelShares.at(done.json["shares"])
    assert shares.balanceOf(model_owner) == 10**24
    assert mm(model_owner, "shares", "delegate", "--model", model_id).code == 0
    chain.mine(1)
    proposed = mm(model_owner, "--output", "json", "gov", "propose", "--model", model_id,
                  "publish-version", "--weights", weights[1], "--uri", "ipfs://wine/v2")  # fmt: skip
    assert proposed.code == 0, proposed.err
    proposal = proposed.json["proposal"]
    early = mm(model_owner, "gov", "vote", "--model", model_id, proposal, "for")
    assert early.code == 2 and "GovernorUnexpectedProposalState(" in early.err
    chain.mine(2)
    voted = mm(model_owner, "gov", "vote", "--model", model_id, proposal, "for")
    assert voted.code == 0 and "voted for with weight" in voted.out, voted.err
    chain.mine(6)
    shown = mm(model_owner, "--output", "json", "gov", "show", "--model", model_id, proposal)
    assert shown.json["state"] == "Succeeded"
    queued = mm(model_owner, "gov", "queue", "--model", model_id, proposal)
    assert queued.code == 0 and "executable from" in queued.out, queued.err
    chain.mine(1, deltatime=61)
    executed = mm(model_owner, "gov", "execute", "--model", model_id, proposal)
    assert executed.code == 0, executed.err
    assert registry.latestVersion(model_id) == (2, weights_hash(weights[1]))
    # The shares' revenue: what the router holds for the shares, claimable by the holder.
    claimed = mm(model_owner, "shares", "claim", "--model", model_id)
    assert claimed.code == 0, claimed.err


def test_gov_protocol__raw_proposal__created_on_protocol_governor(mm, protocol, holder, chain):
    router = protocol.router
    # The protocol token's holder delegates to itself (GovernanceToken votes).
    protocol.gov_token.invoke_transaction("delegate", holder, sender=holder)
    chain.mine(1, deltatime=2)
    done = mm(holder, "--output", "json", "gov", "propose", "--description", "fee to 2.5%",
              "raw", router.address, "setFeeBps(uint16)", "250")  # fmt: skip
    assert done.code == 0, done.err
    state = protocol.governor.state(int(done.json["proposal"]))
    assert state in (0, 1)  # Pending, then Active
    assert done.json["governor"] == protocol.governor.address


def test_gateway_fund__eth_sent_to_gateway_key(mm, model_owner):
    key = Account.create().address
    done = mm(model_owner, "gateway", "fund", key, "--amount", "0.05")
    assert done.code == 0 and "sent 0.05 ETH" in done.out, done.err
    assert "confirmed in block" in done.err  # progress, on stderr
    assert model_owner.provider.get_balance(key) == 5 * 10**16


@pytest.fixture(scope="module")
def token_offer(mm, project, accounts, chain, deployer, protocol, model_owner, weights):
    """A model priced in an ERC-20 (allowed by the registry's governance, impersonated) and a
    5-token license offer on it: (token, offer id)."""
    token = project.MockERC20.deploy("Mock USD", "mUSD", 6, sender=deployer)
    governance = accounts[protocol.registry.governance()]
    chain.set_balance(governance.address, 10**18)
    protocol.registry.setPaymentTokenAllowed(token, True, sender=governance)
    out = mm(model_owner, "--output", "json", "model", "register", "--weights", weights[1],
             "--version-uri", "ipfs://tok/v1", "--metadata-uri", "ipfs://tok",
             "--asset", token.address)  # fmt: skip
    assert out.code == 0, out.err
    done = mm(model_owner, "--output", "json", "model", "create-offer", "--model", out.json["model"],
              "--price", "5", "--duration", "30d", "--terms-uri", "ipfs://terms",
              "--terms-hash", "0x" + "cd" * 32)  # fmt: skip
    assert done.code == 0, done.err
    return token, done.json["offer"]


def test_license_buy__erc20_balance_short__refused_before_any_approval(mm, token_offer,
                                                                       protocol, licensee):  # fmt: skip
    token, offer_id = token_offer
    token.mint(licensee, 4_000_000 - token.balanceOf(licensee), sender=licensee)
    nonce = protocol.licenses.provider.get_nonce(licensee.address)
    out = mm(licensee, "license", "buy", offer_id)
    assert out.code == 2 and "holds 4 mUSD; nothing sent" in out.err, out.err
    assert token.allowance(licensee, protocol.licenses) == 0
    assert protocol.licenses.provider.get_nonce(licensee.address) == nonce


def test_license_buy__erc20_purchase_would_revert__nothing_sent_not_even_approval(mm, token_offer,
                                                                                  protocol, licensee):  # fmt: skip
    token, offer_id = token_offer
    token.mint(licensee, 10_000_000, sender=licensee)
    nonce = protocol.licenses.provider.get_nonce(licensee.address)
    out = mm(licensee, "license", "buy", offer_id, "--max-price", "4")
    assert out.code == 2 and "purchase would revert: LicenseManager" in out.err, out.err
    assert token.allowance(licensee, protocol.licenses) == 0
    assert protocol.licenses.provider.get_nonce(licensee.address) == nonce


def test_license_buy__erc20__approves_exact_price_then_buys(mm, token_offer, protocol, licensee):
    token, offer_id = token_offer
    token.mint(licensee, 10_000_000, sender=licensee)
    before = token.balanceOf(licensee)
    out = mm(licensee, "--output", "json", "license", "buy", offer_id)
    assert out.code == 0, out.err
    assert protocol.licenses.ownerOf(out.json["license"]) == licensee.address
    assert token.balanceOf(licensee) == before - 5_000_000
    assert token.allowance(licensee, protocol.licenses) == 0
