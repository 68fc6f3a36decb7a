// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IModelShares} from "../../interfaces/IModelShares.sol";
import {IRevenueRouter} from "../../interfaces/IRevenueRouter.sol";
import {ScheduleWord, TotalsWord, ModelSharesWords} from "../packed/ModelSharesWords.sol";
import {ModelSharesStorage} from "./ModelSharesStorage.sol";

/// @title ModelSharesRevenue
/// @notice The revenue part of ModelShares: observing revenue routed to the token, its linear
/// unlock, the per-share accumulator and holders' claims (paid by the router straight to them).
/// @dev See IModelShares for the accounting (accumulator, corrections, rounding, bounds). A
/// balance change adjusts the account's correction by `_perShareNow() * value` (ModelShares).
abstract contract ModelSharesRevenue is IModelShares, ModelSharesStorage, ReentrancyGuardTransient {
    using SafeCast for uint256;
    using SafeCast for int256;

    /// @inheritdoc IModelShares
    uint256 public constant MAGNITUDE = 2 ** 128;
    /// @inheritdoc IModelShares
    uint256 public constant UNLOCK_PERIOD = 1 days;

    /// @dev Totals flags: a burn checkpointed `_baseMagnified` and `_baseUnlocked`.
    uint8 internal constant _HAS_BASE = 1;

    /// @inheritdoc IModelShares
    function sync() external {
        _observe(ModelSharesWords.load(_totals), _totalRevenue());
    }

    /// @inheritdoc IModelShares
    function claim() external nonReentrant returns (uint256 amount) {
        return _claim(msg.sender, msg.sender);
    }

    /// @inheritdoc IModelShares
    function claimTo(address to) external nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert ModelSharesZeroAddress();
        return _claim(msg.sender, to);
    }

    /// @inheritdoc IModelShares
    function claimFor(address account) external nonReentrant returns (uint256 amount) {
        if (account == address(0)) revert ModelSharesZeroAddress();
        return _claim(account, payoutOf(account));
    }

    /// @inheritdoc IModelShares
    function setPayout(address payout) external {
        _payouts[msg.sender] = payout;
        emit PayoutSet(msg.sender, payout);
    }

    /// @inheritdoc IModelShares
    function claimable(address account) external view returns (uint256) {
        return _accumulated(account, _perShareNow()) - _claimed[account];
    }

    /// @inheritdoc IModelShares
    function accumulatedOf(address account) external view returns (uint256) {
        return _accumulated(account, _perShareNow());
    }

    /// @inheritdoc IModelShares
    function payoutOf(address account) public view returns (address) {
        address payout = _payouts[account];
        return payout == address(0) ? account : payout;
    }

    /// @inheritdoc IModelShares
    function claimedOf(address account) external view returns (uint256) {
        return _claimed[account];
    }

    /// @inheritdoc IModelShares
    function totalRevenue() external view returns (uint256) {
        return _totalRevenue();
    }

    /// @inheritdoc IModelShares
    function observedRevenue() external view returns (uint256) {
        return _totals.observed;
    }

    /// @inheritdoc IModelShares
    function lockedRevenue() external view returns (uint256) {
        return _lockedAt(ModelSharesWords.load(_schedule));
    }

    /// @inheritdoc IModelShares
    function unlockEnd() external view returns (uint256) {
        return _schedule.end;
    }

    /// @inheritdoc IModelShares
    function magnifiedRevenuePerShare() external view returns (uint256) {
        return _perShareNow();
    }

    /// @inheritdoc IModelShares
    function router() external view returns (IRevenueRouter router_) {
        (router_, ) = _routerAndModel();
    }

    /// @inheritdoc IModelShares
    function modelId() external view returns (uint256 modelId_) {
        (, modelId_) = _routerAndModel();
    }

    /// @inheritdoc IModelShares
    function asset() external view returns (address) {
        (IRevenueRouter router_, uint256 modelId_) = _routerAndModel();
        return router_.registry().paymentAsset(modelId_);
    }

    /// @dev Before the divisor (the supply) changes: checkpoints the per-share value, so that
    /// revenue unlocked so far is spread over the supply before the change and what unlocks from
    /// now on over the supply after it. Returns `t` flagged as checkpointed and the value.
    function _checkpointPerShare(TotalsWord t) internal returns (TotalsWord, uint256 mps) {
        uint256 unlocked = _unlocked(t);
        mps = _perShare(t, unlocked);
        _baseMagnified = mps;
        _baseUnlocked = unlocked;
        return (t.setFlags(t.flags() | _HAS_BASE), mps);
    }

    /// @dev Observed revenue that has unlocked by now.
    function _unlocked(TotalsWord t) internal view returns (uint256) {
        uint256 observed = t.observed();
        if (observed == 0) return 0;
        return observed - _lockedAt(ModelSharesWords.load(_schedule));
    }

    /// @dev The per-share value once `unlocked` revenue has unlocked: what unlocked since the
    /// last burn, spread over the supply since then, on top of the value at that burn.
    function _perShare(TotalsWord t, uint256 unlocked) internal view returns (uint256) {
        if (t.flags() & _HAS_BASE == 0) return (unlocked * MAGNITUDE) / t.supply();
        return _baseMagnified + ((unlocked - _baseUnlocked) * MAGNITUDE) / t.supply();
    }

    /// @dev The live per-share value (a storage read of the schedule, no call to the router).
    function _perShareNow() internal view returns (uint256) {
        TotalsWord t = ModelSharesWords.load(_totals);
        return _perShare(t, _unlocked(t));
    }

    /// @dev Observes new revenue, then pays `account` what it has accumulated and not claimed.
    function _claim(address account, address to) private returns (uint256 amount) {
        uint256 paid = _paid;
        (IRevenueRouter router_, uint256 modelId_) = _routerAndModel();
        (TotalsWord t, uint256 locked) = _observe(
            ModelSharesWords.load(_totals),
            paid + router_.claimable(modelId_, address(this))
        );
        uint256 claimed = _claimed[account];
        amount = _accumulated(account, _perShare(t, t.observed() - locked)) - claimed;
        if (amount == 0) return 0;
        _claimed[account] = claimed + amount;
        // Observed revenue is unchanged: paid grows by what the router's claimable loses.
        _paid = paid + amount;
        emit RevenueClaimed(account, to, amount);
        // amount <= unlocked - paid <= observed - paid <= what the router holds for the token.
        router_.claimAmount(modelId_, amount, to);
    }

    /// @dev Revenue routed to the token up to now is `total`; what is new since the last
    /// observation joins what is still locked, and the sum unlocks over a fresh UNLOCK_PERIOD
    /// from now. The unlocked revenue (observed - locked), hence the per-share value, is the
    /// same just before and just after. Returns `t` updated and the revenue locked now.
    function _observe(TotalsWord t, uint256 total) private returns (TotalsWord, uint256 locked) {
        uint256 observed = t.observed();
        if (observed != 0) locked = _lockedAt(ModelSharesWords.load(_schedule));
        if (total <= observed) return (t, locked);
        uint256 amount = total - observed;
        locked += amount;
        uint64 start = uint64(block.timestamp);
        uint64 end = start + uint64(UNLOCK_PERIOD);
        t = t.setObserved(total.toUint120());
        ModelSharesWords.store(_totals, t);
        ModelSharesWords.store(_schedule, ModelSharesWords.newSchedule(uint128(locked), start, end)); // locked <= observed
        emit RevenueObserved(amount, locked, end);
        return (t, locked);
    }

    /// @dev What is left of the schedule's locked revenue now: `locked` minus its floored linear
    /// unlock since `start` (never below what is still locked exactly, so never paid early).
    function _lockedAt(ScheduleWord s) private view returns (uint256) {
        (uint256 locked, uint256 start, uint256 end) = s.unpack();
        if (block.timestamp >= end) return 0;
        return locked - (locked * (block.timestamp - start)) / (end - start);
    }

    /// @dev Revenue routed to the token so far: paid out plus what the router holds for it.
    function _totalRevenue() private view returns (uint256) {
        (IRevenueRouter router_, uint256 modelId_) = _routerAndModel();
        return _paid + router_.claimable(modelId_, address(this));
    }

    function _accumulated(address account, uint256 mps) private view returns (uint256) {
        int256 magnified = (mps * _holders[account].balance).toInt256() + _revenue[account].correction;
        return magnified.toUint256() / MAGNITUDE;
    }

    /// @dev The router and model id from the immutable arguments (see ModelSharesStorage._ARGS).
    function _routerAndModel() private view returns (IRevenueRouter router_, uint256 modelId_) {
        bytes32 word;
        assembly ("memory-safe") {
            extcodecopy(address(), 0x00, _ARGS, 0x20)
            word := mload(0x00)
        }
        router_ = IRevenueRouter(address(bytes20(word)));
        modelId_ = uint96(uint256(word));
    }
}
