"""The dashboard in headless Debian chromium, each write sent through the page's wallet
(window.ethereum forwarding to anvil) and its effect asserted on chain.

Screenshots of the pages go to reports/tmp/screenshots/, or to the directory named by
MODELMINT_SCREENSHOTS (`make screenshots` writes docs/img/, which the README shows), so a test
run leaves the tracked images alone.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from modelmint.abi import load_abi
from modelmint.dev.testing import free_terms, wait_until
from modelmint.gateway.digits import DEFAULT_PATH as DIGITS_ONNX
from modelmint.gateway.service import SettleService
from modelmint.gateway.settings import GatewaySettings

ROOT = Path(__file__).resolve().parents[2]
IMG = Path(os.environ.get("MODELMINT_SCREENSHOTS", ROOT / "reports" / "tmp" / "screenshots"))
TX = re.compile(r"tx (0x[0-9a-f]{64})")


def _shot(page, name: str) -> None:
    IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMG / f"dashboard-{name}.png"), full_page=True)


def _confirmed(page, label: str) -> str:
    """Wait for the write's confirmation notice; return its transaction hash."""
    page.wait_for_function(
        "([label]) => document.getElementById('notice').textContent.startsWith(label + ': confirmed')"
        " || document.getElementById('error').textContent !== ''",
        arg=[label],
    )
    error = page.text_content("#error")
    assert not error, error
    return TX.search(page.text_content("#notice")).group(1)


def _played(page) -> dict:
    """Wait for the playground's answer (or the page's error); its shown facts."""
    page.wait_for_function(
        "() => ['done', 'failed'].includes(document.getElementById('pg-result').dataset.state)"
    )
    error = page.text_content("#error")
    assert not error, error
    shown = page.locator("[data-testid=playground-result]")

    def attr(testid: str, name: str) -> str:
        return shown.locator(f"[data-testid={testid}]").get_attribute(f"data-{name}")

    return {
        "label": int(attr("playground-answer", "label")),
        "credits": int(attr("playground-cost", "credits")),
        "cost": shown.locator("[data-testid=playground-cost] [data-wei]").get_attribute("data-wei"),
        "channel": int(attr("playground-channel", "channel")),
        "opened": attr("playground-channel", "opened") == "true",
        "signer": attr("playground-provenance", "signer"),
        "input": json.loads(shown.locator("[data-testid=playground-input]").text_content()),
    }


def _draw(page, points: list[tuple[float, float]]) -> None:
    """One stroke through ``points`` (fractions of the playground's canvas)."""
    box = page.locator("[data-testid=playground-canvas]").bounding_box()
    at = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points]
    page.mouse.move(*at[0])
    page.mouse.down()
    for x, y in at[1:]:
        page.mouse.move(x, y, steps=6)
    page.mouse.up()


def _settle(gateway_env: dict[str, str]) -> None:
    """What ``modelmint-gateway settle --once --force`` does on the live gateway's store, in
    this process (no second interpreter to start)."""
    prefix = "MODELMINT_GATEWAY_"
    settings = GatewaySettings(
        **{k[len(prefix) :].lower(): v for k, v in gateway_env.items() if k.startswith(prefix)}
    )
    service = SettleService.start(settings)
    try:
        wait_until(
            lambda: not service.settler.run_once(force=True).pending,
            "the gateway's settlement to be mined and confirmed",
            interval=0.2,
        )
    finally:
        service.close()


def _error(page) -> str:
    page.wait_for_function("() => document.getElementById('error').textContent !== ''")
    return page.text_content("#error")


