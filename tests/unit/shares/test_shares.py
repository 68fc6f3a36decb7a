from fractions import Fraction

import ape
import pytest
from fixtures.revenue import ZERO
from shares_helpers import PERMIT_FIELDS, sign_typed

NET = 950  # net of a 1_000 payment after the 5 % fee


def pay(router, model_id, payer, amount=1_000):
    return router.pay(model_id, amount, value=amount, sender=payer)


def test_createShares__not_model_owner__reverts(shares_factory, register_model, attacker):
    model_id = register_model()
    with ape.reverts(
        shares_factory.ModelSharesFactoryNotModelOwner, modelId=model_id, caller=attacker
    ):
        shares_factory.createShares(model_id, "S", "S", 1, attacker, sender=attacker)


def test_createShares__unknown_model__reverts(shares_factory, model_owner):
    with ape.reverts(shares_factory.ModelSharesFactoryUnknownModel, modelId=5):
        shares_factory.createShares(5, "S", "S", 1, model_owner, sender=model_owner)


def test_createShares__zero_supply__reverts(project, shares_factory, register_model, model_owner):
    model_id = register_model()
    with ape.reverts(project.ModelShares.ModelSharesZeroSupply):
        shares_factory.createShares(model_id, "S", "S", 0, model_owner, sender=model_owner)


def test_createShares__zero_holder__reverts(project, shares_factory, register_model, model_owner):
    model_id = register_model()
    with ape.reverts(project.ModelShares.ModelSharesZeroAddress):
        shares_factory.createShares(model_id, "S", "S", 1, ZERO, sender=model_owner)


def test_createShares__valid__clone_minted_and_self_delegated(
    project, shares_factory, register_model, router, model_owner, holder
):
    model_id = register_model()
    tx = shares_factory.createShares(model_id, "Shares", "SHR", 1_000, holder, sender=model_owner)
    [log] = tx.decode_logs(shares_factory.SharesCreated)
    assert (log.modelId, log.creator, log.supply, log.initialHolder) == (
        model_id,
        model_owner,
        1_000,
        holder,
    )
    shares = project.ModelShares.at(log.shares)
    assert shares_factory.isShares(shares)
    assert not shares_factory.isShares(shares_factory.IMPLEMENTATION())
    assert (shares.name(), shares.symbol(), shares.totalSupply()) == ("Shares", "SHR", 1_000)
    assert shares.balanceOf(holder) == 1_000
    assert (shares.modelId(), shares.router(), shares.asset()) == (model_id, router, ZERO)
    assert shares.delegates(holder) == holder
    assert shares.getVotes(holder) == 1_000
    print("createShares gas", tx.gas_used)


def test_initialize__implementation__locked(project, shares_factory, router, holder):
    impl = project.ModelShares.at(shares_factory.IMPLEMENTATION())
    with ape.reverts(impl.InvalidInitialization):
        impl.initialize(1, holder, sender=holder)


def test_initialize__clone_twice__reverts(create_shares, router, attacker):
    _, shares = create_shares()
    with ape.reverts(shares.InvalidInitialization):
        shares.initialize(1, attacker, sender=attacker)
    assert shares.balanceOf(attacker) == 0


def test_claim__single_holder__gets_all_routed_revenue(
    create_shares, router, unlock, licensee, holder
):
    model_id, shares = create_shares(holder_=holder)
    pay(router, model_id, licensee)
    unlock(shares)
    assert shares.claimable(holder) == NET
    before = holder.balance
    tx = shares.claim(sender=holder)
    assert holder.balance == before + NET - tx.total_fees_paid
    [log] = tx.decode_logs(shares.RevenueClaimed)
    assert (log.account, log.to, log.amount) == (holder, holder, NET)
    assert shares.claimable(holder) == 0
    assert shares.claimedOf(holder) == NET
    assert router.claimable(model_id, shares) == 0


