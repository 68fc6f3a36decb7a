// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IModelRegistry} from "../../interfaces/IModelRegistry.sol";
import {IRevenueRouter} from "../../interfaces/IRevenueRouter.sol";

/// @title RevenueRecorder
/// @notice Test-only stand-in for the RevenueRouter: keeps every payment and records per-model
/// totals, following the IRevenueRouter.pay rules (exact msg.value for ETH; transferFrom pull for
/// ERC-20s).
contract RevenueRecorder is IRevenueRouter {
    IModelRegistry public immutable REGISTRY;
    mapping(uint256 modelId => uint256) public received;
    uint256 public payments;

    error RevenueRecorderBadValue(uint256 expected, uint256 sent);
    error RevenueRecorderPullFailed();

    constructor(IModelRegistry registry_) {
        REGISTRY = registry_;
    }

    /// @inheritdoc IRevenueRouter
    function pay(uint256 modelId, uint256 amount) external payable returns (uint256 credited) {
        address asset = REGISTRY.paymentAsset(modelId);
        if (asset == address(0)) {
            if (msg.value != amount) revert RevenueRecorderBadValue(amount, msg.value);
        } else {
            if (msg.value != 0) revert RevenueRecorderBadValue(0, msg.value);
            if (!IERC20(asset).transferFrom(msg.sender, address(this), amount)) revert RevenueRecorderPullFailed();
        }
        received[modelId] += amount;
        ++payments;
        return amount;
    }
}
