// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title ProtocolTimelock
/// @notice OpenZeppelin's TimelockController, unchanged. It is `ModelRegistry.governance()` (and
/// through it the RevenueRouter's governance), i.e. it holds every protocol admin power:
/// flagging models, the payment-token allow-list, the protocol fee (bounded by the router's
/// MAX_FEE_BPS) and the treasury address.
/// @dev Deployed as: proposer + canceller = ProtocolGovernor, executor = address(0) (anyone may
/// execute a ready operation), admin renounced after wiring, so only a passed proposal that
/// waited `getMinDelay()` seconds can act. The delay itself can only be changed by the timelock.
contract ProtocolTimelock is TimelockController {
    /// @param minDelay Seconds between queueing and execution.
    /// @param proposers Accounts granted PROPOSER_ROLE and CANCELLER_ROLE.
    /// @param executors Accounts granted EXECUTOR_ROLE (address(0) = anyone).
    /// @param admin Optional bootstrap admin (address(0) for none); must renounce after wiring.
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {}
}