def test_claim__supply_not_dividing_revenue__dust_below_one_wei_per_holder(
    create_shares, router, unlock, licensee, holder, contributor
):
    model_id, shares = create_shares(supply=3 * 10**17, holder_=holder)
    shares.transfer(contributor, 10**17, sender=holder)
    pay(router, model_id, licensee)
    unlock(shares)
    owed_holder, owed_contrib = shares.claimable(holder), shares.claimable(contributor)
    assert NET - 2 <= owed_holder + owed_contrib <= NET
    assert 2 * NET // 3 - 1 <= owed_holder <= 2 * NET // 3
    shares.claim(sender=holder)
    shares.claim(sender=contributor)
    # the dust stays at the router under the token's name, attributed to no holder
    assert router.claimable(model_id, shares) == NET - owed_holder - owed_contrib
    assert shares.claimable(holder) == shares.claimable(contributor) == 0


def test_transfer__unlocked_revenue__stays_with_sender(
    create_shares, router, unlock, licensee, holder, contributor
):
    model_id, shares = create_shares(supply=100, holder_=holder)
    pay(router, model_id, licensee)
    unlock(shares)
    shares.transfer(contributor, 50, sender=holder)
    assert shares.claimable(holder) == NET
    assert shares.claimable(contributor) == 0
    pay(router, model_id, licensee)
    unlock(shares)
    assert shares.claimable(holder) == NET + NET // 2
    assert shares.claimable(contributor) == NET // 2


def test_transfer__locked_revenue__goes_to_the_buyer_as_it_unlocks(
    chain, create_shares, router, licensee, holder, contributor
):
    """A seller gives up the revenue still locked (and not yet observed) to the buyer."""
    model_id, shares = create_shares(supply=100, holder_=holder)
    pay(router, model_id, licensee)
    sync = shares.sync(sender=licensee)
    assert shares.observedRevenue() == NET
    sold = shares.transfer(contributor, 100, sender=holder)
    held = chain.blocks[sold.block_number].timestamp - chain.blocks[sync.block_number].timestamp
    pay(router, model_id, licensee)  # not observed yet
    chain.mine(timestamp=chain.blocks.head.timestamp + shares.UNLOCK_PERIOD())
    assert shares.lockedRevenue() == 0
    assert shares.claimable(contributor) + shares.claimable(holder) == NET
    assert shares.claimable(holder) <= NET * held // shares.UNLOCK_PERIOD() + 1
    shares.claim(sender=contributor)  # observes the second payment: it unlocks for the buyer
    chain.mine(timestamp=chain.blocks.head.timestamp + shares.UNLOCK_PERIOD())
    assert shares.claimable(contributor) == NET
    assert shares.totalRevenue() == shares.observedRevenue() == 2 * NET


def test_transfer__holder_never_claims__loses_nothing(
    create_shares, router, unlock, licensee, holder, contributor, consumer
):
    model_id, shares = create_shares(supply=90, holder_=holder)
    shares.transfer(contributor, 30, sender=holder)
    shares.transfer(consumer, 30, sender=holder)
    for _ in range(3):
        pay(router, model_id, licensee, 900)  # net 855 -> 285 each
        unlock(shares)
        shares.transfer(consumer, 10, sender=contributor)
        shares.transfer(contributor, 10, sender=consumer)
        shares.claim(sender=contributor)
    assert shares.claimable(holder) == 3 * 285
    assert shares.claimable(consumer) == 3 * 285
    assert shares.claimedOf(contributor) == 3 * 285


def test_burn__keeps_accrued_revenue(create_shares, router, unlock, licensee, holder, contributor):
    model_id, shares = create_shares(supply=100, holder_=holder)
    shares.transfer(contributor, 50, sender=holder)
    pay(router, model_id, licensee)
    unlock(shares)
    shares.burn(50, sender=holder)
    assert shares.totalSupply() == 50
    assert shares.claimable(holder) == NET // 2
    pay(router, model_id, licensee)
    unlock(shares)
    assert shares.claimable(holder) == NET // 2
    assert shares.claimable(contributor) == NET // 2 + NET


def test_burn__whole_supply__reverts(create_shares, holder):
    _, shares = create_shares(supply=100, holder_=holder)
    with ape.reverts(shares.ModelSharesBurnsLastShares, value=100, totalSupply=100):
        shares.burn(100, sender=holder)
    assert shares.totalSupply() == 100


