// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

/// @title ModelTransferLooper
/// @notice Test-only: moves a model token it holds many times in ONE transaction (to itself),
/// so a test can run hundreds of owner epochs quickly, then hands the token on.
contract ModelTransferLooper {
    /// @notice Transfers `tokenId` from this contract to itself `times` times, then to `to`.
    function loopThenGive(IERC721 registry, uint256 tokenId, uint256 times, address to) external {
        for (uint256 i = 0; i < times; ++i) {
            registry.transferFrom(address(this), address(this), tokenId);
        }
        registry.transferFrom(address(this), to, tokenId);
    }
}
