"""Share claims cost the same with 2 and with 200 holders; transfer gas is reported.

Full transaction gas (tx.gas_used, including the 21,000 base). Run with -s to see figures.
"""

import pytest

from modelmint.dev.testing import send_plain

N_SMALL, N_LARGE = 2, 200


@pytest.fixture
def measure(chain, create_shares, router, licensee, holder, contributor):
    def _measure(n_holders):
        model_id, shares = create_shares(supply=10**24, holder_=holder)
        shares.transfer(contributor, 10**21, sender=holder)
        # Setup, not measured: plain transactions (each checked), ape's bookkeeping is the cost.
        holders = [f"0x{0x1000 + i:040x}" for i in range(n_holders - 2)]
        send_plain(chain, holder, [(shares.transfer, (h, 10**21)) for h in holders])
        for _ in range(2):
            router.pay(model_id, 10**18, value=10**18, sender=licensee)
            shares.claim(sender=holder)  # observes: the payment unlocks over the period
            chain.mine(timestamp=chain.blocks.head.timestamp + shares.UNLOCK_PERIOD())
        router.pay(model_id, 10**18, value=10**18, sender=licensee)
        # repeat claim: pays the unlocked revenue and observes the new payment
        claim = shares.claim(sender=holder)
        assert claim.return_value > 0
        router.pay(model_id, 10**18, value=10**18, sender=licensee)
        transfer_pending = shares.transfer(contributor, 10**18, sender=holder)  # unobserved
        transfer_quiet = shares.transfer(contributor, 10**18, sender=holder)
        return claim.gas_used, transfer_pending.gas_used, transfer_quiet.gas_used

    return _measure


def test_gas__share_claim__flat_from_2_to_200_holders(measure):
    small = measure(N_SMALL)
    large = measure(N_LARGE)
    print(
        f"\nshares: claim {small[0]} / {large[0]}; transfer with new revenue {small[1]}, "
        f"transfer with nothing new {small[2]}"
    )
    assert abs(small[0] - large[0]) <= small[0] // 100
    assert abs(small[1] - large[1]) <= small[1] // 100