def test_catalog__browse_search_sort__shows_named_models_prices_and_live_gateways(
    wallet_page, market, served, licensee
):
    page = wallet_page(licensee)
    rows = page.locator("[data-testid=model-row]")
    assert rows.count() == 3
    first = rows.nth(0).inner_text()
    assert market.card.name in first and market.card.task in first and "v2" in first
    assert market.card_uri not in first  # the card, not its URI
    assert "ipfs://image-captioner" in rows.nth(1).inner_text()  # binds no card: the URI
    assert market.registry.ownerOf(market.priced_model)[:8] in first
    offers = rows.nth(0).locator("td").nth(5)
    assert "2 from 0.01 ETH" in offers.inner_text()  # two offers, the cheaper in ETH
    assert offers.locator("[data-wei]").get_attribute("data-wei") == str(market.license_price)
    price = rows.nth(0).locator("[data-testid=price-per-call] [data-wei]").first
    assert price.get_attribute("data-wei") == str(market.credits_per_item * market.credit_value)
    assert price.inner_text() == "0.000003 ETH"
    assert "Retired" in rows.nth(2).inner_text()
    page.wait_for_function(  # the real gateway process answers its well-known route
        "() => document.querySelector('[data-testid=model-row] .gw .badge').textContent === 'live'"
    )
    _shot(page, "catalog")

    page.fill("[data-testid=search]", "handwritten")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=model-row]').length === 1"
    )
    assert market.card.name in rows.nth(0).inner_text()
    page.fill("[data-testid=search]", "caption")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=model-row]')]"
        ".map((r) => r.dataset.model).join() === '2'"
    )
    assert "ipfs://image-captioner" in rows.nth(0).inner_text()

    page.fill("[data-testid=search]", "")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=model-row]').length === 3"
    )
    page.click("th[data-sort=id]")  # already ascending: toggles to descending
    page.wait_for_function(
        "() => document.querySelector('[data-testid=model-row]').dataset.model === '3'"
    )


def test_model_page__buy_license__license_minted_to_the_wallet_account(
    wallet_page, market, licensee
):
    before = market.licenses.balanceOf(licensee)
    page = wallet_page(licensee, f"#/model/{market.priced_model}")
    assert f"Model #1: {market.card.name}" in page.text_content("[data-testid=model-title]")
    assert page.text_content("[data-testid=model-description]") == market.card.description
    row = page.locator(f"tr[data-offer='{market.offer_id}']")
    assert row.locator("[data-testid=offer-price]").inner_text() == "0.01 ETH"
    assert row.locator("[data-testid=offer-price] [data-wei]").get_attribute("data-wei") == str(
        market.license_price
    )
    assert row.locator("[data-testid=offer-duration]").inner_text() == "30 days"
    page.click(f"tr[data-offer='{market.offer_id}'] [data-testid=buy-license]")
    tx_hash = _confirmed(page, "Buy license")

    assert market.licenses.balanceOf(licensee) == before + 1
    assert market.licenses.hasValidLicense(licensee, market.priced_model, True, 0)
    receipt = market.licenses.provider.web3.eth.get_transaction_receipt(tx_hash)
    assert receipt["from"] == licensee.address


def test_model_page__max_price_below_price__shows_the_named_error_and_buys_nothing(
    wallet_page, market, licensee
):
    before = market.licenses.balanceOf(licensee)
    page = wallet_page(licensee, f"#/model/{market.priced_model}")
    row = f"tr[data-offer='{market.offer_id}']"
    page.fill(f"{row} [data-testid=max-price]", "0.009999999999999999")  # 1 wei below, in ETH
    page.click(f"{row} [data-testid=buy-license]")

    error = _error(page)
    assert (
        f"LicenseManagerPriceAboveMax(offerId: {market.offer_id}, "
        f"price: {market.license_price}, maxPrice: {market.license_price - 1}): "
        "license manager: price above max"
    ) in error
    assert "0x" not in error  # named, never a raw hex blob
    assert market.licenses.balanceOf(licensee) == before
    _shot(page, "revert")


