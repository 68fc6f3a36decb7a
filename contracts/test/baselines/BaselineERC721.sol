// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @notice Gas baseline: OpenZeppelin ERC-721 with an open mint.
contract BaselineERC721 is ERC721 {
    uint256 private _next = 1;

    constructor() ERC721("Baseline", "B721") {}

    function mint(address to) external returns (uint256 id) {
        id = _next++;
        _mint(to, id);
    }
}
