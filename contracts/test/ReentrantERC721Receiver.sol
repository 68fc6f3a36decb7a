// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {ReentrantCallback} from "./ReentrantCallback.sol";

/// @title ReentrantERC721Receiver
/// @notice Test-only attacker: when armed, its `onERC721Received` hook makes one arbitrary call
/// (e.g. back into the LicenseManager or the ModelRegistry) in the middle of a safe transfer to
/// it. The owner drives it as an account through `execute` (buy, approve, transfer).
contract ReentrantERC721Receiver is ReentrantCallback, IERC721Receiver {
    constructor(address owner_) ReentrantCallback(owner_) {}

    receive() external payable {}

    /// @notice Arms the hook: the next ERC-721 receipt calls `target_` with `data` and `value`.
    function arm(address target_, uint256 value, bytes calldata data, bool bubble_) external {
        _arm(target_, value, data, bubble_);
    }

    /// @inheritdoc IERC721Receiver
    function onERC721Received(address, address, uint256, bytes calldata) external returns (bytes4) {
        _hook();
        return IERC721Receiver.onERC721Received.selector;
    }
}