def test_claimTo__zero_address__reverts(create_shares, router, unlock, licensee, holder):
    model_id, shares = create_shares(holder_=holder)
    pay(router, model_id, licensee)
    unlock(shares)
    with ape.reverts(shares.ModelSharesZeroAddress):
        shares.claimTo(ZERO, sender=holder)
    assert shares.claimable(holder) == NET


def test_claimTo__other_account__sends_there(
    create_shares, router, unlock, licensee, holder, consumer
):
    model_id, shares = create_shares(holder_=holder)
    pay(router, model_id, licensee)
    unlock(shares)
    before = consumer.balance
    shares.claimTo(consumer, sender=holder)
    assert consumer.balance == before + NET


def test_claim__nothing_due__pays_nothing(create_shares, attacker):
    _, shares = create_shares()
    before = attacker.balance
    tx = shares.claim(sender=attacker)
    assert attacker.balance == before - tx.total_fees_paid
    assert tx.decode_logs(shares.RevenueClaimed) == []


def test_claim__erc20_model__pays_token(
    create_shares, router, unlock, token, fund, licensee, holder
):
    model_id, shares = create_shares(holder_=holder, asset=token)
    fund(licensee, 10_000)
    router.pay(model_id, 10_000, sender=licensee)
    unlock(shares)
    shares.claim(sender=holder)
    assert token.balanceOf(holder) == 9_500
    assert token.balanceOf(shares) == 0


def test_claim__two_holders__router_pays_each_directly(
    create_shares, router, unlock, licensee, holder, contributor
):
    model_id, shares = create_shares(supply=2, holder_=holder)
    shares.transfer(contributor, 1, sender=holder)
    pay(router, model_id, licensee, 2_000)  # net 1_900
    unlock(shares)
    tx = shares.claim(sender=holder)
    [routed] = tx.decode_logs(router.RevenueClaimed)
    assert (routed.account, routed.to, routed.amount) == (shares, holder, 950)
    assert shares.balance == 0
    assert router.claimable(model_id, shares) == 950
    tx = shares.claim(sender=contributor)
    assert tx.decode_logs(shares.RevenueClaimed)[0].amount == 950
    assert router.claimable(model_id, shares) == 0
    assert shares.totalRevenue() == 1_900


def test_receive__direct_eth__reverts(create_shares, attacker):
    _, shares = create_shares()
    with ape.reverts():
        attacker.transfer(shares, 1)
    assert shares.balance == 0


def test_claim__holder_refuses_eth__blocks_only_itself(
    project, create_shares, router, unlock, licensee, holder, deployer
):
    bad = project.RevertingRecipient.deploy(sender=deployer)
    model_id, shares = create_shares(supply=2, holder_=holder)
    shares.transfer(bad, 1, sender=holder)
    pay(router, model_id, licensee, 2_000)
    unlock(shares)
    before = holder.balance
    tx = shares.claim(sender=holder)
    assert holder.balance == before + 950 - tx.total_fees_paid
    assert shares.claimable(bad) == 950


def test_votes__transfer__moves_voting_power_without_delegate(create_shares, holder, contributor):
    _, shares = create_shares(supply=100, holder_=holder)
    shares.transfer(contributor, 40, sender=holder)
    assert shares.getVotes(holder) == 60
    assert shares.getVotes(contributor) == 40
    assert shares.delegates(contributor) == contributor


def test_votes__delegate_elsewhere_and_back__follows(create_shares, holder, contributor, consumer):
    _, shares = create_shares(supply=100, holder_=holder)
    shares.transfer(contributor, 40, sender=holder)
    shares.invoke_transaction("delegate", consumer, sender=contributor)
    assert (shares.getVotes(contributor), shares.getVotes(consumer)) == (0, 40)
    shares.transfer(contributor, 10, sender=holder)
    assert shares.getVotes(consumer) == 50
    shares.invoke_transaction("delegate", ZERO, sender=contributor)
    assert shares.delegates(contributor) == contributor
    assert (shares.getVotes(contributor), shares.getVotes(consumer)) == (50, 0)


