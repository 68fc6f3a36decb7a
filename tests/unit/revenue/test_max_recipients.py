"""A full set of MAX_RECIPIENTS recipients fits in one transaction, and payments stay flat."""

import pytest


@pytest.mark.slow
def test_setRecipients__max_recipients__fits_one_tx_and_pay_stays_flat(
    router, register_model, model_owner, contributor, licensee
):
    model_id = register_model()
    n = router.MAX_RECIPIENTS()
    others = [f"0x{0x10000 + i:040x}" for i in range(n - 1)]
    tx = router.setRecipients(model_id, [contributor, *others], [1] * n, sender=model_owner)
    router.pay(model_id, 10**18, value=10**18, sender=licensee)
    pay = router.pay(model_id, 10**18, value=10**18, sender=licensee)
    print(f"\nsetRecipients x{n}: {tx.gas_used} gas; pay: {pay.gas_used} gas")
    assert pay.gas_used <= 55_000
    assert router.claimable(model_id, contributor) == 2 * (10**18 - 5 * 10**16) // n
