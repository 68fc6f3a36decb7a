// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title GasBurningSweeper
/// @notice Test-only: a UsageCredits stand-in whose `sweep` burns all the gas it is given.
contract GasBurningSweeper {
    uint256 public spins;

    /// @notice Never returns: loops until it runs out of gas.
    function sweep(uint256) external returns (uint256) {
        while (true) {
            ++spins;
        }
        return 0;
    }
}
