"""Gas benchmark of Modelmint's user operations, run by `make gas` (`ape run gas`).

`measure(project, accounts, chain)` deploys the real contracts on the connected (local) chain,
performs each user operation in a steady state (warm contracts, not the first of its kind
unless the name says so) and returns the `reports/gas.json` dict (see modelmint.dev.gasreport).
Figures are full transaction gas (`tx.gas_used`, including the 21,000 base) except the
per-channel and per-call metering figures. `settle_one_channel` is a settle of one receipt
(full transaction), `settle_per_channel_batch10` / `_batch100` one settle of 10 / 100 receipts
divided by 10 / 100 (each a channel's first settlement, one model); settlement records the
charge only, and `sweep_revenue` is the permissionless transaction that pays a model's settled
revenue to the router (once for any number of settlements); `buy_and_open_channel` (ETH) and
`buy_and_open_channel_erc20` (allowance already set) are a NEW consumer's one-transaction
funded channel, `buy_and_top_up_channel` pays more credits straight into it;
`open_channel_gasless` is a NEW consumer's channel opened by the gateway from the consumer's
signed intent and ERC-3009 authorization (the consumer holds no ETH),
`close_channel_cooperative` the gateway's submission of that consumer's cooperative close
(a charge above what is settled, the rest refunded in the token), and
`settle_and_sweep_one_channel` one channel's settle plus the sweep of it in one transaction
(the gateway's `settleAndSweep`), `settle_then_sweep_two_tx` the same as `settle` then `sweep`
(two transactions, their gas summed); `gas_per_call_1000` is the batch-of-100 per-channel
settle figure divided by 1,000 calls per receipt (the amortised target); `register_model` is an
owner's FIRST model (a fresh funded account: its ERC-721 balance slot is new, the worse case) and `register_model_repeat` an
owner's later model; the `gas_per_call_by_calls` series settles ONE
receipt covering `calls` calls (one credit each) and divides its gas by `calls`.

The x402 `exact` rows (one ERC-3009 transfer per call to the model's payee, and the forward
of the payee into the router) are described in :mod:`modelmint.dev.gasbench_exact`.

`measure(..., scaling=False)` skips the scaling series (1,000-holder and 1,000,000-call runs)
and is what the regression test uses.

The deployed world is :mod:`modelmint.dev.gasbench_world`, the measured operations
:mod:`modelmint.dev.gasbench_ops`; this module runs them and assembles the report.
"""

from __future__ import annotations

import time
from typing import Any

from modelmint.dev.gasbench_exact import exact_ops
from modelmint.dev.gasbench_ops import Bench

# Targets (full transaction gas; per channel / per call for the metering figures).
TARGETS = {
    "register_model": 120_000,
    "register_model_repeat": 120_000,
    "purchase_license": 95_000,
    "renew_license": 45_000,
    "buy_credits_first": 70_000,
    "buy_credits_topup": 45_000,
    # Channels: at or below x402's batch-settlement escrow measured beside ours (docs/GAS.md);
    # the settle rows hold what is reached.
    "buy_and_open_channel": 72_000,
    "buy_and_open_channel_erc20": 85_000,
    "open_channel_gasless": 95_000,
    "sweep_revenue": 50_000,
    "settle_and_sweep_one_channel": 94_600,
    "settle_one_channel": 45_100,
    "settle_per_channel_batch10": 19_900,
    "settle_per_channel_batch100": 17_400,
    "gas_per_call_1000": 25,
    "route_payment": 55_000,
    "claim_repeat": 45_000,
    "share_transfer": 100_000,
    "fractionalize": 600_000,
}

# operation -> (baseline label, key in the measured baselines)
BASELINES = {
    "register_model": ("OZ ERC-721 mint", "erc721_mint"),
    "purchase_license": ("OZ ERC-721 mint", "erc721_mint"),
    "buy_credits_first": ("OZ ERC-1155 mint (first)", "erc1155_mint_first"),
    "buy_credits_topup": ("OZ ERC-1155 mint (repeat)", "erc1155_mint_repeat"),
    "redeem_credits": ("OZ ERC-1155 burn", "erc1155_burn"),
    "route_payment": ("OZ ERC-20 transfer", "erc20_transfer"),
    "exact_transfer": ("OZ ERC-20 transfer", "erc20_transfer"),
    "claim_repeat": ("OZ ERC-20 transfer", "erc20_transfer"),
    "share_transfer": ("OZ ERC20Votes transfer", "votes_transfer"),
    "propose": ("OZ Governor propose", "governor_propose"),
    "cast_vote": ("OZ Governor castVote", "governor_cast_vote"),
}

