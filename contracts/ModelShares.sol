// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";
import {ERC20PermitUpgradeable} from
    "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20PermitUpgradeable.sol";
import {ERC20VotesUpgradeable} from
    "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC20VotesUpgradeable.sol";
import {NoncesUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/NoncesUpgradeable.sol";
import {IModelShares} from "../interfaces/IModelShares.sol";
import {IRevenueRouter} from "../interfaces/IRevenueRouter.sol";

/// @title ModelShares
/// @notice Per-model revenue-sharing ERC-20 with votes and permit, deployed as an EIP-1167 clone.
/// @dev See IModelShares for the accounting. Bounds: the accumulator stays exact while the
/// revenue routed to one token stays below 2^127 wei-units (magnified values are int256).
/// Votes use the default block-number clock of ERC20Votes.
contract ModelShares is
    ERC20Upgradeable,
    ERC20PermitUpgradeable,
    ERC20VotesUpgradeable,
    ReentrancyGuardTransient,
    IModelShares
{
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;

    /// @inheritdoc IModelShares
    uint256 public constant MAGNITUDE = 2 ** 128;

    /// @inheritdoc IModelShares
    IRevenueRouter public router;
    /// @inheritdoc IModelShares
    address public asset;
    /// @inheritdoc IModelShares
    uint256 public modelId;
    /// @inheritdoc IModelShares
    uint256 public magnifiedRevenuePerShare;

    /// @dev Revenue already spread over holders through the accumulator.
    uint128 private _observed;
    /// @dev Revenue received from the router so far.
    uint128 private _pulled;
    /// @dev Revenue paid out to holders so far.
    uint256 private _paid;
    mapping(address account => int256) private _corrections;
    mapping(address account => uint256) private _claimed;

    /// @dev Locks the implementation; clones are set up through initialize.
    constructor() {
        _disableInitializers();
    }

    /// @dev Only the router sends ETH (when the token pulls its revenue).
    receive() external payable {
        if (msg.sender != address(router)) revert ModelSharesUnexpectedEth(msg.sender);
    }

    /// @inheritdoc IModelShares
    function initialize(
        string calldata name_,
        string calldata symbol_,
        uint256 modelId_,
        IRevenueRouter router_,
        uint256 supply,
        address initialHolder
    ) external initializer {
        if (address(router_) == address(0) || initialHolder == address(0)) revert ModelSharesZeroAddress();
        if (supply == 0) revert ModelSharesZeroSupply();
        __ERC20_init(name_, symbol_);
        __ERC20Permit_init(name_);
        __ERC20Votes_init();
        router = router_;
        modelId = modelId_;
        asset = router_.registry().paymentAsset(modelId_);
        _mint(initialHolder, supply);
    }

    /// @inheritdoc IModelShares
    function sync() external {
        _sync();
    }

    /// @inheritdoc IModelShares
    function claim() external nonReentrant returns (uint256 amount) {
        return _claim(msg.sender);
    }

    /// @inheritdoc IModelShares
    function claimTo(address to) external nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert ModelSharesZeroAddress();
        return _claim(to);
    }

    /// @inheritdoc IModelShares
    function burn(uint256 value) external {
        uint256 supply = totalSupply();
        if (value >= supply) revert ModelSharesBurnsLastShares(value, supply);
        _burn(msg.sender, value);
    }

    /// @inheritdoc IModelShares
    function claimable(address account) external view returns (uint256) {
        return _accumulated(account, _magnifiedPerShareNow()) - _claimed[account];
    }

    /// @inheritdoc IModelShares
    function accumulatedOf(address account) external view returns (uint256) {
        return _accumulated(account, _magnifiedPerShareNow());
    }

    /// @inheritdoc IModelShares
    function claimedOf(address account) external view returns (uint256) {
        return _claimed[account];
    }

    /// @inheritdoc IModelShares
    function totalRevenue() public view returns (uint256) {
        return _pulled + router.claimable(modelId, address(this));
    }

    /// @notice Votes go to the account itself until it delegates elsewhere (no delegate step).
    function delegates(address account) public view override returns (address) {
        address delegatee = super.delegates(account);
        return delegatee == address(0) ? account : delegatee;
    }

    /// @inheritdoc ERC20PermitUpgradeable
    function nonces(address owner) public view override(ERC20PermitUpgradeable, NoncesUpgradeable) returns (uint256) {
        return super.nonces(owner);
    }

    /// @dev Delegating to address(0) means delegating to oneself: votes are never parked at
    /// address(0), which keeps `delegates` and the vote checkpoints consistent.
    function _delegate(address account, address delegatee) internal override {
        super._delegate(account, delegatee == address(0) ? account : delegatee);
    }

    /// @dev Observes pending revenue first, so it is spread over the balances it accrued to;
    /// then moves the balance and corrects both sides by the exact magnified amount.
    function _update(address from, address to, uint256 value)
        internal
        override(ERC20Upgradeable, ERC20VotesUpgradeable)
    {
        _sync();
        super._update(from, to, value);
        int256 magnified = (magnifiedRevenuePerShare * value).toInt256();
        if (from != address(0)) _corrections[from] += magnified;
        if (to != address(0)) _corrections[to] -= magnified;
    }

    function _claim(address to) private returns (uint256 amount) {
        _sync();
        amount = _accumulated(msg.sender, magnifiedRevenuePerShare) - _claimed[msg.sender];
        if (amount == 0) return 0;
        _claimed[msg.sender] += amount;
        uint256 held = _pulled - _paid;
        _paid += amount;
        emit RevenueClaimed(msg.sender, to, amount);
        if (held < amount) {
            uint256[] memory ids = new uint256[](1);
            ids[0] = modelId;
            // Pulls everything the router holds for this token; later claims use it first.
            _pulled = (_pulled + router.claim(ids)).toUint128();
        }
        if (asset == address(0)) {
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert ModelSharesEthTransferFailed(to, amount);
        } else {
            IERC20(asset).safeTransfer(to, amount);
        }
    }

    function _sync() private {
        uint256 supply = totalSupply();
        if (supply == 0) return; // only before the initial mint
        uint256 total = totalRevenue();
        uint256 observed = _observed;
        if (total <= observed) return;
        uint256 delta = total - observed;
        uint256 mps = magnifiedRevenuePerShare + delta * MAGNITUDE / supply;
        magnifiedRevenuePerShare = mps;
        _observed = total.toUint128();
        emit RevenueObserved(delta, mps);
    }

    function _magnifiedPerShareNow() private view returns (uint256 mps) {
        mps = magnifiedRevenuePerShare;
        uint256 supply = totalSupply();
        uint256 total = totalRevenue();
        if (supply != 0 && total > _observed) mps += (total - _observed) * MAGNITUDE / supply;
    }

    function _accumulated(address account, uint256 mps) private view returns (uint256) {
        return ((mps * balanceOf(account)).toInt256() + _corrections[account]).toUint256() / MAGNITUDE;
    }
}
