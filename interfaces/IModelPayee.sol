// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRevenueRouter} from "./IRevenueRouter.sol";

/// @title IModelPayee
/// @notice The pay-to address of one model: it holds whatever is sent to it (ERC-20 transfers,
/// ETH, including 2300-gas sends) until its factory, ModelPayees, moves it out. Deployed by the
/// factory with CREATE2 (salt = model id), so its address is known before it exists.
interface IModelPayee {
    /// @notice Only the factory that deployed the payee may move its funds.
    error ModelPayeeNotFactory(address caller);
    /// @notice Sending the payee's ETH to `to` failed.
    error ModelPayeeEthTransferFailed(address to, uint256 amount);

    /// @notice Pays the payee's whole balance of `asset` (address(0) = ETH) to `router` for
    /// `modelId` with `router.pay`. Only the factory.
    /// @return amount The amount paid (0: nothing held, nothing called).
    function route(IRevenueRouter router, uint256 modelId, address asset) external returns (uint256 amount);

    /// @notice Sends the payee's whole balance of `asset` (address(0) = ETH) to `to`. Only the
    /// factory.
    /// @return amount The amount sent.
    function release(address asset, address to) external returns (uint256 amount);

    /// @notice The ModelPayees factory that deployed this payee.
    function FACTORY() external view returns (address);
}