def test_model_page__buy_credits_then_open_channel__credits_locked_in_a_channel(
    wallet_page, market, served, consumer, gateway
):
    credits = market.credits
    page = wallet_page(consumer, f"#/model/{market.priced_model}")
    page.fill("[data-testid=credit-count]", "25")
    page.click("[data-testid=buy-credits]")
    _confirmed(page, "Buy credits")
    assert credits.balanceOf(consumer, market.priced_model) == 25

    channel_id = free_terms(credits, consumer.address, gateway, market.priced_model).channel_id
    page.fill("[data-testid=credit-count]", "20")
    page.select_option("[data-testid=channel-gateway]", gateway.address)
    page.click("[data-testid=open-channel]")
    _confirmed(page, "Open channel")

    channel = credits.channel(channel_id)  # the page opened the lowest free salt
    assert (channel.deposit, channel.settled) == (20, 0)
    assert credits.balanceOf(consumer, market.priced_model) == 5
    served.caught_up()
    page.goto(page.url.split("#")[0] + "#/account")
    page.wait_for_selector(f"tr[data-channel='{channel_id}']")
    assert "closable after" in page.inner_text(f"tr[data-channel='{channel_id}']")


def test_account_page__claim__revenue_paid_to_the_model_owner(wallet_page, market, model_owner):
    router = market.router
    w3 = router.provider.web3
    claimable = router.claimable(market.priced_model, model_owner)
    assert claimable > 0  # the seeded license sale
    balance = w3.eth.get_balance(model_owner.address)
    page = wallet_page(model_owner, "#/account")
    split = page.locator("[data-testid=claimable] tr", has_text="revenue split")
    amount = split.locator("[data-testid=claimable-amount] [data-wei]")
    assert amount.get_attribute("data-wei") == str(claimable)
    assert amount.inner_text().endswith(" ETH") and "." in amount.inner_text()
    _shot(page, "account")
    split.locator("[data-testid=claim]").click()
    tx_hash = _confirmed(page, "Claim")

    receipt = w3.eth.get_transaction_receipt(tx_hash)
    gas = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert router.claimable(market.priced_model, model_owner) == 0
    assert w3.eth.get_balance(model_owner.address) == balance + claimable - gas


def test_protocol_page__vote_queue_execute__fee_changed_through_the_timelock(
    wallet_page, market, chain, deployer
):
    governor = market.governor
    pid = market.proposal_id
    page = wallet_page(deployer, "#/protocol")
    assert "2.5 %" in page.text_content("[data-testid=fee]")
    row = f"tr[data-proposal='{pid}']"
    assert page.text_content(f"{row} [data-testid=proposal-state]") == "Active"
    window = page.locator(f"{row} [data-testid=proposal-window]")
    assert window.get_attribute("data-clock") == "timestamp" and "1970" not in window.inner_text()
    start = window.locator("[data-time]").first.get_attribute("data-time")
    assert int(start) == governor.proposalSnapshot(pid)  # a timestamp clock: dates
    assert page.locator(f"{row} [data-testid=queue]").count() == 0  # Active: only votes
    page.click(f"{row} [data-testid=vote-for]")
    _confirmed(page, "Vote")
    page.wait_for_selector(f"{row} [data-testid=voted]")  # no second vote offered
    assert page.locator(f"{row} [data-testid=vote-for]").count() == 0

    assert governor.hasVoted(pid, deployer)
    assert governor.proposalVotes(pid)[1] == market.gov_token.getVotes(deployer)
    _shot(page, "protocol")

    chain.pending_timestamp += governor.votingPeriod() + 1
    chain.mine(1)
    page.reload()
    page.wait_for_selector(f"main[data-ready='#/protocol'] {row}")
    assert page.text_content(f"{row} [data-testid=proposal-state]") == "Succeeded"
    assert page.locator(f"{row} [data-testid=vote-for]").count() == 0  # voting is over
    page.click(f"{row} [data-testid=queue]")
    _confirmed(page, "Queue")
    assert governor.state(pid) == 5  # Queued
    # the timelock's delay has not passed: no Execute button yet, its date instead
    actions = page.locator(f"{row} [data-testid=proposal-actions]")
    assert actions.locator("button").count() == 0 and "executable after" in actions.inner_text()

    chain.pending_timestamp += 61
    chain.mine(1)
    page.reload()
    page.wait_for_selector(f"main[data-ready='#/protocol'] {row} [data-testid=execute]")
    page.click(f"{row} [data-testid=execute]")
    _confirmed(page, "Execute")
    assert governor.state(pid) == 7  # Executed
    assert market.router.feeBps() == 300
    assert page.text_content(f"{row} [data-testid=proposal-state]") == "Executed"
    assert page.locator(f"{row} [data-testid=proposal-actions] button").count() == 0


