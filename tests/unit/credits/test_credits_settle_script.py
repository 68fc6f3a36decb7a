"""scripts/settle_receipts.py: a receipts file round-trips through JSON and the gateway's
selection keeps the latest valid receipt per channel, so one transaction settles them all."""

import importlib.util
import json
from pathlib import Path

from modelmint.dev.testing import isolated
from modelmint.receipts import Receipt, SignedReceipt, sign_receipt

_spec = importlib.util.spec_from_file_location(
    "settle_receipts", Path(__file__).parents[3] / "scripts" / "settle_receipts.py"
)
settle_receipts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(settle_receipts)


def test_select_receipts__file_with_stale_forged_misfiled_and_latest__settles_latest_valid_in_one_tx(
    chain, credits, domain, open_channel, consumer, holder, attacker, gateway
):
    with isolated(chain):
        first = open_channel(consumer, 100)
        second = open_channel(holder, 50)
        deadline = chain.pending_timestamp + 3600
        signed = [
            sign_receipt(domain, Receipt(first, used, deadline), consumer) for used in (10, 40, 25)
        ]
        signed.append(sign_receipt(domain, Receipt(second, 30, deadline), holder))
        forged = sign_receipt(domain, Receipt(second, 50, deadline), attacker)
        signed.append(forged)
        # The gateway's file: JSON round trip must preserve every byte of every receipt.
        entries = json.loads(json.dumps([r.to_json() for r in signed]))
        loaded = [SignedReceipt.from_json(e) for e in entries]
        assert loaded == signed

        # The gateway keeps each channel's terms beside its receipts; the forged receipt names
        # `second` too. A receipt filed under another channel's terms is dropped.
        terms = {r: (first if r.receipt.channel_id == first else second).terms for r in loaded}
        misfiled = sign_receipt(domain, Receipt(first, 99, deadline), consumer)
        terms[misfiled] = second.terms
        batch = settle_receipts.select_receipts(credits, [*loaded, misfiled], terms=terms)
        # channel `first`: 40 is the highest; channel `second`: the forged 50 does not verify
        # and must not displace the consumer's valid 30.
        assert {r.receipt.channel_id: r.receipt.cumulative_credits for r in batch} == {
            first: 40,
            second: 30,
        }
        assert len(batch) == 2
        credits.settle([r.settle_args(terms[r]) for r in batch], sender=gateway)
        assert credits.channel(first).settled == 40
        assert credits.channel(second).settled == 30
        # Re-running with the same file selects nothing: already settled.
        assert settle_receipts.select_receipts(credits, loaded, terms=terms) == []


def test_select_receipts__charges_below_ceilings__highest_charge_settles_exactly(
    chain, credits, domain, open_channel, consumer, gateway
):
    with isolated(chain):
        cid = open_channel(consumer, 100)
        deadline = chain.pending_timestamp + 3600
        low, high = (sign_receipt(domain, Receipt(cid, c, deadline), consumer) for c in (50, 80))
        charges = {low: 45, high: 61}
        terms = {low: cid.terms, high: cid.terms}
        [chosen] = settle_receipts.select_receipts(credits, [high, low], charges, terms)
        assert chosen == high
        credits.settle([chosen.settle_args(cid.terms, charges.get(chosen))], sender=gateway)
        assert credits.channel(cid).settled == 61
        assert settle_receipts.select_receipts(credits, [high, low], charges, terms) == []
