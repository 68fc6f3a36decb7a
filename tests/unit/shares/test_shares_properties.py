"""Property tests: random payments, transfers and claims give every holder its exact pro-rata
revenue (up to bounded dust) and never more than the token received."""

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from modelmint.dev.testing import isolated

BPS = 10_000

holder_index = st.integers(0, 2)


@given(
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("pay"), st.integers(1, 10**20), st.just(0)),
            st.tuples(
                st.just("transfer"), st.tuples(holder_index, holder_index), st.integers(0, 100)
            ),
            st.tuples(st.just("claim"), holder_index, st.just(0)),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_shares__random_payments_and_transfers__holders_get_exact_pro_rata(
    chain, router, create_shares, licensee, holder, contributor, consumer, steps
):
    holders = [holder, contributor, consumer]
    with isolated(chain):
        model_id, shares = create_shares(supply=3 * 10**18, holder_=holder)
        expected = {h.address: Fraction(0) for h in holders}
        payments = 0
        for kind, arg, pct in steps:
            if kind == "pay":
                router.pay(model_id, arg, value=arg, sender=licensee)
                payments += 1
                net = arg - arg * router.feeBps() // BPS
                for h in holders:
                    expected[h.address] += Fraction(net * shares.balanceOf(h), shares.totalSupply())
            elif kind == "transfer":
                sender, to = holders[arg[0]], holders[arg[1]]
                shares.transfer(to, shares.balanceOf(sender) * pct // 100, sender=sender)
            else:
                shares.claim(sender=holders[arg])
        total = 0
        for h in holders:
            got = shares.claimedOf(h) + shares.claimable(h)
            total += got
            assert expected[h.address] - payments - len(steps) - 1 <= got <= expected[h.address]
        assert total <= shares.totalRevenue()
