// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FalseReturningERC20
/// @notice Test-only ERC-20 that, once `failing` is switched on, answers `transfer` and
/// `transferFrom` with `false` without reverting and without moving anything (the behaviour
/// of pre-standard tokens on failure). Off, it behaves as a plain ERC-20.
contract FalseReturningERC20 is ERC20 {
    bool public failing;

    constructor() ERC20("False Token", "FALSE") {}

    /// @notice Mints `amount` to `to`; anyone may call (test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Switches the silent failure on or off; anyone may call (test token).
    function setFailing(bool failing_) external {
        failing = failing_;
    }

    /// @dev Returns false (nothing moves) while failing.
    function transfer(address to, uint256 value) public override returns (bool) {
        if (failing) return false;
        return super.transfer(to, value);
    }

    /// @dev Returns false (nothing moves, allowance untouched) while failing.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (failing) return false;
        return super.transferFrom(from, to, value);
    }
}
