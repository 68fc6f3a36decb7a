// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TimelockControllerUpgradeable} from
    "@openzeppelin/contracts-upgradeable/governance/TimelockControllerUpgradeable.sol";

/// @title ModelTimelock
/// @notice Timelock of one fractionalized model: owner of the model NFT, hence the model's
/// authority (prices, offers, gateways, versions, status, revenue split). Executes what the
/// model's ModelGovernor passed after `getMinDelay()`. OpenZeppelin's upgradeable
/// TimelockController, used only as an EIP-1167 clone implementation (never behind a proxy admin:
/// clones cannot be upgraded).
/// @dev The Fractionalizer calls the inherited
/// `initialize(minDelay, [governor], [address(0)], address(0))` in the creating transaction:
/// proposer + canceller = the model's governor, anyone may execute a ready operation, no admin
/// (DEFAULT_ADMIN_ROLE is held only by the timelock itself).
contract ModelTimelock is TimelockControllerUpgradeable {
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }
}
