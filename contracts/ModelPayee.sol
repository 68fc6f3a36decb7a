// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IModelPayee} from "../interfaces/IModelPayee.sol";
import {IRevenueRouter} from "../interfaces/IRevenueRouter.sol";

/// @title ModelPayee
/// @notice One model's pay-to address; see IModelPayees. A plain contract, not a clone, so a
/// 2300-gas ETH send reaches it.
contract ModelPayee is IModelPayee {
    using SafeERC20 for IERC20;

    /// @inheritdoc IModelPayee
    address public immutable FACTORY;

    /// @dev No arguments: the creation code, hence the CREATE2 address, depends on nothing but
    /// the factory and the salt.
    constructor() {
        FACTORY = msg.sender;
    }

    /// @notice Accepts ETH from anyone.
    receive() external payable {}

    /// @inheritdoc IModelPayee
    function route(IRevenueRouter router, uint256 modelId, address asset) external returns (uint256 amount) {
        if (msg.sender != FACTORY) revert ModelPayeeNotFactory(msg.sender);
        if (asset == address(0)) {
            amount = address(this).balance;
            if (amount != 0) router.pay{value: amount}(modelId, amount);
        } else {
            amount = IERC20(asset).balanceOf(address(this));
            if (amount != 0) {
                IERC20(asset).forceApprove(address(router), amount);
                router.pay(modelId, amount);
            }
        }
    }

    /// @inheritdoc IModelPayee
    function release(address asset, address to) external returns (uint256 amount) {
        if (msg.sender != FACTORY) revert ModelPayeeNotFactory(msg.sender);
        if (asset == address(0)) {
            amount = address(this).balance;
            (bool ok, ) = to.call{value: amount}("");
            if (!ok) revert ModelPayeeEthTransferFailed(to, amount);
        } else {
            amount = IERC20(asset).balanceOf(address(this));
            IERC20(asset).safeTransfer(to, amount);
        }
    }
}