@pytest.mark.parametrize("route", [False])
def test_claim__shares_not_a_recipient__nothing_accrues(
    create_shares, router, unlock, licensee, holder, model_owner, route
):
    model_id, shares = create_shares(holder_=holder, route=route)
    pay(router, model_id, licensee)
    unlock(shares)
    assert shares.claimable(holder) == 0
    assert router.claimable(model_id, model_owner) == NET


def test_permit__signed_by_holder__sets_allowance(chain, create_shares, holder, attacker):
    _, shares = create_shares(holder_=holder)
    deadline = chain.pending_timestamp + 3_600
    message = {
        "owner": holder.address,
        "spender": attacker.address,
        "value": 40,
        "nonce": shares.nonces(holder),
        "deadline": deadline,
    }
    sig = sign_typed(chain, shares, holder, "Permit", PERMIT_FIELDS, message)
    shares.permit(holder, attacker, 40, deadline, *sig, sender=attacker)
    assert shares.allowance(holder, attacker) == 40
    assert shares.nonces(holder) == 1
    # replaying the same signature fails (nonce consumed)
    with ape.reverts(shares.ERC2612InvalidSigner):
        shares.permit(holder, attacker, 40, deadline, *sig, sender=attacker)


def test_burn__zero__reverts_and_checkpoints_nothing(create_shares, holder, licensee, router):
    model_id, shares = create_shares(supply=1_000, holder_=holder)
    router.pay(model_id, 1_000, value=1_000, sender=licensee)
    with ape.reverts(shares.ModelSharesZeroAmount):
        shares.burn(0, sender=holder)
    assert shares.totalSupply() == 1_000


def test_claimFor__pool_contract_holder__revenue_routed_out_to_the_pool(
    project, deployer, create_shares, router, unlock, token, fund, licensee, holder, attacker
):
    """A contract holder that never calls claim (an AMM pool) no longer leaves its revenue at
    the router: anyone routes it out to the holder."""
    pool = project.SharesBatcher.deploy(sender=deployer)  # holds shares, cannot call claim
    model_id, shares = create_shares(supply=1_000, holder_=holder, asset=token)
    shares.transfer(pool, 900, sender=holder)
    fund(licensee, 10_000)
    router.pay(model_id, 10_000, sender=licensee)  # net 9_500
    unlock(shares)
    tx = shares.claimFor(pool, sender=attacker)
    assert token.balanceOf(pool) == 8_550 == tx.return_value
    [ev] = tx.decode_logs(shares.RevenueClaimed)
    assert (ev.account, ev.to, ev.amount) == (pool.address, pool.address, 8_550)
    assert shares.claimable(pool) == 0
    assert router.claimable(model_id, shares) == 950  # the holder's part, still its own
    assert shares.claimable(holder) == 950


def test_claimFor__v2_style_pair__first_skim_caller_takes_the_revenue(
    project, deployer, create_shares, router, unlock, token, fund, licensee, holder, attacker
):
    """claimFor is not a distribution to a pool's LPs: revenue paid to a Uniswap-v2-style pair
    is an excess over its reserves, and the first `skim` caller takes it
    (docs/SHARE-REVENUE-TIMING.md)."""
    model_id, shares = create_shares(supply=1_000, holder_=holder, asset=token)
    pair = project.SkimPairMock.deploy(shares, token, sender=deployer)
    fund(holder, 5_000)
    shares.transfer(pair, 900, sender=holder)  # the LP deposits 900 shares + 5,000 tokens
    token.transfer(pair, 5_000, sender=holder)
    pair.mint(sender=holder)
    fund(licensee, 10_000)
    router.pay(model_id, 10_000, sender=licensee)  # net 9_500, 8_550 of it the pair's
    unlock(shares)
    shares.claimFor(pair, sender=attacker)
    assert token.balanceOf(pair) == 5_000 + 8_550
    assert (pair.reserve0(), pair.reserve1()) == (900, 5_000)  # the LPs' reserves: unchanged
    pair.skim(attacker, sender=attacker)
    assert token.balanceOf(attacker) == 8_550
    assert token.balanceOf(pair) == 5_000 == pair.reserve1()


