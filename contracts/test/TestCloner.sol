// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

/// @title TestCloner
/// @notice Test-only: makes a plain EIP-1167 clone of an implementation, so tests can initialize
/// a clone with parameters the Fractionalizer never uses.
contract TestCloner {
    /// @notice A clone was created.
    event Cloned(address instance);

    /// @notice Clones `implementation` (CREATE) and returns the clone.
    function clone(address implementation) external returns (address instance) {
        instance = Clones.clone(implementation);
        emit Cloned(instance);
    }
}
