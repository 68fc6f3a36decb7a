// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Gas baseline: OpenZeppelin ERC-20 with the supply minted at deployment.
contract BaselineERC20 is ERC20 {
    constructor(address holder, uint256 supply) ERC20("Baseline", "B20") {
        _mint(holder, supply);
    }
}