def test_setPayout__holder__claimFor_pays_the_payout_address(
    create_shares, router, unlock, licensee, holder, contributor, attacker
):
    model_id, shares = create_shares(holder_=holder)
    tx = shares.setPayout(contributor, sender=holder)
    [ev] = tx.decode_logs(shares.PayoutSet)
    assert (ev.account, ev.payout) == (holder.address, contributor.address)
    assert shares.payoutOf(holder) == contributor
    pay(router, model_id, licensee)
    unlock(shares)
    before = contributor.balance
    shares.claimFor(holder, sender=attacker)
    assert contributor.balance == before + NET
    assert shares.claimedOf(holder) == NET
    shares.setPayout(ZERO, sender=holder)
    assert shares.payoutOf(holder) == holder


def test_claimFor__zero_account__reverts(create_shares, attacker):
    _, shares = create_shares(supply=1_000)
    with ape.reverts(shares.ModelSharesZeroAddress):
        shares.claimFor(ZERO, sender=attacker)


def test_claim__supply_borrowed_around_one_payment__sniper_earns_negligible_part(
    project, deployer, create_shares, router, holder
):
    """1,000 shares, a pool holds 900; in one transaction a gateway-like contract borrows the
    900, makes a 10,000 payment land, claims and returns the shares. Credited at the payment
    instant it would take 0.9 x net (8,550 of 9,500); the bound is at most 0.1 % of the
    payment's net (unlocking over time: nothing within the same transaction)."""
    model_id, shares = create_shares(supply=1_000, holder_=holder)
    pool = project.TestFlashLender.deploy(shares, sender=deployer)
    shares.transfer(pool, 900, sender=holder)
    sniper = project.RevenueSniper.deploy(
        router, shares, model_id, pool, sender=deployer, value=10_000
    )
    sniper.arm(10_000, sender=deployer)
    pool.flashLoan(sniper, 900, sender=deployer)
    assert shares.balanceOf(pool) == 900
    assert sniper.sniped() <= 9_500 // 1_000


def test_claim__ninety_percent_held_for_three_blocks_around_a_payment__earns_at_most_w_p_d_over_period(
    chain, create_shares, router, licensee, holder, attacker
):
    """A sniper buys 90 % of the supply just before a payment, holds it three 12-second blocks
    after the payment is observed, claims and sells back: it earns w * P * d / UNLOCK_PERIOD
    (+ 1 wei of rounding) of the payment, 0.0375 % of it here, and the long-term holder gets the
    rest once the period has passed."""
    model_id, shares = create_shares(supply=1_000, holder_=holder)
    payment = 10**18
    net = payment * 95 // 100
    shares.transfer(attacker, 900, sender=holder)
    pay(router, model_id, licensee, payment)
    start = chain.blocks.head.timestamp + 12
    chain.pending_timestamp = start
    shares.sync(sender=licensee)  # the payment is observed: it starts unlocking
    chain.mine(timestamp=start + 12)
    chain.mine(timestamp=start + 24)
    chain.pending_timestamp = start + 36
    tx = shares.claim(sender=attacker)
    shares.transfer(holder, 900, sender=attacker)  # same block timestamp + 1 at the earliest
    period = shares.UNLOCK_PERIOD()
    sniped = tx.return_value
    bound = 900 * net * 36 // (1_000 * period)
    assert bound - 2 <= sniped <= bound + 1
    assert sniped * 10_000 <= net * 4  # below 0.04 % of the payment
    chain.mine(timestamp=start + 36 + period)
    assert shares.claimable(holder) + sniped + shares.claimable(attacker) >= net - 2
    assert shares.claimable(attacker) <= net * 900 // (1_000 * period) + 1  # one more second


