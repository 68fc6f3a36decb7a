// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {IRevenueRouter} from "../interfaces/IRevenueRouter.sol";
import {CreditSweeps} from "./libraries/CreditSweeps.sol";
import {
    AssetBook,
    AssetBookWord,
    ModelAccount,
    ModelAccountWord,
    Entry,
    EntryWord,
    RevenueRouterWords
} from "./packed/RevenueRouterWords.sol";

/// @title RevenueRouter
/// @notice Receives every payment for a model, takes the protocol fee for the treasury and
/// splits the rest among the model's weighted recipients with an O(1) accumulator.
/// @dev Storage layout, chosen for gas (bit layouts in contracts/packed/):
/// - per model, slot 0: `accPerWeight` (uint184, scaled by ACC_SCALE, reset to 0 at every new
///   recipient set), `totalWeight` (uint32), `epoch` (uint32) and `assetKind` (uint8: the
///   payment asset, fixed for a model's life in the registry, is not cached yet / ETH / an
///   ERC-20); slot 1: the cached ERC-20, read only for ERC-20 models. Payments and claims of an
///   ETH model therefore read one model slot and never call the registry for the asset.
/// - per (model, account): one slot {weight, epoch, hasOwed, snapshot of accPerWeight}, plus
///   `owed` (settled but unclaimed) in a separate mapping. A member of the current recipient
///   set reads `owed` only when `hasOwed` is set (every path that may leave `owed` non-zero for
///   such an entry sets it: joining a set, a partial claimAmount); any other account always
///   reads it. Owner accruals (no recipients) therefore touch `owed` only: the owner is not a
///   member of the (empty) current set.
/// - per asset: one slot {liabilities, fees} (uint128 each).
/// Replacing the recipient set freezes the old accumulator as `_epochEndAcc[model][epoch]`, so
/// accounts of the old set are settled from it whenever they next act: no loop over old
/// recipients, and a set change costs O(new recipients).
/// Bound of the accumulator: per epoch a model can receive 2^184 / ACC_SCALE (~2.4e37 wei) per
/// unit of weight before `pay` reverts with SafeCast's overflow error; the owner can then start
/// a new epoch by calling setRecipients. Per-asset liabilities are bounded by 2^128 - 1.
contract RevenueRouter is IRevenueRouter {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @inheritdoc IRevenueRouter
    uint256 public constant BPS = 10_000;
    /// @inheritdoc IRevenueRouter
    uint256 public constant MAX_FEE_BPS = 1_000;
    /// @inheritdoc IRevenueRouter
    uint256 public constant ACC_SCALE = 1e18;
    /// @inheritdoc IRevenueRouter
    uint256 public constant MAX_RECIPIENTS = 1_000;

    /// @dev keccak256(abi.encode(uint256(keccak256("openzeppelin.storage.ReentrancyGuard")) - 1))
    /// & ~bytes32(uint256(0xff)), as in OpenZeppelin's ReentrancyGuardTransient.
    bytes32 private constant _REENTRANCY_GUARD_SLOT =
        0x9b779b17422d0df92223018b32b4d1fa46e071723d6817e2486d003becc55f00;
    uint256 private constant _PROBE_GAS = 30_000; // per static call of _checkNotForeignShares

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

    /// @notice Re-entry into a guarded function (OpenZeppelin's ReentrancyGuardTransient error).
    error ReentrancyGuardReentrantCall();

    /// @dev OpenZeppelin 5.7.0 ReentrancyGuardTransient's guard - same transient slot, same
    /// error - written inline: its chain of internal calls cost ~150 gas per guarded call on
    /// the payment and claim paths.
    modifier nonReentrant() {
        bool entered;
        assembly ("memory-safe") {
            entered := tload(_REENTRANCY_GUARD_SLOT)
        }
        if (entered) revert ReentrancyGuardReentrantCall();
        assembly ("memory-safe") {
            tstore(_REENTRANCY_GUARD_SLOT, 1)
        }
        _;
        assembly ("memory-safe") {
            tstore(_REENTRANCY_GUARD_SLOT, 0)
        }
    }

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
        ModelAccountWord word = RevenueRouterWords.load(m);
        uint8 kind = word.assetKind();
        address asset = _cachedAsset(m, kind, modelId);
        // First payment of a model never configured: _cachedAsset just wrote the asset kind.
        if (kind == RevenueRouterWords.ASSET_UNKNOWN) word = RevenueRouterWords.load(m);
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

        uint256 fee = (amount * feeBps) / BPS;
        uint256 net;
        unchecked {
            net = amount - fee; // fee <= amount / 10
        }
        {
            AssetBook storage book = _books[asset];
            // One read and one write of the book.
            RevenueRouterWords.store(book, RevenueRouterWords.load(book).addPayment(amount, fee));
        }

        uint256 totalWeight = word.totalWeight();
        if (totalWeight == 0) {
            // No recipients: the owner of the model at this moment earns the revenue. The owner
            // is not in the (empty) current set, so its claims always read `_owed`.
            address owner = _REGISTRY.ownerOf(modelId);
            _owed[modelId][owner] += net;
        } else {
            uint256 acc = (uint256(word.accPerWeight()) + (net * ACC_SCALE) / totalWeight).toUint184();
            RevenueRouterWords.store(m, word.setAccPerWeight(acc));
        }
        emit PaymentReceived(modelId, msg.sender, asset, amount, fee);
        return amount;
    }

    // ----------------------------------------------------------------- model owner

    /// @inheritdoc IRevenueRouter
    function setRecipients(uint256 modelId, address[] calldata recipients, uint32[] calldata weights) external {
        // Unguarded: the sweep pays this router (pay is guarded), before the split changes.
        _sweepCredits(modelId);
        _setRecipients(modelId, recipients, weights);
    }

    function _setRecipients(
        uint256 modelId,
        address[] calldata recipients,
        uint32[] calldata weights
    ) private nonReentrant {
        if (!_REGISTRY.exists(modelId)) revert RevenueRouterUnknownModel(modelId);
        if (_REGISTRY.ownerOf(modelId) != msg.sender) revert RevenueRouterNotModelOwner(modelId, msg.sender);
        uint256 count = recipients.length;
        if (count != weights.length) revert RevenueRouterLengthMismatch(count, weights.length);
        if (count > MAX_RECIPIENTS) revert RevenueRouterTooManyRecipients(count, MAX_RECIPIENTS);

        ModelAccount storage m = _models[modelId];
        _cachedAsset(m, RevenueRouterWords.load(m).assetKind(), modelId);
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
        if (modelIds.length == 1) return _claimOne(modelIds[0], msg.sender);
        return _claim(modelIds, msg.sender);
    }

    /// @inheritdoc IRevenueRouter
    function claimTo(uint256[] calldata modelIds, address to) external nonReentrant returns (uint256 total) {
        if (to == address(0)) revert RevenueRouterZeroAddress();
        if (modelIds.length == 1) return _claimOne(modelIds[0], to);
        return _claim(modelIds, to);
    }

    /// @inheritdoc IRevenueRouter
    function claimAmount(uint256 modelId, uint256 amount, address to) external nonReentrant {
        if (to == address(0)) revert RevenueRouterZeroAddress();
        if (amount == 0) revert RevenueRouterZeroAmount(modelId);
        (uint256 available, uint8 kind) = _collect(modelId, msg.sender);
        if (amount > available) {
            revert RevenueRouterInsufficientClaimable(modelId, msg.sender, amount, available);
        }
        uint256 rest = available - amount;
        if (rest != 0) {
            _owed[modelId][msg.sender] = rest; // _collect zeroed it
            _entries[modelId][msg.sender].hasOwed = true;
        }
        address asset = _assetOf(modelId, kind);
        _books[asset].liabilities -= uint128(amount);
        emit RevenueClaimed(modelId, msg.sender, to, amount);
        _send(asset, to, amount);
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
        if (e.hasOwed || !_isMember(m, e)) amount += _owed[modelId][account];
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
    function modelState(
        uint256 modelId
    ) external view returns (uint256 accPerWeight, uint32 totalWeight, uint32 epoch) {
        ModelAccount storage m = _models[modelId];
        return (m.accPerWeight, m.totalWeight, m.epoch);
    }

    // -------------------------------------------------------------------- internal

    /// @dev `_claim` of a single model (the common case), without memory arrays.
    function _claimOne(uint256 modelId, address to) private returns (uint256 amount) {
        uint8 kind;
        (amount, kind) = _collect(modelId, msg.sender);
        if (amount == 0) return 0;
        address asset = _assetOf(modelId, kind);
        AssetBook storage book = _books[asset];
        AssetBookWord b = RevenueRouterWords.load(book);
        // One read and one write of the book; checked: reverts if `amount` exceeds the liabilities.
        RevenueRouterWords.store(book, b.setLiabilities(b.liabilities() - amount));
        emit RevenueClaimed(modelId, msg.sender, to, amount);
        _send(asset, to, amount);
    }

    /// @dev Settles and zeroes msg.sender's balance on every model (effects), then sends one
    /// transfer per distinct asset (interactions).
    function _claim(uint256[] calldata modelIds, address to) private returns (uint256 total) {
        uint256 n = modelIds.length;
        address[] memory assets = new address[](n);
        uint256[] memory amounts = new uint256[](n);
        uint256 distinct;
        for (uint256 i; i < n; ++i) {
            uint256 modelId = modelIds[i];
            (uint256 amount, uint8 kind) = _collect(modelId, msg.sender);
            if (amount == 0) continue;
            address asset = _assetOf(modelId, kind); // cached: anything accrued went through pay
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

    /// @dev Moves `account`'s pending accrual and owed balance out of the books; returns it and
    /// the model's asset kind. Reads the model's slot 0 and the entry once each (as words) and
    /// writes the entry at most once.
    function _collect(uint256 modelId, address account) private returns (uint256 amount, uint8 kind) {
        uint256 acc;
        uint32 currentEpoch;
        (acc, currentEpoch, kind) = RevenueRouterWords.load(_models[modelId]).claimTerms();
        Entry storage slot = _entries[modelId][account];
        EntryWord e = RevenueRouterWords.load(slot);
        (uint256 weight, uint32 epoch, bool hasOwed) = e.membership();
        bool member = weight != 0 && epoch == currentEpoch;
        if (weight != 0) {
            uint256 end = member ? acc : _epochEndAcc[modelId][epoch];
            uint256 grown = end - e.snapshot(); // checked: the accumulator never decreases
            unchecked {
                amount = (weight * grown) / ACC_SCALE; // < 2^32 * 2^184: cannot overflow
            }
        }
        if (hasOwed || !member) {
            uint256 owed = _owed[modelId][account];
            if (owed != 0) {
                amount += owed;
                _owed[modelId][account] = 0;
            }
        }
        if (member) {
            // Still a recipient. Paid something: same weight and epoch, hasOwed cleared, snapshot
            // moved up to accPerWeight. Nothing due but the flag set: clear the flag only (the
            // snapshot keeps its fraction).
            if (amount != 0) {
                RevenueRouterWords.store(slot, e.setSnapshotAndClearHasOwed(acc));
            } else if (hasOwed) {
                RevenueRouterWords.store(slot, e.clearHasOwed());
            }
        } else if (EntryWord.unwrap(e) != 0) {
            // Not in the current set: settled for good (later owner accruals, if any, are read
            // from `_owed` since it is not a member).
            delete _entries[modelId][account];
        }
    }

    /// @dev Sweeps the model's settled credit revenue (registry.usageCredits(), if set) so it
    /// accrues to the split it was settled under. A sweep that reverts (a model without
    /// credits) does not block the change; one starved of gas by the caller does.
    function _sweepCredits(uint256 modelId) private {
        if (!CreditSweeps.sweep(_REGISTRY.usageCredits(), modelId)) revert RevenueRouterSweepOutOfGas(modelId);
    }

    /// @dev Puts `recipient` in the model's new set, settling its entry from an earlier set.
    function _enter(uint256 modelId, address recipient, uint32 weight, uint32 newEpoch) private {
        if (recipient == address(0)) revert RevenueRouterZeroAddress();
        if (weight == 0) revert RevenueRouterZeroWeight(recipient);
        _checkNotForeignShares(modelId, recipient);
        Entry memory e = _entries[modelId][recipient];
        if (e.epoch == newEpoch) revert RevenueRouterDuplicateRecipient(recipient);
        if (e.weight != 0) {
            // Member of an earlier set (frozen at newEpoch - 1 or before): settle it first.
            uint256 pending = (uint256(e.weight) * (_epochEndAcc[modelId][e.epoch] - e.snapshot)) / ACC_SCALE;
            if (pending != 0) _owed[modelId][recipient] += pending;
        }
        // hasOwed is set unconditionally: owner accruals while the account was not a member may
        // sit in `_owed` without the flag, and reading `_owed` here would cost a slot per
        // recipient. The first claim as a member reads `_owed` once and clears the flag.
        _entries[modelId][recipient] = Entry({weight: weight, epoch: newEpoch, hasOwed: true, snapshot: 0});
    }

    /// @dev Reverts if `recipient` is a ModelShares token of this router for another model. A
    /// contract that does not answer `router()` / `modelId()` (gas-capped static calls) is
    /// accepted as any other recipient.
    function _checkNotForeignShares(uint256 modelId, address recipient) private view {
        if (recipient.code.length == 0) return;
        (bool ok, bytes memory ret) = recipient.staticcall{gas: _PROBE_GAS}(abi.encodeWithSignature("router()"));
        if (!ok || ret.length != 32 || abi.decode(ret, (uint256)) != uint256(uint160(address(this)))) return;
        (ok, ret) = recipient.staticcall{gas: _PROBE_GAS}(abi.encodeWithSignature("modelId()"));
        if (!ok || ret.length != 32) return;
        uint256 other = abi.decode(ret, (uint256));
        if (other != modelId) revert RevenueRouterForeignShares(recipient, other);
    }

    function _pending(uint256 modelId, ModelAccount storage m, Entry memory e) private view returns (uint256) {
        // Views only; _collect inlines the same computation on one read of the model slot.
        if (e.weight == 0) return 0;
        uint256 acc = e.epoch == m.epoch ? m.accPerWeight : _epochEndAcc[modelId][e.epoch];
        return (uint256(e.weight) * (acc - e.snapshot)) / ACC_SCALE;
    }

    /// @dev Whether the entry belongs to the model's current recipient set.
    function _isMember(ModelAccount storage m, Entry memory e) private view returns (bool) {
        return e.weight != 0 && e.epoch == m.epoch;
    }

    /// @dev The model's payment asset, read from the registry once (it is fixed for the model's
    /// life) and cached. Reverts with the registry's error for unknown models.
    function _cachedAsset(ModelAccount storage m, uint8 kind, uint256 modelId) private returns (address asset) {
        if (kind == RevenueRouterWords.ASSET_ETH) return address(0);
        if (kind == RevenueRouterWords.ASSET_ERC20) return m.asset;
        asset = _REGISTRY.paymentAsset(modelId);
        if (asset == address(0)) {
            m.assetKind = RevenueRouterWords.ASSET_ETH;
        } else {
            m.assetKind = RevenueRouterWords.ASSET_ERC20;
            m.asset = asset;
        }
    }

    /// @dev The cached asset of a model that has received a payment (or has a recipient set).
    function _assetOf(uint256 modelId, uint8 kind) private view returns (address) {
        return kind == RevenueRouterWords.ASSET_ERC20 ? _models[modelId].asset : address(0);
    }

    function _send(address asset, address to, uint256 amount) private {
        if (asset == address(0)) {
            bool ok;
            // No return data is copied (a recipient cannot make the caller pay for memory).
            assembly ("memory-safe") {
                ok := call(gas(), to, amount, 0, 0, 0, 0)
            }
            if (!ok) revert RevenueRouterEthTransferFailed(to, amount);
        } else {
            IERC20(asset).safeTransfer(to, amount);
        }
    }
}