def test_model_page__shareholder_votes__vote_counted_by_the_model_governor(
    wallet_page, market, model_owner
):
    governor = market.model_governor
    pid = market.model_proposal_id
    page = wallet_page(model_owner, f"#/model/{market.fractional_model}")
    assert "CAPS" in page.inner_text("main")
    holders = page.inner_text("[data-testid=shareholders]")
    assert "75.00 %" in holders and "25.00 %" in holders and "750 CAPS" in holders
    row = f"tr[data-proposal='{pid}']"
    window = page.locator(f"{row} [data-testid=proposal-window]")
    # a block-number clock: the window in blocks, dated from the chain's block times
    assert window.get_attribute("data-clock") == "blocknumber"
    text = window.inner_text()
    snapshot, deadline = governor.proposalSnapshot(pid), governor.proposalDeadline(pid)
    assert f"blocks {snapshot} → {deadline}" in text and "1970" not in text and "≈" in text
    _shot(page, "model-governance")
    page.click(f"{row} [data-testid=vote-for]")
    _confirmed(page, "Vote")
    page.wait_for_selector(f"{row} [data-testid=voted]")

    assert governor.hasVoted(pid, model_owner)
    snapshot = governor.proposalSnapshot(pid)
    assert governor.proposalVotes(pid)[1] == market.shares.getPastVotes(model_owner, snapshot)
    assert governor.proposalVotes(pid)[1] > 0


# Before the tests that move chain time past a grace period: the module's gateway never lets
# its chain clock go back, so after ape reverts such a warp a new channel would look in grace.
def test_model_page__playground_call_paid_by_the_wallet__settled_as_charged_answer_is_the_models(
    wallet_page, market, served, gateway_env, consumer, gateway
):
    credits = market.credits
    terms = free_terms(credits, consumer.address, gateway, market.priced_model)
    channel_id = terms.channel_id
    page = wallet_page(consumer, f"#/model/{market.priced_model}")
    _draw(page, [(0.5, 0.15), (0.5, 0.85)])  # a 1
    page.click("[data-testid=playground-run]")
    first = _played(page)
    assert (first["channel"], first["opened"]) == (channel_id, True)  # no channel yet: opened
    page.click("[data-testid=playground-clear]")
    _draw(page, [(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)])  # a 7
    page.click("[data-testid=playground-run]")
    second = _played(page)
    assert (second["channel"], second["opened"]) == (channel_id, False)  # room left: reused
    assert free_terms(credits, consumer.address, gateway, market.priced_model).salt == (
        terms.salt + 1
    )  # one channel opened
    _shot(page, "model")
    # The page forgets what it was charged: the gateway's cumulative_mismatch carries its total
    # and last receipt, which the page checks is the wallet's own before adopting it.
    page.evaluate(
        "() => Object.keys(localStorage).filter((k) => k.includes('.charged.'))"
        ".forEach((k) => localStorage.removeItem(k))"
    )
    page.click("[data-testid=playground-run]")
    third = _played(page)
    assert (third["channel"], third["opened"]) == (channel_id, False)
    charged = page.get_attribute("[data-testid=playground-channel]", "data-charged")
    assert int(charged) == 3 * market.credits_per_item

    session = ort.InferenceSession(str(DIGITS_ONNX))
    for shown in (first, second, third):
        assert len(shown["input"]) == 64 and 0 < max(shown["input"]) <= 16
        x = np.asarray([shown["input"]], dtype=np.float32)
        assert shown["label"] == int(session.run(["label"], {"X": x})[0][0])  # the model's
        assert shown["credits"] == market.credits_per_item  # an API call's price, one item
        assert int(shown["cost"]) == market.credits_per_item * market.credit_value
        assert shown["signer"] == gateway.address  # the provenance recovered in the page

    _settle(gateway_env)
    channel = credits.channel(channel_id)
    assert channel.settled == first["credits"] + second["credits"] + third["credits"]