def test_unlock__one_payment__linear_over_the_period_then_complete(
    chain, create_shares, router, licensee, holder
):
    model_id, shares = create_shares(supply=1_000, holder_=holder)
    pay(router, model_id, licensee, 10**18)
    net = 95 * 10**16
    period = shares.UNLOCK_PERIOD()
    assert period == 86_400
    start = chain.blocks.head.timestamp + 1
    chain.pending_timestamp = start
    tx = shares.sync(sender=licensee)
    [ev] = tx.decode_logs(shares.RevenueObserved)
    assert (ev.amount, ev.locked, ev.unlockEnd) == (net, net, start + period)
    assert (shares.unlockEnd(), shares.observedRevenue()) == (start + period, net)
    chain.mine(timestamp=start + period // 4)
    assert shares.lockedRevenue() == net - net // 4
    assert shares.claimable(holder) == net // 4
    chain.mine(timestamp=start + period)
    assert (shares.lockedRevenue(), shares.claimable(holder)) == (0, net)


def test_observe__locked_part_left__respread_with_new_revenue_over_a_fresh_period(
    chain, create_shares, router, licensee, holder
):
    model_id, shares = create_shares(supply=1_000, holder_=holder)
    period = shares.UNLOCK_PERIOD()
    pay(router, model_id, licensee, 10**18)
    start = chain.blocks.head.timestamp + 1
    chain.pending_timestamp = start
    shares.sync(sender=licensee)
    pay(router, model_id, licensee, 10**18)
    chain.pending_timestamp = start + period // 2
    tx = shares.sync(sender=licensee)
    net = 95 * 10**16
    [ev] = tx.decode_logs(shares.RevenueObserved)
    assert (ev.amount, ev.locked, ev.unlockEnd) == (
        net,
        net // 2 + net,
        start + period // 2 + period,
    )
    assert shares.claimable(holder) == net // 2
    chain.mine(timestamp=start + period)  # half of the fresh period
    assert shares.claimable(holder) == net // 2 + (net // 2 + net) // 2
    chain.mine(timestamp=start + period // 2 + period)
    assert shares.claimable(holder) == 2 * net


def test_sync__twice_with_nothing_new__schedule_unchanged(
    chain, create_shares, router, licensee, holder
):
    model_id, shares = create_shares(supply=1_000, holder_=holder)
    period = shares.UNLOCK_PERIOD()
    pay(router, model_id, licensee, 10**18)
    net = 95 * 10**16
    start = chain.blocks.head.timestamp + 1
    chain.pending_timestamp = start
    shares.sync(sender=licensee)
    assert (shares.unlockEnd(), shares.lockedRevenue()) == (start + period, net)
    for elapsed in (0, period // 3):  # same block, then a third of the period later
        chain.pending_timestamp = max(start + elapsed, chain.blocks.head.timestamp + 1)
        tx = shares.sync(sender=licensee)
        now = chain.blocks[tx.block_number].timestamp
        assert tx.decode_logs(shares.RevenueObserved) == []
        assert shares.unlockEnd() == start + period
        assert shares.lockedRevenue() == net - net * (now - start) // period
        assert shares.observedRevenue() == net
    chain.mine(timestamp=start + period)
    assert (shares.lockedRevenue(), shares.claimable(holder)) == (0, net)


def test_burn__while_revenue_locked__transfers_and_claims_work_and_split_exact(
    chain, create_shares, router, licensee, holder, contributor, consumer
):
    """A burn half-way through the unlock: the unlocked half was earned 50/50; the locked half
    goes on unlocking to the 75 remaining shares (holder 25, contributor 50)."""
    model_id, shares = create_shares(supply=100, holder_=holder)
    shares.transfer(contributor, 50, sender=holder)
    period = shares.UNLOCK_PERIOD()
    pay(router, model_id, licensee)
    start = chain.blocks.head.timestamp + 1
    chain.pending_timestamp = start
    shares.sync(sender=licensee)
    chain.pending_timestamp = start + period // 2
    shares.burn(25, sender=holder)
    assert shares.lockedRevenue() == NET // 2
    assert shares.totalSupply() == 75
    chain.mine(timestamp=start + period)
    assert shares.lockedRevenue() == 0
    # exact shares: 950/2 x 1/2 + 475 x 25/75 and 950/2 x 1/2 + 475 x 50/75 (at most 1 wei below)
    exact_holder = Fraction(NET, 4) + Fraction(NET // 2 * 25, 75)
    exact_contributor = Fraction(NET, 4) + Fraction(NET // 2 * 50, 75)
    assert exact_holder - 1 <= shares.claimable(holder) <= exact_holder
    assert exact_contributor - 1 <= shares.claimable(contributor) <= exact_contributor
    owed_holder, owed_contributor = shares.claimable(holder), shares.claimable(contributor)
    # transfers keep the earned revenue with the sender; claims pay exactly what is claimable
    shares.transfer(consumer, 25, sender=holder)
    assert shares.claimable(holder) == owed_holder
    assert shares.claimable(consumer) == 0
    assert shares.claim(sender=holder).return_value == owed_holder
    assert shares.claim(sender=contributor).return_value == owed_contributor
    assert router.claimable(model_id, shares) == NET - owed_holder - owed_contributor <= 2
    # the next payment splits 50/25 between contributor and consumer, nothing to the holder
    pay(router, model_id, licensee, 750)  # net 712.5 -> 712
    shares.sync(sender=licensee)
    chain.mine(timestamp=chain.blocks.head.timestamp + period)
    assert shares.claimable(holder) == 0
    assert 474 <= shares.claimable(contributor) <= 475
    assert 236 <= shares.claimable(consumer) <= 237
    assert (
        shares.claimedOf(holder) + shares.claimedOf(contributor) == owed_holder + owed_contributor
    )


def test_observe__same_block__per_share_value_and_claimable_unchanged(
    project, deployer, chain, create_shares, router, licensee, holder, contributor
):
    """Observation changes only the future slope of the per-share value: at the instant of a
    sync that observes a new payment, the per-share value and claimable are those just before."""
    model_id, shares = create_shares(supply=1_000, holder_=holder)
    shares.transfer(contributor, 300, sender=holder)
    pay(router, model_id, licensee, 10**18)
    shares.sync(sender=licensee)
    instant = chain.blocks.head.timestamp + 3_600
    chain.mine(timestamp=instant)
    before = (shares.magnifiedRevenuePerShare(), shares.claimable(holder))
    assert before[1] > 0
    chain.pending_timestamp = instant
    pay(router, model_id, licensee, 10**18)
    chain.pending_timestamp = instant
    tx = shares.sync(sender=licensee)
    assert chain.blocks.head.timestamp == instant
    assert tx.decode_logs(shares.RevenueObserved)[0].amount == 95 * 10**16
    assert (shares.magnifiedRevenuePerShare(), shares.claimable(holder)) == before


def test_revenue__payments_transfers_claims__received_equals_paid_claimable_locked_unobserved_dust(
    chain, create_shares, router, licensee, holder, contributor, consumer
):
    """Conservation (SHR-13): revenue received by the shares = paid out + holders' claimable +
    still locked + not observed yet + dust (below one wei per holder), and everything is
    claimable one period after the last observation."""
    model_id, shares = create_shares(supply=3 * 10**18 + 1, holder_=holder)
    holders = [holder, contributor, consumer]
    shares.transfer(contributor, 10**18, sender=holder)
    period = shares.UNLOCK_PERIOD()

    def check():
        total = shares.totalRevenue()
        claimed = sum(shares.claimedOf(h) for h in holders)
        claimable = sum(shares.claimable(h) for h in holders)
        unobserved = total - shares.observedRevenue()
        dust = total - claimed - claimable - shares.lockedRevenue() - unobserved
        assert 0 <= dust <= len(holders)
        return claimable

    for step in range(4):
        pay(router, model_id, licensee, 10**18 + step)
        shares.claim(sender=holders[step % 3])
        check()
        chain.mine(timestamp=chain.blocks.head.timestamp + period // 3)
        shares.transfer(consumer, 10**17, sender=holder)
        pay(router, model_id, licensee, 7 * 10**17)
        check()
    shares.sync(sender=licensee)
    chain.mine(timestamp=chain.blocks.head.timestamp + period)
    assert shares.lockedRevenue() == 0
    assert shares.totalRevenue() == shares.observedRevenue()
    check()
