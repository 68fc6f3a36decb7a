// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IRevenueRouter} from "../interfaces/IRevenueRouter.sol";

/// @title RevenueRouter
/// @notice Receives every payment for a model, takes the protocol fee for the treasury and
/// splits the rest among the model's weighted recipients with an O(1) accumulator.
/// @dev Storage layout, chosen for gas:
/// - per model, slot 0: `accPerWeight` (uint184, scaled by ACC_SCALE, reset to 0 at every new
///   recipient set), `totalWeight` (uint32), `epoch` (uint32); slot 1: the cached payment asset
///   (fixed for a model's life in the registry) so payments and claims skip the registry call.
/// - per (model, account): one slot {weight, epoch, hasOwed, snapshot of accPerWeight}, plus
///   `owed` (settled but unclaimed) in a separate mapping read only when `hasOwed` is set.
/// - per asset: one slot {liabilities, fees} (uint128 each).
/// Replacing the recipient set freezes the old accumulator as `_epochEndAcc[model][epoch]`, so
/// accounts of the old set are settled from it whenever they next act: no loop over old
/// recipients, and a set change costs O(new recipients).
/// Bound of the accumulator: per epoch a model can receive 2^184 / ACC_SCALE (~2.4e37 wei) per
/// unit of weight before `pay` reverts with SafeCast's overflow error; the owner can then start
/// a new epoch by calling setRecipients. Per-asset liabilities are bounded by 2^128 - 1.
contract RevenueRouter is IRevenueRouter, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    struct ModelAccount {
        uint184 accPerWeight;
        uint32 totalWeight;
        uint32 epoch;
        address asset;
        bool assetCached;
    }

    struct Entry {
        uint32 weight;
        uint32 epoch;
        bool hasOwed; // `_owed` is non-zero: lets claims skip reading it
        uint184 snapshot;
    }

    struct AssetBook {
        uint128 liabilities;
        uint128 fees;
    }

    /// @inheritdoc IRevenueRouter
    uint256 public constant BPS = 10_000;
    /// @inheritdoc IRevenueRouter
    uint256 public constant MAX_FEE_BPS = 1_000;
    /// @inheritdoc IRevenueRouter
    uint256 public constant ACC_SCALE = 1e18;
    /// @inheritdoc IRevenueRouter
    uint256 public constant MAX_RECIPIENTS = 1_000;

    IModelRegistry private immutable _REGISTRY;

    /// @inheritdoc IRevenueRouter
    address public treasury;
    /// @inheritdoc IRevenueRouter
    uint16 public feeBps;

    mapping(uint256 modelId => ModelAccount) private _models;
    mapping(uint256 modelId => mapping(uint32 epoch => uint256 accPerWeight)) private _epochEndAcc;
    mapping(uint256 modelId => mapping(address account => Entry)) private _entries;
    mapping(uint256 modelId => mapping(address account => uint256 amount)) private _owed;
    mapping(address asset => AssetBook) private _books;

    modifier onlyGovernance() {
        if (msg.sender != _REGISTRY.governance()) revert RevenueRouterNotGovernance(msg.sender);
        _;
    }

    /// @param registry_ The model registry; its `governance()` governs this router.
    /// @param treasury_ Receives protocol fees.
    /// @param feeBps_ Initial protocol fee, at most MAX_FEE_BPS.
    constructor(IModelRegistry registry_, address treasury_, uint16 feeBps_) {
        if (address(registry_) == address(0) || treasury_ == address(0)) revert RevenueRouterZeroAddress();
        if (feeBps_ > MAX_FEE_BPS) revert RevenueRouterFeeTooHigh(feeBps_, MAX_FEE_BPS);
        _REGISTRY = registry_;
        treasury = treasury_;
        feeBps = feeBps_;
        emit TreasurySet(address(0), treasury_);
        emit FeeBpsSet(0, feeBps_);
    }

    // -------------------------------------------------------------------- payments

    /// @inheritdoc IRevenueRouter
    function pay(uint256 modelId, uint256 amount) external payable nonReentrant returns (uint256 credited) {
        if (amount == 0) revert RevenueRouterZeroAmount(modelId);
        ModelAccount storage m = _models[modelId];
        address asset = _cachedAsset(m, modelId);
        if (asset == address(0)) {
            if (msg.value != amount) revert RevenueRouterWrongValue(amount, msg.value);
        } else {
            if (msg.value != 0) revert RevenueRouterWrongValue(0, msg.value);
            // Interaction before effects is deliberate: the amount must be measured before it
            // is accounted; nonReentrant covers callbacks from the token.
            uint256 before = IERC20(asset).balanceOf(address(this));
            IERC20(asset).safeTransferFrom(msg.sender, address(this), amount);
            uint256 received = IERC20(asset).balanceOf(address(this)) - before;
            if (received != amount) revert RevenueRouterTransferMismatch(asset, amount, received);
        }

        uint256 fee = amount * feeBps / BPS;
        uint256 net = amount - fee;
        AssetBook storage book = _books[asset];
        book.liabilities = (uint256(book.liabilities) + amount).toUint128();
        if (fee != 0) book.fees = uint128(book.fees + fee); // fees <= liabilities, cannot overflow

        uint32 totalWeight = m.totalWeight;
        if (totalWeight == 0) {
            // No recipients: the owner of the model at this moment earns the revenue.
            address owner = _REGISTRY.ownerOf(modelId);
            _owed[modelId][owner] += net;
            Entry storage e = _entries[modelId][owner];
            if (!e.hasOwed) e.hasOwed = true;
        } else {
            m.accPerWeight = (uint256(m.accPerWeight) + net * ACC_SCALE / totalWeight).toUint184();
        }
        emit PaymentReceived(modelId, msg.sender, asset, amount, fee);
        return amount;
    }

    // ----------------------------------------------------------------- model owner

    /// @inheritdoc IRevenueRouter
    function setRecipients(uint256 modelId, address[] calldata recipients, uint32[] calldata weights)
        external
        nonReentrant
    {
        if (!_REGISTRY.exists(modelId)) revert RevenueRouterUnknownModel(modelId);
        if (_REGISTRY.ownerOf(modelId) != msg.sender) revert RevenueRouterNotModelOwner(modelId, msg.sender);
        uint256 count = recipients.length;
        if (count != weights.length) revert RevenueRouterLengthMismatch(count, weights.length);
        if (count > MAX_RECIPIENTS) revert RevenueRouterTooManyRecipients(count, MAX_RECIPIENTS);

        ModelAccount storage m = _models[modelId];
        _cachedAsset(m, modelId);
        uint32 oldEpoch = m.epoch;
        uint32 newEpoch = oldEpoch + 1;
        // Freeze the old set: its accounts settle against this value from now on.
        _epochEndAcc[modelId][oldEpoch] = m.accPerWeight;

        uint256 total;
        for (uint256 i; i < count; ++i) {
            _enter(modelId, recipients[i], weights[i], newEpoch);
            total += weights[i];
        }
        if (total > type(uint32).max) revert RevenueRouterTotalWeightTooLarge(total);

        m.accPerWeight = 0;
        m.totalWeight = uint32(total);
        m.epoch = newEpoch;
        emit RecipientsSet(modelId, newEpoch, recipients, weights);
    }

    // ------------------------------------------------------------------ recipients

    /// @inheritdoc IRevenueRouter
    function claim(uint256[] calldata modelIds) external nonReentrant returns (uint256 total) {
        return _claim(modelIds, msg.sender);
    }

    /// @inheritdoc IRevenueRouter
    function claimTo(uint256[] calldata modelIds, address to) external nonReentrant returns (uint256 total) {
        if (to == address(0)) revert RevenueRouterZeroAddress();
        return _claim(modelIds, to);
    }

    /// @inheritdoc IRevenueRouter
    function claimFees(address asset) external nonReentrant returns (uint256 amount) {
        AssetBook storage book = _books[asset];
        amount = book.fees;
        if (amount == 0) return 0;
        book.fees = 0;
        book.liabilities -= uint128(amount);
        address to = treasury;
        emit FeesClaimed(asset, to, amount);
        _send(asset, to, amount);
    }

    // ------------------------------------------------------------------ governance

    /// @inheritdoc IRevenueRouter
    function setFeeBps(uint16 newFeeBps) external onlyGovernance {
        if (newFeeBps > MAX_FEE_BPS) revert RevenueRouterFeeTooHigh(newFeeBps, MAX_FEE_BPS);
        emit FeeBpsSet(feeBps, newFeeBps);
        feeBps = newFeeBps;
    }

    /// @inheritdoc IRevenueRouter
    function setTreasury(address newTreasury) external onlyGovernance {
        if (newTreasury == address(0)) revert RevenueRouterZeroAddress();
        emit TreasurySet(treasury, newTreasury);
        treasury = newTreasury;
    }

    // ----------------------------------------------------------------------- views

    /// @inheritdoc IRevenueRouter
    function registry() external view returns (IModelRegistry) {
        return _REGISTRY;
    }

    /// @inheritdoc IRevenueRouter
    function claimable(uint256 modelId, address account) external view returns (uint256) {
        ModelAccount storage m = _models[modelId];
        Entry memory e = _entries[modelId][account];
        uint256 amount = _pending(modelId, m, e);
        if (e.hasOwed) amount += _owed[modelId][account];
        return amount;
    }

    /// @inheritdoc IRevenueRouter
    function feesOwed(address asset) external view returns (uint256) {
        return _books[asset].fees;
    }

    /// @inheritdoc IRevenueRouter
    function liabilities(address asset) external view returns (uint256) {
        return _books[asset].liabilities;
    }

    /// @inheritdoc IRevenueRouter
    function weightOf(uint256 modelId, address account) external view returns (uint32) {
        Entry memory e = _entries[modelId][account];
        return e.epoch == _models[modelId].epoch ? e.weight : 0;
    }

    /// @inheritdoc IRevenueRouter
    function modelState(uint256 modelId)
        external
        view
        returns (uint256 accPerWeight, uint32 totalWeight, uint32 epoch)
    {
        ModelAccount storage m = _models[modelId];
        return (m.accPerWeight, m.totalWeight, m.epoch);
    }

    // -------------------------------------------------------------------- internal

    /// @dev Settles and zeroes msg.sender's balance on every model (effects), then sends one
    /// transfer per distinct asset (interactions).
    function _claim(uint256[] calldata modelIds, address to) private returns (uint256 total) {
        uint256 n = modelIds.length;
        address[] memory assets = new address[](n);
        uint256[] memory amounts = new uint256[](n);
        uint256 distinct;
        for (uint256 i; i < n; ++i) {
            uint256 modelId = modelIds[i];
            uint256 amount = _collect(modelId, msg.sender);
            if (amount == 0) continue;
            address asset = _models[modelId].asset; // cached: anything accrued went through pay
            emit RevenueClaimed(modelId, msg.sender, to, amount);
            uint256 j;
            while (j < distinct && assets[j] != asset) ++j;
            if (j == distinct) {
                assets[j] = asset;
                ++distinct;
            }
            amounts[j] += amount;
        }
        for (uint256 j; j < distinct; ++j) {
            address asset = assets[j];
            uint256 amount = amounts[j];
            _books[asset].liabilities -= uint128(amount);
            total += amount;
        }
        for (uint256 j; j < distinct; ++j) {
            _send(assets[j], to, amounts[j]);
        }
    }

    /// @dev Moves `account`'s pending accrual and owed balance out of the books; returns it.
    function _collect(uint256 modelId, address account) private returns (uint256 amount) {
        ModelAccount storage m = _models[modelId];
        Entry memory entry = _entries[modelId][account];
        amount = _pending(modelId, m, entry);
        if (entry.hasOwed) {
            amount += _owed[modelId][account];
            _owed[modelId][account] = 0;
        }
        if (entry.weight != 0 && entry.epoch == m.epoch) {
            // Still a recipient: move its snapshot up (only if something was due).
            if (amount != 0) {
                _entries[modelId][account] =
                    Entry({weight: entry.weight, epoch: entry.epoch, hasOwed: false, snapshot: m.accPerWeight});
            }
        } else if (entry.weight != 0 || entry.hasOwed) {
            delete _entries[modelId][account]; // not in the current set: settled for good
        }
    }

    /// @dev Puts `recipient` in the model's new set, settling its entry from an earlier set.
    function _enter(uint256 modelId, address recipient, uint32 weight, uint32 newEpoch) private {
        if (recipient == address(0)) revert RevenueRouterZeroAddress();
        if (weight == 0) revert RevenueRouterZeroWeight(recipient);
        Entry memory e = _entries[modelId][recipient];
        if (e.epoch == newEpoch) revert RevenueRouterDuplicateRecipient(recipient);
        bool hasOwed = e.hasOwed;
        if (e.weight != 0) {
            // Member of an earlier set (frozen at newEpoch - 1 or before): settle it first.
            uint256 pending = uint256(e.weight) * (_epochEndAcc[modelId][e.epoch] - e.snapshot) / ACC_SCALE;
            if (pending != 0) {
                _owed[modelId][recipient] += pending;
                hasOwed = true;
            }
        }
        _entries[modelId][recipient] = Entry({weight: weight, epoch: newEpoch, hasOwed: hasOwed, snapshot: 0});
    }

    function _pending(uint256 modelId, ModelAccount storage m, Entry memory e) private view returns (uint256) {
        if (e.weight == 0) return 0;
        uint256 acc = e.epoch == m.epoch ? m.accPerWeight : _epochEndAcc[modelId][e.epoch];
        return uint256(e.weight) * (acc - e.snapshot) / ACC_SCALE;
    }

    /// @dev The model's payment asset, read from the registry once (it is fixed for the model's
    /// life) and cached. Reverts with the registry's error for unknown models.
    function _cachedAsset(ModelAccount storage m, uint256 modelId) private returns (address asset) {
        if (m.assetCached) return m.asset;
        asset = _REGISTRY.paymentAsset(modelId);
        m.asset = asset;
        m.assetCached = true;
    }

    function _send(address asset, address to, uint256 amount) private {
        if (asset == address(0)) {
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert RevenueRouterEthTransferFailed(to, amount);
        } else {
            IERC20(asset).safeTransfer(to, amount);
        }
    }
}
