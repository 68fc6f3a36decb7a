// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title BalanceFailingERC20
/// @notice Test-only ERC-20 whose `balanceOf` can be switched to fail: mode 1 reverts with
/// `BalanceUnavailable(account)`, mode 2 returns no data. Mode 0 is a plain ERC-20.
contract BalanceFailingERC20 is ERC20 {
    uint8 public mode;

    error BalanceUnavailable(address account);

    constructor() ERC20("Balance Failing", "BFAIL") {}

    /// @notice Mints `amount` to `to`; anyone may call (test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Sets how `balanceOf` fails (0: it does not); anyone may call (test token).
    function setMode(uint8 mode_) external {
        mode = mode_;
    }

    /// @dev Fails as `mode` says.
    function balanceOf(address account) public view override returns (uint256) {
        if (mode == 1) revert BalanceUnavailable(account);
        if (mode == 2) {
            assembly ("memory-safe") {
                return(0, 0)
            }
        }
        return super.balanceOf(account);
    }
}