def test_account_page__close_after_grace__unsettled_deposit_refunded_as_credits(
    wallet_page, market, served, chain, consumer, gateway
):
    credits = market.credits
    model = market.priced_model
    credits.buyCredits(model, 12, consumer, sender=consumer, value=12 * market.credit_value)
    terms = free_terms(credits, consumer.address, gateway, model)
    channel_id = terms.channel_id
    credits.openChannel(
        model, gateway, terms.salt, 12, chain.pending_timestamp + 600, sender=consumer
    )
    chain.pending_timestamp += 600 + credits.GRACE_PERIOD() + 1
    chain.mine(1)
    served.caught_up()
    page = wallet_page(consumer, "#/account")
    page.click(f"tr[data-channel='{channel_id}'] [data-close]")
    _confirmed(page, "Close channel")

    assert credits.channel(channel_id).expiry == 0  # closed
    assert credits.balanceOf(consumer, model) == 12  # nothing settled: the whole deposit back
    assert "closed" in page.inner_text(f"tr[data-channel='{channel_id}']")


def test_account_page__renew__expiry_extended_by_the_offer_duration_for_its_price(
    wallet_page, market, contributor
):
    licenses = market.licenses
    w3 = licenses.provider.web3
    license_id = market.license_id
    assert licenses.ownerOf(license_id) == contributor.address
    before = licenses.license(license_id).expiry
    balance = w3.eth.get_balance(contributor.address)
    page = wallet_page(contributor, "#/account")
    page.click(f"tr[data-license='{license_id}'] [data-renew]")
    tx_hash = _confirmed(page, "Renew")

    duration = licenses.offer(market.offer_id).duration
    assert licenses.license(license_id).expiry == before + duration
    receipt = w3.eth.get_transaction_receipt(tx_hash)
    gas = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert w3.eth.get_balance(contributor.address) == balance - market.license_price - gas


@pytest.mark.skipif(
    not any(f.get("name") == "buyAndOpenChannel" for f in load_abi("UsageCredits")),
    reason="this UsageCredits has no one-transaction funded channel",
)
def test_model_page__buy_and_open_in_one_transaction__channel_funded_nothing_left_over(
    wallet_page, market, consumer, gateway
):
    credits = market.credits
    w3 = credits.provider.web3
    before = credits.balanceOf(consumer, market.priced_model)
    balance = w3.eth.get_balance(consumer.address)
    channel_id = free_terms(credits, consumer.address, gateway, market.priced_model).channel_id
    page = wallet_page(consumer, f"#/model/{market.priced_model}")
    page.fill("[data-testid=credit-count]", "40")
    page.select_option("[data-testid=channel-gateway]", gateway.address)
    page.click("[data-testid=buy-open-channel]")
    tx_hash = _confirmed(page, "Buy and open channel")

    assert credits.channel(channel_id).deposit == 40
    assert credits.balanceOf(consumer, market.priced_model) == before
    receipt = w3.eth.get_transaction_receipt(tx_hash)
    gas = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert w3.eth.get_balance(consumer.address) == balance - 40 * market.credit_value - gas
