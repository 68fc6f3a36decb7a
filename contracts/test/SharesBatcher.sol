// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title SharesBatcher
/// @notice Test-only: sends several transfers of a token it holds in ONE transaction, so vote
/// checkpoints are updated more than once in the same block.
contract SharesBatcher {
    /// @notice Transfers `amounts[i]` of `token` from this contract to `to[i]`, in order.
    function transfers(IERC20 token, address[] calldata to, uint256[] calldata amounts) external {
        for (uint256 i = 0; i < to.length; ++i) {
            // slither-disable-next-line unchecked-transfer
            token.transfer(to[i], amounts[i]);
        }
    }
}
