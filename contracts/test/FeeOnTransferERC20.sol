// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FeeOnTransferERC20
/// @notice Test-only ERC-20 that burns `feeBps` of every transfer, so the receiver gets less
/// than the amount sent.
contract FeeOnTransferERC20 is ERC20 {
    uint256 public immutable FEE_BPS;

    constructor(uint256 feeBps_) ERC20("Fee Token", "FOT") {
        FEE_BPS = feeBps_;
    }

    /// @notice Mints `amount` to `to`; anyone may call (test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = (value * FEE_BPS) / 10_000;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