OPERATIONS = [
    "register_model",
    "register_model_repeat",
    "publish_version",
    "create_offer",
    "purchase_license",
    "renew_license",
    "buy_credits_first",
    "buy_credits_topup",
    "open_channel",
    "buy_and_open_channel",
    "buy_and_open_channel_erc20",
    "buy_and_top_up_channel",
    "settle_one_channel",
    "settle_per_channel_batch10",
    "settle_per_channel_batch100",
    "gas_per_call_1000",
    "sweep_revenue",
    "close_channel",
    "open_channel_gasless",
    "close_channel_cooperative",
    "settle_and_sweep_one_channel",
    "settle_then_sweep_two_tx",
    "redeem_credits",
    "route_payment",
    "claim_repeat",
    "share_transfer",
    "fractionalize",
    "propose",
    "cast_vote",
    "queue",
    "execute",
    "exact_transfer",
    "exact_forward",
    "exact_per_call_forward10",
    "exact_per_call_forward100",
]

SCALING_X = {
    "route_payment_by_recipients": [1, 10, 100, 1_000],
    "claim_by_holders": [1, 10, 100, 1_000],
    "settle_per_channel_by_batch": [1, 10, 100],
    "gas_per_call_by_calls": [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000],
}


def _timed(log, label, fn, *args):
    start = time.monotonic()
    result = fn(*args)
    log(f"  {label}: {result} ({time.monotonic() - start:.1f} s)")
    return result


def measure(project, accounts, chain, scaling: bool = True, log=print) -> dict[str, Any]:
    """Deploy the protocol, measure every operation (and, with `scaling`, the scaling series)
    and return the gas.json dict."""
    bench = Bench(project, accounts, chain, log)
    g = bench.gas
    bench.registry_and_licenses()
    bench.credits_ops()
    bench.funded_channels()
    bench.gasless_channels()
    g["settle_one_channel"] = round(bench.settle_batch(1))
    g["settle_per_channel_batch10"] = round(bench.settle_batch(10))
    g["settle_per_channel_batch100"] = round(_timed(log, "settle 100", bench.settle_batch, 100))
    # Amortised as in the target: a batch-of-100 settle, 1,000 calls per receipt.
    g["gas_per_call_1000"] = round(g["settle_per_channel_batch100"] / 1_000, 2)
    g["settle_and_sweep_one_channel"], g["settle_then_sweep_two_tx"] = bench.settle_and_sweep()
    g["route_payment"], g["claim_repeat"] = bench.route(2)
    _, g["share_transfer"] = bench.shares(2)
    bench.fractionalize()
    bench.governance()
    g.update(exact_ops(bench))

    report: dict[str, Any] = {"operations": {}, "scaling": {}}
    for name in OPERATIONS:
        label, key = BASELINES.get(name, (None, None))
        report["operations"][name] = {
            "gas": g[name],
            "baseline": label,
            "baseline_gas": bench.base.get(key) if key else None,
            "target": TARGETS.get(name),
        }
    if scaling:
        s = report["scaling"]
        s["route_payment_by_recipients"] = [
            [x, _timed(log, f"route x{x}", bench.route, x)[0]]
            for x in SCALING_X["route_payment_by_recipients"]
        ]
        s["claim_by_holders"] = [
            [x, _timed(log, f"shares x{x}", bench.shares, x)[0]]
            for x in SCALING_X["claim_by_holders"]
        ]
        s["settle_per_channel_by_batch"] = [
            [x, round(bench.settle_batch(x))] for x in SCALING_X["settle_per_channel_by_batch"]
        ]
        s["gas_per_call_by_calls"] = [
            [x, round(bench.per_call(x), 2)] for x in SCALING_X["gas_per_call_by_calls"]
        ]
    return report
