// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IRevenueRouter
/// @notice Every payment for a model lands here in the model's payment asset. A protocol fee
/// (basis points, governed, capped by MAX_FEE_BPS) accrues to the treasury; the rest accrues to
/// the model's recipients by weight through a per-model accumulator (O(1) per payment).
/// Recipients pull what they are owed.
interface IRevenueRouter {
    /// @notice Pays `amount` of the model's payment asset to the model.
    /// ETH models: msg.value must equal `amount`. ERC-20 models: msg.value must be 0 and the
    /// router pulls `amount` from msg.sender with transferFrom (the caller approves first);
    /// the amount credited is what the router actually received.
    /// @return credited The amount accounted (fee + recipients' share).
    function pay(uint256 modelId, uint256 amount) external payable returns (uint256 credited);
}
