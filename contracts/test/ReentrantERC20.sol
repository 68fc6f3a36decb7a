// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ILicenseManager} from "../../interfaces/ILicenseManager.sol";

/// @title ReentrantERC20
/// @notice Test-only ERC-20 that, once armed, re-enters the LicenseManager from inside
/// `transferFrom` (as a malicious or hook-bearing payment token would).
contract ReentrantERC20 is ERC20 {
    ILicenseManager public manager;
    bytes public reentryCall;

    constructor() ERC20("Reentrant", "RE") {}

    /// @notice Mints `amount` to `to`; anyone may call (test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the hook: the next transferFrom calls `manager_` with `call_` first.
    function arm(ILicenseManager manager_, bytes calldata call_) external {
        manager = manager_;
        reentryCall = call_;
    }

    /// @dev Re-enters once, bubbling up the manager's revert so the test sees its error.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        bytes memory data = reentryCall;
        if (data.length != 0) {
            delete reentryCall;
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory ret) = address(manager).call(data);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(ret, 32), mload(ret))
                }
            }
        }
        return super.transferFrom(from, to, value);
    }
}
