// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC3009} from "@openzeppelin/contracts/token/ERC20/extensions/draft-ERC3009.sol";

/// @title AuthorizedERC20
/// @notice Test-only ERC-20 that really checks signed authorizations, as USDC does: EIP-2612
/// `permit` (OpenZeppelin's ERC20Permit) and ERC-3009 `transferWithAuthorization` /
/// `receiveWithAuthorization` / `cancelAuthorization` with random 32-byte nonces (OpenZeppelin's
/// ERC3009, v/r/s signatures). Both share one EIP-712 domain: name = the token's name, version "1".
/// Configurable decimals and an open mint.
contract AuthorizedERC20 is ERC20, ERC20Permit, ERC3009 {
    uint8 private immutable _DECIMALS;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) ERC20Permit(name_) {
        _DECIMALS = decimals_;
    }

    /// @notice Mints `amount` to `to`; anyone may call (test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @inheritdoc ERC20
    function decimals() public view override returns (uint8) {
        return _DECIMALS;
    }
}
