// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IUsageCredits} from "../../interfaces/IUsageCredits.sol";

/// @title CreditSweeps
/// @notice The UsageCredits sweep that ModelRegistry runs before a model changes hands and
/// RevenueRouter before a model's split changes, so that settled credit revenue accrues to the
/// owner and split it was earned under.
library CreditSweeps {
    /// @dev Gas given to the sweep (a sweep uses well under 100k): a failing or wasteful sweep
    /// costs the caller at most this much and never blocks it.
    uint256 internal constant GAS = 300_000;

    /// @dev Sweeps `modelId`'s settled credit revenue on `credits` (none when `credits` is
    /// address(0)). A sweep that reverts (a model without credits, a router or token that
    /// refuses the payment) is ignored; returns false when it failed for want of the gas its
    /// caller gave the transaction (at most 1/64 of it left), which the caller reverts on.
    function sweep(address credits, uint256 modelId) internal returns (bool ran) {
        if (credits == address(0)) return true;
        uint256 gasBefore = gasleft();
        // slither-disable-next-line unused-return
        try IUsageCredits(credits).sweep{gas: GAS}(modelId) {} catch {
            return gasleft() > gasBefore / 64;
        }
        return true;
    }
}
