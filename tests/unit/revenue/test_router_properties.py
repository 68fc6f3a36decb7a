"""Property tests: random weights, fees and payments conserve money exactly up to bounded dust."""

from fractions import Fraction

from fixtures.revenue import ZERO
from hypothesis import given
from hypothesis import strategies as st

from modelmint.constants import BPS
from modelmint.dev.testing import isolated


@given(
    weights=st.lists(st.integers(1, 2**24), min_size=1, max_size=6),
    payments=st.lists(st.integers(1, 10**21), min_size=1, max_size=5),
    fee_bps=st.integers(0, 1_000),
)
def test_pay__random_weights_and_payments__conserves_money(
    chain, router, register_model, deployer, model_owner, licensee, weights, payments, fee_bps
):
    with isolated(chain):
        model_id = register_model()
        recipients = [f"0x{0x5000 + i:040x}" for i in range(len(weights))]
        router.setRecipients(model_id, recipients, weights, sender=model_owner)
        router.setFeeBps(fee_bps, sender=deployer)
        total_weight = sum(weights)
        fees = 0
        exact = [Fraction(0)] * len(weights)
        for amount in payments:
            router.pay(model_id, amount, value=amount, sender=licensee)
            fee = amount * fee_bps // BPS
            fees += fee
            for i, w in enumerate(weights):
                exact[i] += Fraction((amount - fee) * w, total_weight)
        claimables = [router.claimable(model_id, r) for r in recipients]
        for got, want in zip(claimables, exact, strict=True):
            assert want - len(payments) - 1 < got <= want
        assert router.feesOwed(ZERO) == fees
        assert router.liabilities(ZERO) == sum(payments) == router.balance
        dust = sum(payments) - fees - sum(claimables)
        assert 0 <= dust <= len(weights) + len(payments)


@given(
    first=st.lists(st.integers(1, 1_000), min_size=1, max_size=4),
    second=st.lists(st.integers(1, 1_000), min_size=0, max_size=4),
    amounts=st.tuples(st.integers(1, 10**20), st.integers(1, 10**20)),
)
def test_setRecipients__random_resplits__every_recipient_keeps_its_accrual(
    chain, router, register_model, model_owner, licensee, first, second, amounts
):
    with isolated(chain):
        model_id = register_model()
        pool = [f"0x{0x6000 + i:040x}" for i in range(6)]
        set_a = dict(zip(pool[: len(first)], first, strict=True))
        set_b = dict(zip(pool[2 : 2 + len(second)], second, strict=True))  # overlaps set_a
        expected = {a: Fraction(0) for a in pool}
        for split, amount in ((set_a, amounts[0]), (set_b, amounts[1])):
            router.setRecipients(model_id, list(split), list(split.values()), sender=model_owner)
            router.pay(model_id, amount, value=amount, sender=licensee)
            net = amount - amount * router.feeBps() // BPS
            if not split:
                continue
            for account, w in split.items():
                expected[account] += Fraction(net * w, sum(split.values()))
        for account in pool:
            got = router.claimable(model_id, account)
            assert expected[account] - 3 < got <= expected[account]
