// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

interface IFlashBorrower {
    function onFlashLoan(uint256 amount) external;
}

/// @notice TEST ONLY: lends its whole balance of `TOKEN` for the duration of one call.
contract TestFlashLender {
    error TestFlashLenderNotRepaid(uint256 expected, uint256 actual);

    IERC20 public immutable TOKEN;

    constructor(IERC20 token) {
        TOKEN = token;
    }

    function flashLoan(IFlashBorrower borrower, uint256 amount) external {
        uint256 before = TOKEN.balanceOf(address(this));
        TOKEN.transfer(address(borrower), amount);
        borrower.onFlashLoan(amount);
        uint256 afterBalance = TOKEN.balanceOf(address(this));
        if (afterBalance < before) revert TestFlashLenderNotRepaid(before, afterBalance);
    }
}
