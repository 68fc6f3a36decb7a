import ape
import pytest
from fixtures.revenue import ZERO


@pytest.fixture
def model_id(register_model):
    return register_model()


def test_setRecipients__not_owner__reverts(router, model_id, attacker):
    with ape.reverts(router.RevenueRouterNotModelOwner, modelId=model_id, caller=attacker):
        router.setRecipients(model_id, [attacker], [1], sender=attacker)
    assert router.modelState(model_id) == (0, 0, 0)


def test_setRecipients__unknown_model__reverts(router, model_owner):
    with ape.reverts(router.RevenueRouterUnknownModel, modelId=42):
        router.setRecipients(42, [model_owner], [1], sender=model_owner)


def test_setRecipients__length_mismatch__reverts(router, model_id, model_owner):
    with ape.reverts(router.RevenueRouterLengthMismatch, recipients=1, weights=2):
        router.setRecipients(model_id, [model_owner], [1, 2], sender=model_owner)
    assert router.modelState(model_id) == (0, 0, 0)


def test_setRecipients__too_many__reverts(router, model_id, model_owner, accounts):
    recipients = [f"0x{i:040x}" for i in range(1, 1_002)]
    with ape.reverts(router.RevenueRouterTooManyRecipients, count=1_001, max=1_000):
        router.setRecipients(model_id, recipients, [1] * 1_001, sender=model_owner)
    assert router.modelState(model_id) == (0, 0, 0)


def test_setRecipients__zero_weight__reverts(router, model_id, model_owner, contributor):
    with ape.reverts(router.RevenueRouterZeroWeight, recipient=contributor):
        router.setRecipients(model_id, [model_owner, contributor], [1, 0], sender=model_owner)
    assert router.weightOf(model_id, model_owner) == 0


def test_setRecipients__zero_address__reverts(router, model_id, model_owner):
    with ape.reverts(router.RevenueRouterZeroAddress):
        router.setRecipients(model_id, [model_owner, ZERO], [1, 1], sender=model_owner)
    assert router.modelState(model_id) == (0, 0, 0)


def test_setRecipients__duplicate__reverts(router, model_id, model_owner, contributor):
    with ape.reverts(router.RevenueRouterDuplicateRecipient, recipient=model_owner):
        router.setRecipients(
            model_id, [model_owner, contributor, model_owner], [1, 1, 1], sender=model_owner
        )
    assert router.modelState(model_id) == (0, 0, 0)


def test_setRecipients__total_weight_overflows_uint32__reverts(
    router, model_id, model_owner, contributor
):
    with ape.reverts(router.RevenueRouterTotalWeightTooLarge, totalWeight=2**32):
        router.setRecipients(
            model_id, [model_owner, contributor], [2**32 - 1, 1], sender=model_owner
        )
    assert router.modelState(model_id) == (0, 0, 0)


def test_setRecipients__valid__stores_weights_and_emits(router, model_id, model_owner, contributor):
    tx = router.setRecipients(model_id, [model_owner, contributor], [7, 3], sender=model_owner)
    [log] = tx.decode_logs(router.RecipientsSet)
    assert log.modelId == model_id and log.epoch == 1
    assert list(log.recipients) == [model_owner.address, contributor.address]
    assert list(log.weights) == [7, 3]
    assert router.modelState(model_id) == (0, 10, 1)
    assert router.weightOf(model_id, model_owner) == 7
    assert router.weightOf(model_id, contributor) == 3


def test_setRecipients__replaced__settles_old_accruals(
    router, model_id, model_owner, contributor, holder, licensee
):
    router.setRecipients(model_id, [model_owner, contributor], [1, 3], sender=model_owner)
    router.pay(model_id, 2_000, value=2_000, sender=licensee)  # net 1900: 475 / 1425
    # contributor dropped, holder added, owner kept with a new weight (1 -> 2): the owner's
    # accrual so far is settled at its old weight (475; 950 if the new weight were used)
    router.setRecipients(model_id, [model_owner, holder], [2, 3], sender=model_owner)
    assert router.weightOf(model_id, model_owner) == 2
    assert router.weightOf(model_id, contributor) == 0
    assert router.claimable(model_id, contributor) == 1_425
    assert router.claimable(model_id, model_owner) == 475
    router.pay(model_id, 5_000, value=5_000, sender=licensee)  # net 4750: 1900 / 2850
    assert router.claimable(model_id, contributor) == 1_425
    assert router.claimable(model_id, model_owner) == 475 + 1_900
    assert router.claimable(model_id, holder) == 2_850


def test_setRecipients__empty_set__revenue_goes_to_owner(
    router, model_id, model_owner, contributor, licensee
):
    router.setRecipients(model_id, [contributor], [1], sender=model_owner)
    router.pay(model_id, 1_000, value=1_000, sender=licensee)
    router.setRecipients(model_id, [], [], sender=model_owner)
    router.pay(model_id, 1_000, value=1_000, sender=licensee)
    assert router.claimable(model_id, contributor) == 950
    assert router.claimable(model_id, model_owner) == 950
    assert router.modelState(model_id) == (0, 0, 2)


def test_setRecipients__dropped_then_readded__keeps_old_accrual(
    router, model_id, model_owner, contributor, licensee
):
    router.setRecipients(model_id, [contributor], [1], sender=model_owner)
    router.pay(model_id, 1_000, value=1_000, sender=licensee)  # 950 to contributor
    router.setRecipients(model_id, [model_owner], [1], sender=model_owner)
    router.pay(model_id, 1_000, value=1_000, sender=licensee)  # 950 to owner
    router.setRecipients(model_id, [contributor, model_owner], [1, 1], sender=model_owner)
    router.pay(model_id, 1_000, value=1_000, sender=licensee)  # 475 each
    assert router.claimable(model_id, contributor) == 950 + 475
    assert router.claimable(model_id, model_owner) == 950 + 475


def test_setRecipients__new_owner__controls_split(
    router, registry, model_id, model_owner, holder, contributor
):
    registry.transferFrom(model_owner, holder, model_id, sender=model_owner)
    with ape.reverts(router.RevenueRouterNotModelOwner, modelId=model_id, caller=model_owner):
        router.setRecipients(model_id, [model_owner], [1], sender=model_owner)
    router.setRecipients(model_id, [contributor], [1], sender=holder)
    assert router.weightOf(model_id, contributor) == 1


def test_setRecipients__other_models_shares__reverts(router, create_shares, model_owner):
    other_model, other_shares = create_shares(route=False)
    model_id, own_shares = create_shares(route=False)
    with ape.reverts(
        router.RevenueRouterForeignShares, recipient=other_shares.address, sharesModelId=other_model
    ):
        router.setRecipients(model_id, [own_shares, other_shares], [1, 1], sender=model_owner)
    router.setRecipients(model_id, [own_shares], [1], sender=model_owner)
    assert router.weightOf(model_id, own_shares) == 1
