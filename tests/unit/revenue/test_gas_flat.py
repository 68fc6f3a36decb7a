"""Payment and claim gas do not depend on the number of recipients (accumulator, O(1)).

Full transaction gas (tx.gas_used, including the 21,000 base) is compared between a model
with 2 recipients and one with 200; both must agree within 1 %. Figures are printed for the
report (run with -s to see them).
"""

import pytest
from fixtures.revenue import ZERO

N_SMALL, N_LARGE = 2, 200


@pytest.fixture
def measure(router, register_model, model_owner, contributor, licensee, token, fund):
    def _measure(n_recipients, asset):
        model_id = register_model(asset)
        others = [f"0x{i:040x}" for i in range(0x1000, 0x1000 + n_recipients - 1)]
        router.setRecipients(
            model_id, [contributor, *others], [1] * n_recipients, sender=model_owner
        )
        value = 10**18 if asset == ZERO else 0
        if asset != ZERO:
            fund(licensee, 10 * 10**18)
        router.pay(model_id, 10**18, value=value, sender=licensee)  # warm-up: caches the asset
        router.claim([model_id], sender=contributor)
        pay = router.pay(model_id, 10**18, value=value, sender=licensee)
        claim = router.claim([model_id], sender=contributor)
        return pay.gas_used, claim.gas_used

    return _measure


@pytest.mark.parametrize("asset_kind", ["eth", "erc20"])
def test_gas__payment_and_claim__flat_from_2_to_200_recipients(measure, token, asset_kind):
    asset = ZERO if asset_kind == "eth" else token
    small = measure(N_SMALL, asset)
    large = measure(N_LARGE, asset)
    print(f"\n{asset_kind}: pay {small[0]} / {large[0]}  claim {small[1]} / {large[1]}")
    for a, b in zip(small, large, strict=True):
        assert abs(a - b) <= a // 100
