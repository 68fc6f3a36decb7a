"""Property tests: random payments, transfers, claims and waits give every holder its exact
pro-rata part of the revenue unlocked while it held (up to bounded dust) and never more than
the token received."""

from fractions import Fraction

from fixtures.shares_model import UnlockModel
from hypothesis import given
from hypothesis import strategies as st

from modelmint.dev.testing import isolated

holder_index = st.integers(0, 2)
gap = st.integers(0, 50_000)  # seconds before the step (the unlock period is 86,400)


@given(
    steps=st.lists(
        st.tuples(
            st.one_of(
                st.tuples(st.just("pay"), st.integers(1, 10**20), st.just(0)),
                st.tuples(
                    st.just("transfer"), st.tuples(holder_index, holder_index), st.integers(0, 100)
                ),
                st.tuples(st.just("claim"), holder_index, st.just(0)),
            ),
            gap,
        ),
        min_size=1,
        max_size=8,
    ),
    final_wait=gap,
)
def test_shares__random_payments_transfers_and_waits__holders_get_exact_pro_rata_of_unlocked(
    chain, router, create_shares, licensee, holder, contributor, consumer, steps, final_wait
):
    holders = [holder, contributor, consumer]
    with isolated(chain):
        model_id, shares = create_shares(supply=3 * 10**18, holder_=holder)
        model = UnlockModel(shares.UNLOCK_PERIOD(), [h.address for h in holders])
        now = chain.blocks.head.timestamp

        def balances():
            return {h.address: shares.balanceOf(h) for h in holders}

        for (kind, arg, pct), wait in steps:
            now += wait
            chain.pending_timestamp = now
            if kind == "pay":
                router.pay(model_id, arg, value=arg, sender=licensee)
            elif kind == "transfer":
                sender, to = holders[arg[0]], holders[arg[1]]
                before = balances()
                shares.transfer(to, shares.balanceOf(sender) * pct // 100, sender=sender)
                model.accrue(now, before)
            else:
                total = shares.totalRevenue()
                shares.claim(sender=holders[arg])
                model.observe(now, total, balances())
        chain.mine(timestamp=now + final_wait)
        model.accrue(now + final_wait, balances())
        assert shares.observedRevenue() == model.observed
        assert shares.lockedRevenue() == model.locked_at(now + final_wait)
        exact_locked = model.exact_locked_at(now + final_wait)
        assert exact_locked <= shares.lockedRevenue() <= exact_locked + model.observations
        total = 0
        for h in holders:
            got = shares.claimedOf(h) + shares.claimable(h)
            total += got
            exact = model.entitled[h.address]
            assert exact - 1 <= got <= exact + Fraction(1, 2**32), (h, got, exact)
        assert total <= shares.totalRevenue()
