// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {IGovernanceToken} from "../interfaces/IGovernanceToken.sol";

/// @title GovernanceToken
/// @notice Fixed-supply ERC-20 with permit and checkpointed votes on a timestamp clock.
/// @dev The whole supply is minted once, in the constructor, to `holder`; there is no mint or
/// burn function afterwards, so nobody (governance included) can inflate voting power.
contract GovernanceToken is ERC20, ERC20Permit, ERC20Votes, IGovernanceToken {
    /// @param name_ Token name (also the EIP-712 domain name used by permit and delegateBySig).
    /// @param symbol_ Token symbol.
    /// @param holder Receives the whole supply (a distributor, multisig or vesting contract).
    /// @param supply Total supply, fixed forever; at most type(uint208).max (ERC20Votes bound).
    constructor(
        string memory name_,
        string memory symbol_,
        address holder,
        uint256 supply
    ) ERC20(name_, symbol_) ERC20Permit(name_) {
        if (holder == address(0)) revert GovernanceTokenZeroHolder();
        if (supply == 0) revert GovernanceTokenZeroSupply();
        _mint(holder, supply);
    }

    /// @notice ERC-6372 clock: the block timestamp, so governance durations are in seconds.
    function clock() public view override returns (uint48) {
        return uint48(block.timestamp);
    }

    /// @notice ERC-6372 clock description.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
