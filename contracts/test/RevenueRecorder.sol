// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IRevenueRouter} from "../../interfaces/IRevenueRouter.sol";
import {IModelRegistry} from "../../interfaces/IModelRegistry.sol";

/// @title RevenueRecorder
/// @notice Test-only stand-in for the RevenueRouter: keeps what it is paid and records the
/// total and the number of payments per model. ERC-20 payments are pulled with transferFrom.
contract RevenueRecorder is IRevenueRouter {
    using SafeERC20 for IERC20;

    error RevenueRecorderWrongValue(uint256 amount, uint256 value);

    event PaymentRecorded(uint256 indexed modelId, address indexed payer, uint256 amount);

    IModelRegistry public immutable REGISTRY;
    mapping(uint256 modelId => uint256) public received;
    mapping(uint256 modelId => uint256) public payments;

    constructor(address registry_) {
        REGISTRY = IModelRegistry(registry_);
    }

    function pay(uint256 modelId, uint256 amount) external payable returns (uint256 credited) {
        address asset = REGISTRY.paymentAsset(modelId);
        if (asset == address(0)) {
            if (msg.value != amount) revert RevenueRecorderWrongValue(amount, msg.value);
            credited = amount;
        } else {
            if (msg.value != 0) revert RevenueRecorderWrongValue(amount, msg.value);
            uint256 before = IERC20(asset).balanceOf(address(this));
            IERC20(asset).safeTransferFrom(msg.sender, address(this), amount);
            credited = IERC20(asset).balanceOf(address(this)) - before;
        }
        received[modelId] += credited;
        payments[modelId] += 1;
        emit PaymentRecorded(modelId, msg.sender, credited);
    }
}
