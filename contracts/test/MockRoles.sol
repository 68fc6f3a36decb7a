// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title MockRoles
/// @notice Test-only AccessControl contract whose deployer starts as the default admin:
/// the shape of every Modelmint module whose admin powers the deploy hands to governance.
contract MockRoles is AccessControl {
    constructor() {
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
    }
}
